/**
 * ZMTP-PLAIN (RFC 24) as libzmq 4.3.4 runs it (src/plain_client.cpp, src/plain_server.cpp): the
 * client sends HELLO with a user name and password in clear, the server asks ZAP and answers
 * WELCOME (or ERROR), the client sends INITIATE with its metadata and the server READY with its
 * own. Part of the pure codec (see constants.ts).
 *
 * ```
 * C: HELLO    05 "HELLO" ulen username plen password
 * S: WELCOME  07 "WELCOME"                 (exactly 8 bytes)
 * C: INITIATE 08 "INITIATE" metadata
 * S: READY    05 "READY" metadata          (or ERROR 05 "ERROR" 03 "400")
 * ```
 */
import { ERRNO, PROTOCOL_ERROR, ZmtpError } from '../errors';
import { encodeProperties } from './command';
import {
  acceptReported,
  checkCommandStructure,
  commandBody,
  errorReceived,
  parseMetadata,
  startsWithCommand,
  unexpectedCommand,
  zapStatusMeaning,
  type Mechanism,
  type MechanismHost,
  type MessageBox,
} from './mechanism';
import type { ZapReply } from './zap';

const decoder = new TextDecoder();

/**
 * The ERROR command as libzmq's PLAIN mechanism writes and expects it, which is not RFC 24's. Its
 * source spells the prefix "\x05ERROR", and C reads "\x05E" as one hex escape, 0x5E: the command
 * goes out as `5E "RROR" 03 "400"`, one byte short (libzmq 4.3.4 and later; its NULL and CURVE
 * mechanisms write "\5ERROR", which is right). A libzmq PLAIN client takes nothing else for an
 * ERROR, so our PLAIN server sends these bytes too; our PLAIN client takes both forms.
 */
export const LIBZMQ_PLAIN_ERROR_PREFIX = Uint8Array.of(0x5e, 0x52, 0x52, 0x4f, 0x52);

/** Whether `body` is libzmq's PLAIN ERROR (see {@link LIBZMQ_PLAIN_ERROR_PREFIX}). */
export function isLibzmqPlainError(body: Uint8Array): boolean {
  if (body.length < LIBZMQ_PLAIN_ERROR_PREFIX.length) return false;
  for (let i = 0; i < LIBZMQ_PLAIN_ERROR_PREFIX.length; i++) if (body[i] !== LIBZMQ_PLAIN_ERROR_PREFIX[i]) return false;
  return true;
}

/** libzmq's PLAIN ERROR carrying a ZAP status: `5E "RROR" 03 "400"`. */
export function libzmqPlainErrorBody(status: number): Uint8Array {
  const reason = String(status);
  const out = new Uint8Array(LIBZMQ_PLAIN_ERROR_PREFIX.length + 1 + reason.length);
  out.set(LIBZMQ_PLAIN_ERROR_PREFIX, 0);
  out[LIBZMQ_PLAIN_ERROR_PREFIX.length] = reason.length;
  for (let i = 0; i < reason.length; i++) out[LIBZMQ_PLAIN_ERROR_PREFIX.length + 1 + i] = reason.charCodeAt(i);
  return out;
}

/** HELLO's body for a user name and password (each at most 255 bytes: options check that). */
export function plainHello(username: Uint8Array, password: Uint8Array): Uint8Array {
  return commandBody('HELLO', Uint8Array.of(username.length), username, Uint8Array.of(password.length), password);
}

/**
 * Reads HELLO's credentials with libzmq's checks: a user name that fits, a password that fills
 * exactly the rest (MALFORMED_COMMAND_HELLO otherwise).
 */
