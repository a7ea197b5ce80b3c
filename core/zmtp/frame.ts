/**
 * ZMTP frame headers and frames (RFC 23 §"Framing"): writing headers with the short or long size,
 * reading the long size back, whole frames and command frames. Part of the pure codec (see
 * constants.ts).
 */
import { FLAG_COMMAND, FLAG_LONG, SHORT_FRAME_MAX } from './constants';

/** Size of the flags byte plus size field for a body of `size` bytes. */
export function frameHeaderSize(size: number): number {
  return size > SHORT_FRAME_MAX ? 9 : 2;
}

/**
 * Writes a frame header at `offset` and returns the offset after it. The LONG bit is chosen here
 * (RFC 23: "the size field is one octet if the frame is 255 octets or less"); `flags` carries only
 * MORE and COMMAND.
 */
export function writeFrameHeader(target: Uint8Array, offset: number, flags: number, size: number): number {
  if (size > SHORT_FRAME_MAX) {
    target[offset] = flags | FLAG_LONG;
    // 8-byte big-endian size; bodies never exceed 2^53, so the high word fits a double exactly.
    const high = Math.floor(size / 0x100000000);
    const low = size >>> 0;
    target[offset + 1] = high >>> 24;
    target[offset + 2] = (high >>> 16) & 0xff;
    target[offset + 3] = (high >>> 8) & 0xff;
    target[offset + 4] = high & 0xff;
    target[offset + 5] = low >>> 24;
    target[offset + 6] = (low >>> 16) & 0xff;
    target[offset + 7] = (low >>> 8) & 0xff;
    target[offset + 8] = low & 0xff;
    return offset + 9;
  }
  target[offset] = flags;
  target[offset + 1] = size;
  return offset + 2;
}

/**
 * The 8-byte big-endian size of a long frame, read at `at` (the engine's decoder and the tap's
 * scanners read it alike). Anything beyond 2^53 cannot be a real frame: it reads as
 * Number.MAX_VALUE, above every limit, rather than rounded to a size that might pass one.
 */
export function readLongSize(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  const low = ((bytes[at + 4] << 24) | (bytes[at + 5] << 16) | (bytes[at + 6] << 8) | bytes[at + 7]) >>> 0;
  return high > 0x1fffff ? Number.MAX_VALUE : high * 0x100000000 + low;
}

/** One whole frame (header and body) in a new array. */
export function encodeFrame(body: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(frameHeaderSize(body.length) + body.length);
  out.set(body, writeFrameHeader(out, 0, flags, body.length));
  return out;
}

/** A command frame: flags 04/06, then `name-length name data` (RFC 23 §"Commands"). */
export function encodeCommandFrame(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(1 + name.length + data.length);
  body[0] = name.length;
  for (let i = 0; i < name.length; i++) body[1 + i] = name.charCodeAt(i);
  body.set(data, 1 + name.length);
  return encodeFrame(body, FLAG_COMMAND);
}
