/**
 * Helpers for the behaviour tests (test/behaviour): which transports to run, fresh endpoints per
 * test, per-transport socket options, a per-test socket factory, waiting for monitor events with
 * a deadline, raw ZMTP peers that speak bytes the core would never send (malformed greetings,
 * multipart frames, silent heartbeats…), and raw WebSocket peers for ws/wss (hand-made HTTP
 * upgrades and RFC 6455 frames: masked or not, fragmented, text, any length).
 *
 * The raw peers build and parse their bytes here, independently of core/zmtp, core/zws and the
 * `ws` package, so that a codec bug cannot hide itself by being on both ends of the wire.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer } from 'node:tls';
import { Context, Peer, Server, type PeerOptions } from '../../core';
import type { MonitorEvent, MonitorEventType } from '../../core/events';
import type { SocketBase } from '../../core/socket/socket-base';
import { ascii, concat } from './hex';

/** The transports the behaviour tests know. */
export type TestTransport = 'tcp' | 'ipc' | 'inproc' | 'ws' | 'wss';

/** The transports carried by a WebSocket. */
export const isWebSocket = (transport: TestTransport): transport is 'ws' | 'wss' => transport === 'ws' || transport === 'wss';

/**
 * The transports among `names` that this platform can run, in the order given. ipc needs Unix
 * domain sockets with filesystem paths; on Windows it is left out (and said so once).
 */
export function testTransports<T extends TestTransport>(...names: T[]): T[] {
  const out: T[] = [];
  for (const name of names) {
    if (name === 'ipc' && process.platform === 'win32') {
      warnOnce('ipc', 'ipc:// tests skipped: Windows has no Unix domain socket paths here');
      continue;
    }
    out.push(name);
  }
  if (out.length === 0) throw new Error(`None of the transports ${names.join(', ')} can run on ${process.platform}`);
  return out;
}

const warned = new Set<string>();
function warnOnce(key: string, text: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(text);
}

// --- Endpoints --------------------------------------------------------------------------------

let inprocCounter = 0;
const tempDirs: string[] = [];

process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new private folder for ipc socket files, removed when the process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zmq-peer-test-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * An endpoint to bind for one test: `tcp://127.0.0.1:*` (read the real port back from `bind`),
 * `ipc://<fresh folder>/s.sock`, `inproc://test-<n>`, or `ws://127.0.0.1:*` / `wss://127.0.0.1:*`
 * followed by `path` when one is given (one segment: libzmq 4.3.4 refuses a wildcard port
 * followed by several).
 */
export function uniqueEndpoint(transport: TestTransport, path = ''): string {
  switch (transport) {
    case 'tcp':
      return 'tcp://127.0.0.1:*';
    case 'ipc':
      return `ipc://${join(tempDir(), 's.sock')}`;
    case 'inproc':
      return `inproc://test-${++inprocCounter}`;
    case 'ws':
    case 'wss':
      return `${transport}://127.0.0.1:*${path}`;
  }
}

/**
 * An endpoint nobody is bound to yet but that can be connected to and bound later: a tcp port
 * that was free a moment ago, a path in a fresh folder, a new inproc name.
 */
export async function unboundEndpoint(transport: TestTransport): Promise<string> {
  if (transport === 'ipc' || transport === 'inproc') return uniqueEndpoint(transport);
  const port = await freePort();
  return `${transport}://127.0.0.1:${port}`;
}

/** A tcp port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no tcp port');
  return address.port;
}

/** The net.connect options for a tcp:// or ipc:// endpoint as the core reports it. */
function netTarget(endpoint: string): { host: string; port: number } | { path: string } {
  const tcp = /^tcp:\/\/(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(endpoint);
  if (tcp) return { host: tcp[1] ?? tcp[2], port: Number(tcp[3]) };
  const ipc = /^ipc:\/\/(\/.+)$/.exec(endpoint);
  if (ipc) return { path: ipc[1] };
  throw new Error(`raw peers need a resolved tcp:// or ipc:// endpoint, not ${endpoint}`);
}

// --- Per-transport options and the socket factory -----------------------------------------------

/** The folder of the test fixtures (this file runs from out/test/support, the fixtures stay in test/). */
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'support', 'fixtures');

/** The name in the test certificate's CN and SAN. */
export const WSS_HOSTNAME = 'zeromq.test';

/** The self-signed test certificate and its key (PEM), for wss binds, connects and raw TLS peers. */
export const wssFixture: { readonly key: string; readonly cert: string } = {
  get key(): string {
    return readFileSync(join(FIXTURES, 'wss-test.key'), 'utf8');
  },
  get cert(): string {
    return readFileSync(join(FIXTURES, 'wss-test.crt'), 'utf8');
  },
};

