/**
 * ZMQ_PEER (RFC 51) and zmq_connect_peer(3): a SERVER whose connects return routing ids.
 */
import { ZmqError } from '../errors';
import type { SocketConstructorOptions } from './socket-base';
import { Server } from './server';

/** Options of a new {@link Peer}: libzmq's socket options under readable names, and a context. */
export type PeerOptions = SocketConstructorOptions;

/**
 * A ZMQ_PEER socket (RFC 51): bidirectional, single-frame messages addressed by routing id, and
 * {@link connectPeer}, which returns the id of the new connection at once.
 */
export class Peer extends Server {
  static override readonly socketType: string = 'PEER';

  constructor(options?: PeerOptions) {
    super(options);
  }

  /**
   * zmq_connect_peer(3): connects and returns the new peer's routing id, synchronously and
   * atomically, before any connection exists. Messages sent to the id queue until the handshake
   * completes and survive reconnects. Throws ZmqError: EFAULT with `immediate` set (no pipe, so
   * no id, would exist yet), and EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO, ETERM, ENOTSOCK,
   * EMTHREAD, ENAMETOOLONG from the endpoint.
   */
  connectPeer(endpoint: string): number {
    if (this.closed) throw new ZmqError(this.context.terminated ? 'ETERM' : 'ENOTSOCK', { address: endpoint });
    if (this.options.immediate) throw new ZmqError('EFAULT', { address: endpoint, detail: 'connectPeer cannot be used with the immediate option' });
    const pipe = this.connectInternal(endpoint);
    return pipe!.routingId;
  }
}
