/**
 * The security mechanisms of ZMTP 3 (RFC 23 §"Authentication and Confidentiality"): NULL
 * (null-mechanism.ts), PLAIN (plain.ts, RFC 24) and CURVE (curve.ts, RFC 25/26). Each is a state
 * machine over handshake command bodies: the engine feeds it what arrives after the greeting, and
 * it answers through its {@link MechanismHost}. ZAP (RFC 27) is asked through the host too, and
 * its answer comes back as {@link Mechanism.zapReplied}. Part of the pure codec (see
 * constants.ts): crypto comes in through curve-crypto.ts's interface.
 *
 * Each mechanism checks what libzmq 4.3.4 checks (src/null_mechanism.cpp, plain_client.cpp,
 * plain_server.cpp, curve_client.cpp, curve_server.cpp, zap_client.cpp) and fails with the same
 * `ZMQ_PROTOCOL_ERROR_*` value, in a {@link ZmtpError} that names the step and says what to do.
 */
import { PROTOCOL_ERROR, ZmtpError, type HandshakeStep } from '../errors';
import { parseProperties, type Properties } from './command';
import type { ZapReply } from './zap';

import type { MechanismName } from './constants';

export type { MechanismName };

/** The commands a security handshake writes. */
export type HandshakeCommand = 'READY' | 'ERROR' | 'HELLO' | 'WELCOME' | 'INITIATE';

/** What a mechanism needs from the connection it runs on. */
export interface MechanismHost {
  /** The metadata we announce in READY or INITIATE: Socket-Type first (libzmq's order). */
  readonly metadata: Properties;
  /**
   * Takes the peer's READY or INITIATE properties: records them and checks Socket-Type. Throws
   * ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE (libzmq closes silently).
   */
  acceptProperties(properties: ReadonlyArray<readonly [string, Uint8Array]>): void;
  /** Writes one handshake command (its whole body: name length, name, data). */
  sendCommand(step: HandshakeCommand, body: Uint8Array): void;
  /**
   * Asks the ZAP handler about a client. False when there is none (libzmq: no socket bound at
   * inproc://zeromq.zap.01); otherwise the answer arrives through {@link Mechanism.zapReplied}.
   */
  requestZap(mechanism: MechanismName, credentials: readonly Uint8Array[]): boolean;
  /** The ZAP handler said 200: its user id and metadata become the peer's properties. */
  zapAccepted(reply: ZapReply): void;
  /**
   * The ZAP handler refused the client (300, 400, 500). After an ERROR, if the mechanism sent one,
   * the engine closes the connection; HANDSHAKE_FAILED_AUTH carries `error.zapStatus`.
   */
  refused(error: ZmtpError): void;
  /** Both sides are done: application traffic may start. */
  ready(): void;
}

/** One side of one connection's security handshake. */
export interface Mechanism {
  readonly name: MechanismName;
  readonly role: 'client' | 'server';
  /** The greeting exchange (or the WebSocket upgrade) is complete: send what goes first. */
  start(): void;
  /** One command body from the peer during the handshake. Throws a ZmtpError to fail it. */
  receive(body: Uint8Array): void;
  /** The ZAP handler's answer to the request made through {@link MechanismHost.requestZap}. */
  zapReplied(reply: ZapReply): void;
  /**
   * Why the peer may have closed the connection at this point of the handshake, when the
   * mechanism can tell (a CURVE server that cannot open our HELLO closes without a word).
   */
  explainClose(): ZmtpError | undefined;
  /** What the connection's traffic goes through once the handshake is done (CURVE's MESSAGE boxes). */
  readonly traffic: MessageBox | undefined;
  /** Zeroes what the handshake kept (transient secret keys, cookies); the traffic box too. */
  dispose(): void;
}

