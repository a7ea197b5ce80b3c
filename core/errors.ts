/**
 * The two error families of the core.
 *
 * - {@link ZmqError}: thrown or rejected by API calls. errno-shaped, with libzmq's code names and
 *   the numbers libzmq reports on Linux (OS errno where the OS defines the code, otherwise
 *   libzmq's own `ZMQ_HAUSNUMERO`-based values).
 * - {@link ZmtpError}: a wire or handshake problem on one connection. It is never thrown at a
 *   caller: the connection that met it is closed and the error travels in a monitor event.
 */

/** libzmq's base for the error numbers it defines itself (zmq.h: `ZMQ_HAUSNUMERO`). */
const ZMQ_HAUSNUMERO = 156384712;

/** The errno codes the core reports, with the number libzmq uses for each on Linux. */
export const ERRNO = {
  ENOENT: 2,
  EAGAIN: 11,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENAMETOOLONG: 36,
  EMSGSIZE: 90,
  ENOTSOCK: 88,
  EPROTONOSUPPORT: 93,
  ENOTSUP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EFSM: ZMQ_HAUSNUMERO + 51,
  ENOCOMPATPROTO: ZMQ_HAUSNUMERO + 52,
  ETERM: ZMQ_HAUSNUMERO + 53,
  EMTHREAD: ZMQ_HAUSNUMERO + 54,
} as const;

export type ZmqErrorCode = keyof typeof ERRNO;

/**
 * Linux errno values that libzmq reports in monitor events rather than as API errors: EPIPE
 * (connection lost) and ETIMEDOUT (handshake or heartbeat timeout) in HANDSHAKE_FAILED_NO_DETAIL,
 * EINPROGRESS in CONNECT_DELAYED. The core reports the same numbers on every platform.
 */
export const LINUX_ERRNO = {
  EPIPE: 32,
  ETIMEDOUT: 110,
  EINPROGRESS: 115,
} as const;

/**
 * The fixed message for each code: `zmq_strerror()`'s text (libzmq's own strings for its own
 * codes, glibc's `strerror` for the rest), so that users can search for them.
 */
export const ERROR_MESSAGES: Readonly<Record<ZmqErrorCode, string>> = {
  ENOENT: 'No such file or directory',
  EAGAIN: 'Resource temporarily unavailable',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENAMETOOLONG: 'File name too long',
  EMSGSIZE: 'Message too long',
  ENOTSOCK: 'Socket operation on non-socket',
  EPROTONOSUPPORT: 'Protocol not supported',
  ENOTSUP: 'Operation not supported',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  EFSM: 'Operation cannot be accomplished in current state',
  ENOCOMPATPROTO: 'The protocol is not compatible with the socket type',
  ETERM: 'Context was terminated',
  EMTHREAD: 'No thread available',
};

const kZmqError = Symbol.for('zmq-peer-debugger.ZmqError');
const kZmtpError = Symbol.for('zmq-peer-debugger.ZmtpError');

/** Extra facts an API error may carry. */
export interface ZmqErrorDetails {
  /** The endpoint the failed call was about. */
  readonly address?: string;
  /** The routing id the failed call was about. */
  readonly routingId?: number;
  /** A more specific explanation, appended to the fixed message. */
  readonly detail?: string;
  readonly cause?: unknown;
}

/** An error from an API call, shaped like libzmq's errno. */
export class ZmqError extends Error {
  override readonly name = 'ZmqError';
  readonly code: ZmqErrorCode;
  readonly errno: number;
  readonly address: string | undefined;
  readonly routingId: number | undefined;

