/**
 * The handshake ladder of every connection: a sequence diagram of one connection attempt, built
 * from what the core already reports (`monitor`, `connection` and `frame` events): the TCP (or
 * ipc, ws…) connect or accept, both greetings, both READYs with their properties, then the first
 * heartbeats and the first data frames each way; or the exact step where it failed, with the
 * named error and what to do about it.
 *
 * Bounded: a ladder records at most {@link MAX_STEPS} steps per attempt and stops recording data
 * and heartbeats after the first few, so at 50,000 msgs/s a frame costs one map look-up. A retry
 * loop keeps the attempt under way and the last failed one. No vscode import.
 */
import type { ConnectionInfo, FrameRecord, MonitorEvent } from '../core/index';
import type { LadderAttempt, LadderStep, LadderView } from '../webview/protocol';
import { commandName, summariseData, summariseError, summariseGreeting, summarisePing, summariseReady } from './frame-summary';

/** Steps one attempt keeps at most. */
export const MAX_STEPS = 32;
/** Data frames recorded per direction after the handshake. */
export const FIRST_DATA_FRAMES = 3;
/** Heartbeats (PING, PONG, ws-ping, ws-pong) recorded per direction. */
export const FIRST_HEARTBEATS = 2;

/** Turns an error code into a sentence saying what to do (extension/error-explanations.ts). */
export type Advisor = (code: string) => string;

interface Attempt {
  attempt: number;
  steps: LadderStep[];
  outcome: LadderAttempt['outcome'];
  error: LadderAttempt['error'];
  dataIn: number;
  dataOut: number;
  beatsIn: number;
  beatsOut: number;
  /** The attempt ended before the byte stream was up (refused, unreachable): its error comes with the next state. */
  closedBeforeConnected: boolean;
  connected: boolean;
  /** A retry announced before the failure it follows is known (the core says why with the next state). */
  retryNote: LadderStep | null;
  /** HANDSHAKE_FAILED_NO_DETAIL came without a named error: the peer closed during the handshake. */
  closedInHandshake: boolean;
}

interface Ladder {
  readonly socketId: string;
  readonly connectionId: number;
  current: Attempt;
  lastFailed: Attempt | null;
  attempts: number;
}

function newAttempt(n: number): Attempt {
  return { attempt: n, steps: [], outcome: 'pending', error: null, dataIn: 0, dataOut: 0, beatsIn: 0, beatsOut: 0, closedBeforeConnected: false, connected: false, retryNote: null, closedInHandshake: false };
}

/** The code at the start of a core error text (`ECONNREFUSED: …`, `ERR_ZMTP_…: …`), if any. */
export function errorCodeOf(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /\b(ERR_Z[A-Z_]+|E[A-Z]{3,})\b/.exec(text)?.[1];
}

/** Every connection's ladder, keyed `socketId/connectionId`. */
export class HandshakeLadders {
  readonly #ladders = new Map<string, Ladder>();
  readonly #dirty = new Set<string>();
  readonly #advise: Advisor;

  constructor(advise: Advisor) {
    this.#advise = advise;
  }

  /** A monitor event: attempts start (CONNECT_DELAYED, ACCEPTED), connect, succeed or fail here. */
  onMonitor(socketId: string, event: MonitorEvent): void {
    if (event.connectionId === undefined) return;
    const key = `${socketId}/${event.connectionId}`;
    switch (event.type) {
      case 'CONNECT_DELAYED': {
        const ladder = this.#ladder(key, socketId, event.connectionId);
        this.#startAttempt(ladder);
        this.#step(ladder, { time: event.time, direction: 'out', kind: 'net', label: `${schemeOf(event.endpoint)} connect`, detail: event.endpoint });
        break;
      }
      case 'ACCEPTED': {
        const ladder = this.#ladder(key, socketId, event.connectionId);
        this.#startAttempt(ladder);
        ladder.current.connected = true;
        this.#step(ladder, { time: event.time, direction: 'in', kind: 'net', label: `${schemeOf(event.endpoint)} accepted`, detail: `on ${event.endpoint}` });
        break;
      }
      case 'CONNECTED': {
        const ladder = this.#ladders.get(key);
        if (ladder === undefined) return;
        ladder.current.connected = true;
        this.#step(ladder, { time: event.time, direction: 'in', kind: 'net', label: 'connected', detail: null });
        break;
      }
      case 'CLOSED': {
        const ladder = this.#ladders.get(key);
        if (ladder !== undefined && !ladder.current.connected) ladder.current.closedBeforeConnected = true;
        return;
      }
      case 'CONNECT_RETRIED': {
        const ladder = this.#ladders.get(key);
        if (ladder === undefined) return;
        const note: LadderStep = { time: event.time, direction: 'local', kind: 'note', label: `retry in ${event.value} ms`, detail: null };
        if (ladder.current.outcome === 'failed') this.#step(ladder, note);
        else ladder.current.retryNote = note;
        break;
      }
      case 'HANDSHAKE_SUCCEEDED': {
        const ladder = this.#ladders.get(key);
        if (ladder === undefined) return;
        ladder.current.outcome = 'active';
        this.#step(ladder, { time: event.time, direction: 'local', kind: 'note', label: 'ACTIVE', detail: event.routingId === undefined ? null : `routing id #${event.routingId}` });
        break;
      }
      default: {
        // HANDSHAKE_FAILED_*, DISCONNECTED: the named error, when the core gives one.
        if (event.error === undefined) {
          // libzmq's own name for a handshake the peer hung up on; why is told with the next state.
          const ladder = this.#ladders.get(key);
          if (event.type === 'HANDSHAKE_FAILED_NO_DETAIL' && ladder !== undefined) ladder.current.closedInHandshake = true;
          return;
        }
        const ladder = this.#ladders.get(key);
        if (ladder === undefined || ladder.current.error !== null) return;
        this.#fail(ladder, event.time, event.error.code, event.error.message);
        break;
      }
    }
    this.#dirty.add(key);
  }

