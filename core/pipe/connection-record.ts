/**
 * What the core knows about one connection while it lives (state, addresses, greeting, READY
 * properties, counters, heartbeat times), mutated by its session and engine and snapshotted as a
 * {@link ConnectionInfo} for the debugger.
 */
import type { Transport } from '../endpoint';
import type { ConnectionInfo, ConnectionState } from '../events';
import type { Pipe } from './pipe';

/** The mutable facts about one connection that {@link ConnectionInfo} snapshots. */
export class ConnectionRecord {
  readonly id: number;
  readonly role: 'connect' | 'bind';
  readonly transport: Transport;
  readonly endpoint: string;
  state: ConnectionState = 'CONNECTING';
  pipe: Pipe | undefined;
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  readySent = false;
  readyReceived = false;
  zmtpVersion: string | undefined;
  mechanism: string | undefined;
  peerProperties: Record<string, string> = {};
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  lastPingSent: number | undefined;
  lastPingReceived: number | undefined;
  lastPongReceived: number | undefined;
  reconnects = 0;
  lastError: string | undefined;
  /** Ends this one connection from our side; set by whatever owns it (a session, an inproc link). */
  close: (() => void) | undefined;

  constructor(id: number, role: 'connect' | 'bind', transport: Transport, endpoint: string) {
    this.id = id;
    this.role = role;
    this.transport = transport;
    this.endpoint = endpoint;
  }

  /** Clears what belonged to the previous TCP connection before a reconnect. */
  resetForReconnect(): void {
    this.localAddress = undefined;
    this.remoteAddress = undefined;
    this.readySent = false;
    this.readyReceived = false;
    this.zmtpVersion = undefined;
    this.mechanism = undefined;
    this.peerProperties = {};
  }

  snapshot(): ConnectionInfo {
    return {
      id: this.id,
      role: this.role,
      transport: this.transport,
      endpoint: this.endpoint,
      state: this.state,
      routingId: this.pipe && !this.pipe.terminated ? this.pipe.routingId : undefined,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
      readySent: this.readySent,
      readyReceived: this.readyReceived,
      zmtpVersion: this.zmtpVersion,
      mechanism: this.mechanism,
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
