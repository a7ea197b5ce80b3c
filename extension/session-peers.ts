/**
 * The session's connections as the debugger shows them: one PeerView per connection the core
 * reports, updated from `connection` events and, once per batch, from the counters of sockets that
 * had traffic. A connection that is gone is dropped, unless its handshake failed: then it is kept,
 * ended, so the debugger can show why (at most {@link MAX_ENDED_PER_SOCKET} a socket, the oldest
 * go first), until the user dismisses it. A connection the user ended (disconnect, close) is gone
 * for good, never kept as failed. What changed since the last batch (updated, gone) is collected
 * for the session to send. No vscode import.
 */
import type { ConnectionInfo } from '../core/index';
import type { PeerView } from '../webview/protocol';
import type { SessionPictures } from './session-pictures';
import { isGone, toPeerView } from './session-views';

/** Connections with a failed handshake kept per socket after they end (the oldest go first). */
export const MAX_ENDED_PER_SOCKET = 20;

/** A connection that left the debugger. */
export interface GonePeer {
  readonly socketId: string;
  readonly connectionId: number;
}

/** The key of one connection: socket id and connection id. */
function keyOf(socketId: string, connectionId: number): string {
  return `${socketId}/${connectionId}`;
}

export class SessionPeers {
  readonly #pictures: SessionPictures;
  readonly #peers = new Map<string, PeerView>();
  /** Connections the user ended (disconnect, close): gone for good, never kept as failed. */
  readonly #userClosed = new Set<string>();
  readonly #updated = new Set<string>();
  readonly #gone = new Map<string, GonePeer>();

  /** `pictures` follows the connections' lives (rates and ladders start and end with them). */
  constructor(pictures: SessionPictures) {
    this.#pictures = pictures;
  }

  /** The connections now, of one socket or of all. */
  list(socketId?: string): PeerView[] {
    const all = [...this.#peers.values()];
    return socketId === undefined ? all : all.filter((p) => p.socketId === socketId);
  }

  has(socketId: string, connectionId: number): boolean {
    return this.#peers.has(keyOf(socketId, connectionId));
  }

  /** Whether it is kept only to show why its handshake failed. */
  isEnded(socketId: string, connectionId: number): boolean {
    return this.#peers.get(keyOf(socketId, connectionId))?.ended ?? false;
  }

  /** The user is ending this connection: when the core reports it gone, it is not kept as failed. */
  closedByUser(socketId: string, connectionId: number): void {
    this.#userClosed.add(keyOf(socketId, connectionId));
  }

  /** A `connection` event (the pictures have seen it first, so they know whether its handshake failed). */
  onConnection(socketId: string, info: ConnectionInfo): void {
    const key = keyOf(socketId, info.id);
    if (isGone(info)) {
      const keep = !this.#userClosed.delete(key) && this.#pictures.handshakeFailed(socketId, info.id) && this.#peers.has(key);
      if (keep) this.#keepEnded(key, socketId, info);
      else this.remove(socketId, info.id);
      return;
    }
    if (!this.#peers.has(key)) this.#pictures.peerAdded(socketId, info.id);
    this.#peers.set(key, toPeerView(socketId, info));
    this.#gone.delete(key);
    this.#updated.add(key);
  }

  /** Counters change with every frame but come with no `connection` event: re-read from the socket's connections. */
  refreshCounters(socketId: string, connections: readonly ConnectionInfo[]): void {
    for (const info of connections) {
      const key = keyOf(socketId, info.id);
      const known = this.#peers.get(key);
      if (isGone(info) || known === undefined || known.ended) continue;
      this.#peers.set(key, toPeerView(socketId, info));
      this.#updated.add(key);
    }
  }

  /** Drops a connection (gone, dismissed, or its socket closed). */
  remove(socketId: string, connectionId: number): void {
    const key = keyOf(socketId, connectionId);
    this.#peers.delete(key);
    this.#updated.delete(key);
    this.#gone.set(key, { socketId, connectionId });
    this.#pictures.peerRemoved(socketId, connectionId);
  }

  /** Every connection of a closing socket is ended by the user. */
  closeSocket(socketId: string): void {
    for (const peer of this.list(socketId)) this.closedByUser(socketId, peer.connectionId);
  }

  /** Drops every connection of a closed socket. */
  removeSocket(socketId: string): void {
    for (const peer of this.list(socketId)) this.remove(socketId, peer.connectionId);
  }

  /** What changed since the last call: connections updated (newest views), then those gone. */
  takeChanges(): { updated: PeerView[]; gone: GonePeer[] } {
    const updated: PeerView[] = [];
    for (const key of this.#updated) {
      const peer = this.#peers.get(key);
      if (peer) updated.push(peer);
    }
    this.#updated.clear();
    const gone = [...this.#gone.values()];
    this.#gone.clear();
    return { updated, gone };
  }

  #keepEnded(key: string, socketId: string, info: ConnectionInfo): void {
    // The ended connection's pipe is gone, and its routing id with it: keep the one it had.
    const view = toPeerView(socketId, info, true);
    this.#peers.set(key, { ...view, routingId: view.routingId ?? this.#peers.get(key)?.routingId ?? null });
    this.#updated.add(key);
    this.#pictures.peerEnded(socketId, info.id);
    const ended = this.list(socketId).filter((p) => p.ended);
    for (const old of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_PER_SOCKET))) this.remove(socketId, old.connectionId);
  }
}