/**
 * The socket options a transport needs on every peer. wss: the key and certificate (to bind) and
 * the same certificate as trust anchor with its host name (to connect), so any peer can do both.
 */
export function transportOptions(transport: TestTransport | undefined): PeerOptions {
  if (transport !== 'wss') return {};
  const { key, cert } = wssFixture;
  return { wssKey: key, wssCert: cert, wssTrust: cert, wssHostname: WSS_HOSTNAME };
}

/** How many HANDSHAKE_SUCCEEDED events one connection makes: two over ws/wss (libzmq's quirk, protocol.md §3.7). */
export function handshakeEventsPerConnection(transport: TestTransport): number {
  return isWebSocket(transport) ? 2 : 1;
}

/** What {@link usePeers} gives a test. */
export interface PeerFixture {
  /** The context of the running test, terminated after it. */
  readonly ctx: Context;
  /** A PEER in the test's context: linger 0, the transport's options, then `options`. */
  peer(options?: PeerOptions): Peer;
  /** A SERVER socket, made the same way. */
  server(options?: PeerOptions): Server;
  /** A PEER bound to a fresh endpoint of the transport, and the endpoint to connect to. */
  bound(options?: PeerOptions): Promise<{ socket: Peer; endpoint: string }>;
}

/**
 * The per-test setup every behaviour file shares: call it inside a `describe`. Each test gets a
 * new Context; after it the context is terminated (closing every socket) and raw peers are
 * destroyed. Sockets made through it get linger 0 and the transport's options.
 */
export function usePeers(transport?: TestTransport): PeerFixture {
  let current: Context | undefined;
  beforeEach(() => {
    current = new Context();
  });
  afterEach(async () => {
    const ctx = current;
    current = undefined;
    try {
      if (ctx) await withTimeout(ctx.term(), 5000, 'ctx.term()');
    } finally {
      closeRawPeers();
    }
  });
  const context = (): Context => {
    if (!current) throw new Error('usePeers: sockets can only be made while a test runs');
    return current;
  };
  const made = (options: PeerOptions): PeerOptions => ({ linger: 0, ...transportOptions(transport), ...options, context: context() });
  const fixture: PeerFixture = {
    get ctx(): Context {
      return context();
    },
    peer: (options = {}) => new Peer(made(options)),
    server: (options = {}) => new Server(made(options)),
    async bound(options = {}) {
      if (!transport) throw new Error('usePeers: bound() needs a transport');
      const socket = fixture.peer(options);
      const endpoint = await socket.bind(uniqueEndpoint(transport));
      return { socket, endpoint };
    },
  };
  return fixture;
}

// --- Waiting ----------------------------------------------------------------------------------

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return sleep(ms);
}

/** The next monitor event of `type` (and matching `predicate`) the socket emits from now on. */
export function nextEvent(socket: SocketBase, type: MonitorEventType, predicate: (event: MonitorEvent) => boolean = () => true, timeoutMs = 3000): Promise<MonitorEvent> {
  let listener: ((event: MonitorEvent) => void) | undefined;
  const seen = new Promise<MonitorEvent>((resolve) => {
    listener = (event) => {
      if (event.type === type && predicate(event)) resolve(event);
    };
    socket.on('monitor', listener);
  });
  return withTimeout(seen, timeoutMs, `monitor event ${type}`).finally(() => socket.off('monitor', listener!));
}

/**
 * Every monitor event of a socket from the moment this is called, so that a test can wait for an
 * event that may already have happened.
 */
