/**
 * `for await (const message of socket)`: an async iterator written out by hand rather than an
 * async generator, because a generator costs two extra promise turns per message (its own
 * `next()` promise and the `yield await` inside it) and that is most of what a receive loop does.
 */
import { ZmqError } from '../errors';
import type { ReceivedMessage } from './receive-queue';

/** What the iterator reads from: the socket's queue without waiting, or with. */
export interface MessageSource {
  /** Whether the socket was closed (then the iteration ends). */
  isClosed(): boolean;
  /** A queued message, or undefined (never waits; undefined as well once closed). */
  takeOne(): ReceivedMessage | undefined;
  /** The next message, waiting as `receive()` does (receiveTimeout, then EAGAIN). */
  receiveMessage(): Promise<ReceivedMessage>;
}

const DONE: IteratorReturnResult<void> = Object.freeze({ value: undefined, done: true });

/**
 * The messages of a socket, in arrival order, until it closes: a queued message is handed over
 * at once (one resolved promise); otherwise it waits as `receive()` does. Closing the socket ends
 * the iteration; any other error (EAGAIN after receiveTimeout) is thrown, as zeromq.js does.
 * Leaving the loop (`break`) ends this iterator only; the socket goes on.
 */
export class MessageIterator implements AsyncGenerator<ReceivedMessage, void, undefined> {
  readonly #source: MessageSource;
  #finished = false;

  constructor(source: MessageSource) {
    this.#source = source;
  }

  next(): Promise<IteratorResult<ReceivedMessage, void>> {
    const source = this.#source;
    if (this.#finished || source.isClosed()) {
      this.#finished = true;
      return Promise.resolve(DONE);
    }
    const queued = source.takeOne();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    return source.receiveMessage().then(
      (value) => ({ value, done: false }),
      (err: unknown) => {
        if (err instanceof ZmqError && (err.code === 'ENOTSOCK' || err.code === 'ETERM') && source.isClosed()) {
          this.#finished = true;
          return DONE;
        }
        throw err;
      },
    );
  }

  return(): Promise<IteratorResult<ReceivedMessage, void>> {
    this.#finished = true;
    return Promise.resolve(DONE);
  }

  throw(err: unknown): Promise<IteratorResult<ReceivedMessage, void>> {
    this.#finished = true;
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
