/**
 * The debugger webview's state and its pure reducer. The host owns the real state (sockets live in
 * the extension host); this is the webview's copy of it, fed by `init` and `event` messages, plus
 * the view state the user controls (filters, selection, drafts, auto-scroll). No DOM, no vscode:
 * unit tests run it in plain Node.
 */

import type { EventView, HostToWebview, PayloadFormat, PeerView, SavedMessage, SocketView, TrafficView } from './protocol';
import { assertNever, base64ToBytes, previewText } from './payload';

/** Traffic ring size when the host has not said (it always does, in `init`). */
export const DEFAULT_BUFFER_SIZE = 10_000;
/** The traffic ring never holds more than this, whatever the settings say. */
export const MAX_BUFFER_SIZE = 1_000_000;
/** The monitor event log keeps this many entries, newest last. */
export const MAX_EVENTS = 1_000;

/** Which way the direction filter lets frames through. */
export type DirectionFilter = 'all' | 'in' | 'out';

/** The timeline filter. */
export interface TrafficFilter {
  /** Plain substring (case-insensitive), or `/regex/flags`. Empty: no text filter. */
  readonly text: string;
  /** Only frames of this routing id; null: all. */
  readonly routingId: number | null;
  readonly direction: DirectionFilter;
  /** Show ZMTP commands (greeting, READY, PING…) and WebSocket control frames, not only data. */
  readonly showCommands: boolean;
}

/** What the send form holds. */
export interface SendDraft {
  /** `targetKey(socketId, routingId)` = `${socketId}#${routingId}`, or '' when none is picked. */
  readonly target: string;
  readonly format: PayloadFormat;
  readonly payload: string;
}

/** The last send's outcome, shown beside the send button. */
export type SendStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'pending' }
  | { readonly state: 'ok'; readonly bytes: number }
  | { readonly state: 'error'; readonly code: string; readonly message: string };

/** The part of the state that `vscode.setState` keeps across hide/show and reloads. */
export interface ViewState {
  readonly filter: TrafficFilter;
  readonly selectedSeq: number | null;
  readonly selectedPeer: string | null;
  readonly autoScroll: boolean;
  readonly draft: SendDraft;
}

/** The webview's whole state. Treat as immutable: the reducer returns a new object on change. */
export interface DebuggerState extends ViewState {
  /** True once `init` arrived (before it the view shows "connecting…"). */
  readonly initialised: boolean;
  readonly sockets: readonly SocketView[];
  /** Connections keyed by `peerKey(socketId, connectionId)`, in arrival order. */
  readonly peers: ReadonlyMap<string, PeerView>;
  /** The traffic ring: at most `bufferSize` frames, oldest first. */
  readonly traffic: readonly TrafficView[];
  /** Frames dropped since the last clear: from the ring's head, or skipped by the host's batching (the "n older dropped" note). */
  readonly dropped: number;
  readonly events: readonly EventView[];
  readonly bufferSize: number;
  readonly defaultView: 'hex' | 'utf8';
  readonly savedMessages: readonly SavedMessage[];
  /** Set when `filter.text` is a `/regex/` that does not compile; the text filter is then off. */
  readonly filterError: string | null;
  readonly sendStatus: SendStatus;
}

/** Actions from the view itself (the user), as opposed to messages from the host. */
export type UiAction =
  | { readonly kind: 'ui/filter'; readonly patch: Partial<TrafficFilter> }
  | { readonly kind: 'ui/selectMessage'; readonly seq: number | null }
  | { readonly kind: 'ui/selectPeer'; readonly key: string | null }
  | { readonly kind: 'ui/autoScroll'; readonly on: boolean }
  | { readonly kind: 'ui/draft'; readonly patch: Partial<SendDraft> }
  | { readonly kind: 'ui/sendStatus'; readonly status: SendStatus }
  | { readonly kind: 'ui/restore'; readonly view: unknown };

/** Everything the reducer accepts. */
export type Action = HostToWebview | UiAction;

/** The key of one connection: socket id and connection id. */
export function peerKey(socketId: string, connectionId: number): string {
  return `${socketId}/${connectionId}`;
}

/** The send form's key for a routing id on a socket: `${socketId}#${routingId}` (readable in tests). */
export function targetKey(socketId: string, routingId: number): string {
  return `${socketId}#${routingId}`;
}

