/**
 * Z85 (ZeroMQ RFC 32), the text form of CURVE keys: 4 bytes become 5 printable characters. It
 * fails as libzmq's `zmq_z85_encode` / `zmq_z85_decode` do (EINVAL for a length that is not a
 * multiple of 4 or 5, a character outside the alphabet, a group above 2^32 - 1 such as `#####`),
 * rather than decoding junk as zeros. Part of the pure codec (see constants.ts).
 */
import { ZmqError } from '../errors';

/** RFC 32's alphabet: the digit of value i is ALPHABET[i]. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Character code → digit value, 0xff for characters outside the alphabet. */
const DIGITS = (() => {
  const table = new Uint8Array(128).fill(0xff);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** `zmq_z85_encode`: bytes (a multiple of 4 long) as Z85 text. */
export function z85Encode(data: Uint8Array): string {
  if (data.length % 4 !== 0) throw new ZmqError('EINVAL', { detail: `Z85 encodes a multiple of 4 bytes, not ${data.length}` });
  let out = '';
  for (let i = 0; i < data.length; i += 4) {
    let value = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
    let group = '';
    for (let digit = 0; digit < 5; digit++) {
      group = ALPHABET[value % 85] + group;
      value = Math.floor(value / 85);
    }
    out += group;
  }
  return out;
}

/** `zmq_z85_decode`: Z85 text (a non-zero multiple of 5 characters) as bytes. */
export function z85Decode(text: string): Uint8Array {
  if (text.length < 5 || text.length % 5 !== 0) {
    throw new ZmqError('EINVAL', { detail: `Z85 text is a non-zero multiple of 5 characters, not ${text.length}` });
  }
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = i; j < i + 5; j++) {
      const code = text.charCodeAt(j);
      const digit = code < 128 ? DIGITS[code] : 0xff;
      if (digit === 0xff) throw new ZmqError('EINVAL', { detail: `${JSON.stringify(text[j])} at ${j} is not a Z85 character` });
      value = value * 85 + digit;
    }
    // libzmq refuses groups whose value exceeds 32 bits (the largest, "%nSc0", is 2^32 - 1).
    if (value > 0xffffffff) throw new ZmqError('EINVAL', { detail: `Z85 group ${JSON.stringify(text.slice(i, i + 5))} exceeds 2^32 - 1` });
    out[o] = value >>> 24;
    out[o + 1] = (value >>> 16) & 0xff;
    out[o + 2] = (value >>> 8) & 0xff;
    out[o + 3] = value & 0xff;
  }
  return out;
}

/** CURVE keys are 32 bytes (crypto_box_PUBLICKEYBYTES = crypto_box_SECRETKEYBYTES = 32). */
export const CURVE_KEY_SIZE = 32;
/** ... or 40 characters of Z85. */
export const CURVE_KEY_Z85_SIZE = 40;

/**
 * A CURVE key given as 32 bytes or 40 Z85 characters (libzmq's `set_curve_key` takes both), as a
 * fresh 32-byte array; EINVAL otherwise, naming `what`.
 */
export function curveKeyBytes(key: Uint8Array | string, what = 'a CURVE key'): Uint8Array {
  if (typeof key === 'string') {
    if (key.length !== CURVE_KEY_Z85_SIZE) throw new ZmqError('EINVAL', { detail: `${what} is 32 bytes or 40 Z85 characters, not ${key.length} characters` });
    return z85Decode(key);
  }
  if (key.length !== CURVE_KEY_SIZE) throw new ZmqError('EINVAL', { detail: `${what} is 32 bytes or 40 Z85 characters, not ${key.length} bytes` });
  return Uint8Array.from(key);
}
