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

/**
 * Replaces the options of a vscode-single-select and selects `value`. The option to select carries
 * the `selected` attribute: the component rebuilds its list when its slot changes (a microtask
 * later) and then selects the option marked `selected`, or else the first one; a `value` set before
 * that would be lost, and the form would show its first option ("Pick a routing id").
 */
export function setOptions(select: HTMLElement & { value: string }, options: readonly { value: string; label: string }[], value: string): void {
  const sig = JSON.stringify(options);
  if (select.dataset.optionsSig !== sig) {
    select.dataset.optionsSig = sig;
    select.replaceChildren(...options.map((o) => h('vscode-option', { value: o.value, selected: o.value === value }, o.label)));
  } else if (select.value !== value) {
    for (const option of select.children) option.toggleAttribute('selected', option.getAttribute('value') === value);
  }
  if (select.value !== value) select.value = value;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes and children (text children become text nodes). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number | null | undefined> = {}, ...children: (Node | string | null | undefined)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (name === 'testid') el.setAttribute('data-testid', String(value));
    else el.setAttribute(name, String(value));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** Sets an attribute only when it changed. */
export function setAttr(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** A rate as people read it: 0, 7, 12.5, 1.2k, 50k. */
export function formatRate(n: number): string {
  if (n < 10) return String(Math.round(n * 10) / 10);
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  return `${Math.round(n / 1000)}k`;
}

/** Cuts text to `max` characters with an ellipsis (SVG text does not wrap or clip by itself). */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
