/**
 * CurveZMQ over ZMTP (RFC 26 CurveZMQ, RFC 25 ZMTP-CURVE) as libzmq 4.3.4 runs it
 * (src/curve_client_tools.hpp, curve_client.cpp, curve_server.cpp, curve_mechanism_base.cpp).
 * Part of the pure codec (see constants.ts): the crypto is a {@link CurveCrypto}.
 *
 * ```
 * C: HELLO    05 "HELLO" 01 00 · 72 zeros · C' · nonce(8) · Box[64 zeros](C'→S)        200 bytes
 * S: WELCOME  07 "WELCOME" · nonce(16) · Box[S' · cookie](S→C')                        168 bytes
 *             cookie = nonce(16) · SecretBox[C' · s'](K), K fresh per connection
 * C: INITIATE 08 "INITIATE" · cookie · nonce(8) · Box[C · vouch nonce(16) · vouch · metadata](C'→S')
 *             vouch = Box[C' · S](C→S')
 * S: READY    05 "READY" · nonce(8) · Box[metadata](S'→C')
 * both: MESSAGE 07 "MESSAGE" · nonce(8) · Box[flags · payload](C'↔S')
 * ```
 *
 * Short nonces are 64-bit big-endian counters that start at 1 in each direction (the client's
 * HELLO is 1, its INITIATE 2, its first MESSAGE 3; the server's READY is 1), and a MESSAGE whose
 * nonce is not above the last one received ends the connection (INVALID_SEQUENCE).
 */
import { ERRNO, PROTOCOL_ERROR, ZmtpError, type HandshakeStep } from '../errors';
import { encodeProperties } from './command';
import { FLAG_COMMAND, FLAG_MORE } from './constants';
import { BOX_TAG_SIZE, type CurveCrypto, type CurveKeyPair, type CurveSession } from './curve-crypto';
import {
  acceptReported,
  checkCommandStructure,
  commandPrefix,
  errorBody,
  errorReceived,
  parseMetadata,
  startsWithCommand,
  unexpectedCommand,
  zapStatusMeaning,
  type Mechanism,
  type MechanismHost,
  type MessageBox,
} from './mechanism';
import { z85Encode } from './z85';
import type { ZapReply } from './zap';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Nonce prefixes (RFC 26 §"Nonces"). */
const HELLO_PREFIX = ascii('CurveZMQHELLO---');
const WELCOME_PREFIX = ascii('WELCOME-');
const COOKIE_PREFIX = ascii('COOKIE--');
const VOUCH_PREFIX = ascii('VOUCH---');
const INITIATE_PREFIX = ascii('CurveZMQINITIATE');
const READY_PREFIX = ascii('CurveZMQREADY---');
/** MESSAGE nonces: the client's boxes use MESSAGEC, the server's MESSAGES. */
export const MESSAGE_FROM_CLIENT = ascii('CurveZMQMESSAGEC');
export const MESSAGE_FROM_SERVER = ascii('CurveZMQMESSAGES');

const HELLO_SIZE = 200;
const WELCOME_SIZE = 168;
const INITIATE_MIN_SIZE = 257;
const READY_MIN_SIZE = 30;
/** `07 "MESSAGE"` and the 8-byte nonce in front of every MESSAGE box. */
const MESSAGE_HEADER = commandPrefix('MESSAGE');
const MESSAGE_HEADER_SIZE = MESSAGE_HEADER.length + 8;
/** The smallest MESSAGE: header, tag and the flags byte. */
const MESSAGE_MIN_SIZE = MESSAGE_HEADER_SIZE + BOX_TAG_SIZE + 1;
/** The flags byte inside a MESSAGE box (libzmq msg_t flags): MORE and COMMAND. */
const BOX_MORE = 0x01;
const BOX_COMMAND = 0x02;

/** A 24-byte nonce: a prefix and the rest. */
function nonce(prefix: Uint8Array, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(24);
  out.set(prefix, 0);
  out.set(rest, prefix.length);
  return out;
}

/** 8 bytes, big-endian. */
function uint64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  const high = Math.floor(value / 0x100000000);
  const low = value >>> 0;
  out[0] = high >>> 24;
  out[1] = (high >>> 16) & 0xff;
  out[2] = (high >>> 8) & 0xff;
  out[3] = high & 0xff;
  out[4] = low >>> 24;
  out[5] = (low >>> 16) & 0xff;
  out[6] = (low >>> 8) & 0xff;
  out[7] = low & 0xff;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function cryptographic(message: string, step: HandshakeStep): ZmtpError {
  return new ZmtpError('ERR_ZMTP_CRYPTOGRAPHIC', message, { protocolError: PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, step });
}

