/**
 * One connection through a terminating CURVE tap: a man in the middle the user sets up on
 * purpose, since CurveZMQ cannot be read passively (its transient keys and the server's cookie
 * key never travel; RFC 26 §"Security"). The tap is the CURVE server on the app's leg, with the
 * secret key of the server the app trusts, and a CURVE client on the upstream's leg, with a
 * client key the upstream accepts; each leg has its own transient keys and nonces (curve.ts runs
 * both roles). Nothing is invented, so the legs go in this order:
 *
 * ```
 * app ──HELLO──▶ tap ──WELCOME──▶ app ──INITIATE(app's metadata)──▶ tap
 *                tap ──HELLO──▶ upstream ──WELCOME──▶ tap ──INITIATE(the same metadata)──▶ upstream
 *                upstream ──READY(its metadata)──▶ tap ──READY(the same metadata)──▶ app
 * ```
 *
 * The app's READY waits for the upstream's, exactly where a CURVE server waits for its ZAP
 * handler: the upstream leg plays the app leg's ZAP. A refusal upstream (ERROR 400/500, or the
 * silent close of ZAP 300 or of an incompatible socket type) is passed to the app the same way,
 * and explained. Afterwards every MESSAGE is opened on one leg, read like a NULL connection's
 * frames (same records), and sealed again on the other; PING/PONG and WebSocket ping/pong pass
 * end to end. A box that does not open, a replayed nonce or a malformed frame on either leg
 * closes both, with a sentence saying what to check.
 *
 * Records show what the two real peers sent: their greetings (or upgrade heads), the app's HELLO
 * and INITIATE, the upstream's WELCOME and READY — INITIATE and READY with their metadata, opened
 * — then commands and messages as decrypted. The tap's own handshake commands are not shown.
 * No key, secret or public, is put in a record except the app's public key in one event.
 */
import type { Socket } from 'node:net';
import { ZmtpError } from '../errors';
import { encodeProperties, type Properties } from '../zmtp/command';
import { FLAG_COMMAND, FLAG_MORE } from '../zmtp/constants';
import { CurveClient, CurveServer } from '../zmtp/curve';
import type { CurveCrypto, CurveKeyPair } from '../zmtp/curve-crypto';
import type { Greeting } from '../zmtp/greeting';
import { commandBody, startsWithCommand, type HandshakeCommand, type MechanismHost } from '../zmtp/mechanism';
import { z85Encode } from '../zmtp/z85';
import { RelayedConnection, type ConnectionHost, type SideTally } from './relayed-connection';
import type { HttpHead } from './http-head';
import type { GreetingRecord, TapRecord, TapSide } from './records';
import type { Framing } from './tap-connection';
import { ZmtpWire, ZwsWire, zwsProtocols, type TerminatedWire, type WireHost, type ZwsTarget } from './terminated-wire';
import { TrafficReader } from './traffic-reader';

const ZWS_CURVE = 'ZWS2.0/CURVE';

/** The keys a terminating tap works with (32 bytes each); the tap wipes them when it stops. */
export interface TerminatingKeys {
  /** The key pair of the server the app trusts: the tap is that server on the app's leg. */
  readonly server: CurveKeyPair;
  /** The key pair the tap presents upstream as a CURVE client. */
  readonly client: CurveKeyPair;
  /** The upstream's public key: the server pair's (the upstream is the server the app trusts). */
  readonly upstreamServerKey: Uint8Array;
}

/** What a terminating connection needs beyond a plain one's host. */
export interface TerminatingHost extends ConnectionHost {
  readonly crypto: CurveCrypto;
  readonly keys: TerminatingKeys;
  /** ws: the upgrade request's Host header and path toward the upstream. */
  readonly zwsTarget: ZwsTarget | undefined;
}

/** One leg: its wire, its CURVE mechanism, the reader of what its peer sends. */
interface Leg {
  readonly side: TapSide;
  wire: TerminatedWire | undefined;
  readonly reader: TrafficReader;
  ready: boolean;
  bytes: number;
  messages: number;
  closed: boolean;
  /** Reading paused until the other leg's socket drains. */
  waitingForDrain: boolean;
}