export class EventLog {
  readonly events: MonitorEvent[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: SocketBase) {
    socket.on('monitor', (event) => {
      this.events.push(event);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** The events so far, optionally only those of some types. */
  ofType(...types: MonitorEventType[]): MonitorEvent[] {
    return types.length === 0 ? [...this.events] : this.events.filter((e) => types.includes(e.type));
  }

  /** The type names in order, optionally only for one connection. */
  types(connectionId?: number): MonitorEventType[] {
    return this.events.filter((e) => connectionId === undefined || e.connectionId === connectionId).map((e) => e.type);
  }

  /** The `count`-th event (1-based) of `type` matching `predicate`, waiting for it if needed. */
  async waitFor(type: MonitorEventType, predicate: (event: MonitorEvent) => boolean = () => true, timeoutMs = 3000, count = 1): Promise<MonitorEvent> {
    const find = (): MonitorEvent | undefined => this.events.filter((e) => e.type === type && predicate(e))[count - 1];
    const found = find();
    if (found) return found;
    let wake: (() => void) | undefined;
    const seen = new Promise<MonitorEvent>((resolve) => {
      wake = () => {
        const event = find();
        if (event) resolve(event);
      };
      this.#waiters.add(wake);
    });
    return withTimeout(seen, timeoutMs, `monitor event ${type}${count > 1 ? ` #${count}` : ''}`).finally(() => this.#waiters.delete(wake!));
  }
}

/** Starts recording a socket's monitor events. */
export function recordEvents(socket: SocketBase): EventLog {
  return new EventLog(socket);
}

// --- Raw ZMTP bytes ---------------------------------------------------------------------------

/** A 64-byte ZMTP greeting: `FF 00×8 7F major minor mechanism(20) as-server filler(31)`. */
export function rawGreeting(options: { major?: number; minor?: number; mechanism?: string } = {}): Uint8Array {
  const out = new Uint8Array(64);
  out[0] = 0xff;
  out[9] = 0x7f;
  out[10] = options.major ?? 3;
  out[11] = options.minor ?? 1;
  out.set(ascii(options.mechanism ?? 'NULL'), 12);
  return out;
}

/** One frame: flags, a 1-byte size up to 255 or the LONG flag and an 8-byte size, the body. */
export function rawFrame(body: Uint8Array | string, flags = 0): Uint8Array {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (bytes.length <= 255) return concat(Uint8Array.of(flags, bytes.length), bytes);
  const header = new Uint8Array(9);
  header[0] = flags | 0x02;
  new DataView(header.buffer).setBigUint64(1, BigInt(bytes.length));
  return concat(header, bytes);
}

/** A command frame: flags 04, `name-length name data`. */
export function rawCommand(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return rawFrame(concat(Uint8Array.of(name.length), ascii(name), data), 0x04);
}

/** READY carrying `Socket-Type` (and nothing else). */
export function rawReady(socketType = 'PEER'): Uint8Array {
  const value = ascii(socketType);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, value.length);
  return rawCommand('READY', concat(Uint8Array.of(11), ascii('Socket-Type'), length, value));
}

/** PING with a TTL in deciseconds and an optional context. */
export function rawPing(ttlDeciseconds: number, context: Uint8Array = new Uint8Array(0)): Uint8Array {
  return rawCommand('PING', concat(Uint8Array.of(ttlDeciseconds >> 8, ttlDeciseconds & 0xff), context));
}

/** ERROR with a reason. */
export function rawError(reason: string): Uint8Array {
  return rawCommand('ERROR', concat(Uint8Array.of(reason.length), ascii(reason)));
}

/** One frame read back from the core. */
export interface RawFrame {
  readonly flags: number;
  readonly body: Buffer;
  /** The command name, when the COMMAND flag is set and the body can hold one. */
  readonly command: string | undefined;
}

/** Every raw socket and server made by these helpers, for {@link closeRawPeers}. */
const openRaw = new Set<{ destroy(): void }>();

/** Destroys every raw peer and server still open (call it in afterEach). */
export function closeRawPeers(): void {
  for (const raw of [...openRaw]) raw.destroy();
  openRaw.clear();
}

/**
 * A byte-level view of one net.Socket talking to the core: write anything, read exactly what
 * the core sent (the greeting, then frames), and see when the core hung up.
 */
export class RawConnection {
  readonly socket: Socket;
  /** Resolves when the connection has closed, from either side. */
  readonly closed: Promise<void>;
  #closed = false;
  #closedAt: number | undefined;
  /** Received and not yet consumed by a read. */
  #pending: Buffer = Buffer.alloc(0);
  #all: Buffer[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    this.socket = socket;
    openRaw.add(this);
    socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      this.#all.push(chunk);
      this.#wake();
    });
    // A reset from the core is one of the ways it closes a bad connection; not an error here.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        this.#closedAt = Date.now();
        openRaw.delete(this);
        this.#wake();
        resolve();
      });
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Date.now() when the connection closed. */
  get closedAt(): number | undefined {
    return this.#closedAt;
  }

  /** Every byte received so far, consumed or not. */
  get received(): Buffer {
    return Buffer.concat(this.#all);
  }

  write(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves when `ready()` returns something, or rejects after `timeoutMs`/on close. */
  async #until<T>(ready: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = ready();
    if (now !== undefined) return now;
    let wake: (() => void) | undefined;
    const result = new Promise<T>((resolve, reject) => {
      wake = () => {
        const value = ready();
        if (value !== undefined) resolve(value);
        else if (this.#closed) reject(new Error(`Connection closed while waiting for ${what}`));
      };
      this.#waiters.add(wake);
      wake();
    });
    return withTimeout(result, timeoutMs, what).finally(() => this.#waiters.delete(wake!));
  }

  /** Exactly `n` bytes from what the core sent. */
  read(n: number, timeoutMs = 3000): Promise<Buffer> {
    return this.#until(
      () => {
        if (this.#pending.length < n) return undefined;
        const out = this.#pending.subarray(0, n);
        this.#pending = this.#pending.subarray(n);
        return Buffer.from(out);
      },
      timeoutMs,
      `${n} bytes from the core`,
    );
  }

  /** What the core sent up to and including the first `marker` (an HTTP head ends at CRLF CRLF). */
  readUntil(marker: string, timeoutMs = 3000): Promise<Buffer> {
    return this.#until(
      () => {
        const end = this.#pending.indexOf(marker, 0, 'latin1');
        if (end < 0) return undefined;
        const out = Buffer.from(this.#pending.subarray(0, end + marker.length));
        this.#pending = this.#pending.subarray(end + marker.length);
        return out;
      },
      timeoutMs,
      `${JSON.stringify(marker)} from the core`,
    );
  }

  /** The next whole frame the core sent (call after the greeting has been read). */
  readFrame(timeoutMs = 3000): Promise<RawFrame> {
    return this.#until(() => this.#takeFrame(), timeoutMs, 'a frame from the core');
  }

  /** The next frame that is not a PING or PONG command. */
  async readNonHeartbeatFrame(timeoutMs = 3000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.readFrame(Math.max(1, deadline - Date.now()));
      if (frame.command !== 'PING' && frame.command !== 'PONG') return frame;
    }
  }

  #takeFrame(): RawFrame | undefined {
    const buf = this.#pending;
    if (buf.length < 2) return undefined;
    const flags = buf[0];
    let size: number;
    let header: number;
    if (flags & 0x02) {
      if (buf.length < 9) return undefined;
      size = Number(buf.readBigUInt64BE(1));
      header = 9;
    } else {
      size = buf[1];
      header = 2;
    }
    if (buf.length < header + size) return undefined;
    const body = Buffer.from(buf.subarray(header, header + size));
    this.#pending = buf.subarray(header + size);
    const command = flags & 0x04 && body.length >= 1 && body[0] <= body.length - 1 ? body.subarray(1, 1 + body[0]).toString('latin1') : undefined;
    return { flags, body, command };
  }

  /**
   * A NULL handshake as a PEER: sends our greeting and READY at once, then reads the core's
   * 64-byte greeting and its READY frame. Returns the core's greeting and READY body.
   */
  async handshake(options: { socketType?: string; timeoutMs?: number } = {}): Promise<{ greeting: Buffer; ready: RawFrame }> {
    const timeoutMs = options.timeoutMs ?? 3000;
    this.write(concat(rawGreeting(), rawReady(options.socketType ?? 'PEER')));
    const greeting = await this.read(64, timeoutMs);
    const ready = await this.readFrame(timeoutMs);
    if (ready.command !== 'READY') throw new Error(`expected READY from the core, got flags ${ready.flags} body ${ready.body.toString('hex')}`);
    return { greeting, ready };
  }

  /** Waits for the core to close the connection. */
  waitClosed(timeoutMs = 3000): Promise<void> {
    return withTimeout(this.closed, timeoutMs, 'the core to close the raw connection');
  }
}

