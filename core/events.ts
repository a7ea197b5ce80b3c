/**
 * What a debugger sees of a socket: libzmq's monitor events, the life of a connection
 * ({@link ConnectionState}, the transitions it may make, and {@link ConnectionInfo} snapshots) and
 * the traffic tap's {@link FrameRecord}s. Types and tables only.
 */
import type { ZmtpError } from './errors';
import type { Transport } from './endpoint';

/** libzmq's socket monitor event names (zmq_socket_monitor(3)), without the ZMQ_EVENT_ prefix. */
export type MonitorEventType =
  | 'CONNECTED'
  | 'CONNECT_DELAYED'
  | 'CONNECT_RETRIED'
  | 'LISTENING'
  | 'BIND_FAILED'
  | 'ACCEPTED'
  | 'ACCEPT_FAILED'
  | 'CLOSED'
  | 'CLOSE_FAILED'
  | 'DISCONNECTED'
  | 'MONITOR_STOPPED'
  | 'HANDSHAKE_FAILED_NO_DETAIL'
  | 'HANDSHAKE_SUCCEEDED'
  | 'HANDSHAKE_FAILED_PROTOCOL'
  | 'HANDSHAKE_FAILED_AUTH';

/** libzmq's numeric value of each event (zmq.h `ZMQ_EVENT_*`). */
export const MONITOR_EVENT_VALUES: Readonly<Record<MonitorEventType, number>> = {
  CONNECTED: 0x0001,
  CONNECT_DELAYED: 0x0002,
  CONNECT_RETRIED: 0x0004,
  LISTENING: 0x0008,
  BIND_FAILED: 0x0010,
  ACCEPTED: 0x0020,
  ACCEPT_FAILED: 0x0040,
  CLOSED: 0x0080,
  CLOSE_FAILED: 0x0100,
  DISCONNECTED: 0x0200,
  MONITOR_STOPPED: 0x0400,
  HANDSHAKE_FAILED_NO_DETAIL: 0x0800,
  HANDSHAKE_SUCCEEDED: 0x1000,
  HANDSHAKE_FAILED_PROTOCOL: 0x2000,
  HANDSHAKE_FAILED_AUTH: 0x4000,
};

/**
 * One monitor event. `value` is what libzmq puts in the event's value field: an errno for
 * *_FAILED/CONNECT_DELAYED, the retry interval in ms for CONNECT_RETRIED, a ZMQ_PROTOCOL_ERROR_*
 * code for HANDSHAKE_FAILED_PROTOCOL, a ZAP status for HANDSHAKE_FAILED_AUTH, and otherwise a
 * connection number standing in for libzmq's file descriptor.
 */
export interface MonitorEvent {
  readonly type: MonitorEventType;
  readonly value: number;
  /** The local endpoint for bind-side events, the remote one for connect-side events (as libzmq). */
  readonly endpoint: string;
  /** The connection this is about, when there is one. */
  readonly connectionId?: number;
  /** The routing id, once the connection has one. */
  readonly routingId?: number;
  /** The named wire error behind a failure, including those libzmq reports silently. */
  readonly error?: ZmtpError;
  /** Date.now() when it happened. */
  readonly time: number;
}

/**
 * Where one connection is in its life (protocol.md §6.4). ws/wss stages (TLS_HANDSHAKE,
 * HTTP_UPGRADE) appear only on those transports.
 */
export type ConnectionState =
  | 'WAIT_RECONNECT'
  | 'CONNECTING'
  | 'TLS_HANDSHAKE'
  | 'HTTP_UPGRADE'
  | 'GREETING_SIGNATURE'
  | 'GREETING_VERSION'
  | 'GREETING_REST'
  | 'READY_EXCHANGE'
  | 'SECURITY_HANDSHAKE'
  | 'ACTIVE'
  | 'DISCONNECTED'
  | 'TERMINATED';

/** The live states of a connection, from which it may fail or be ended. */
const ENDINGS = ['WAIT_RECONNECT', 'DISCONNECTED', 'TERMINATED'] as const;

