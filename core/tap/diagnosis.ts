/**
 * Diagnosis in words for one relayed connection: reads the records both directions produce and
 * says what they mean together — a socket-type pair checked against ZMTP's table, a mechanism
 * mismatch, a version downgrade, an ERROR's reason, a heartbeat that timed out, a REQ that asked
 * twice — naming what libzmq 4.3.4 does about it. It sees records only, so it is tested with
 * records alone.
 */
import type { CommandRecord, EventRecord, GreetingRecord, MessageRecord, Severity, TapRecord, TapSide } from './records';
import { pairVerdict } from './socket-types';

/** How a connection ended, as the relay saw it. */
export interface Ending {
  /** The side whose stream ended or failed first. */
  readonly first: TapSide;
  /** A reset or another socket error rather than an orderly close. */
  readonly error?: string;
}

const OTHER: Readonly<Record<TapSide, TapSide>> = { app: 'upstream', upstream: 'app' };

/** What the diagnosis remembers about one side. */
interface SideState {
  greeting?: GreetingRecord;
  socketType?: string;
  /** Time of the last record from this side. */
  lastTraffic?: number;
  /** An unanswered PING (or WebSocket ping): its time and TTL in ms. */
  pendingPing?: { time: number; ttl: number | undefined; name: string };
  /** The TTL (ms) this side's last PING announced: the other side closes after that long without traffic. */
  announcedTtl?: number;
  /** REQ: a request sent and no reply yet. */
  awaitingReply: boolean;
}

/** Watches one connection's records and emits the events that explain them. */
export class ConnectionDiagnosis {
  readonly #connection: number;
  readonly #emit: (record: EventRecord) => void;
  readonly #now: () => number;
  readonly #sides: Record<TapSide, SideState> = { app: { awaitingReply: false }, upstream: { awaitingReply: false } };
  #pairJudged = false;
  #greetingsJudged = false;
  #incompatible = false;

  constructor(connection: number, emit: (record: EventRecord) => void, now: () => number) {
    this.#connection = connection;
    this.#emit = emit;
    this.#now = now;
  }

  /** Whether the socket types were found incompatible (the relay expects the close that follows). */
  get incompatible(): boolean {
    return this.#incompatible;
  }

  /** Looks at one record from either side. */
  observe(record: TapRecord): void {
    if (record.from === undefined) return;
    const side = this.#sides[record.from];
    const other = this.#sides[OTHER[record.from]];
    side.lastTraffic = record.time;
    // Anything from the other side answers a pending ping (libzmq resets its timeout on any input).
    other.pendingPing = undefined;
    if (record.socketType !== undefined) side.socketType = record.socketType;
    switch (record.kind) {
      case 'greeting':
        side.greeting = record;
        if (record.name === 'ZMTP-LEGACY') this.#say('version-downgrade', 'warning', `${record.from} speaks ZMTP ${record.version}: libzmq 4.3.4 falls back to ZMTP ${record.version} with it (no READY metadata, no Socket-Type check, no heartbeats); the tap relays it without decoding`, record.from);
        this.#judgeGreetings();
        break;
      case 'command':
        this.#command(record.from, record);
        break;
      case 'message':
        this.#message(record.from, record);
        break;
      default:
        break;
    }
    this.#judgePair();
  }

  /** The connection ended: say why, where the records tell. */
  ended(ending: Ending): void {
    const closer = ending.first;
    const peer = OTHER[closer];
    const now = this.#now();
    const mine = this.#sides[closer];
    const theirs = this.#sides[peer];
    if (mine.pendingPing !== undefined) {
      const waited = Math.round(now - mine.pendingPing.time);
      this.#say('heartbeat-timeout', 'error', `${closer} closed the connection ${waited} ms after its ${mine.pendingPing.name} went unanswered: a heartbeat timeout (ZMQ_HEARTBEAT_TIMEOUT); ${peer} sent nothing in that time`, closer);
      return;
    }
    const ttl = theirs.announcedTtl;
    if (ttl !== undefined && theirs.lastTraffic !== undefined && now - theirs.lastTraffic >= ttl) {
      this.#say('heartbeat-timeout', 'error', `${closer} closed the connection after ${Math.round(now - theirs.lastTraffic)} ms without traffic from ${peer}, past the ${ttl} ms TTL ${peer}'s PING announced (ZMQ_HEARTBEAT_TTL)`, closer);
      return;
    }
    if (this.#incompatible) return;
    if (mine.socketType === undefined || theirs.socketType === undefined) {
      const stage = mine.greeting === undefined && theirs.greeting === undefined ? 'before any greeting' : 'during the handshake';
      this.#say('handshake-incomplete', 'warning', `${closer} closed the connection ${stage}${ending.error ? ` (${ending.error})` : ''}${this.#handshakeHint(closer)}`, closer);
    }
  }

  #handshakeHint(closer: TapSide): string {
    const mechanism = this.#sides[closer].greeting?.mechanism ?? this.#sides[OTHER[closer]].greeting?.mechanism;
    if (mechanism === 'PLAIN' || mechanism === 'CURVE') return `: with ${mechanism}, a server that refuses the credentials (ZAP) sends ERROR first; libzmq 4.3.4 with no ZAP handler for ${mechanism} closes silently`;
    return '';
  }

