/**
 * The engine for WebSockets (ws, wss): ZWS 2.0 (RFC 45) over an upgraded socket, data frames
 * through zws/data-frames.ts, control frames and the rest through the `ws` package.
 */
import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { LINUX_ERRNO, PROTOCOL_ERROR, ZmtpError } from '../errors';
import { FLAG_COMMAND, FLAG_MORE } from '../zmtp/constants';
import { WsFrameScanner } from '../zws/frame-scanner';
import { DataFrameReader, encodeDataFrames, OPCODE_PING, OPCODE_PONG, type DataFrameSink } from '../zws/data-frames';
import { ZWS_BARE } from '../zws/handshake';
import { bufferView } from '../util/buffer-view';
import { WriteSlab } from '../util/write-slab';
import { OPCODE_BINARY, Receiver, Sender, type WsReceiver } from '../zws/ws-framing';
import { EngineBase, type Pong } from './engine-base';
import type { EngineSession } from './engine-host';

/** ZWS 2.0 flags byte (RFC 45): bit 0 MORE, bit 1 COMMAND. There is no LONG bit. */
const ZWS_MORE = 0x01;
const ZWS_COMMAND = 0x02;
/** How long a connection ended after a refusal waits for the peer to hang up before it is cut. */
const END_GRACE_MS = 2000;

/** The answer to an empty ping (what libzmq and browsers send), made once. */
const EMPTY_WS_PONG: Pong = Object.freeze({ websocket: true, data: new Uint8Array(0) });

/** A socket whose WebSocket upgrade has completed. */
export interface UpgradedSocket {
  readonly socket: Duplex;
  /** Server side (we accepted): frames we send are not masked, frames we receive must be. */
  readonly isServer: boolean;
  /** The sub-protocol agreed on: ZWS2.0/NULL, ZWS2.0/PLAIN, ZWS2.0/CURVE or bare ZWS2.0. */
  readonly protocol: string;
  /** Bytes that arrived right behind the HTTP headers. */
  readonly head: Buffer;
  /** When the handshake must be done by (Date.now() time; handshakeInterval from the TCP connection), if bounded. */
  readonly handshakeDeadline?: number;
}

/**
 * ZMTP over a WebSocket (RFC 45, ZWS 2.0): no greeting, one binary message per ZMTP frame with a
 * leading flags byte, heartbeats as WebSocket ping/pong. Under `ZWS2.0/NULL` the NULL mechanism
 * runs as over tcp; under bare `ZWS2.0` each side sends a routing-id message first and there is
 * no READY and so no Socket-Type check. Control frames are built, and all but plain data frames
 * parsed, by the `ws` package; data frames are built, and the plain ones parsed, by
 * zws/data-frames.ts (the per-message cost of going through `ws` dominated ws throughput).
 */
export class WsEngine extends EngineBase implements DataFrameSink {
  readonly #link: UpgradedSocket;
  readonly #mask: boolean;
  readonly #scanner = new WsFrameScanner();
  readonly #slab = new WriteSlab();
  #receiver: WsReceiver | undefined;
  #discardFirst = false;
  #receiverBusy = false;
  #inputPaused = false;
  /** Data frames, pings and pongs are parsed here while {@link #fast}; anything else goes to `ws`. */
  #reader: DataFrameReader | undefined;
  #fast = true;

  constructor(session: EngineSession, link: UpgradedSocket) {
    super(session);
    this.#link = link;
    // RFC 6455 §5.1: a client masks every frame it sends, a server none.
    this.#mask = !link.isServer;
  }

