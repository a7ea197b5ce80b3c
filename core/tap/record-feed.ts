/**
 * A bounded queue of a tap's records for a display that may be slower than the traffic (a
 * terminal, a webview): when it is full, new records are dropped and counted — the traffic itself
 * is relayed in full, only the display misses them — and once there is room again, one event says
 * how many were dropped.
 */
import type { Tap } from './tap';
import type { EventRecord, TapRecord } from './records';

/** The default number of records a feed holds. */
export const FEED_CAPACITY = 10_000;
/** The default bound on the body bytes those records keep (their captured frames). */
export const FEED_BYTES = 64 * 1024 * 1024;

/** The body bytes a record keeps. */
function bytesOf(record: TapRecord): number {
  switch (record.kind) {
    case 'message': {
      let sum = 0;
      for (const frame of record.frames) sum += frame.data.length;
      return sum;
    }
    case 'command':
      return record.data.length;
    case 'greeting':
      return record.raw.length;
    case 'event':
      return 0;
  }
}

/** Records of one tap, for one consumer, read with `for await` or {@link next}. */
export class RecordFeed implements AsyncIterable<TapRecord> {
  readonly #capacity: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #queue: TapRecord[] = [];
  #head = 0;
  #dropped = 0;
  #droppedTotal = 0;
  #waiter: ((record: TapRecord | undefined) => void) | undefined;
  #closed = false;
  readonly #detach: () => void;

  /** Starts taking the tap's records; `capacity` bounds the queue's records, `maxBytes` the bytes they keep. */
  constructor(tap: Tap, capacity = FEED_CAPACITY, maxBytes = FEED_BYTES) {
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
    const onRecord = (record: TapRecord): void => this.#push(record);
    tap.on('record', onRecord);
    this.#detach = () => tap.off('record', onRecord);
  }

  /** Records dropped so far because the consumer fell behind. */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /** Records waiting. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** The next record, waiting for one; undefined once the feed is closed and empty. */
  next(): Promise<TapRecord | undefined> {
    const record = this.#take();
    if (record !== undefined || this.#closed) return Promise.resolve(record);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /**
   * The records waiting (at least one, waiting for it), at most `max`: one promise per batch
   * rather than per record, for a consumer that renders in batches. Empty once closed and drained.
   */
  async nextBatch(max = Number.POSITIVE_INFINITY): Promise<TapRecord[]> {
    const first = await this.next();
    if (first === undefined) return [];
    const batch = [first];
    for (let record = this.#take(); record !== undefined; record = batch.length < max ? this.#take() : undefined) batch.push(record);
    return batch;
  }

  /** Stops taking records; what is queued can still be read. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(this.#take());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TapRecord> {
    for (let record = await this.next(); record !== undefined; record = await this.next()) yield record;
  }

  #push(record: TapRecord): void {
    if (this.#waiter !== undefined && this.length === 0 && this.#dropped === 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(record);
      return;
    }
    const bytes = bytesOf(record);
    if (this.length >= this.#capacity || (this.length > 0 && this.#bytes + bytes > this.#maxBytes)) {
      this.#dropped++;
      this.#droppedTotal++;
      return;
    }
    // The notice goes where the records went missing, before the first one kept again.
    if (this.#dropped > 0) this.#queue.push(this.#droppedNotice());
    this.#queue.push(record);
    this.#bytes += bytes;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(this.#take());
    }
  }

  #droppedNotice(): EventRecord {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return { kind: 'event', time: performance.timeOrigin + performance.now(), connection: 0, name: 'records-dropped', severity: 'warning', text: `${dropped} records not shown: the display fell behind (the traffic itself was relayed in full)` };
  }

  #take(): TapRecord | undefined {
    if (this.#head >= this.#queue.length) return this.#dropped > 0 ? this.#droppedNotice() : undefined;
    const record = this.#queue[this.#head++];
    this.#bytes -= bytesOf(record);
    // Compact now and then, so that the array does not grow with everything ever queued.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return record;
  }
}
