/**
 * The pipe a routing id names: one peer's outbound queue with its send high-water mark and the
 * waiting senders, plus the count of its messages in the socket's receive queue. It sits below
 * the engine (which drains it) and the socket (which fills it) and knows neither: a pipe holds
 * the id of the connection it serves, not the connection's record (libzmq pipe_t).
 */
import { ZmqError } from '../errors';
import { Queue } from '../util/queue';

/** Takes messages out of a pipe toward the peer (an engine, or the other end of an inproc link). */
export interface PipeWriter {
  /** Called when the pipe has gained messages. */
  pipeReadable(): void;
}

/** Puts received messages into the socket; paused while the peer's inbound count is at the HWM. */
export interface PipeReader {
  resumeReading(): void;
}

interface SendWaiter {
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The socket's queue pair for one peer, the thing a routing id names (as libzmq's pipe_t: the id
 * belongs to the pipe, not the TCP connection, which is why a connect-side id survives reconnects).
 */
export class Pipe {
  routingId = 0;
  /** The connection this pipe serves now (a connect-side pipe keeps its connection's id across reconnects). */
  readonly connectionId: number;
  /** Messages accepted by `send` and not yet taken by the writer. */
  readonly #out = new Queue<Uint8Array>();
  readonly #waiters = new Queue<SendWaiter>();
  /** ZMQ_SNDHWM for this pipe; 0 = no limit. */
  sendHighWaterMark: number;
  /** ZMQ_RCVHWM for this pipe's inbound messages; 0 = no limit. */
  readonly receiveHighWaterMark: number;
  /**
   * A reader paused at the receive HWM resumes once this pipe has no more than this many messages
   * queued: libzmq's reader activates its writer after each low-water-mark's worth of reads
   * (pipe_t::compute_lwm: half the HWM, or the HWM less 1024 above 2048), so that a full queue
   * refills in large steps rather than one message at a time.
   */
  readonly receiveResumeMark: number;
  writer: PipeWriter | undefined;
  reader: PipeReader | undefined;
  /** Messages from this peer sitting in the socket's receive queue. */
  inQueued = 0;
  /** The receive queue refused more (the HWM was reached): the reader stopped and waits for resumeReading. */
  readerStopped = false;
  terminated = false;

  constructor(connectionId: number, sendHighWaterMark: number, receiveHighWaterMark: number) {
    this.connectionId = connectionId;
    this.sendHighWaterMark = sendHighWaterMark;
    this.receiveHighWaterMark = receiveHighWaterMark;
    const lowWaterMark = receiveHighWaterMark > 2048 ? receiveHighWaterMark - 1024 : (receiveHighWaterMark + 1) >> 1;
    this.receiveResumeMark = receiveHighWaterMark - lowWaterMark;
  }

  get queuedOut(): number {
    return this.#out.length + this.#waiters.length;
  }

  /** Whether the messages queued here have all been taken by the writer. */
  get drained(): boolean {
    return this.#out.length === 0 && this.#waiters.length === 0;
  }

  #hasRoom(): boolean {
    return this.sendHighWaterMark === 0 || this.#out.length < this.sendHighWaterMark;
  }

  /** Queues at once when below the HWM and nobody waits before us (keeps send order). */
  tryWrite(data: Uint8Array): boolean {
    if (this.terminated || this.#waiters.length > 0 || !this.#hasRoom()) return false;
    this.#out.push(data);
    this.writer?.pipeReadable();
    return true;
  }

  /** Waits for room up to `timeout` ms (-1 = forever), then EAGAIN. PEER never drops (RFC 51). */
  writeWhenRoom(data: Uint8Array, timeout: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: SendWaiter = { data, resolve, reject, timer: undefined };
      if (timeout >= 0) {
        waiter.timer = setTimeout(() => {
          this.#waiters.removeWhere((w) => w === waiter);
          reject(new ZmqError('EAGAIN', { routingId: this.routingId, detail: `peer ${this.routingId} is at its send high-water mark` }));
        }, timeout);
      }
      this.#waiters.push(waiter);
    });
  }

  /** Takes the next message for the wire, admitting one waiting sender if room opened. */
  read(): Uint8Array | undefined {
    const data = this.#out.shift();
    if (data !== undefined && this.#waiters.length > 0) this.#admitWaiters();
    return data;
  }

  get hasOutbound(): boolean {
    return this.#out.length > 0;
  }

  #admitWaiters(): void {
    while (this.#waiters.length > 0 && this.#hasRoom()) {
      const waiter = this.#waiters.shift()!;
      if (waiter.timer) clearTimeout(waiter.timer);
      this.#out.push(waiter.data);
      waiter.resolve();
    }
  }

  /** Fails the senders waiting for room (the socket is closing); queued messages stay for linger. */
  failWaiters(reason: Error): void {
    for (const waiter of this.#waiters.drain()) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(reason);
    }
  }

  /** Ends the pipe: queued messages are dropped and waiting senders fail with `reason`. */
  terminate(reason: ZmqError): void {
    if (this.terminated) return;
    this.terminated = true;
    this.#out.drain();
    this.failWaiters(reason);
    this.writer = undefined;
    this.reader = undefined;
  }
}
