/**
 * The taps the session runs ("ZMQ: Start Tap"): each a core `Tap` (core/tap, through core/index.ts)
 * relaying apps to an upstream endpoint, shown in the debugger the way a socket is. A tap is a
 * `SocketView` of type `TAP`; each relayed connection is a `PeerView` whose `pair` names the app's
 * and the upstream's socket types and the tap's diagnosis; what passes becomes `TrafficRecord`s in
 * the session's one traffic buffer (one per frame, as a socket's traffic: `out` is what the app
 * sent, `in` what the upstream sent), and each pair gets a handshake ladder from the same ladder
 * code and ZMTP readers a socket's connections use. The records themselves are kept too (bounded,
 * bytes cut to the capture limit), for the pcapng export through the core's `PcapngCapture`.
 *
 * A tap started with CURVE keys terminates CURVE (core/tap/curve-tap-connection.ts): its socket row
 * and tree row say so with the two public keys and the profiles they came from, and its pairs show
 * what a NULL pair shows — INITIATE's and READY's metadata opened, messages decrypted. The secret
 * keys go to the core tap and are kept nowhere here.
 *
 * No vscode import: the session routes these views to its listeners, tests run it in plain Node.
 */
import { PcapngCapture, Tap, type CaptureFormat, type FrameKind, type FrameRecord, type TapCurveKeys, type TapPolicy, type TapRecord, type TapState } from '../core/index';
import type { LadderView, PeerView, SocketView, TapTerminating, TrafficRecord } from '../webview/protocol';
import { TAP_ID_PREFIX } from '../webview/state-keys';
import { summariseInitiate, summariseReady } from './frame-summary';
import { HandshakeLadders } from './handshake-ladder';
import { RingBuffer } from './ring-buffer';

/**
 * Relayed connections kept after they failed (closed after an error, or before their handshake completed), per tap,
 * so their diagnosis stays on screen.
 */
export const FAILED_PAIRS_KEPT = 10;

/** The two security profiles a terminating tap's keys come from ("Terminate CURVE with my keys…"). */
export interface TerminateProfiles {
  /** A CURVE server profile: its key pair is the server the apps trust. */
  readonly serverProfile: string;
  /** A CURVE client profile: its key pair is a client the upstream accepts. */
  readonly clientProfile: string;
}

/** What "ZMQ: Start Tap" asks for. */
export interface StartTapOptions {
  readonly listen: string;
  readonly upstream: string;
  readonly policy?: TapPolicy;
  /** Terminate CURVE with the key pairs of these profiles (the session resolves them); absent: relay as is. */
  readonly terminate?: TerminateProfiles;
}


/** A tap as the tree view and the commands list it. */
export interface TapSummary {
  readonly tapId: string;
  readonly listen: string;
  readonly upstream: string;
  readonly policy: TapPolicy;
  readonly state: TapState;
  /** Relayed connections open now. */
  readonly connections: number;
  /** Set when the tap terminates CURVE; null when it relays as is. */
  readonly terminating: TapTerminating | null;
}

/** The message rates (the sparklines) the taps feed: the session's SessionPictures. */
export interface TapRates {
  socketAdded(socketId: string): void;
  socketRemoved(socketId: string): void;
  peerAdded(socketId: string, connectionId: number): void;
  /** A pair gone, or kept only to show why it failed: it has no traffic to rate any more. */
  peerRemoved(socketId: string, connectionId: number): void;
  onFrame(socketId: string, frame: FrameRecord): void;
}

/** What the taps need from the session they belong to. */
export interface TapSessionHost {
  /** Adds one frame to the session's traffic buffer (the session numbers it). */
  pushTraffic(record: Omit<TrafficRecord, 'seq'>): void;
  /** A tap's event for the event log: its name, the tap's endpoint, the sentence when it is a warning or worse. */
  event(tapId: string, name: string, endpoint: string, time: number, text: string | null): void;
  /** Something the debugger shows changed: the session sends it with its next batch. */
  changed(socketsToo: boolean): void;
  readonly rates: TapRates;
  /** Body bytes kept per frame. */
  readonly captureLimit: number;
  /** Tap records kept for the pcapng export. */
  bufferSize(): number;
}

