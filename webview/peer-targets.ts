/**
 * The rules for what the peer filter and the send form may name. The send form targets a routing
 * id of a live connection: the one picked while it lives, else the first there is, else none. The
 * peer filter offers every socket, every live routing id, and the routing ids that still have
 * frames in the ring (a finished script run); a filter on something that no longer exists (a
 * closed socket, a routing id with neither a connection nor frames) is lifted, so it never leaves
 * the user looking at "0 of N shown". Connect Peer's focus selects its connection, even one whose
 * handshake already failed. Pure queries over the state's parts; the reducer (state.ts) applies
 * them.
 */

import type { PeerView, SocketView, TrafficView } from './protocol';
import { parseTargetKey, targetKey } from './state-keys';
import type { TrafficFilter } from './traffic-filter';

/** The parts of the debugger's state these rules read. */
export interface TargetsState {
  readonly sockets: readonly SocketView[];
  /** Connections keyed by `peerKey`, in arrival order. */
  readonly peers: ReadonlyMap<string, PeerView>;
  readonly traffic: readonly TrafficView[];
  /** The `targetKey`s with frames in the ring, with the seq of their newest one. */
  readonly seenTargets: ReadonlyMap<string, number>;
  readonly filter: TrafficFilter;
}

/** One routing id the send form can target. */
export interface SendTarget {
  readonly key: string;
  readonly socketId: string;
  readonly routingId: number;
  readonly peer: PeerView;
}

/** One routing id the peer filter can name; `live` when a connection has it now. */
export interface FilterTarget {
  readonly key: string;
  readonly socketId: string;
  readonly routingId: number;
  readonly live: boolean;
}

/** The peers that have a routing id and can be sent to (the send form's choices), in arrival order. */
export function sendTargets(state: Pick<TargetsState, 'peers'>): SendTarget[] {
  const out: SendTarget[] = [];
  const seen = new Set<string>();
  for (const peer of state.peers.values()) {
    if (peer.routingId === null || peer.ended) continue;
    const key = targetKey(peer.socketId, peer.routingId);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, socketId: peer.socketId, routingId: peer.routingId, peer });
  }
  return out;
}

/** What the peer filter can name: every socket, every live connection's routing id, and those with frames in the ring. */
export function peerFilterChoices(state: Pick<TargetsState, 'sockets' | 'peers' | 'seenTargets'>): { sockets: SocketView[]; targets: FilterTarget[] } {
  const targets = new Map<string, FilterTarget>();
  for (const t of sendTargets(state)) targets.set(t.key, { key: t.key, socketId: t.socketId, routingId: t.routingId, live: true });
  for (const key of state.seenTargets.keys()) {
    const t = parseTargetKey(key);
    if (t !== null && !targets.has(key)) targets.set(key, { key, ...t, live: false });
  }
  return { sockets: [...state.sockets], targets: [...targets.values()].sort((a, b) => a.socketId.localeCompare(b.socketId) || a.routingId - b.routingId) };
}

/** Whether a live (sendable) connection has this `targetKey`. */
export function hasLiveTarget(state: Pick<TargetsState, 'peers'>, key: string): boolean {
  for (const p of state.peers.values()) if (p.routingId !== null && !p.ended && targetKey(p.socketId, p.routingId) === key) return true;
  return false;
}

/** The send target to hold: `target` while a live connection has it, else the first live routing id, else none (''). */
export function liveSendTarget(state: Pick<TargetsState, 'peers'>, target: string): string {
  if (target !== '' && hasLiveTarget(state, target)) return target;
  return sendTargets(state)[0]?.key ?? '';
}

/**
 * Whether the peer filter names something that no longer exists: a socket that closed and left no
 * frames, or a routing id with neither a live connection nor frames in the ring.
 */
export function peerFilterIsStale(state: TargetsState): boolean {
  const f = state.filter;
  if (f.socketId === null) return false;
  if (!state.sockets.some((s) => s.socketId === f.socketId) && !state.traffic.some((t) => t.socketId === f.socketId)) return true;
  if (f.routingId === null) return false;
  const key = targetKey(f.socketId, f.routingId);
  return !hasLiveTarget(state, key) && !state.seenTargets.has(key);
}

/**
 * Whether a connection that is gone (or ended with a failed handshake) takes the peer filter with
 * it: the filter is on its routing id and no other live connection has that routing id.
 */
export function goneTakesPeerFilter(state: Pick<TargetsState, 'peers' | 'filter'>, gone: PeerView): boolean {
  const f = state.filter;
  if (gone.routingId === null || f.socketId !== gone.socketId || f.routingId !== gone.routingId) return false;
  return !hasLiveTarget(state, targetKey(gone.socketId, gone.routingId));
}

/**
 * The connection (`peerKey`) with this routing id to select: a live one, else one already over (a
 * handshake that failed before Connect Peer's focus arrived is still the connection the user asked
 * to see, and shows why it failed); null when none has it yet.
 */
export function connectionWithTarget(state: Pick<TargetsState, 'peers'>, socketId: string, routingId: number): string | null {
  let live: string | null = null;
  let ended: string | null = null;
  for (const [key, p] of state.peers) {
    if (p.socketId !== socketId || p.routingId !== routingId) continue;
    if (p.ended) ended = key;
    else live = key;
  }
  return live ?? ended;
}

/** The `seenTargets` after `frames` arrived, forgetting targets whose newest frame left the ring (seq below `firstSeq`). */
export function seenAfter(seen: ReadonlyMap<string, number>, frames: readonly TrafficView[], firstSeq: number): ReadonlyMap<string, number> {
  const next = new Map<string, number>();
  for (const [key, seq] of seen) if (seq >= firstSeq) next.set(key, seq);
  for (const f of frames) if (f.routingId !== null) next.set(targetKey(f.socketId, f.routingId), f.seq);
  return next;
}