  /** A connection snapshot: ws/wss stages, and the error of an attempt that failed before its stream was up. */
  onConnection(socketId: string, info: ConnectionInfo): void {
    const key = `${socketId}/${info.id}`;
    let ladder = this.#ladders.get(key);
    if (ladder === undefined) {
      // The first snapshot of a connection comes before its first monitor event (and inproc has none).
      if (info.state === 'TERMINATED' || info.state === 'DISCONNECTED') return;
      ladder = this.#ladder(key, socketId, info.id);
      this.#startAttempt(ladder);
      this.#dirty.add(key);
    }
    const current = ladder.current;
    if (info.state === 'TLS_HANDSHAKE' || info.state === 'HTTP_UPGRADE') {
      this.#step(ladder, { time: Date.now(), direction: 'out', kind: 'net', label: info.state === 'TLS_HANDSHAKE' ? 'TLS handshake' : 'HTTP upgrade (ZWS 2.0)', detail: null });
    } else if ((info.state === 'WAIT_RECONNECT' || info.state === 'DISCONNECTED') && current.outcome === 'pending' && current.error === null) {
      // Refused, unreachable, closed during the handshake: the core tells why in lastError.
      const text = info.lastError ?? (current.closedBeforeConnected ? 'the connection could not be made' : 'the connection was closed');
      if (current.closedInHandshake) {
        const [where, advice] = hangUp(current.steps);
        this.#fail(ladder, Date.now(), 'HANDSHAKE_FAILED_NO_DETAIL', `${text}: ${where}`, advice);
      } else {
        this.#fail(ladder, Date.now(), errorCodeOf(text) ?? 'ECONNCLOSED', text);
      }
      if (current.retryNote !== null) this.#step(ladder, current.retryNote);
    } else {
      return;
    }
    this.#dirty.add(key);
  }

  /** A frame from the tap: handshake frames always, then the first heartbeats and data frames. */
  onFrame(socketId: string, frame: FrameRecord): void {
    const key = `${socketId}/${frame.connectionId}`;
    const ladder = this.#ladders.get(key);
    if (ladder === undefined) return;
    const a = ladder.current;
    const dir = frame.direction;
    let step: LadderStep;
    switch (frame.kind) {
      case 'data': {
        if ((dir === 'in' ? a.dataIn : a.dataOut) >= FIRST_DATA_FRAMES) return;
        if (dir === 'in') a.dataIn++;
        else a.dataOut++;
        step = { time: frame.time, direction: dir, kind: 'data', label: `data ${frame.size} B`, detail: summariseData(frame.body) };
        break;
      }
      case 'PING':
      case 'PONG':
      case 'ws-ping':
      case 'ws-pong': {
        if ((dir === 'in' ? a.beatsIn : a.beatsOut) >= FIRST_HEARTBEATS) return;
        if (dir === 'in') a.beatsIn++;
        else a.beatsOut++;
        step = { time: frame.time, direction: dir, kind: 'heartbeat', label: frame.kind, detail: frame.kind === 'PING' ? summarisePing(frame.body) : null };
        break;
      }
      case 'greeting':
        step = { time: frame.time, direction: dir, kind: 'greeting', label: 'greeting', detail: summariseGreeting(frame.body) };
        break;
      case 'READY':
        step = { time: frame.time, direction: dir, kind: 'command', label: 'READY', detail: summariseReady(frame.body) };
        break;
      case 'ERROR':
        step = { time: frame.time, direction: dir, kind: 'command', label: 'ERROR', detail: summariseError(frame.body) };
        break;
      case 'command':
        step = { time: frame.time, direction: dir, kind: 'command', label: commandName(frame.body) || 'command', detail: `${frame.size} B` };
        break;
      default:
        return;
    }
    this.#step(ladder, step);
    this.#dirty.add(key);
  }