/** Short nonce bookkeeping: the last one received, compared as 64-bit unsigned. */
class PeerNonce {
  #high = 0;
  #low = 1;

  /** Records `bytes` (8, big-endian) as the last nonce seen, without comparing (handshake). */
  set(bytes: Uint8Array, offset: number): void {
    this.#high = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
    this.#low = ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) | (bytes[offset + 6] << 8) | bytes[offset + 7]) >>> 0;
  }

  /** Whether `bytes` is above the last nonce; records it if so (libzmq records before it decrypts). */
  advance(bytes: Uint8Array, offset: number): boolean {
    const high = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
    const low = ((bytes[offset + 4] << 24) | (bytes[offset + 5] << 16) | (bytes[offset + 6] << 8) | bytes[offset + 7]) >>> 0;
    if (high < this.#high || (high === this.#high && low <= this.#low)) return false;
    this.#high = high;
    this.#low = low;
    return true;
  }

  toString(): string {
    return (BigInt(this.#high) * 0x100000000n + BigInt(this.#low)).toString();
  }
}

function nonceText(bytes: Uint8Array, offset: number): string {
  let value = 0n;
  for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(bytes[offset + i]);
  return value.toString();
}

/**
 * CURVE traffic after the handshake: every message and command travels in a MESSAGE box (RFC 26
 * §"The MESSAGE Command"), written as an ordinary data frame as libzmq 4.3.4 writes it (and any
 * frame whose body is a MESSAGE is accepted, with or without the COMMAND flag).
 */
export class CurveTraffic implements MessageBox {
  readonly #session: CurveSession;
  readonly #allocate: (size: number) => Uint8Array;
  #nextNonce: number;
  readonly #peerNonce: PeerNonce;

  constructor(session: CurveSession, nextNonce: number, peerNonce: PeerNonce, allocate: (size: number) => Uint8Array) {
    this.#session = session;
    this.#nextNonce = nextNonce;
    this.#peerNonce = peerNonce;
    this.#allocate = allocate;
  }

  seal(flags: number, data: Uint8Array): Uint8Array {
    const out = this.#allocate(MESSAGE_MIN_SIZE + data.length);
    out.set(MESSAGE_HEADER, 0);
    const counter = this.#nextNonce++;
    const high = Math.floor(counter / 0x100000000);
    const low = counter >>> 0;
    out[8] = high >>> 24;
    out[9] = (high >>> 16) & 0xff;
    out[10] = (high >>> 8) & 0xff;
    out[11] = high & 0xff;
    out[12] = low >>> 24;
    out[13] = (low >>> 16) & 0xff;
    out[14] = (low >>> 8) & 0xff;
    out[15] = low & 0xff;
    const boxFlags = (flags & FLAG_MORE ? BOX_MORE : 0) | (flags & FLAG_COMMAND ? BOX_COMMAND : 0);
    this.#session.sealMessage(out, MESSAGE_HEADER_SIZE, counter, boxFlags, data);
    return out;
  }

  openedFlags = 0;

  open(body: Uint8Array): Uint8Array {
    if (!startsWithCommand(body, 'MESSAGE')) throw unexpectedCommand(body, 'MESSAGE', 'MESSAGE', `${body.length > 0 ? 'a frame that is not a CURVE MESSAGE' : 'an empty frame'}`);
    if (body.length < MESSAGE_MIN_SIZE) {
      throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_MESSAGE', `Malformed CURVE MESSAGE: ${body.length} bytes, at least ${MESSAGE_MIN_SIZE} needed`, {
        protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_MESSAGE,
        step: 'MESSAGE',
      });
    }
    if (!this.#peerNonce.advance(body, 8)) {
      throw new ZmtpError(
        'ERR_ZMTP_INVALID_SEQUENCE',
        `CURVE MESSAGE nonce ${nonceText(body, 8)} is not above the last one received (${this.#peerNonce}): a replayed or reordered message`,
        { protocolError: PROTOCOL_ERROR.ZMTP_INVALID_SEQUENCE, step: 'MESSAGE' },
      );
    }
    const data = this.#session.openMessage(body, 8, MESSAGE_HEADER_SIZE);
    if (data === undefined) throw cryptographic('A CURVE MESSAGE box did not open: it was altered, or sealed with another key', 'MESSAGE');
    const boxFlags = this.#session.openedFlags;
    this.openedFlags = (boxFlags & BOX_MORE ? FLAG_MORE : 0) | (boxFlags & BOX_COMMAND ? FLAG_COMMAND : 0);
    return data;
  }

  wipe(): void {
    this.#session.wipe();
  }
}

/** What a CURVE client needs: its key pair and the server's public key (32 bytes each). */
export interface CurveClientOptions {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly serverKey: Uint8Array;
  /** Makes the bodies of sealed messages (the engine passes Buffer.allocUnsafe). */
  readonly allocate?: (size: number) => Uint8Array;
}

type ClientState = 'start' | 'expectWelcome' | 'expectReady' | 'ready';

/** The CURVE client: HELLO → WELCOME → INITIATE → READY. */
export class CurveClient implements Mechanism {
  readonly name = 'CURVE' as const;
  readonly role = 'client' as const;
  readonly #host: MechanismHost;
  readonly #crypto: CurveCrypto;
  readonly #options: CurveClientOptions;
  readonly #transient: CurveKeyPair;
  #state: ClientState = 'start';
  #nextNonce = 1;
  readonly #peerNonce = new PeerNonce();
  #serverTransient: Uint8Array | undefined;
  #cookie: Uint8Array | undefined;
  #session: CurveSession | undefined;
  #traffic: CurveTraffic | undefined;

