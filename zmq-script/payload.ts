/**
 * The one payload grammar: how a frame's bytes are written as text, hex, base64 or JSON, for frame
 * scripts, the language server's hovers, the extension's Send Frame command and session, and the
 * debugger view's send form and inspector. Every one of them decodes with {@link decodePayload}, so a
 * payload the form accepts is one the host sends, and one a script holds.
 *
 * Pure: plain `Uint8Array`, `TextEncoder` and strings, no `Buffer` and no `node:` import, so the
 * webview's browser bundle compiles this same file (webview/tsconfig.json includes it).
 *
 * Where the debugger view's form and the scripts once read payloads apart, the stricter reading was
 * kept: base64 may not mix the standard (`+ /`) and URL-safe (`- _`) alphabets, and `=` padding, when
 * written, must complete the last group of four (RFC 4648 §3.2); padded URL-safe base64 is accepted
 * (RFC 4648 §5). Hex separators may stand between any two groups, each group optionally `0x`-prefixed.
 */

/** How a payload is written. */
export type PayloadFormat = 'text' | 'hex' | 'base64' | 'json';

/** The formats, in the order pickers offer them. */
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = ['text', 'hex', 'base64', 'json'];

/** What each format may contain, in one sentence, for a form or a prompt to show beside a problem. */
export const PAYLOAD_SYNTAX: Readonly<Record<PayloadFormat, string>> = Object.freeze({
  text: 'Text may contain anything; it is sent as UTF-8',
  hex: 'Hex may contain only 0-9, a-f, 0x and separators (space : , - _)',
  base64: 'Base64 may contain only A-Z, a-z, 0-9, + and / (or - and _), and = at the end',
  json: 'JSON must be one JSON value; it is sent compact',
});

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

/**
 * Decodes `payload` as `format`:
 * - text: UTF-8;
 * - hex: pairs of hex digits; groups separated by spaces, colons, commas, dashes or underscores, each
 *   optionally `0x`-prefixed (`01 02 ff`, `0x0102ff`, `01:02-ff`, `0x01 0x02`);
 * - base64: standard or URL-safe (not both), whitespace ignored, padding optional but complete when written;
 * - json: any JSON value, re-serialised compactly as UTF-8.
 * @throws {PayloadError} with a message naming the problem.
 */
export function decodePayload(format: PayloadFormat, payload: string): Uint8Array {
  switch (format) {
    case 'text':
      return UTF8.encode(payload);
    case 'hex':
      return decodeHex(payload);
    case 'base64':
      return decodeBase64(payload);
    case 'json':
      return decodeJson(payload);
    default:
      // The format may come from the webview or a saved file: not trusted to be one of ours.
      throw new PayloadError(format, `Unknown payload format "${String(format)}": use text, hex, base64 or json`);
  }
}

const UTF8 = new TextEncoder();

const HEX_SEPARATORS = /[\s:,_-]+/;
const HEX_PREFIX = /^0x/i;
const NOT_HEX_DIGIT = /[^0-9a-fA-F]/;

function decodeHex(payload: string): Uint8Array {
  let digits = '';
  for (const group of payload.split(HEX_SEPARATORS)) digits += HEX_PREFIX.test(group) ? group.slice(2) : group;
  const bad = digits.search(NOT_HEX_DIGIT);
  if (bad >= 0) throw new PayloadError('hex', `Invalid hex: "${String.fromCodePoint(digits.codePointAt(bad)!)}" is not a hex digit (0-9, a-f)`);
  if (digits.length % 2 !== 0) throw new PayloadError('hex', `Invalid hex: ${digits.length} digits is an odd count; every byte takes two digits`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Each base64 character's 6 bits (RFC 4648 Table 1 and, for `-` and `_`, Table 2); -1 for the rest. */
const BASE64_VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  table[0x2b /* + */] = table[0x2d /* - */] = 62;
  table[0x2f /* / */] = table[0x5f /* _ */] = 63;
  return table;
})();
const PAD = 0x3d; // =

function decodeBase64(payload: string): Uint8Array {
  const text = payload.replace(/\s+/g, '');
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === PAD) end--;
  const padding = text.length - end;
  let standard = false;
  let urlSafe = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c < 128 ? BASE64_VALUES[c] : -1) < 0) {
      if (c === PAD) throw new PayloadError('base64', 'Invalid base64: "=" padding only at the end, at most two');
      throw new PayloadError('base64', `Invalid base64: "${String.fromCodePoint(text.codePointAt(i)!)}" is not a base64 character`);
    }
    if (c === 0x2b || c === 0x2f) standard = true;
    else if (c === 0x2d || c === 0x5f) urlSafe = true;
  }
  if (standard && urlSafe) throw new PayloadError('base64', 'Invalid base64: it mixes the standard (+ /) and URL-safe (- _) alphabets');
  // Four characters carry three bytes; one character alone cannot carry a byte.
  if (end % 4 === 1) throw new PayloadError('base64', 'Invalid base64: the length is impossible (one character too many or too few)');
  if (padding > 2) throw new PayloadError('base64', 'Invalid base64: "=" padding only at the end, at most two');
  if (padding > 0 && text.length % 4 !== 0) throw new PayloadError('base64', 'Invalid base64: "=" padding must complete the last group of four characters');
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < end; i++) {
    bits = ((bits << 6) | BASE64_VALUES[text.charCodeAt(i)]) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes[at++] = (bits >> count) & 0xff;
    }
  }
  return bytes;
}

function decodeJson(payload: string): Uint8Array {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (err) {
    throw new PayloadError('json', `Invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return UTF8.encode(JSON.stringify(value));
}

/** Bytes per line of a hex dump (as `xxd` and `hexdump -C`). */
export const HEX_DUMP_WIDTH = 16;
/** A dump shows at most this many bytes by default; past it, it says how many it left out. */
export const HEX_DUMP_MAX_BYTES = 64 * 1024;

function hex2(n: number): string {
  return (n < 16 ? '0' : '') + n.toString(16);
}

/**
 * A classic hex dump (`hexdump -C`): offset, 16 bytes in two groups of 8, and the printable-ASCII
 * column, cut after `maxBytes` with a last line saying how many more there are.
 * `00000000  48 65 6c 6c 6f                                    |Hello|`
 * `width` bytes per line: the debugger's inspector uses 8 (one group, as `xxd -c 8`) when 16 would
 * not fit its pane.
 */
export function hexDump(bytes: Uint8Array, maxBytes = HEX_DUMP_MAX_BYTES, width = HEX_DUMP_WIDTH): string {
  const shown = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let offset = 0; offset < shown; offset += width) {
    const end = Math.min(offset + width, shown);
    let hex = '';
    let ascii = '';
    for (let i = offset; i < offset + width; i++) {
      if (width > 8 && i === offset + width / 2) hex += ' ';
      if (i < end) {
        hex += hex2(bytes[i]) + ' ';
        // Only printable ASCII: anything else could break the layout (or a Markdown code block).
        ascii += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : '.';
      } else {
        hex += '   ';
      }
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  if (bytes.length > shown) lines.push(`… ${bytes.length - shown} more bytes`);
  return lines.join('\n');
}

/** Bytes as spaced hex on one line, cut after `max` bytes with "…". */
export function hexPreview(bytes: Uint8Array, max = 64): string {
  const shown = Math.min(bytes.length, max);
  let hex = '';
  for (let i = 0; i < shown; i++) hex += (i > 0 ? ' ' : '') + hex2(bytes[i]);
  return bytes.length > max ? `${hex} …` : hex;
}