/** Diagnoses that end a pair's handshake in the ladder, with what to do about each. */
const FAILURE_ADVICE: Readonly<Record<string, string>> = {
  'incompatible-socket-types': 'The two socket types cannot talk to each other (ZMTP\'s compatibility table, RFC 23/37): change the socket type on one side.',
  'mechanism-mismatch': 'Both sides must use the same security mechanism: set the same ZMQ_PLAIN_* or ZMQ_CURVE_* options on both, or none.',
  'mechanism-roles': 'With PLAIN or CURVE exactly one side is the server (ZMQ_PLAIN_SERVER / ZMQ_CURVE_SERVER): set it on one side only.',
  'error-command': 'The sender of ERROR refused the handshake; its reason says why.',
  'heartbeat-timeout': 'A heartbeat went unanswered for longer than ZMQ_HEARTBEAT_TIMEOUT: the other side is stalled or the network dropped it.',
  'closed-in-handshake': 'The connection closed before its handshake completed: check the other side\'s logs, its socket type and its security options (with PLAIN, libzmq 4.3.4 closes silently when it has no ZAP handler).',
};

interface Pair {
  readonly id: number;
  opened: number;
  appSocketType: string | null;
  upstreamSocketType: string | null;
  appAddress: string | null;
  upstreamAddress: string | null;
  upstreamConnected: boolean;
  active: boolean;
  closed: boolean;
  zmtpVersion: string | null;
  mechanism: string | null;
  properties: Array<[string, string]>;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  lastHeartbeat: number | null;
  diagnosis: string | null;
  /** The event that said it (`incompatible-socket-types`…): the ladder's failure code. */
  diagnosisName: string | null;
  severity: 'warning' | 'error' | null;
}

interface TapEntry {
  readonly tapId: string;
  readonly tap: Tap;
  readonly listen: string;
  /** The profiles of a terminating tap (its public keys are the core tap's, once started). */
  readonly terminate: TerminateProfiles | null;
  readonly pairs: Map<number, Pair>;
  readonly detach: () => void;
}

/** The session's taps; see the file comment. */
export class SessionTaps {
  readonly #host: TapSessionHost;
  readonly #taps = new Map<string, TapEntry>();
  readonly #ladders = new HandshakeLadders(() => '');
  readonly #records: RingBuffer<TapRecord>;
  /** Which tap each kept record came from (records number their connections per tap). */
  readonly #recordTaps: RingBuffer<string>;
  /** Pairs changed since the last {@link takeChanges}: their views are built then, once per batch, not per record. */
  readonly #changedPairs = new Map<string, { entry: TapEntry; pair: Pair }>();
  readonly #gonePairs: { socketId: string; connectionId: number }[] = [];
  #next = 1;

  constructor(host: TapSessionHost) {
    this.#host = host;
    this.#records = new RingBuffer<TapRecord>(host.bufferSize());
    this.#recordTaps = new RingBuffer<string>(host.bufferSize());
  }

  /** Whether `id` names a tap (rather than a socket). */
  has(id: string): boolean {
    return this.#taps.has(id);
  }

