/**
 * What the debugger draws as pictures, kept beside the session's traffic: a handshake ladder per
 * connection (handshake-ladder.ts) and message rates per socket and per connection
 * (rate-history.ts). Both are fed from the core's `monitor`, `connection` and `frame` events, and
 * follow the lives of sockets and connections here: a connection kept because its handshake failed
 * keeps its ladder but has no rates any more; one that is gone loses both. No vscode import.
 */
import type { ConnectionInfo, FrameRecord, MonitorEvent } from '../core/index';
import type { LadderView, RateHistory as RateHistorySnapshot, RateTick } from '../webview/protocol';
import { adviceFor } from './error-explanations';
import { HandshakeLadders } from './handshake-ladder';
import { RateHistory } from './rate-history';

export class SessionPictures {
  readonly #ladders = new HandshakeLadders(adviceFor);
  readonly #rates = new RateHistory();

  // --- Core events -------------------------------------------------------------------------------

  onMonitor(socketId: string, event: MonitorEvent): void {
    this.#ladders.onMonitor(socketId, event);
  }

  onConnection(socketId: string, info: ConnectionInfo): void {
    this.#ladders.onConnection(socketId, info);
  }

  onFrame(socketId: string, frame: FrameRecord): void {
    if (frame.kind === 'data') this.#rates.count(socketId, frame.connectionId, frame.direction, frame.size);
    this.#ladders.onFrame(socketId, frame);
  }

  /** Whether the connection's last attempt failed in its handshake (so it is worth keeping to show why). */
  handshakeFailed(socketId: string, connectionId: number): boolean {
    return this.#ladders.handshakeFailed(socketId, connectionId);
  }

  // --- Lives of sockets and connections ----------------------------------------------------------

  socketAdded(socketId: string): void {
    this.#rates.addSocket(socketId);
  }

  socketRemoved(socketId: string): void {
    this.#rates.removeSocket(socketId);
    this.#ladders.removeSocket(socketId);
  }

  peerAdded(socketId: string, connectionId: number): void {
    this.#rates.addPeer(socketId, connectionId);
  }

  /** A connection kept after its handshake failed: its ladder stays, it has no traffic to rate. */
  peerEnded(socketId: string, connectionId: number): void {
    this.#rates.removePeer(socketId, connectionId);
  }

  peerRemoved(socketId: string, connectionId: number): void {
    this.#rates.removePeer(socketId, connectionId);
    this.#ladders.remove(socketId, connectionId);
  }

  // --- What the debugger gets --------------------------------------------------------------------

  /** Ends the second under way and returns its samples. */
  tickRates(now: number): RateTick {
    return this.#rates.tick(now);
  }

  rates(): RateHistorySnapshot {
    return this.#rates.snapshot();
  }

  /** Every ladder whose connection `shown` says the debugger shows. */
  ladders(shown: (socketId: string, connectionId: number) => boolean): LadderView[] {
    return this.#ladders.views().filter((l) => shown(l.socketId, l.connectionId));
  }

  /** The ladders that changed since the last call, of the connections `shown` says the debugger shows. */
  takeChangedLadders(shown: (socketId: string, connectionId: number) => boolean): LadderView[] {
    return this.#ladders.takeChanged().filter((l) => shown(l.socketId, l.connectionId));
  }
}