  constructor(host: MechanismHost, crypto: CurveCrypto, options: CurveClientOptions) {
    this.#host = host;
    this.#crypto = crypto;
    // Our own copy of the secret key, as libzmq takes one per connection: the socket may replace
    // (and zero) its key while this handshake runs.
    this.#options = { ...options, secretKey: options.secretKey.slice() };
    this.#transient = crypto.keyPair();
  }

  get traffic(): MessageBox | undefined {
    return this.#traffic;
  }

  start(): void {
    const short = uint64(this.#nextNonce++);
    const signature = this.#crypto.box(new Uint8Array(64), nonce(HELLO_PREFIX, short), this.#options.serverKey, this.#transient.secretKey);
    const hello = new Uint8Array(HELLO_SIZE);
    hello.set(commandPrefix('HELLO'), 0);
    hello[6] = 1;
    hello[7] = 0;
    hello.set(this.#transient.publicKey, 80);
    hello.set(short, 112);
    hello.set(signature, 120);
    this.#host.sendCommand('HELLO', hello);
    this.#state = 'expectWelcome';
  }

  receive(body: Uint8Array): void {
    if (startsWithCommand(body, 'WELCOME')) {
      if (this.#state !== 'expectWelcome') throw unexpectedCommand(body, 'READY', 'WELCOME', 'a second WELCOME');
      this.#welcome(body);
      return;
    }
    if (startsWithCommand(body, 'READY')) {
      if (this.#state !== 'expectReady') throw unexpectedCommand(body, 'WELCOME', 'READY', 'READY before WELCOME');
      this.#ready(body);
      return;
    }
    if (startsWithCommand(body, 'ERROR')) {
      throw errorReceived(body, `our CURVE key ${z85Encode(this.#options.publicKey)}`, this.#state === 'expectWelcome' ? 'HELLO' : 'INITIATE');
    }
    throw unexpectedCommand(body, this.#state === 'expectWelcome' ? 'WELCOME' : 'READY', this.#state === 'expectWelcome' ? 'WELCOME' : 'READY');
  }

  #welcome(body: Uint8Array): void {
    // libzmq reports a WELCOME of the wrong size, like one that does not open, as CRYPTOGRAPHIC.
    if (body.length !== WELCOME_SIZE) throw cryptographic(`Malformed CURVE WELCOME: ${body.length} bytes instead of ${WELCOME_SIZE}`, 'WELCOME');
    const opened = this.#crypto.boxOpen(body.subarray(24, WELCOME_SIZE), nonce(WELCOME_PREFIX, body.subarray(8, 24)), this.#options.serverKey, this.#transient.secretKey);
    if (!opened) {
      throw new ZmtpError(
        'ERR_CURVE_WRONG_SERVER_KEY',
        `The server's public key does not match the one configured (WELCOME box did not open): check curveServerKey (${z85Encode(this.#options.serverKey)})`,
        { protocolError: PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, step: 'WELCOME' },
      );
    }
    this.#serverTransient = opened.slice(0, 32);
    this.#cookie = opened.slice(32, 128);
    opened.fill(0);
    this.#session = this.#crypto.session(this.#serverTransient, this.#transient.secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER);
    this.#host.sendCommand('INITIATE', this.#initiate());
    this.#state = 'expectReady';
  }

  #initiate(): Uint8Array {
    const vouchNonce = this.#crypto.random(16);
    const vouch = this.#crypto.box(concat(this.#transient.publicKey, this.#options.serverKey), nonce(VOUCH_PREFIX, vouchNonce), this.#serverTransient!, this.#options.secretKey);
    const short = uint64(this.#nextNonce++);
    const plaintext = concat(this.#options.publicKey, vouchNonce, vouch, encodeProperties(this.#host.metadata));
    const box = this.#crypto.box(plaintext, nonce(INITIATE_PREFIX, short), this.#serverTransient!, this.#transient.secretKey);
    return concat(commandPrefix('INITIATE'), this.#cookie!, short, box);
  }

  #ready(body: Uint8Array): void {
    if (body.length < READY_MIN_SIZE) {
      throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_READY', `Malformed CURVE READY: ${body.length} bytes, at least ${READY_MIN_SIZE} needed`, {
        protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_READY,
        step: 'READY',
      });
    }
    this.#peerNonce.set(body, 6);
    const metadata = this.#session!.open(body.subarray(14), nonce(READY_PREFIX, body.subarray(6, 14)));
    if (!metadata) throw cryptographic('The CURVE READY box did not open: the server did not complete the key exchange it started', 'READY');
    const properties = parseMetadata(metadata, 'READY', true);
    acceptReported(() => this.#host.acceptProperties(properties));
    this.#traffic = new CurveTraffic(this.#session!, this.#nextNonce, this.#peerNonce, this.#options.allocate ?? ((size) => new Uint8Array(size)));
    this.#state = 'ready';
    this.#forgetHandshake();
    this.#host.ready();
  }

  zapReplied(): void {}

  explainClose(): ZmtpError | undefined {
    if (this.#state === 'expectWelcome') {
      return new ZmtpError(
        'ERR_CURVE_WRONG_SERVER_KEY',
        `The server closed the connection after our CURVE HELLO without a WELCOME: its public key most likely does not match curveServerKey (${z85Encode(this.#options.serverKey)}), so it could not open our HELLO box (or it is not a CURVE server)`,
        { step: 'HELLO' },
      );
    }
    if (this.#state === 'expectReady') {
      return new ZmtpError(
        'ERR_ZMTP_HANDSHAKE_CLOSED',
        'The server closed the connection after our CURVE INITIATE without READY or ERROR: a libzmq server does this when its ZAP handler answers 300 (temporary failure), when our Socket-Type is not one it talks to, or when it enforces a ZAP domain it has no handler for',
        { step: 'INITIATE' },
      );
    }
    return undefined;
  }

  #forgetHandshake(): void {
    this.#transient.secretKey.fill(0);
    this.#options.secretKey.fill(0);
    this.#cookie?.fill(0);
  }

  dispose(): void {
    this.#forgetHandshake();
    if (this.#traffic) this.#traffic.wipe();
    else this.#session?.wipe();
  }
}

/** What a CURVE server needs: its long-term secret key, and ZAP's settings. */
export interface CurveServerOptions {
  readonly secretKey: Uint8Array;
  /** ZMQ_ZAP_DOMAIN ('' when unset). */
  readonly zapDomain: string;
  /** ZMQ_ZAP_ENFORCE_DOMAIN. */
  readonly zapEnforceDomain: boolean;
  readonly allocate?: (size: number) => Uint8Array;
}

type ServerState = 'expectHello' | 'expectInitiate' | 'waitingForZap' | 'ready' | 'refused';

/** The CURVE server: HELLO → WELCOME → INITIATE → (ZAP) → READY. */
export class CurveServer implements Mechanism {
  readonly name = 'CURVE' as const;
  readonly role = 'server' as const;
  readonly #host: MechanismHost;
  readonly #crypto: CurveCrypto;
  readonly #options: CurveServerOptions;
  readonly #transient: CurveKeyPair;
  #state: ServerState = 'expectHello';
  #nextNonce = 1;
  readonly #peerNonce = new PeerNonce();
  #clientTransient: Uint8Array | undefined;
  #clientKey: Uint8Array | undefined;
  #cookieKey: Uint8Array | undefined;
  #session: CurveSession | undefined;
  #traffic: CurveTraffic | undefined;

  constructor(host: MechanismHost, crypto: CurveCrypto, options: CurveServerOptions) {
    this.#host = host;
    this.#crypto = crypto;
    // Our own copy of the secret key (see CurveClient).
    this.#options = { ...options, secretKey: options.secretKey.slice() };
    this.#transient = crypto.keyPair();
  }

  get traffic(): MessageBox | undefined {
    return this.#traffic;
  }

  /** The server speaks second. */
  start(): void {}

  receive(body: Uint8Array): void {
    switch (this.#state) {
      case 'expectHello':
        return this.#hello(body);
      case 'expectInitiate':
        return this.#initiate(body);
      default:
        // libzmq: a command while waiting for ZAP is ZMTP_UNSPECIFIED.
        throw new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', 'Unexpected command while the ZAP handler decides about the client', {
          protocolError: PROTOCOL_ERROR.ZMTP_UNSPECIFIED,
          step: 'ZAP',
        });
    }
  }

  #hello(body: Uint8Array): void {
    checkCommandStructure(body, 'HELLO');
    if (!startsWithCommand(body, 'HELLO')) throw unexpectedCommand(body, 'HELLO', 'HELLO');
    const malformed = (detail: string): ZmtpError =>
      new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_HELLO', `Malformed CURVE HELLO: ${detail}`, { protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO, step: 'HELLO' });
    if (body.length !== HELLO_SIZE) throw malformed(`${body.length} bytes instead of ${HELLO_SIZE}`);
    if (body[6] !== 1 || body[7] !== 0) throw malformed(`CurveZMQ version ${body[6]}.${body[7]} (1.0 expected)`);
    this.#clientTransient = body.slice(80, 112);
    this.#peerNonce.set(body, 112);
    const signature = this.#crypto.boxOpen(body.subarray(120, HELLO_SIZE), nonce(HELLO_PREFIX, body.subarray(112, 120)), this.#clientTransient, this.#options.secretKey);
    if (!signature) {
      const ours = z85Encode(this.#crypto.publicKeyOf(this.#options.secretKey));
      throw cryptographic(`A client's CURVE HELLO box did not open: the client uses another server public key than ours (its curveServerKey must be ${ours})`, 'HELLO');
    }
    this.#host.sendCommand('WELCOME', this.#welcome());
    this.#state = 'expectInitiate';
  }

  #welcome(): Uint8Array {
    const cookieNonce = this.#crypto.random(16);
    this.#cookieKey = this.#crypto.random(32);
    const cookieSecret = concat(this.#clientTransient!, this.#transient.secretKey);
    const cookie = this.#crypto.secretBox(cookieSecret, nonce(COOKIE_PREFIX, cookieNonce), this.#cookieKey);
    cookieSecret.fill(0);
    const welcomeNonce = this.#crypto.random(16);
    const plaintext = concat(this.#transient.publicKey, cookieNonce, cookie);
    const box = this.#crypto.box(plaintext, nonce(WELCOME_PREFIX, welcomeNonce), this.#clientTransient!, this.#options.secretKey);
    return concat(commandPrefix('WELCOME'), welcomeNonce, box);
  }

  #initiate(body: Uint8Array): void {
    checkCommandStructure(body, 'INITIATE');
    if (!startsWithCommand(body, 'INITIATE')) throw unexpectedCommand(body, 'INITIATE', 'INITIATE');
    if (body.length < INITIATE_MIN_SIZE) {
      throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_INITIATE', `Malformed CURVE INITIATE: ${body.length} bytes, at least ${INITIATE_MIN_SIZE} needed`, {
        protocolError: PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_INITIATE,
        step: 'INITIATE',
      });
    }
    const cookie = this.#crypto.secretBoxOpen(body.subarray(25, 105), nonce(COOKIE_PREFIX, body.subarray(9, 25)), this.#cookieKey!);
    if (!cookie) throw cryptographic('The CURVE INITIATE cookie did not open: it is not the cookie this connection sent in WELCOME', 'INITIATE');
    const cookieMatches = equal(cookie.subarray(0, 32), this.#clientTransient!) && equal(cookie.subarray(32, 64), this.#transient.secretKey);
    cookie.fill(0);
    if (!cookieMatches) throw cryptographic('The CURVE INITIATE cookie belongs to another handshake', 'INITIATE');
    this.#peerNonce.set(body, 105);
    const plaintext = this.#crypto.boxOpen(body.subarray(113), nonce(INITIATE_PREFIX, body.subarray(105, 113)), this.#clientTransient!, this.#transient.secretKey);
    if (!plaintext) throw cryptographic('The CURVE INITIATE box did not open', 'INITIATE');
    const clientKey = plaintext.slice(0, 32);
    const vouch = this.#crypto.boxOpen(plaintext.subarray(48, 128), nonce(VOUCH_PREFIX, plaintext.subarray(32, 48)), clientKey, this.#transient.secretKey);
    if (!vouch) {
      throw cryptographic(`The CURVE vouch did not open: the client's INITIATE names public key ${z85Encode(clientKey)} but was not sealed with its secret key`, 'INITIATE');
    }
    // libzmq checks that the vouch names the client's transient key, not the server key behind it.
    if (!equal(vouch.subarray(0, 32), this.#clientTransient!)) {
      throw new ZmtpError('ERR_ZMTP_KEY_EXCHANGE', "The CURVE vouch names another transient key than the client's HELLO", {
        protocolError: PROTOCOL_ERROR.ZMTP_KEY_EXCHANGE,
        step: 'INITIATE',
      });
    }
    this.#clientKey = clientKey;
    this.#session = this.#crypto.session(this.#clientTransient!, this.#transient.secretKey, MESSAGE_FROM_SERVER, MESSAGE_FROM_CLIENT);
    // libzmq curve_server_t::process_initiate: ZAP when a domain is set or the domain is not
    // enforced; without a handler, go on (the "Stonehouse" pattern) unless it is enforced.
    const { zapDomain, zapEnforceDomain } = this.#options;
    let waiting = false;
    if (zapDomain !== '' || !zapEnforceDomain) {
      if (this.#host.requestZap('CURVE', [clientKey.slice()])) waiting = true;
      else if (zapEnforceDomain) {
        throw new ZmtpError('ERR_ZAP_NO_HANDLER', `ZAP domain ${JSON.stringify(zapDomain)} is enforced but no ZAP handler is set: every CURVE client is refused`, {
          errno: ERRNO.EFAULT,
          step: 'ZAP',
        });
      }
    }
    // libzmq parses the metadata after asking ZAP, and fails bad metadata silently.
    this.#host.acceptProperties(parseMetadata(plaintext.subarray(128), 'INITIATE', false));
    plaintext.fill(0);
    if (waiting) this.#state = 'waitingForZap';
    else this.#sendReady();
  }

  zapReplied(reply: ZapReply): void {
    if (this.#state !== 'waitingForZap') return;
    if (reply.status === 200) {
      this.#host.zapAccepted(reply);
      this.#sendReady();
      return;
    }
    this.#state = 'refused';
    // libzmq answers 300 with nothing (RFC 26: the client is silently disconnected), 400 and 500 with ERROR.
    if (reply.status !== 300) this.#host.sendCommand('ERROR', errorBody(reply.status));
    this.#host.refused(
      new ZmtpError(
        'ERR_ZAP_DENIED',
        `The ZAP handler refused CURVE client key ${z85Encode(this.#clientKey!)} (${reply.status} ${reply.statusText || zapStatusMeaning(reply.status)})`,
        { zapStatus: reply.status, step: 'ZAP' },
      ),
    );
  }

  #sendReady(): void {
    const short = uint64(this.#nextNonce++);
    const box = this.#session!.seal(encodeProperties(this.#host.metadata), nonce(READY_PREFIX, short));
    this.#host.sendCommand('READY', concat(commandPrefix('READY'), short, box));
    this.#traffic = new CurveTraffic(this.#session!, this.#nextNonce, this.#peerNonce, this.#options.allocate ?? ((size) => new Uint8Array(size)));
    this.#state = 'ready';
    this.#forgetHandshake();
    this.#host.ready();
  }

  explainClose(): ZmtpError | undefined {
    return undefined;
  }

  #forgetHandshake(): void {
    this.#transient.secretKey.fill(0);
    this.#options.secretKey.fill(0);
    this.#cookieKey?.fill(0);
  }

  dispose(): void {
    this.#forgetHandshake();
    if (this.#traffic) this.#traffic.wipe();
    else this.#session?.wipe();
  }
}