  #command(from: TapSide, record: CommandRecord): void {
    const side = this.#sides[from];
    switch (record.name) {
      case 'ERROR':
        this.#say('error-command', 'error', `${from} sent ERROR ${JSON.stringify(record.reason ?? '')}: the handshake ends here and libzmq closes the connection (the other side reports HANDSHAKE_FAILED_${this.#greetingMechanism() === 'NULL' ? 'PROTOCOL' : 'AUTH'})`, from);
        break;
      case 'PING':
        side.pendingPing = { time: record.time, ttl: record.ttl, name: 'PING' };
        side.announcedTtl = record.ttl !== undefined && record.ttl > 0 ? record.ttl : undefined;
        break;
      case 'WS-PING':
        side.pendingPing = { time: record.time, ttl: undefined, name: 'WebSocket ping' };
        break;
      default:
        break;
    }
  }

  #message(from: TapSide, record: MessageRecord): void {
    const side = this.#sides[from];
    const other = this.#sides[OTHER[from]];
    other.awaitingReply = false;
    if (side.socketType !== 'REQ') return;
    if (side.awaitingReply) {
      this.#say('req-sent-twice', 'warning', `REQ ${from} sent a second request (${record.size} bytes) before any reply to the first: a libzmq REQ refuses that (EFSM) unless ZMQ_REQ_RELAXED is set, and then the reply to the first request is dropped`, from);
    }
    side.awaitingReply = true;
  }

  #greetingMechanism(): string | undefined {
    return this.#sides.app.greeting?.mechanism ?? this.#sides.upstream.greeting?.mechanism;
  }

  #judgeGreetings(): void {
    const app = this.#sides.app.greeting;
    const upstream = this.#sides.upstream.greeting;
    if (this.#greetingsJudged || app?.name !== 'ZMTP' || upstream?.name !== 'ZMTP') return;
    this.#greetingsJudged = true;
    if (app.mechanism !== upstream.mechanism) {
      this.#say('mechanism-mismatch', 'error', `mechanism mismatch: app offers ${app.mechanism}, upstream ${upstream.mechanism}; libzmq 4.3.4 closes right after the greeting (HANDSHAKE_FAILED_PROTOCOL, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)`);
      return;
    }
    if (app.version !== upstream.version) {
      const old = app.version === '3.0' ? 'app' : 'upstream';
      this.#say('version-downgrade', 'info', `${old} speaks ZMTP 3.0, the other 3.1: they talk 3.0 (subscriptions as messages, PING/PONG unused)`, old);
    }
    if ((app.mechanism === 'PLAIN' || app.mechanism === 'CURVE') && app.asServer === upstream.asServer) {
      const role = app.asServer ? 'server' : 'client';
      this.#say('mechanism-roles', 'error', `both sides are ${app.mechanism} ${role}s (as-server=${app.asServer ? 1 : 0}): neither will answer the other's ${app.asServer ? 'WELCOME' : 'HELLO'}, and the handshake fails (ZMQ_${app.mechanism}_SERVER belongs on exactly one side)`);
    }
  }

  #judgePair(): void {
    const app = this.#sides.app.socketType;
    const upstream = this.#sides.upstream.socketType;
    if (this.#pairJudged || app === undefined || upstream === undefined) return;
    this.#pairJudged = true;
    const verdict = pairVerdict(app, upstream);
    this.#incompatible = !verdict.compatible;
    this.#say(verdict.compatible ? 'socket-types' : 'incompatible-socket-types', verdict.compatible ? 'info' : 'error', verdict.text);
  }

  #say(name: string, severity: Severity, text: string, from?: TapSide): void {
    this.#emit({ kind: 'event', time: this.#now(), connection: this.#connection, name, severity, text, ...(from ? { from } : {}) });
  }
}