/** Splits a `targetKey`; null when it is not one. */
export function parseTargetKey(key: string): { socketId: string; routingId: number } | null {
  const at = key.lastIndexOf('#');
  if (at <= 0) return null;
  const routingId = Number(key.slice(at + 1));
  if (!Number.isInteger(routingId) || routingId <= 0 || routingId > 0xffffffff) return null;
  return { socketId: key.slice(0, at), routingId };
}

const DEFAULT_FILTER: TrafficFilter = { text: '', routingId: null, direction: 'all', showCommands: false };
const DEFAULT_DRAFT: SendDraft = { target: '', format: 'text', payload: '' };

/** The state before `init`. */
export function initialState(): DebuggerState {
  return {
    initialised: false,
    sockets: [],
    peers: new Map(),
    traffic: [],
    dropped: 0,
    events: [],
    bufferSize: DEFAULT_BUFFER_SIZE,
    defaultView: 'hex',
    savedMessages: [],
    filter: DEFAULT_FILTER,
    filterError: null,
    selectedSeq: null,
    selectedPeer: null,
    autoScroll: true,
    draft: DEFAULT_DRAFT,
    sendStatus: { state: 'idle' },
  };
}

/** The view state to hand to `vscode.setState` (nothing the host owns). */
export function viewStateOf(state: DebuggerState): ViewState {
  return { filter: state.filter, selectedSeq: state.selectedSeq, selectedPeer: state.selectedPeer, autoScroll: state.autoScroll, draft: state.draft };
}

function clampBufferSize(n: unknown): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 1) return DEFAULT_BUFFER_SIZE;
  return Math.min(Math.floor(n), MAX_BUFFER_SIZE);
}

/** Appends to a bounded list, dropping from the head; returns the list and how many it dropped. */
export function appendBounded<T>(list: readonly T[], items: readonly T[], bound: number): { list: readonly T[]; dropped: number } {
  if (items.length === 0) return { list, dropped: 0 };
  const total = list.length + items.length;
  if (total <= bound) return { list: list.concat(items), dropped: 0 };
  const dropped = total - bound;
  if (items.length >= bound) return { list: items.slice(items.length - bound), dropped };
  return { list: list.slice(dropped).concat(items), dropped };
}

/** Compiles the text filter: a case-insensitive substring, or `/source/flags`. */
export function compileTextFilter(text: string): { test: ((s: string) => boolean) | null; error: string | null } {
  if (text === '') return { test: null, error: null };
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (m) {
    try {
      // 'g' and 'y' make test() stateful (lastIndex), which would skip matches between rows.
      const re = new RegExp(m[1], m[2].replace(/[gy]/g, ''));
      return { test: (s) => re.test(s), error: null };
    } catch (err) {
      return { test: null, error: err instanceof Error ? err.message : String(err) };
    }
  }
  const needle = text.toLowerCase();
  return { test: (s) => s.toLowerCase().includes(needle), error: null };
}

const previewCache = new WeakMap<TrafficView, string>();

/** The frame's one-line preview (cached per frame object). */
export function framePreview(frame: TrafficView): string {
  let p = previewCache.get(frame);
  if (p === undefined) {
    const bytes = base64ToBytes(frame.data);
    p = bytes === null ? '' : previewText(bytes);
    if (frame.truncated) p += ' [truncated]';
    previewCache.set(frame, p);
  }
  return p;
}

/** True when a frame is a ZMTP or WebSocket command rather than a data message. */
export function isCommand(frame: TrafficView): boolean {
  return frame.kind !== 'data';
}

/**
 * Builds the timeline predicate for a filter. The text filter looks at the preview, the kind and
 * the routing id, so `/^PING/` and `42` both find what a user sees in the row.
 */
export function trafficPredicate(filter: TrafficFilter): (frame: TrafficView) => boolean {
  const { test } = compileTextFilter(filter.text);
  return (f) => {
    if (!filter.showCommands && isCommand(f)) return false;
    if (filter.direction !== 'all' && f.direction !== filter.direction) return false;
    if (filter.routingId !== null && f.routingId !== filter.routingId) return false;
    if (test !== null && !test(framePreview(f)) && !test(f.kind) && !(f.routingId !== null && test(String(f.routingId)))) return false;
    return true;
  };
}

