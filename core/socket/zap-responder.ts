/**
 * A ZAP handler in the shape C code writes one (RFC 27): a REP socket bound at
 * `inproc://zeromq.zap.01` in the server's context that receives each request as frames and sends
 * the reply as frames. The core has no REP socket, and a general one would be a socket type of
 * its own; this is the smallest honest stand-in: a REP that serves ZAP only. It binds nothing but
 * that endpoint, keeps REP's strict receive-then-send order (EFSM otherwise), and hands out
 * requests without REP's envelope, as a REP socket would. Sockets of the context ask it when they
 * have no `zapHandler` of their own.
 */
import { getDefaultContext, type Context } from '../context';
import { ZmqError } from '../errors';
import { ZAP_ENDPOINT } from '../zmtp/zap';

/** One request waiting for its reply. */
interface Exchange {
  readonly frames: Buffer[];
  readonly answer: (frames: readonly Uint8Array[]) => void;
  readonly fail: (reason: Error) => void;
}

/** The responder bound in each context. */
const responders = new WeakMap<Context, ZapResponder>();

/** The ZapResponder bound in `context`, if any. */
export function zapResponderOf(context: Context): ZapResponder | undefined {
  return responders.get(context);
}

/** Options of a new {@link ZapResponder}. */
export interface ZapResponderOptions {
  /** The context whose sockets it answers for; the default context when absent. */
  readonly context?: Context;
}

/**
 * A REP-like ZAP handler: `bind()`, then `receive()` a request's frames (version, request id,
 * domain, address, identity, mechanism, credentials…) and `send()` the reply's six (version,
 * request id, status code, status text, user id, metadata), for as long as it is bound.
 */
export class ZapResponder {
  readonly context: Context;
  readonly #queue: Exchange[] = [];
  readonly #receivers: Array<{ resolve: (frames: Buffer[]) => void; reject: (reason: Error) => void }> = [];
  #current: Exchange | undefined;
  #bound = false;
  #closed = false;

  constructor(options: ZapResponderOptions = {}) {
    this.context = options.context ?? getDefaultContext();
    if (this.context.terminated) throw new ZmqError('ETERM');
    this.context.register(this);
  }

  /** zmq_bind: only `inproc://zeromq.zap.01`, once per context (EADDRINUSE otherwise). */
  bind(endpoint: string = ZAP_ENDPOINT): void {
    this.#checkOpen();
    if (endpoint !== ZAP_ENDPOINT) throw new ZmqError('ENOTSUP', { address: endpoint, detail: `a ZapResponder serves ZAP only, at ${ZAP_ENDPOINT}` });
    if (this.#bound) throw new ZmqError('EADDRINUSE', { address: endpoint });
    if (responders.has(this.context)) throw new ZmqError('EADDRINUSE', { address: endpoint, detail: 'another ZAP handler is bound in this context' });
    responders.set(this.context, this);
    this.#bound = true;
  }

  /** zmq_unbind: sockets stop asking; requests already made still get their reply. */
  unbind(endpoint: string = ZAP_ENDPOINT): void {
    this.#checkOpen();
    if (!this.#bound || endpoint !== ZAP_ENDPOINT) throw new ZmqError('ENOENT', { address: endpoint, detail: 'not bound to this endpoint' });
    this.#unregister();
  }

  /** The next request's frames, in arrival order. */
  receive(): Promise<Buffer[]> {
    try {
      this.#checkOpen();
      if (this.#current) throw new ZmqError('EFSM', { detail: 'REP: send the reply to the last request first' });
    } catch (err) {
      return Promise.reject(err);
    }
    const next = this.#queue.shift();
    if (next) {
      this.#current = next;
      return Promise.resolve(next.frames);
    }
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  /** The reply to the request received last (REP: EFSM when there is none). Strings are sent as UTF-8. */
  send(frames: ReadonlyArray<Uint8Array | string>): void {
    this.#checkOpen();
    const current = this.#current;
    if (!current) throw new ZmqError('EFSM', { detail: 'REP: receive a request before sending a reply' });
    this.#current = undefined;
    current.answer(frames.map((frame) => (typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame)));
  }

  /**
   * Asks this responder (the engine's side of the exchange). Rejects when the responder closes
   * before answering, which the engine counts as status 500.
   */
  ask(frames: readonly Uint8Array[]): Promise<readonly Uint8Array[]> {
    if (this.#closed) return Promise.reject(new ZmqError('ENOTSOCK', { detail: 'the ZAP responder is closed' }));
    return new Promise((answer, fail) => {
      const exchange: Exchange = { frames: frames.map((frame) => Buffer.from(frame)), answer, fail };
      const receiver = this.#receivers.shift();
      if (receiver) {
        this.#current = exchange;
        receiver.resolve(exchange.frames);
      } else this.#queue.push(exchange);
    });
  }

  /** `for await (const request of responder)`: each request's frames; reply with {@link send} before the next. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer[], void, undefined> {
    while (!this.#closed) {
      try {
        yield await this.receive();
      } catch (err) {
        if (this.#closed) return;
        throw err;
      }
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** zmq_close: unbinds; unanswered requests fail (the engine counts that as 500), pending receives reject with ENOTSOCK. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    const reason = new ZmqError(this.context.terminated ? 'ETERM' : 'ENOTSOCK', { detail: 'the ZAP responder was closed' });
    for (const exchange of [...this.#queue.splice(0), ...(this.#current ? [this.#current] : [])]) exchange.fail(reason);
    this.#current = undefined;
    for (const receiver of this.#receivers.splice(0)) receiver.reject(reason);
    this.context.unregister(this);
  }

  /** Called by Context.term(). */
  terminate(): Promise<void> {
    return this.close();
  }

  #unregister(): void {
    if (this.#bound && responders.get(this.context) === this) responders.delete(this.context);
    this.#bound = false;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ZmqError(this.context.terminated ? 'ETERM' : 'ENOTSOCK', { detail: 'the ZAP responder is closed' });
  }
}