export function parsePlainHello(body: Uint8Array): { username: Uint8Array; password: Uint8Array } {
  const malformed = (detail: string): ZmtpError =>
    new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_HELLO', `Malformed PLAIN HELLO: ${detail}`, { protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO, step: 'HELLO' });
  let offset = 6;
  if (body.length - offset < 1) throw malformed('no user name');
  const usernameLength = body[offset++];
  if (body.length - offset < usernameLength) throw malformed('the user name overruns the command');
  const username = body.subarray(offset, offset + usernameLength);
  offset += usernameLength;
  if (body.length - offset < 1) throw malformed('no password');
  const passwordLength = body[offset++];
  if (body.length - offset !== passwordLength) throw malformed('the password does not fill the rest of the command exactly');
  return { username, password: body.subarray(offset) };
}

/** What a PLAIN client sends. */
export interface PlainClientOptions {
  readonly username: Uint8Array;
  readonly password: Uint8Array;
}

type ClientState = 'start' | 'waitingForWelcome' | 'waitingForReady' | 'ready';

/** The PLAIN client: HELLO → WELCOME → INITIATE → READY. */
export class PlainClient implements Mechanism {
  readonly name = 'PLAIN' as const;
  readonly role = 'client' as const;
  readonly traffic: MessageBox | undefined = undefined;
  readonly #host: MechanismHost;
  readonly #options: PlainClientOptions;
  #state: ClientState = 'start';

  constructor(host: MechanismHost, options: PlainClientOptions) {
    this.#host = host;
    this.#options = options;
  }

  start(): void {
    this.#host.sendCommand('HELLO', plainHello(this.#options.username, this.#options.password));
    this.#state = 'waitingForWelcome';
  }

  receive(body: Uint8Array): void {
    if (startsWithCommand(body, 'WELCOME')) {
      if (this.#state !== 'waitingForWelcome') throw unexpectedCommand(body, 'READY', 'WELCOME', 'a second WELCOME');
      if (body.length !== 8) {
        throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_WELCOME', `Malformed PLAIN WELCOME: ${body.length} bytes instead of 8`, {
          protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_WELCOME,
          step: 'WELCOME',
        });
      }
      this.#host.sendCommand('INITIATE', commandBody('INITIATE', encodeProperties(this.#host.metadata)));
      this.#state = 'waitingForReady';
      return;
    }
    if (startsWithCommand(body, 'READY')) {
      if (this.#state !== 'waitingForReady') throw unexpectedCommand(body, 'WELCOME', 'READY', 'READY before WELCOME');
      const properties = parseMetadata(body.subarray(6), 'READY', true);
      acceptReported(() => this.#host.acceptProperties(properties));
      this.#state = 'ready';
      this.#host.ready();
      return;
    }
    const libzmqError = isLibzmqPlainError(body);
    if (libzmqError || startsWithCommand(body, 'ERROR')) {
      const step = this.#state === 'waitingForWelcome' ? 'HELLO' : 'INITIATE';
      // libzmq's form is one byte shorter: read it as the RFC's by putting the missing byte back.
      const rfcBody = libzmqError ? Uint8Array.of(5, 0x45, ...body.subarray(1)) : body;
      throw errorReceived(rfcBody, `our PLAIN credentials for user ${JSON.stringify(decoder.decode(this.#options.username))}`, step);
    }
    throw unexpectedCommand(body, this.#state === 'waitingForWelcome' ? 'WELCOME' : 'READY', this.#state === 'waitingForWelcome' ? 'WELCOME' : 'READY');
  }

  zapReplied(): void {}

  explainClose(): ZmtpError | undefined {
    if (this.#state === 'waitingForWelcome') {
      return new ZmtpError(
        'ERR_ZMTP_HANDSHAKE_CLOSED',
        'The server closed the connection after our PLAIN HELLO without WELCOME or ERROR: a libzmq PLAIN server does this when it has no ZAP handler (it then refuses every client) or when its ZAP handler answers 300 (temporary failure)',
        { step: 'HELLO' },
      );
    }
    if (this.#state === 'waitingForReady') {
      return new ZmtpError(
        'ERR_ZMTP_HANDSHAKE_CLOSED',
        'The server closed the connection after our INITIATE without READY: it does this when our Socket-Type is not one it talks to, or when our metadata is malformed',
        { step: 'INITIATE' },
      );
    }
    return undefined;
  }

  dispose(): void {}
}

type ServerState = 'waitingForHello' | 'waitingForZap' | 'waitingForInitiate' | 'ready' | 'refused';

/** The PLAIN server: HELLO → ZAP → WELCOME → INITIATE → READY. Without a ZAP handler every client fails. */
export class PlainServer implements Mechanism {
  readonly name = 'PLAIN' as const;
  readonly role = 'server' as const;
  readonly traffic: MessageBox | undefined = undefined;
  readonly #host: MechanismHost;
  #state: ServerState = 'waitingForHello';
  #username = '';

  constructor(host: MechanismHost) {
    this.#host = host;
  }

  /** The server speaks second. */
  start(): void {}

  receive(body: Uint8Array): void {
    switch (this.#state) {
      case 'waitingForHello':
        return this.#hello(body);
      case 'waitingForInitiate':
        return this.#initiate(body);
      default:
        // libzmq: a command while waiting for ZAP or after READY is ZMTP_UNSPECIFIED.
        throw new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', `Unexpected command while ${this.#state === 'waitingForZap' ? 'the ZAP handler decides' : 'the handshake ends'}`, {
          protocolError: PROTOCOL_ERROR.ZMTP_UNSPECIFIED,
          step: 'ZAP',
        });
    }
  }

