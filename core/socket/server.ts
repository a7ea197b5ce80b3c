/**
 * ZMQ_SERVER (RFC 41): send to a routing id, receive from any peer, disconnect one peer.
 */
import { ZmqError } from '../errors';
import { SocketBase, type ReceivedMessage, type SocketConstructorOptions } from './socket-base';

/** Options of {@link Server.send}. */
export interface SendOptions {
  /** ZMQ_SNDMORE. PEER and SERVER are single-frame sockets: true fails with EINVAL, as libzmq. */
  readonly more?: boolean;
}

/**
 * A SERVER socket (ZMQ_SERVER, RFC 41): talks to CLIENT peers, each addressed by a routing id.
 * PEER is the same socket with connectPeer and Socket-Type "PEER".
 */
export class Server extends SocketBase {
  /** The Socket-Type this class announces in READY. */
  static readonly socketType: string = 'SERVER';

  constructor(options?: SocketConstructorOptions) {
    super((new.target as typeof Server).socketType, options);
  }

  /**
   * Sends one single-frame message to `routingId`. Resolves once queued; at the peer's send HWM
   * it waits up to sendTimeout, then rejects EAGAIN; it never drops (RFC 51). Unknown or missing
   * id: EHOSTUNREACH. The bytes are not copied: don't change them after sending.
   */
  send(routingId: number, data: Uint8Array | string, options?: SendOptions): Promise<void> {
    // Not `async` (a promise per message adds up): errors are still reported by rejection.
    try {
      if (options?.more) throw new ZmqError('EINVAL', { detail: `${this.socketType} sockets do not send multipart messages` });
      return this.sendOnPipe(this.pipeFor(routingId), data);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * zmq_disconnect_peer (libzmq master): ends the connection behind `routingId`. EHOSTUNREACH for
   * an unknown id, as libzmq. On a connect-side id it ends the connection and its retries (libzmq
   * master would leave a stalled session behind); use disconnect(endpoint) to end them all.
   */
  disconnectPeer(routingId: number): void {
    this.closeConnection(this.pipeFor(routingId).connectionId);
  }

  /** The next message from any peer. Waits up to receiveTimeout, then rejects EAGAIN. */
  receive(): Promise<ReceivedMessage> {
    return this.receiveMessage();
  }

  /** Up to `max` messages already received, without waiting. */
  receiveAvailable(max = Infinity): ReceivedMessage[] {
    return this.takeQueued(max);
  }

  /** `for await (const { routingId, data } of socket)`; ends when the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<ReceivedMessage, void, undefined> {
    return this.iterate();
  }
}
