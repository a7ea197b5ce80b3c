/**
 * The traffic timeline: the filter toolbar and a virtualised list. Only the rows inside the
 * viewport (plus a few either side) exist in the DOM, all of one fixed height, reused as the user
 * scrolls; a spacer gives the scrollbar the full height. `update()` is called at most once per
 * animation frame by main.ts, however many messages arrived since.
 */

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { TrafficView } from '../protocol';
import { framePreview, sendTargets, trafficPredicate, type DebuggerState, type DirectionFilter, type TrafficFilter } from '../state';
import type { ViewContext } from './context';
import { formatTime, h, setOptions, setText } from './dom';

/** Row height in px; must match `--row-height` in the page CSS. */
export const ROW_HEIGHT = 22;
/** Rows drawn beyond the viewport on each side. */
const OVERSCAN = 8;

/** A read-only window on the filtered frames. */
export interface FrameList {
  readonly length: number;
  at(index: number): TrafficView;
}

/**
 * The filtered frames, kept incrementally: while the filter is unchanged, new frames are filtered
 * on arrival and frames that left the ring are dropped from the front, so a frame is tested once.
 * The backing array is appended in place and compacted only when half of it is dead, so a busy
 * timeline does not copy the whole list every animation frame.
 */
export class VisibleFrames implements FrameList {
  #buf: TrafficView[] = [];
  #start = 0;
  #filter: TrafficFilter | null = null;
  #source: readonly TrafficView[] | null = null;
  #lastSeq = -Infinity;

  get length(): number {
    return this.#buf.length - this.#start;
  }

  at(index: number): TrafficView {
    return this.#buf[this.#start + index];
  }

