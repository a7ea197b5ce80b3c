/**
 * The wire of one leg of a terminating tap (see curve-tap-connection.ts): where the plain relay
 * passes bytes on, a terminating tap speaks to each side itself, so each leg needs its own
 * opening and framing. Two framings behind one interface:
 *
 * - ZMTP over a byte stream (tcp, ipc; RFC 23): the 64-byte greeting, then `flags size body`
 *   frames. The greeting is sent in two steps on the app's leg — signature and major version at
 *   once (libzmq waits for those before it sends the rest of its own, protocol.md §2.1), the
 *   rest once the upstream's greeting is in — so that each side is told the other's minor
 *   version and ZMTP 3.0/3.1 framing differences pass through.
 * - ZWS 2.0 (ws; RFC 45): the HTTP upgrade (the tap answers the app's request and makes its
 *   own to the upstream), then one binary WebSocket message per frame, masked by the client
 *   (RFC 6455 §5.3). WebSocket ping and pong (libzmq's ZWS heartbeats) are handed up, so that
 *   the connection can pass them on and keep liveness end to end.
 *
 * A frame is handed up whole (a CURVE box opens only whole, and libzmq's own decoders hold a
 * frame whole too); nothing else is kept. Reading pauses while the other leg cannot take more.
 */
import type { Socket } from 'node:net';
import { FLAG_COMMAND, FLAG_MORE, GREETING_SIZE, SIGNATURE_SIZE } from '../zmtp/constants';
import { ZmtpDecoder } from '../zmtp/decoder';
import { frameHeaderSize, writeFrameHeader } from '../zmtp/frame';
import { readGreeting, type Greeting } from '../zmtp/greeting';
import { acceptFor, newWebSocketKey } from '../zws/handshake';
import { OPCODE_BINARY, Receiver, Sender, type WsReceiver } from '../zws/ws-framing';
import { headEnd, HTTP_HEAD_MAX, listValues, parseHttpHead, type HttpHead } from './http-head';

/** ZWS flags byte (RFC 45): MORE and COMMAND. */
const ZWS_MORE = 0x01;
const ZWS_COMMAND = 0x02;
const OPCODE_PING = 0x09;
const OPCODE_PONG = 0x0a;

/** What a wire hands up. */
export interface WireHost {
  /** ZMTP: the peer's whole greeting (signature and version checked). */
  greeting(raw: Uint8Array, greeting: Greeting): void;
  /** ZWS: the peer's HTTP head: the upgrade request (app's leg) or the response (upstream's). */
  httpHead(raw: Uint8Array, head: HttpHead): void;
  /** One whole frame: ZMTP flags (MORE 0x01, COMMAND 0x04) and its body. */
  frame(flags: number, body: Uint8Array): void;
  /** ZWS: a WebSocket ping (9) or pong (10) and its payload. */
  control(opcode: number, payload: Uint8Array): void;
  /** The stream broke the framing (a bad greeting, head or frame); nothing more is read. */
  failed(error: Error): void;
}

/** One leg's wire. `server`: the tap is the server on this leg (the app's leg). */
export interface TerminatedWire {
  readonly socket: Socket;
  /** Starts reading; the app's ZMTP leg also sends the first part of the tap's greeting. */
  begin(): void;
  /**
   * Finishes the tap's opening: ZMTP, the (rest of the) greeting announcing `minor` and CURVE;
   * ZWS, the upgrade request (upstream's leg) or the 101 answer (app's leg).
   */
  open(minor: number): void;
  /** Writes one frame; false when the socket's buffer is full (wait for its 'drain'). */
  sendFrame(flags: number, body: Uint8Array): boolean;
  /** ZWS: passes a ping or pong on (a ZMTP wire has none). */
  sendControl(opcode: number, payload: Uint8Array): void;
  /** Stops handing anything up (the connection is failing). */
  stop(): void;
}

/** The tap's ZMTP greeting: CURVE, `minor`, as-server on the app's leg. */
function curveGreeting(minor: number, asServer: boolean): Uint8Array {
  const out = new Uint8Array(GREETING_SIZE);
  out[0] = 0xff;
  out[8] = 0x01;
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = minor;
  out.set([0x43, 0x55, 0x52, 0x56, 0x45], 12); // "CURVE"
  out[32] = asServer ? 1 : 0;
  return out;
}

