/**
 * A streaming scanner for ZWS 2.0 (RFC 45) byte streams: the HTTP upgrade head, then WebSocket
 * frames (RFC 6455 §5.2), unmasking only the bytes it keeps. Each binary message is one ZMTP frame
 * whose first payload byte is its ZWS flags (bit 0 MORE, bit 1 COMMAND); the scanner hands it on
 * with the ZMTP flags it stands for, so that ZMTP and ZWS traffic read the same. Control frames
 * (ZWS heartbeats are WebSocket ping and pong) are handed on as such. Bounded memory whatever the
 * message size, as the ZMTP scanner. Pure: no Node.
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from '../zmtp/constants';
import { readLongSize } from '../zmtp/frame';
import { headEnd, HTTP_HEAD_MAX } from './http-head';
import { BodyCapture, copyOf, EMPTY } from './capture';
import type { CaptureLimits, WireScanner, WireUnits } from './wire-units';

const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;

const enum State {
  Head,
  FrameHeader,
  Payload,
  Stopped,
}

/** ZWS flags byte → ZMTP flags (RFC 45 §"Framing"), with ZMTP's LONG bit as a ZMTP encoder would set it. */
export function zmtpFlagsOf(zwsFlags: number, size: number): number {
  return (zwsFlags & 0x01 ? FLAG_MORE : 0) | (zwsFlags & 0x02 ? FLAG_COMMAND : 0) | (size > SHORT_FRAME_MAX ? FLAG_LONG : 0);
}

/** Scans one direction of a ZWS connection: the client's (masked) or the server's. */
export class ZwsScanner implements WireScanner {
  readonly #units: WireUnits;
  readonly #limits: CaptureLimits;
  #state = State.Head;
  #head: Uint8Array = EMPTY;
  /** The frame header being read: up to 2 + 8 + 4 bytes. */
  readonly #header = new Uint8Array(14);
  #headerFill = 0;
  #opcode = 0;
  readonly #mask = new Uint8Array(4);
  #masked = false;
  #payloadSize = 0;
  /** Whether the payload is a binary message whose first byte, its ZWS flags, is still to come. */
  #awaitingFlags = false;
  /** A binary message's ZWS flags, once seen. */
  #zwsFlags = 0;
  /** The frame's body: a binary message's payload after its flags, a control frame's whole payload. */
  readonly #body = new BodyCapture(false);

  constructor(units: WireUnits, limits: CaptureLimits) {
    this.#units = units;
    this.#limits = limits;
  }

  get stopped(): boolean {
    return this.#state === State.Stopped;
  }