  /**
   * Starts a tap; resolves with its id and the endpoint apps connect to (wildcards resolved). With
   * `curve` (the secret keys of `options.terminate`'s profiles, resolved by the session) it terminates CURVE.
   * @throws {ZmqError} EINVAL for endpoints a tap cannot use, EADDRINUSE… as a bind would
   */
  async start(options: StartTapOptions, curve?: TapCurveKeys): Promise<{ tapId: string; endpoint: string }> {
    const tap = new Tap({ listen: options.listen.trim(), upstream: options.upstream.trim(), ...(options.policy ? { policy: options.policy } : {}), ...(curve ? { curve } : {}) });
    const tapId = `${TAP_ID_PREFIX}${this.#next++}`;
    const onRecord = (record: TapRecord): void => this.#onRecord(tapId, record);
    const onState = (): void => this.#host.changed(true);
    tap.on('record', onRecord);
    tap.on('state', onState);
    const entry: TapEntry = { tapId, tap, listen: options.listen.trim(), terminate: curve && options.terminate ? options.terminate : null, pairs: new Map(), detach: () => {
      tap.off('record', onRecord);
      tap.off('state', onState);
    } };
    this.#taps.set(tapId, entry);
    this.#host.rates.socketAdded(tapId);
    try {
      const endpoint = await tap.start();
      this.#host.changed(true);
      return { tapId, endpoint };
    } catch (err) {
      entry.detach();
      this.#taps.delete(tapId);
      this.#host.rates.socketRemoved(tapId);
      await tap.close();
      throw err;
    }
  }

  /** Stops a tap: its listener closes and every relayed connection ends; its traffic stays in the buffer. */
  async stop(tapId: string): Promise<void> {
    const entry = this.#taps.get(tapId);
    if (entry === undefined) return;
    try {
      await entry.tap.close();
    } finally {
      entry.detach();
      this.#taps.delete(tapId);
      for (const id of entry.pairs.keys()) {
        this.#gonePairs.push({ socketId: tapId, connectionId: id });
        this.#changedPairs.delete(`${tapId}/${id}`);
      }
      this.#ladders.removeSocket(tapId);
      this.#host.rates.socketRemoved(tapId);
      this.#host.changed(true);
    }
  }

  /** Stops every tap. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#taps.keys()].map((id) => this.stop(id)));
  }

  /** Forgets a pair kept after it failed (the debugger's Dismiss). */
  dismiss(tapId: string, connectionId: number): void {
    const entry = this.#taps.get(tapId);
    if (entry === undefined || !entry.pairs.has(connectionId)) return;
    entry.pairs.delete(connectionId);
    this.#ladders.remove(tapId, connectionId);
    this.#host.rates.peerRemoved(tapId, connectionId);
    this.#gonePairs.push({ socketId: tapId, connectionId });
    this.#host.changed(false);
  }

