/**
 * One-line summaries of handshake frames for the handshake ladder: what a greeting, a READY, a
 * PING or an ERROR carried, from the body the core's traffic tap hands over. The bytes are decoded
 * by the core's own ZMTP readers (core/zmtp, through core/index.ts), the ones its sockets use; this
 * file only words what they return. Every byte came from the network: a body the readers reject is
 * summarised with the reader's reason, never thrown.
 */
import { GREETING_SIZE, parseCommand, parseErrorData, parsePingData, parseProperties, readGreeting, ZmtpError } from '../core/index';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Runs a reader of untrusted bytes; a `ZmtpError` becomes `malformed WHAT: reason`. */
function decoded<T>(what: string, read: () => T, say: (value: T) => string): string {
  let value: T;
  try {
    value = read();
  } catch (err) {
    if (err instanceof ZmtpError) return `malformed ${what}: ${err.message}`;
    throw err;
  }
  return say(value);
}

/** A 64-byte greeting (RFC 23 §Greeting): version, mechanism and the as-server flag. */
export function summariseGreeting(body: Uint8Array): string {
  if (body.length < GREETING_SIZE) return `${body.length} bytes (a greeting is ${GREETING_SIZE})`;
  return decoded('greeting', () => readGreeting(body), (g) => `ZMTP ${g.major}.${g.minor} · ${g.mechanism.replace(/[^\x20-\x7e]/g, '?') || '(none)'} · as-server ${g.asServer ? 1 : 0}`);
}

/** A command's name (RFC 23 §Commands), or null when the body cannot hold one. */
export function commandName(body: Uint8Array): string | null {
  try {
    return parseCommand(body).name;
  } catch (err) {
    if (err instanceof ZmtpError) return null;
    throw err;
  }
}

/** READY's metadata as `Name=value, …` (RFC 23 §The READY command, "metadata"). */
export function summariseReady(body: Uint8Array): string {
  return decoded('READY', () => parseProperties(parseCommand(body).data), (properties) =>
    properties.length === 0 ? '(no properties)' : properties.map(([name, value]) => `${name}=${printable(value, 40)}`).join(', '));
}

/** PING's TTL (RFC 37: 2 bytes, in tenths of a second) and whether it has a context. */
export function summarisePing(body: Uint8Array): string {
  return decoded('PING', () => parsePingData(parseCommand(body).data), (ping) => `TTL ${ping.ttl / 10} s${ping.context.length > 0 ? ` · context ${ping.context.length} B` : ''}`);
}

/** ERROR's reason (RFC 23 §The ERROR Command). */
export function summariseError(body: Uint8Array): string {
  return decoded('ERROR', () => parseErrorData(parseCommand(body).data), (reason) => `reason ${JSON.stringify(reason)}`);
}

/** A data frame's first bytes: quoted text when printable, else hex. */
export function summariseData(body: Uint8Array): string {
  return body.length === 0 ? '(empty)' : printable(body, 32);
}

/** Text in quotes when every byte of the start is printable ASCII or UTF-8, otherwise hex bytes. */
function printable(bytes: Uint8Array, max: number): string {
  const head = bytes.subarray(0, max);
  const cut = bytes.length > max ? '…' : '';
  // A cut through a multi-byte character decodes as U+FFFD at the end: not a sign of binary.
  const text = cut ? UTF8.decode(head).replace(/\ufffd$/, '') : UTF8.decode(head);
  // U+FFFD and control characters mean binary: show hex instead.
  if (!/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(text)) return `"${text}"${cut}`;
  return `${Array.from(head.subarray(0, Math.min(head.length, 12)), (b) => b.toString(16).padStart(2, '0')).join(' ')}${bytes.length > 12 ? ' …' : ''}`;
}
