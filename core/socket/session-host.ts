/**
 * The narrow contract between a socket and what serves it: connect sessions, accepted
 * connections, wire bindings and inproc links talk to a {@link SessionHost}, never to the whole
 * socket class, so each can be read (and faked) on its own. The socket keeps its bindings as
 * {@link Binding}s and its connects as {@link Connector}s, whatever the transport.
 *
 * Modelled on zmq.rs's `peer_connected(socket, backend: Arc<dyn MultiPeerBackend>)`: the handshake
 * talks to a trait, not to a concrete socket.
 */
import type { Context } from '../context';
import type { Transport } from '../endpoint';
import type { ZmqError } from '../errors';
import type { EngineHost } from '../engine/engine-host';
import type { ConnectionRecord } from '../pipe/connection-record';
import type { Pipe } from '../pipe/pipe';

/** Options of {@link SessionHost.removePipe}. */
export interface RemovePipeOptions {
  /** Queue ZMQ_DISCONNECT_MSG for the application (the peer went away, we did not end it). */
  readonly disconnectMessage?: boolean;
  /** Why senders still waiting on the pipe fail; EHOSTUNREACH when absent. */
  readonly reason?: ZmqError;
}

/** What a session, a binding or an inproc link needs from the socket it serves. */
export interface SessionHost extends EngineHost {
  /** The context whose inproc namespace the socket binds and connects in. */
  readonly context: Context;
  /** Whether the socket was closed (an inproc connect to it must not link). */
  readonly closed: boolean;
  /** A new connection record, tracked by the socket until {@link forgetRecord}. */
  createRecord(role: 'connect' | 'bind', transport: Transport, endpoint: string): ConnectionRecord;
  forgetRecord(record: ConnectionRecord): void;
  /** A new pipe for `record`'s connection, with the socket's next routing id. */
  attachPipe(record: ConnectionRecord): Pipe;
  /** Ends a pipe: its routing id stops working at once. */
  removePipe(pipe: Pipe, options?: RemovePipeOptions): void;
  /** Puts a locally made message (ZMQ_HICCUP_MSG, ZMQ_DISCONNECT_MSG) in the receive queue. */
  deliverLocal(routingId: number, data: Uint8Array): void;
  /** A connector ended for good (disconnect, close, a protocol error): the socket forgets it. */
  connectorEnded(connector: Connector): void;
}

/** One bind of the socket (tcp/ipc/ws/wss listener or inproc name): what unbind and close need. */
export interface Binding {
  /** ZMQ_LAST_ENDPOINT of this bind. */
  readonly lastEndpoint: string;
  /** Whether unbind(`text`) names this bind (as given, or as {@link lastEndpoint} reported it). */
  matches(text: string): boolean;
  stopListening(): Promise<void>;
  /** Resolves when what is queued on the connections made through this bind was written, or after `linger` ms. */
  flushPending(linger: number): Promise<void>;
  close(): Promise<void>;
}

/** One connect of the socket (a wire connect session or an inproc connector). */
export interface Connector {
  /** The endpoint as given to connect. */
  readonly endpointText: string;
  /** The pipe, and so the routing id, of the connection; undefined while ZMQ_IMMEDIATE waits for a handshake. */
  readonly pipe: Pipe | undefined;
  start(): void;
  /** zmq_disconnect or close: ends the connection, its retries and its routing id. */
  terminate(): void;
  /** Resolves when the messages queued for the peer were written, or after `linger` ms (-1: no limit). */
  flushPending(linger: number): Promise<void>;
}