  constructor(code: ZmqErrorCode, details: ZmqErrorDetails = {}) {
    const base = ERROR_MESSAGES[code];
    super(details.detail ? `${base}: ${details.detail}` : base, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.errno = ERRNO[code];
    this.address = details.address;
    this.routingId = details.routingId;
  }

  /** Makes `instanceof` work across two bundled copies of the core (extension and language server). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kZmqError] === true;
  }

  get [kZmqError](): true {
    return true;
  }
}

/** Narrows `err` to a {@link ZmqError}, optionally of one code. */
export function isZmqError<C extends ZmqErrorCode>(err: unknown, code?: C): err is ZmqError & { code: C } {
  return err instanceof ZmqError && (code === undefined || err.code === code);
}

/** The code name of an errno number, or undefined when the core does not know it. */
export function codeOfErrno(errno: number): ZmqErrorCode | undefined {
  for (const [code, value] of Object.entries(ERRNO)) if (value === errno) return code as ZmqErrorCode;
  return undefined;
}

/**
 * libzmq's `ZMQ_PROTOCOL_ERROR_*` values, carried by `HANDSHAKE_FAILED_PROTOCOL` monitor events
 * (zmq.h, draft section).
 */
export const PROTOCOL_ERROR = {
  ZMTP_UNSPECIFIED: 0x10000000,
  ZMTP_UNEXPECTED_COMMAND: 0x10000001,
  ZMTP_INVALID_SEQUENCE: 0x10000002,
  ZMTP_KEY_EXCHANGE: 0x10000003,
  ZMTP_MALFORMED_COMMAND_UNSPECIFIED: 0x10000011,
  ZMTP_MALFORMED_COMMAND_MESSAGE: 0x10000012,
  ZMTP_MALFORMED_COMMAND_HELLO: 0x10000013,
  ZMTP_MALFORMED_COMMAND_INITIATE: 0x10000014,
  ZMTP_MALFORMED_COMMAND_ERROR: 0x10000015,
  ZMTP_MALFORMED_COMMAND_READY: 0x10000016,
  ZMTP_MALFORMED_COMMAND_WELCOME: 0x10000017,
  ZMTP_INVALID_METADATA: 0x10000018,
  ZMTP_CRYPTOGRAPHIC: 0x11000001,
  ZMTP_MECHANISM_MISMATCH: 0x11000002,
  ZAP_UNSPECIFIED: 0x20000000,
  ZAP_MALFORMED_REPLY: 0x20000001,
  ZAP_BAD_REQUEST_ID: 0x20000002,
  ZAP_BAD_VERSION: 0x20000003,
  ZAP_INVALID_STATUS_CODE: 0x20000004,
  ZAP_INVALID_METADATA: 0x20000005,
  WS_UNSPECIFIED: 0x30000000,
} as const;

/**
 * Named wire errors. Each closes the one connection it happened on. The list is the source of the
 * {@link ZmtpErrorCode} type, and docs/errors.md documents every entry (a unit test checks it).
 */
export const ZMTP_ERROR_CODES = [
  'ERR_ZMTP_BAD_SIGNATURE',
  'ERR_ZMTP_UNSUPPORTED_VERSION',
  'ERR_ZMTP_MECHANISM_MISMATCH',
  'ERR_ZMTP_UNEXPECTED_COMMAND',
  'ERR_ZMTP_MALFORMED_COMMAND',
  'ERR_ZMTP_MALFORMED_COMMAND_HELLO',
  'ERR_ZMTP_MALFORMED_COMMAND_WELCOME',
  'ERR_ZMTP_MALFORMED_COMMAND_INITIATE',
  'ERR_ZMTP_MALFORMED_COMMAND_READY',
  'ERR_ZMTP_MALFORMED_COMMAND_MESSAGE',
  'ERR_ZMTP_MALFORMED_COMMAND_ERROR',
  'ERR_ZMTP_INVALID_METADATA',
  'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE',
  'ERR_ZMTP_ERROR_RECEIVED',
  'ERR_ZMTP_AUTH_REJECTED',
  'ERR_ZMTP_HANDSHAKE_CLOSED',
  'ERR_ZMTP_CRYPTOGRAPHIC',
  'ERR_ZMTP_KEY_EXCHANGE',
  'ERR_ZMTP_INVALID_SEQUENCE',
  'ERR_CURVE_WRONG_SERVER_KEY',
  'ERR_ZAP_NO_HANDLER',
  'ERR_ZAP_DENIED',
  'ERR_ZAP_MALFORMED_REPLY',
  'ERR_ZAP_BAD_VERSION',
  'ERR_ZAP_BAD_REQUEST_ID',
  'ERR_ZAP_INVALID_STATUS_CODE',
  'ERR_ZAP_INVALID_METADATA',
  'ERR_ZMTP_MESSAGE_TOO_LARGE',
  'ERR_ZMTP_HANDSHAKE_TIMEOUT',
  'ERR_ZMTP_HEARTBEAT_TIMEOUT',
  'ERR_ZWS_BAD_UPGRADE',
  'ERR_ZWS_TLS',
  'ERR_ZWS_TEXT_FRAME',
  'ERR_ZWS_EMPTY_MESSAGE',
  'ERR_ZWS_FRAGMENTED',
  'ERR_ZWS_UNMASKED_FRAME',
  'ERR_ZWS_MASKED_FRAME',
  'ERR_ZWS_PROTOCOL',
] as const;

export type ZmtpErrorCode = (typeof ZMTP_ERROR_CODES)[number];

/** What a handshake step is called in {@link ZmtpError.step}: a command, or ZAP for the authentication request. */
export type HandshakeStep = 'greeting' | 'HELLO' | 'WELCOME' | 'INITIATE' | 'READY' | 'ERROR' | 'ZAP' | 'MESSAGE';

/** Facts a {@link ZmtpError} may carry beyond its code and message. */
export interface ZmtpErrorDetails {
  /** libzmq's `ZMQ_PROTOCOL_ERROR_*` value for HANDSHAKE_FAILED_PROTOCOL. */
  readonly protocolError?: number;
  /** For ERR_ZMTP_ERROR_RECEIVED and ERR_ZMTP_AUTH_REJECTED: the reason the peer's ERROR command gave. */
  readonly reason?: string;
  /** A ZAP status (300, 400, 500): the failure is reported as HANDSHAKE_FAILED_AUTH with it. */
  readonly zapStatus?: number;
  /** An errno libzmq reports in HANDSHAKE_FAILED_NO_DETAIL for this failure (EFAULT: no ZAP handler). */
  readonly errno?: number;
  /** The handshake step that failed. */
  readonly step?: HandshakeStep;
}

/** A wire or handshake error on one connection. */
export class ZmtpError extends Error {
  override readonly name = 'ZmtpError';
  readonly code: ZmtpErrorCode;
  /**
   * The `ZMQ_PROTOCOL_ERROR_*` value libzmq would report in a `HANDSHAKE_FAILED_PROTOCOL` event,
   * or undefined where libzmq reports none (Socket-Type mismatch, bad metadata: it closes silently).
   */
  readonly protocolError: number | undefined;
  /** For ERR_ZMTP_ERROR_RECEIVED and ERR_ZMTP_AUTH_REJECTED: the reason the peer's ERROR command gave. */
  readonly reason: string | undefined;
  /** The ZAP status behind an authentication failure (HANDSHAKE_FAILED_AUTH carries it). */
  readonly zapStatus: number | undefined;
  /** The errno libzmq reports in HANDSHAKE_FAILED_NO_DETAIL for this failure, when it reports one. */
  readonly errno: number | undefined;
  /** Which step of the handshake failed (a debugger marks it), when the error belongs to one. */
  readonly step: HandshakeStep | undefined;

  /**
   * `details` may be the protocol error value alone (and `reason` the ERROR reason), or an object
   * with every detail.
   */
  constructor(code: ZmtpErrorCode, message: string, details?: number | ZmtpErrorDetails, reason?: string) {
    super(message);
    const given: ZmtpErrorDetails = typeof details === 'number' ? { protocolError: details, reason } : { reason, ...details };
    this.code = code;
    this.protocolError = given.protocolError;
    this.reason = given.reason;
    this.zapStatus = given.zapStatus;
    this.errno = given.errno;
    this.step = given.step;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kZmtpError] === true;
  }

  get [kZmtpError](): true {
    return true;
  }
}
