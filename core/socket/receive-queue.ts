/**
 * A socket's receive side: messages from every peer in arrival order, the receivers waiting for
 * one, and ZMQ_RCVHWM accounting. Each pipe counts its messages sitting here; when a reader
 * takes enough to bring a pipe down to its resume mark (libzmq's low-water mark), the pipe's
 * reader (the engine, or the other end of an inproc link) is told to resume.
 */
import { ZmqError } from '../errors';
import type { Pipe } from '../pipe/pipe';
import { Queue } from '../util/queue';

/** A message received from a peer. */
export interface ReceivedMessage {
  /** The routing id this socket gave the peer the message came from. */
  readonly routingId: number;
  readonly data: Buffer;
}

/**
 * Messages received one after another from one pipe (undefined: made locally). A reader that
 * takes the whole batch gets `messages` itself: no per-message queue operations either way.
 */
interface ReceivedBatch {
  readonly pipe: Pipe | undefined;
  readonly messages: Array<ReceivedMessage | undefined>;
  /** Messages before this index were taken (and cleared). */
  taken: number;
}

interface ReceiveWaiter {
  readonly resolve: (message: ReceivedMessage) => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** The receive queue of one socket, fair across peers because each peer's backlog is bounded by its HWM. */
export class ReceiveQueue {
  /** Received messages, in batches of consecutive messages from one pipe. */
  readonly #batches = new Queue<ReceivedBatch>();
  /** The last batch, while nobody has taken from it: deliveries from its pipe append to it. */
  #openBatch: ReceivedBatch | undefined;
  readonly #waiters = new Queue<ReceiveWaiter>();

  /**
   * A message from `pipe`'s peer: straight to a waiting receiver, else queued and counted against
   * the pipe. False when the pipe is now at its receive HWM (the reader should pause).
   */
  deliver(pipe: Pipe, data: Buffer): boolean {
    if (this.#waiters.length > 0 && this.#handToWaiter(pipe.routingId, data)) return true;
    this.#enqueue(pipe, { routingId: pipe.routingId, data });
    if (++pipe.inQueued < pipe.receiveHighWaterMark || pipe.receiveHighWaterMark === 0) return true;
    pipe.readerStopped = true;
    return false;
  }

  /** A locally made message (DISCONNECT_MSG, HICCUP_MSG), copied; it counts against no pipe. */
  deliverLocal(routingId: number, data: Uint8Array): void {
    const message = Buffer.from(data);
    if (!this.#handToWaiter(routingId, message)) this.#enqueue(undefined, { routingId, data: message });
  }

  #handToWaiter(routingId: number, data: Buffer): boolean {
    const waiter = this.#waiters.shift();
    if (!waiter) return false;
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.resolve({ routingId, data });
    return true;
  }

  #enqueue(pipe: Pipe | undefined, message: ReceivedMessage): void {
    let batch = this.#openBatch;
    if (batch === undefined || batch.pipe !== pipe) {
      batch = { pipe, messages: [], taken: 0 };
      this.#batches.push(batch);
      this.#openBatch = batch;
    }
    batch.messages.push(message);
  }

  /**
   * The next message: at once when one is queued, else after waiting up to `timeout` ms
   * (ZMQ_RCVTIMEO: 0 fails at once, -1 waits for ever), then EAGAIN.
   */
  receive(timeout: number): Promise<ReceivedMessage> {
    const queued = this.takeOne();
    if (queued) return Promise.resolve(queued);
    if (timeout === 0) return Promise.reject(new ZmqError('EAGAIN', { detail: 'no message to receive' }));
    return new Promise((resolve, reject) => {
      const waiter: ReceiveWaiter = { resolve, reject, timer: undefined };
      if (timeout > 0) {
        waiter.timer = setTimeout(() => {
          this.#waiters.removeWhere((w) => w === waiter);
          reject(new ZmqError('EAGAIN', { detail: `no message within ${timeout} ms (receiveTimeout)` }));
        }, timeout);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Takes up to `max` queued messages without waiting (for high-rate consumers). */
  take(max: number): ReceivedMessage[] {
    let out: ReceivedMessage[] | undefined;
    for (let batch = this.#batches.peek(); batch !== undefined && (out?.length ?? 0) < max; batch = this.#batches.peek()) {
      const count = Math.min(batch.messages.length - batch.taken, max - (out?.length ?? 0));
      if (out === undefined && count === batch.messages.length - batch.taken) {
        // All that is left of the batch: the array itself when whole, else one native copy.
        out = (batch.taken === 0 ? batch.messages : batch.messages.slice(batch.taken)) as ReceivedMessage[];
      } else {
        out ??= [];
        for (let i = batch.taken; i < batch.taken + count; i++) {
          out.push(batch.messages[i]!);
          batch.messages[i] = undefined;
        }
      }
      this.#consume(batch, count);
    }
    return out ?? [];
  }

  /** The next queued message, or undefined when none is (never waits). */
  takeOne(): ReceivedMessage | undefined {
    const batch = this.#batches.peek();
    if (!batch) return undefined;
    const message = batch.messages[batch.taken]!;
    batch.messages[batch.taken++] = undefined;
    // #consume(batch, 1), written out: this runs once per message of every receive loop.
    if (this.#openBatch === batch) this.#openBatch = undefined;
    if (batch.taken === batch.messages.length) this.#batches.shift();
    const pipe = batch.pipe;
    if (pipe && --pipe.inQueued <= pipe.receiveResumeMark && pipe.readerStopped) {
      pipe.readerStopped = false;
      pipe.reader?.resumeReading();
    }
    return message;
  }

  /** Accounts for `count` messages taken from the head batch, resuming its pipe's reader once enough were read (Pipe.receiveResumeMark). */
  #consume(batch: ReceivedBatch, count: number): void {
    batch.taken += count;
    if (this.#openBatch === batch) this.#openBatch = undefined;
    if (batch.taken === batch.messages.length) this.#batches.shift();
    const pipe = batch.pipe;
    if (pipe) {
      pipe.inQueued -= count;
      // Once per stop, when the backlog is down to the mark (not per message taken).
      if (pipe.readerStopped && pipe.inQueued <= pipe.receiveResumeMark) {
        pipe.readerStopped = false;
        pipe.reader?.resumeReading();
      }
    }
  }

  /** Fails every waiting receiver with `reason` (the socket is closing). */
  failWaiters(reason: Error): void {
    for (const waiter of this.#waiters.drain()) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(reason);
    }
  }

  /** Drops every queued message (the socket has closed). */
  clear(): void {
    this.#batches.drain();
    this.#openBatch = undefined;
  }
}
