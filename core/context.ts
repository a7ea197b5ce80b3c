import { ZmqError } from './errors';
import type { SocketBase } from './socket/socket-base';
import type { InprocBinding, InprocConnector } from './transport/inproc';

export interface ContextOptions {
  /**
   * ZMQ_IO_THREADS. Node does all I/O on its event loop, so the number only matters as libzmq's
   * switch: 0 makes tcp, ipc and ws fail with EMTHREAD, inproc still works. Default 1.
   */
  readonly ioThreads?: number;
}

/**
 * What sockets share: the inproc namespace and a common end. `term()` makes every pending and
 * later call on the context's sockets fail with ETERM and closes them (libzmq's zmq_ctx_term
 * waits for the application to close them; here it closes them itself, honouring linger).
 */
export class Context {
  readonly ioThreads: number;
  readonly #sockets = new Set<SocketBase>();
  readonly #inprocBound = new Map<string, InprocBinding>();
  readonly #inprocPending = new Map<string, Set<InprocConnector>>();
  #terminated = false;

  constructor(options: ContextOptions = {}) {
    const ioThreads = options.ioThreads ?? 1;
    if (!Number.isInteger(ioThreads) || ioThreads < 0) throw new ZmqError('EINVAL', { detail: 'ioThreads must be a whole number ≥ 0' });
    this.ioThreads = ioThreads;
  }

  get terminated(): boolean {
    return this.#terminated;
  }

  /** The sockets open on this context. */
  get sockets(): ReadonlySet<SocketBase> {
    return this.#sockets;
  }

  register(socket: SocketBase): void {
    this.#sockets.add(socket);
  }

  unregister(socket: SocketBase): void {
    this.#sockets.delete(socket);
  }

  /** zmq_ctx_term. */
  async term(): Promise<void> {
    this.#terminated = true;
    await Promise.all([...this.#sockets].map((socket) => socket.terminate()));
  }

  // --- inproc namespace (zmq_inproc(7): names are unique per context) ---------------------------

  bindInproc(name: string, binding: InprocBinding): void {
    if (this.#inprocBound.has(name)) throw new ZmqError('EADDRINUSE', { address: `inproc://${name}` });
    this.#inprocBound.set(name, binding);
    const pending = this.#inprocPending.get(name);
    this.#inprocPending.delete(name);
    for (const connector of pending ?? []) connector.link(binding);
  }

  unbindInproc(name: string, binding: InprocBinding): void {
    if (this.#inprocBound.get(name) === binding) this.#inprocBound.delete(name);
  }

  /** The binding for `name`, or undefined after registering `connector` to be linked when it appears. */
  lookupInproc(name: string, connector: InprocConnector): InprocBinding | undefined {
    const binding = this.#inprocBound.get(name);
    if (binding) return binding;
    let pending = this.#inprocPending.get(name);
    if (!pending) this.#inprocPending.set(name, (pending = new Set()));
    pending.add(connector);
    return undefined;
  }

  forgetPendingInproc(name: string, connector: InprocConnector): void {
    this.#inprocPending.get(name)?.delete(connector);
  }
}

let defaultContext: Context | undefined;

/** The context sockets use when none is given; a new one after the previous was terminated. */
export function getDefaultContext(): Context {
  if (!defaultContext || defaultContext.terminated) defaultContext = new Context();
  return defaultContext;
}
