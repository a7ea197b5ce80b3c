/**
 * The API of the ZMQ Peer Debugger extension, version 1: what `activate()` returns, and what
 * `vscode.extensions.getExtension('zmq-peer-debugger.zmq-peer-debugger')?.activate()` resolves to in
 * another extension. Shipped as `dist/api.d.ts`; self-contained (no imports), so a consumer can copy it.
 *
 * Sockets made here are real ZMQ_PEER sockets running in the extension host, and they appear in
 * the debugger and the ZMQ tree view like the ones made from commands.
 *
 * ```ts
 * const api = await vscode.extensions.getExtension<ZmqPeerApi>('zmq-peer-debugger.zmq-peer-debugger')!.activate();
 * if (api.apiVersion !== 1) throw new Error('unsupported ZMQ Peer Debugger API');
 * const peer = api.createPeer({ label: 'my tool' });
 * const routingId = peer.connectPeer('tcp://127.0.0.1:5555');
 * await peer.send(routingId, 'hello');
 * const reply = await peer.receive();
 * ```
 */

/** Something to stop: a listener subscription. Compatible with `vscode.Disposable`. */
export interface ZmqDisposable {
  dispose(): void;
}

/** Errors from API calls carry the core's errno code ('EHOSTUNREACH', 'EPROTONOSUPPORT', …). */
export interface ZmqApiError extends Error {
  readonly code: string;
  readonly errno?: number;
}

/** Options of {@link ZmqPeerApi.createPeer}; each mirrors a libzmq option. */
export interface ZmqPeerOptions {
  /** The name shown in the debugger and tree view. */
  readonly label?: string;
  /** ZMQ_HEARTBEAT_IVL, ms; default: the `zmqPeer.heartbeat.interval` setting. */
  readonly heartbeatInterval?: number;
  /** ZMQ_HEARTBEAT_TIMEOUT, ms. */
  readonly heartbeatTimeout?: number;
  /** ZMQ_RECONNECT_IVL, ms. */
  readonly reconnectInterval?: number;
  /** ZMQ_RECONNECT_IVL_MAX, ms. */
  readonly reconnectIntervalMax?: number;
  /** ZMQ_SNDHWM. */
  readonly sendHighWaterMark?: number;
  /** ZMQ_RCVHWM. */
  readonly receiveHighWaterMark?: number;
  /** ZMQ_SNDTIMEO, ms. */
  readonly sendTimeout?: number;
  /** ZMQ_RCVTIMEO, ms. */
  readonly receiveTimeout?: number;
  /** ZMQ_MAXMSGSIZE, bytes. */
  readonly maxMessageSize?: number;
}

/** A received message. */
export interface ZmqMessage {
  readonly routingId: number;
  readonly data: Uint8Array;
}

/** One connection of a socket, as the debugger shows it. */
export interface ZmqPeerInfo {
  readonly socketId: string;
  readonly connectionId: number;
  readonly role: 'connect' | 'bind';
  readonly transport: string;
  readonly endpoint: string;
  /**
   * CONNECTING, GREETING_*, READY_EXCHANGE (NULL), SECURITY_HANDSHAKE (PLAIN and CURVE: HELLO,
   * WELCOME, INITIATE, READY, and ZAP on the server's side), ACTIVE, WAIT_RECONNECT, DISCONNECTED,
   * TERMINATED…
   */
  readonly state: string;
  readonly routingId: number | null;
  readonly remoteAddress: string | null;
  /** The security mechanism once the greeting named it: NULL, PLAIN or CURVE ("none" under bare ZWS 2.0). */
  readonly mechanism: string | null;
  /** Under PLAIN and CURVE, the side of the handshake this socket plays, whoever connected; null otherwise. */
  readonly securityRole: 'client' | 'server' | null;
  /**
   * The peer's properties from its READY (or INITIATE), values as text (`Socket-Type`…), with what a
   * ZAP handler of ours added when it admitted the peer: `User-Id` and its metadata, which win over
   * the peer's own (libzmq's rule).
   */
  readonly peerProperties: Readonly<Record<string, string>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly lastError: string | null;
}

