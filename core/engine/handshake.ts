/**
 * One connection's security handshake: the mechanism its socket's options select (NULL, PLAIN,
 * CURVE), run on the engine's behalf. It is the {@link MechanismHost} the mechanism talks to: it
 * writes and taps the handshake commands, records and checks the peer's properties (Socket-Type),
 * asks ZAP through the socket, and knows why a peer may have hung up half way. The engine feeds it
 * the frames that arrive before the handshake is done and takes over when it completes.
 */
import { ZmtpError } from '../errors';
import type { ConnectionState, FrameKind } from '../events';
import { securityOf } from '../options';
import { propertyText, type Properties } from '../zmtp/command';
import { SOCKET_TYPE_PROPERTY } from '../zmtp/constants';
import { startsWithCommand, type HandshakeCommand, type Mechanism, type MechanismHost, type MechanismName, type MessageBox } from '../zmtp/mechanism';
import { isLibzmqPlainError } from '../zmtp/plain';
import type { ZapReply } from '../zmtp/zap';
import type { EngineFailure, EngineSession } from './engine-host';
import { askZap, createMechanism, zapAddressOf } from './security';

/** The commands of a security handshake, as the tap names them. */
const HANDSHAKE_COMMANDS: readonly HandshakeCommand[] = ['READY', 'ERROR', 'HELLO', 'WELCOME', 'INITIATE'];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the handshake needs from its engine. */
export interface HandshakeEngine {
  /** Writes one command frame whose body is `body` (name length, name, data). */
  writeCommandFrame(body: Uint8Array): void;
  tap(direction: 'in' | 'out', kind: FrameKind, body: Uint8Array, more: boolean): void;
  enter(state: ConnectionState): void;
  /** Runs a step that may throw a wire error, which then fails the connection as a protocol error. */
  guard(step: () => void): void;
  /** Ends the connection; `flush` first lets what was written go out (a refused client's ERROR). */
  fail(failure: Omit<EngineFailure, 'handshakeDone'>, flush?: boolean): void;
  /** Both sides are done: the engine attaches the pipe and starts the traffic. */
  complete(): void;
  /** Whether the connection has ended (ZAP may answer after that). */
  readonly ended: boolean;
}

export class Handshake implements MechanismHost {
  readonly #session: EngineSession;
  readonly #engine: HandshakeEngine;
  #mechanism: Mechanism | undefined;

  constructor(session: EngineSession, engine: HandshakeEngine) {
    this.#session = session;
    this.#engine = engine;
  }

  /**
   * Starts once the greetings (or the WebSocket upgrade) are done: the mechanism sends what goes
   * first (NULL: READY; PLAIN and CURVE clients: HELLO) and the connection enters READY_EXCHANGE
   * (NULL) or SECURITY_HANDSHAKE.
   */
  start(): void {
    const record = this.#session.record;
    this.#engine.guard(() => {
      const mechanism = createMechanism(this, this.#session.host.options);
      this.#mechanism = mechanism;
      record.mechanism = mechanism.name;
      record.securityRole = mechanism.name === 'NULL' ? undefined : mechanism.role;
      mechanism.start();
      if (!this.#engine.ended && record.state !== 'ACTIVE') this.#engine.enter(mechanism.name === 'NULL' ? 'READY_EXCHANGE' : 'SECURITY_HANDSHAKE');
    });
  }

