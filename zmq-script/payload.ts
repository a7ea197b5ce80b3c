/**
 * Payload decoding shared by the frame-script language and the extension's send form and command:
 * text, hex, base64 or JSON into bytes, with errors that say what is wrong and where.
 */

/** How a payload is written. */
export type PayloadFormat = 'text' | 'hex' | 'base64' | 'json';

/** A payload that cannot be read in the chosen format. */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
  readonly code = 'EPAYLOAD';
  readonly format: PayloadFormat;

  constructor(format: PayloadFormat, message: string) {
    super(message);
    this.format = format;
  }
}

const HEX_SEPARATORS = /[\s:,_-]/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The formats, for pickers. */
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = ['text', 'hex', 'base64', 'json'];

/**
 * Decodes `payload` as `format`:
 * - text: UTF-8;
 * - hex: pairs of hex digits, optionally `0x`-prefixed, separated by spaces, colons, commas, dashes or underscores;
 * - base64: standard or URL-safe, padding optional;
 * - json: any JSON value, re-serialised compactly as UTF-8.
 * @throws {PayloadError} with a message naming the problem.
 */
export function decodePayload(format: PayloadFormat, payload: string): Buffer {
  switch (format) {
    case 'text':
      return Buffer.from(payload, 'utf8');
    case 'hex':
      return decodeHex(payload);
    case 'base64':
      return decodeBase64(payload);
    case 'json':
      return decodeJson(payload);
    default:
      throw new PayloadError(format, `Unknown payload format "${String(format)}": use text, hex, base64 or json`);
  }
}

function decodeHex(payload: string): Buffer {
  let digits = payload.trim();
  if (/^0x/i.test(digits)) digits = digits.slice(2);
  digits = digits.replace(/\b0x/gi, '').replace(HEX_SEPARATORS, '');
  const bad = digits.search(/[^0-9a-fA-F]/);
  if (bad >= 0) throw new PayloadError('hex', `Invalid hex: "${digits[bad]}" is not a hex digit (0-9, a-f)`);
  if (digits.length % 2 !== 0) throw new PayloadError('hex', `Invalid hex: ${digits.length} digits is an odd count; every byte takes two digits`);
  return Buffer.from(digits, 'hex');
}

function decodeBase64(payload: string): Buffer {
  const text = payload.replace(/\s/g, '');
  if (BASE64.test(text)) {
    if (text.replace(/=+$/, '').length % 4 === 1) throw new PayloadError('base64', 'Invalid base64: the length is impossible (one character too many or too few)');
    return Buffer.from(text, 'base64');
  }
  if (BASE64URL.test(text)) {
    if (text.length % 4 === 1) throw new PayloadError('base64', 'Invalid base64: the length is impossible (one character too many or too few)');
    return Buffer.from(text, 'base64url');
  }
  const bad = [...text].find((c) => !/[A-Za-z0-9+/=_-]/.test(c));
  throw new PayloadError('base64', bad !== undefined ? `Invalid base64: "${bad}" is not a base64 character` : 'Invalid base64: "=" padding only at the end, at most two');
}

function decodeJson(payload: string): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (err) {
    throw new PayloadError('json', `Invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Bytes shown as spaced hex, cut after `max` bytes with "…". */
export function hexPreview(bytes: Uint8Array, max = 64): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, max));
  const hex = view.toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return bytes.byteLength > max ? `${hex} …` : hex;
}