/** A connection the tap terminates; made by the tap when an app connects (see tap.ts). */
export class CurveTapConnection extends RelayedConnection {
  readonly #host: TerminatingHost;
  readonly #framing: Framing;
  readonly #legs: Record<TapSide, Leg>;
  readonly #server: CurveServer;
  readonly #client: CurveClient;
  /** The app's INITIATE metadata, passed to the upstream in the tap's INITIATE. */
  #appMetadata: Properties = [];
  /** The upstream's READY metadata, passed to the app in the tap's READY. */
  #upstreamMetadata: Properties = [];
  #upstreamStarted = false;
  /** The app's long-term public key, from its INITIATE (a public key: shown in an event). */
  #appClientKey: Uint8Array | undefined;
  #failed = false;
  #now = 0;
  #snaplen = 0;

  constructor(id: number, app: Socket, appAddress: string | undefined, framing: Framing, host: TerminatingHost) {
    super(id, app, appAddress, host);
    this.#host = host;
    this.#framing = framing;
    this.#legs = { app: this.#leg('app'), upstream: this.#leg('upstream') };
    // Sealed bodies are written at once and every byte of them is set: no need to zero them first.
    const allocate = (size: number): Uint8Array => Buffer.allocUnsafe(size);
    this.#server = new CurveServer(this.#mechanismHost('app'), host.crypto, { secretKey: host.keys.server.secretKey, zapDomain: '', zapEnforceDomain: false, allocate });
    this.#client = new CurveClient(this.#mechanismHost('upstream'), host.crypto, {
      publicKey: host.keys.client.publicKey,
      secretKey: host.keys.client.secretKey,
      serverKey: host.keys.upstreamServerKey,
      allocate,
    });
    app.once('close', (hadError: boolean) => this.#socketClosed('app', hadError));
  }

  /** Starts both legs once the upstream stream is connected. */
  attach(upstream: Socket, upstreamAddress: string | undefined): void {
    if (!this.attachUpstream(upstream, upstreamAddress)) return;
    const app = this.app;
    upstream.once('close', (hadError: boolean) => this.#socketClosed('upstream', hadError));
    const zws = this.#framing === 'zws';
    this.#legs.app.wire = zws ? new ZwsWire(app, true, this.#wireHost('app')) : new ZmtpWire(app, true, this.#wireHost('app'));
    this.#legs.upstream.wire = zws ? new ZwsWire(upstream, false, this.#wireHost('upstream'), this.#host.zwsTarget) : new ZmtpWire(upstream, false, this.#wireHost('upstream'));
    for (const leg of Object.values(this.#legs)) {
      const socket = leg.wire!.socket;
      socket.on('data', (chunk: Buffer) => {
        leg.bytes += chunk.length;
        this.#now = this.#host.now();
        this.#snaplen = this.#host.snaplen();
      });
      socket.once('end', () => this.#socketEnded(leg.side));
    }
    // The 'data' listeners above count bytes and set the clock before the wires read.
    this.#legs.app.wire.begin();
    this.#legs.upstream.wire.begin();
    app.resume();
  }

  protected tally(side: TapSide): SideTally {
    return this.#legs[side];
  }

  protected released(): void {
    // Transient secrets, cookies and session keys of both legs are zeroed.
    this.#server.dispose();
    this.#client.dispose();
  }

  #leg(side: TapSide): Leg {
    const host = this.#host;
    const reader = new TrafficReader({
      side,
      connection: this.id,
      showPasswords: host.showPasswords,
      snaplen: () => this.#snaplen,
      now: () => this.#now,
      emit: (record) => this.#onRecord(record),
      greetingEnded: () => undefined,
    });
    return { side, wire: undefined, reader, ready: false, bytes: 0, messages: 0, closed: false, waitingForDrain: false };
  }

  // --- The opening: greetings or upgrades ------------------------------------------------------

  #wireHost(side: TapSide): WireHost {
    return {
      greeting: (raw, greeting) => this.#guard(side, () => this.#greeting(side, raw, greeting)),
      httpHead: (raw, head) => this.#guard(side, () => this.#httpHead(side, raw, head)),
      frame: (flags, body) => this.#guard(side, () => this.#frame(side, flags, body)),
      control: (opcode, payload) => this.#guard(side, () => this.#control(side, opcode, payload)),
      failed: (error) => this.#fail(side, `${side} sent what is not ${this.#framing === 'zws' ? 'ZWS 2.0' : 'ZMTP 3'} (${error.message})`),
    };
  }

  #greeting(side: TapSide, raw: Uint8Array, greeting: Greeting): void {
    this.#legs[side].reader.greeting(raw, 0);
    if (greeting.mechanism !== 'CURVE') {
      this.#fail(side, this.#notCurve(side, greeting.mechanism));
      return;
    }
    // Each side is told the other's minor version (3.0 and 3.1 frame subscriptions differently).
    if (side === 'app') this.#legs.upstream.wire!.open(greeting.minor);
    else this.#legs.app.wire!.open(greeting.minor);
  }

  #httpHead(side: TapSide, raw: Uint8Array, head: HttpHead): void {
    const leg = this.#legs[side];
    leg.reader.httpHead(raw, 0);
    const protocols = zwsProtocols(head);
    if (side === 'app') {
      if (head.startLine[0] !== 'GET' || !head.headers.has('sec-websocket-key')) return this.#fail('app', 'app sent an HTTP request that is not a WebSocket upgrade');
      if (!protocols.includes(ZWS_CURVE)) return this.#fail('app', this.#notCurve('app', protocols.join(', ') || 'no sub-protocol'));
      (leg.wire as ZwsWire).requestKey = head.headers.get('sec-websocket-key')!;
      this.#legs.upstream.wire!.open(1);
      return;
    }
    const status = Number(head.startLine[1]);
    if (status !== 101) return this.#fail('upstream', `upstream refused the WebSocket upgrade (HTTP ${head.startLine.slice(1).join(' ')}): check the path of the upstream endpoint`);
    if (protocols[0] !== ZWS_CURVE) return this.#fail('upstream', this.#notCurve('upstream', protocols[0] ?? 'no sub-protocol'));
    if (!(leg.wire as ZwsWire).acceptsKey(head)) return this.#fail('upstream', "upstream's 101 response has a Sec-WebSocket-Accept that does not match the tap's key (RFC 6455 §4.1)");
    for (const each of Object.values(this.#legs)) {
      each.reader.mechanism = 'CURVE';
      each.reader.version = '3.1';
    }
    this.#legs.app.wire!.open(1);
  }

  #notCurve(side: TapSide, offered: string): string {
    const server = z85Encode(this.#host.keys.server.publicKey);
    return side === 'app'
      ? `app offers ${offered}, not CURVE: a terminating tap needs the app to be a CURVE client of server key ${server} (the public key of the server secret the tap was given); run the tap without its CURVE keys to relay other mechanisms`
      : `upstream offers ${offered}, not CURVE: a terminating tap needs a CURVE server upstream (the one whose secret key the tap was given, public key ${server}); run the tap without its CURVE keys to relay other mechanisms`;
  }

  // --- Frames: the handshakes, then MESSAGE boxes ---------------------------------------------

  #frame(side: TapSide, flags: number, body: Uint8Array): void {
    const leg = this.#legs[side];
    if (leg.ready) {
      this.#message(side, body);
      return;
    }
    const mechanism = side === 'app' ? this.#server : this.#client;
    const opensMetadata = startsWithCommand(body, side === 'app' ? 'INITIATE' : 'READY');
    // INITIATE and READY are recorded opened (by the mechanism host); the rest as they came.
    if (!opensMetadata) leg.reader.frame(flags | FLAG_COMMAND, body.length, body);
    try {
      mechanism.receive(body);
    } catch (err) {
      if (opensMetadata && !leg.reader.opened) leg.reader.frame(flags | FLAG_COMMAND, body.length, body);
      this.#handshakeFailed(side, err);
      return;
    }
    // The app's INITIATE is in (and ZAP asked, which here means the upstream): start the upstream's handshake.
    if (side === 'app' && leg.reader.opened && !this.#upstreamStarted) {
      this.#upstreamStarted = true;
      this.#sayClientKeys();
      this.#client.start();
    }
  }

  #message(side: TapSide, body: Uint8Array): void {
    const leg = this.#legs[side];
    const other = this.#legs[side === 'app' ? 'upstream' : 'app'];
    const from = (side === 'app' ? this.#server : this.#client).traffic!;
    const to = (side === 'app' ? this.#client : this.#server).traffic;
    let data: Uint8Array;
    try {
      data = from.open(body);
    } catch (err) {
      this.#fail(side, this.#boxFailure(side, err));
      return;
    }
    const flags = from.openedFlags;
    // Kept for display: a view when whole, a copy of the head when cut (so the record does not hold a large body).
    const keep = leg.reader.bytesFor(flags);
    leg.reader.frame(flags, data.length, keep >= data.length ? data : data.slice(0, keep));
    if (!(flags & (FLAG_COMMAND | FLAG_MORE))) leg.messages++;
    if (to === undefined) {
      this.#fail(side, `${side} sent a message before the other leg's handshake was done`);
      return;
    }
    this.#forward(leg, other, other.wire!.sendFrame(0, to.seal(flags, data)));
  }

  /** WebSocket ping and pong pass end to end, so liveness is the peers' own. */
  #control(side: TapSide, opcode: number, payload: Uint8Array): void {
    const leg = this.#legs[side];
    leg.reader.control(opcode, payload);
    this.#legs[side === 'app' ? 'upstream' : 'app'].wire?.sendControl(opcode, payload);
  }

  /** Backpressure: a full target pauses the source until it drains. */
  #forward(source: Leg, target: Leg, written: boolean): void {
    if (written || source.waitingForDrain) return;
    source.waitingForDrain = true;
    const from = source.wire!.socket;
    from.pause();
    target.wire!.socket.once('drain', () => {
      source.waitingForDrain = false;
      from.resume();
    });
  }

  #mechanismHost(side: TapSide): MechanismHost {
    const leg = (): Leg => this.#legs[side];
    // What the tap announces on a leg is what the other side announced (nothing is invented).
    const metadata = (): Properties => (side === 'app' ? this.#upstreamMetadata : this.#appMetadata);
    return {
      get metadata() {
        return metadata();
      },
      acceptProperties: (opened) => {
        // The peer's INITIATE (app) or READY (upstream) metadata, opened: recorded, and passed on.
        // Copies: the values are views of the opened box, which the mechanism zeroes next.
        const properties = opened.map(([name, value]) => [name, value.slice()] as const);
        if (side === 'app') this.#appMetadata = properties;
        else this.#upstreamMetadata = properties;
        const reader = leg().reader;
        reader.opened = true;
        const body = commandBody(side === 'app' ? 'INITIATE' : 'READY', encodeProperties(properties));
        reader.frame(FLAG_COMMAND, body.length, body);
      },
      sendCommand: (_step: HandshakeCommand, body: Uint8Array) => {
        leg().wire!.sendFrame(FLAG_COMMAND, body);
      },
      // The app leg's "ZAP handler" is the upstream: its READY (or refusal) answers.
      requestZap: (_mechanism, credentials) => {
        if (side === 'app') this.#appClientKey = credentials[0]?.slice();
        return side === 'app';
      },
      zapAccepted: () => undefined,
      refused: () => undefined,
      ready: () => {
        leg().ready = true;
        // The upstream is ready: the app gets READY with the upstream's metadata.
        if (side === 'upstream') this.#server.zapReplied({ status: 200, statusText: '', userId: new Uint8Array(0), metadata: [] });
      },
    };
  }

  /** Which client key the app used and which one the upstream will see (the upstream's ZAP judges the latter). */
  #sayClientKeys(): void {
    if (this.#appClientKey === undefined) return;
    const app = z85Encode(this.#appClientKey);
    const tap = z85Encode(this.#host.keys.client.publicKey);
    this.say('client-keys', 'info', `app's CURVE client key is ${app}; the upstream sees ${app === tap ? 'the same key (the tap was given the app\'s own)' : `the tap's client key ${tap}`}`, 'app');
  }

  // --- Failures and closes ----------------------------------------------------------------------

  /** Runs one step of a leg; whatever it throws fails the connection rather than the process. */
  #guard(side: TapSide, step: () => void): void {
    if (this.#failed) return;
    try {
      step();
    } catch (err) {
      this.#fail(side, `the tap could not go on with ${side}'s ${this.#framing === 'zws' ? 'ZWS' : 'ZMTP'} stream (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /** A handshake step failed on a leg: say what to check, pass a refusal on to the app, close both. */
  #handshakeFailed(side: TapSide, err: unknown): void {
    const error = err instanceof ZmtpError ? err : undefined;
    const message = err instanceof Error ? err.message : String(err);
    if (side === 'app') {
      const server = z85Encode(this.#host.keys.server.publicKey);
      if (error?.step === 'HELLO' && error.code === 'ERR_ZMTP_CRYPTOGRAPHIC') {
        this.#fail('app', `app's CURVE HELLO did not open with the server key the tap was given: the app trusts another server public key than ${server}; give the tap the secret key of the server whose public key the app has as CURVE_SERVERKEY`);
      } else if (error?.code === 'ERR_ZMTP_CRYPTOGRAPHIC' && /vouch/.test(message)) {
        this.#fail('app', `app's CURVE INITIATE carries a vouch that does not open: the app's client public and secret keys do not belong together (${message})`);
      } else this.#fail('app', `app's CURVE handshake failed: ${message}`);
      return;
    }
    const client = z85Encode(this.#host.keys.client.publicKey);
    if (error?.code === 'ERR_ZMTP_AUTH_REJECTED' && error.zapStatus !== undefined) {
      // The same refusal, passed on: ERROR with the status (libzmq sends none for 300).
      this.#server.zapReplied({ status: error.zapStatus, statusText: '', userId: new Uint8Array(0), metadata: [] });
      this.#fail(
        'upstream',
        `upstream refused the tap's CURVE client key ${client} (ZAP ${error.zapStatus}): its ZAP handler must accept the client key the tap was given (the app's own, or add ${client} to its allow-list); the app was sent ${error.zapStatus === 300 ? 'nothing (as libzmq for ZAP 300)' : `the same ERROR ${error.zapStatus}`}`,
      );
      return;
    }
    if (error?.code === 'ERR_CURVE_WRONG_SERVER_KEY') {
      this.#fail('upstream', `upstream's CURVE WELCOME did not open: the upstream is not the server whose secret key the tap was given (public key ${z85Encode(this.#host.keys.upstreamServerKey)})`);
      return;
    }
    this.#fail('upstream', `upstream's CURVE handshake failed: ${message}`);
  }

  #boxFailure(side: TapSide, err: unknown): string {
    const error = err instanceof ZmtpError ? err : undefined;
    const message = err instanceof Error ? err.message : String(err);
    if (error?.code === 'ERR_ZMTP_INVALID_SEQUENCE') return `${side} sent a replayed or reordered CURVE MESSAGE (${message}); the tap closed both legs, as libzmq would close the connection`;
    if (error?.code === 'ERR_ZMTP_CRYPTOGRAPHIC') return `a CURVE MESSAGE from ${side} did not open: altered on the way, or sealed with another key; the tap closed both legs`;
    return `${side} sent a frame the tap cannot open (${message}); the tap closed both legs`;
  }

  /** Ends both legs (pending writes, an ERROR among them, go out first) and says why. */
  #fail(side: TapSide, text: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.endByTap(text);
    this.say('terminating-failed', 'error', text, side);
    for (const leg of Object.values(this.#legs)) leg.wire?.stop();
    this.app.end();
    this.upstream?.end();
    this.afterGrace(() => this.destroy(text));
  }

  #socketEnded(side: TapSide): void {
    this.noteEnd(side);
    this.#explainHandshakeClose(side);
    const other = side === 'app' ? this.upstream : this.app;
    if (other && !other.destroyed) other.end();
    this.reportEnd();
    this.afterGrace(() => this.destroy(`${side} closed`));
  }

  #socketClosed(side: TapSide, hadError: boolean): void {
    this.noteEnd(side, hadError ? 'reset' : undefined);
    this.#legs[side].closed = true;
    const upstream = this.upstream;
    if (upstream === undefined) {
      this.finish();
      return;
    }
    this.#explainHandshakeClose(side);
    const other = side === 'app' ? upstream : this.app;
    if (hadError) other.destroy();
    else if (!other.destroyed) other.end();
    this.reportEnd();
    this.afterGrace(() => other.destroy());
    if (this.#legs.app.closed && this.#legs.upstream.closed) this.finish();
  }

  /** The upstream hung up during its handshake: libzmq does that silently, so say what it means. */
  #explainHandshakeClose(side: TapSide): void {
    if (this.#failed || side !== 'upstream' || !this.#upstreamStarted || this.#legs.upstream.ready) return;
    const why = this.#client.explainClose();
    if (why === undefined) return;
    if (why.step === 'HELLO') {
      this.#fail('upstream', `upstream closed the connection after the tap's CURVE HELLO: it could not open it, so it is not the server whose secret key the tap was given (public key ${z85Encode(this.#host.keys.upstreamServerKey)})`);
    } else {
      this.#fail(
        'upstream',
        `upstream closed the connection after the tap's CURVE INITIATE without READY or ERROR: libzmq does this when its ZAP handler answers 300, or when the app's socket type (${this.#legs.app.reader.socketType ?? 'unknown'}) is not one it talks to; the app's connection is closed the same way`,
      );
    }
  }

  /** Every record of either reader: greetings marked as terminated (a capture writes them as NULL), then shown and judged. */
  #onRecord(record: TapRecord): void {
    const marked = record.kind === 'greeting' ? ({ ...record, terminated: true } satisfies GreetingRecord) : record;
    this.#host.emit(marked);
    this.diagnosis.observe(marked);
  }
}
