/**
 * What every connection through the tap goes through, whether it relays bytes (tap-connection.ts)
 * or terminates CURVE (curve-tap-connection.ts): the app's stream waits for an upstream stream,
 * both relay, and when the first one ends the tap says once how the connection ended, with the
 * counts, and hands the diagnosis its end. Each kind of connection extends this and adds only
 * how its bytes cross.
 */
import type { Socket } from 'node:net';
import { ConnectionDiagnosis } from './diagnosis';
import type { Severity, TapRecord, TapSide } from './records';
import type { TrafficReader } from './traffic-reader';

/** How long a leg may stay open after the other closed and was passed the close (ms). */
const CLOSE_GRACE_MS = 2000;

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

/** One side as its connection counts it: what reads its stream, and what it sent so far. */
export interface SideTally {
  readonly reader: TrafficReader;
  readonly bytes: number;
  readonly messages: number;
}

/** One connection's streams, state, snapshot and ending; a kind of connection adds how its bytes cross. */
export abstract class RelayedConnection {
  readonly id: number;
  protected readonly app: Socket;
  protected readonly diagnosis: ConnectionDiagnosis;
  protected upstream: Socket | undefined;
  readonly #host: ConnectionHost;
  #state: TapConnectionInfo['state'] = 'connecting';
  readonly #opened: number;
  readonly #appAddress: string | undefined;
  #upstreamAddress: string | undefined;
  /** Which side ended first, and how (an error code or 'reset'); kept from the first sign. */
  #firstEnd: { side: TapSide; error?: string } | undefined;
  /** Why the tap itself ended the connection, when it did. */
  #endedByTap: string | undefined;
  #reported = false;
  #graceTimer: NodeJS.Timeout | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(id: number, app: Socket, appAddress: string | undefined, host: ConnectionHost) {
    this.id = id;
    this.app = app;
    this.#appAddress = appAddress;
    this.#host = host;
    this.#opened = host.now();
    this.diagnosis = new ConnectionDiagnosis(id, (event) => host.emit(event), () => host.now());
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // Until the upstream is there, the app's bytes stay in the kernel: it waits for a greeting anyway.
    app.pause();
    app.on('error', (err: NodeJS.ErrnoException) => this.noteEnd('app', err.code ?? err.message));
  }

  /** Resolves once the connection is over (both streams closed, or never attached). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Starts relaying between the app and its freshly connected upstream stream. */
  abstract attach(upstream: Socket, upstreamAddress: string | undefined): void;

  /** What reads `side`'s stream, and what it sent so far. */
  protected abstract tally(side: TapSide): SideTally;

  /** Lets go of what the connection holds once it is over (timers, key material); called once. */
  protected abstract released(): void;

  get info(): TapConnectionInfo {
    const side = (name: TapSide): TapSideInfo => {
      const { reader, bytes, messages } = this.tally(name);
      return { socketType: reader.socketType, mechanism: reader.mechanism, routingId: reader.routingId, bytes, messages };
    };
    return { id: this.id, state: this.#state, appAddress: this.#appAddress, upstreamAddress: this.#upstreamAddress, opened: this.#opened, app: side('app'), upstream: side('upstream') };
  }

  /**
   * Takes the freshly connected upstream stream; false (and the stream closed) when the app went
   * away meanwhile. Both streams send each write at once (no Nagle delay on a relay).
   */
  protected attachUpstream(upstream: Socket, upstreamAddress: string | undefined): boolean {
    if (this.app.destroyed) {
      upstream.destroy();
      return false;
    }
    this.upstream = upstream;
    this.#upstreamAddress = upstreamAddress;
    this.#state = 'relaying';
    upstream.setNoDelay(true);
    this.app.setNoDelay(true);
    upstream.on('error', (err: NodeJS.ErrnoException) => this.noteEnd('upstream', err.code ?? err.message));
    return true;
  }

  /** Ends the connection from the tap's side (the tap closes, the upstream could not be reached, a failure). */
  destroy(reason: string): void {
    this.#endedByTap ??= reason;
    this.app.destroy();
    this.upstream?.destroy();
    if (this.upstream === undefined) this.finish();
  }

  /** Notes why the connection is ending without ending it yet (the first reason given wins). */
  protected endByTap(reason: string): void {
    this.#endedByTap ??= reason;
  }

  /** The first sign of an end: which side, and the error when it was not orderly. Later ones are ignored. */
  protected noteEnd(side: TapSide, error?: string): void {
    this.#firstEnd ??= { side, ...(error !== undefined ? { error } : {}) };
  }

  /** Runs `action` after the close grace unless the connection is over first (once; later calls keep the first). */
  protected afterGrace(action: () => void): void {
    this.#graceTimer ??= setTimeout(action, CLOSE_GRACE_MS);
  }

  /** Says once how the connection ended (when the first leg ends, not when the last one closes) and what that means. */
  protected reportEnd(): void {
    if (this.#reported) return;
    this.#reported = true;
    if (this.#endedByTap !== undefined) {
      this.say('closed', 'info', `the tap closed the connection: ${this.#endedByTap}`);
      return;
    }
    const first = this.#firstEnd ?? { side: 'app' as const };
    const how = first.error ? `reset the connection (${first.error})` : 'closed the connection';
    if (this.upstream === undefined) {
      this.say('closed', 'info', `${first.side} ${how}`, first.side);
      return;
    }
    const other = first.side === 'app' ? 'upstream' : 'app';
    const counts = (['app', 'upstream'] as const).map((side) => {
      const { bytes, messages } = this.tally(side);
      return `${side} sent ${messages} messages (${bytes} bytes)`;
    });
    this.say('closed', 'info', `${first.side} ${how}; the tap ${first.error ? 'reset' : 'closed'} the ${other} leg: ${counts.join(', ')}`, first.side);
    this.diagnosis.ended({ first: first.side, ...(first.error ? { error: first.error } : {}) });
  }

  /** The connection is over: timers stop, the owner lets go of what it holds, the end is said, `closed` resolves. */
  protected finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.released();
    this.reportEnd();
    this.#resolveClosed();
  }

  /** One event of this connection. */
  protected say(name: string, severity: Severity, text: string, from?: TapSide): void {
    this.#host.emit({ kind: 'event', time: this.#host.now(), connection: this.id, name, severity, text, ...(from ? { from } : {}) });
  }
}
