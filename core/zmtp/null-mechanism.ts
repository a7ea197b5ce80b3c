/**
 * The NULL mechanism (RFC 23 §"The NULL Security Mechanism") as libzmq 4.3.4 runs it
 * (src/null_mechanism.cpp): each side sends READY once the greetings are done and waits for the
 * peer's. With a ZAP domain set, ZAP is asked first and its refusal is sent as ERROR. Part of the
 * pure codec (see constants.ts).
 */
import { ERRNO, ZmtpError } from '../errors';
import { encodeProperties, parseCommand, parseErrorData, parseProperties } from './command';
import {
  commandBody,
  errorBody,
  startsWithCommand,
  unexpectedCommand,
  zapStatusMeaning,
  type Mechanism,
  type MechanismHost,
  type MessageBox,
} from './mechanism';
import type { ZapReply } from './zap';

/** NULL's settings: only ZAP's. */
export interface NullOptions {
  /** ZMQ_ZAP_DOMAIN: with one set, ZAP decides whether the peer may connect. */
  readonly zapDomain: string;
  /** ZMQ_ZAP_ENFORCE_DOMAIN: with a domain but no handler, refuse rather than go on without ZAP. */
  readonly zapEnforceDomain: boolean;
}

export class NullMechanism implements Mechanism {
  readonly name = 'NULL' as const;
  readonly role = 'client' as const;
  readonly traffic: MessageBox | undefined = undefined;
  readonly #host: MechanismHost;
  readonly #options: NullOptions;
  #readySent = false;
  #readyReceived = false;
  #waitingForZap = false;
  #refused = false;

  constructor(host: MechanismHost, options: NullOptions) {
    this.#host = host;
    this.#options = options;
  }

  start(): void {
    if (this.#options.zapDomain !== '') {
      if (this.#host.requestZap('NULL', [])) {
        this.#waitingForZap = true;
        return;
      }
      if (this.#options.zapEnforceDomain) {
        throw new ZmtpError('ERR_ZAP_NO_HANDLER', `ZAP domain ${JSON.stringify(this.#options.zapDomain)} is enforced but no ZAP handler is set: every peer is refused`, {
          errno: ERRNO.EFAULT,
          step: 'ZAP',
        });
      }
    }
    this.#sendReady();
  }

  #sendReady(): void {
    this.#host.sendCommand('READY', commandBody('READY', encodeProperties(this.#host.metadata)));
    this.#readySent = true;
    if (this.#readyReceived) this.#host.ready();
  }

  zapReplied(reply: ZapReply): void {
    this.#waitingForZap = false;
    if (reply.status === 200) {
      this.#host.zapAccepted(reply);
      this.#sendReady();
      return;
    }
    this.#refused = true;
    // libzmq answers 300 with nothing at all, and 400/500 with an ERROR carrying the status.
    if (reply.status !== 300) this.#host.sendCommand('ERROR', errorBody(reply.status));
    this.#host.refused(
      new ZmtpError('ERR_ZAP_DENIED', `The ZAP handler refused the peer (${reply.status} ${reply.statusText || zapStatusMeaning(reply.status)})`, {
        zapStatus: reply.status,
        step: 'ZAP',
      }),
    );
  }

  receive(body: Uint8Array): void {
    // During the NULL handshake libzmq treats every frame as a command and checks only the name
    // prefix, not the COMMAND flag (null_mechanism_t::process_handshake_command).
    if (startsWithCommand(body, 'READY')) {
      if (this.#readyReceived) throw unexpectedCommand(body, 'READY', 'READY', 'a second READY');
      // A truncated property or a stray byte: ERR_ZMTP_INVALID_METADATA with no protocol error
      // value, since libzmq's NULL mechanism closes silently.
      this.#host.acceptProperties(parseProperties(parseCommand(body).data));
      this.#readyReceived = true;
      if (this.#readySent) this.#host.ready();
      return;
    }
    if (this.#readyReceived) throw unexpectedCommand(body, 'READY', 'READY');
    if (startsWithCommand(body, 'ERROR')) {
      const reason = parseErrorData(parseCommand(body).data);
      // libzmq reports HANDSHAKE_FAILED_AUTH only for the reasons "300", "400" and "500".
      const zapStatus = /^[345]00$/.test(reason) ? Number(reason) : undefined;
      throw new ZmtpError('ERR_ZMTP_ERROR_RECEIVED', `Peer refused the handshake: ERROR ${JSON.stringify(reason)}`, { reason, zapStatus, step: 'ERROR' });
    }
    throw unexpectedCommand(body, 'READY', 'READY');
  }

  explainClose(): ZmtpError | undefined {
    return undefined;
  }

  /** Whether ZAP refused the peer: nothing more is sent (libzmq then waits for the peer to go). */
  get refusedByZap(): boolean {
    return this.#refused;
  }

  get waitingForZap(): boolean {
    return this.#waitingForZap;
  }

  dispose(): void {}
}
