/**
 * One-line summaries of handshake frames for the handshake ladder: what a greeting, a READY, a
 * PING or an ERROR carried, and the security handshake's HELLO, WELCOME and INITIATE (PLAIN, RFC
 * 24; CURVE, RFC 26), from the body the core's traffic tap hands over. The bytes are decoded by the
 * core's own ZMTP readers (core/zmtp, through core/index.ts), the ones its sockets use; this file
 * only words what they return, and reads CURVE's fixed layout (RFC 26 §"Commands") for the nonce a
 * box carries. Under CURVE the READY and INITIATE metadata are inside boxes, so they are described,
 * not decoded. A PLAIN password is never worded. Every byte came from the network: a body the
 * readers reject is summarised with the reader's reason, never thrown.
 */
import { GREETING_SIZE, isLibzmqPlainError, parseCommand, parseErrorData, parsePingData, parsePlainHello, parseProperties, readGreeting, ZmtpError } from '../core/index';

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

/** The security mechanism a greeting names (NULL, PLAIN, CURVE), or null when it is not a greeting. */
export function greetingMechanism(body: Uint8Array): string | null {
  if (body.length < GREETING_SIZE) return null;
  try {
    return readGreeting(body).mechanism;
  } catch (err) {
    if (err instanceof ZmtpError) return null;
    throw err;
  }
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

/** Properties as `Name=value, …`. */
function wordProperties(properties: ReadonlyArray<readonly [string, Uint8Array]>): string {
  return properties.length === 0 ? '(no properties)' : properties.map(([name, value]) => `${name}=${printable(value, 40)}`).join(', ');
}

/**
 * READY's metadata as `Name=value, …` (RFC 23 §The READY command, "metadata"; RFC 24's READY is the
 * same). Under CURVE the metadata is in a box (RFC 26 §"The READY command"): its nonce is said.
 */
export function summariseReady(body: Uint8Array, mechanism?: string | null): string {
  if (mechanism === 'CURVE') return `metadata, boxed · nonce ${shortNonce(body, CURVE_READY_NONCE_AT) ?? '?'} · ${body.length} B`;
  return decoded('READY', () => parseProperties(parseCommand(body).data), wordProperties);
}

/** `05 "HELLO"` (and READY's `05 "READY"`): the bytes before a command's data. */
const NAME5_SIZE = 6;
/** RFC 26: HELLO is 200 bytes: version 1.0, 72 bytes of padding, C' (32), a short nonce (8), a box (80). */
const CURVE_HELLO_SIZE = 200;
const CURVE_HELLO_NONCE_AT = NAME5_SIZE + 2 + 72 + 32;
/** RFC 26: READY's short nonce follows its name. */
const CURVE_READY_NONCE_AT = NAME5_SIZE;
/** RFC 26: WELCOME is 168 bytes; RFC 24: PLAIN's is the bare name, 8 bytes. */
const CURVE_WELCOME_SIZE = 168;
const PLAIN_WELCOME_SIZE = 8;

/** The 8-byte big-endian short nonce at `at` (RFC 26 §"Nonces"), or null when the body is too short. */
function shortNonce(body: Uint8Array, at: number): string | null {
  if (body.length < at + 8) return null;
  return new DataView(body.buffer, body.byteOffset + at, 8).getBigUint64(0).toString();
}

function isCurveHello(body: Uint8Array): boolean {
  return body.length === CURVE_HELLO_SIZE && body[NAME5_SIZE] === 1 && body[NAME5_SIZE + 1] === 0;
}

/**
 * A HELLO: under CURVE the version and the client's short nonce (its short-term public key and an
 * empty box follow, RFC 26); under PLAIN the user name, and that the password is not shown (RFC 24;
 * the session masks it before anything keeps the bytes).
 */
export function summariseHello(body: Uint8Array): string {
  if (isCurveHello(body)) return `CURVE 1.0 · nonce ${shortNonce(body, CURVE_HELLO_NONCE_AT)}`;
  return decoded('HELLO', () => parsePlainHello(body), ({ username }) => `user ${printable(username, 16)} · password hidden`);
}

/** A WELCOME: PLAIN's (the server accepted our credentials) or CURVE's (the server's short-term key and a cookie, in a box). */
export function summariseWelcome(body: Uint8Array): string {
  if (body.length === PLAIN_WELCOME_SIZE) return 'credentials accepted';
  if (body.length === CURVE_WELCOME_SIZE) return 'server key and cookie, boxed';
  return `${body.length} B (a PLAIN WELCOME is ${PLAIN_WELCOME_SIZE}, a CURVE one ${CURVE_WELCOME_SIZE})`;
}

/** An INITIATE: PLAIN's metadata, worded as READY's; CURVE's cookie, then the client's key, vouch and metadata in a box. */
export function summariseInitiate(body: Uint8Array, mechanism?: string | null): string {
  if (mechanism === 'CURVE') return `cookie, vouch, metadata · ${body.length} B`;
  return decoded('INITIATE', () => parseProperties(parseCommand(body).data), wordProperties);
}

/** PING's TTL (RFC 37: 2 bytes, in tenths of a second) and whether it has a context. */
export function summarisePing(body: Uint8Array): string {
  return decoded('PING', () => parsePingData(parseCommand(body).data), (ping) => `TTL ${ping.ttl / 10} s${ping.context.length > 0 ? ` · context ${ping.context.length} B` : ''}`);
}

/**
 * ERROR's reason (RFC 23 §The ERROR Command); under PLAIN and CURVE it is the server's ZAP status
 * ("400"). libzmq's PLAIN server spells the command `5E "RROR"` (core/zmtp/plain.ts says why): read
 * the same way.
 */
export function summariseError(body: Uint8Array): string {
  const libzmqPlain = isLibzmqPlainError(body);
  // libzmq's form lacks the name's length byte: put it back, and the core's reader takes it.
  const standard = libzmqPlain ? Uint8Array.of(5, 0x45, ...body.subarray(1)) : body;
  return decoded('ERROR', () => parseErrorData(parseCommand(standard).data), (reason) => `reason ${JSON.stringify(reason)}${zapMeaning(reason)}`);
}

/** What a ZAP status given as an ERROR's reason means (RFC 27 §"Reply"), short: the ladder has one line for it. */
function zapMeaning(reason: string): string {
  switch (reason) {
    case '300':
      return ' · ZAP: try later';
    case '400':
      return ' · ZAP refused';
    case '500':
      return ' · ZAP failed';
    default:
      return '';
  }
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