  stop(): void {
    this.#state = State.Stopped;
    this.#head = EMPTY;
    this.#body.finish();
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case State.Head:
          pos = this.#readHead(chunk, pos);
          break;
        case State.FrameHeader:
          pos = this.#readFrameHeader(chunk, pos);
          break;
        case State.Payload:
          pos = this.#readPayload(chunk, pos);
          break;
        case State.Stopped:
          return;
      }
    }
  }

  #readHead(chunk: Uint8Array, pos: number): number {
    const before = this.#head.length;
    const joined = new Uint8Array(before + chunk.length - pos);
    joined.set(this.#head);
    joined.set(chunk.subarray(pos), before);
    const end = headEnd(joined, before - 3);
    if (end < 0) {
      if (joined.length > HTTP_HEAD_MAX) return this.#fail(`an HTTP head longer than ${HTTP_HEAD_MAX} bytes`, joined.subarray(0, HTTP_HEAD_MAX));
      this.#head = joined;
      return chunk.length;
    }
    this.#head = EMPTY;
    this.#state = State.FrameHeader;
    this.#headerFill = 0;
    const consumed = end - before;
    this.#units.httpHead(joined.slice(0, end), pos + consumed);
    return pos + consumed;
  }

  #readFrameHeader(chunk: Uint8Array, pos: number): number {
    while (pos < chunk.length) {
      this.#header[this.#headerFill++] = chunk[pos++];
      const needed = this.#headerSize();
      if (needed < 0) return this.#fail(...this.#refusal());
      if (this.#headerFill === needed) {
        this.#startPayload();
        return pos;
      }
    }
    return pos;
  }

  /** The whole header's size once its first two bytes are in, -1 for a frame ZWS does not allow. */
  #headerSize(): number {
    if (this.#headerFill < 2) return 2;
    const first = this.#header[0];
    const opcode = first & 0x0f;
    // RFC 45: one unfragmented binary message per ZMTP frame; control frames are never fragmented (RFC 6455 §5.5).
    if ((first & 0x80) === 0 || (opcode !== OPCODE_BINARY && opcode < OPCODE_CLOSE) || (first & 0x70) !== 0) return -1;
    const length7 = this.#header[1] & 0x7f;
    return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (this.#header[1] & 0x80 ? 4 : 0);
  }

  #refusal(): [string, Uint8Array] {
    const first = this.#header[0];
    const what = (first & 0x80) === 0 || (first & 0x0f) === 0 ? 'a fragmented WebSocket message' : (first & 0x70) !== 0 ? 'a WebSocket frame with RSV bits set' : `a WebSocket frame of opcode ${first & 0x0f}`;
    return [`${what} (ZWS 2.0 allows only whole binary messages and control frames)`, this.#header.slice(0, this.#headerFill)];
  }

  #startPayload(): void {
    const header = this.#header;
    this.#opcode = header[0] & 0x0f;
    this.#masked = (header[1] & 0x80) !== 0;
    const length7 = header[1] & 0x7f;
    let offset = 2;
    if (length7 === 126) {
      this.#payloadSize = (header[2] << 8) | header[3];
      offset = 4;
    } else if (length7 === 127) {
      // RFC 6455's 64-bit length has the form of ZMTP's long size.
      this.#payloadSize = readLongSize(header, 2);
      offset = 10;
    } else this.#payloadSize = length7;
    if (this.#masked) this.#mask.set(header.subarray(offset, offset + 4));
    this.#headerFill = 0;
    this.#state = State.Payload;
    if (this.#opcode === OPCODE_BINARY) {
      if (this.#payloadSize === 0) {
        this.#fail('an empty WebSocket message (ZWS 2.0 needs at least the flags byte)', header.slice(0, 2));
        return;
      }
      // The body's capture is sized once the flags byte says whether this is a command.
      this.#awaitingFlags = true;
    } else {
      // Control frames carry at most 125 bytes (RFC 6455 §5.5); keep them whole.
      this.#body.start(this.#payloadSize, 125);
      if (this.#payloadSize === 0) this.#endPayload();
    }
  }

  #readPayload(chunk: Uint8Array, pos: number): number {
    if (this.#awaitingFlags) {
      this.#awaitingFlags = false;
      this.#zwsFlags = chunk[pos++] ^ (this.#masked ? this.#mask[0] : 0);
      const size = this.#payloadSize - 1;
      this.#body.start(size, this.#limits.bytesFor(zmtpFlagsOf(this.#zwsFlags, size)));
    }
    const from = this.#body.seen;
    pos = this.#body.pass(chunk, pos);
    // Body byte j is payload byte j + 1 of a binary message (after the flags), j of a control frame.
    if (this.#masked) unmask(this.#body.keptSince(from), this.#mask, from + (this.#opcode === OPCODE_BINARY ? 1 : 0));
    if (this.#body.complete) this.#endPayload();
    return pos;
  }

  #endPayload(): void {
    const size = this.#body.size;
    const capture = this.#body.finish();
    this.#state = State.FrameHeader;
    if (this.#opcode === OPCODE_BINARY) this.#units.frame(zmtpFlagsOf(this.#zwsFlags, size), size, capture);
    else this.#units.control(this.#opcode, capture);
  }

  #fail(reason: string, raw: Uint8Array): number {
    this.#state = State.Stopped;
    this.#units.undecodable(reason, copyOf(raw, 0, raw.length));
    return Number.MAX_SAFE_INTEGER;
  }
}

/** Unmasks `bytes` in place (RFC 6455 §5.3): byte i takes key byte (phase + i) mod 4. */
function unmask(bytes: Uint8Array, key: Uint8Array, phase: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= key[(phase + i) & 3];
}
