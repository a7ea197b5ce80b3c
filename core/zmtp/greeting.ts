/**
 * The 64-byte ZMTP greeting (RFC 23 §"Greeting"): ours, and the staged checks of the peer's.
 * Part of the pure codec (see constants.ts).
 */
import { ZmtpError, PROTOCOL_ERROR } from '../errors';
import { GREETING_SIZE, MECHANISM_SIZE } from './constants';

/** What a peer's 64-byte greeting says. */
export interface Greeting {
  /** Byte 10. libzmq treats every major other than 0 and 1 as ZMTP 3.x. */
  readonly major: number;
  /** Byte 11. With major 3: 0 means 3.0 framing, anything else 3.1. */
  readonly minor: number;
  /** The mechanism name, up to its first NUL. */
  readonly mechanism: string;
  /** Byte 32. Informational only: libzmq never sets it and takes roles from options. */
  readonly asServer: boolean;
}

export interface GreetingOptions {
  readonly mechanism?: string;
  readonly asServer?: boolean;
}

/**
 * Our whole 64-byte greeting: `FF 00×8 7F 03 01 NULL 00×16 00 00×31` for the NULL mechanism.
 *
 * It is sent at once on connect and on accept. libzmq sends its own in three stages and waits for
 * our signature before it sends more (protocol.md §2.1), so a peer that held back its greeting
 * until it had libzmq's would deadlock.
 */
export function encodeGreeting(options: GreetingOptions = {}): Uint8Array {
  const mechanism = options.mechanism ?? 'NULL';
  const out = new Uint8Array(GREETING_SIZE);
  out[0] = 0xff;
  // Padding bytes 1–8 are "not significant" (RFC 23). libzmq sends the routing-id length + 1 as a
  // ZMTP 1.0 back-compat trick; a PEER has no routing id, so that would be 00..01.
  out[8] = 0x01;
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = 1;
  for (let i = 0; i < mechanism.length && i < MECHANISM_SIZE; i++) out[12 + i] = mechanism.charCodeAt(i) & 0x7f;
  out[32] = options.asServer ? 1 : 0;
  return out;
}

/**
 * Checks the first 10 bytes. libzmq reads a missing FF or a clear bit 0 of byte 9 as an
 * unversioned ZMTP 1.0 peer; PEER needs ZMTP 3, so that is an error here.
 */
export function checkSignature(bytes: Uint8Array): void {
  if (bytes[0] !== 0xff || (bytes[9] & 0x01) === 0) {
    throw new ZmtpError('ERR_ZMTP_BAD_SIGNATURE', 'Invalid ZMTP greeting: bad signature (not a ZMTP 3 peer)');
  }
}

/** Checks byte 10: majors 0 and 1 are ZMTP 1.0/2.0, which have no PEER socket type. */
export function checkVersion(major: number): void {
  if (major === 0 || major === 1) {
    throw new ZmtpError('ERR_ZMTP_UNSUPPORTED_VERSION', `Invalid ZMTP greeting: version ${major === 0 ? '1.0' : '2.0'} is not supported (ZMTP 3 required)`);
  }
}

/**
 * Reads a complete 64-byte greeting: signature and version checked, the mechanism read but not
 * judged. parseGreeting adds libzmq's mechanism check; a reader that only shows what a greeting
 * says (the debugger's handshake ladder) stops here.
 */
export function readGreeting(bytes: Uint8Array): Greeting {
  checkSignature(bytes);
  checkVersion(bytes[10]);
  let end = 12;
  while (end < 12 + MECHANISM_SIZE && bytes[end] !== 0) end++;
  let mechanism = '';
  for (let i = 12; i < end; i++) mechanism += String.fromCharCode(bytes[i]);
  return { major: bytes[10], minor: bytes[11], mechanism, asServer: bytes[32] !== 0 };
}

/** Parses a complete 64-byte greeting and checks the mechanism against ours, as libzmq does. */
export function parseGreeting(bytes: Uint8Array, expectedMechanism = 'NULL'): Greeting {
  const { mechanism } = readGreeting(bytes);
  const end = 12 + mechanism.length;
  // libzmq compares all 20 bytes with the local mechanism, NUL padded (zmtp_engine_t::receive_greeting).
  let matches = mechanism === expectedMechanism;
  for (let i = end; matches && i < 12 + MECHANISM_SIZE; i++) if (bytes[i] !== 0) matches = false;
  if (!matches) throw mechanismMismatch(expectedMechanism, printable(mechanism));
  return { major: bytes[10], minor: bytes[11], mechanism, asServer: bytes[32] !== 0 };
}

/** How to fix each kind of mechanism mismatch, from our side. */
function mismatchHint(ours: string, theirs: string): string {
  const knows = (name: string): boolean => name === 'NULL' || name === 'PLAIN' || name === 'CURVE';
  if (!knows(theirs)) return `the peer's mechanism is not one libzmq knows`;
  if (ours === 'NULL') {
    return theirs === 'CURVE'
      ? 'the peer requires CURVE: set curveServerKey, curvePublicKey and curveSecretKey here (or curveServer and curveSecretKey if this side is the server)'
      : 'the peer requires PLAIN: set plainUsername and plainPassword here (or plainServer if this side is the server)';
  }
  if (theirs === 'NULL') return `the peer runs no security: configure ${ours} on it too, or remove the ${ours} options here`;
  return 'both sides must use the same mechanism';
}

/** What "mechanism mismatch" says, from our side: both names and how to fix it. */
export function mechanismMismatchText(ours: string, theirs: string): string {
  return `mechanism mismatch: we offer ${ours}, the peer offers ${JSON.stringify(theirs).slice(1, -1) || 'nothing'}; ${mismatchHint(ours, theirs)}`;
}

/** The error for a greeting naming another mechanism than ours (libzmq's MECHANISM_MISMATCH). `theirs` is printable text. */
export function mechanismMismatch(ours: string, theirs: string): ZmtpError {
  const text = mechanismMismatchText(ours, theirs);
  return new ZmtpError('ERR_ZMTP_MECHANISM_MISMATCH', text[0].toUpperCase() + text.slice(1), { protocolError: PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH, step: 'greeting' });
}

/** "3.0" or "3.1", as libzmq classifies a greeting (any major ≥ 2 other than 3.0 is 3.1). */
export function zmtpVersionOf(greeting: Greeting): '3.0' | '3.1' {
  return greeting.major === 3 && greeting.minor === 0 ? '3.0' : '3.1';
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
