/**
 * What PEER, SERVER and CLIENT share: the routing-id table of pipes, bind and connect, sending and
 * receiving, monitor events, the traffic tap and closing.
 */
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { ZmqError, type ZmtpError } from '../errors';
import { formatHost, parseEndpoint, type Endpoint, type Transport } from '../endpoint';
import type { ConnectionInfo, FrameRecord, MonitorEvent, MonitorEventType } from '../events';
import { checkOption, checkSecurity, resolveOptions, securityOf, wipeSecrets, type SocketOptions } from '../options';
import { loadCurveCrypto } from '../crypto/sodium';
import type { ZapAsker } from '../engine/engine-host';
import { zapHandlerRequest, zapReplyFrames, zapRequestFrames, type ZapHandler } from '../zmtp/zap';
import { zapResponderOf } from './zap-responder';
import { getDefaultContext, type Context } from '../context';
import { transportFor } from '../transport/registry';
import { ConnectionRecord } from '../pipe/connection-record';
import { Pipe } from '../pipe/pipe';
import { ConnectSession } from './connect-session';
import { WireBinding } from './wire-binding';
import type { Binding, Connector, RemovePipeOptions, SessionHost } from './session-host';
import { ReceiveQueue, type ReceivedMessage } from './receive-queue';
import { InprocConnector, inprocBind } from './inproc';
import { MessageIterator, type MessageSource } from './message-iterator';

export type { ReceivedMessage } from './receive-queue';

type MessageOptionName = 'helloMessage' | 'disconnectMessage' | 'hiccupMessage';
type TextOrBytesOptionName = 'plainUsername' | 'plainPassword' | 'curvePublicKey' | 'curveSecretKey' | 'curveServerKey';

/** Options accepted by socket constructors: the socket options plus the context to live in. */
export type SocketConstructorOptions = Partial<Omit<SocketOptions, MessageOptionName | TextOrBytesOptionName>> & {
  /** ZMQ_PLAIN_USERNAME, as bytes or UTF-8 text. */
  readonly plainUsername?: Uint8Array | string;
  /** ZMQ_PLAIN_PASSWORD, as bytes or UTF-8 text. */
  readonly plainPassword?: Uint8Array | string;
  /** ZMQ_CURVE_PUBLICKEY: 32 bytes or 40 Z85 characters. */
  readonly curvePublicKey?: Uint8Array | string;
  /** ZMQ_CURVE_SECRETKEY: 32 bytes or 40 Z85 characters (the socket keeps its own copy and zeroes it on close). */
  readonly curveSecretKey?: Uint8Array | string;
  /** ZMQ_CURVE_SERVERKEY: 32 bytes or 40 Z85 characters. */
  readonly curveServerKey?: Uint8Array | string;
  /** Decides about clients of this socket's PLAIN or CURVE server (see {@link SocketBase.zapHandler}). */
  readonly zapHandler?: ZapHandler;
  /** ZMQ_HELLO_MSG, as bytes or UTF-8 text. */
  readonly helloMessage?: Uint8Array | string;
  /** ZMQ_DISCONNECT_MSG, as bytes or UTF-8 text. */
  readonly disconnectMessage?: Uint8Array | string;
  /** ZMQ_HICCUP_MSG, as bytes or UTF-8 text. */
  readonly hiccupMessage?: Uint8Array | string;
  /** The context the socket belongs to; the default context when absent. */
  readonly context?: Context;
};

/** Events a socket emits; `frame` is the traffic tap, costing nothing while nobody listens. */
export interface SocketEvents {
  monitor: [event: MonitorEvent];
  connection: [info: ConnectionInfo];
  frame: [record: FrameRecord];
}

/** Socket types known to the engine and the peers each accepts (libzmq mechanism_t::check_socket_type). */
const COMPATIBLE: Readonly<Record<string, readonly string[]>> = {
  PEER: ['PEER'],
  SERVER: ['CLIENT'],
  CLIENT: ['SERVER'],
};

let nextSocketNumber = 1;

/** What a send below the HWM returns: the message is queued, nothing is left to wait for. */
const QUEUED: Promise<void> = Promise.resolve();

/**
 * The socket core shared by PEER, SERVER and CLIENT: pipes addressed by routing id, connect and
 * bind endpoints, a {@link ReceiveQueue}, monitor events and the traffic tap. It is the
 * {@link SessionHost} its sessions, bindings and inproc links serve. libzmq builds PEER on SERVER
 * the same way (peer_t derives from server_t).
 */