  /** The ladder of one connection, if it has one. */
  view(socketId: string, connectionId: number): LadderView | undefined {
    const ladder = this.#ladders.get(`${socketId}/${connectionId}`);
    return ladder === undefined ? undefined : viewOf(ladder);
  }

  /** Every ladder, for a snapshot. */
  views(): LadderView[] {
    return [...this.#ladders.values()].map(viewOf);
  }

  /** The ladders that changed since the last call (each once). */
  takeChanged(): LadderView[] {
    const out: LadderView[] = [];
    for (const key of this.#dirty) {
      const ladder = this.#ladders.get(key);
      if (ladder !== undefined) out.push(viewOf(ladder));
    }
    this.#dirty.clear();
    return out;
  }

  /** Whether the connection's latest attempt failed (its ladder ends in an error before ACTIVE). */
  handshakeFailed(socketId: string, connectionId: number): boolean {
    const ladder = this.#ladders.get(`${socketId}/${connectionId}`);
    return ladder !== undefined && ladder.current.outcome === 'failed' && !ladder.current.steps.some((s) => s.label === 'ACTIVE');
  }

  /** Forgets one connection's ladder. */
  remove(socketId: string, connectionId: number): void {
    this.#ladders.delete(`${socketId}/${connectionId}`);
    this.#dirty.delete(`${socketId}/${connectionId}`);
  }

  /** Forgets every ladder of a socket. */
  removeSocket(socketId: string): void {
    for (const [key, ladder] of this.#ladders) {
      if (ladder.socketId !== socketId) continue;
      this.#ladders.delete(key);
      this.#dirty.delete(key);
    }
  }

  #ladder(key: string, socketId: string, connectionId: number): Ladder {
    let ladder = this.#ladders.get(key);
    if (ladder === undefined) {
      ladder = { socketId, connectionId, current: newAttempt(0), lastFailed: null, attempts: 0 };
      this.#ladders.set(key, ladder);
    }
    return ladder;
  }

  #startAttempt(ladder: Ladder): void {
    // An attempt opened by the connection's first snapshot is the one its first monitor event starts.
    if (ladder.attempts > 0 && ladder.current.outcome === 'pending' && ladder.current.steps.length === 0) return;
    if (ladder.current.outcome === 'failed') ladder.lastFailed = ladder.current;
    ladder.attempts++;
    ladder.current = newAttempt(ladder.attempts);
  }

  #fail(ladder: Ladder, time: number, code: string, message: string, advice = this.#advise(code)): void {
    const a = ladder.current;
    a.outcome = 'failed';
    a.error = { code, message, advice };
    // The failing step is always recorded, even when the attempt is full.
    const step: LadderStep = { time, direction: 'local', kind: 'error', label: code, detail: message };
    if (a.steps.length >= MAX_STEPS) a.steps[MAX_STEPS - 1] = step;
    else a.steps.push(step);
  }

  #step(ladder: Ladder, step: LadderStep): void {
    if (ladder.current.steps.length < MAX_STEPS) ladder.current.steps.push(step);
  }
}

function attemptView(a: Attempt): LadderAttempt {
  return { attempt: a.attempt, steps: [...a.steps], outcome: a.outcome, error: a.error };
}

function viewOf(ladder: Ladder): LadderView {
  return {
    socketId: ladder.socketId,
    connectionId: ladder.connectionId,
    current: attemptView(ladder.current),
    lastFailed: ladder.lastFailed === null ? null : attemptView(ladder.lastFailed),
  };
}

/**
 * Where the peer hung up, read from the steps so far, and what that usually means. libzmq checks our
 * greeting before it sends the rest of its own and closes on a mismatch without a word (it reports
 * HANDSHAKE_FAILED_NO_DETAIL on our side too), so the step is the only clue.
 */
function hangUp(steps: readonly LadderStep[]): [where: string, advice: string] {
  const seen = (direction: 'in' | 'out', label: string): boolean => steps.some((s) => s.direction === direction && s.label === label);
  if (seen('out', 'greeting') && !seen('in', 'greeting')) {
    return ['the peer closed the connection after our greeting, before sending all of its own',
      'A peer that hangs up on the greeting usually wants another security mechanism (PLAIN or CURVE; this debugger speaks NULL) or ZMTP version, or is not a ZeroMQ socket: check its security options and its socket.'];
  }
  if (seen('in', 'greeting') && !seen('in', 'READY')) {
    return ['the peer closed the connection after the greetings, before its READY',
      'The peer rejected our READY: it may not accept a PEER (check its socket type), or its authentication (ZAP) refused us.'];
  }
  return ['the peer closed the connection during the handshake', 'Check the other side\'s logs: it ended the connection before the handshake completed.'];
}

/** `tcp` of `tcp://…` (`ipc`, `ws`…), for the first arrow's label. */
function schemeOf(endpoint: string): string {
  const at = endpoint.indexOf('://');
  return at > 0 ? endpoint.slice(0, at) : 'connect';
}