  /** Brings the list up to date with this state. */
  update(traffic: readonly TrafficView[], filter: TrafficFilter): void {
    if (traffic === this.#source && filter === this.#filter) return;
    const pred = trafficPredicate(filter);
    const first = traffic.length > 0 ? traffic[0].seq : Infinity;
    const prevFirst = this.#source !== null && this.#source.length > 0 ? this.#source[0].seq : -Infinity;
    if (filter !== this.#filter || traffic.length === 0 || this.#source === null || first < prevFirst) {
      this.#buf = traffic.filter(pred);
      this.#start = 0;
    } else {
      // Drop what fell out of the ring, then add what is newer than the last frame seen.
      while (this.#start < this.#buf.length && this.#buf[this.#start].seq < first) this.#start++;
      let from = traffic.length;
      while (from > 0 && traffic[from - 1].seq > this.#lastSeq) from--;
      for (let i = from; i < traffic.length; i++) if (pred(traffic[i])) this.#buf.push(traffic[i]);
      if (this.#start > 1024 && this.#start * 2 > this.#buf.length) {
        this.#buf = this.#buf.slice(this.#start);
        this.#start = 0;
      }
    }
    this.#lastSeq = traffic.length > 0 ? traffic[traffic.length - 1].seq : -Infinity;
    this.#source = traffic;
    this.#filter = filter;
  }
}

interface RowEls {
  readonly row: HTMLDivElement;
  readonly time: HTMLSpanElement;
  readonly dir: HTMLSpanElement;
  readonly rid: HTMLSpanElement;
  readonly kind: HTMLSpanElement;
  readonly size: HTMLSpanElement;
  readonly preview: HTMLSpanElement;
}

/** The right-hand timeline pane. */
export class TimelineView {
  readonly element: HTMLDivElement;
  readonly #ctx: ViewContext;
  readonly #visible = new VisibleFrames();
  readonly #filterText = h('vscode-textfield', { testid: 'filter-text', placeholder: 'Filter: text or /regex/', title: 'Text (case-insensitive) or /regex/flags' });
  readonly #filterError = h('div', { class: 'filter-error', testid: 'filter-error', role: 'alert' });
  readonly #routing = h('vscode-single-select', { testid: 'filter-routing-id', title: 'Routing id' });
  readonly #direction = h('vscode-single-select', { testid: 'filter-direction', title: 'Direction' });
  readonly #commands = h('vscode-checkbox', { testid: 'filter-show-commands', label: 'Commands' });
  readonly #pause = h('vscode-button', { testid: 'autoscroll-toggle', secondary: true });
  readonly #viewport = h('div', { class: 'viewport', testid: 'traffic-list', tabindex: 0, role: 'listbox', 'aria-label': 'Traffic' });
  readonly #spacer = h('div', { class: 'spacer' });
  readonly #rows = h('div', { class: 'rows' });
  readonly #status = h('div', { class: 'status', testid: 'traffic-status' });
  readonly #pool: RowEls[] = [];
  #state: DebuggerState | null = null;
  #programmaticTop = -1;

  constructor(ctx: ViewContext) {
    this.#ctx = ctx;
    this.#direction.append(
      h('vscode-option', { value: 'all' }, 'In & out'),
      h('vscode-option', { value: 'in' }, 'In'),
      h('vscode-option', { value: 'out' }, 'Out'),
    );
    this.#filterText.addEventListener('input', () => ctx.dispatch({ kind: 'ui/filter', patch: { text: this.#filterText.value } }));
    this.#routing.addEventListener('change', () => {
      const v = this.#routing.value;
      ctx.dispatch({ kind: 'ui/filter', patch: { routingId: v === '' ? null : Number(v) } });
    });
    this.#direction.addEventListener('change', () => ctx.dispatch({ kind: 'ui/filter', patch: { direction: this.#direction.value as DirectionFilter } }));
    this.#commands.addEventListener('change', () => ctx.dispatch({ kind: 'ui/filter', patch: { showCommands: this.#commands.checked } }));
    this.#pause.addEventListener('click', () => ctx.dispatch({ kind: 'ui/autoScroll', on: !(this.#state?.autoScroll ?? true) }));
    const clear = h('vscode-button', { testid: 'clear-traffic', secondary: true, title: 'Clear the traffic buffer' }, 'Clear');
    clear.addEventListener('click', () => void ctx.request('traffic/clear', {}).catch(() => undefined));
    const exportBtn = h('vscode-button', { testid: 'export-traffic', secondary: true, title: 'Export the traffic buffer as NDJSON' }, 'Export…');
    exportBtn.addEventListener('click', () => void ctx.request('traffic/export', {}).catch(() => undefined));

    this.#viewport.append(this.#spacer, this.#rows);
    this.#viewport.addEventListener('scroll', () => this.#onScroll(), { passive: true });
    this.#viewport.addEventListener('click', (ev) => this.#onClick(ev));
    this.#viewport.addEventListener('keydown', (ev) => this.#onKey(ev));
    const head = h('div', { class: 'timeline-head' }, h('span', {}, 'Time'), h('span', {}, 'Dir'), h('span', {}, 'Routing id'), h('span', {}, 'Kind'), h('span', {}, 'Size'), h('span', {}, 'Preview'));
    this.element = h('div', { class: 'pane', testid: 'timeline' },
      h('div', { class: 'toolbar' }, this.#filterText, this.#routing, this.#direction, this.#commands, this.#pause, clear, exportBtn),
      this.#filterError, head, this.#viewport, this.#status);
    new ResizeObserver(() => this.#draw()).observe(this.#viewport);
  }

  /** Redraws from the state; cheap when nothing the timeline shows has changed. */
  update(state: DebuggerState): void {
    const prev = this.#state;
    this.#state = state;
    if (prev === null || prev.filter !== state.filter) this.#syncToolbar(state);
    if (prev === null || prev.peers !== state.peers || prev.filter !== state.filter) this.#syncRoutingOptions(state);
    if (prev === null || prev.autoScroll !== state.autoScroll) {
      setText(this.#pause, state.autoScroll ? 'Pause' : 'Resume');
      this.#pause.setAttribute('title', state.autoScroll ? 'Pause auto-scroll' : 'Resume auto-scroll');
      this.#pause.dataset.paused = String(!state.autoScroll);
    }
    this.#visible.update(state.traffic, state.filter);
    setText(this.#filterError, state.filterError === null ? '' : `Invalid regex: ${state.filterError}`);
    setText(this.#status, `${this.#visible.length} of ${state.traffic.length} frames shown · buffer ${state.bufferSize}` + (state.dropped > 0 ? ` · ${state.dropped} older dropped` : ''));
    this.#spacer.style.height = `${this.#visible.length * ROW_HEIGHT}px`;
    if (state.autoScroll) {
      const top = Math.max(0, this.#visible.length * ROW_HEIGHT - this.#viewport.clientHeight);
      if (Math.abs(this.#viewport.scrollTop - top) >= 1) {
        this.#programmaticTop = top;
        this.#viewport.scrollTop = top;
      }
    }
    this.#draw();
  }

  #syncToolbar(state: DebuggerState): void {
    if (this.#filterText.value !== state.filter.text) this.#filterText.value = state.filter.text;
    if (this.#direction.value !== state.filter.direction) this.#direction.value = state.filter.direction;
    if (this.#commands.checked !== state.filter.showCommands) this.#commands.checked = state.filter.showCommands;
  }

  #syncRoutingOptions(state: DebuggerState): void {
    const ids = new Set<number>();
    for (const t of sendTargets(state)) ids.add(t.routingId);
    if (state.filter.routingId !== null) ids.add(state.filter.routingId);
    const options = [{ value: '', label: 'All routing ids' }, ...[...ids].sort((a, b) => a - b).map((id) => ({ value: String(id), label: `#${id}` }))];
    setOptions(this.#routing, options, state.filter.routingId === null ? '' : String(state.filter.routingId));
  }

  #onScroll(): void {
    const vp = this.#viewport;
    if (this.#programmaticTop >= 0 && Math.abs(vp.scrollTop - this.#programmaticTop) < 1) {
      this.#programmaticTop = -1;
      this.#draw();
      return;
    }
    this.#programmaticTop = -1;
    const atBottom = vp.scrollTop + vp.clientHeight >= vp.scrollHeight - ROW_HEIGHT;
    const auto = this.#state?.autoScroll ?? true;
    // Scrolling up pauses auto-scroll; scrolling back to the bottom resumes it.
    if (auto && !atBottom) this.#ctx.dispatch({ kind: 'ui/autoScroll', on: false });
    else if (!auto && atBottom && vp.scrollTop > 0) this.#ctx.dispatch({ kind: 'ui/autoScroll', on: true });
    this.#draw();
  }

  #onClick(ev: Event): void {
    const row = (ev.target as Element | null)?.closest?.('.row') as HTMLElement | null;
    if (row === null || row.dataset.seq === undefined) return;
    const seq = Number(row.dataset.seq);
    this.#ctx.dispatch({ kind: 'ui/selectMessage', seq: this.#state?.selectedSeq === seq ? null : seq });
  }

  #onKey(ev: KeyboardEvent): void {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    ev.preventDefault();
    const frames: FrameList = this.#visible;
    if (frames.length === 0) return;
    const sel = this.#state?.selectedSeq ?? null;
    let i = sel === null ? -1 : indexOfSeq(frames, sel);
    i = ev.key === 'ArrowDown' ? Math.min(frames.length - 1, i + 1) : Math.max(0, i < 0 ? frames.length - 1 : i - 1);
    this.#ctx.dispatch({ kind: 'ui/selectMessage', seq: frames.at(i).seq });
    const top = i * ROW_HEIGHT;
    const vp = this.#viewport;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
  }

  /** Draws the rows in view: reuses pooled row elements, touching only text that changed. */
  #draw(): void {
    const state = this.#state;
    if (state === null) return;
    const vp = this.#viewport;
    const frames: FrameList = this.#visible;
    const height = vp.clientHeight || ROW_HEIGHT * 20;
    const first = Math.max(0, Math.floor(vp.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(frames.length, Math.ceil((vp.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const count = Math.max(0, last - first);
    while (this.#pool.length < count) {
      const els = makeRow();
      this.#pool.push(els);
      this.#rows.append(els.row);
    }
    this.#rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let i = 0; i < this.#pool.length; i++) {
      const els = this.#pool[i];
      if (i >= count) {
        els.row.hidden = true;
        continue;
      }
      const f = frames.at(first + i);
      els.row.hidden = false;
      fillRow(els, f, f.seq === state.selectedSeq);
    }
  }
}

function indexOfSeq(frames: FrameList, seq: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = frames.at(mid).seq;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function makeRow(): RowEls {
  const time = h('span', { testid: 'traffic-time' });
  const dir = h('span', { testid: 'traffic-direction' });
  const rid = h('span', { testid: 'traffic-routing-id' });
  const kind = h('span', { testid: 'traffic-kind' });
  const size = h('span', { testid: 'traffic-size' });
  const preview = h('span', { testid: 'traffic-preview' });
  const row = h('div', { class: 'row', testid: 'traffic-row', role: 'option' }, time, dir, rid, kind, size, preview);
  return { row, time, dir, rid, kind, size, preview };
}

function fillRow(els: RowEls, f: TrafficView, selected: boolean): void {
  const seq = String(f.seq);
  if (els.row.dataset.seq !== seq) {
    els.row.dataset.seq = seq;
    els.row.dataset.direction = f.direction;
    els.row.dataset.kind = f.kind;
    els.row.dataset.routingId = f.routingId === null ? '' : String(f.routingId);
    els.row.className = `row${f.kind === 'data' ? '' : ' cmd'}`;
    setText(els.time, formatTime(f.time));
    setText(els.dir, f.direction === 'in' ? '← in' : '→ out');
    els.dir.className = `dir-${f.direction}`;
    setText(els.rid, f.routingId === null ? '—' : `#${f.routingId}`);
    setText(els.kind, f.kind);
    setText(els.size, `${f.size} B`);
    setText(els.preview, framePreview(f));
  }
  els.row.classList.toggle('selected', selected);
  els.row.setAttribute('aria-selected', String(selected));
}
