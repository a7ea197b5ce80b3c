/**
 * The debugger view's payload helpers: base64 ↔ bytes for bodies crossing the protocol, the
 * inspector's UTF-8 and JSON views, one-line previews for the timeline, and the send form's check of
 * its draft. The grammar itself (text, hex, base64, JSON → bytes) and the hex dump are the one shared
 * with frame scripts and the extension host, zmq-script/payload.ts; here is only how the view uses
 * them. No DOM and no Node types, so the root tsconfig (unit tests) and the webview bundle both
 * compile it.
 */

import { decodePayload, hexPreview, PayloadError, PAYLOAD_SYNTAX, type PayloadFormat } from '../zmq-script/payload';

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Encodes bytes as standard, padded base64 (the form bodies cross the protocol in). */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + B64_ALPHABET[(n >> 6) & 63] + B64_ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64_ALPHABET[n >> 18] + B64_ALPHABET[(n >> 12) & 63] + B64_ALPHABET[(n >> 6) & 63] + '=';
  }
  return out;
}

/**
 * Decodes standard or url-safe base64 with the shared grammar (whitespace ignored, padding optional).
 * Returns null when the text is not base64 (bad character, impossible length, misplaced padding).
 */
export function base64ToBytes(text: string): Uint8Array | null {
  try {
    return decodePayload('base64', text);
  } catch (err) {
    if (err instanceof PayloadError) return null;
    throw err;
  }
}

// One decoder each, reused: previews decode every frame that passes through a text filter.
const LENIENT_UTF8 = new TextDecoder('utf-8', { fatal: false });
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD (the WHATWG decoder's replacement). */
export function utf8Decode(bytes: Uint8Array): string {
  return LENIENT_UTF8.decode(bytes);
}

/** True when the bytes are valid UTF-8 (so the UTF-8 view shows them exactly). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    STRICT_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Pretty-prints the bytes as JSON (2-space indent) when they are valid UTF-8 JSON; null otherwise. */
export function jsonPretty(bytes: Uint8Array): string | null {
  if (bytes.length === 0 || !isValidUtf8(bytes)) return null;
  try {
    return JSON.stringify(JSON.parse(utf8Decode(bytes)), null, 2);
  } catch {
    return null;
  }
}

/**
 * A one-line preview for the timeline: UTF-8 text with control characters shown as `·`, cut to
 * `max` characters (with `…`). Binary-looking payloads (more than a quarter replacement or control
 * characters) are previewed as hex instead.
 */
export function previewText(bytes: Uint8Array, max = 80): string {
  const slice = bytes.subarray(0, Math.min(bytes.length, max * 4));
  const text = utf8Decode(slice);
  let odd = 0;
  let out = '';
  let count = 0;
  let cut = bytes.length > slice.length;
  for (const ch of text) {
    if (count >= max) {
      cut = true;
      break;
    }
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || c === 0xfffd) {
      odd++;
      out += '·';
    } else {
      out += ch;
    }
    count++;
  }
  // Three characters per byte ("ff "), so the hex fits the same width.
  if (count > 0 && odd * 4 > count) return hexPreview(bytes, Math.floor(max / 3));
  return cut ? out + '…' : out;
}

/** The result of checking the send form's payload. */
export type PayloadCheck = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

/**
 * The send form's draft decoded as the host will decode it (zmq-script/payload.ts). When it does not
 * decode, the message leads with what the format may contain, then names the problem.
 */
export function checkDraftPayload(format: PayloadFormat, text: string): PayloadCheck {
  try {
    return { ok: true, bytes: decodePayload(format, text) };
  } catch (err) {
    if (!(err instanceof PayloadError)) throw err;
    return { ok: false, message: `${PAYLOAD_SYNTAX[format]}. ${err.message}` };
  }
}

/** Exhaustiveness check: adding a variant breaks the compile wherever it is not handled. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
