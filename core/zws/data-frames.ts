/**
 * ZWS 2.0 data frames (RFC 45 over RFC 6455): building a batch of them in one buffer, and the
 * receive fast path for plain data frames. It imports nothing of Node (masking keys come from the
 * Web Crypto `crypto.getRandomValues`) but works on Buffers, which the sockets give it.
 */

/** RFC 6455 §5.2: FIN + opcode 2 (binary), the only frame a ZWS 2.0 data message is. */
const FIN_BINARY = 0x82;
const MASK_BIT = 0x80;
/** Unmasked bodies at least this large are written by reference rather than copied. */
const COPY_LIMIT = 8192;

/** Masking keys come from a pool of random bytes refilled in bulk (one syscall per 2048 keys). */
const KEY_POOL = Buffer.alloc(8192);
let keyOffset = KEY_POOL.length;

/**
 * ZWS 2.0 data frames (RFC 45: one unfragmented binary WebSocket message per ZMTP frame, the
 * payload being a flags byte and the body) for a batch of single-part messages, built in one
 * buffer: the WebSocket header, a fresh random masking key when `mask` (client side, RFC 6455
 * §5.3), then the flags byte and body, masked while there. Without masking, large bodies stay
 * by reference between the copied parts. Returns the parts to write, in order. `allocate` gives
 * the buffer the copied parts are encoded into (an engine passes its reusable write slab).
 */
export function encodeDataFrames(messages: readonly Uint8Array[], mask: boolean, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Uint8Array[] {
  let copied = 0;
  for (const data of messages) copied += headerSize(1 + data.length, mask) + 1 + (mask || data.length < COPY_LIMIT ? data.length : 0);
  const out = allocate(copied);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const parts: Uint8Array[] = [];
  let start = 0;
  let pos = 0;
  for (const data of messages) {
    const length = 1 + data.length;
    const head = pos;
    out[pos] = FIN_BINARY;
    if (length < 126) {
      out[pos + 1] = length;
      pos += 2;
    } else if (length < 65536) {
      out[pos + 1] = 126;
      view.setUint16(pos + 2, length);
      pos += 4;
    } else {
      out[pos + 1] = 127;
      view.setUint32(pos + 2, Math.floor(length / 0x100000000));
      view.setUint32(pos + 6, length >>> 0);
      pos += 10;
    }
    if (mask) {
      out[head + 1] |= MASK_BIT;
      if (keyOffset === KEY_POOL.length) {
        crypto.getRandomValues(KEY_POOL);
        keyOffset = 0;
      }
      const k0 = KEY_POOL[keyOffset];
      const k1 = KEY_POOL[keyOffset + 1];
      const k2 = KEY_POOL[keyOffset + 2];
      const k3 = KEY_POOL[keyOffset + 3];
      keyOffset += 4;
      out[pos] = k0;
      out[pos + 1] = k1;
      out[pos + 2] = k2;
      out[pos + 3] = k3;
      const keyAt = pos;
      pos += 4;
      out[pos] = k0; // flags 0 (a last frame, not a command), masked
      if (data.length <= 32) {
        // Small bodies: mask while copying (payload byte i + 1 takes key byte (i + 1) % 4).
        const n = data.length;
        const at = pos + 1;
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          out[at + i] = data[i] ^ k1;
          out[at + i + 1] = data[i + 1] ^ k2;
          out[at + i + 2] = data[i + 2] ^ k3;
          out[at + i + 3] = data[i + 3] ^ k0;
        }
        if (i < n) out[at + i] = data[i] ^ k1;
        if (i + 1 < n) out[at + i + 1] = data[i + 1] ^ k2;
        if (i + 2 < n) out[at + i + 2] = data[i + 2] ^ k3;
      } else {
        out.set(data, pos + 1);
        applyMask(out, keyAt, pos + 1, pos + length, 1);
      }
      pos += length;
    } else if (data.length < COPY_LIMIT) {
      out[pos] = 0;
      out.set(data, pos + 1);
      pos += length;
    } else {
      out[pos] = 0;
      pos += 1;
      parts.push(out.subarray(start, pos), data);
      start = pos;
    }
  }
  if (start < pos) parts.push(out.subarray(start, pos));
  return parts;
}

