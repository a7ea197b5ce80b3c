/**
 * One socket of a running scenario: it reads everything the socket receives into an inbox per
 * routing id, so that `expect PEER` takes the next frame from that peer while frames from others
 * wait for their own steps, and it waits for connection states (handshakes, disconnects, peers
 * accepted on a bind).
 *
 * The inbox is bounded ({@link INBOX_LIMIT} frames and {@link INBOX_BYTES_LIMIT} bytes per socket):
 * past either, the oldest frames are dropped and counted, and an expectation that then times out
 * says so. (Pausing the reads instead would lose nothing, but a full inbox of one peer's frames
 * would then keep another peer's expected frame from ever being read.)
 */
import type { ConnectionInfo, Peer } from '../core/index';
import { RUN_CODES } from './results';
import { ScriptStepError } from './script-error';

/** Frames kept per socket for later `expect` steps. */
export const INBOX_LIMIT = 10000;
/** Bytes kept per socket for later `expect` steps. */
export const INBOX_BYTES_LIMIT = 256 * 1024 * 1024;

/** A socket the runner was handed: the core socket and how to close it. */
export interface ScriptSocketHandle {
  readonly socket: Peer;
  /** Closes the socket (and whatever the creator tracks with it). */
  close(): Promise<void>;
}

type Waiter = () => void;

/** Resolves when `ready()` holds, checked on every connection change and every frame; rejects after `timeoutMs` or on abort. */
function waitFor<T>(subscribe: (check: Waiter) => () => void, ready: () => T | undefined, timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => Error): Promise<T> {
  const now = ready();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = (): void => undefined;
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    };
    const timer = setTimeout(() => {
      finish();
      reject(onTimeout());
    }, timeoutMs);
    unsubscribe = subscribe(() => {
      const value = ready();
      if (value === undefined) return;
      finish();
      resolve(value);
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One socket of a running scenario, with its inbox per routing id (see the file comment). */
export class ScriptSocket {
  readonly #inbox = new Map<number, Buffer[]>();
  #inboxSize = 0;
  #inboxBytes = 0;
  #dropped = 0;
  readonly #waiters = new Set<Waiter>();
  #closed = false;
  readonly #reading: Promise<void>;

  constructor(
    readonly name: string,
    readonly handle: ScriptSocketHandle,
  ) {
    const notify = (): void => {
      for (const waiter of [...this.#waiters]) waiter();
    };
    handle.socket.on('connection', notify);
    this.#reading = this.#read(notify);
  }

  /** The core socket. */
  get peer(): Peer {
    return this.handle.socket;
  }

  get closed(): boolean {
    return this.#closed || this.handle.socket.closed;
  }

  async #read(notify: () => void): Promise<void> {
    try {
      for await (const { routingId, data } of this.handle.socket) {
        let queue = this.#inbox.get(routingId);
        if (!queue) this.#inbox.set(routingId, (queue = []));
        queue.push(data);
        this.#inboxSize++;
        this.#inboxBytes += data.byteLength;
        while (this.#inboxSize > INBOX_LIMIT || this.#inboxBytes > INBOX_BYTES_LIMIT) this.#dropOldest();
        notify();
      }
    } catch {
      // The socket closed or its context ended: steps that wait on it time out or fail on their own.
    }
  }

  #dropOldest(): void {
    for (const queue of this.#inbox.values()) {
      if (queue.length > 0) {
        this.#inboxBytes -= queue.shift()!.byteLength;
        this.#inboxSize--;
        this.#dropped++;
        return;
      }
    }
  }

  #subscribe = (check: Waiter): (() => void) => {
    this.#waiters.add(check);
    return () => this.#waiters.delete(check);
  };

  /** Frames dropped because the inbox was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Frames waiting from a routing id. */
  pending(routingId: number): number {
    return this.#inbox.get(routingId)?.length ?? 0;
  }

  /** The next frame from `routingId`, waiting up to `timeoutMs`. */
  nextFrame(routingId: number, timeoutMs: number, signal: AbortSignal | undefined, describe: () => string): Promise<Buffer> {
    return waitFor(
      this.#subscribe,
      () => {
        const queue = this.#inbox.get(routingId);
        if (!queue || queue.length === 0) return undefined;
        const frame = queue.shift()!;
        this.#inboxSize--;
        this.#inboxBytes -= frame.byteLength;
        return frame;
      },
      timeoutMs,
      signal,
      () => new ScriptStepError(`${describe()}${this.#dropped > 0 ? ` (${this.#dropped} frames were dropped: more than ${INBOX_LIMIT} frames or ${INBOX_BYTES_LIMIT / 1024 / 1024} MiB waited unread)` : ''}`, RUN_CODES.ZMQS_TIMEOUT),
    );
  }

  /** The connection behind a routing id now. */
  connectionOf(routingId: number): ConnectionInfo | undefined {
    if (this.handle.socket.closed) return undefined;
    const all = this.handle.socket.connections().filter((c) => c.routingId === routingId);
    return all.find((c) => c.state === 'ACTIVE') ?? all[all.length - 1];
  }

  /** Waits until a connection change makes `ready` hold. */
  waitConnection<T>(ready: () => T | undefined, timeoutMs: number, signal: AbortSignal | undefined, onTimeout: () => Error): Promise<T> {
    return waitFor(this.#subscribe, ready, timeoutMs, signal, onTimeout);
  }

  /** Closes the socket once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.handle.close();
    } finally {
      await this.#reading;
      this.#waiters.clear();
    }
  }
}