/** A raw client connected to a tcp:// or ipc:// endpoint (resolved, as lastEndpoint gives it). */
export async function rawZmtpClient(endpoint: string, timeoutMs = 3000): Promise<RawConnection> {
  const socket = netConnect(netTarget(endpoint));
  const connection = new RawConnection(socket);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    timeoutMs,
    `a raw connection to ${endpoint}`,
  );
  return connection;
}

/** A raw listener the core can connect to; each accepted connection is wrapped as a `C`. */
export class RawListener<C extends RawConnection> {
  readonly server: NetServer;
  readonly endpoint: string;
  readonly connections: C[] = [];
  readonly #waiters = new Set<() => void>();

  protected constructor(server: NetServer, endpoint: string, connectionEvent: string, wrap: (socket: Socket) => C, onConnection: ((connection: C) => void) | undefined) {
    this.server = server;
    this.endpoint = endpoint;
    openRaw.add(this);
    server.on(connectionEvent, (socket: Socket) => {
      const connection = wrap(socket);
      this.connections.push(connection);
      onConnection?.(connection);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** The `index`-th accepted connection (0-based), waiting for it if needed. */
  connection(index = 0, timeoutMs = 3000): Promise<C> {
    const existing = this.connections[index];
    if (existing) return Promise.resolve(existing);
    let wake: (() => void) | undefined;
    const accepted = new Promise<C>((resolve) => {
      wake = () => {
        if (this.connections[index]) resolve(this.connections[index]);
      };
      this.#waiters.add(wake);
    });
    return withTimeout(accepted, timeoutMs, `raw server connection #${index}`).finally(() => this.#waiters.delete(wake!));
  }

  destroy(): void {
    openRaw.delete(this);
    for (const connection of this.connections) connection.destroy();
    this.server.close();
  }
}

/** Listens on `server` at a fresh tcp port on 127.0.0.1, or at `path`. */
async function listenRaw(server: NetServer, path?: string): Promise<number | undefined> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (path) server.listen({ path }, resolve);
    else server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const address = server.address();
  return path ? undefined : (address as { port: number }).port;
}

/** A raw ZMTP listener; each accepted connection is a {@link RawConnection}. */
export class RawZmtpServer extends RawListener<RawConnection> {
  /** Listens on a fresh tcp port on 127.0.0.1 or a fresh ipc path. */
  static async listen(transport: 'tcp' | 'ipc', onConnection?: (connection: RawConnection) => void): Promise<RawZmtpServer> {
    const server = createServer();
    const path = transport === 'ipc' ? join(tempDir(), 'raw.sock') : undefined;
    const port = await listenRaw(server, path);
    const endpoint = path ? `ipc://${path}` : `tcp://127.0.0.1:${port}`;
    return new RawZmtpServer(server, endpoint, 'connection', (socket) => new RawConnection(socket), onConnection);
  }
}

/** Tracks unhandled rejections and uncaught exceptions while a test file runs. */
export function trackUnhandled(): { readonly errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (err: unknown): void => {
    errors.push(err);
  };
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}

/** Polls `condition` every few ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

// --- Raw WebSocket peers (ws, wss) ----------------------------------------------------------------

/** RFC 6455 §5.2 opcodes. */
export const WS_OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One hand-made WebSocket frame. */
export interface WsFrameSpec {
  /** Default: empty. */
  readonly payload?: Uint8Array | string;
  /** Default: binary (2). */
  readonly opcode?: number;
  /** The FIN bit. Default: true. */
  readonly fin?: boolean;
  /** RSV1..3 as the 3-bit value of bits 6..4 of the first byte. Default: 0. */
  readonly rsv?: number;
  /** true: a random masking key; a 4-byte array: that key; false: unmasked. */
  readonly mask: boolean | Uint8Array;
  /** Force a length form (7-bit, 16-bit after 126, 64-bit after 127); default: the shortest. */
  readonly lengthForm?: 7 | 16 | 64;
}

/** Builds one WebSocket frame byte by byte (RFC 6455 §5.2). */
export function wsFrame(spec: WsFrameSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : (spec.payload ?? new Uint8Array(0));
  const length = payload.length;
  const form = spec.lengthForm ?? (length <= 125 ? 7 : length <= 0xffff ? 16 : 64);
  if (form === 7 && length > 125) throw new Error(`a 7-bit length cannot hold ${length}`);
  if (form === 16 && length > 0xffff) throw new Error(`a 16-bit length cannot hold ${length}`);
  const key = spec.mask === true ? randomBytes(4) : spec.mask === false ? undefined : spec.mask;
  if (key && key.length !== 4) throw new Error('a masking key has 4 bytes');
  const extended = form === 7 ? 0 : form === 16 ? 2 : 8;
  const header = new Uint8Array(2 + extended + (key ? 4 : 0));
  header[0] = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 0x7) << 4) | ((spec.opcode ?? WS_OPCODE.binary) & 0x0f);
  header[1] = (key ? 0x80 : 0) | (form === 7 ? length : form === 16 ? 126 : 127);
  const view = new DataView(header.buffer);
  if (form === 16) view.setUint16(2, length);
  if (form === 64) view.setBigUint64(2, BigInt(length));
  if (key) header.set(key, 2 + extended);
  const body = Uint8Array.from(payload);
  if (key) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return concat(header, body);
}

/** The payload of a ZWS 2.0 message: the flags byte (00 last, 01 more, 02 command), then the body. */
export function zwsPayload(body: Uint8Array | string, flags = 0): Uint8Array {
  return concat(Uint8Array.of(flags), typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

/** A command body: `name-length name data` (the same over ZMTP and ZWS). */
export function rawCommandBody(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(Uint8Array.of(name.length), ascii(name), data);
}

/** A READY command body carrying `Socket-Type` (and nothing else). */
export function rawReadyBody(socketType = 'PEER'): Uint8Array {
  const value = ascii(socketType);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, value.length);
  return rawCommandBody('READY', concat(Uint8Array.of(11), ascii('Socket-Type'), length, value));
}

/** RFC 6455 §1.3 GUID; the accept key is base64(SHA-1(key + GUID)). */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function wsAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function wsKey(): string {
  return randomBytes(16).toString('base64');
}

/** The sub-protocols libzmq's NULL client offers. */
export const LIBZMQ_OFFER = 'ZWS2.0/NULL,ZWS2.0';

/** A hand-made upgrade request; every field defaults to libzmq's bytes (protocol.md §3.3). */
export interface UpgradeRequestSpec {
  readonly method?: string;
  readonly path?: string;
  /** The request line's version. Default: HTTP/1.1. */
  readonly version?: string;
  /** Host header value (libzmq: the host without the port). */
  readonly host?: string;
  readonly key?: string;
  /** Sec-WebSocket-Protocol; null leaves the header out. Default: `ZWS2.0/NULL,ZWS2.0`. */
  readonly protocols?: string | null;
  /**
   * Header changes: a name of one of libzmq's headers replaces its value in place (null removes
   * the line); any other name is added after them, in the order given.
   */
  readonly headers?: Readonly<Record<string, string | null>>;
}

/**
 * The upgrade request bytes. Defaults, in libzmq's fixed order: `GET {path} HTTP/1.1`, Host,
 * `Upgrade: websocket`, `Connection: Upgrade`, Sec-WebSocket-Key, Sec-WebSocket-Protocol,
 * `Sec-WebSocket-Version: 13`, CRLF line ends, an empty line.
 */
export function upgradeRequest(spec: UpgradeRequestSpec = {}): string {
  const lines: Array<[string, string | null]> = [
    ['Host', spec.host ?? '127.0.0.1'],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', spec.key ?? wsKey()],
    ['Sec-WebSocket-Protocol', spec.protocols === undefined ? LIBZMQ_OFFER : spec.protocols],
    ['Sec-WebSocket-Version', '13'],
  ];
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    const existing = lines.find(([n]) => n.toLowerCase() === name.toLowerCase());
    if (existing) existing[1] = value;
    else lines.push([name, value]);
  }
  const head = `${spec.method ?? 'GET'} ${spec.path ?? '/'} ${spec.version ?? 'HTTP/1.1'}\r\n`;
  return head + lines.filter(([, value]) => value !== null).map(([name, value]) => `${name}: ${value}\r\n`).join('') + '\r\n';
}

/** libzmq's 101 response (protocol.md §3.4), exactly. */
export function switchingProtocols(key: string, protocol = 'ZWS2.0/NULL'): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${wsAccept(key)}\r\n` +
    `Sec-WebSocket-Protocol: ${protocol}\r\n` +
    '\r\n'
  );
}

/** An HTTP request or response head as received. */
export interface HttpHead {
  /** The head as text, CRLF CRLF included. */
  readonly raw: string;
  /** Request line or status line. */
  readonly startLine: string;
  /** A response's status code (undefined for a request). */
  readonly status: number | undefined;
  /** Header lines in order, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The first value of a header (name case-insensitive). */
  header(name: string): string | undefined;
  /** Every value of a header. */
  all(name: string): string[];
}

export function parseHttpHead(raw: string): HttpHead {
  const lines = raw.replace(/\r\n\r\n$/, '').split('\r\n');
  const startLine = lines[0];
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const statusMatch = /^HTTP\/\d\.\d (\d{3})/.exec(startLine);
  const all = (name: string): string[] => headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return { raw, startLine, status: statusMatch ? Number(statusMatch[1]) : undefined, headers, all, header: (name) => all(name)[0] };
}

/** One WebSocket frame read back from the core, unmasked. */
export interface RawWsFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
  /** The frame exactly as it arrived (header, key, masked payload). */
  readonly bytes: Buffer;
}

/** One ZWS message read back from the core: the flags byte and the body. */
export interface RawZwsMessage {
  readonly flags: number;
  readonly body: Buffer;
  readonly frame: RawWsFrame;
}

/** host, port and path of a `ws://` or `wss://` endpoint as the core reports it. */
export function wsTarget(endpoint: string): { secure: boolean; host: string; port: number; path: string } {
  const match = /^(wss?):\/\/(?:\[([^\]]+)\]|([^:/]+)):(\d+)(\/.*)?$/.exec(endpoint);
  if (!match) throw new Error(`raw ws peers need a resolved ws:// or wss:// endpoint, not ${endpoint}`);
  return { secure: match[1] === 'wss', host: match[2] ?? match[3], port: Number(match[4]), path: match[5] ?? '/' };
}