  /** One frame from the peer before the handshake is done. Throws a ZmtpError to fail it. */
  receive(body: Uint8Array): void {
    const kind = HANDSHAKE_COMMANDS.find((name) => startsWithCommand(body, name)) ?? (isLibzmqPlainError(body) ? 'ERROR' : 'command');
    this.#engine.tap('in', kind, body, false);
    if (kind === 'READY') this.#session.record.readyReceived = true;
    if (!this.#mechanism) throw new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', 'A frame arrived before the greeting was complete');
    this.#mechanism.receive(body);
  }

  /** What the traffic goes through once the handshake is done (CURVE's MESSAGE boxes). */
  get traffic(): MessageBox | undefined {
    return this.#mechanism?.traffic;
  }

  /**
   * Why the peer may have hung up before the handshake completed: the mechanism's explanation, or,
   * during the greeting, libzmq's habit of closing on a mechanism mismatch before it has sent the
   * part of its greeting that names its own mechanism.
   */
  explainClose(): ZmtpError | undefined {
    if (this.#mechanism) return this.#mechanism.explainClose();
    const { mechanism } = securityOf(this.#session.host.options);
    if (mechanism === 'NULL' || this.#session.record.state === 'CONNECTING') return undefined;
    return new ZmtpError(
      'ERR_ZMTP_HANDSHAKE_CLOSED',
      `The peer closed the connection during the greeting, before naming its mechanism: a libzmq peer does that when it does not run ${mechanism} (it reports a mechanism mismatch on its side); check that both sides use ${mechanism}`,
      { step: 'greeting' },
    );
  }

  /** Zeroes the mechanism's keys (the connection ended). */
  dispose(): void {
    this.#mechanism?.dispose();
  }

  // --- MechanismHost ----------------------------------------------------------------------------

  get metadata(): Properties {
    return [[SOCKET_TYPE_PROPERTY, encoder.encode(this.#session.host.socketType)]];
  }

  sendCommand(step: HandshakeCommand, body: Uint8Array): void {
    if (this.#engine.ended) return;
    this.#engine.tap('out', step, body, false);
    if (step === 'READY') this.#session.record.readySent = true;
    this.#engine.writeCommandFrame(body);
  }

  acceptProperties(properties: ReadonlyArray<readonly [string, Uint8Array]>): void {
    const record = this.#session.record;
    const host = this.#session.host;
    // ZAP's properties (already there) win over the peer's own, as in libzmq's mechanism_ready.
    for (const [name, value] of properties) if (!record.zapProperties.has(name)) record.peerProperties[name] = propertyText(value);
    const socketType = properties.find(([name]) => name === SOCKET_TYPE_PROPERTY);
    // The check happens only when the peer sends Socket-Type, exactly and case-sensitively.
    if (socketType && !host.isCompatible(propertyText(socketType[1]))) {
      throw new ZmtpError('ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', `Peer socket type ${JSON.stringify(propertyText(socketType[1]))} is not compatible with ${host.socketType}`);
    }
  }

  requestZap(mechanism: MechanismName, credentials: readonly Uint8Array[]): boolean {
    const { host, record } = this.#session;
    const asker = host.zapAsker();
    if (!asker) return false;
    const request = {
      domain: host.options.zapDomain,
      address: zapAddressOf(record.transport === 'ipc' ? undefined : record.remoteAddress),
      // libzmq sends the server socket's own ZMQ_ROUTING_ID, which a PEER does not have.
      routingId: new Uint8Array(0),
      mechanism,
      credentials,
    };
    askZap(asker, request, host.options.handshakeInterval).then(
      (reply) => {
        if (this.#engine.ended || !this.#mechanism) return;
        this.#engine.guard(() => this.#mechanism!.zapReplied(reply));
      },
      (err: unknown) => {
        if (!(err instanceof ZmtpError)) throw err;
        this.#engine.fail({ kind: 'protocol', error: err });
      },
    );
    return true;
  }

  zapAccepted(reply: ZapReply): void {
    const record = this.#session.record;
    // libzmq: User-Id and the ZAP metadata become connection properties (mechanism_t::set_user_id).
    if (reply.userId.length > 0) {
      record.peerProperties['User-Id'] = decoder.decode(reply.userId);
      record.zapProperties.add('User-Id');
    }
    for (const [name, value] of reply.metadata) {
      record.peerProperties[name] = decoder.decode(value);
      record.zapProperties.add(name);
    }
  }

  refused(error: ZmtpError): void {
    // The ERROR (400, 500) is written; end the wire behind it rather than cut it off.
    this.#engine.fail({ kind: 'protocol', error }, true);
  }

  ready(): void {
    this.#engine.complete();
  }
}