  #hello(body: Uint8Array): void {
    checkCommandStructure(body, 'HELLO');
    if (!startsWithCommand(body, 'HELLO')) throw unexpectedCommand(body, 'HELLO', 'HELLO');
    const { username, password } = parsePlainHello(body);
    this.#username = decoder.decode(username);
    if (!this.#host.requestZap('PLAIN', [username.slice(), password.slice()])) {
      throw new ZmtpError('ERR_ZAP_NO_HANDLER', 'PLAIN server has no ZAP handler: libzmq then rejects every client (set a zapHandler, or bind a ZapResponder)', {
        errno: ERRNO.EFAULT,
        step: 'ZAP',
      });
    }
    this.#state = 'waitingForZap';
  }

  zapReplied(reply: ZapReply): void {
    if (this.#state !== 'waitingForZap') return;
    if (reply.status === 200) {
      this.#host.zapAccepted(reply);
      this.#host.sendCommand('WELCOME', commandBody('WELCOME'));
      this.#state = 'waitingForInitiate';
      return;
    }
    this.#state = 'refused';
    // libzmq answers 300 with nothing (RFC 26: the client is silently disconnected), 400 and 500
    // with ERROR, in the form its PLAIN clients read (see LIBZMQ_PLAIN_ERROR_PREFIX).
    if (reply.status !== 300) this.#host.sendCommand('ERROR', libzmqPlainErrorBody(reply.status));
    this.#host.refused(
      new ZmtpError(
        'ERR_ZAP_DENIED',
        `The ZAP handler refused PLAIN user ${JSON.stringify(this.#username)} (${reply.status} ${reply.statusText || zapStatusMeaning(reply.status)})`,
        { zapStatus: reply.status, step: 'ZAP' },
      ),
    );
  }

  #initiate(body: Uint8Array): void {
    if (!startsWithCommand(body, 'INITIATE')) throw unexpectedCommand(body, 'INITIATE', 'INITIATE');
    // libzmq's plain server fails bad INITIATE metadata silently (no HANDSHAKE_FAILED event).
    this.#host.acceptProperties(parseMetadata(body.subarray(9), 'INITIATE', false));
    this.#host.sendCommand('READY', commandBody('READY', encodeProperties(this.#host.metadata)));
    this.#state = 'ready';
    this.#host.ready();
  }

  explainClose(): ZmtpError | undefined {
    return undefined;
  }

  dispose(): void {}
}
