/**
 * Requests from the webview to the host, correlated by id. Each request settles exactly once: with
 * the host's `ok: true` result, or rejected with an `RpcError` on `ok: false` (the host's
 * `{ code, message }` rebuilt), on timeout (`ETIMEDOUT`), or when the client is disposed
 * (`EDISPOSED`). No DOM types: the unit tests drive it in plain Node.
 */

import type { HostToWebview, RequestMethod, Requests, WebviewToHost } from './protocol';

/** How long a request waits for its response by default. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** A failed request; `code` is the host's errno code (EHOSTUNREACH, EAGAIN…) or ETIMEDOUT/EDISPOSED. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: RpcError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Timer functions, injectable so tests can drive time. */
export interface RpcTimers {
  setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(handle: ReturnType<typeof setTimeout>): void;
}

const GLOBAL_TIMERS: RpcTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** The webview's request client. */
export class RpcClient {
  readonly #post: (msg: WebviewToHost) => void;
  readonly #timeoutMs: number;
  readonly #timers: RpcTimers;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #disposed = false;

  constructor(post: (msg: WebviewToHost) => void, options: { timeoutMs?: number; timers?: RpcTimers } = {}) {
    this.#post = post;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#timers = options.timers ?? GLOBAL_TIMERS;
  }

  /** How many requests wait for a response. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Posts a request and resolves with its result. */
  request<M extends RequestMethod>(method: M, params: Requests[M]['params'], timeoutMs = this.#timeoutMs): Promise<Requests[M]['result']> {
    if (this.#disposed) return Promise.reject(new RpcError('EDISPOSED', 'The debugger view was closed'));
    const id = this.#nextId++;
    return new Promise<Requests[M]['result']>((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        if (this.#pending.delete(id)) reject(new RpcError('ETIMEDOUT', `No answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const msg = { kind: 'request', id, method, params } as WebviewToHost;
      try {
        this.#post(msg);
      } catch (err) {
        this.#settle(id);
        reject(new RpcError('EPOST', err instanceof Error ? err.message : String(err)));
      }
    });
  }

  /**
   * Feeds a message from the host. Returns true when it was a response (for a pending request or a
   * late one after its timeout); other messages are left to the caller.
   */
  handle(msg: HostToWebview): boolean {
    if (msg.kind !== 'response') return false;
    const p = this.#settle(msg.id);
    if (p === undefined) return true;
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new RpcError(String(msg.error.code), String(msg.error.message)));
    return true;
  }

  /** Rejects every pending request with EDISPOSED; later requests reject at once. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new RpcError('EDISPOSED', 'The debugger view was closed'));
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (p === undefined) return undefined;
    this.#pending.delete(id);
    this.#timers.clearTimeout(p.timer);
    return p;
  }
}
