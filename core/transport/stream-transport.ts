import type { Server, Socket } from 'node:net';
import type { Endpoint } from '../endpoint';
import type { SocketOptions } from '../options';

/** A bound listener for a byte-stream transport. */
export interface StreamListener {
  readonly server: Server;
  /** ZMQ_LAST_ENDPOINT for this bind: wildcards resolved to the real address, port or path. */
  readonly lastEndpoint: string;
  /** The local address accepted connections are reported under. */
  readonly localAddress: string;
  /** Stops listening and removes what the bind created (an ipc socket file, a temp folder). */
  close(): Promise<void>;
}

/** A transport that carries ZMTP as a byte stream (tcp, ipc). */
export interface StreamTransport {
  /** Starts a non-blocking connect; the socket emits 'connect' or 'error'. */
  connect(endpoint: Endpoint, options: Readonly<SocketOptions>): Socket;
  /** Binds; rejects with a ZmqError (EADDRINUSE, EADDRNOTAVAIL, ENODEV, ENOENT…). */
  listen(endpoint: Endpoint, options: Readonly<SocketOptions>): Promise<StreamListener>;
}