export abstract class SocketBase extends EventEmitter<SocketEvents> implements SessionHost {
  /** A number unique in this process, for display. */
  readonly socketNumber = nextSocketNumber++;
  readonly context: Context;
  readonly socketType: string;
  readonly #options: SocketOptions;
  readonly #pipes = new Map<number, Pipe>();
  /** The pipe the last send went to: a loop sending to one peer skips the id checks and the map. */
  #lastSendPipe: Pipe | undefined;
  readonly #records = new Map<number, ConnectionRecord>();
  /** Connect endpoints, wire and inproc alike, until they end for good. */
  readonly #connectors = new Set<Connector>();
  readonly #bindings: Binding[] = [];
  readonly #received = new ReceiveQueue();
  #nextRoutingId = randomInt(1, 0xffffffff);
  #nextConnectionId = 1;
  #lastEndpoint = '';
  #closed = false;
  #terminated = false;
  #tapping = false;
  /**
   * RFC 27 in process: decides about each client of this socket's PLAIN or CURVE server (and of a
   * NULL socket with a zapDomain). It takes precedence over a ZapResponder bound in the context.
   * Without either, a PLAIN server refuses every client and a CURVE server accepts any client
   * that knows its public key (libzmq's rules).
   */
  zapHandler: ZapHandler | undefined;

  protected constructor(socketType: string, options: SocketConstructorOptions = {}) {
    super();
    this.socketType = socketType;
    this.context = options.context ?? getDefaultContext();
    this.#options = resolveOptions(options);
    this.zapHandler = options.zapHandler;
    this.#securityChanged();
    if (this.context.terminated) throw new ZmqError('ETERM');
    this.context.register(this);
    // The traffic tap costs one boolean test per frame while nobody listens.
    const untyped = this as EventEmitter;
    untyped.on('newListener', (event: string | symbol) => {
      if (event === 'frame') this.#tapping = true;
    });
    untyped.on('removeListener', (event: string | symbol) => {
      if (event === 'frame') this.#tapping = this.listenerCount('frame') > 0;
    });
  }

  // --- Options ---------------------------------------------------------------------------------

  get options(): Readonly<SocketOptions> {
    return this.#options;
  }