/** The frames the timeline shows, oldest first. */
export function visibleTraffic(state: Pick<DebuggerState, 'traffic' | 'filter'>): TrafficView[] {
  return state.traffic.filter(trafficPredicate(state.filter));
}

/** The peers that have a routing id (the send form's choices), in arrival order. */
export function sendTargets(state: Pick<DebuggerState, 'peers'>): { key: string; socketId: string; routingId: number; peer: PeerView }[] {
  const out: { key: string; socketId: string; routingId: number; peer: PeerView }[] = [];
  const seen = new Set<string>();
  for (const peer of state.peers.values()) {
    if (peer.routingId === null) continue;
    const key = targetKey(peer.socketId, peer.routingId);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, socketId: peer.socketId, routingId: peer.routingId, peer });
  }
  return out;
}

/** The selected frame, when it is still in the ring. */
export function selectedFrame(state: Pick<DebuggerState, 'traffic' | 'selectedSeq'>): TrafficView | null {
  if (state.selectedSeq === null) return null;
  // The ring is ordered by seq: binary search.
  const t = state.traffic;
  let lo = 0;
  let hi = t.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = t[mid].seq;
    if (s === state.selectedSeq) return t[mid];
    if (s < state.selectedSeq) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}

function withFilter(state: DebuggerState, filter: TrafficFilter): DebuggerState {
  return { ...state, filter, filterError: compileTextFilter(filter.text).error };
}

function sanitizeFilter(value: unknown): TrafficFilter {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    text: typeof v.text === 'string' ? v.text.slice(0, 1000) : '',
    routingId: typeof v.routingId === 'number' && Number.isInteger(v.routingId) && v.routingId > 0 ? v.routingId : null,
    direction: v.direction === 'in' || v.direction === 'out' ? v.direction : 'all',
    showCommands: v.showCommands === true,
  };
}

function sanitizeDraft(value: unknown): SendDraft {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const format = v.format === 'hex' || v.format === 'base64' || v.format === 'json' ? v.format : 'text';
  return { target: typeof v.target === 'string' ? v.target : '', format, payload: typeof v.payload === 'string' ? v.payload : '' };
}

/** Rebuilds view state saved by an older or tampered `setState`: every field checked, defaults otherwise. */
export function sanitizeViewState(value: unknown): ViewState {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    filter: sanitizeFilter(v.filter),
    selectedSeq: typeof v.selectedSeq === 'number' && Number.isInteger(v.selectedSeq) ? v.selectedSeq : null,
    selectedPeer: typeof v.selectedPeer === 'string' ? v.selectedPeer : null,
    autoScroll: v.autoScroll !== false,
    draft: sanitizeDraft(v.draft),
  };
}

function reduceHost(state: DebuggerState, msg: HostToWebview): DebuggerState {
  switch (msg.kind) {
    case 'init': {
      const snap = msg.snapshot;
      const bufferSize = clampBufferSize(snap.settings.bufferSize);
      const peers = new Map<string, PeerView>();
      for (const p of snap.peers) peers.set(peerKey(p.socketId, p.connectionId), p);
      const traffic = appendBounded([], snap.traffic, bufferSize);
      const firstLive = snap.peers.find((p) => p.routingId !== null);
      const draft = state.draft.target === '' && firstLive?.routingId != null ? { ...state.draft, target: targetKey(firstLive.socketId, firstLive.routingId) } : state.draft;
      return {
        ...state,
        draft,
        initialised: true,
        sockets: snap.sockets,
        peers,
        traffic: traffic.list,
        dropped: 0,
        events: appendBounded([], snap.events, MAX_EVENTS).list,
        bufferSize,
        defaultView: snap.settings.defaultView === 'utf8' ? 'utf8' : 'hex',
        savedMessages: snap.savedMessages,
        sendStatus: state.sendStatus.state === 'pending' ? { state: 'idle' } : state.sendStatus,
      };
    }
    case 'response':
      // Responses belong to rpc.ts; the state does not change.
      return state;
    case 'event':
      return reduceEvent(state, msg.event);
    default:
      return assertNever(msg);
  }
}

