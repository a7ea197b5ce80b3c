/**
 * How `expect` compares a received frame with what the script says, and how a mismatch is told:
 * both sides rendered the same way (text when both are valid UTF-8, else hex; JSON pretty-printed),
 * so the Test Explorer's diff and the CLI show exactly what differs.
 *
 * - `text`, `hex`, `base64`, `file`: the bytes, exactly;
 * - `json`: the frame parsed as JSON equals the value (key order and blanks do not matter);
 * - `json-subset`: the value is contained in the frame's JSON, as Jest's `toMatchObject`: every key
 *   of an expected object must match in the actual one (others may exist), arrays match element by
 *   element and must have the same length, other values must be equal;
 * - `matches`: the regex finds a match in the frame read as UTF-8;
 * - `any`: any frame.
 */
import { isDeepStrictEqual } from 'node:util';

/** The outcome of one comparison. */
export type MatchResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly expected: string; readonly actual: string };

const MATCH: MatchResult = Object.freeze({ ok: true });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The frame's text when it is valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bytes as spaced hex. */
export function spacedHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

/** Bytes compared exactly. */
export function matchBytes(expected: Uint8Array, actual: Uint8Array): MatchResult {
  if (Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength).equals(actual)) return MATCH;
  const expectedText = utf8Text(expected);
  const actualText = utf8Text(actual);
  const asText = expectedText !== undefined && actualText !== undefined;
  const e = asText ? expectedText : spacedHex(expected);
  const a = asText ? actualText : spacedHex(actual);
  const at = firstDifference(expected, actual);
  return {
    ok: false,
    message: `frame differs at byte ${at}: expected ${expected.byteLength} bytes ${preview(expected, at, asText)}, received ${actual.byteLength} bytes ${preview(actual, at, asText)}`,
    expected: e,
    actual: a,
  };
}

/** Bytes shown whole in a mismatch message; longer frames show this many around the first difference. */
export const MESSAGE_PREVIEW_BYTES = 48;
const lenientUtf8 = new TextDecoder('utf-8');

/** A frame in a sentence: whole when short, else a window around byte `at`, cut with "…". */
function preview(bytes: Uint8Array, at: number, asText: boolean): string {
  const whole = bytes.byteLength <= MESSAGE_PREVIEW_BYTES;
  const start = whole ? 0 : Math.max(0, Math.min(at - 16, bytes.byteLength - MESSAGE_PREVIEW_BYTES));
  const window = bytes.subarray(start, whole ? bytes.byteLength : start + MESSAGE_PREVIEW_BYTES);
  // A window may cut a UTF-8 sequence at its edges: those bytes show as U+FFFD.
  const shown = asText ? JSON.stringify(lenientUtf8.decode(window)) : spacedHex(window);
  return `${start > 0 ? '…' : ''}${shown}${start + window.byteLength < bytes.byteLength ? '…' : ''}`;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function parseJson(actual: Uint8Array): { ok: true; value: unknown } | { ok: false; result: MatchResult } {
  const text = utf8Text(actual);
  if (text === undefined) return { ok: false, result: { ok: false, message: `the frame is not JSON: its ${actual.byteLength} bytes are not valid UTF-8`, expected: '', actual: spacedHex(actual) } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, result: { ok: false, message: `the frame is not JSON (${err instanceof Error ? err.message : String(err)}): ${JSON.stringify(text.slice(0, 200))}`, expected: '', actual: text } };
  }
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

/** The frame as JSON equal to `expected`. */
export function matchJson(expected: unknown, actual: Uint8Array): MatchResult {
  const parsed = parseJson(actual);
  if (!parsed.ok) return { ...parsed.result, expected: pretty(expected) } as MatchResult;
  if (isDeepStrictEqual(parsed.value, expected)) return MATCH;
  return { ok: false, message: `JSON differs${describePath(firstJsonDifference(expected, parsed.value, false))}`, expected: pretty(expected), actual: pretty(parsed.value) };
}

/** The frame as JSON containing `expected` (see the file comment). */
export function matchJsonSubset(expected: unknown, actual: Uint8Array): MatchResult {
  const parsed = parseJson(actual);
  if (!parsed.ok) return { ...parsed.result, expected: pretty(expected) } as MatchResult;
  const path = firstJsonDifference(expected, parsed.value, true);
  if (path === undefined) return MATCH;
  return { ok: false, message: `JSON does not contain the expected subset${describePath(path)}`, expected: pretty(expected), actual: pretty(parsed.value) };
}

function describePath(path: string | undefined): string {
  return path === undefined ? '' : ` at ${path === '' ? 'the top level' : path}`;
}

/** The path of the first place where `actual` does not match `expected`, or undefined when it matches. */
function firstJsonDifference(expected: unknown, actual: unknown, subset: boolean, path = ''): string | undefined {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return path;
    for (let i = 0; i < expected.length; i++) {
      const inner = firstJsonDifference(expected[i], actual[i], subset, `${path}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return path;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    if (!subset && Object.keys(a).length !== Object.keys(e).length) {
      const extra = Object.keys(a).find((k) => !(k in e));
      if (extra !== undefined) return `${path}.${extra}`;
    }
    for (const key of Object.keys(e)) {
      if (!Object.prototype.hasOwnProperty.call(a, key)) return `${path}.${key}`;
      const inner = firstJsonDifference(e[key], a[key], subset, `${path}.${key}`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : path;
}

/** The frame, read as UTF-8, matching a regex. */
export function matchRegex(pattern: RegExp, actual: Uint8Array): MatchResult {
  const text = utf8Text(actual) ?? Buffer.from(actual).toString('latin1');
  // With the g or y flag, test() starts where the last match ended; every frame starts afresh.
  pattern.lastIndex = 0;
  if (pattern.test(text)) return MATCH;
  return { ok: false, message: `frame ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)} does not match ${pattern}`, expected: String(pattern), actual: text };
}
