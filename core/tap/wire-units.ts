/**
 * The units a tap's scanners find in a relayed byte stream, and the interface through which they
 * hand them on. ZMTP (tcp, ipc) and ZWS (ws) streams are cut into the same units, so that one
 * reader interprets both: ZWS frames carry the ZMTP flags they stand for. Types only, and pure.
 */

/** Where a scanner delivers what it finds, in stream order. */
export interface WireUnits {
  /**
   * ZMTP's 64-byte greeting is complete (RFC 23 §"Greeting"). `end` is the offset just past it in
   * the chunk being scanned, so that the relay can hold back what follows.
   */
  greeting(raw: Uint8Array, end: number): void;
  /** ZWS: the HTTP upgrade request or response head is complete, up to its blank line (RFC 6455 §4). */
  httpHead(raw: Uint8Array, end: number): void;
  /**
   * A whole frame: ZMTP flags (MORE 0x01, LONG 0x02, COMMAND 0x04), the body's size, and its
   * first bytes — as many as {@link CaptureLimits} allowed, copied, so they stay valid.
   */
  frame(flags: number, size: number, head: Uint8Array): void;
  /** ZWS: a WebSocket control frame (RFC 6455 §5.5: 8 close, 9 ping, 10 pong) and its unmasked payload. */
  control(opcode: number, payload: Uint8Array): void;
  /** The stream cannot be decoded from here on (a ZMTP 1.0/2.0 peer, a bad frame); it is still relayed. */
  undecodable(reason: string, raw: Uint8Array): void;
}

/** How many body bytes a scanner copies out of each frame. */
export interface CaptureLimits {
  /** For a frame with these flags (commands are wanted whole, data frames up to the snapshot length). */
  bytesFor(flags: number): number;
}

/** A scanner: pushes chunks through, calling its {@link WireUnits}. */
export interface WireScanner {
  push(chunk: Uint8Array): void;
  /** Stops scanning for good; later chunks are ignored (the relay goes on). */
  stop(): void;
  readonly stopped: boolean;
}

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

/** The first `count` bytes of `bytes` from `start`, as a copy (a Buffer's slice would be a view). */
export function copyOf(bytes: Uint8Array, start: number, count: number): Uint8Array {
  if (count <= 0) return EMPTY;
  const out = allocate(count);
  out.set(bytes.subarray(start, start + count));
  return out;
}
