/**
 * ZMQ_CLIENT (RFC 41): the socket type that talks to SERVER, round-robin over its connections.
 */
import { ZmqError } from '../errors';
import type { Pipe } from '../pipe/pipe';
import { SocketBase, type SocketConstructorOptions } from './socket-base';

/**
 * A CLIENT socket (ZMQ_CLIENT, RFC 41): talks to SERVER peers, sending round-robin over its
 * connections. It exists beside SERVER and PEER so that the engine's socket-type rules
 * (PEER↔PEER, CLIENT↔SERVER) are real, and so that connectPeer's ENOTSUP can be shown.
 */
export class Client extends SocketBase {
  readonly #ring: Pipe[] = [];
  #next = 0;

  constructor(options?: SocketConstructorOptions) {
    super('CLIENT', options);
  }

  protected override pipeAttached(pipe: Pipe): void {
    this.#ring.push(pipe);
  }

  protected override pipeRemoved(pipe: Pipe): void {
    const index = this.#ring.indexOf(pipe);
    if (index >= 0) this.#ring.splice(index, 1);
  }

  /** Sends to the next connection in turn. With no connection at all: EAGAIN. */
  async send(data: Uint8Array | string): Promise<void> {
    if (this.closed) throw new ZmqError(this.context.terminated ? 'ETERM' : 'ENOTSOCK');
    if (this.#ring.length === 0) throw new ZmqError('EAGAIN', { detail: 'no connection to send to' });
    const pipe = this.#ring[this.#next++ % this.#ring.length];
    return this.sendOnPipe(pipe, data);
  }

  async receive(): Promise<Buffer> {
    return (await this.receiveMessage()).data;
  }

  /** zmq_connect_peer on a non-PEER socket: ENOTSUP, as the man page says. */
  connectPeer(endpoint: string): number {
    throw new ZmqError('ENOTSUP', { address: endpoint, detail: 'connectPeer needs a PEER socket' });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for await (const message of this.iterate()) yield message.data;
  }
}
