/**
 * The tap: listens on an endpoint, and for every app that connects opens one connection of its own
 * to the upstream endpoint (so per-connection routing ids survive), relays every byte unchanged
 * both ways and reports what it decodes as records. It is what `zmq-peer tap` and the debugger's
 * "ZMQ: Start Tap" run.
 *
 * When the upstream cannot be reached, the policy decides what the app sees:
 * - `mirror` (default): while the upstream refuses, the tap's listener is closed, so an app
 *   connecting gets ECONNREFUSED (ENOENT for ipc) exactly as if it connected directly; a probe
 *   with back-off reopens the listener when the upstream answers again.
 * - `hold`: the tap accepts and keeps the app's greeting waiting while it retries the upstream,
 *   for at most `holdTimeout` (below libzmq's 30 s ZMQ_HANDSHAKE_IVL, after which the app would
 *   give up on its own), then closes the app's connection.
 *
 * With `curve` keys the tap terminates CURVE instead of relaying bytes (curve-tap-connection.ts):
 * a man in the middle the user sets up on purpose, so that CURVE traffic can be read at all.
 * The secret keys stay in this object only, are wiped when the tap closes, and never reach a
 * record, the options it exposes, or a log.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ZmqError } from '../errors';
import type { Endpoint } from '../endpoint';
import type { EventRecord, Severity, TapPolicy, TapRecord } from './records';
import type { RelayedConnection, TapConnectionInfo } from './relayed-connection';
import { TapConnection } from './tap-connection';
import { CurveTapConnection, type TerminatingKeys } from './curve-tap-connection';
import { TapKeyring, type TapCurveKeys, type TapCurvePublicKeys } from './tap-curve-keys';
import type { CurveCrypto } from '../zmtp/curve-crypto';
import { formatHost } from '../endpoint';
import { connectUpstream, listenForApps, localAddress, remoteAddress, tapRoute, type TapListener, type TapRoute } from './tap-endpoints';

/** What a tap is asked to do. */
export interface TapOptions {
  /** Where apps connect: `tcp://127.0.0.1:7000`, `ipc:///tmp/tap.sock`, `ws://127.0.0.1:5600/zmq`… */
  readonly listen: string;
  /** Where the tap connects for each app: the endpoint the apps would otherwise use. */
  readonly upstream: string;
  /** What an app sees while the upstream is down (default `mirror`). */
  readonly policy?: TapPolicy;
  /** How long one side's READY may wait for the other's, in ms (default 1000; 0 relays at once). */
  readonly readyHold?: number;
  /** `hold`: how long an app's connection may wait for the upstream, in ms (default 25 000). */
  readonly holdTimeout?: number;
  /** The first wait between upstream probes or retries, in ms (default 100); it doubles up to `probeIntervalMax`. */
  readonly probeInterval?: number;
  /** The longest wait between probes, in ms (default 2000). */
  readonly probeIntervalMax?: number;
  /** Body bytes of each data frame kept in records (default 16 384); the rest is counted and relayed. */
  readonly snaplen?: number;
  /** Whether records show PLAIN passwords (default false: only the user name and the password's length). */
  readonly showPasswords?: boolean;
  /** ZMQ_IPV6 for both legs: IPv6 addresses and names resolving to them (default false). */
  readonly ipv6?: boolean;
  /** Terminating mode: the tap ends CURVE on both legs with these keys (see {@link TapCurveKeys}). */
  readonly curve?: TapCurveKeys;
}

/** The defaults of {@link TapOptions}. */
export const TAP_DEFAULTS = {
  policy: 'mirror',
  readyHold: 1000,
  holdTimeout: 25_000,
  probeInterval: 100,
  probeIntervalMax: 2000,
  snaplen: 16_384,
  showPasswords: false,
  ipv6: false,
} as const satisfies Required<Omit<TapOptions, 'listen' | 'upstream' | 'curve'>>;

/**
 * new: not started; listening: apps can connect; upstream-down: the mirror policy closed the
 * listener while the upstream refuses; closed: stopped for good.
 */
export type TapState = 'new' | 'listening' | 'upstream-down' | 'closed';

export interface TapEvents {
  /** Every greeting, command, message and event, as it is decoded. Synchronous: a slow consumer buffers (see RecordFeed). */
  record: [record: TapRecord];
  state: [state: TapState];
}

const TIME_ORIGIN = performance.timeOrigin;
/** The current time in ms since the epoch, with microseconds. */
const now = (): number => TIME_ORIGIN + performance.now();

