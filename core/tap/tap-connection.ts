/**
 * One relayed connection: the app's stream and the upstream stream the tap opened for it. Every
 * byte is relayed unchanged in both directions, with backpressure (a direction pauses its source
 * while its target's buffer is full), and decoded on the side as it passes. Closes propagate: an
 * orderly end becomes an orderly end, a reset a reset.
 *
 * One exception to "relay at once": with the NULL mechanism each side sends READY right after the
 * greeting without waiting for the other's, and libzmq 4.3.4 closes on reading an incompatible
 * READY before sending its own — so a plain relay would often see only one socket type. The tap
 * holds each side's READY until it has the other's (bounded in time and bytes), then forwards
 * both, so that a mismatch is always diagnosed with both socket types named.
 */
import type { Socket } from 'node:net';
import { ConnectionDiagnosis } from './diagnosis';
import type { TapRecord, TapSide } from './records';
import { mechanismOf, TrafficReader } from './traffic-reader';
import type { WireScanner } from './wire-units';
import { ZmtpScanner } from './zmtp-scanner';
import { ZwsScanner } from './zws-scanner';

/** How long a leg may stay open after the other closed and was passed the close (ms). */
const CLOSE_GRACE_MS = 2000;

/** Bytes a held direction may collect before the tap gives up holding (a READY is well under 1 KiB). */
const HOLD_BYTES_MAX = 64 * 1024;

/** The framing of a relayed connection: ZMTP streams (tcp, ipc) or ZWS (ws). */
export type Framing = 'zmtp' | 'zws';

/** What a connection needs from its tap. */
export interface ConnectionHost {
  /** How long one side's READY may wait for the other's (ms); 0 relays READY at once. */
  readonly readyHold: number;
  readonly showPasswords: boolean;
  snaplen(): number;
  now(): number;
  emit(record: TapRecord): void;
}

/** A snapshot of one relayed connection. */
export interface TapConnectionInfo {
  readonly id: number;
  readonly state: 'connecting' | 'relaying' | 'closed';
  readonly appAddress: string | undefined;
  readonly upstreamAddress: string | undefined;
  readonly opened: number;
  readonly app: TapSideInfo;
  readonly upstream: TapSideInfo;
}

/** What the tap knows about one side of a connection. */
export interface TapSideInfo {
  readonly socketType: string | undefined;
  readonly mechanism: string | undefined;
  readonly routingId: string | undefined;
  readonly bytes: number;
  readonly messages: number;
}

/** One direction: a source stream relayed into a target, decoded on the way. */
class Direction {
  readonly reader: TrafficReader;
  readonly scanner: WireScanner;
  bytes = 0;
  messages = 0;
  /** Holding: bytes from `holdFrom` of the current chunk on are kept back. */
  holding = false;
  holdFrom = -1;
  held: Uint8Array[] = [];
  heldBytes = 0;
  readySeen = false;
  ended = false;
  waitingForDrain = false;

  constructor(
    readonly from: TapSide,
    readonly source: Socket,
    readonly target: Socket,
    reader: TrafficReader,
    framing: Framing,
  ) {
    this.reader = reader;
    this.scanner = framing === 'zws' ? new ZwsScanner(reader, reader) : new ZmtpScanner(reader, reader);
  }

  /** Writes to the target; a full target pauses the source until it drains (backpressure end to end). */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.target.destroyed) return;
    if (!this.target.write(bytes) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.source.pause();
      this.target.once('drain', () => {
        this.waitingForDrain = false;
        this.source.resume();
      });
    }
  }
}