/** ZMTP over tcp or ipc. */
export class ZmtpWire implements TerminatedWire {
  readonly socket: Socket;
  readonly #server: boolean;
  readonly #host: WireHost;
  readonly #greeting = new Uint8Array(GREETING_SIZE);
  #greetingFill = 0;
  readonly #decoder: ZmtpDecoder;
  #stopped = false;

  constructor(socket: Socket, server: boolean, host: WireHost) {
    this.socket = socket;
    this.#server = server;
    this.#host = host;
    this.#decoder = new ZmtpDecoder(
      {
        onGreetingSignature: () => undefined,
        onGreetingVersion: () => undefined,
        onGreeting: () => undefined,
        onFrame: (flags, body) => {
          if (!this.#stopped) host.frame(flags & (FLAG_MORE | FLAG_COMMAND), body);
        },
      },
      { maxMessageSize: -1, greeting: false, allocate: Buffer.allocUnsafe },
    );
  }

  begin(): void {
    // Signature and major version: enough for libzmq to send its whole greeting.
    if (this.#server) this.socket.write(curveGreeting(0, true).subarray(0, SIGNATURE_SIZE + 1));
    this.socket.on('data', (chunk: Buffer) => this.#read(chunk));
  }

  open(minor: number): void {
    const greeting = curveGreeting(minor, this.#server);
    this.socket.write(this.#server ? greeting.subarray(SIGNATURE_SIZE + 1) : greeting);
  }

  sendFrame(flags: number, body: Uint8Array): boolean {
    const header = Buffer.allocUnsafe(frameHeaderSize(body.length));
    writeFrameHeader(header, 0, flags, body.length);
    this.socket.write(header);
    return this.socket.write(body);
  }

  sendControl(): void {}

  stop(): void {
    this.#stopped = true;
    this.#decoder.stop();
  }

  #read(chunk: Buffer): void {
    if (this.#stopped) return;
    let rest: Uint8Array = chunk;
    if (this.#greetingFill < GREETING_SIZE) {
      const take = Math.min(GREETING_SIZE - this.#greetingFill, chunk.length);
      this.#greeting.set(chunk.subarray(0, take), this.#greetingFill);
      this.#greetingFill += take;
      rest = chunk.subarray(take);
      try {
        // libzmq judges the signature as soon as it has it: a ZMTP 1.0/2.0 peer is named early.
        if (this.#greetingFill >= SIGNATURE_SIZE + 1 && this.#greetingFill < GREETING_SIZE) readGreeting(this.#greeting);
        if (this.#greetingFill < GREETING_SIZE) return;
        this.#host.greeting(this.#greeting.slice(), readGreeting(this.#greeting));
      } catch (err) {
        this.#fail(err);
        return;
      }
    }
    if (rest.length === 0 || this.#stopped) return;
    try {
      this.#decoder.push(rest);
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    if (this.#stopped) return;
    this.stop();
    this.#host.failed(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Where a ZWS client leg connects: the upstream's host, port and path. */
export interface ZwsTarget {
  readonly host: string;
  readonly path: string;
}

/** ZWS 2.0 over ws. */
export class ZwsWire implements TerminatedWire {
  readonly socket: Socket;
  readonly #server: boolean;
  readonly #host: WireHost;
  readonly #target: ZwsTarget | undefined;
  #head: Buffer | undefined = Buffer.alloc(0);
  #key = '';
  #receiver: WsReceiver | undefined;
  #stopped = false;

  /** `target`: for the upstream's leg, the Host header and path of the upgrade request. */
  constructor(socket: Socket, server: boolean, host: WireHost, target?: ZwsTarget) {
    this.socket = socket;
    this.#server = server;
    this.#host = host;
    this.#target = target;
  }

  begin(): void {
    this.socket.on('data', (chunk: Buffer) => this.#read(chunk));
  }

  /** The app's leg: the request's key, for the answer (set by the connection from the app's head). */
  set requestKey(key: string) {
    this.#key = key;
  }

  open(): void {
    if (this.#server) {
      this.socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' + `Sec-WebSocket-Accept: ${acceptFor(this.#key)}\r\nSec-WebSocket-Protocol: ZWS2.0/CURVE\r\n\r\n`,
      );
      return;
    }
    this.#key = newWebSocketKey();
    const target = this.#target ?? { host: 'localhost', path: '/' };
    // RFC 6455 §4.1, with the header set libzmq's server requires (protocol.md §3.4).
    this.socket.write(
      `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` + `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Protocol: ZWS2.0/CURVE\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  }

  /** The upstream's answer accepts our key (RFC 6455 §4.1 step 4). */
  acceptsKey(head: HttpHead): boolean {
    return head.headers.get('sec-websocket-accept') === acceptFor(this.#key);
  }

  sendFrame(flags: number, body: Uint8Array): boolean {
    const payload = Buffer.allocUnsafe(1 + body.length);
    payload[0] = (flags & FLAG_MORE ? ZWS_MORE : 0) | (flags & FLAG_COMMAND ? ZWS_COMMAND : 0);
    payload.set(body, 1);
    let ok = true;
    for (const part of Sender.frame(payload, { fin: true, opcode: OPCODE_BINARY, mask: !this.#server, readOnly: false, rsv1: false })) ok = this.socket.write(part);
    return ok;
  }

  sendControl(opcode: number, payload: Uint8Array): void {
    if (opcode !== OPCODE_PING && opcode !== OPCODE_PONG) return;
    for (const part of Sender.frame(Buffer.from(payload), { fin: true, opcode, mask: !this.#server, readOnly: false, rsv1: false })) this.socket.write(part);
  }

  stop(): void {
    this.#stopped = true;
  }

  #read(chunk: Buffer): void {
    if (this.#stopped) return;
    if (this.#head !== undefined) {
      const bytes = this.#head.length > 0 ? Buffer.concat([this.#head, chunk]) : chunk;
      const end = headEnd(bytes, Math.max(0, this.#head.length - 3));
      if (end < 0) {
        if (bytes.length > HTTP_HEAD_MAX) this.#fail(new Error(`an HTTP head over ${HTTP_HEAD_MAX} bytes`));
        else this.#head = bytes;
        return;
      }
      this.#head = undefined;
      const raw = bytes.subarray(0, end);
      const head = parseHttpHead(raw);
      if (head === undefined) return this.#fail(new Error('an HTTP head that is not HTTP/1.1'));
      this.#startFrames();
      this.#host.httpHead(raw, head);
      chunk = bytes.subarray(end);
      if (chunk.length === 0 || this.#stopped) return;
    }
    this.#receiver!.write(chunk);
  }

  #startFrames(): void {
    const receiver = new Receiver({ isServer: this.#server, maxPayload: 0, skipUTF8Validation: true, allowSynchronousEvents: true });
    this.#receiver = receiver;
    receiver.on('message', (data, isBinary) => {
      if (this.#stopped) return;
      if (!isBinary || data.length === 0) return this.#fail(new Error('a WebSocket message that is not a ZWS frame (text, or empty)'));
      const flags = (data[0] & ZWS_MORE ? FLAG_MORE : 0) | (data[0] & ZWS_COMMAND ? FLAG_COMMAND : 0);
      this.#host.frame(flags, data.subarray(1));
    });
    receiver.on('ping', (data) => this.#stopped || this.#host.control(OPCODE_PING, data));
    receiver.on('pong', (data) => this.#stopped || this.#host.control(OPCODE_PONG, data));
    // A close frame: libzmq then closes the connection; so does the tap (both legs).
    receiver.on('conclude', () => this.socket.end());
    receiver.on('error', (err) => this.#fail(err));
  }

  #fail(err: Error): void {
    if (this.#stopped) return;
    this.stop();
    this.#host.failed(err);
  }
}

/** The sub-protocols a ZWS head offers or names. */
export function zwsProtocols(head: HttpHead): string[] {
  return listValues(head.headers.get('sec-websocket-protocol'));
}