/**
 * Every move a connection's state may make; any other is a bug in the core and throws. A
 * connection starts in CONNECTING. From a live state it may end: WAIT_RECONNECT when the connect
 * side will retry (or, for inproc, waits for the bind), DISCONNECTED when an accepted connection
 * was lost, TERMINATED when our side ended it or a protocol error did. DISCONNECTED and
 * TERMINATED are final.
 *
 * - tcp, ipc: CONNECTING → GREETING_SIGNATURE → GREETING_VERSION → GREETING_REST →
 *   READY_EXCHANGE → ACTIVE (the greeting in libzmq's three stages, then the NULL mechanism), or
 *   GREETING_REST → SECURITY_HANDSHAKE → ACTIVE under PLAIN and CURVE (HELLO, WELCOME, INITIATE,
 *   READY, and ZAP on the server side).
 * - ws: CONNECTING → HTTP_UPGRADE → READY_EXCHANGE (or SECURITY_HANDSHAKE) → ACTIVE, straight to
 *   ACTIVE under bare ZWS2.0 (no READY); wss: TLS_HANDSHAKE before HTTP_UPGRADE.
 * - inproc: CONNECTING or WAIT_RECONNECT → ACTIVE when the two sockets are joined.
 * - A connect session announces each attempt, its first one included: CONNECTING → CONNECTING.
 */
export const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  CONNECTING: ['CONNECTING', 'TLS_HANDSHAKE', 'HTTP_UPGRADE', 'GREETING_SIGNATURE', 'ACTIVE', ...ENDINGS],
  TLS_HANDSHAKE: ['HTTP_UPGRADE', ...ENDINGS],
  HTTP_UPGRADE: ['READY_EXCHANGE', 'SECURITY_HANDSHAKE', 'ACTIVE', ...ENDINGS],
  GREETING_SIGNATURE: ['GREETING_VERSION', ...ENDINGS],
  GREETING_VERSION: ['GREETING_REST', ...ENDINGS],
  GREETING_REST: ['READY_EXCHANGE', 'SECURITY_HANDSHAKE', ...ENDINGS],
  READY_EXCHANGE: ['ACTIVE', ...ENDINGS],
  SECURITY_HANDSHAKE: ['ACTIVE', ...ENDINGS],
  ACTIVE: [...ENDINGS],
  WAIT_RECONNECT: ['CONNECTING', 'ACTIVE', 'TERMINATED'],
  DISCONNECTED: [],
  TERMINATED: [],
};

/** What a debugger shows about one connection, a snapshot. */
export interface ConnectionInfo {
  /** Unique per socket; stays the same across reconnects of a connect endpoint. */
  readonly id: number;
  readonly role: 'connect' | 'bind';
  readonly transport: Transport;
  /** The endpoint as connected to, or the bound endpoint it was accepted on. */
  readonly endpoint: string;
  readonly state: ConnectionState;
  readonly routingId: number | undefined;
  readonly localAddress: string | undefined;
  readonly remoteAddress: string | undefined;
  /** Our READY was sent / theirs received (meaningful in READY_EXCHANGE). */
  readonly readySent: boolean;
  readonly readyReceived: boolean;
  /** "3.0" or "3.1" from the peer's greeting. */
  readonly zmtpVersion: string | undefined;
  /** The security mechanism: NULL, PLAIN or CURVE ("none" under bare ZWS2.0). */
  readonly mechanism: string | undefined;
  /** Under PLAIN and CURVE, the side of the handshake we play (libzmq's as_server), whoever connected. */
  readonly securityRole: 'client' | 'server' | undefined;
  /**
   * The peer's READY (or INITIATE) properties, values as text, with what a ZAP handler added:
   * `User-Id` and its metadata, which win over the peer's own, as in libzmq.
   */
  readonly peerProperties: Readonly<Record<string, string>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Messages waiting to go to this peer. */
  readonly queuedOut: number;
  /** Messages from this peer waiting to be received by the application. */
  readonly queuedIn: number;
  readonly lastPingSent: number | undefined;
  readonly lastPingReceived: number | undefined;
  readonly lastPongReceived: number | undefined;
  readonly reconnects: number;
  /** The error that ended or last interrupted the connection; cleared once it is ACTIVE again. */
  readonly lastError: string | undefined;
}

/**
 * The kind of a frame seen by the traffic tap. HELLO, WELCOME and INITIATE are PLAIN and CURVE
 * handshake commands. Under CURVE, data and PING/PONG are shown as they are inside their MESSAGE
 * boxes.
 */
export type FrameKind =
  | 'data'
  | 'greeting'
  | 'READY'
  | 'PING'
  | 'PONG'
  | 'ERROR'
  | 'HELLO'
  | 'WELCOME'
  | 'INITIATE'
  | 'command'
  | 'ws-ping'
  | 'ws-pong';

/** One frame in or out, as the traffic tap sees it. */
export interface FrameRecord {
  readonly time: number;
  readonly direction: 'in' | 'out';
  readonly connectionId: number;
  readonly routingId: number | undefined;
  readonly kind: FrameKind;
  /** The MORE flag (a multipart part, which PEER discards on receive). */
  readonly more: boolean;
  /** Body size in bytes (without the frame header). */
  readonly size: number;
  /** The body bytes. A view: copy it to keep it past the listener call. */
  readonly body: Uint8Array;
}