/** A relayed connection; made by the tap when an app connects. */
export class TapConnection {
  readonly id: number;
  readonly #host: ConnectionHost;
  readonly #framing: Framing;
  readonly #app: Socket;
  #upstream: Socket | undefined;
  readonly #diagnosis: ConnectionDiagnosis;
  #directions: Direction[] = [];
  /** The same directions by the side that sends (once attached). */
  #bySide: Partial<Record<TapSide, Direction>> = {};
  /** Holding READY is possible until it has been done once (or ruled out). */
  #holdOpen: boolean;
  #holdTimer: NodeJS.Timeout | undefined;
  #releaseWanted: string | undefined;
  #firstEnd: { side: TapSide; error?: string } | undefined;
  /** Why the tap itself ended the connection, when it did. */
  #endedByTap: string | undefined;
  #reported = false;
  #graceTimer: NodeJS.Timeout | undefined;
  #closedSockets = 0;
  #state: TapConnectionInfo['state'] = 'connecting';
  readonly #opened: number;
  readonly #appAddress: string | undefined;
  #upstreamAddress: string | undefined;
  readonly #readers: Record<TapSide, TrafficReader>;
  /** When the chunk being decoded arrived: the time of every record decoded from it (one clock read per chunk, not per record). */
  #chunkTime = 0;
  /** The snapshot length for the chunk being decoded (asked once per chunk, not per frame). */
  #chunkSnaplen = 0;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(id: number, app: Socket, appAddress: string | undefined, framing: Framing, host: ConnectionHost) {
    this.id = id;
    this.#host = host;
    this.#framing = framing;
    this.#app = app;
    this.#appAddress = appAddress;
    this.#opened = host.now();
    this.#holdOpen = host.readyHold > 0;
    this.#diagnosis = new ConnectionDiagnosis(id, (event) => host.emit(event), () => host.now());
    this.#readers = { app: this.#reader('app'), upstream: this.#reader('upstream') };
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // Until the upstream is there, the app's bytes stay in the kernel: it waits for a greeting anyway.
    app.pause();
    app.on('error', (err: NodeJS.ErrnoException) => this.#noteEnd('app', err.code ?? err.message));
    app.once('close', () => {
      if (this.#upstream === undefined) this.#finish();
    });
  }

  /** Resolves once both streams have closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get info(): TapConnectionInfo {
    const side = (name: TapSide): TapSideInfo => {
      const direction = this.#directions.find((d) => d.from === name);
      const reader = this.#readers[name];
      return { socketType: reader.socketType, mechanism: reader.mechanism, routingId: reader.routingId, bytes: direction?.bytes ?? 0, messages: direction?.messages ?? 0 };
    };
    return { id: this.id, state: this.#state, appAddress: this.#appAddress, upstreamAddress: this.#upstreamAddress, opened: this.#opened, app: side('app'), upstream: side('upstream') };
  }

  /** Starts relaying between the app and its freshly connected upstream stream. */
  attach(upstream: Socket, upstreamAddress: string | undefined): void {
    if (this.#app.destroyed) {
      upstream.destroy();
      return;
    }
    this.#upstream = upstream;
    this.#upstreamAddress = upstreamAddress;
    this.#state = 'relaying';
    upstream.setNoDelay(true);
    this.#app.setNoDelay(true);
    this.#directions = [
      new Direction('app', this.#app, upstream, this.#readers.app, this.#framing),
      new Direction('upstream', upstream, this.#app, this.#readers.upstream, this.#framing),
    ];
    this.#bySide = { app: this.#directions[0], upstream: this.#directions[1] };
    upstream.on('error', (err: NodeJS.ErrnoException) => this.#noteEnd('upstream', err.code ?? err.message));
    for (const direction of this.#directions) {
      direction.source.on('data', (chunk: Buffer) => this.#relay(direction, chunk));
      direction.source.once('end', () => this.#sourceEnded(direction));
      direction.source.once('close', (hadError: boolean) => this.#sourceClosed(direction, hadError));
    }
    this.#app.resume();
  }

  /** Ends the connection from the tap's side (the tap closes, or the upstream could not be reached). */
  destroy(reason: string): void {
    this.#endedByTap ??= reason;
    this.#app.destroy();
    this.#upstream?.destroy();
    if (this.#upstream === undefined) this.#finish();
  }

  #reader(side: TapSide): TrafficReader {
    const host = this.#host;
    return new TrafficReader({
      side,
      connection: this.id,
      showPasswords: host.showPasswords,
      snaplen: () => this.#chunkSnaplen,
      now: () => this.#chunkTime,
      emit: (record) => this.#onRecord(side, record),
      greetingEnded: (end) => this.#greetingEnded(side, end),
    });
  }

  #relay(direction: Direction, chunk: Buffer): void {
    direction.bytes += chunk.length;
    direction.holdFrom = -1;
    this.#chunkTime = this.#host.now();
    this.#chunkSnaplen = this.#host.snaplen();
    if (!direction.scanner.stopped) {
      try {
        direction.scanner.push(chunk);
      } catch (err) {
        // Decoding is a side line: whatever it trips over, the bytes are still relayed.
        direction.scanner.stop();
        this.#host.emit({ kind: 'event', time: this.#host.now(), connection: this.id, from: direction.from, name: 'not-decoded', severity: 'warning', text: `${direction.from}'s stream could not be decoded further (${err instanceof Error ? err.message : String(err)}): relayed byte for byte` });
      }
    }
    if (direction.holding) {
      const cut = direction.holdFrom >= 0 ? direction.holdFrom : 0;
      direction.write(chunk.subarray(0, cut));
      if (cut < chunk.length) {
        direction.held.push(chunk.subarray(cut));
        direction.heldBytes += chunk.length - cut;
        if (direction.heldBytes > HOLD_BYTES_MAX) this.#releaseWanted ??= `${direction.from} sent more than ${HOLD_BYTES_MAX} bytes after its greeting`;
      }
    } else direction.write(chunk);
    if (this.#releaseWanted !== undefined) this.#release(this.#releaseWanted);
  }

  #direction(side: TapSide): Direction | undefined {
    return this.#bySide[side];
  }

  /** A greeting ended: with NULL, what follows (READY) is held until the other side's READY is in. */
  #greetingEnded(side: TapSide, end: number): void {
    const direction = this.#direction(side);
    if (!this.#holdOpen || direction === undefined) return;
    const mechanism = this.#readers[side].mechanism;
    // ZWS: the client's request names no mechanism yet (the server's response will); hold until it does.
    const undecided = this.#framing === 'zws' && mechanism === undefined && side === 'app';
    if (mechanism !== 'NULL' && !undecided) {
      this.#releaseWanted ??= 'no NULL mechanism';
      return;
    }
    direction.holding = true;
    direction.holdFrom = end;
    this.#holdTimer ??= setTimeout(() => this.#release(`READY held ${this.#host.readyHold} ms without the other side's`), this.#host.readyHold);
  }

  #onRecord(side: TapSide, record: TapRecord): void {
    const direction = this.#direction(side);
    if (record.kind === 'message' && direction) direction.messages++;
    this.#host.emit(record);
    if (record.kind === 'greeting' && record.name === 'HTTP-RESPONSE') this.#upgradeAnswered(record.status ?? 0, record.protocols?.[0]);
    if (record.kind === 'greeting' && record.name === 'ZMTP' && record.mechanism !== 'NULL') this.#releaseWanted ??= `${side} uses ${record.mechanism}`;
    if (record.kind === 'event' && record.name === 'not-decoded') this.#releaseWanted ??= `${side} is not decoded`;
    if (this.#holdOpen && direction && (record.kind === 'command' || record.kind === 'message')) {
      if (record.kind === 'command' && record.name === 'READY') direction.readySeen = true;
      else this.#releaseWanted ??= `${side} sent ${record.kind === 'command' ? record.name : 'a message'} before READY`;
      if (this.#directions.every((d) => d.readySeen)) this.#releaseWanted ??= 'both READY commands are in';
    }
    this.#diagnosis.observe(record);
  }

  /** The ZWS server answered the upgrade: its sub-protocol sets the mechanism for both directions. */
  #upgradeAnswered(status: number, protocol: string | undefined): void {
    if (status !== 101) {
      for (const direction of this.#directions) direction.scanner.stop();
      this.#releaseWanted ??= 'the upgrade was refused';
      this.#host.emit({ kind: 'event', time: this.#host.now(), connection: this.id, from: 'upstream', name: 'not-decoded', severity: 'warning', text: `upstream refused the WebSocket upgrade (HTTP ${status}): relayed byte for byte, not decoded` });
      return;
    }
    const { mechanism } = mechanismOf(protocol);
    for (const reader of Object.values(this.#readers)) {
      reader.mechanism = mechanism;
      reader.version = '3.1';
      reader.bareZws = mechanism === undefined;
    }
    if (mechanism !== 'NULL') this.#releaseWanted ??= `sub-protocol ${protocol ?? '(none)'}`;
  }

  /** Forwards everything held and stops holding for good. */
  #release(_reason: string): void {
    this.#releaseWanted = undefined;
    this.#holdOpen = false;
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    for (const direction of this.#directions) {
      if (!direction.holding) continue;
      direction.holding = false;
      const held = direction.held;
      direction.held = [];
      direction.heldBytes = 0;
      for (const bytes of held) direction.write(bytes);
      if (direction.ended && !direction.target.destroyed) direction.target.end();
    }
  }

  #noteEnd(side: TapSide, error?: string): void {
    this.#firstEnd ??= { side, ...(error !== undefined ? { error } : {}) };
  }

  #sourceEnded(direction: Direction): void {
    this.#noteEnd(direction.from);
    direction.ended = true;
    // What is held still belongs to the stream: forward it before the end.
    if (direction.holding) this.#release('end of stream');
    else if (!direction.target.destroyed) direction.target.end();
    this.#reportEnd();
  }

  #sourceClosed(direction: Direction, hadError: boolean): void {
    this.#noteEnd(direction.from, hadError ? 'reset' : undefined);
    const target = direction.target;
    // A reset is passed on as a reset; an orderly close as an orderly close.
    if (hadError) {
      if (!target.destroyed) target.resetAndDestroy();
    } else if (!direction.ended) target.destroy();
    else if (!target.destroyed) target.end();
    this.#reportEnd();
    // A leg that does not close once the other has (a frozen process never answers the FIN) is not waited for forever.
    if (!target.destroyed) this.#graceTimer ??= setTimeout(() => target.destroy(), CLOSE_GRACE_MS);
    if (++this.#closedSockets === 2) this.#finish();
  }

  /** Says once how the connection ended (when the first leg ends, not when the last one closes) and what that means. */
  #reportEnd(): void {
    if (this.#reported) return;
    this.#reported = true;
    if (this.#endedByTap !== undefined) {
      this.#host.emit({ kind: 'event', time: this.#host.now(), connection: this.id, name: 'closed', severity: 'info', text: `the tap closed the connection: ${this.#endedByTap}` });
      return;
    }
    const first = this.#firstEnd ?? { side: 'app' as const };
    const how = first.error ? `reset the connection (${first.error})` : 'closed the connection';
    const other = first.side === 'app' ? 'upstream' : 'app';
    const passed = this.#upstream === undefined ? '' : `; the tap ${first.error ? 'reset' : 'closed'} the ${other} leg`;
    const counts = this.#directions.map((d) => `${d.from} sent ${d.messages} messages (${d.bytes} bytes)`).join(', ');
    this.#host.emit({ kind: 'event', time: this.#host.now(), connection: this.id, from: first.side, name: 'closed', severity: 'info', text: `${first.side} ${how}${passed}${counts ? `: ${counts}` : ''}` });
    if (this.#upstream !== undefined) this.#diagnosis.ended({ first: first.side, ...(first.error ? { error: first.error } : {}) });
  }

  #finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#reportEnd();
    this.#resolveClosed();
  }
}
