/**
 * How a ZMQ session is configured: its settings (`zmqPeer.*` in VS Code) with their defaults, the
 * logger it writes to, the options it is made with, and the options of each socket it adds. Types
 * and defaults only, so that settings.ts reads VS Code's configuration into them without pulling in
 * the session.
 */
import type { Context, PeerOptions } from '../core/index';

/** The settings the session uses (`zmqPeer.*` in VS Code). */
export interface SessionSettings {
  /** Frames kept in the traffic ring buffer. */
  readonly bufferSize: number;
  readonly defaultView: 'hex' | 'utf8';
  /** ZMQ_HEARTBEAT_IVL for sockets the session creates, ms; 0 = off. */
  readonly heartbeatInterval: number;
  /** ZMQ_HEARTBEAT_TIMEOUT, ms; -1 = the interval. */
  readonly heartbeatTimeout: number;
  /** ZMQ_RECONNECT_IVL, ms; -1 = never reconnect. */
  readonly reconnectInterval: number;
  /** ZMQ_RECONNECT_IVL_MAX, ms; 0 = no back-off. */
  readonly reconnectIntervalMax: number;
}

/** Defaults of {@link SessionSettings}, as in package.json `contributes.configuration`. */
export const DEFAULT_SETTINGS: SessionSettings = Object.freeze({
  bufferSize: 10000,
  defaultView: 'hex',
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  reconnectInterval: 100,
  reconnectIntervalMax: 0,
});

/** Bytes of each frame kept by default. */
export const DEFAULT_CAPTURE_LIMIT = 4096;

/** Where the session logs; the extension passes its "ZMQ" LogOutputChannel. */
export interface SessionLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  trace(message: string): void;
  /** Frame dumps are built only when this is true. */
  readonly traceEnabled: boolean;
}

/** How a session is made. */
export interface SessionOptions {
  readonly settings?: Partial<SessionSettings>;
  readonly logger?: SessionLogger;
  /** The saved-messages JSON file (`.vscode/zmq-messages.json` of the workspace); none: saving fails. */
  readonly savedMessagesFile?: string;
  /** The core context for the session's sockets; the default context when absent. */
  readonly context?: Context;
  /** Coalescing window for events, ms. Default 50. */
  readonly batchInterval?: number;
  /** Bytes of each frame body kept. Default {@link DEFAULT_CAPTURE_LIMIT}. */
  readonly captureLimit?: number;
  /** How often message rates are sampled and sent, ms. Default 1000; 0: only by `ZmqSession.tickRates`. */
  readonly rateInterval?: number;
}

/** How a socket is added to the session. */
export interface CreateSocketOptions {
  readonly label?: string;
  /** Core options; heartbeat and reconnect default to the session's settings. */
  readonly options?: PeerOptions;
  /**
   * Whether the session reads and discards what the socket receives (the tap has recorded it).
   * True for sockets made by commands, so peers are never throttled by a full receive queue;
   * false for API sockets, whose owner calls receive().
   */
  readonly drain?: boolean;
  /**
   * Whether a connect of this socket that keeps failing is worth a notification (sockets the user
   * drives from commands and the debugger; API and script sockets report failures to their owners).
   */
  readonly watchConnects?: boolean;
}

/** The core options a socket of the session gets from the settings: heartbeat and reconnect. */
export function socketDefaults(s: SessionSettings): PeerOptions {
  return { heartbeatInterval: s.heartbeatInterval, heartbeatTimeout: s.heartbeatTimeout, reconnectInterval: s.reconnectInterval, reconnectIntervalMax: s.reconnectIntervalMax };
}