  protected begin(): void {
    const { socket, isServer, protocol, head } = this.#link;
    const record = this.session.record;
    const options = this.session.host.options;
    const bare = protocol === ZWS_BARE;
    record.zmtpVersion = 'ZWS2.0';
    record.mechanism = bare ? 'none' : protocol.slice(protocol.indexOf('/') + 1);
    const receiver = new Receiver({
      isServer,
      // One flags byte more than the largest ZMTP body allowed.
      maxPayload: options.maxMessageSize >= 0 ? options.maxMessageSize + 1 : 0,
      skipUTF8Validation: true,
      allowSynchronousEvents: true,
    });
    const sender = new Sender(socket);
    this.#receiver = receiver;
    this.#reader = new DataFrameReader(isServer, options.maxMessageSize >= 0 ? options.maxMessageSize + 1 : 0, bufferView);
    receiver.on('message', (data, isBinary) => {
      if (!this.failed) this.guard(() => this.#message(data, isBinary));
    });
    receiver.on('ping', (data) => this.#ping(data));
    receiver.on('pong', (data) => this.#pong(data));
    receiver.on('conclude', (code, reason) => {
      // libzmq echoes a close frame and closes the connection, which the peer then retries.
      sender.close(code === 1005 ? undefined : code, reason, this.#mask, () => socket.end());
      this.fail({ kind: 'connection', errno: LINUX_ERRNO.EPIPE });
    });
    receiver.on('error', (err) => this.fail({ kind: 'protocol', error: wsProtocolError(err) }));
    receiver.on('drain', () => {
      this.#receiverBusy = false;
      if (!this.#inputPaused) socket.resume();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    // A FIN ends the connection at once, as over tcp (libzmq reads 0 bytes: EPIPE).
    socket.on('end', () => this.fail({ kind: 'connection', errno: LINUX_ERRNO.EPIPE }));
    socket.on('close', () => this.fail({ kind: 'connection', errno: LINUX_ERRNO.EPIPE }));
    socket.on('drain', () => this.drained());
    // libzmq's ws engine reports HANDSHAKE_SUCCEEDED when the upgrade completes and again when
    // the mechanism does (protocol.md §3.7): a debugger sees both, as with libzmq.
    this.session.host.monitor('HANDSHAKE_SUCCEEDED', 0, this.session.monitorEndpoint, { connectionId: record.id, routingId: record.pipe?.routingId });
    if (bare) {
      // Bare ZWS2.0: our routing-id message (empty for PEER) goes first; the peer's first message
      // is its routing-id message and is dropped.
      this.#discardFirst = true;
      this.#writePayloads([new Uint8Array([0])]);
      this.completeHandshake();
    } else {
      // libzmq arms no handshake timer on ws (protocol.md §3.7); here handshakeInterval bounds the
      // upgrade and the mechanism together, from the moment the TCP connection was made.
      this.startHandshakeTimer(this.#link.handshakeDeadline);
      this.startMechanism();
    }
    if (head.length > 0) this.#onData(head);
  }

  #onData(chunk: Buffer): void {
    if (this.failed) return;
    if (this.#fast) {
      let rest: Buffer[] | undefined;
      this.guard(() => {
        rest = this.#reader!.push(chunk, this);
      });
      if (rest !== undefined && !this.failed) this.#leaveFastPath(rest);
      return;
    }
    this.#parse(chunk);
  }

  /** A frame the fast path leaves alone: `ws` takes over from that frame's first byte. */
  #leaveFastPath(rest: Buffer[]): void {
    this.#fast = false;
    for (const part of rest) this.#parse(part);
  }

  // --- DataFrameSink: the fast path --------------------------------------------------------------

  /** What `ws` would emit as 'message' for a plain data frame, without the detour. False: stop reading. */
  onData(flags: number, body: Buffer): boolean {
    if (this.#discardFirst) {
      this.#discardFirst = false;
      this.trafficSeen();
      return true;
    }
    this.receiveFrame((flags & ZWS_MORE ? FLAG_MORE : 0) | (flags & ZWS_COMMAND ? FLAG_COMMAND : 0), body);
    return !this.failed && !this.#inputPaused;
  }

  onControl(opcode: number, payload: Buffer): boolean {
    if (opcode === OPCODE_PING) this.#ping(payload);
    else this.#pong(payload);
    return !this.failed && !this.#inputPaused;
  }

  /** A WebSocket ping is the ZWS heartbeat: it counts as a PING, answered with its payload echoed. */
  #ping(data: Buffer): void {
    if (this.failed) return;
    this.trafficSeen();
    this.session.record.lastPingReceived = Date.now();
    this.tap('in', 'ws-ping', data, false);
    // Copied: the payload is a view of the received chunk, which a waiting pong must not pin.
    this.answerPing(data.length === 0 ? EMPTY_WS_PONG : { websocket: true, data: Buffer.from(data) });
  }

  #pong(data: Buffer): void {
    if (this.failed) return;
    this.trafficSeen();
    this.session.record.lastPongReceived = Date.now();
    this.tap('in', 'ws-pong', data, false);
  }

  /**
   * The full path: the fragment scanner and the `ws` parser (which parses synchronously), given
   * one frame at a time, so that a full pipe can stop it between two frames as it stops the fast
   * path. Back to the fast path at the first frame boundary.
   */
  #parse(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0 && !this.failed) {
      const end = this.#scanner.push(rest, true);
      const fragment = this.#scanner.error;
      if (fragment) {
        // The frames ahead of the fragment are handled first, in order (a READY, data), as
        // libzmq's decoder does; then the fragment ends the connection, unless one of them did.
        this.#receiver!.write(rest.subarray(0, end), (err) => {
          if (!err) this.fail({ kind: 'protocol', error: fragment });
        });
        return;
      }
      if (!this.#receiver!.write(rest.subarray(0, end)) && !this.#receiverBusy) {
        this.#receiverBusy = true;
        this.#link.socket.pause();
      }
      rest = rest.subarray(end);
      if (this.failed || !this.#scanner.atFrameStart) continue;
      this.#fast = true;
      if (this.#inputPaused) this.#reader!.keep(rest);
      else if (rest.length > 0) this.#onData(rest);
      return;
    }
  }

  #message(data: Buffer, isBinary: boolean): void {
    if (!isBinary) throw new ZmtpError('ERR_ZWS_TEXT_FRAME', 'Text WebSocket message: ZWS 2.0 uses binary messages only', PROTOCOL_ERROR.WS_UNSPECIFIED);
    if (data.length === 0) throw new ZmtpError('ERR_ZWS_EMPTY_MESSAGE', 'Empty WebSocket message: a ZWS 2.0 message starts with a flags byte', PROTOCOL_ERROR.WS_UNSPECIFIED);
    if (this.#discardFirst) {
      this.#discardFirst = false;
      this.trafficSeen();
      return;
    }
    const flags = (data[0] & ZWS_MORE ? FLAG_MORE : 0) | (data[0] & ZWS_COMMAND ? FLAG_COMMAND : 0);
    this.receiveFrame(flags, data.subarray(1));
  }

  // --- The wire --------------------------------------------------------------------------------

  /** Frames each payload as one unfragmented binary message, all in one corked write. */
  #writePayloads(payloads: Uint8Array[]): boolean {
    const socket = this.#link.socket;
    const frameOptions = { fin: true, opcode: OPCODE_BINARY, mask: this.#mask, readOnly: false, rsv1: false };
    socket.cork();
    let ok = true;
    for (const payload of payloads) {
      for (const part of Sender.frame(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), frameOptions)) ok = socket.write(part);
    }
    socket.uncork();
    return ok;
  }

