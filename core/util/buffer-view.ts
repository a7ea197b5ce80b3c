/**
 * Buffers over received bytes, made the cheapest way Node allows, for the engines' per-message
 * path: a PEER receiving small messages makes millions of these a second.
 */
import { Buffer } from 'node:buffer';

/**
 * Node's Buffer class proper (`FastBuffer`), which `Buffer[Symbol.species]` gives: constructing it
 * over an ArrayBuffer skips the argument checks of `Buffer.from` and the species lookup of
 * `subarray`, for the same object (measured: about half the cost of `chunk.subarray()`).
 */
const FastBuffer = (Buffer as unknown as { readonly [Symbol.species]: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer })[Symbol.species];

/** A Buffer over `length` bytes of `buffer` from `byteOffset`: a view, no copy. */
export function bufferView(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return new FastBuffer(buffer, byteOffset, length);
}

/** `bytes` as a Buffer: itself when it is one, else a view of the same memory. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return bytes instanceof Buffer ? bytes : new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