/** A tap between apps and one upstream endpoint. */
export class Tap extends EventEmitter<TapEvents> {
  /** The options, without the CURVE secrets (see {@link curvePublicKeys}). */
  readonly options: Readonly<Required<Omit<TapOptions, 'curve'>>>;
  readonly #route: TapRoute;
  #state: TapState = 'new';
  #listener: TapListener | undefined;
  #listenAgain: Endpoint | undefined;
  #endpoint = '';
  #nextId = 1;
  readonly #connections = new Map<number, RelayedConnection>();
  /** Terminating mode: the keys, and once started the crypto and key pairs the connections use. */
  readonly #keyring: TapKeyring | undefined;
  #curve: { crypto: CurveCrypto; keys: TerminatingKeys } | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeWait: number;
  #probe: Socket | undefined;

  /** @throws {ZmqError} for an endpoint the tap cannot use (see tapRoute), or a bad option */
  constructor(options: TapOptions) {
    super();
    const { curve, ...plain } = options;
    const merged = { ...TAP_DEFAULTS, ...definedOnly(plain) } as Required<Omit<TapOptions, 'curve'>>;
    if (merged.policy !== 'mirror' && merged.policy !== 'hold') throw new ZmqError('EINVAL', { detail: `policy ${JSON.stringify(merged.policy)}: mirror or hold` });
    for (const name of ['readyHold', 'holdTimeout', 'probeInterval', 'probeIntervalMax', 'snaplen'] as const) {
      if (!Number.isInteger(merged[name]) || merged[name] < 0) throw new ZmqError('EINVAL', { detail: `${name} must be a whole number ≥ 0, not ${merged[name]}` });
    }
    this.#route = tapRoute(merged.listen, merged.upstream);
    this.#keyring = curve === undefined ? undefined : new TapKeyring(curve);
    this.options = Object.freeze(merged);
    this.#probeWait = merged.probeInterval;
  }

  get state(): TapState {
    return this.#state;
  }

  /** The endpoint apps connect to, wildcards resolved (known once started). */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** Whether the tap terminates CURVE (it was given keys). */
  get terminating(): boolean {
    return this.#keyring !== undefined;
  }

  /** Terminating mode, once started: the server key apps must trust and the client key the upstream sees. */
  get curvePublicKeys(): TapCurvePublicKeys | undefined {
    return this.#keyring?.publicKeys;
  }

