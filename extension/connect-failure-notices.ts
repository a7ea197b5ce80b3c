/**
 * One warning per failing connect. A PEER retries an unreachable endpoint forever, ten times a
 * second by default; the debugger shows that as a failing peer, and this decides when the user is
 * told outside it: once, when a connect the user made (a command, the debugger's form) has failed
 * {@link NOTIFY_AFTER_RECONNECTS} times in a row without becoming ACTIVE, with the last error. After
 * the connection becomes ACTIVE, a new run of failures may warn again. A connect that ends for good
 * instead (a handshake failure after which libzmq does not reconnect either: ZAP 400 or 500, an
 * incompatible socket type, a mechanism mismatch) warns once at once, saying it is not retried:
 * the debugger keeps the failed connection, but nothing else would tell a user who is looking
 * elsewhere. No vscode import: the extension shows the notice (with its "Show in Debugger" action).
 */
import type { HostEvent } from '../webview/protocol';
import type { ZmqSession } from './session';

/** Failed attempts in a row before the warning: a peer that is starting up gets a moment. */
export const NOTIFY_AFTER_RECONNECTS = 3;

/** What the warning says. */
export interface ConnectFailure {
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
  readonly endpoint: string;
  readonly lastError: string;
  /** Failed attempts in this run. */
  readonly attempts: number;
  /** False when the connection ended for good (the core does not reconnect after this failure). */
  readonly retrying: boolean;
}

interface Run {
  /** The core's reconnect count when the run began (it counts over the connection's whole life). */
  readonly base: number;
  notified: boolean;
}

/** Watches the session's peers; calls `notify` once per run of failures of a watched connect. */
export class ConnectFailureNotices {
  readonly #session: Pick<ZmqSession, 'onEvent' | 'watchesConnects'>;
  readonly #notify: (failure: ConnectFailure) => void;
  readonly #runs = new Map<string, Run>();
  /** Connections whose end has been warned about (an ended connection's view may be sent again). */
  readonly #endsNotified = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(session: Pick<ZmqSession, 'onEvent' | 'watchesConnects'>, notify: (failure: ConnectFailure) => void) {
    this.#session = session;
    this.#notify = notify;
    this.#unsubscribe = session.onEvent((event) => this.#onEvent(event));
  }

  #onEvent(event: HostEvent): void {
    if (event.type === 'peerGone') {
      const key = `${event.socketId}/${event.connectionId}`;
      this.#runs.delete(key);
      this.#endsNotified.delete(key);
      return;
    }
    if (event.type !== 'peer') return;
    const peer = event.peer;
    if (peer.role !== 'connect' || !this.#session.watchesConnects(peer.socketId)) return;
    const key = `${peer.socketId}/${peer.connectionId}`;
    if (peer.ended) {
      // Ended by the user (disconnect, close) is not reported as ended: only a failure has a last error.
      if (peer.lastError === null || this.#endsNotified.has(key)) return;
      this.#endsNotified.add(key);
      this.#runs.delete(key);
      this.#notify({ socketId: peer.socketId, connectionId: peer.connectionId, routingId: peer.routingId, endpoint: peer.endpoint, lastError: peer.lastError, attempts: peer.reconnects + 1, retrying: false });
      return;
    }
    if (peer.state === 'ACTIVE') {
      this.#runs.set(key, { base: peer.reconnects, notified: false });
      return;
    }
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = { base: 0, notified: false };
      this.#runs.set(key, run);
    }
    const attempts = peer.reconnects - run.base;
    if (run.notified || peer.lastError === null || attempts < NOTIFY_AFTER_RECONNECTS) return;
    run.notified = true;
    this.#notify({ socketId: peer.socketId, connectionId: peer.connectionId, routingId: peer.routingId, endpoint: peer.endpoint, lastError: peer.lastError, attempts, retrying: true });
  }

  dispose(): void {
    this.#unsubscribe();
    this.#runs.clear();
    this.#endsNotified.clear();
  }
}
