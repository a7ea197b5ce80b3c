/**
 * A fixed-capacity ring buffer: pushing past the capacity overwrites the oldest item, so memory
 * never grows beyond `capacity` items. No vscode import.
 */
export class RingBuffer<T> {
  #items: (T | undefined)[];
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(RingBuffer.#checkCapacity(capacity));
  }

  static #checkCapacity(capacity: number): number {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    return capacity;
  }

  get capacity(): number {
    return this.#items.length;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an item; returns the one it overwrote, if the buffer was full. */
  push(item: T): T | undefined {
    const capacity = this.#items.length;
    if (this.#length < capacity) {
      this.#items[(this.#start + this.#length) % capacity] = item;
      this.#length++;
      return undefined;
    }
    const evicted = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % capacity;
    return evicted;
  }

  /** The item `index` places from the oldest (0 = oldest). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#items[(this.#start + index) % this.#items.length];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.#items[(this.#start + i) % this.#items.length] as T);
    return out;
  }

  /** The newest `count` items, oldest first. */
  last(count: number): T[] {
    const n = Math.max(0, Math.min(count, this.#length));
    const out: T[] = [];
    for (let i = this.#length - n; i < this.#length; i++) out.push(this.#items[(this.#start + i) % this.#items.length] as T);
    return out;
  }

  clear(): void {
    this.#items = new Array<T | undefined>(this.#items.length);
    this.#start = 0;
    this.#length = 0;
  }

  /** Changes the capacity, keeping the newest items that fit. */
  resize(capacity: number): void {
    const kept = this.last(RingBuffer.#checkCapacity(capacity));
    this.#items = new Array<T | undefined>(capacity);
    for (let i = 0; i < kept.length; i++) this.#items[i] = kept[i];
    this.#start = 0;
    this.#length = kept.length;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}