/** A peer event: a connection changed, or is gone for good. */
export type ZmqPeerEvent =
  | { readonly type: 'changed'; readonly peer: ZmqPeerInfo }
  | { readonly type: 'gone'; readonly socketId: string; readonly connectionId: number };

/** One frame seen by the traffic tap. */
export interface ZmqTrafficFrame {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
  readonly direction: 'in' | 'out';
  /**
   * 'data', or a command: greeting, READY, PING, PONG, ERROR, command, ws-ping, ws-pong; and the
   * PLAIN and CURVE handshake's HELLO, WELCOME and INITIATE. A PLAIN HELLO's password bytes are
   * replaced by `*` (the size stays the wire's); under CURVE, data and PING/PONG are shown as they
   * are inside their MESSAGE boxes, handshake commands as they went on the wire.
   */
  readonly kind: string;
  /** The body's full size in bytes. */
  readonly size: number;
  /** The body, cut to the capture limit when `truncated`. */
  readonly data: Uint8Array;
  readonly truncated: boolean;
}

/** A PEER socket owned by the extension host. */
export interface ZmqApiPeer {
  /** The id the debugger uses for this socket. */
  readonly socketId: string;
  readonly label: string;
  /** Binds; resolves with the resolved endpoint (port `*` replaced by the real one). */
  bind(endpoint: string): Promise<string>;
  /** zmq_connect_peer: returns the new peer's routing id at once; throws for a bad endpoint. */
  connectPeer(endpoint: string): number;
  /** Ends the connections to an endpoint made with connectPeer. */
  disconnect(endpoint: string): void;
  /** Sends one single-frame message; resolves once queued. EHOSTUNREACH for an unknown routing id. */
  send(routingId: number, data: Uint8Array | string): Promise<void>;
  /** The next message from any peer. */
  receive(): Promise<ZmqMessage>;
  /** Routing ids that can be sent to now. */
  routingIds(): number[];
  /** This socket's connections now. */
  peers(): ZmqPeerInfo[];
  /** Peer changes of this socket (batched, about every 50 ms). */
  onPeerEvent(listener: (event: ZmqPeerEvent) => void): ZmqDisposable;
  /** Frames of this socket (batched; under heavy load only the newest of each batch). */
  onTraffic(listener: (frames: readonly ZmqTrafficFrame[]) => void): ZmqDisposable;
  /** Closes the socket; it disappears from the debugger. */
  close(): Promise<void>;
}

/** What the extension's `activate()` returns. */
export interface ZmqPeerApi {
  /** Bumped on any incompatible change. */
  readonly apiVersion: 1;
  /** Creates a PEER socket that the debugger shows. */
  createPeer(options?: ZmqPeerOptions): ZmqApiPeer;
  /**
   * Every socket the debugger shows (from commands and from this API), with its security: the
   * mechanism and role its options select, the security profile it was made from (Connect Peer and
   * Bind with a profile of `zmqPeer.security.profiles`), and its CURVE public key. Secrets are never
   * handed out.
   */
  sockets(): {
    readonly socketId: string;
    readonly label: string;
    readonly bound: readonly string[];
    readonly connected: readonly string[];
    readonly security: { readonly profile: string | null; readonly mechanism: string; readonly role: 'client' | 'server' | null; readonly publicKey: string | null };
  }[];
  /** Opens the debugger, optionally on one peer. */
  openDebugger(target?: { readonly socketId: string; readonly routingId?: number }): Promise<void>;
  /** Peer changes of every socket. */
  onPeerEvent(listener: (event: ZmqPeerEvent) => void): ZmqDisposable;
  /** Frames of every socket. */
  onTraffic(listener: (frames: readonly ZmqTrafficFrame[]) => void): ZmqDisposable;
}