/**
 * A RawConnection speaking WebSocket: a client (the core is the server; frames masked by default)
 * or a server (the core is the client; frames unmasked by default).
 */
export class RawWsConnection extends RawConnection {
  readonly role: 'client' | 'server';

  constructor(socket: Socket, role: 'client' | 'server') {
    super(socket);
    this.role = role;
  }

  /** Whether frames from this side are masked unless a spec says otherwise (RFC 6455 §5.1). */
  get masks(): boolean {
    return this.role === 'client';
  }

  /** The next HTTP head (request or response) the core sent. */
  async readHead(timeoutMs = 3000): Promise<HttpHead> {
    return parseHttpHead((await this.readUntil('\r\n\r\n', timeoutMs)).toString('latin1'));
  }

  /** Sends a request (libzmq's by default) and reads the response head, whatever its status. */
  async upgrade(spec: UpgradeRequestSpec = {}, timeoutMs = 3000): Promise<{ key: string; response: HttpHead }> {
    const key = spec.key ?? wsKey();
    this.write(upgradeRequest({ ...spec, key }));
    return { key, response: await this.readHead(timeoutMs) };
  }

  /** Server side: reads the core's request and answers with `response` (default: libzmq's 101 for `protocol`). */
  async acceptUpgrade(options: { protocol?: string; response?: (key: string) => string } = {}, timeoutMs = 3000): Promise<HttpHead> {
    const request = await this.readHead(timeoutMs);
    const key = request.header('Sec-WebSocket-Key') ?? '';
    this.write(options.response ? options.response(key) : switchingProtocols(key, options.protocol ?? 'ZWS2.0/NULL'));
    return request;
  }

