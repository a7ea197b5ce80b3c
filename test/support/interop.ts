/**
 * Shared pieces of the interop tests (test/interop/*.interop.test.ts), which put the core's Peer
 * on one side of a connection and a real libzmq 4.3.4 socket (test/support/libzmq.ts) on the
 * other.
 *
 * - {@link Harness}: one per test. It owns the test's own Context (sockets with linger 0), every
 *   libzmq helper it started and the temporary folders for ipc paths, and releases them all in
 *   {@link Harness.dispose} (call it in `finally`).
 * - {@link HandshakeLedger}: one per file. It remembers every monitored libzmq helper of the file,
 *   so that the file's last test can check that the core never made libzmq report a
 *   HANDSHAKE_FAILED_* event (except where a test provokes one on purpose).
 * - {@link OurEvents} / {@link FrameLog}: recorders for our socket's monitor events and traffic tap.
 * - {@link connectPair}: a Peer and a libzmq PEER joined over tcp, ipc, ws or wss in either role,
 *   with one message exchanged both ways so that each side knows the other's routing id.
 * - {@link tlsFor}: what each side of a wss connection needs to trust the other (the test
 *   certificate in test/support/fixtures).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Context, Peer, type FrameRecord, type MonitorEvent, type MonitorEventType, type PeerOptions, type ReceivedMessage } from '../../core/index';
import { LibzmqSocket, type LibzmqEvent, type LibzmqSocketType, type LibzmqStartOptions } from './libzmq';

export const TRANSPORTS = ['tcp', 'ipc'] as const;
export type StreamTransportName = (typeof TRANSPORTS)[number];

/** Who connects: our Peer to a libzmq binder, or a libzmq socket to our bound Peer. */
export const ROLES = ['ours-connects', 'libzmq-connects'] as const;
export type Role = (typeof ROLES)[number];

/** Every transport × role combination, for `for (const { transport, role } of COMBINATIONS)`. */
export const COMBINATIONS: ReadonlyArray<{ transport: StreamTransportName; role: Role }> = TRANSPORTS.flatMap((transport) =>
  ROLES.map((role) => ({ transport, role })),
);

/** ZWS 2.0 (RFC 45) over plain TCP and over TLS. */
export const WS_TRANSPORTS = ['ws', 'wss'] as const;
export type WsTransportName = (typeof WS_TRANSPORTS)[number];
export type InteropTransportName = StreamTransportName | WsTransportName;

/** The name the wss test certificate is issued to (CN and SAN DNS). */
export const WSS_HOSTNAME = 'zeromq.test';

let wssFixture: { cert: string; key: string } | undefined;

/**
 * The self-signed wss test certificate and its key (test/support/fixtures/wss-test.*), read from
 * the source tree: the compiler does not copy fixtures to out/.
 */
export function wssCredentials(): { cert: string; key: string } {
  const fixture = (name: string): string => readFileSync(join(__dirname, '..', '..', '..', 'test', 'support', 'fixtures', name), 'utf8');
  wssFixture ??= { cert: fixture('wss-test.crt'), key: fixture('wss-test.key') };
  return wssFixture;
}

/**
 * The options one side of a connection needs over `transport`, for our Peer and for libzmq:
 * over wss the binder presents the test certificate and the connector trusts exactly that
 * certificate and expects its name (libzmq: ZMQ_WSS_CERT_PEM/KEY_PEM, ZMQ_WSS_TRUST_PEM/HOSTNAME).
 * Nothing for the other transports.
 */
