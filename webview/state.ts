/**
 * The debugger webview's state and its pure reducer. The host owns the real state (sockets live in
 * the extension host); this is the webview's copy of it, fed by `init` and `event` messages, plus
 * the view state the user controls (filters, selection, drafts, auto-scroll). No DOM, no vscode:
 * unit tests run it in plain Node.
 */

import { mergeEventGroups } from './event-log';
import { assertNever } from './payload';
import { connectionWithTarget, goneTakesPeerFilter, liveSendTarget, peerFilterIsStale, seenAfter } from './peer-targets';
import { laddersOf, ratesAfter, ratesOf, withLadder, withoutLadder, type Ladders, type RateSeries } from './picture-data';
import type { EventView, HostToWebview, PayloadFormat, PeerView, SavedMessage, SocketView, TrafficView } from './protocol';
import { peerKey, targetKey } from './state-keys';
import { compileTextFilter, DEFAULT_FILTER, sanitizeFilter, type TrafficFilter } from './traffic-filter';

/** Traffic ring size when the host has not said (it always does, in `init`). */
export const DEFAULT_BUFFER_SIZE = 10_000;
/** The traffic ring never holds more than this, whatever the settings say. */
export const MAX_BUFFER_SIZE = 1_000_000;
/** The monitor event log keeps this many groups, newest last. */
export const MAX_EVENTS = 1_000;

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
  /**
   * The routing ids (`targetKey`s) that have frames in the ring, with the seq of their newest one:
   * the peer filter offers them even once their connection is gone (a finished script run).
   */
  readonly seenTargets: ReadonlyMap<string, number>;
  /** The label of every socket seen since init, closed ones too (their frames may still be in the ring). */
  readonly socketLabels: ReadonlyMap<string, string>;
  /** Message rates, one sample a second, oldest first: keyed `socket:<socketId>` and by `peerKey` (picture-data.ts). */
  readonly rates: RateSeries;
  /** Handshake ladders by `peerKey`. */
  readonly ladders: Ladders;
  /**
   * A routing id (`targetKey`) to select as soon as its connection shows up: Connect Peer shows the
   * new peer at once, and its first `peer` update comes with the session's next batch.
   */
  readonly pendingSelect: string | null;
  /** Set when `filter.text` is a `/regex/` that does not compile; the text filter is then off. */
  readonly filterError: string | null;
  readonly sendStatus: SendStatus;
}

/** Actions from the view itself (the user), as opposed to messages from the host. */
export type UiAction =
  | { readonly kind: 'ui/filter'; readonly patch: Partial<TrafficFilter> }
  | { readonly kind: 'ui/selectMessage'; readonly seq: number | null }
  | { readonly kind: 'ui/selectPeer'; readonly key: string | null }
  /** A peer picked in a picture (the topology): filter the traffic to it, select it, send to it. */
  | { readonly kind: 'ui/showPeer'; readonly key: string }
  /** A socket picked in a picture: filter the traffic to it. */
  | { readonly kind: 'ui/showSocket'; readonly socketId: string }
  | { readonly kind: 'ui/autoScroll'; readonly on: boolean }
  | { readonly kind: 'ui/draft'; readonly patch: Partial<SendDraft> }
  | { readonly kind: 'ui/sendStatus'; readonly status: SendStatus }
  | { readonly kind: 'ui/restore'; readonly view: unknown };

/** Everything the reducer accepts. */
export type Action = HostToWebview | UiAction | PeerBatch;

/**
 * Several `peer` events folded into one step (main.ts collects them per animation frame): with 200
 * busy connections the host sends 200 updates every 50 ms, and one map copy per batch beats one per
 * update. The result is the same as applying them one by one, in order.
 */
export interface PeerBatch {
  readonly kind: 'peerBatch';
  readonly peers: readonly PeerView[];
}

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
    seenTargets: new Map(),
    socketLabels: new Map(),
    rates: new Map(),
    ladders: new Map(),
    pendingSelect: null,
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

/** The filter without its socket and routing id (everything else as the user set it). */
function withoutPeerFilter(state: DebuggerState): DebuggerState {
  if (state.filter.socketId === null && state.filter.routingId === null) return state;
  return withFilter(state, { ...state.filter, socketId: null, routingId: null });
}

