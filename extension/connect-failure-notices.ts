/**
 * One warning per failing connect. A PEER retries an unreachable endpoint forever, ten times a
 * second by default; the debugger shows that as a failing peer, and this decides when the user is
 * told outside it: once, when a connect the user made (a command, the debugger's form) has failed
 * {@link NOTIFY_AFTER_RECONNECTS} times in a row without becoming ACTIVE, with the last error. After
 * the connection becomes ACTIVE, a new run of failures may warn again. No vscode import: the
 * extension shows the notice (with its "Show in Debugger" action).
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
  readonly #unsubscribe: () => void;

  constructor(session: Pick<ZmqSession, 'onEvent' | 'watchesConnects'>, notify: (failure: ConnectFailure) => void) {
    this.#session = session;
    this.#notify = notify;
    this.#unsubscribe = session.onEvent((event) => this.#onEvent(event));
  }

  #onEvent(event: HostEvent): void {
    if (event.type === 'peerGone') {
      this.#runs.delete(`${event.socketId}/${event.connectionId}`);
      return;
    }
    if (event.type !== 'peer') return;
    const peer = event.peer;
    if (peer.role !== 'connect' || peer.ended || !this.#session.watchesConnects(peer.socketId)) return;
    const key = `${peer.socketId}/${peer.connectionId}`;
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
    this.#notify({ socketId: peer.socketId, connectionId: peer.connectionId, routingId: peer.routingId, endpoint: peer.endpoint, lastError: peer.lastError, attempts });
  }

  dispose(): void {
    this.#unsubscribe();
    this.#runs.clear();
  }
}