function headerSize(payloadLength: number, mask: boolean): number {
  return (payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10) + (mask ? 4 : 0);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs bytes [from, to) with the 4-byte key at `keyAt` (RFC 6455 §5.3), `from` being byte
 * `phase0` of the masked payload: byte by byte up to a 4-byte boundary of the memory, then whole
 * aligned words with the key turned to that phase.
 */
function applyMask(bytes: Uint8Array, keyAt: number, from: number, to: number, phase0 = 0): void {
  let i = from;
  if (LITTLE_ENDIAN && to - from >= 64) {
    while (((bytes.byteOffset + i) & 3) !== 0) {
      bytes[i] ^= bytes[keyAt + ((i - from + phase0) & 3)];
      i++;
    }
    const phase = i - from + phase0;
    const key = bytes[keyAt + (phase & 3)] | (bytes[keyAt + ((phase + 1) & 3)] << 8) | (bytes[keyAt + ((phase + 2) & 3)] << 16) | (bytes[keyAt + ((phase + 3) & 3)] << 24);
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, (to - i) >>> 2);
    for (let w = 0; w < words.length; w++) words[w] ^= key;
    i += words.length * 4;
  }
  // Short runs and the tail: the key bytes turned to the phase at `i`.
  const phase = i - from + phase0;
  xorRun(bytes, i, to, bytes[keyAt + (phase & 3)], bytes[keyAt + ((phase + 1) & 3)], bytes[keyAt + ((phase + 2) & 3)], bytes[keyAt + ((phase + 3) & 3)]);
}

/** XORs bytes [from, to) with k0 k1 k2 k3 repeated, four bytes a round (small enough to be inlined). */
function xorRun(bytes: Uint8Array, from: number, to: number, k0: number, k1: number, k2: number, k3: number): void {
  let i = from;
  for (; i + 4 <= to; i += 4) {
    bytes[i] ^= k0;
    bytes[i + 1] ^= k1;
    bytes[i + 2] ^= k2;
    bytes[i + 3] ^= k3;
  }
  if (i < to) bytes[i] ^= k0;
  if (i + 1 < to) bytes[i + 1] ^= k1;
  if (i + 2 < to) bytes[i + 2] ^= k2;
}

