/**
 * The traffic timeline: the filter toolbar and a virtualised table. Only the rows inside the
 * viewport (plus a few either side) exist in the DOM, all of one fixed height, reused as the user
 * scrolls; a spacer gives the scrollbar the full height. `update()` is called at most once per
 * animation frame by main.ts, however many messages arrived since.
 *
 * It is an ARIA grid: arrow keys, Page Up/Down, Home and End move the selection (the inspector
 * follows), Enter moves the focus into the inspector, Escape clears the selection; the selected
 * row is the grid's active descendant and carries the focus ring while the table has the focus.
 */

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { TrafficView } from '../protocol';
import { peerFilterChoices } from '../peer-targets';
import type { DebuggerState } from '../state';
import { parseTargetKey, targetKey } from '../state-keys';
import { framePreview, trafficPredicate, type DirectionFilter, type TrafficFilter } from '../traffic-filter';
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
  readonly #viewport = h('div', { class: 'viewport', testid: 'traffic-list', tabindex: 0, role: 'grid', 'aria-label': 'Traffic', 'aria-readonly': 'true' });
  readonly #spacer = h('div', { class: 'spacer' });
  readonly #rows = h('div', { class: 'rows' });
  readonly #status = h('span', { testid: 'traffic-status' });
  readonly #paused = h('span', { class: 'paused-note', testid: 'autoscroll-note' });
  readonly #showAll = h('vscode-button', { testid: 'filter-clear', secondary: true, title: 'Clear the text and peer filters' }, 'Show all');
  readonly #pool: RowEls[] = [];
  readonly #onInspect: () => void;
  #state: DebuggerState | null = null;
  #programmaticTop = -1;

  /** `onInspect`: Enter on a row, to move the focus into the inspector. */
  constructor(ctx: ViewContext, onInspect: () => void) {
    this.#ctx = ctx;
    this.#onInspect = onInspect;
    this.#direction.append(
      h('vscode-option', { value: 'all' }, 'In & out'),
      h('vscode-option', { value: 'in' }, 'In'),
      h('vscode-option', { value: 'out' }, 'Out'),
    );
    this.#filterText.addEventListener('input', () => ctx.dispatch({ kind: 'ui/filter', patch: { text: this.#filterText.value } }));
    this.#routing.addEventListener('change', () => ctx.dispatch({ kind: 'ui/filter', patch: peerFilterOf(this.#routing.value) }));
    this.#showAll.addEventListener('click', () => ctx.dispatch({ kind: 'ui/filter', patch: { text: '', socketId: null, routingId: null, direction: 'all' } }));
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
    const column = (label: string): HTMLSpanElement => h('span', { role: 'columnheader' }, label);
    const head = h('div', { class: 'timeline-head', role: 'row', 'aria-rowindex': 1 }, column('Time'), column('Dir'), column('Routing id'), column('Kind'), column('Size'), column('Preview'));
    // The header is the grid's first row: it sits outside the scrolling viewport, so it is owned by id.
    head.id = 'traffic-head';
    this.#viewport.setAttribute('aria-owns', 'traffic-head');
    this.element = h('div', { class: 'pane', testid: 'timeline' },
      h('div', { class: 'toolbar' }, this.#filterText, this.#routing, this.#direction, this.#commands, this.#pause, clear, exportBtn),
      this.#filterError, head, this.#viewport, h('div', { class: 'status' }, this.#status, this.#showAll, this.#paused));
    new ResizeObserver(() => this.#draw()).observe(this.#viewport);
  }

  /** Gives the keyboard to the traffic table (back from the inspector). */
  focus(): void {
    this.#viewport.focus();
  }

  /** Redraws from the state; cheap when nothing the timeline shows has changed. */
  update(state: DebuggerState): void {
    const prev = this.#state;
    this.#state = state;
    if (prev === null || prev.filter !== state.filter) this.#syncToolbar(state);
    if (prev === null || prev.peers !== state.peers || prev.filter !== state.filter || prev.sockets !== state.sockets || prev.socketLabels !== state.socketLabels || prev.seenTargets.size !== state.seenTargets.size || !sameKeys(prev.seenTargets, state.seenTargets)) this.#syncRoutingOptions(state);
    if (prev === null || prev.autoScroll !== state.autoScroll || prev.selectedSeq !== state.selectedSeq) {
      // The button says what it does to what: it is auto-scroll that pauses, not the traffic.
      setText(this.#pause, state.autoScroll ? 'Pause auto-scroll' : 'Resume auto-scroll');
      this.#pause.setAttribute('title', state.autoScroll ? 'Stop following the newest frame (traffic keeps coming)' : 'Follow the newest frame again');
      this.#pause.dataset.paused = String(!state.autoScroll);
      setText(this.#paused, state.autoScroll ? '' : state.selectedSeq !== null ? 'Auto-scroll paused while a frame is selected; new frames arrive below' : 'Auto-scroll paused; new frames arrive below');
    }
    this.#visible.update(state.traffic, state.filter);
    setText(this.#filterError, state.filterError === null ? '' : `Invalid regex: ${state.filterError}`);
    const f = state.filter;
    const filtered = f.text !== '' || f.socketId !== null || f.direction !== 'all';
    setText(this.#status, `${this.#visible.length} of ${state.traffic.length} frames shown · buffer ${state.bufferSize}` + (state.dropped > 0 ? ` · ${state.dropped} older dropped` : ''));
    this.#showAll.hidden = !filtered;
    this.#viewport.setAttribute('aria-rowcount', String(this.#visible.length + 1));
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

  /** The peer filter: every socket, every live routing id, and the routing ids with frames in the ring. */
  #syncRoutingOptions(state: DebuggerState): void {
    const { sockets, targets } = peerFilterChoices(state);
    const labels = new Map(state.sockets.map((s) => [s.socketId, s.label]));
    const options = [{ value: '', label: 'All sockets and peers' }];
    for (const s of sockets) {
      options.push({ value: `socket:${s.socketId}`, label: `${s.label} · all peers` });
      for (const t of targets) if (t.socketId === s.socketId) options.push({ value: t.key, label: `#${t.routingId} · ${s.label}${t.live ? '' : ' · gone'}` });
    }
    // Routing ids of sockets that are closed since (a finished script run): their frames are still here.
    for (const t of targets) if (!labels.has(t.socketId)) options.push({ value: t.key, label: `#${t.routingId} · ${state.socketLabels.get(t.socketId) ?? t.socketId} · gone` });
    const f = state.filter;
    setOptions(this.#routing, options, f.socketId === null ? '' : f.routingId === null ? `socket:${f.socketId}` : targetKey(f.socketId, f.routingId));
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
    const frames: FrameList = this.#visible;
    const sel = this.#ctx.state().selectedSeq;
    if (ev.key === 'Escape') {
      if (sel !== null) this.#ctx.dispatch({ kind: 'ui/selectMessage', seq: null });
      return;
    }
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      if (frames.length === 0) return;
      if (sel === null || indexOfSeq(frames, sel) < 0) this.#ctx.dispatch({ kind: 'ui/selectMessage', seq: frames.at(frames.length - 1).seq });
      if (ev.key === 'Enter') this.#onInspect();
      return;
    }
    const page = Math.max(1, Math.floor(this.#viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, (i: number) => number> = {
      ArrowDown: (i) => i + 1,
      ArrowUp: (i) => (i < 0 ? frames.length - 1 : i - 1),
      PageDown: (i) => i + page,
      PageUp: (i) => (i < 0 ? frames.length - 1 : i - page),
      Home: () => 0,
      End: () => frames.length - 1,
    };
    const move = moves[ev.key];
    if (move === undefined) return;
    ev.preventDefault();
    if (frames.length === 0) return;
    const i = Math.min(frames.length - 1, Math.max(0, move(sel === null ? -1 : indexOfSeq(frames, sel))));
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
    let active = '';
    for (let i = 0; i < this.#pool.length; i++) {
      const els = this.#pool[i];
      if (i >= count) {
        if (!els.row.hidden) {
          els.row.hidden = true;
          delete els.row.dataset.seq;
          els.row.removeAttribute('id');
        }
        continue;
      }
      const f = frames.at(first + i);
      els.row.hidden = false;
      const selected = f.seq === state.selectedSeq;
      fillRow(els, f, selected, first + i + 2);
      if (selected) active = els.row.id;
    }
    if (active === '') this.#viewport.removeAttribute('aria-activedescendant');
    else this.#viewport.setAttribute('aria-activedescendant', active);
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
  const cell = (testid: string): HTMLSpanElement => h('span', { testid, role: 'gridcell' });
  const time = cell('traffic-time');
  const dir = cell('traffic-direction');
  const rid = cell('traffic-routing-id');
  const kind = cell('traffic-kind');
  const size = cell('traffic-size');
  const preview = cell('traffic-preview');
  const row = h('div', { class: 'row', testid: 'traffic-row', role: 'row' }, time, dir, rid, kind, size, preview);
  return { row, time, dir, rid, kind, size, preview };
}

/** `rowIndex`: the row's place in the grid for assistive technology (the header is row 1). */
function fillRow(els: RowEls, f: TrafficView, selected: boolean, rowIndex: number): void {
  const seq = String(f.seq);
  els.row.setAttribute('aria-rowindex', String(rowIndex));
  if (els.row.dataset.seq !== seq) {
    els.row.dataset.seq = seq;
    els.row.id = `frame-${seq}`;
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

/** The filter patch of a peer-filter option: '' (all), `socket:<id>`, or a `targetKey`. */
function peerFilterOf(value: string): Partial<TrafficFilter> {
  if (value.startsWith('socket:')) return { socketId: value.slice('socket:'.length), routingId: null };
  const target = parseTargetKey(value);
  return target === null ? { socketId: null, routingId: null } : { socketId: target.socketId, routingId: target.routingId };
}

function sameKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  if (a === b) return true;
  for (const k of b.keys()) if (!a.has(k)) return false;
  return true;
}
