/**
 * A bind on a wire transport (tcp, ipc, ws, wss): the transport's listener and the connections
 * accepted through it, each served by an {@link AcceptSession}.
 */
import type { Endpoint } from '../endpoint';
import type { Listener, LinkAddresses, LinkObserver, Transport } from '../transport/transport';
import { AcceptSession } from './accept-session';
import type { Binding, SessionHost } from './session-host';

/** A tcp/ipc/ws/wss listener and the connections accepted through it. */
export class WireBinding implements Binding {
  readonly #host: SessionHost;
  readonly #given: string;
  readonly #transport: Endpoint['transport'];
  readonly #sessions = new Set<AcceptSession>();
  #listener: Listener | undefined;
  #listening = true;

  private constructor(host: SessionHost, given: string, transport: Endpoint['transport']) {
    this.#host = host;
    this.#given = given;
    this.#transport = transport;
  }

  static async listen(host: SessionHost, endpoint: Endpoint, given: string, transport: Transport): Promise<WireBinding> {
    const binding = new WireBinding(host, given, endpoint.transport);
    binding.#listener = await transport.listen(endpoint, host.options, (addresses) => binding.#accept(addresses));
    host.monitor('LISTENING', 0, binding.lastEndpoint);
    return binding;
  }

  get lastEndpoint(): string {
    return this.#listener?.lastEndpoint ?? this.#given;
  }

  matches(text: string): boolean {
    return text === this.lastEndpoint || text === this.#given;
  }

  #accept(addresses: LinkAddresses): LinkObserver {
    const host = this.#host;
    const record = host.createRecord('bind', this.#transport, this.lastEndpoint);
    record.localAddress = addresses.local ?? this.lastEndpoint;
    record.remoteAddress = addresses.remote;
    host.monitor('ACCEPTED', record.id, this.lastEndpoint, { connectionId: record.id });
    const session = new AcceptSession(host, record, this.lastEndpoint, (s) => this.#sessions.delete(s));
    this.#sessions.add(session);
    return session;
  }

  async stopListening(): Promise<void> {
    if (!this.#listening || !this.#listener) return;
    this.#listening = false;
    const closed = this.#listener.close();
    this.#host.monitor('CLOSED', 0, this.lastEndpoint);
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
