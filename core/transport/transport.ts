/**
 * The contract of a wire transport: how it connects and listens, and how it reports a link's
 * progress to the session that waits for it ({@link LinkObserver}). Transports carry bytes and start
 * engines; they know nothing of sockets.
 */
import type { ZmtpError } from '../errors';
import type { Endpoint } from '../endpoint';
import type { Engine } from '../engine/engine-base';
import type { EngineSession } from '../engine/engine-host';
import type { SocketOptions } from '../options';

/** Makes the engine for a link once the transport is ready to carry ZMTP. */
export type EngineStarter = (session: EngineSession) => Engine;

/** Why a link failed before its engine started. */
export interface LinkFailure {
  /**
   * connection: refused, reset, TLS failure — retried on the connect side;
   * protocol: the peer is not a ZWS peer (bad HTTP upgrade) — not retried, as libzmq.
   */
  readonly kind: 'connection' | 'protocol';
  readonly message: string;
  readonly errno?: number;
  readonly error?: ZmtpError;
}

/** How a transport reports one connect attempt or one accepted connection. */
export interface LinkObserver {
  /** The TCP (or Unix) connection is up; before any TLS, HTTP or ZMTP byte. Connect side only. */
  connected(addresses: LinkAddresses): void;
  /** A stage before ZMTP starts (wss: TLS, ws/wss: the HTTP upgrade). */
  stage(state: 'TLS_HANDSHAKE' | 'HTTP_UPGRADE'): void;
  /** Ready for ZMTP (or ZWS): the session starts the engine. */
  established(start: EngineStarter, addresses: LinkAddresses): void;
  failed(failure: LinkFailure): void;
}

export interface LinkAddresses {
  readonly local?: string;
  readonly remote?: string;
}

export interface ConnectAttempt {
  /** Gives up the attempt (disconnect, close) without reporting a failure. */
  abort(): void;
}

/** A bound listener. */
export interface Listener {
  /** ZMQ_LAST_ENDPOINT for this bind: wildcards resolved to the real address, port or path. */
  readonly lastEndpoint: string;
  /** Stops listening and removes what the bind created (an ipc socket file, a temp folder). */
  close(): Promise<void>;
}

/** A transport: tcp, ipc, ws or wss (inproc has no wire and lives apart). */
export interface Transport {
  /** Starts connecting; progress and the outcome arrive through `observer`. */
  connect(endpoint: Endpoint, options: Readonly<SocketOptions>, observer: LinkObserver): ConnectAttempt;
  /** Binds; rejects with a ZmqError (EADDRINUSE, EADDRNOTAVAIL, ENODEV, ENOENT…). `accept` is called per accepted connection. */
  listen(endpoint: Endpoint, options: Readonly<SocketOptions>, accept: (addresses: LinkAddresses) => LinkObserver): Promise<Listener>;
}