/** A mechanism's transformation of traffic after the handshake (CURVE: RFC 26 MESSAGE). */
export interface MessageBox {
  /**
   * The wire body of one message or command. `flags` uses ZMTP's MORE (0x01) and COMMAND (0x04)
   * bits; `data` is the frame body (for a command: name length, name, data).
   */
  seal(flags: number, data: Uint8Array): Uint8Array;
  /**
   * Opens a received frame body: its data, with the flags (ZMTP's bits) in {@link openedFlags}.
   * Throws a ZmtpError (replayed or reordered nonce, a box that does not open, a frame that is not
   * MESSAGE).
   */
  open(body: Uint8Array): Uint8Array;
  /** The flags of what {@link open} returned last: MORE (0x01), COMMAND (0x04). */
  readonly openedFlags: number;
  /** Zeroes the connection's keys. */
  wipe(): void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** `len name` as bytes: how every command body starts. */
export function commandPrefix(name: string): Uint8Array {
  const out = new Uint8Array(1 + name.length);
  out[0] = name.length;
  for (let i = 0; i < name.length; i++) out[1 + i] = name.charCodeAt(i);
  return out;
}

/** A command body: `len name` followed by `parts`. */
export function commandBody(name: string, ...parts: Uint8Array[]): Uint8Array {
  const prefix = commandPrefix(name);
  let size = prefix.length;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  out.set(prefix, 0);
  let offset = prefix.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether `body` starts with `len name` (libzmq compares prefixes, ignoring the COMMAND flag). */
export function startsWithCommand(body: Uint8Array, name: string): boolean {
  if (body.length < 1 + name.length || body[0] !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (body[1 + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** The name of the command `body` holds, for messages ("a data frame" when it is not a command). */
export function describeCommand(body: Uint8Array): string {
  if (body.length < 1 || body[0] === 0 || body[0] > body.length - 1) return 'a data frame';
  let name = '';
  for (let i = 1; i <= body[0]; i++) name += String.fromCharCode(body[i]);
  return /^[A-Za-z]+$/.test(name) ? `command ${JSON.stringify(name)}` : 'a data frame';
}

/**
 * libzmq's `check_basic_command_structure`: a body of at least 2 bytes whose first byte fits in
 * it. Anything else is MALFORMED_COMMAND_UNSPECIFIED.
 */
export function checkCommandStructure(body: Uint8Array, step: HandshakeStep): void {
  if (body.length <= 1 || body.length <= body[0]) {
    throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND', `Malformed ${step} command: body of ${body.length} bytes cannot hold its name`, {
      protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
      step,
    });
  }
}

/** An unexpected command during the handshake (libzmq: UNEXPECTED_COMMAND). */
export function unexpectedCommand(body: Uint8Array, expected: string, step: HandshakeStep, what = describeCommand(body)): ZmtpError {
  return new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', `Unexpected ${what} during the handshake (expected ${expected})`, {
    protocolError: PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND,
    step,
  });
}

/**
 * Metadata of READY or INITIATE (strict, as libzmq's parse_metadata). Where libzmq reports bad
 * metadata (a PLAIN or CURVE client's READY) pass `reported`: the error then carries
 * INVALID_METADATA; elsewhere libzmq closes silently.
 */
export function parseMetadata(data: Uint8Array, step: HandshakeStep, reported: boolean): Array<[string, Uint8Array]> {
  try {
    return parseProperties(data);
  } catch (err) {
    if (!(err instanceof ZmtpError)) throw err;
    throw new ZmtpError('ERR_ZMTP_INVALID_METADATA', err.message.replace('READY', step), {
      protocolError: reported ? PROTOCOL_ERROR.ZMTP_INVALID_METADATA : undefined,
      step,
    });
  }
}

/**
 * Runs `accept` (the host's Socket-Type check) for a PLAIN or CURVE client's READY: libzmq's
 * clients report any metadata failure there, a Socket-Type mismatch included, as INVALID_METADATA.
 */
export function acceptReported(accept: () => void): void {
  try {
    accept();
  } catch (err) {
    if (!(err instanceof ZmtpError) || err.protocolError !== undefined) throw err;
    throw new ZmtpError(err.code, err.message, { protocolError: PROTOCOL_ERROR.ZMTP_INVALID_METADATA, step: 'READY' });
  }
}

/** What a ZAP status means (RFC 27 §"Reply"). */
export function zapStatusMeaning(status: number): string {
  switch (status) {
    case 300:
      return 'temporary failure, try later';
    case 400:
      return 'authentication failure';
    case 500:
      return 'internal error in the ZAP handler';
    default:
      return `status ${status}`;
  }
}

/**
 * An ERROR command received during a PLAIN or CURVE handshake (RFC 24/26; libzmq's
 * process_error): the reason is the server's ZAP status. `rejected` says what was rejected
 * ("our PLAIN credentials (user \"bob\")", "our CURVE key …"). Malformed: MALFORMED_COMMAND_ERROR.
 */
export function errorReceived(body: Uint8Array, rejected: string, step: HandshakeStep): ZmtpError {
  if (body.length < 7 || body[6] > body.length - 7) {
    throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_ERROR', 'Malformed ERROR command: reason length exceeds the body', {
      protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_ERROR,
      step: 'ERROR',
    });
  }
  const reason = decoder.decode(body.subarray(7, 7 + body[6]));
  // libzmq reports HANDSHAKE_FAILED_AUTH only for the reasons "300", "400" and "500".
  const status = /^[345]00$/.test(reason) ? Number(reason) : undefined;
  const why = status !== undefined ? `ZAP ${status}: ${zapStatusMeaning(status)}` : `ERROR ${JSON.stringify(reason)}`;
  return new ZmtpError('ERR_ZMTP_AUTH_REJECTED', `The server rejected ${rejected} (${why}) at ${step}`, { reason, zapStatus: status, step });
}

/** An ERROR command's body with a 3-digit ZAP status as its reason (what libzmq sends). */
export function errorBody(status: number): Uint8Array {
  return commandBody('ERROR', Uint8Array.of(3), encoder.encode(String(status)));
}