/** Lifts a peer filter that names something that no longer exists (peer-targets.ts). */
function dropStaleFilter(state: DebuggerState): DebuggerState {
  return peerFilterIsStale(state) ? withoutPeerFilter(state) : state;
}

/** Keeps the send target on a live routing id: the one picked, else the first there is, else none. */
function retarget(state: DebuggerState): DebuggerState {
  const next = liveSendTarget(state, state.draft.target);
  return next === state.draft.target ? state : { ...state, draft: { ...state.draft, target: next } };
}

/**
 * After a connection is gone (or ended with a failed handshake): a peer filter on its routing id
 * is lifted unless another live connection has it; the caller retargets the send form.
 */
function liftGone(state: DebuggerState, gone: PeerView): DebuggerState {
  return goneTakesPeerFilter(state, gone) ? withoutPeerFilter(state) : state;
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
      const next: DebuggerState = {
        ...state,
        initialised: true,
        sockets: snap.sockets,
        peers,
        traffic: traffic.list,
        dropped: 0,
        events: appendBounded([], snap.events, MAX_EVENTS).list,
        bufferSize,
        defaultView: snap.settings.defaultView === 'utf8' ? 'utf8' : 'hex',
        savedMessages: snap.savedMessages,
        seenTargets: seenAfter(new Map(), traffic.list, 0),
        socketLabels: new Map([...(snap.closedSockets ?? []), ...snap.sockets].map((s) => [s.socketId, s.label])),
        rates: ratesOf(snap.rates),
        ladders: laddersOf(snap.ladders),
        selectedPeer: state.selectedPeer !== null && peers.has(state.selectedPeer) ? state.selectedPeer : null,
        sendStatus: state.sendStatus.state === 'pending' ? { state: 'idle' } : state.sendStatus,
      };
      // View state restored from before a reload may name peers that are gone since.
      return retarget(dropStaleFilter(next));
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
    case 'sockets': {
      const fresh = ev.sockets.filter((s) => state.socketLabels.get(s.socketId) !== s.label);
      const socketLabels = fresh.length === 0 ? state.socketLabels : new Map([...state.socketLabels, ...fresh.map((s): [string, string] => [s.socketId, s.label])]);
      return dropStaleFilter({ ...state, sockets: ev.sockets, socketLabels });
    }
    case 'peer':
      return reducePeers(state, [ev.peer]);
    case 'peerGone': {
      const key = peerKey(ev.socketId, ev.connectionId);
      const gone = state.peers.get(key);
      if (gone === undefined) return state;
      const peers = new Map(state.peers);
      peers.delete(key);
      const next: DebuggerState = { ...state, peers, ladders: withoutLadder(state.ladders, key), selectedPeer: state.selectedPeer === key ? null : state.selectedPeer };
      return retarget(liftGone(next, gone));
    }
    case 'traffic': {
      // `ev.dropped`: frames the host skipped in its batch (it sends only the newest); count them as dropped.
      const skipped = typeof ev.dropped === 'number' && ev.dropped > 0 ? ev.dropped : 0;
      if (ev.frames.length === 0) return skipped > 0 ? { ...state, dropped: state.dropped + skipped } : state;
      // Frames are seq-ordered per host session; drop any the ring already has (a replay after init).
      const last = state.traffic.length > 0 ? state.traffic[state.traffic.length - 1].seq : -Infinity;
      const fresh = ev.frames[0].seq > last ? ev.frames : ev.frames.filter((f) => f.seq > last);
      const { list, dropped } = appendBounded(state.traffic, fresh, state.bufferSize);
      const seenTargets = seenAfter(state.seenTargets, fresh, list.length > 0 ? list[0].seq : 0);
      return { ...state, traffic: list, seenTargets, dropped: state.dropped + dropped + skipped };
    }
    case 'monitor':
      return { ...state, events: mergeEventGroups(state.events, ev.events, MAX_EVENTS) };
    case 'rates':
      return { ...state, rates: ratesAfter(state.rates, ev.tick) };
    case 'ladder':
      return { ...state, ladders: withLadder(state.ladders, ev.ladder) };
    case 'trafficCleared':
      return dropStaleFilter({ ...state, traffic: [], seenTargets: new Map(), dropped: 0, selectedSeq: null });
    case 'savedMessages':
      return { ...state, savedMessages: ev.messages };
    case 'focus': {
      // Show a socket or a peer: never by hiding the rest (the user did not ask for a filter), and
      // never behind a peer filter that would hide it; everything, when no socket is named.
      const f = state.filter;
      if (ev.socketId === null) return withoutPeerFilter(state);
      const hides = (f.socketId !== null && f.socketId !== ev.socketId) || (f.routingId !== null && f.routingId !== ev.routingId);
      const shown = hides ? withoutPeerFilter(state) : state;
      if (ev.routingId === null) return shown;
      const selectedPeer = connectionWithTarget(shown, ev.socketId, ev.routingId);
      const target = targetKey(ev.socketId, ev.routingId);
      if (selectedPeer === null) return { ...shown, pendingSelect: target, draft: { ...shown.draft, target } };
      return { ...shown, selectedPeer, pendingSelect: null, draft: { ...shown.draft, target } };
    }
    default:
      return assertNever(ev);
  }
}