  /** One control frame (ping or pong), built by `ws` and written as one buffer (one write, one entry in the socket's queue). */
  #writeControl(opcode: number, payload: Buffer): boolean {
    const parts = Sender.frame(payload, { fin: true, opcode, mask: this.#mask, readOnly: false, rsv1: false });
    return this.#link.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** Data frames are built here in one buffer per batch (see encodeDataFrames), not one by one by `ws`. */
  protected writeMessages(messages: Uint8Array[]): boolean {
    const socket = this.#link.socket;
    const parts = encodeDataFrames(messages, this.#mask, (size) => this.#slab.take(size, socket.writableLength > 0));
    if (parts.length === 1) return socket.write(parts[0]);
    socket.cork();
    let ok = true;
    for (const part of parts) ok = socket.write(part);
    socket.uncork();
    return ok;
  }

  protected writeCommandFrame(body: Uint8Array): boolean {
    const payload = Buffer.allocUnsafe(1 + body.length);
    payload[0] = ZWS_COMMAND;
    payload.set(body, 1);
    return this.#writePayloads([payload]);
  }

  /** RFC 45 heartbeats are WebSocket pings; libzmq ignores ZMTP PING commands over ws. */
  protected sendHeartbeat(): boolean {
    this.tap('out', 'ws-ping', new Uint8Array(0), false);
    return this.#writeControl(OPCODE_PING, Buffer.alloc(0));
  }

  /** A WebSocket pong echoing the ping's payload (RFC 6455 §5.5.3), or a ZMTP PONG for a ZMTP PING. */
  protected writePong(pong: Pong): boolean {
    if (!pong.websocket) return this.writeCommand('PONG', pong.data);
    const payload = Buffer.from(pong.data.buffer, pong.data.byteOffset, pong.data.byteLength);
    this.tap('out', 'ws-pong', payload, false);
    return this.#writeControl(OPCODE_PONG, payload);
  }

  /** The pipe is full: both parsers stop after the current frame and keep the rest, the socket stops reading. */
  protected pauseInput(): void {
    this.#inputPaused = true;
    this.#link.socket.pause();
  }

  /** Parses what was kept first; reading resumes only if that did not fill the pipe again. */
  protected resumeInput(): void {
    this.#inputPaused = false;
    let rest: Buffer[] | undefined;
    this.guard(() => {
      rest = this.#reader!.resume(this);
    });
    if (rest !== undefined && !this.failed) this.#leaveFastPath(rest);
    if (!this.failed && !this.#inputPaused && !this.#receiverBusy) this.#link.socket.resume();
  }

  protected destroyWire(): void {
    this.#link.socket.destroy();
  }

  /** libzmq never sends a WebSocket close frame; neither does this. */
  protected endWire(): void {
    const socket = this.#link.socket;
    socket.end();
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  }

  protected get wireBacklog(): number {
    return this.#link.socket.writableLength;
  }
}

/** A `ws` frame error (WS_ERR_*) as a named wire error. */
export function wsProtocolError(err: Error & { code?: string }): ZmtpError {
  const ws = PROTOCOL_ERROR.WS_UNSPECIFIED;
  switch (err.code) {
    case 'WS_ERR_EXPECTED_MASK':
      return new ZmtpError('ERR_ZWS_UNMASKED_FRAME', 'Unmasked WebSocket frame from a client (RFC 6455 §5.1)', ws);
    case 'WS_ERR_UNEXPECTED_MASK':
      return new ZmtpError('ERR_ZWS_MASKED_FRAME', 'Masked WebSocket frame from a server (RFC 6455 §5.1)', ws);
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return new ZmtpError('ERR_ZMTP_MESSAGE_TOO_LARGE', `WebSocket message exceeds maxMessageSize (${err.message})`, PROTOCOL_ERROR.ZMTP_UNSPECIFIED);
    default:
      return new ZmtpError('ERR_ZWS_PROTOCOL', `Invalid WebSocket frame: ${err.message}${err.code ? ` (${err.code})` : ''}`, ws);
  }
}
