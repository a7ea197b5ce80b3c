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
import { RelayedConnection, type ConnectionHost, type SideTally } from './relayed-connection';
import type { TapRecord, TapSide } from './records';
import { mechanismOf, TrafficReader } from './traffic-reader';
import type { WireScanner } from './wire-units';
import { ZmtpScanner } from './zmtp-scanner';
import { ZwsScanner } from './zws-scanner';

/** Bytes a held direction may collect before the tap gives up holding (a READY is well under 1 KiB). */
const HOLD_BYTES_MAX = 64 * 1024;

/** The framing of a relayed connection: ZMTP streams (tcp, ipc) or ZWS (ws). */
export type Framing = 'zmtp' | 'zws';

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
export class TapConnection extends RelayedConnection {
  readonly #host: ConnectionHost;
  readonly #framing: Framing;
  #directions: Direction[] = [];
  /** The same directions by the side that sends (once attached). */
  #bySide: Partial<Record<TapSide, Direction>> = {};
  /** Holding READY is possible until it has been done once (or ruled out). */
  #holdOpen: boolean;
  #holdTimer: NodeJS.Timeout | undefined;
  #releaseWanted: string | undefined;
  #closedSockets = 0;
  readonly #readers: Record<TapSide, TrafficReader>;
  /** When the chunk being decoded arrived: the time of every record decoded from it (one clock read per chunk, not per record). */
  #chunkTime = 0;
  /** The snapshot length for the chunk being decoded (asked once per chunk, not per frame). */
  #chunkSnaplen = 0;

  constructor(id: number, app: Socket, appAddress: string | undefined, framing: Framing, host: ConnectionHost) {
    super(id, app, appAddress, host);
    this.#host = host;
    this.#framing = framing;
    this.#holdOpen = host.readyHold > 0;
    this.#readers = { app: this.#reader('app'), upstream: this.#reader('upstream') };
    app.once('close', () => {
      if (this.upstream === undefined) this.finish();
    });
  }

  attach(upstream: Socket, upstreamAddress: string | undefined): void {
    if (!this.attachUpstream(upstream, upstreamAddress)) return;
    const app = this.app;
    this.#directions = [
      new Direction('app', app, upstream, this.#readers.app, this.#framing),
      new Direction('upstream', upstream, app, this.#readers.upstream, this.#framing),
    ];
    this.#bySide = { app: this.#directions[0], upstream: this.#directions[1] };
    for (const direction of this.#directions) {
      direction.source.on('data', (chunk: Buffer) => this.#relay(direction, chunk));
      direction.source.once('end', () => this.#sourceEnded(direction));
      direction.source.once('close', (hadError: boolean) => this.#sourceClosed(direction, hadError));
    }
    app.resume();
  }

  protected tally(side: TapSide): SideTally {
    const direction = this.#bySide[side];
    return { reader: this.#readers[side], bytes: direction?.bytes ?? 0, messages: direction?.messages ?? 0 };
  }

  protected released(): void {
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
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
        this.say('not-decoded', 'warning', `${direction.from}'s stream could not be decoded further (${err instanceof Error ? err.message : String(err)}): relayed byte for byte`, direction.from);
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
    this.diagnosis.observe(record);
  }

  /** The ZWS server answered the upgrade: its sub-protocol sets the mechanism for both directions. */
  #upgradeAnswered(status: number, protocol: string | undefined): void {
    if (status !== 101) {
      for (const direction of this.#directions) direction.scanner.stop();
      this.#releaseWanted ??= 'the upgrade was refused';
      this.say('not-decoded', 'warning', `upstream refused the WebSocket upgrade (HTTP ${status}): relayed byte for byte, not decoded`, 'upstream');
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

  #sourceEnded(direction: Direction): void {
    this.noteEnd(direction.from);
    direction.ended = true;
    // What is held still belongs to the stream: forward it before the end.
    if (direction.holding) this.#release('end of stream');
    else if (!direction.target.destroyed) direction.target.end();
    this.reportEnd();
  }

  #sourceClosed(direction: Direction, hadError: boolean): void {
    this.noteEnd(direction.from, hadError ? 'reset' : undefined);
    const target = direction.target;
    // A reset is passed on as a reset; an orderly close as an orderly close.
    if (hadError) {
      if (!target.destroyed) target.resetAndDestroy();
    } else if (!direction.ended) target.destroy();
    else if (!target.destroyed) target.end();
    this.reportEnd();
    // A leg that does not close once the other has (a frozen process never answers the FIN) is not waited for forever.
    if (!target.destroyed) this.afterGrace(() => target.destroy());
    if (++this.#closedSockets === 2) this.finish();
  }
}
