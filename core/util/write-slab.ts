/**
 * The buffer an engine encodes its batches of small frames into, kept for the next batch. A
 * fresh buffer per batch cost a malloc, page faults and a cold copy target on every write
 * (measured: a third of the sender's system time, and a sixth of its own, at 1 KiB messages).
 */
import { Buffer } from 'node:buffer';

/** Large enough for one batch (engine-base.ts BATCH_SIZE) and the overrun of its last small frame. */
const SLAB_SIZE = 272 * 1024;

/** A write buffer reused while every write made from it went out whole. */
export class WriteSlab {
  #slab: Buffer | undefined;

  /**
   * `size` bytes to encode into. `wireBusy` (the socket's writableLength is not 0) means an
   * earlier write is still pending and may still read the slab: a new one is made then. Node
   * completes a write the kernel took whole before `write` returns, so a socket whose
   * writableLength is 0 holds no reference to what it wrote.
   */
  take(size: number, wireBusy: boolean): Buffer {
    let slab = this.#slab;
    if (slab === undefined || slab.length < size || wireBusy) {
      slab = Buffer.allocUnsafeSlow(Math.max(size, SLAB_SIZE));
      this.#slab = slab;
    }
    return slab.subarray(0, size);
  }
}
