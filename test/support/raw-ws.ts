/**
 * A raw WebSocket peer for the ws/wss behaviour tests: hand-made HTTP upgrades and RFC 6455 frames
 * (masked or not, fragmented, text, any length), ZWS 2.0 messages, and raw ws/wss clients and
 * servers. Like the raw ZMTP peer, it builds its bytes independently of core/zws and the `ws`
 * package; the WebSocket GUID is repeated here on purpose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect as netConnect, type Server as NetServer, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer } from 'node:tls';
import { WSS_HOSTNAME, wssFixture } from './endpoints';
import { ascii, concat } from './hex';
import { withTimeout } from './peers';
import { listenRaw, RawConnection, RawListener } from './raw-zmtp';

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
