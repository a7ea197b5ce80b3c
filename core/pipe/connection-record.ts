/**
 * What the core knows about one connection while it lives (state, addresses, greeting, READY
 * properties, counters, heartbeat times), mutated by its session and engine and snapshotted as a
 * {@link ConnectionInfo} for the debugger.
 */
import type { Transport } from '../endpoint';
import { CONNECTION_TRANSITIONS, type ConnectionInfo, type ConnectionState } from '../events';
import type { Pipe } from './pipe';

/** Called after every change of state, with the record in its new state. */
export type RecordChanged = (record: ConnectionRecord) => void;

/**
 * The mutable facts about one connection that {@link ConnectionInfo} snapshots. Its state moves
 * only through {@link enter}, along {@link CONNECTION_TRANSITIONS}.
 */
export class ConnectionRecord {
  readonly id: number;
  readonly role: 'connect' | 'bind';
  readonly transport: Transport;
  readonly endpoint: string;
  readonly #changed: RecordChanged;
  #state: ConnectionState = 'CONNECTING';
  pipe: Pipe | undefined;
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  readySent = false;
  readyReceived = false;
  zmtpVersion: string | undefined;
  mechanism: string | undefined;
  securityRole: 'client' | 'server' | undefined;
  peerProperties: Record<string, string> = {};
  /** Names in {@link peerProperties} that came from the ZAP handler (they win over the peer's). */
  zapProperties = new Set<string>();
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  lastPingSent: number | undefined;
  lastPingReceived: number | undefined;
  lastPongReceived: number | undefined;
  reconnects = 0;
  /** Why the connection last ended or was interrupted; cleared once it is ACTIVE again (see enter). */
  lastError: string | undefined;
  /** Ends this one connection from our side; set by whatever owns it (a session, an inproc link). */
  close: (() => void) | undefined;

  constructor(id: number, role: 'connect' | 'bind', transport: Transport, endpoint: string, changed: RecordChanged) {
    this.id = id;
    this.role = role;
    this.transport = transport;
    this.endpoint = endpoint;
    this.#changed = changed;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Moves the connection to `state` and reports it. A move {@link CONNECTION_TRANSITIONS} does not
   * list is a bug in the core, so it throws rather than show the debugger an impossible story.
   */
  enter(state: ConnectionState): void {
    if (!CONNECTION_TRANSITIONS[this.#state].includes(state)) {
      throw new Error(`connection ${this.id} cannot go from ${this.#state} to ${state}`);
    }
    this.#state = state;
    // An error that interrupted an earlier attempt is history once the handshake succeeds: left in
    // place, it would stand next to ACTIVE as if it were a current problem.
    if (state === 'ACTIVE') this.lastError = undefined;
    this.#changed(this);
  }

  /** Clears what belonged to the previous TCP connection before a reconnect. */
  resetForReconnect(): void {
    this.localAddress = undefined;
    this.remoteAddress = undefined;
    this.readySent = false;
    this.readyReceived = false;
    this.zmtpVersion = undefined;
    this.mechanism = undefined;
    this.securityRole = undefined;
    this.peerProperties = {};
    this.zapProperties = new Set();
  }

  snapshot(): ConnectionInfo {
    return {
      id: this.id,
      role: this.role,
      transport: this.transport,
      endpoint: this.endpoint,
      state: this.#state,
      routingId: this.pipe && !this.pipe.terminated ? this.pipe.routingId : undefined,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
      readySent: this.readySent,
      readyReceived: this.readyReceived,
      zmtpVersion: this.zmtpVersion,
      mechanism: this.mechanism,
      securityRole: this.securityRole,
      peerProperties: { ...this.peerProperties },
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      queuedOut: this.pipe ? this.pipe.queuedOut : 0,
      queuedIn: this.pipe ? this.pipe.inQueued : 0,
      lastPingSent: this.lastPingSent,
      lastPingReceived: this.lastPingReceived,
      lastPongReceived: this.lastPongReceived,
      reconnects: this.reconnects,
      lastError: this.lastError,
    };
  }
}
