/**
 * The FIFO the core queues with (pipes, waiters, received batches): a growable ring buffer, so a
 * steady stream of pushes and shifts allocates nothing.
 */

/** Capacity kept when a queue empties; a larger ring is let go then, so a burst does not pin memory. */
const KEEP_CAPACITY = 16384;

/**
 * A FIFO with O(1) push and shift: a ring buffer whose capacity is a power of two, doubled when
 * full. Unlike an array that is emptied and grown again, a steady stream of pushes and shifts
 * allocates nothing (`Array.prototype.shift` is O(n) on large arrays).
 */
export class Queue<T> {
  #items: Array<T | undefined> = [];
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  peek(): T | undefined {
    return this.#length > 0 ? this.#items[this.#head] : undefined;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (items.length - 1);
    if (--this.#length === 0 && items.length > KEEP_CAPACITY) this.#reset();
    return item;
  }

  /** Removes every item, returning them in order. */
  drain(): T[] {
    const rest = [...this];
    this.#reset();
    return rest;
  }

  /** Removes the items for which `predicate` is true. */
  removeWhere(predicate: (item: T) => boolean): void {
    const kept = [...this].filter((item) => !predicate(item));
    this.#reset();
    for (const item of kept) this.push(item);
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const mask = this.#items.length - 1;
    for (let i = 0; i < this.#length; i++) yield this.#items[(this.#head + i) & mask] as T;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(Math.max(16, old.length * 2)).fill(undefined);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }

  #reset(): void {
    this.#items = [];
    this.#head = 0;
    this.#length = 0;
  }
}