  /** Writes one frame; masked when this side masks, unless the spec says. */
  writeFrame(spec: Partial<WsFrameSpec> = {}): void {
    this.write(wsFrame({ mask: this.masks, ...spec }));
  }

  /** Writes one ZWS message: a binary frame whose payload is `flags body`. */
  send(body: Uint8Array | string, flags = 0, spec: Partial<WsFrameSpec> = {}): void {
    this.writeFrame({ ...spec, payload: zwsPayload(body, flags) });
  }

  /** Writes READY (`02 05 READY …`) with a Socket-Type. */
  sendReady(socketType = 'PEER'): void {
    this.send(rawReadyBody(socketType), 0x02);
  }

  /** The next frame from the core, whatever its opcode; the payload is unmasked. */
  async readWsFrame(timeoutMs = 3000): Promise<RawWsFrame> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const head = await this.read(2, left());
    const length7 = head[1] & 0x7f;
    const extended = length7 === 126 ? await this.read(2, left()) : length7 === 127 ? await this.read(8, left()) : Buffer.alloc(0);
    const length = length7 === 126 ? extended.readUInt16BE(0) : length7 === 127 ? Number(extended.readBigUInt64BE(0)) : length7;
    const masked = (head[1] & 0x80) !== 0;
    const key = masked ? await this.read(4, left()) : Buffer.alloc(0);
    const data = length > 0 ? await this.read(length, left()) : Buffer.alloc(0);
    const payload = Buffer.from(data);
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    return {
      fin: (head[0] & 0x80) !== 0,
      rsv: (head[0] >> 4) & 0x7,
      opcode: head[0] & 0x0f,
      masked,
      payload,
      bytes: Buffer.concat([head, extended, key, data]),
    };
  }

  /** The next data message (binary frame), skipping pings and pongs; a close frame is an error. */
  async readMessage(timeoutMs = 3000): Promise<RawZwsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.readWsFrame(Math.max(1, deadline - Date.now()));
      if (frame.opcode === WS_OPCODE.ping || frame.opcode === WS_OPCODE.pong) continue;
      if (frame.opcode !== WS_OPCODE.binary) throw new Error(`expected a binary frame, got opcode ${frame.opcode} (${frame.bytes.toString('hex')})`);
      if (frame.payload.length === 0) throw new Error('the core sent an empty binary message');
      return { flags: frame.payload[0], body: frame.payload.subarray(1), frame };
    }
  }

  /** The NULL handshake over ZWS: sends our READY and reads the core's. */
  async zwsHandshake(options: { socketType?: string; timeoutMs?: number } = {}): Promise<RawZwsMessage> {
    this.sendReady(options.socketType ?? 'PEER');
    const ready = await this.readMessage(options.timeoutMs ?? 3000);
    const name = ready.body.subarray(1, 1 + ready.body[0]).toString('latin1');
    if (ready.flags !== 0x02 || name !== 'READY') throw new Error(`expected READY from the core, got ${ready.frame.bytes.toString('hex')}`);
    return ready;
  }
}

