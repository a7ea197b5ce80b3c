/**
 * What a tap's scanners keep of the frames they relay: the first bytes of each body — a view of the
 * chunk when the frame lies within one, else copied out of the chunks as they pass into memory
 * carved from shared slabs. Pure: no Node.
 */

/** An empty body, shared. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Captures up to this size are carved out of shared slabs of this size times four. */
const SLAB_PIECE_MAX = 16 * 1024;
const SLAB_SIZE = 4 * SLAB_PIECE_MAX;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * Room for a capture of `size` bytes, which the caller fills completely. Small captures are cut
 * from a shared slab: a fresh ArrayBuffer per frame would cost more than copying the bytes (a
 * record keeps its slab alive, and records are consecutive, so slabs are shared, not pinned).
 */
export function allocate(size: number): Uint8Array {
  if (size <= 0) return EMPTY;
  if (size > SLAB_PIECE_MAX) return new Uint8Array(size);
  if (slabUsed + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return out;
}

/**
 * The first `count` bytes of `bytes` from `start`, as a view: for the bytes of a chunk that nobody
 * changes or reuses afterwards (see WireScanner.push), where a copy would cost more than the
 * whole rest of decoding a small frame.
 */
export function viewOf(bytes: Uint8Array, start: number, count: number): Uint8Array {
  return count > 0 ? bytes.subarray(start, start + count) : EMPTY;
}

/** The first `count` bytes of `bytes` from `start`, as a copy (a Buffer's slice would be a view). */
export function copyOf(bytes: Uint8Array, start: number, count: number): Uint8Array {
  if (count <= 0) return EMPTY;
  const out = allocate(count);
  out.set(bytes.subarray(start, start + count));
  return out;
}

/**
 * The first bytes of a body that streams past in pieces: its size is known at its start, the
 * bytes kept are taken as they pass, and the rest is only counted, so a body of any size costs
 * at most its capture in memory. When the bytes to keep all lie in the chunk the body starts in,
 * and views are allowed, the capture is a view of that chunk; otherwise they are copied.
 */
export class BodyCapture {
  readonly #mayView: boolean;
  #kept: Uint8Array = EMPTY;
  #keep = 0;
  #size = 0;
  #seen = 0;

  /**
   * `mayView`: whether the capture may be a view of a pushed chunk — not where the kept bytes
   * are changed in place (a WebSocket unmask), which would change the relayed bytes.
   */
  constructor(mayView: boolean) {
    this.#mayView = mayView;
  }

  /** Starts a body of `size` bytes, keeping its first `keep`. */
  start(size: number, keep: number): void {
    this.#size = size;
    this.#seen = 0;
    this.#keep = Math.min(size, keep);
    this.#kept = EMPTY;
  }

  get size(): number {
    return this.#size;
  }

  /** How many of the body's bytes have passed. */
  get seen(): number {
    return this.#seen;
  }

  get complete(): boolean {
    return this.#seen === this.#size;
  }

  /** Lets the body's next bytes in `chunk` from `pos` pass, up to the body's end, keeping what it keeps; returns the position after them. */
  pass(chunk: Uint8Array, pos: number): number {
    const take = Math.min(this.#size - this.#seen, chunk.length - pos);
    const wanted = this.#keep - this.#seen;
    if (wanted > 0) {
      if (this.#seen === 0 && this.#mayView && take >= wanted) this.#kept = chunk.subarray(pos, pos + wanted);
      else {
        if (this.#kept === EMPTY) this.#kept = allocate(this.#keep);
        this.#kept.set(chunk.subarray(pos, pos + Math.min(wanted, take)), this.#seen);
      }
    }
    this.#seen += take;
    return pos + take;
  }

  /** The kept bytes from body offset `from` on (a view, to transform in place: a WebSocket unmask, with views not allowed). */
  keptSince(from: number): Uint8Array {
    return this.#kept.subarray(Math.min(from, this.#kept.length), Math.min(this.#seen, this.#kept.length));
  }

  /** Hands the kept bytes over, and keeps nothing more. */
  finish(): Uint8Array {
    const kept = this.#kept;
    this.#kept = EMPTY;
    return kept;
  }
}
