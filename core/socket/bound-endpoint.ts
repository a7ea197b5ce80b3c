import type { Socket } from 'node:net';
import type { Endpoint } from '../endpoint';
import type { StreamListener, StreamTransport } from '../transport/stream-transport';
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

/** A tcp/ipc listener and the connections accepted through it. */
export class BoundEndpoint implements Bound {
  readonly #socket: SocketBase;
  readonly #listener: StreamListener;
  readonly #given: string;
  readonly #transport: Endpoint['transport'];
  readonly #sessions = new Set<AcceptSession>();
  #listening = true;

  private constructor(socket: SocketBase, listener: StreamListener, given: string, transport: Endpoint['transport']) {
    this.#socket = socket;
    this.#listener = listener;
    this.#given = given;
    this.#transport = transport;
    listener.server.on('connection', (stream: Socket) => this.#accept(stream));
  }

  static async listen(socket: SocketBase, endpoint: Endpoint, given: string, transport: StreamTransport): Promise<BoundEndpoint> {
    const listener = await transport.listen(endpoint, socket.options);
    const bound = new BoundEndpoint(socket, listener, given, endpoint.transport);
    socket.monitor('LISTENING', 0, listener.lastEndpoint);
    return bound;
  }

  get lastEndpoint(): string {
    return this.#listener.lastEndpoint;
  }

  matches(text: string): boolean {
    return text === this.#listener.lastEndpoint || text === this.#given;
  }

  #accept(stream: Socket): void {
    const socket = this.#socket;
    const record = socket.createRecord('bind', this.#transport, this.lastEndpoint);
    socket.monitor('ACCEPTED', record.id, this.lastEndpoint, { connectionId: record.id });
    const session = new AcceptSession(socket, stream, record, this.lastEndpoint, (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    session.start();
    if (this.#transport === 'ipc') record.localAddress = this.lastEndpoint;
  }

  async stopListening(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = this.#listener.close();
    this.#socket.monitor('CLOSED', 0, this.lastEndpoint);
    await closed;
  }

  async flushPending(linger: number): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.engine.flushPending(linger)));
  }

  /** Unbind/close: stop listening and close the connections accepted here. */
  async close(): Promise<void> {
    const stopped = this.stopListening();
    for (const session of [...this.#sessions]) session.close();
    this.#sessions.clear();
    await stopped;
  }
}
