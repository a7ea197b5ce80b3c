/**
 * A raw ZMTP peer for the behaviour tests: ZMTP bytes built by hand (greetings, frames, commands,
 * any of them malformed on purpose), a byte-level connection that reads back exactly what the
 * core sent, and a raw listener the core can connect to. The bytes are built here, independently
 * of core/zmtp, so that a codec bug cannot hide itself by being on both ends of the wire.
 */
import { createServer, connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './endpoints';
import { ascii, concat } from './hex';
import { destroyAfterTest, forgetAfterTest, withTimeout } from './peers';

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

/** The net.connect options for a tcp:// or ipc:// endpoint as the core reports it. */
function netTarget(endpoint: string): { host: string; port: number } | { path: string } {
  const tcp = /^tcp:\/\/(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(endpoint);
  if (tcp) return { host: tcp[1] ?? tcp[2], port: Number(tcp[3]) };
  const ipc = /^ipc:\/\/(\/.+)$/.exec(endpoint);
  if (ipc) return { path: ipc[1] };
  throw new Error(`raw peers need a resolved tcp:// or ipc:// endpoint, not ${endpoint}`);
}

// --- Raw connections and listeners ----------------------------------------------------------------

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
  /** Received and not yet consumed by a read: joined lazily, when a read looks (a flood read back stays linear). */
  #joined: Buffer = Buffer.alloc(0);
  #arrived: Buffer[] = [];
  #arrivedBytes = 0;
  #all: Buffer[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    this.socket = socket;
    destroyAfterTest(this);
    socket.on('data', (chunk: Buffer) => {
      this.#arrived.push(chunk);
      this.#arrivedBytes += chunk.length;
      this.#all.push(chunk);
      this.#wake();
    });
    // A reset from the core is one of the ways it closes a bad connection; not an error here.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closed = true;
        this.#closedAt = Date.now();
        forgetAfterTest(this);
        this.#wake();
        resolve();
      });
    });
  }

  /** What was received and not read yet, as one buffer. */
  get #pending(): Buffer {
    if (this.#arrived.length > 0) {
      this.#joined = Buffer.concat([this.#joined, ...this.#arrived]);
      this.#arrived = [];
      this.#arrivedBytes = 0;
    }
    return this.#joined;
  }

  set #pending(rest: Buffer) {
    this.#joined = rest;
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

  /** Drops what was received and not read yet, once nothing more arrived for `quietMs`; returns how many bytes. */
  async discardReceived(quietMs = 200, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    const unread = (): number => this.#joined.length + this.#arrivedBytes;
    while (unread() !== seen) {
      if (Date.now() > deadline) throw new Error(`bytes kept arriving for ${timeoutMs} ms`);
      seen = unread();
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
    this.#joined = Buffer.alloc(0);
    this.#arrived = [];
    this.#arrivedBytes = 0;
    this.#all = [];
    return seen;
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
    destroyAfterTest(this);
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
    forgetAfterTest(this);
    for (const connection of this.connections) connection.destroy();
    this.server.close();
  }
}

/** Listens on `server` at a fresh tcp port on 127.0.0.1, or at `path`. */
export async function listenRaw(server: NetServer, path?: string): Promise<number | undefined> {
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
