/**
 * Pure payload helpers for the debugger webview: base64 ↔ bytes, the inspector's views of one
 * message (hex dump, UTF-8, pretty JSON), one-line previews for the timeline, and the send form's
 * validation. No DOM and no Node types, so the root tsconfig (unit tests) and the webview bundle
 * both compile it.
 */

import type { PayloadFormat } from './protocol';

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64_ALPHABET.length; i++) table[B64_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Bytes per line of the hex dump (as `xxd` and `hexdump -C`). */
export const HEX_DUMP_WIDTH = 16;
/** The inspector dumps at most this many bytes; past it the dump says how many it left out. */
export const HEX_DUMP_MAX_BYTES = 64 * 1024;

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
 * Decodes standard or url-safe base64; whitespace is ignored and padding is optional. Returns null when the
 * text is not base64 (bad character, impossible length, data after padding).
 */
export function base64ToBytes(text: string): Uint8Array | null {
  // base64url ('-', '_') reads as standard base64, as the host accepts both.
  const clean = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  let end = clean.length;
  let pad = 0;
  while (end > 0 && clean.charCodeAt(end - 1) === 0x3d /* = */ && pad < 2) {
    end--;
    pad++;
  }
  if (pad > 0 && clean.length % 4 !== 0) return null;
  if (end % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_LOOKUP[c] : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
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

function hex2(n: number): string {
  return (n < 16 ? '0' : '') + n.toString(16);
}

/**
 * A classic hex dump: offset, 16 bytes in two groups of 8, and the printable-ASCII column.
 * `00000000  48 65 6c 6c 6f                                    |Hello|`
 * `width` bytes per line: the inspector uses 8 (one group, as `xxd -c 8`) when 16 would not fit.
 */
export function hexDump(bytes: Uint8Array, maxBytes = HEX_DUMP_MAX_BYTES, width = HEX_DUMP_WIDTH): string {
  const shown = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let off = 0; off < shown; off += width) {
    const end = Math.min(off + width, shown);
    let hex = '';
    let ascii = '';
    for (let i = off; i < off + width; i++) {
      if (width > 8 && i === off + width / 2) hex += ' ';
      if (i < end) {
        hex += hex2(bytes[i]) + ' ';
        ascii += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  if (bytes.length > shown) lines.push(`… ${bytes.length - shown} more bytes`);
  return lines.join('\n');
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
  if (count > 0 && odd * 4 > count) {
    const n = Math.min(bytes.length, Math.floor(max / 3));
    let hex = '';
    for (let i = 0; i < n; i++) hex += (i ? ' ' : '') + hex2(bytes[i]);
    return bytes.length > n ? hex + ' …' : hex;
  }
  return cut ? out + '…' : out;
}

/** The result of checking the send form's payload. */
export type PayloadCheck = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

/** Parses the send form's payload in its format; the message says what is wrong, for the form. */
export function parsePayload(format: PayloadFormat, text: string): PayloadCheck {
  switch (format) {
    case 'text':
      return { ok: true, bytes: new TextEncoder().encode(text) };
    case 'hex': {
      // As the host reads it: optional 0x per byte, and spaces, colons, commas, dashes or underscores between bytes.
      const clean = text.replace(/\b0x/gi, '').replace(/[\s:,_-]+/g, '');
      if (/[^0-9a-fA-F]/.test(clean)) return { ok: false, message: 'Hex may contain only 0-9, a-f, 0x and separators (space : , - _)' };
      if (clean.length % 2 !== 0) return { ok: false, message: 'Hex needs an even number of digits' };
      const bytes = new Uint8Array(clean.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
      return { ok: true, bytes };
    }
    case 'base64': {
      const bytes = base64ToBytes(text);
      return bytes === null ? { ok: false, message: 'Not valid base64' } : { ok: true, bytes };
    }
    case 'json':
      try {
        JSON.parse(text);
      } catch (err) {
        return { ok: false, message: `Invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
      // The host sends JSON re-serialised compactly, so the size shown matches what goes out.
      return { ok: true, bytes: new TextEncoder().encode(JSON.stringify(JSON.parse(text))) };
    default:
      return assertNever(format);
  }
}

/** Exhaustiveness check: adding a variant breaks the compile wherever it is not handled. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
