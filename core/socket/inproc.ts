/**
 * inproc:// (zmq_inproc(7)): sockets of one Context joined by a pair of pipes, no wire protocol.
 * Connecting before the bind exists works: the connector's pipe (and routing id) exist at once
 * and queue until the binder appears. Each direction holds up to the sender's sendHighWaterMark
 * plus the receiver's receiveHighWaterMark, the sum libzmq uses for inproc.
 *
 * Names are unique per context. The namespace lives here, not in the Context: a context only
 * ends its sockets, and finds its namespace through a module-level WeakMap keyed by the context
 * (the way ws reaches back from its Receiver through a symbol field rather than an import).
 */
import type { Context } from '../context';
import { ZmqError } from '../errors';
import type { ConnectionRecord } from '../pipe/connection-record';
import type { Pipe } from '../pipe/pipe';
import type { Binding, Connector, SessionHost } from './session-host';

/** The inproc names of one context: the bound ones, and connectors waiting for a name to be bound. */
class InprocNamespace {
  readonly #bound = new Map<string, InprocBinding>();
  readonly #pending = new Map<string, Set<InprocConnector>>();

  /** Binds `name`, linking the connectors that were waiting for it; EADDRINUSE when taken. */
  bind(name: string, binding: InprocBinding): void {
    if (this.#bound.has(name)) throw new ZmqError('EADDRINUSE', { address: `inproc://${name}` });
    this.#bound.set(name, binding);
    const pending = this.#pending.get(name);
    this.#pending.delete(name);
    for (const connector of pending ?? []) connector.link(binding);
  }

  unbind(name: string, binding: InprocBinding): void {
    if (this.#bound.get(name) === binding) this.#bound.delete(name);
  }

  /** The binding for `name`, or undefined after registering `connector` to be linked when it appears. */
  lookup(name: string, connector: InprocConnector): InprocBinding | undefined {
    const binding = this.#bound.get(name);
    if (binding) return binding;
    let pending = this.#pending.get(name);
    if (!pending) this.#pending.set(name, (pending = new Set()));
    pending.add(connector);
    return undefined;
  }

  forgetPending(name: string, connector: InprocConnector): void {
    this.#pending.get(name)?.delete(connector);
  }
}

const namespaces = new WeakMap<Context, InprocNamespace>();

/** The inproc namespace of `context`, made on first use and gone with the context. */
function namespaceOf(context: Context): InprocNamespace {
  let namespace = namespaces.get(context);
  if (!namespace) namespaces.set(context, (namespace = new InprocNamespace()));
  return namespace;
}

/** One bound inproc name. */
export class InprocBinding implements Binding {
  readonly host: SessionHost;
  readonly name: string;
  readonly lastEndpoint: string;
  readonly links = new Set<InprocLink>();
  #listening = true;

  constructor(host: SessionHost, name: string, text: string) {
    this.host = host;
    this.name = name;
    this.lastEndpoint = text;
  }

  matches(text: string): boolean {
    return text === this.lastEndpoint;
  }

  async stopListening(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    namespaceOf(this.host.context).unbind(this.name, this);
  }

  async flushPending(): Promise<void> {}

  /** Unbind keeps established links, as libzmq; closing the socket ends them through its pipes. */
  async close(): Promise<void> {
    await this.stopListening();
    if (this.host.closed) for (const link of [...this.links]) link.terminate();
  }
}

/** Binds `name` in the socket's context; EADDRINUSE when taken. */
export function inprocBind(host: SessionHost, name: string, text: string): InprocBinding {
  const binding = new InprocBinding(host, name, text);
  namespaceOf(host.context).bind(name, binding);
  return binding;
}

/** The connect side of an inproc endpoint. */
export class InprocConnector implements Connector {
  readonly endpointText: string;
  readonly #host: SessionHost;
  readonly #name: string;
  readonly #immediate: boolean;
  readonly record: ConnectionRecord;
  #pipe: Pipe | undefined;
  #link: InprocLink | undefined;
  #ended = false;

  constructor(host: SessionHost, name: string, text: string, immediate: boolean) {
    this.#host = host;
    this.#name = name;
    this.endpointText = text;
    this.#immediate = immediate;
    this.record = host.createRecord('connect', 'inproc', text);
    this.record.remoteAddress = text;
    this.record.close = () => this.terminate();
    if (!immediate) this.#pipe = host.attachPipe(this.record);
  }

  get pipe(): Pipe | undefined {
    return this.#pipe;
  }

  start(): void {
    const binding = namespaceOf(this.#host.context).lookup(this.#name, this);
    if (binding) this.link(binding);
    else this.record.enter('WAIT_RECONNECT');
  }

  /** Joins this connector to a binder (now, or when the bind appears). */
  link(binding: InprocBinding): void {
    if (this.#ended || binding.host.closed) return;
    if (!this.#pipe) this.#pipe = this.#host.attachPipe(this.record);
    this.#link = new InprocLink(this, this.#host, this.#pipe, binding);
  }

  async flushPending(): Promise<void> {}

  /** zmq_disconnect or close. */
  terminate(): void {
    if (this.#ended) return;
    this.#ended = true;
    namespaceOf(this.#host.context).forgetPending(this.#name, this);
    // A link's end reaches linkEnded(), which finishes the record.
    if (this.#link) this.#link.terminate();
    else {
      if (this.#pipe) this.#host.removePipe(this.#pipe);
      this.#finish();
    }
  }

  /** The link ended (either side): inproc has no reconnect, so the routing id ends. */
  linkEnded(): void {
    this.#ended = true;
    this.#finish();
  }

  #finish(): void {
    if (this.record.state === 'TERMINATED') return;
    this.record.enter('TERMINATED');
    this.#host.forgetRecord(this.record);
    this.#host.connectorEnded(this);
  }

  get immediate(): boolean {
    return this.#immediate;
  }
}

/** The two pipes of one inproc connection, moving messages straight into the other socket's queue. */
class InprocLink {
  readonly #connector: InprocConnector;
  readonly #binding: InprocBinding;
  readonly #a: SessionHost;
  readonly #b: SessionHost;
  readonly #pipeA: Pipe;
  readonly #pipeB: Pipe;
  readonly #recordB: ConnectionRecord;
  #ended = false;

  constructor(connector: InprocConnector, a: SessionHost, pipeA: Pipe, binding: InprocBinding) {
    this.#connector = connector;
    this.#binding = binding;
    this.#a = a;
    this.#b = binding.host;
    this.#pipeA = pipeA;
    this.#recordB = this.#b.createRecord('bind', 'inproc', binding.lastEndpoint);
    this.#recordB.localAddress = binding.lastEndpoint;
    this.#recordB.close = () => this.terminate();
    this.#pipeB = this.#b.attachPipe(this.#recordB);
    binding.links.add(this);
    const recordA = connector.record;
    const recordB = this.#recordB;
    const pump = {
      aToB: () => this.#pump(this.#pipeA, recordA, this.#b, this.#pipeB, recordB),
      bToA: () => this.#pump(this.#pipeB, recordB, this.#a, this.#pipeA, recordA),
    };
    this.#pipeA.writer = { pipeReadable: pump.aToB };
    this.#pipeB.reader = { resumeReading: pump.aToB };
    this.#pipeB.writer = { pipeReadable: pump.bToA };
    this.#pipeA.reader = { resumeReading: pump.bToA };
    recordA.mechanism = 'inproc';
    recordB.mechanism = 'inproc';
    recordA.localAddress = binding.lastEndpoint;
    // ZMQ_HELLO_MSG on either side arrives before anything queued.
    const helloA = a.options.helloMessage;
    const helloB = this.#b.options.helloMessage;
    if (helloA !== undefined) this.#b.deliver(this.#pipeB, Buffer.from(helloA));
    if (helloB !== undefined) a.deliver(pipeA, Buffer.from(helloB));
    recordA.enter('ACTIVE');
    recordB.enter('ACTIVE');
    pump.aToB();
    pump.bToA();
  }

  /** Moves what `from` holds into the other socket while `toPipe` is below its receive HWM, counting on both records. */
  #pump(from: Pipe, fromRecord: ConnectionRecord, to: SessionHost, toPipe: Pipe, toRecord: ConnectionRecord): void {
    if (this.#ended) return;
    while (from.hasOutbound && (toPipe.receiveHighWaterMark === 0 || toPipe.inQueued < toPipe.receiveHighWaterMark)) {
      const data = from.read()!;
      // Copied: the sender may reuse its buffer once send() resolved, as it may with tcp.
      const copy = Buffer.from(data);
      fromRecord.messagesOut++;
      fromRecord.bytesOut += copy.length;
      toRecord.messagesIn++;
      toRecord.bytesIn += copy.length;
      to.deliver(toPipe, copy);
    }
  }

  terminate(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#binding.links.delete(this);
    this.#a.removePipe(this.#pipeA);
    this.#b.removePipe(this.#pipeB, { disconnectMessage: true });
    this.#recordB.enter('TERMINATED');
    this.#b.forgetRecord(this.#recordB);
    this.#connector.linkEnded();
  }
}
