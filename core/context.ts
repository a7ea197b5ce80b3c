/**
 * The context sockets live in (zmq_ctx_new): a common end for its sockets and the number of I/O
 * threads. It is a leaf: it knows its sockets only as {@link ContextMember}s to terminate, and it
 * holds no inproc names itself; socket/inproc.ts keeps each context's inproc namespace in a
 * WeakMap keyed by the context, so names stay unique per context.
 */
import { ZmqError } from './errors';

export interface ContextOptions {
  /**
   * ZMQ_IO_THREADS. Node does all I/O on its event loop, so the number only matters as libzmq's
   * switch: 0 makes tcp, ipc and ws fail with EMTHREAD, inproc still works. Default 1.
   */
  readonly ioThreads?: number;
}

/** What a context needs of a socket: a way to end it. */
export interface ContextMember {
  /** Makes later calls fail with ETERM and closes the socket, honouring linger. */
  terminate(): Promise<void>;
}

/**
 * What sockets share: a common end, and an inproc namespace (kept by socket/inproc.ts). `term()`
 * makes every pending and later call on the context's sockets fail with ETERM and closes them
 * (libzmq's zmq_ctx_term waits for the application to close them; here it closes them itself,
 * honouring linger).
 */
export class Context {
  readonly ioThreads: number;
  readonly #sockets = new Set<ContextMember>();
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
  get sockets(): ReadonlySet<ContextMember> {
    return this.#sockets;
  }

  register(socket: ContextMember): void {
    this.#sockets.add(socket);
  }

  unregister(socket: ContextMember): void {
    this.#sockets.delete(socket);
  }

  /** zmq_ctx_term. */
  async term(): Promise<void> {
    this.#terminated = true;
    await Promise.all([...this.#sockets].map((socket) => socket.terminate()));
  }
}

let defaultContext: Context | undefined;

/** The context sockets use when none is given; a new one after the previous was terminated. */
export function getDefaultContext(): Context {
  if (!defaultContext || defaultContext.terminated) defaultContext = new Context();
  return defaultContext;
}
