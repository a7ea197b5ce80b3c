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
/** The default bound on the memory those records keep alive with their captured bytes. */
export const FEED_BYTES = 64 * 1024 * 1024;

/** How many captures a record holds: its frames, a command's body, a greeting's raw bytes. */
function captureCount(record: TapRecord): number {
  return record.kind === 'message' ? record.frames.length : record.kind === 'event' ? 0 : 1;
}

/** A record's capture `i` (< {@link captureCount}). */
function captureAt(record: TapRecord, i: number): Uint8Array {
  switch (record.kind) {
    case 'message':
      return record.frames[i].data;
    case 'command':
      return record.data;
    case 'greeting':
      return record.raw;
    case 'event':
      throw new RangeError('an event holds no captures');
  }
}

/** Records of one tap, for one consumer, read with `for await` or {@link next}. */
export class RecordFeed implements AsyncIterable<TapRecord> {
  readonly #capacity: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #queue: TapRecord[] = [];
  /** What each queued record is charged against `maxBytes` (see {@link #measure} and {@link #enqueue}). */
  readonly #charges: number[] = [];
  #head = 0;
  /** The buffer the last charged capture lay in, and the queue index of the record holding its charge. */
  #runBuffer: ArrayBufferLike | undefined;
  #runIndex = -1;
  /** Set by {@link #measure} for the record it measured: whether it takes the run's charge over, and where its run ends. */
  #measuredTakesRun = false;
  #measuredRunBuffer: ArrayBufferLike | undefined;
  #dropped = 0;
  #droppedTotal = 0;
  #waiter: ((record: TapRecord | undefined) => void) | undefined;
  #closed = false;
  readonly #detach: () => void;

  /**
   * Starts taking the tap's records; `capacity` bounds the queue's records, `maxBytes` the memory
   * their captured bytes keep alive: a capture is often a view of the chunk it was read in, so a
   * record is charged the whole buffer behind its bytes, once for a run of records sharing it.
   */
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
    const added = this.length < this.#capacity ? this.#measure(record) : 0;
    if (this.length >= this.#capacity || (this.length > 0 && this.#bytes + added > this.#maxBytes)) {
      this.#dropped++;
      this.#droppedTotal++;
      return;
    }
    // The notice goes where the records went missing, before the first one kept again.
    if (this.#dropped > 0) {
      this.#queue.push(this.#droppedNotice());
      this.#charges.push(0);
    }
    this.#enqueue(record, added);
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

  /**
   * The memory `record` adds to what the queue keeps alive: the byte length of each buffer behind
   * its captures, except the buffer of the run before it — the buffer the previous charged record
   * ended with, still queued — since records decoded from one chunk share it. Notes for
   * {@link #enqueue} whether the record continues that run and which buffer its own captures end
   * in. A buffer shared by records that are not consecutive is counted again: an overestimate,
   * never less.
   */
  #measure(record: TapRecord): number {
    let added = 0;
    let takesRun = false;
    let runBuffer = this.#runIndex >= this.#head ? this.#runBuffer : undefined;
    let first = true;
    for (let i = 0, count = captureCount(record); i < count; i++) {
      const bytes = captureAt(record, i);
      if (bytes.length === 0) continue;
      const buffer = bytes.buffer;
      if (buffer !== runBuffer) added += buffer.byteLength;
      else if (first) takesRun = true;
      runBuffer = buffer;
      first = false;
    }
    this.#measuredTakesRun = takesRun;
    this.#measuredRunBuffer = first ? undefined : runBuffer;
    return added;
  }

  /**
   * Queues the record just measured, charged what it adds and, when it continues the run before
   * it, the run's buffer too, taken over from the record that held it: so a buffer stays counted
   * until the last queued record holding it is taken.
   */
  #enqueue(record: TapRecord, added: number): void {
    const index = this.#queue.length;
    let charge = added;
    if (this.#measuredTakesRun) {
      const runBytes = this.#runBuffer!.byteLength;
      this.#charges[this.#runIndex] -= runBytes;
      charge += runBytes;
    }
    if (this.#measuredRunBuffer !== undefined) {
      this.#runBuffer = this.#measuredRunBuffer;
      this.#runIndex = index;
    }
    this.#queue.push(record);
    this.#charges.push(charge);
    this.#bytes += added;
  }

  #take(): TapRecord | undefined {
    if (this.#head >= this.#queue.length) return this.#dropped > 0 ? this.#droppedNotice() : undefined;
    const record = this.#queue[this.#head];
    this.#bytes -= this.#charges[this.#head++];
    // Compact now and then, so that the arrays do not grow with everything ever queued.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#charges.splice(0, this.#head);
      this.#runIndex -= this.#head;
      this.#head = 0;
    }
    return record;
  }
}
