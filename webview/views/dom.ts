/**
 * A tiny element builder for the view modules: `h('div', { class: 'peer', testid: 'peer-row' }, child…)`.
 * Text children become text nodes (never HTML), so payloads from the wire cannot inject markup.
 */

/** Attributes for `h`: `testid` becomes `data-testid`; `on<Event>` functions become listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'testid') {
      el.setAttribute('data-testid', String(value));
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** Sets text only when it changed (cheap for per-frame updates). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Formats a time as HH:MM:SS.mmm (local time). */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Formats a byte count: 999 B, 1.2 KiB, 3.4 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Replaces the options of a vscode-single-select, keeping `value` when it still exists. */
export function setOptions(select: HTMLElement & { value: string }, options: readonly { value: string; label: string }[], value: string): void {
  const sig = JSON.stringify(options);
  if (select.dataset.optionsSig !== sig) {
    select.dataset.optionsSig = sig;
    select.replaceChildren(...options.map((o) => h('vscode-option', { value: o.value }, o.label)));
  }
  if (select.value !== value) select.value = value;
}