  /** The relayed connections, open ones and those closed since (by id). */
  connections(): TapConnectionInfo[] {
    return [...this.#connections.values()].map((c) => c.info);
  }

  /**
   * Binds the listen endpoint, then (mirror) checks once that the upstream answers: if it does not,
   * the listener is closed again until it does. Resolves with the endpoint apps connect to.
   * @throws {ZmqError} EADDRINUSE, EADDRNOTAVAIL, ENODEV, ENOENT… as a bind would
   */
  async start(): Promise<string> {
    if (this.#state !== 'new') throw new ZmqError('EINVAL', { detail: `the tap is ${this.#state}` });
    if (this.#keyring !== undefined) this.#curve = await this.#keyring.load();
    await this.#open(this.#route.listen);
    const keys = this.curvePublicKeys;
    const mode = keys ? `terminating CURVE: apps must trust server key ${keys.server}, the upstream sees client key ${keys.client}` : `policy ${this.options.policy}`;
    this.#event('listening', 'info', `listening on ${this.#endpoint}, relaying to ${this.options.upstream} (${mode}${keys ? `, policy ${this.options.policy}` : ''})`);
    if (this.options.policy === 'mirror' && !(await this.#upstreamAnswers())) await this.#upstreamDown('does not answer');
    return this.#endpoint;
  }

  /** Stops listening and ends every relayed connection. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probe?.destroy();
    const listener = this.#listener;
    this.#listener = undefined;
    const open = [...this.#connections.values()];
    for (const connection of open) connection.destroy('the tap stopped');
    await Promise.all([listener?.close(), ...open.map((c) => c.closed)]);
    this.#keyring?.wipe();
  }

  async #open(endpoint: Endpoint): Promise<void> {
    const listener = await listenForApps(endpoint, this.options.ipv6, (socket) => this.#accept(socket));
    if (this.#state === 'closed') {
      await listener.close();
      return;
    }
    this.#listener = listener;
    this.#listenAgain = listener.again;
    this.#endpoint = listener.lastEndpoint;
    this.#setState('listening');
  }

  #accept(socket: Socket): void {
    const id = this.#nextId++;
    const appAddress = remoteAddress(socket);
    const host = {
      readyHold: this.options.readyHold,
      showPasswords: this.options.showPasswords,
      snaplen: () => (this.listenerCount('record') > 0 ? this.options.snaplen : 0),
      now,
      emit: (record: TapRecord) => this.#emit(record),
    };
    const upstream = this.#route.upstream;
    const zwsTarget = upstream.transport === 'ws' ? { host: `${formatHost(upstream.host)}:${upstream.port}`, path: upstream.path } : undefined;
    const connection = this.#curve
      ? new CurveTapConnection(id, socket, appAddress, this.#route.framing, { ...host, ...this.#curve, zwsTarget })
      : new TapConnection(id, socket, appAddress, this.#route.framing, host);
    this.#connections.set(id, connection);
    this.#emit({ kind: 'event', time: now(), connection: id, name: 'accepted', severity: 'info', text: `app connected${appAddress ? ` from ${appAddress}` : ''}; connecting to upstream ${this.options.upstream}`, ...(appAddress ? { address: appAddress } : {}) });
    this.#connectFor(connection, now());
  }

  /** Opens the upstream leg for one app connection; on refusal, the policy decides. */
  #connectFor(connection: RelayedConnection, since: number, attempt = 0): void {
    const upstream = connectUpstream(this.#route.upstream, this.options.ipv6);
    const onError = (err: NodeJS.ErrnoException): void => {
      if (this.#state === 'closed') return;
      const why = err.code ?? err.message;
      if (this.options.policy === 'mirror') {
        connection.destroy(`upstream ${this.options.upstream} refused (${why}); the mirror policy closes the tap's listener too`);
        void this.#upstreamDown(`refused (${why})`);
        return;
      }
      const waited = now() - since;
      if (waited >= this.options.holdTimeout) {
        connection.destroy(`upstream ${this.options.upstream} still down (${why}) after ${Math.round(waited)} ms: the hold policy's limit`);
        return;
      }
      if (attempt === 0) this.#event('holding', 'warning', `upstream ${this.options.upstream} refused (${why}): holding the app's connection (its greeting waits) for up to ${this.options.holdTimeout} ms`, connection.id);
      const wait = Math.min(this.options.probeInterval * 2 ** attempt, this.options.probeIntervalMax, this.options.holdTimeout - waited);
      const timer = setTimeout(() => this.#connectFor(connection, since, attempt + 1), wait);
      void connection.closed.then(() => clearTimeout(timer));
    };
    upstream.once('error', onError);
    upstream.once('connect', () => {
      upstream.off('error', onError);
      if (this.#state === 'closed') {
        upstream.destroy();
        return;
      }
      const address = remoteAddress(upstream);
      this.#emit({ kind: 'event', time: now(), connection: connection.id, name: 'upstream-connected', severity: 'info', text: `relaying to upstream ${address ?? this.options.upstream}${localAddress(upstream) ? ` from ${localAddress(upstream)}` : ''}`, ...(address ? { address } : {}) });
      connection.attach(upstream, address);
    });
  }

  /** Mirror: the upstream refuses, so the listener closes until a probe gets through. */
  async #upstreamDown(why: string): Promise<void> {
    if (this.#state !== 'listening') return;
    this.#setState('upstream-down');
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    this.#event('upstream-down', 'warning', `upstream ${this.options.upstream} ${why}: the tap's listener is closed, so apps see ECONNREFUSED as if they connected directly; probing the upstream to reopen it`);
    this.#probeWait = this.options.probeInterval;
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#state !== 'upstream-down') return;
    this.#probeTimer = setTimeout(() => void this.#probeOnce(), this.#probeWait);
    this.#probeWait = Math.min(this.#probeWait * 2, this.options.probeIntervalMax);
  }

  async #probeOnce(): Promise<void> {
    if (this.#state !== 'upstream-down') return;
    if (!(await this.#upstreamAnswers())) {
      this.#scheduleProbe();
      return;
    }
    try {
      await this.#open(this.#listenAgain ?? this.#route.listen);
      this.#event('listener-reopened', 'info', `upstream ${this.options.upstream} answers again: listening on ${this.#endpoint}`);
    } catch (err) {
      this.#event('listen-failed', 'error', `cannot listen on ${this.#endpoint} again (${err instanceof Error ? err.message : String(err)}); retrying`);
      this.#scheduleProbe();
    }
  }

  /** Whether a connection to the upstream can be opened now (opened and closed again at once). */
  #upstreamAnswers(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = connectUpstream(this.#route.upstream, this.options.ipv6);
      this.#probe = probe;
      probe.once('error', () => resolve(false));
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
    });
  }

  #setState(state: TapState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #event(name: string, severity: Severity, text: string, connection = 0): void {
    this.#emit({ kind: 'event', time: now(), connection, name, severity, text } satisfies EventRecord);
  }

  #emit(record: TapRecord): void {
    if (this.listenerCount('record') > 0) this.emit('record', record);
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