  /**
   * Sets one option (zmq_setsockopt). Invalid values fail with EINVAL, and so do security options
   * that contradict the others (curveServer with curveServerKey, PLAIN with CURVE).
   */
  setOption<K extends keyof SocketOptions>(name: K, value: SocketOptions[K] | string): void {
    this.#checkOpen();
    const checked = checkOption(name, value);
    securityOf({ ...this.#options, [name]: checked });
    const previous = this.#options[name];
    // A replaced secret is zeroed: the socket's copy is the only one it keeps.
    if (previous instanceof Uint8Array && previous !== checked && (name === 'curveSecretKey' || name === 'plainPassword')) previous.fill(0);
    this.#options[name] = checked;
    this.#securityChanged();
  }

  /** Checks the security options agree, and starts loading libsodium as soon as CURVE is asked for. */
  #securityChanged(): void {
    if (securityOf(this.#options).mechanism === 'CURVE') loadCurveCrypto().catch(() => undefined);
  }

  getOption<K extends keyof SocketOptions>(name: K): SocketOptions[K] {
    this.#checkOpen();
    return this.#options[name];
  }

  /** ZMQ_LAST_ENDPOINT: the endpoint of the last successful bind or connect, wildcards resolved. */
  get lastEndpoint(): string {
    return this.#lastEndpoint;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // --- EngineHost ------------------------------------------------------------------------------

  isCompatible(peerSocketType: string): boolean {
    return (COMPATIBLE[this.socketType] ?? []).includes(peerSocketType);
  }

  get tapping(): boolean {
    return this.#tapping;
  }

  tap(record: FrameRecord): void {
    this.emit('frame', record);
  }

  monitor(type: MonitorEventType, value: number, endpoint: string, extra: { connectionId?: number; routingId?: number; error?: ZmtpError } = {}): void {
    if (this.listenerCount('monitor') === 0) return;
    const event: MonitorEvent = { type, value, endpoint, time: Date.now(), ...definedOnly(extra) };
    this.emit('monitor', event);
  }

  /** Every connection's changes of state, as `connection` events. */
  readonly #recordChanged = (record: ConnectionRecord): void => {
    if (this.listenerCount('connection') > 0) this.emit('connection', record.snapshot());
  };

  deliver(pipe: Pipe, data: Buffer): boolean {
    return this.#received.deliver(pipe, data);
  }

  deliverLocal(routingId: number, data: Uint8Array): void {
    this.#received.deliverLocal(routingId, data);
  }

  zapAsker(): ZapAsker | undefined {
    const handler = this.zapHandler;
    if (handler) return async (request) => zapReplyFrames(await handler(zapHandlerRequest(request)));
    const responder = zapResponderOf(this.context);
    return responder ? (request) => responder.ask(zapRequestFrames(request)) : undefined;
  }

  // --- Pipes and connections -------------------------------------------------------------------

  /** A new connection record, tracked until {@link forgetRecord}. */
  createRecord(role: 'connect' | 'bind', transport: Transport, endpoint: string): ConnectionRecord {
    const record = new ConnectionRecord(this.#nextConnectionId++, role, transport, endpoint, this.#recordChanged);
    this.#records.set(record.id, record);
    return record;
  }

  forgetRecord(record: ConnectionRecord): void {
    this.#records.delete(record.id);
  }

  /**
   * Attaches a new pipe and gives it the next routing id: random start, +1 per attached pipe,
   * never 0, skipping ids still in use (libzmq server_t::xattach_pipe, which only asserts).
   */
  attachPipe(record: ConnectionRecord): Pipe {
    const pipe = new Pipe(record.id, this.#options.sendHighWaterMark, this.#options.receiveHighWaterMark);
    let id = this.#nextRoutingId;
    while (id === 0 || this.#pipes.has(id)) id = (id + 1) >>> 0;
    this.#nextRoutingId = (id + 1) >>> 0;
    pipe.routingId = id;
    this.#pipes.set(id, pipe);
    record.pipe = pipe;
    this.pipeAttached(pipe);
    return pipe;
  }

  /** Hook for socket types that track pipes (CLIENT's round robin). */
  protected pipeAttached(_pipe: Pipe): void {}

  /** Hook for socket types that track pipes. */
  protected pipeRemoved(_pipe: Pipe): void {}

  /**
   * Ends a pipe: later sends to its id fail with EHOSTUNREACH. Unlike libzmq, which keeps a dead
   * bind-side pipe until the application calls recv (protocol.md §1.7), the id ends at once;
   * messages already received from it stay readable.
   */
  removePipe(pipe: Pipe, options: RemovePipeOptions = {}): void {
    if (pipe.terminated) return;
    pipe.terminate(options.reason ?? new ZmqError('EHOSTUNREACH', { routingId: pipe.routingId, detail: `peer ${pipe.routingId} is gone` }));
    if (this.#pipes.get(pipe.routingId) === pipe) this.#pipes.delete(pipe.routingId);
    this.pipeRemoved(pipe);
    const message = this.#options.disconnectMessage;
    if (options.disconnectMessage && message !== undefined && !this.#closed) this.deliverLocal(pipe.routingId, message);
  }

  protected pipeFor(routingId: unknown): Pipe {
    // A terminated pipe is no longer in #pipes (removePipe), and closing terminates them all.
    const last = this.#lastSendPipe;
    if (last !== undefined && last.routingId === routingId && !last.terminated && !this.#closed && !this.#terminated) return last;
    this.#checkOpen();
    if (typeof routingId !== 'number' || !Number.isInteger(routingId) || routingId <= 0 || routingId > 0xffffffff) {
      throw new ZmqError('EHOSTUNREACH', { detail: `routing id ${String(routingId)} is not a peer of this socket` });
    }
    const pipe = this.#pipes.get(routingId);
    if (!pipe) throw new ZmqError('EHOSTUNREACH', { routingId, detail: `no peer with routing id ${routingId}` });
    this.#lastSendPipe = pipe;
    return pipe;
  }

  protected get pipes(): ReadonlyMap<number, Pipe> {
    return this.#pipes;
  }

  /** Routing ids of the peers this socket can send to now. */
  get routingIds(): number[] {
    return [...this.#pipes.keys()];
  }

  /** Snapshots of every connection the socket knows: connecting, handshaking, active, retrying. */
  connections(): ConnectionInfo[] {
    return [...this.#records.values()].map((record) => record.snapshot());
  }

  /** Endpoints this socket is bound to (their ZMQ_LAST_ENDPOINT form). */
  get boundEndpoints(): string[] {
    return this.#bindings.map((binding) => binding.lastEndpoint);
  }

  /** Endpoints this socket is connected to, as given. */
  get connectedEndpoints(): string[] {
    return [...this.#connectors].map((connector) => connector.endpointText);
  }

  // --- Bind and connect ------------------------------------------------------------------------

  #parse(text: string, role: 'bind' | 'connect'): Endpoint {
    this.#checkOpen();
    const endpoint = parseEndpoint(text, role);
    if (endpoint.transport !== 'inproc') checkSecurity(this.#options);
    if (endpoint.transport !== 'inproc' && this.context.ioThreads === 0) {
      throw new ZmqError('EMTHREAD', { address: text, detail: 'the context has no I/O threads (ioThreads: 0)' });
    }
    return endpoint;
  }

  /** zmq_bind. Resolves with the bound endpoint (also in {@link lastEndpoint}). */
  async bind(text: string): Promise<string> {
    let endpoint: Endpoint;
    try {
      endpoint = this.#parse(text, 'bind');
    } catch (err) {
      if (err instanceof ZmqError && err.code !== 'ENOTSOCK' && err.code !== 'ETERM') this.monitor('BIND_FAILED', err.errno, text);
      throw err;
    }
    let binding: Binding;
    try {
      binding = endpoint.transport === 'inproc' ? inprocBind(this, endpoint.name, text) : await WireBinding.listen(this, endpoint, text, transportFor(endpoint, text));
    } catch (err) {
      if (err instanceof ZmqError) this.monitor('BIND_FAILED', err.errno, text);
      throw err;
    }
    if (this.#closed) {
      await binding.close();
      throw new ZmqError(this.#terminated ? 'ETERM' : 'ENOTSOCK', { address: text });
    }
    this.#bindings.push(binding);
    this.#lastEndpoint = binding.lastEndpoint;
    return binding.lastEndpoint;
  }

  /** zmq_unbind: takes the endpoint as bound or as {@link lastEndpoint} reported it. ENOENT if not bound. */
  async unbind(text: string): Promise<void> {
    this.#checkOpen();
    const index = this.#bindings.findIndex((binding) => binding.matches(text));
    if (index < 0) throw new ZmqError('ENOENT', { address: text, detail: 'not bound to this endpoint' });
    const [binding] = this.#bindings.splice(index, 1);
    await binding.close();
  }

  /**
   * zmq_connect: starts connecting and returns the new connection's pipe, or undefined when the
   * pipe waits for the handshake (immediate). Synchronous, as libzmq's connect_internal.
   */
  protected connectInternal(text: string): Pipe | undefined {
    const endpoint = this.#parse(text, 'connect');
    const immediate = this.#options.immediate;
    const connector: Connector =
      endpoint.transport === 'inproc'
        ? new InprocConnector(this, endpoint.name, text, immediate)
        : new ConnectSession(this, endpoint, text, transportFor(endpoint, text), immediate);
    this.#connectors.add(connector);
    this.#lastEndpoint = connectLastEndpoint(endpoint, text);
    connector.start();
    return connector.pipe;
  }

  /** zmq_connect. Returns at once; the connection is made in the background and retried. */
  connect(endpoint: string): void {
    this.connectInternal(endpoint);
  }

  connectorEnded(connector: Connector): void {
    this.#connectors.delete(connector);
  }

  /** zmq_disconnect: ends every connection made to `endpoint` (PEER allows several). ENOENT if none. */
  disconnect(text: string): void {
    this.#checkOpen();
    let found = false;
    for (const connector of [...this.#connectors]) {
      if (connector.endpointText === text) {
        found = true;
        connector.terminate();
      }
    }
    if (!found) throw new ZmqError('ENOENT', { address: text, detail: 'not connected to this endpoint' });
  }

  /**
   * Ends one connection from our side, whichever side made it: a connect-side one stops for good
   * (no reconnect, its routing id ends), an accepted one is closed (the peer may reconnect and get
   * a new id). ENOENT when the socket has no such connection.
   */
  closeConnection(connectionId: number): void {
    this.#checkOpen();
    const record = this.#records.get(connectionId);
    if (!record?.close) throw new ZmqError('ENOENT', { detail: `no connection ${connectionId} on this socket` });
    record.close();
  }

  // --- Sending and receiving -------------------------------------------------------------------

  /**
   * Queues `data` on `pipe`, waiting at the HWM up to sendTimeout (then EAGAIN). Not `async`:
   * below the HWM it returns one shared resolved promise, so a send allocates no promise.
   */
  protected sendOnPipe(pipe: Pipe, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (!(bytes instanceof Uint8Array)) return Promise.reject(new ZmqError('EINVAL', { detail: 'data must be a Uint8Array or a string' }));
    if (pipe.tryWrite(bytes)) return QUEUED;
    if (pipe.terminated) return Promise.reject(new ZmqError('EHOSTUNREACH', { routingId: pipe.routingId }));
    const timeout = this.#options.sendTimeout;
    if (timeout === 0) return Promise.reject(new ZmqError('EAGAIN', { routingId: pipe.routingId, detail: `peer ${pipe.routingId} is at its send high-water mark` }));
    return pipe.writeWhenRoom(bytes, timeout);
  }

  /** The next message from any peer, in arrival order; waits up to receiveTimeout, then EAGAIN. */
  protected receiveMessage(): Promise<ReceivedMessage> {
    try {
      this.#checkOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#received.receive(this.#options.receiveTimeout);
  }

  /** Takes up to `max` queued messages without waiting (for high-rate consumers). */
  protected takeQueued(max: number): ReceivedMessage[] {
    this.#checkOpen();
    return this.#received.take(max);
  }

  // --- Closing ---------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#terminated) throw new ZmqError('ETERM');
    if (this.#closed) throw new ZmqError('ENOTSOCK', { detail: 'the socket is closed' });
  }

  /**
   * zmq_close. Stops listening and connecting; queued messages go on being written to connected
   * peers for up to `linger` ms (-1: until written or the connection ends); pending receives and
   * sends fail with ENOTSOCK (ETERM when the context is being terminated).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reason = new ZmqError(this.#terminated ? 'ETERM' : 'ENOTSOCK', { detail: 'the socket was closed' });
    this.#received.failWaiters(reason);
    // Senders still waiting for room learn why they never will get it.
    for (const pipe of this.#pipes.values()) if (!pipe.drained) pipe.failWaiters(reason);
    const bindings = this.#bindings.splice(0);
    // Listening stops at once, but a net.Server reports itself closed only after its accepted
    // connections are gone, which happens below: awaiting it here would wait for the peers.
    const stopped = Promise.all(bindings.map((b) => b.stopListening()));
    const linger = this.#options.linger;
    const connectors = [...this.#connectors];
    await Promise.all([...connectors.map((c) => c.flushPending(linger)), ...bindings.map((b) => b.flushPending(linger))]);
    for (const connector of connectors) connector.terminate();
    await Promise.all(bindings.map((b) => b.close()));
    await stopped;
    for (const pipe of [...this.#pipes.values()]) this.removePipe(pipe);
    this.#received.clear();
    wipeSecrets(this.#options);
    this.monitor('MONITOR_STOPPED', 0, '');
    this.context.unregister(this);
  }

  /** Called by Context.term(): later calls fail with ETERM, then the socket closes. */
  terminate(): Promise<void> {
    this.#terminated = true;
    return this.close();
  }

  /** The socket's messages for `for await`, ending when it closes. */
  protected iterate(): AsyncGenerator<ReceivedMessage, void, undefined> {
    return new MessageIterator(this.#messageSource);
  }

  readonly #messageSource: MessageSource = {
    isClosed: () => this.#closed,
    takeOne: () => (this.#closed ? undefined : this.#received.takeOne()),
    receiveMessage: () => this.receiveMessage(),
  };
}

/**
 * ZMQ_LAST_ENDPOINT after a connect: the text as given, except ws/wss, which libzmq 4.3.4
 * rebuilds from the parsed parts with the `ws://` scheme even for wss (ws_address_t::to_string).
 */
function connectLastEndpoint(endpoint: Endpoint, text: string): string {
  if (endpoint.transport !== 'ws' && endpoint.transport !== 'wss') return text;
  return `ws://${formatHost(endpoint.host)}:${endpoint.port}${endpoint.path}`;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}