const plainView = (buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer => Buffer.from(buffer as ArrayBuffer, byteOffset, length);

/** What {@link DataFrameReader} makes of the frame at a position. */
const NEED_MORE = -1;
const NOT_MINE = -2;

/** RFC 6455 §5.2: FIN + opcode 9 (ping) and 10 (pong), unfragmented as control frames must be. */
const FIN_PING = 0x89;
const FIN_PONG = 0x8a;
/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;

/** RFC 6455 §5.2 opcodes of the control frames the reader handles. */
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** Receives what {@link DataFrameReader} parses. A callback returning false stops the reader after that frame. */
export interface DataFrameSink {
  /** A binary message: its ZWS flags byte and its body (a view, unmasked). */
  onData(flags: number, body: Buffer): boolean;
  /** A ping or a pong ({@link OPCODE_PING}, {@link OPCODE_PONG}) and its payload (a view, unmasked). */
  onControl(opcode: number, payload: Buffer): boolean;
}

/**
 * The receiving fast path for ZWS: parses the frames a connection carries nearly all the time —
 * FIN binary messages with the expected masking, not empty, within `maxPayload`, and pings and
 * pongs — straight out of the received chunks, unmasking in place and copying only frames that
 * span chunks. At the first frame of any other kind (close, text, RSV bits, a wrong mask, an
 * oversized or empty message) it stops and gives back every byte from that frame's start, for
 * the full WebSocket parser to handle (and to report errors exactly as it does).
 *
 * A sink that returns false (its pipe is full, or the connection ended) stops the reader right
 * after that frame: the rest is kept, undecoded, until {@link resume}, so a peer's backlog never
 * goes past what the sink accepted however much one read brought.
 */
export class DataFrameReader {
  readonly #masked: boolean;
  readonly #maxPayload: number;
  readonly #view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;
  /** Bytes of an incomplete frame, from its first byte, kept from earlier chunks. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** That frame's whole size once its header was seen, else 0. */
  #frameSize = 0;
  /** Set when the sink returned false; cleared by {@link resume}. */
  #halted = false;
  /** Chunks kept while halted, in order; the first starts at a frame boundary. */
  #stopped: Buffer[] = [];
  #stoppedBytes = 0;

  /**
   * `masked`: frames must be masked (we are the server). `maxPayload`: 0 for no limit. `view`
   * makes a message's body over part of a chunk (default `Buffer.from`; see ZmtpDecoder's option of
   * the same name for why an engine passes a faster one).
   */
  constructor(masked: boolean, maxPayload: number, view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer = plainView) {
    this.#masked = masked;
    this.#maxPayload = maxPayload;
    this.#view = view;
  }

  /** Bytes received and not parsed yet: an incomplete frame, and what waits behind a stop. */
  get bufferedBytes(): number {
    return this.#heldBytes + this.#stoppedBytes;
  }

  /** Whether the sink stopped the reader: what arrives is kept until {@link resume}. */
  get stopped(): boolean {
    return this.#halted;
  }

  /**
   * Stops the reader as a sink returning false would, keeping `bytes` (which start at a frame
   * boundary, after anything kept already) for {@link resume}.
   */
  keep(bytes: Buffer): void {
    this.#halted = true;
    if (bytes.length === 0) return;
    this.#stopped.push(bytes);
    this.#stoppedBytes += bytes.length;
  }

  /**
   * Parses `chunk`, calling `sink` per frame (or keeps it, while stopped). Returns undefined when
   * everything was taken or kept (an incomplete frame, or the rest behind a stop), or the bytes,
   * from the start of the first frame it does not handle, that the full parser must get instead.
   */
  push(chunk: Buffer, sink: DataFrameSink): Buffer[] | undefined {
    if (this.#halted) {
      this.keep(chunk);
      return undefined;
    }
    return this.#parse(chunk, sink);
  }

  /** Goes on with what was kept while stopped; the sink may stop it again. Returns as {@link push} does. */
  resume(sink: DataFrameSink): Buffer[] | undefined {
    this.#halted = false;
    while (this.#stopped.length > 0 && !this.#halted) {
      const chunk = this.#stopped.shift()!;
      this.#stoppedBytes -= chunk.length;
      const rest = this.#parse(chunk, sink);
      if (rest !== undefined) {
        rest.push(...this.#stopped);
        this.#stopped = [];
        this.#stoppedBytes = 0;
        return rest;
      }
    }
    return undefined;
  }

  #parse(chunk: Buffer, sink: DataFrameSink): Buffer[] | undefined {
    let pos = 0;
    if (this.#heldBytes > 0) {
      if (this.#frameSize === 0) {
        // The header itself spanned chunks: look at it joined (at most 14 bytes are needed).
        const probe = Buffer.concat([...this.#held, chunk.subarray(0, 14)]);
        const size = this.#frameSizeAt(probe, 0, probe.length);
        if (size === NOT_MINE) return this.#giveBack(chunk, 0);
        if (size === NEED_MORE) return this.#hold(chunk, 0, 0);
        this.#frameSize = size;
      }
      const need = this.#frameSize - this.#heldBytes;
      if (chunk.length < need) return this.#hold(chunk, 0, this.#frameSize);
      const frame = Buffer.concat([...this.#held, chunk.subarray(0, need)], this.#frameSize);
      this.#held = [];
      this.#heldBytes = 0;
      this.#frameSize = 0;
      pos = need;
      if (!this.#emit(frame, frame.buffer, frame.byteOffset, 0, frame.length, sink)) return this.#stopAt(chunk, pos);
    }
    const length = chunk.length;
    // Read once per chunk: `buffer` is a getter that calls into V8's runtime, too slow per message.
    const { buffer, byteOffset } = chunk;
    while (pos < length) {
      const size = this.#frameSizeAt(chunk, pos, length);
      if (size === NOT_MINE) return this.#giveBack(chunk, pos);
      if (size === NEED_MORE || pos + size > length) return this.#hold(chunk, pos, size === NEED_MORE ? 0 : size);
      const end = pos + size;
      if (!this.#emit(chunk, buffer, byteOffset, pos, end, sink)) return this.#stopAt(chunk, end);
      pos = end;
    }
    return undefined;
  }

  /** Whole size of the frame at `start` (header, key, payload), NEED_MORE, or NOT_MINE. */
  #frameSizeAt(bytes: Uint8Array, start: number, end: number): number {
    const available = end - start;
    if (available < 1) return NEED_MORE;
    const first = bytes[start];
    if (first !== FIN_BINARY && first !== FIN_PING && first !== FIN_PONG) return NOT_MINE;
    if (available < 2) return NEED_MORE;
    const second = bytes[start + 1];
    if (((second & MASK_BIT) !== 0) !== this.#masked) return NOT_MINE;
    let header = 2;
    let payload = second & 0x7f;
    if (first !== FIN_BINARY) {
      // Control frames have a 7-bit length (RFC 6455 §5.5); a longer one is the full parser's error.
      if (payload > MAX_CONTROL_PAYLOAD) return NOT_MINE;
      return header + (this.#masked ? 4 : 0) + payload;
    }
    if (payload === 126) {
      if (available < 4) return NEED_MORE;
      payload = (bytes[start + 2] << 8) | bytes[start + 3];
      header = 4;
    } else if (payload === 127) {
      if (available < 10) return NEED_MORE;
      // Above 4 GiB, leave it to the full parser (and its limits).
      if ((bytes[start + 2] | bytes[start + 3] | bytes[start + 4] | bytes[start + 5]) !== 0) return NOT_MINE;
      payload = ((bytes[start + 6] << 24) | (bytes[start + 7] << 16) | (bytes[start + 8] << 8) | bytes[start + 9]) >>> 0;
      header = 10;
    }
    if (payload === 0 || (this.#maxPayload > 0 && payload > this.#maxPayload)) return NOT_MINE;
    return header + (this.#masked ? 4 : 0) + payload;
  }

  /** Hands over the frame at `start`..`end` of `bytes`, which lies at `byteOffset` of `buffer`. */
  #emit(bytes: Buffer, buffer: ArrayBufferLike, byteOffset: number, start: number, end: number, sink: DataFrameSink): boolean {
    const len7 = bytes[start + 1] & 0x7f;
    let payloadAt = start + (len7 < 126 ? 2 : len7 === 126 ? 4 : 10);
    if (this.#masked) {
      const keyAt = payloadAt;
      payloadAt += 4;
      if (end - payloadAt <= 32) {
        // Small payloads (most messages): four bytes a round, no word view to make.
        xorRun(bytes, payloadAt, end, bytes[keyAt], bytes[keyAt + 1], bytes[keyAt + 2], bytes[keyAt + 3]);
      } else applyMask(bytes, keyAt, payloadAt, end);
    }
    const first = bytes[start];
    if (first === FIN_BINARY) return sink.onData(bytes[payloadAt], this.#view(buffer, byteOffset + payloadAt + 1, end - payloadAt - 1));
    return sink.onControl(first & 0x0f, bytes.subarray(payloadAt, end));
  }

  /** The sink stopped us with the frame before `from`: keep the rest of `chunk` ahead of anything kept. */
  #stopAt(chunk: Buffer, from: number): undefined {
    this.#halted = true;
    if (from < chunk.length) {
      this.#stopped.unshift(chunk.subarray(from));
      this.#stoppedBytes += chunk.length - from;
    }
    return undefined;
  }

  #hold(chunk: Buffer, from: number, frameSize: number): undefined {
    if (from < chunk.length) {
      this.#held.push(chunk.subarray(from));
      this.#heldBytes += chunk.length - from;
    }
    this.#frameSize = frameSize;
    return undefined;
  }

  #giveBack(chunk: Buffer, from: number): Buffer[] {
    const rest = [...this.#held, chunk.subarray(from)];
    this.#held = [];
    this.#heldBytes = 0;
    this.#frameSize = 0;
    return rest;
  }
}