/** How a raw ws client reaches the core: TLS for wss (trusting the fixture certificate by default). */
export interface RawWsClientOptions {
  /** For wss: the TLS options (default: the fixture certificate as CA, SNI zeromq.test). */
  readonly tls?: ConnectionOptions;
  /** Connect without TLS even to a wss endpoint (a client that fails TLS). */
  readonly plain?: boolean;
  readonly timeoutMs?: number;
}

/** A raw ws/wss client connected (and, for wss, through TLS) but not upgraded yet. */
export async function rawWsClient(endpoint: string, options: RawWsClientOptions = {}): Promise<RawWsConnection> {
  const { secure, host, port } = wsTarget(endpoint);
  const useTls = secure && !options.plain;
  const socket: Socket = useTls
    ? tlsConnect({ host, port, ca: wssFixture.cert, servername: WSS_HOSTNAME, ...options.tls })
    : netConnect({ host, port });
  socket.setNoDelay(true);
  const connection = new RawWsConnection(socket, 'client');
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once(useTls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    }),
    options.timeoutMs ?? 3000,
    `a raw ${useTls ? 'TLS ' : ''}connection to ${endpoint}`,
  );
  return connection;
}

/**
 * A raw ws/wss client that completed libzmq's upgrade (asserting the 101) and, unless
 * `ready: false`, the READY exchange.
 */