/** Connection updates, in order: one map copy for all of them. */
function reducePeers(state: DebuggerState, updates: readonly PeerView[]): DebuggerState {
  if (updates.length === 0) return state;
  const peers = new Map(state.peers);
  const ended: PeerView[] = [];
  for (const peer of updates) {
    const key = peerKey(peer.socketId, peer.connectionId);
    const before = peers.get(key);
    peers.set(key, peer);
    if (peer.ended && before !== undefined && !before.ended) ended.push(peer);
  }
  let next: DebuggerState = { ...state, peers };
  if (state.pendingSelect !== null) {
    const arrived = updates.find((p) => p.routingId !== null && targetKey(p.socketId, p.routingId) === state.pendingSelect);
    if (arrived !== undefined) next = { ...next, selectedPeer: peerKey(arrived.socketId, arrived.connectionId), pendingSelect: null };
  }
  // A connection whose handshake failed is over: a filter on it or a send target is lifted.
  for (const peer of ended) next = liftGone(next, peer);
  // The first routing id to appear becomes the send target when none is picked yet.
  return retarget(next);
}

function reduceUi(state: DebuggerState, action: UiAction): DebuggerState {
  switch (action.kind) {
    case 'ui/filter':
      return withFilter(state, sanitizeFilter({ ...state.filter, ...action.patch }));
    case 'ui/selectMessage':
      return { ...state, selectedSeq: action.seq, autoScroll: action.seq === null ? state.autoScroll : false };
    case 'ui/selectPeer': {
      // The user's pick wins over a peer still to come.
      if (state.pendingSelect !== null) state = { ...state, pendingSelect: null };
      // Selecting a connection with a routing id also makes it the send form's target.
      const peer = action.key === null ? undefined : state.peers.get(action.key);
      const draft = peer?.routingId != null ? { ...state.draft, target: targetKey(peer.socketId, peer.routingId) } : state.draft;
      return { ...state, selectedPeer: action.key, draft };
    }
    case 'ui/showPeer': {
      const peer = state.peers.get(action.key);
      if (peer === undefined) return state;
      const filtered = withFilter(state, { ...state.filter, socketId: peer.socketId, routingId: peer.routingId });
      const sendable = peer.routingId !== null && !peer.ended;
      return { ...filtered, selectedPeer: action.key, draft: sendable ? { ...state.draft, target: targetKey(peer.socketId, peer.routingId!) } : state.draft };
    }
    case 'ui/showSocket':
      return withFilter(state, { ...state.filter, socketId: action.socketId, routingId: null });
    case 'ui/autoScroll':
      return { ...state, autoScroll: action.on };
    case 'ui/draft': {
      const draft = sanitizeDraft({ ...state.draft, ...action.patch });
      const d = state.draft;
      if (draft.target === d.target && draft.format === d.format && draft.payload === d.payload) return state;
      // A changed draft makes the last outcome stale: "Sent 5 bytes" must not stand beside a new problem.
      const sendStatus: SendStatus = state.sendStatus.state === 'pending' ? state.sendStatus : { state: 'idle' };
      return { ...state, draft, sendStatus };
    }
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
  if (action.kind === 'peerBatch') return reducePeers(state, action.peers);
  if (action.kind.startsWith('ui/')) return reduceUi(state, action as UiAction);
  return reduceHost(state, action as HostToWebview);
}
