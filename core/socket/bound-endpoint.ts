import type { Endpoint } from '../endpoint';
import type { Listener, LinkAddresses, LinkObserver, Transport } from '../transport/transport';
import { AcceptSession } from './accept-session';
import type { SocketBase } from './socket-base';

/** What unbind and close need from a bound endpoint, whatever its transport. */
export interface Bound {
  readonly lastEndpoint: string;
  matches(text: string): boolean;
  stopListening(): Promise<void>;
  flushPending(linger: number): Promise<void>;
  close(): Promise<void>;
}

/** A tcp/ipc/ws/wss listener and the connections accepted through it. */
export class BoundEndpoint implements Bound {
  readonly #socket: SocketBase;
  readonly #given: string;
  readonly #transport: Endpoint['transport'];
  readonly #sessions = new Set<AcceptSession>();
  #listener: Listener | undefined;
  #listening = true;

  private constructor(socket: SocketBase, given: string, transport: Endpoint['transport']) {
    this.#socket = socket;
    this.#given = given;
    this.#transport = transport;
  }

  static async listen(socket: SocketBase, endpoint: Endpoint, given: string, transport: Transport): Promise<BoundEndpoint> {
    const bound = new BoundEndpoint(socket, given, endpoint.transport);
    bound.#listener = await transport.listen(endpoint, socket.options, (addresses) => bound.#accept(addresses));
    socket.monitor('LISTENING', 0, bound.lastEndpoint);
    return bound;
  }

  get lastEndpoint(): string {
    return this.#listener?.lastEndpoint ?? this.#given;
  }

  matches(text: string): boolean {
    return text === this.lastEndpoint || text === this.#given;
  }

  #accept(addresses: LinkAddresses): LinkObserver {
    const socket = this.#socket;
    const record = socket.createRecord('bind', this.#transport, this.lastEndpoint);
    record.localAddress = addresses.local ?? this.lastEndpoint;
    record.remoteAddress = addresses.remote;
    socket.monitor('ACCEPTED', record.id, this.lastEndpoint, { connectionId: record.id });
    const session = new AcceptSession(socket, record, this.lastEndpoint, (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    return session;
  }

  async stopListening(): Promise<void> {
    if (!this.#listening || !this.#listener) return;
    this.#listening = false;
    const closed = this.#listener.close();
    this.#socket.monitor('CLOSED', 0, this.lastEndpoint);
    await closed;
  }

  async flushPending(linger: number): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.flushPending(linger)));
  }

  /** Unbind/close: stop listening and close the connections accepted here. */
  async close(): Promise<void> {
    const stopped = this.stopListening();
    for (const session of [...this.#sessions]) session.close();
    this.#sessions.clear();
    await stopped;
  }
}