export async function upgradedWsClient(endpoint: string, options: RawWsClientOptions & { request?: UpgradeRequestSpec; ready?: boolean } = {}): Promise<RawWsConnection> {
  const client = await rawWsClient(endpoint, options);
  const { response } = await client.upgrade({ path: wsTarget(endpoint).path, ...options.request });
  if (response.status !== 101) throw new Error(`upgrade refused: ${response.startLine}`);
  if (options.ready !== false) await client.zwsHandshake();
  return client;
}

/** A raw ws or wss listener the core can connect to (wss with the fixture certificate). */
export class RawWsServer extends RawListener<RawWsConnection> {
  #handshakes = new Map<RawWsConnection, Promise<void>>();

  /**
   * A raw server that completes every upgrade (libzmq's 101 for `protocol`) and the READY
   * exchange as they come; {@link ready} gives a connection once that is done, so that a test
   * never reads while the handshake still does.
   */
  static async listenHandshaking(transport: 'ws' | 'wss', options: { protocol?: string } = {}): Promise<RawWsServer> {
    const handshakes = new Map<RawWsConnection, Promise<void>>();
    const server = await RawWsServer.listen(transport, (connection) => {
      const done = (async () => {
        await connection.acceptUpgrade(options);
        await connection.zwsHandshake();
      })();
      // A connection the core drops mid-handshake is the test's business, not an unhandled rejection.
      done.catch(() => {});
      handshakes.set(connection, done);
    });
    server.#handshakes = handshakes;
    return server;
  }

  /** The `index`-th connection once its handshake is done (listenHandshaking only). */
  async ready(index = 0, timeoutMs = 3000): Promise<RawWsConnection> {
    const connection = await this.connection(index, timeoutMs);
    const done = this.#handshakes.get(connection);
    if (!done) throw new Error('ready() needs a server made by RawWsServer.listenHandshaking');
    await withTimeout(done, timeoutMs, `the handshake of raw server connection #${index}`);
    return connection;
  }

  static async listen(transport: 'ws' | 'wss', onConnection?: (connection: RawWsConnection) => void): Promise<RawWsServer> {
    const secure = transport === 'wss';
    const server: NetServer | TlsServer = secure ? createTlsServer({ key: wssFixture.key, cert: wssFixture.cert }) : createServer();
    // A client that gives up on TLS is not an error of the raw server.
    if (secure) server.on('tlsClientError', () => {});
    const port = await listenRaw(server);
    return new RawWsServer(server, `${transport}://127.0.0.1:${port}/`, secure ? 'secureConnection' : 'connection', (socket) => new RawWsConnection(socket, 'server'), onConnection);
  }
}

/** In the enclosing describe: fails the suite if anything escaped as an unhandled rejection or exception. */
export function expectNoUnhandled(): void {
  let unhandled: ReturnType<typeof trackUnhandled> | undefined;
  before(() => {
    unhandled = trackUnhandled();
  });
  after(() => {
    unhandled?.stop();
    assert.deepEqual(unhandled?.errors, [], 'no unhandled rejection or exception');
  });
}