  /** The taps now, for the tree view and the commands. */
  list(): TapSummary[] {
    return [...this.#taps.values()].map((e) => ({
      tapId: e.tapId,
      listen: e.tap.endpoint || e.listen,
      upstream: e.tap.options.upstream,
      policy: e.tap.options.policy,
      state: e.tap.state,
      connections: [...e.pairs.values()].filter((p) => !p.closed).length,
      terminating: terminatingView(e),
    }));
  }

  /** The taps as sockets of type TAP: bound where apps connect, connected to the upstream. */
  socketViews(): SocketView[] {
    return this.list().map((t) => ({
      socketId: t.tapId,
      label: `Tap ${t.tapId.slice(TAP_ID_PREFIX.length)} · ${t.policy}${t.state === 'upstream-down' ? ' · upstream down' : ''}`,
      type: 'TAP',
      bound: t.state === 'listening' ? [t.listen] : [],
      connected: [t.upstream],
      // A relaying tap has no security of its own: it passes each side's handshake on unchanged.
      security: t.terminating === null
        ? { profile: null, mechanism: 'relayed as is', role: null, publicKey: null }
        : { profile: null, mechanism: 'terminating CURVE', role: null, publicKey: null, terminating: t.terminating },
    }));
  }

  /** Every pair now. */
  pairViews(): PeerView[] {
    return [...this.#taps.values()].flatMap((e) => [...e.pairs.values()].map((p) => this.#view(e, p)));
  }

  /** Every pair's handshake ladder. */
  ladders(): LadderView[] {
    return this.#ladders.views();
  }

  /** Pairs changed and gone since the last call, and ladders changed. */
  takeChanges(): { updated: PeerView[]; gone: { socketId: string; connectionId: number }[]; ladders: LadderView[] } {
    const updated = [...this.#changedPairs.values()].filter(({ entry, pair }) => entry.pairs.get(pair.id) === pair).map(({ entry, pair }) => this.#view(entry, pair));
    this.#changedPairs.clear();
    const gone = this.#gonePairs.splice(0);
    return { updated, gone, ladders: this.#ladders.takeChanged() };
  }

  /** Whether the buffer holds tap records to export as pcapng. */
  hasCapture(): boolean {
    return this.#records.length > 0;
  }

  /** The kept tap records as a pcapng file (`zmtp`: EXPORTED_PDU for Wireshark ≥ 4.4; `tcp`: synthesized TCP). */
  capture(format: CaptureFormat): Uint8Array {
    const blocks: Uint8Array[] = [];
    // One capture per tap would need one file each; connections of several taps are renumbered into one.
    const numbers = new Map<string, number>();
    let nextNumber = 1;
    const capture = new PcapngCapture(format, (block) => blocks.push(block), 'ZMQ Peer Debugger');
    const records = this.#records.toArray();
    const taps = this.#recordTaps.toArray();
    records.forEach((record, i) => {
      if (record.connection === 0) return capture.add(record);
      const key = `${taps[i]}/${record.connection}`;
      let n = numbers.get(key);
      if (n === undefined) numbers.set(key, (n = nextNumber++));
      capture.add(n === record.connection ? record : { ...record, connection: n });
    });
    return Buffer.concat(blocks);
  }

  /** Forgets the kept records (the debugger's Clear). */
  clear(): void {
    this.#records.clear();
    this.#recordTaps.clear();
  }

  /** Follows the traffic buffer's size setting. */
  resize(capacity: number): void {
    this.#records.resize(capacity);
    this.#recordTaps.resize(capacity);
  }

  // --- Records -------------------------------------------------------------------------------------

  #onRecord(tapId: string, record: TapRecord): void {
    const entry = this.#taps.get(tapId);
    if (entry === undefined) return;
    this.#records.push(keptCopy(record, this.#host.captureLimit));
    this.#recordTaps.push(tapId);
    // The event log gets the tap's own events and every warning or error about a connection.
    if (record.kind === 'event' && (record.connection === 0 || record.severity !== 'info')) {
      this.#host.event(tapId, record.name, entry.tap.endpoint || entry.listen, Math.round(record.time), record.severity === 'info' ? null : record.text);
    }
    if (record.connection === 0) return;
    const pair = record.kind === 'event' && record.name === 'accepted' ? this.#open(entry, record.connection, record.time) : entry.pairs.get(record.connection);
    if (pair === undefined) return;
    switch (record.kind) {
      case 'event':
        this.#onEvent(entry, pair, record);
        break;
      case 'greeting':
        if (record.name === 'ZMTP' || record.name === 'ZMTP-LEGACY') {
          pair.zmtpVersion ??= record.version ?? null;
          pair.mechanism ??= record.mechanism ?? null;
        }
        if (record.name === 'ZMTP') this.#ladderFrame(entry, pair, record.from, record.time, 'greeting', record.raw, record.raw.length);
        else this.#ladders.addStep(tapId, pair.id, { time: Math.round(record.time), direction: record.from === 'upstream' ? 'in' : 'out', kind: 'net', label: record.name === 'ZMTP-LEGACY' ? `ZMTP ${record.version ?? ''} greeting` : 'HTTP upgrade (ZWS 2.0)', detail: record.path ?? null });
        this.#traffic(entry, record, record.name === 'ZMTP' ? 'greeting' : record.name, record.raw.length, record.raw);
        break;
      case 'command': {
        const kind = commandKind(record.name);
        // A terminating tap opens the app's INITIATE, which names its socket type as READY does under NULL.
        if ((record.name === 'READY' || record.name === 'INITIATE') && record.socketType !== undefined) {
          if (record.from === 'upstream') pair.upstreamSocketType = record.socketType;
          else pair.appSocketType = record.socketType;
          for (const [name, value] of record.properties ?? []) pair.properties.push([`${record.from ?? 'app'} ${name}`, value]);
        }
        if (kind === 'PING' || kind === 'PONG' || kind === 'ws-ping' || kind === 'ws-pong') pair.lastHeartbeat = record.time;
        if (entry.tap.terminating) this.#terminatedLadderFrame(entry, pair, record, kind);
        else this.#ladderFrame(entry, pair, record.from, record.time, kind === 'READY' || kind === 'ERROR' || kind === 'PING' || kind === 'PONG' || kind === 'ws-ping' || kind === 'ws-pong' ? kind : 'command', record.data, record.size);
        this.#traffic(entry, record, kind, record.size, record.data);
        break;
      }
      case 'message': {
        const fromApp = record.from !== 'upstream';
        if (fromApp) {
          pair.messagesOut++;
          pair.bytesOut += record.size;
        } else {
          pair.messagesIn++;
          pair.bytesIn += record.size;
        }
        // Traffic flowing means the handshake is over, whatever the mechanism hid of it.
        if (!pair.active) this.#activate(entry, pair, record.time);
        // One count per message, as a socket's rate counts its (single-frame) messages.
        this.#host.rates.onFrame(entry.tapId, { time: record.time, direction: fromApp ? 'out' : 'in', connectionId: pair.id, routingId: undefined, kind: 'data', more: false, size: record.size, body: EMPTY });
        for (const frame of record.frames) {
          this.#ladderFrame(entry, pair, record.from, record.time, 'data', frame.data, frame.size);
          this.#traffic(entry, record, 'data', frame.size, frame.data);
        }
        break;
      }
    }
    this.#touch(entry, pair);
  }

  #open(entry: TapEntry, id: number, time: number): Pair {
    const pair: Pair = {
      id, opened: time, appSocketType: null, upstreamSocketType: null, appAddress: null, upstreamAddress: null, upstreamConnected: false, active: false, closed: false,
      zmtpVersion: null, mechanism: null, properties: [], messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, lastHeartbeat: null, diagnosis: null, diagnosisName: null, severity: null,
    };
    entry.pairs.set(id, pair);
    this.#host.rates.peerAdded(entry.tapId, id);
    // Drawn app → upstream: the app connects (to the tap), then the tap connects onward.
    this.#ladders.onMonitor(entry.tapId, { type: 'CONNECT_DELAYED', value: 0, endpoint: entry.tap.endpoint || entry.listen, connectionId: id, time: Math.round(time) });
    return pair;
  }

  #onEvent(entry: TapEntry, pair: Pair, record: Extract<TapRecord, { kind: 'event' }>): void {
    switch (record.name) {
      case 'accepted':
        pair.appAddress = record.address ?? null;
        return;
      case 'upstream-connected':
        pair.upstreamAddress = record.address ?? null;
        pair.upstreamConnected = true;
        this.#ladders.addStep(entry.tapId, pair.id, { time: Math.round(record.time), direction: 'out', kind: 'net', label: 'upstream connected', detail: record.address ?? entry.tap.options.upstream });
        return;
      case 'socket-types':
        this.#activate(entry, pair, record.time, record.text);
        return;
      case 'closed':
        pair.closed = true;
        this.#host.rates.peerRemoved(entry.tapId, pair.id);
        if (pair.severity !== 'error' && pair.active) {
          // A pair that ended well leaves the list; its traffic stays in the buffer.
          entry.pairs.delete(pair.id);
          this.#changedPairs.delete(`${entry.tapId}/${pair.id}`);
          this.#ladders.remove(entry.tapId, pair.id);
          this.#gonePairs.push({ socketId: entry.tapId, connectionId: pair.id });
          this.#host.changed(true);
        } else {
          if (pair.severity !== 'error') {
            // Closed before its handshake completed: that is the failure, in the tap's words (a warning it gave, or the close).
            pair.diagnosis ??= record.text;
            pair.diagnosisName ??= 'closed-in-handshake';
            pair.severity = 'error';
            this.#ladders.failAttempt(entry.tapId, pair.id, Math.round(record.time), pair.diagnosisName, pair.diagnosis, FAILURE_ADVICE[pair.diagnosisName] ?? FAILURE_ADVICE['closed-in-handshake']);
          }
          this.#ladders.addStep(entry.tapId, pair.id, { time: Math.round(record.time), direction: 'local', kind: 'note', label: 'closed', detail: record.text });
          this.#trimFailed(entry);
        }
        return;
      default:
        if (record.severity === 'info') return;
        pair.diagnosis = record.text;
        pair.diagnosisName = record.name;
        pair.severity = record.severity;
        if (record.severity === 'error') {
          const advice = FAILURE_ADVICE[record.name] ?? 'See the tap\'s diagnosis above.';
          this.#ladders.failAttempt(entry.tapId, pair.id, Math.round(record.time), record.name, record.text, advice);
        }
    }
  }

  #activate(entry: TapEntry, pair: Pair, time: number, detail: string | null = null): void {
    if (pair.active) return;
    pair.active = true;
    this.#ladders.onMonitor(entry.tapId, { type: 'HANDSHAKE_SUCCEEDED', value: 0, endpoint: entry.listen, connectionId: pair.id, time: Math.round(time) });
    if (detail !== null) this.#ladders.addStep(entry.tapId, pair.id, { time: Math.round(time), direction: 'local', kind: 'note', label: 'socket types', detail });
  }

  /** Failed pairs beyond {@link FAILED_PAIRS_KEPT} go, oldest first. */
  #trimFailed(entry: TapEntry): void {
    const failed = [...entry.pairs.values()].filter((p) => p.closed);
    for (const pair of failed.slice(0, Math.max(0, failed.length - FAILED_PAIRS_KEPT))) {
      entry.pairs.delete(pair.id);
      this.#ladders.remove(entry.tapId, pair.id);
      this.#gonePairs.push({ socketId: entry.tapId, connectionId: pair.id });
    }
  }

  /** One step of the pair's ladder, read with the same ZMTP readers as a socket's connection. */
  #ladderFrame(entry: TapEntry, pair: Pair, from: TapRecord['from'], time: number, kind: FrameKind, body: Uint8Array, size: number): void {
    this.#ladders.onFrame(entry.tapId, { time: Math.round(time), direction: from === 'upstream' ? 'in' : 'out', connectionId: pair.id, routingId: undefined, kind, more: false, size, body });
  }

  /**
   * A command of a terminated pair in its ladder: HELLO and WELCOME as the CURVE steps they are;
   * INITIATE and READY, which the tap opened, with their metadata read as a NULL READY's.
   */
  #terminatedLadderFrame(entry: TapEntry, pair: Pair, record: Extract<TapRecord, { kind: 'command' }>, kind: string): void {
    if ((record.name === 'INITIATE' || record.name === 'READY') && record.properties !== undefined) {
      const detail = record.name === 'INITIATE' ? summariseInitiate(record.data, null) : summariseReady(record.data, null);
      this.#ladders.addStep(entry.tapId, pair.id, {
        time: Math.round(record.time), direction: record.from === 'upstream' ? 'in' : 'out', kind: record.name === 'INITIATE' ? 'security' : 'command',
        label: record.name, detail: `${detail} · opened by the tap`,
      });
      return;
    }
    const ladderKind: FrameKind = kind === 'HELLO' || kind === 'WELCOME' || kind === 'ERROR' || kind === 'PING' || kind === 'PONG' || kind === 'ws-ping' || kind === 'ws-pong' ? kind : 'command';
    this.#ladderFrame(entry, pair, record.from, record.time, ladderKind, record.data, record.size);
  }

  #traffic(entry: TapEntry, record: TapRecord, kind: string, size: number, body: Uint8Array): void {
    const kept = Math.min(body.byteLength, this.#host.captureLimit);
    this.#host.pushTraffic({
      time: record.time,
      socketId: entry.tapId,
      connectionId: record.connection,
      routingId: null,
      direction: record.from === 'upstream' ? 'in' : 'out',
      kind,
      size,
      // A copy: the tap's bytes are views of what it relayed.
      data: Buffer.from(body.subarray(0, kept)),
      truncated: kept < size,
    });
  }

  #touch(entry: TapEntry, pair: Pair): void {
    if (!entry.pairs.has(pair.id)) return;
    this.#changedPairs.set(`${entry.tapId}/${pair.id}`, { entry, pair });
    this.#host.changed(false);
  }

  #view(entry: TapEntry, pair: Pair): PeerView {
    const listen = entry.tap.endpoint || entry.listen;
    // Closed pairs still listed are the failed ones (see 'closed' in #onEvent).
    const failed = pair.closed;
    return {
      socketId: entry.tapId,
      connectionId: pair.id,
      role: 'bind',
      transport: listen.slice(0, Math.max(0, listen.indexOf('://'))),
      endpoint: listen,
      state: failed ? 'DISCONNECTED' : pair.active ? 'ACTIVE' : pair.upstreamConnected ? 'READY_EXCHANGE' : 'CONNECTING',
      routingId: null,
      localAddress: pair.appAddress,
      remoteAddress: pair.upstreamAddress,
      zmtpVersion: pair.zmtpVersion,
      mechanism: pair.mechanism,
      securityRole: null,
      peerProperties: Object.fromEntries(pair.properties),
      messagesIn: pair.messagesIn,
      messagesOut: pair.messagesOut,
      bytesIn: pair.bytesIn,
      bytesOut: pair.bytesOut,
      queuedOut: 0,
      queuedIn: 0,
      lastHeartbeat: pair.lastHeartbeat === null ? null : Math.round(pair.lastHeartbeat),
      reconnects: 0,
      lastError: pair.severity === 'error' ? pair.diagnosis : null,
      ended: failed,
      pair: {
        appSocketType: pair.appSocketType,
        upstreamSocketType: pair.upstreamSocketType,
        appAddress: pair.appAddress,
        upstreamAddress: pair.upstreamAddress,
        upstream: entry.tap.options.upstream,
        curveTerminated: entry.tap.terminating,
        diagnosis: pair.diagnosis,
        severity: pair.severity,
      },
    };
  }
}