export function tlsFor(transport: InteropTransportName, side: 'bind' | 'connect'): { ours: PeerOptions; lib: Record<string, string> } {
  if (transport !== 'wss') return { ours: {}, lib: {} };
  const { cert, key } = wssCredentials();
  return side === 'bind'
    ? { ours: { wssCert: cert, wssKey: key }, lib: { WSS_CERT_PEM: cert, WSS_KEY_PEM: key } }
    : { ours: { wssTrust: cert, wssHostname: WSS_HOSTNAME }, lib: { WSS_TRUST_PEM: cert, WSS_HOSTNAME: WSS_HOSTNAME } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free a moment ago (for "connect before anything listens" tests). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Receives one message on our socket, failing with EAGAIN after `timeoutMs` (receiveTimeout is
 * set for the call, so no waiter is left behind to swallow a later message).
 */
export async function receiveWithin(peer: Peer, timeoutMs = 5000): Promise<ReceivedMessage> {
  peer.setOption('receiveTimeout', timeoutMs);
  return peer.receive();
}

/** Polls `check` until it returns true, failing with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Records the monitor events of one of our sockets. */
export class OurEvents {
  readonly list: MonitorEvent[] = [];
  readonly #waiters = new Set<(event: MonitorEvent) => void>();

  constructor(socket: Peer) {
    socket.on('monitor', (event) => {
      this.list.push(event);
      for (const waiter of [...this.#waiters]) waiter(event);
    });
  }

  named(type: MonitorEventType, since = 0): MonitorEvent[] {
    return this.list.slice(since).filter((e) => e.type === type);
  }

  /** The event types in order, for assertion messages. */
  describe(): string {
    return this.list.map((e) => `${e.type}(${e.value}${e.error ? ` ${e.error.code}` : ''})`).join(' ') || 'none';
  }

  /** The first event of `type` (matching `predicate`) at index `since` or later, recorded or still to come. */
  wait(type: MonitorEventType, timeoutMs = 5000, predicate?: (e: MonitorEvent) => boolean, since = 0): Promise<MonitorEvent> {
    const match = (e: MonitorEvent): boolean => e.type === type && (!predicate || predicate(e));
    const existing = this.list.slice(since).find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = (e: MonitorEvent): void => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for our ${type}; events so far: ${this.describe()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}

/** A copy of one tapped frame (the tap hands out views). */
export interface TappedFrame extends Omit<FrameRecord, 'body'> {
  readonly body: Buffer;
}

/** Records our socket's traffic tap. */
export class FrameLog {
  readonly list: TappedFrame[] = [];

  constructor(socket: Peer) {
    socket.on('frame', (record) => this.list.push({ ...record, body: Buffer.from(record.body) }));
  }

  of(direction: 'in' | 'out', kind: FrameRecord['kind']): TappedFrame[] {
    return this.list.filter((f) => f.direction === direction && f.kind === kind);
  }
}

/**
 * The libzmq helpers of one test file. A helper watched here is expected never to report a
 * HANDSHAKE_FAILED_* event; tests that provoke one on purpose start their helper with
 * `expectHandshakeFailures`.
 */
export class HandshakeLedger {
  readonly #watched: Array<{ lib: LibzmqSocket; label: string }> = [];

  watch(lib: LibzmqSocket, label: string): void {
    this.#watched.push({ lib, label });
  }

  /** How many watched helpers had a monitor (so that the check is not vacuous). */
  get monitored(): number {
    return this.#watched.filter(({ lib }) => lib.events.length > 0).length;
  }

  /** Every HANDSHAKE_FAILED_* event of a watched helper, as `label: NAME(value)`. */
  failures(): string[] {
    return this.#watched.flatMap(({ lib, label }) =>
      lib.events.filter((e) => e.name.startsWith('HANDSHAKE_FAILED')).map((e) => `${label}: ${e.name}(0x${e.value.toString(16)})`),
    );
  }
}

/**
 * `it(name, fn)` with a fresh {@link Harness} (recording into `ledger`) that is disposed of
 * whatever happens.
 */
export function interopTest(ledger?: HandshakeLedger): (name: string, fn: (h: Harness) => Promise<void>) => void {
  return (name, fn) =>
    it(name, async () => {
      const h = new Harness(ledger, name);
      try {
        await fn(h);
      } finally {
        await h.dispose();
      }
    });
}

/** The last test of a file: no watched libzmq socket reported a failed handshake. */
export function itReportsNoHandshakeFailures(ledger: HandshakeLedger): void {
  it('no HANDSHAKE_FAILED_* event on any monitored libzmq socket of this file (raw-client tests excepted)', () => {
    assert.ok(ledger.monitored > 0, 'no monitored libzmq socket was recorded');
    assert.deepEqual(ledger.failures(), []);
  });
}

export interface LibStartOptions extends LibzmqStartOptions {
  /** The test provokes HANDSHAKE_FAILED_* on purpose: keep this helper out of the ledger. */
  expectHandshakeFailures?: boolean;
}

/** What one interop test holds; {@link dispose} releases it all. */
export class Harness {
  readonly #ledger: HandshakeLedger | undefined;
  readonly #label: string;
  readonly #libs: LibzmqSocket[] = [];
  readonly #dirs: string[] = [];
  readonly #cleanups: Array<() => unknown> = [];
  #context: Context | undefined;

  constructor(ledger?: HandshakeLedger, label = 'test') {
    this.#ledger = ledger;
    this.#label = label;
  }

  /** This test's own Context. */
  get context(): Context {
    if (!this.#context) this.#context = new Context();
    return this.#context;
  }

  /** A Peer in this test's Context, linger 0 unless told otherwise. */
  peer(options: PeerOptions = {}): Peer {
    return new Peer({ linger: 0, ...options, context: this.context });
  }

  /** A libzmq helper (LINGER 0 unless told otherwise), closed by {@link dispose}. */
  async lib(type: LibzmqSocketType, options: LibStartOptions = {}): Promise<LibzmqSocket> {
    const { expectHandshakeFailures, ...start } = options;
    const lib = await LibzmqSocket.start(type, { ...start, options: { LINGER: 0, ...start.options } });
    this.#libs.push(lib);
    if (!expectHandshakeFailures) this.#ledger?.watch(lib, `${this.#label} / ${type} #${this.#libs.length}`);
    return lib;
  }

  /** A fresh `ipc://` path in a private temporary folder (removed by {@link dispose}). */
  ipcEndpoint(name = 'peer.sock'): string {
    if (this.#dirs.length === 0) this.#dirs.push(mkdtempSync(join(tmpdir(), 'zpd-interop-')));
    return `ipc://${join(this.#dirs[0], name)}`;
  }

  /** An endpoint to bind: an ephemeral tcp (or ws/wss) port on loopback, or a fresh ipc path. */
  bindEndpoint(transport: InteropTransportName, name?: string): string {
    return transport === 'ipc' ? this.ipcEndpoint(name) : `${transport}://127.0.0.1:*`;
  }

  /** Runs `fn` in {@link dispose}, before the helpers and the context are closed. */
  defer(fn: () => unknown): void {
    this.#cleanups.push(fn);
  }

  async dispose(): Promise<void> {
    for (const fn of this.#cleanups.splice(0).reverse()) await fn();
    // A helper frozen by stop() must be resumed to quit cleanly (close() would SIGKILL it anyway).
    for (const lib of this.#libs) lib.cont();
    await Promise.all(this.#libs.map((lib) => lib.close()));
    await this.#context?.term();
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A Peer and a libzmq PEER that have exchanged one message each way. */
export interface Pair {
  readonly ours: Peer;
  readonly lib: LibzmqSocket;
  /** The endpoint the binder is bound to (its ZMQ_LAST_ENDPOINT). */
  readonly endpoint: string;
  /** The routing id our socket uses for the libzmq peer. */
  readonly ourId: number;
  /** The routing id the libzmq socket uses for our peer. */
  readonly libId: number;
  readonly ourEvents: OurEvents;
  readonly frames: FrameLog;
}

export interface PairOptions {
  readonly ours?: PeerOptions;
  readonly lib?: LibStartOptions;
  /** The endpoint the connector dials, given the binder's (e.g. a proxy's); the binder's when absent. */
  readonly via?: (bound: string) => string | Promise<string>;
  /** Runs on the libzmq socket before it binds or connects (e.g. to give it ZAP rules). */
  readonly prepare?: (lib: LibzmqSocket) => Promise<void>;
}

/**
 * Binds one side, connects the other with connect_peer and exchanges "ping"/"pong", checking that
 * the connect side's id is the one its messages come back under. Over wss each side gets the
 * {@link tlsFor} options of its role, under those given.
 */
export async function connectPair(h: Harness, transport: InteropTransportName, role: Role, options: PairOptions = {}): Promise<Pair> {
  const [ourSide, libSide] = role === 'ours-connects' ? (['connect', 'bind'] as const) : (['bind', 'connect'] as const);
  const ours = h.peer({ ...tlsFor(transport, ourSide).ours, ...options.ours });
  const ourEvents = new OurEvents(ours);
  const frames = new FrameLog(ours);
  const lib = await h.lib('PEER', { monitor: true, ...options.lib, options: { ...tlsFor(transport, libSide).lib, ...options.lib?.options } });
  await options.prepare?.(lib);
  const via = options.via ?? ((bound: string) => bound);
  let ourId: number;
  let libId: number;
  let endpoint: string;
  if (role === 'ours-connects') {
    endpoint = await lib.bind(h.bindEndpoint(transport));
    ourId = ours.connectPeer(await via(endpoint));
    await ours.send(ourId, 'ping');
    const ping = await lib.receive(5000);
    if (ping.data.toString() !== 'ping') throw new Error(`libzmq received ${ping.data.toString()} instead of ping`);
    libId = ping.routingId;
    await lib.send(libId, 'pong');
    const pong = await receiveWithin(ours);
    if (pong.routingId !== ourId || pong.data.toString() !== 'pong') throw new Error(`got ${pong.data.toString()} from ${pong.routingId}, expected pong from ${ourId}`);
  } else {
    endpoint = await ours.bind(h.bindEndpoint(transport));
    libId = await lib.connectPeer(await via(endpoint));
    await lib.send(libId, 'ping');
    const ping = await receiveWithin(ours);
    if (ping.data.toString() !== 'ping') throw new Error(`we received ${ping.data.toString()} instead of ping`);
    ourId = ping.routingId;
    await ours.send(ourId, 'pong');
    const pong = await lib.receive(5000);
    if (pong.routingId !== libId || pong.data.toString() !== 'pong') throw new Error(`libzmq got ${pong.data.toString()} from ${pong.routingId}, expected pong from ${libId}`);
  }
  return { ours, lib, endpoint, ourId, libId, ourEvents, frames };
}

/** The names of libzmq events, in order, from index `since`. */
export function libEventNames(lib: { events: LibzmqEvent[] }, since = 0): string[] {
  return lib.events.slice(since).map((e) => e.name);
}

/**
 * Scenario 5 with ours connecting (protocol.md §5.7): the libzmq binder is killed and restarted on
 * the same endpoint; our connect-side routing id survives, queues during the outage and delivers
 * afterwards. Shared by the tcp/ipc and the ws/wss interop files.
 */
export async function restartedBinderKeepsOurId(h: Harness, transport: InteropTransportName): Promise<void> {
  const { ours, lib, endpoint, ourId, ourEvents } = await connectPair(h, transport, 'ours-connects');
  const mark = ourEvents.list.length;
  lib.kill('SIGKILL');
  await lib.exited;
  const lost = await ourEvents.wait('DISCONNECTED', 5000, undefined, mark);
  assert.equal(lost.routingId, ourId);
  assert.equal(lost.error, undefined, 'a lost connection is not a protocol error');
  await ourEvents.wait('CONNECT_RETRIED', 5000, undefined, mark);

  // During the outage the id stays valid and queues.
  assert.deepEqual(ours.routingIds, [ourId]);
  await ours.send(ourId, 'during the outage');
  assert.equal(ours.connections()[0].queuedOut, 1);

  const restarted = await h.lib('PEER', { monitor: true, options: tlsFor(transport, 'bind').lib });
  assert.equal(await restarted.bind(endpoint), endpoint, 'the same port / path again');
  await ours.send(ourId, 'after the restart');
  const first = await restarted.receive(5000);
  const second = await restarted.receive(5000);
  assert.deepEqual([first.data.toString(), second.data.toString()], ['during the outage', 'after the restart']);
  assert.equal(second.routingId, first.routingId, 'one connection on the new binder');
  // A new socket, so a new id space: its id is valid there (replies reach us under our old id).
  // Numerically it may equal the dead binder's id: libzmq never seeds rand(), so every fresh
  // process hands out the same first id (protocol.md §1.2).
  assert.ok(first.routingId > 0);
  await restarted.send(first.routingId, 'welcome back');
  const reply = await receiveWithin(ours);
  assert.deepEqual([reply.routingId, reply.data.toString()], [ourId, 'welcome back']);

  const again = await ourEvents.wait('HANDSHAKE_SUCCEEDED', 5000, (e) => e.routingId === ourId, mark);
  assert.equal(again.routingId, ourId, 'the reconnected handshake carries the same id');
  assert.equal(ours.connections().length, 1, 'still one connection record');
  assert.ok(ours.connections()[0].reconnects >= 1);
  // libzmq's ws engine reports HANDSHAKE_SUCCEEDED twice per connection (upgrade, then READY).
  const handshakes = transport === 'ws' || transport === 'wss' ? ['HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED'] : ['HANDSHAKE_SUCCEEDED'];
  assert.deepEqual(libEventNames(restarted).slice(0, 2 + handshakes.length), ['LISTENING', 'ACCEPTED', ...handshakes]);
}