function reduceEvent(state: DebuggerState, ev: Extract<HostToWebview, { kind: 'event' }>['event']): DebuggerState {
  switch (ev.type) {
    case 'sockets':
      return { ...state, sockets: ev.sockets };
    case 'peer': {
      const peers = new Map(state.peers);
      peers.set(peerKey(ev.peer.socketId, ev.peer.connectionId), ev.peer);
      // The first routing id to appear becomes the send target when none is picked yet.
      const draft = state.draft.target === '' && ev.peer.routingId !== null ? { ...state.draft, target: targetKey(ev.peer.socketId, ev.peer.routingId) } : state.draft;
      return { ...state, peers, draft };
    }
    case 'peerGone': {
      const key = peerKey(ev.socketId, ev.connectionId);
      if (!state.peers.has(key)) return state;
      const peers = new Map(state.peers);
      peers.delete(key);
      return { ...state, peers, selectedPeer: state.selectedPeer === key ? null : state.selectedPeer };
    }
    case 'traffic': {
      // `ev.dropped`: frames the host skipped in its batch (it sends only the newest); count them as dropped.
      const skipped = typeof ev.dropped === 'number' && ev.dropped > 0 ? ev.dropped : 0;
      if (ev.frames.length === 0) return skipped > 0 ? { ...state, dropped: state.dropped + skipped } : state;
      // Frames are seq-ordered per host session; drop any the ring already has (a replay after init).
      const last = state.traffic.length > 0 ? state.traffic[state.traffic.length - 1].seq : -Infinity;
      const fresh = ev.frames[0].seq > last ? ev.frames : ev.frames.filter((f) => f.seq > last);
      const { list, dropped } = appendBounded(state.traffic, fresh, state.bufferSize);
      return { ...state, traffic: list, dropped: state.dropped + dropped + skipped };
    }
    case 'monitor':
      return { ...state, events: appendBounded(state.events, ev.events, MAX_EVENTS).list };
    case 'trafficCleared':
      return { ...state, traffic: [], dropped: 0, selectedSeq: null };
    case 'savedMessages':
      return { ...state, savedMessages: ev.messages };
    case 'focus': {
      // Focus on a peer: select its connection, make it the send target and filter the timeline to it.
      let selectedPeer: string | null = state.selectedPeer;
      if (ev.routingId !== null) {
        for (const [key, p] of state.peers) {
          if (p.socketId === ev.socketId && p.routingId === ev.routingId) selectedPeer = key;
        }
        return {
          ...withFilter(state, { ...state.filter, routingId: ev.routingId }),
          selectedPeer,
          draft: { ...state.draft, target: targetKey(ev.socketId, ev.routingId) },
        };
      }
      return state;
    }
    default:
      return assertNever(ev);
  }
}

function reduceUi(state: DebuggerState, action: UiAction): DebuggerState {
  switch (action.kind) {
    case 'ui/filter':
      return withFilter(state, sanitizeFilter({ ...state.filter, ...action.patch }));
    case 'ui/selectMessage':
      return { ...state, selectedSeq: action.seq, autoScroll: action.seq === null ? state.autoScroll : false };
    case 'ui/selectPeer': {
      // Selecting a connection with a routing id also makes it the send form's target.
      const peer = action.key === null ? undefined : state.peers.get(action.key);
      const draft = peer?.routingId != null ? { ...state.draft, target: targetKey(peer.socketId, peer.routingId) } : state.draft;
      return { ...state, selectedPeer: action.key, draft };
    }
    case 'ui/autoScroll':
      return { ...state, autoScroll: action.on };
    case 'ui/draft':
      return { ...state, draft: sanitizeDraft({ ...state.draft, ...action.patch }) };
    case 'ui/sendStatus':
      return { ...state, sendStatus: action.status };
    case 'ui/restore': {
      const view = sanitizeViewState(action.view);
      return { ...withFilter(state, view.filter), selectedSeq: view.selectedSeq, selectedPeer: view.selectedPeer, autoScroll: view.autoScroll, draft: view.draft };
    }
    default:
      return assertNever(action);
  }
}

/** The reducer: `(state, message from the host | action from the view) → state`. Pure. */
export function reduce(state: DebuggerState, action: Action): DebuggerState {
  if (action.kind.startsWith('ui/')) return reduceUi(state, action as UiAction);
  return reduceHost(state, action as HostToWebview);
}