const EMPTY = new Uint8Array(0);

/** A tap's terminating keys as shown, once the core tap has derived its public keys; null for a relaying tap. */
function terminatingView(entry: TapEntry): TapTerminating | null {
  const keys = entry.tap.curvePublicKeys;
  if (entry.terminate === null || keys === undefined) return null;
  return { serverKey: keys.server, clientKey: keys.client, serverProfile: entry.terminate.serverProfile, clientProfile: entry.terminate.clientProfile };
}

/** The traffic kind of a command: the names a socket's frames use where they exist, the command's own otherwise. */
function commandKind(name: string): string {
  switch (name) {
    case 'WS-PING':
      return 'ws-ping';
    case 'WS-PONG':
      return 'ws-pong';
    default:
      return name;
  }
}

/** A record as the export keeps it: its bytes copied (they are views of the relayed reads) and cut to `limit`. */
function keptCopy(record: TapRecord, limit: number): TapRecord {
  const copy = (bytes: Uint8Array): Uint8Array => Buffer.from(bytes.subarray(0, limit));
  switch (record.kind) {
    case 'greeting':
      return { ...record, raw: copy(record.raw) };
    case 'command':
      return { ...record, data: copy(record.data), ...(record.context ? { context: copy(record.context) } : {}), ...(record.topic ? { topic: copy(record.topic) } : {}) };
    case 'message':
      return { ...record, frames: record.frames.map((f) => ({ ...f, data: copy(f.data) })) };
    case 'event':
      return record;
  }
}
