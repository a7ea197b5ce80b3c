/**
 * The ZMTP stream decoder: a push parser for greetings and frames that checks sizes before it
 * keeps a byte. Part of the pure codec (see constants.ts): the allocator for assembled bodies is
 * given by the engine.
 */
import { PROTOCOL_ERROR, ZmtpError } from '../errors';
import { FLAG_LONG, GREETING_SIZE, SIGNATURE_SIZE } from './constants';
import { readLongSize } from './frame';
import { checkSignature, checkVersion, parseGreeting, type Greeting } from './greeting';

/**
 * The largest frame body the decoder will assemble whatever maxMessageSize says: V8 cannot make a
 * Uint8Array much larger, and a named error beats a RangeError.
 */
export const MAX_FRAME_BODY = 2 ** 31 - 1;

/** Receives what the decoder finds. A callback may throw a ZmtpError to fail the stream. */
export interface DecoderSink {
  /** The peer's first 10 bytes are a valid ZMTP 3 signature. */
  onGreetingSignature(): void;
  /** Byte 10 (major version) arrived and is acceptable. */
  onGreetingVersion(major: number): void;
  /** The whole greeting arrived; `raw` is a copy of its 64 bytes. */
  onGreeting(greeting: Greeting, raw: Uint8Array): void;
  /**
   * One frame. `body` is a view into the received chunk when the frame lay within one chunk, or a
   * fresh copy when it spanned several; either way it stays valid (chunks are never reused).
   */
  onFrame(flags: number, body: Uint8Array): void;
}

export interface DecoderOptions {
  /** ZMQ_MAXMSGSIZE: frames with a larger body fail before anything is allocated. -1 = no limit. */
  readonly maxMessageSize: number;
  /** Whether the stream starts with a 64-byte greeting (ZMTP over tcp/ipc) or with frames. */
  readonly greeting: boolean;
  /** The local mechanism; the peer's greeting must name the same one. */
  readonly mechanism?: string;
  /**
   * Makes the body of a frame that spanned chunks; every byte of it is then written, so it need
   * not be zeroed. Default `new Uint8Array(size)`. An engine on Node passes `Buffer.allocUnsafe`,
   * which skips the zero-filling (for 64 KiB bodies that is a measurable share of the receive
   * cost) and gives the Buffer the application receives; this folder itself stays free of Node.
   */
  readonly allocate?: (size: number) => Uint8Array;
  /**
   * Makes the view of a body that lay within one chunk. Default `new Uint8Array(buffer, offset,
   * length)`. An engine on Node passes a maker of Buffers (core/util/buffer-view.ts): the Buffer
   * the application receives, made about twice as fast as `chunk.subarray()` makes one, which
   * counts at millions of small frames a second.
   */
  readonly view?: (buffer: ArrayBufferLike, byteOffset: number, length: number) => Uint8Array;
}

const allocateZeroed = (size: number): Uint8Array => new Uint8Array(size);
const plainView = (buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array => new Uint8Array(buffer, byteOffset, length);

const enum State {
  Greeting,
  Flags,
  Size,
  Body,
  Stopped,
}

/**
 * A push parser for a ZMTP 3.x byte stream (RFC 23 §"Formal Grammar"): greeting, then frames of
 * `flags size body`. Chunks may split anything anywhere; the parser resumes where it stopped.
 * Reserved flag bits are ignored, as libzmq's decoder ignores them.
 */
export class ZmtpDecoder {
  readonly #sink: DecoderSink;
  readonly #maxMessageSize: number;
  readonly #mechanism: string;
  readonly #allocate: (size: number) => Uint8Array;
  readonly #view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => Uint8Array;
  #state: State;
  readonly #greeting = new Uint8Array(GREETING_SIZE);
  #greetingFill = 0;
  #flags = 0;
  readonly #sizeBytes = new Uint8Array(8);
  #sizeNeeded = 0;
  #sizeFill = 0;
  #bodySize = 0;
  #bodyFill = 0;
  #bodyParts: Uint8Array[] = [];
  /** Set by {@link pause}: the loop stops after the frame being handed over. */
  #paused = false;
  /** Whether {@link push} or {@link resume} is running (a resume from inside a callback only unpauses). */
  #running = false;
  /** What arrived after a pause, not yet decoded: the rest of the chunk that was paused, then later chunks. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;

  constructor(sink: DecoderSink, options: DecoderOptions) {
    this.#sink = sink;
    this.#maxMessageSize = options.maxMessageSize;
    this.#mechanism = options.mechanism ?? 'NULL';
    this.#allocate = options.allocate ?? allocateZeroed;
    this.#view = options.view ?? plainView;
    this.#state = options.greeting ? State.Greeting : State.Flags;
  }

  /** Bytes received and not yet handed over: an incomplete frame, and what waits behind a pause. */
  get bufferedBytes(): number {
    return this.#bodyFill + this.#sizeFill + this.#heldBytes;
  }

  /** Stops decoding: later pushes and the rest of the current chunk are ignored. */
  stop(): void {
    this.#state = State.Stopped;
    this.#bodyParts = [];
    this.#bodyFill = 0;
    this.#sizeFill = 0;
    this.#held = [];
    this.#heldBytes = 0;
  }

  get stopped(): boolean {
    return this.#state === State.Stopped;
  }

  /**
   * Stops handing frames over, right after the one being handed over now (a callback may call
   * it): the rest of the chunk, and every chunk pushed until {@link resume}, is kept undecoded.
   * libzmq's engine does the same when its session refuses a message (stream_engine_base_t
   * in_event_internal keeps `_inpos`/`_insize` and restart_input goes on from there): a peer's
   * backlog then never goes past the receive high-water mark, however large its reads.
   */
  pause(): void {
    this.#paused = true;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Goes on with the bytes kept since {@link pause}; a callback may pause again, and then the
   * rest stays kept. Throws as {@link push} does.
   */
  resume(): void {
    this.#paused = false;
    if (this.#running) return;
    while (this.#held.length > 0 && !this.#paused && this.#state !== State.Stopped) {
      const chunk = this.#held.shift()!;
      this.#heldBytes -= chunk.length;
      this.push(chunk);
    }
  }

  /** Feeds one chunk (kept for later while paused). Throws the ZmtpError that ended the stream, after which it is stopped. */
  push(chunk: Uint8Array): void {
    if (this.#paused) {
      this.#hold(chunk, this.#held.length);
      return;
    }
    this.#running = true;
    try {
      this.#run(chunk);
    } catch (err) {
      this.stop();
      throw err;
    } finally {
      this.#running = false;
    }
  }

  /** Keeps `bytes` undecoded at `index` of the held list (0: before what came later). */
  #hold(bytes: Uint8Array, index: number): void {
    if (bytes.length === 0) return;
    this.#held.splice(index, 0, bytes);
    this.#heldBytes += bytes.length;
  }

  #run(chunk: Uint8Array): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.#paused) {
        // Ahead of anything pushed while paused: those bytes came later.
        this.#hold(chunk.subarray(pos), 0);
        return;
      }
      switch (this.#state) {
        case State.Greeting:
          pos = this.#readGreeting(chunk, pos);
          break;
        case State.Flags: {
          // Fastest path: a run of whole short frames within this chunk (small messages).
          const max = this.#maxMessageSize;
          const { buffer, byteOffset } = chunk;
          while (pos + 1 < length && (chunk[pos] & FLAG_LONG) === 0) {
            const size = chunk[pos + 1];
            const end = pos + 2 + size;
            if (end > length || (max >= 0 && size > max)) break;
            this.#sink.onFrame(chunk[pos], this.#view(buffer, byteOffset + pos + 2, size));
            pos = end;
            // The sink may have stopped us (a failed connection) or paused us (a full pipe).
            if (this.#state !== State.Flags) return;
            if (this.#paused) break;
          }
          if (this.#paused) break;
          if (pos >= length) break;
          const flags = chunk[pos++];
          this.#flags = flags;
          this.#sizeNeeded = flags & FLAG_LONG ? 8 : 1;
          // Fast path: the whole size field, and often the whole body, are in this chunk.
          if (this.#sizeNeeded === 1 && pos < length) {
            pos = this.#startBody(chunk, pos + 1, chunk[pos]);
          } else if (this.#sizeNeeded === 8 && pos + 8 <= length) {
            pos = this.#startBody(chunk, pos + 8, readLongSize(chunk, pos));
          } else {
            this.#sizeFill = 0;
            this.#state = State.Size;
          }
          break;
        }
        case State.Size: {
          while (this.#sizeFill < this.#sizeNeeded && pos < length) this.#sizeBytes[this.#sizeFill++] = chunk[pos++];
          if (this.#sizeFill === this.#sizeNeeded) {
            const size = this.#sizeNeeded === 1 ? this.#sizeBytes[0] : readLongSize(this.#sizeBytes, 0);
            this.#sizeFill = 0;
            pos = this.#startBody(chunk, pos, size);
          }
          break;
        }
        case State.Body: {
          const take = Math.min(this.#bodySize - this.#bodyFill, length - pos);
          this.#bodyParts.push(chunk.subarray(pos, pos + take));
          this.#bodyFill += take;
          pos += take;
          if (this.#bodyFill === this.#bodySize) this.#emitAssembled();
          break;
        }
        case State.Stopped:
          return;
      }
    }
  }

  #readGreeting(chunk: Uint8Array, pos: number): number {
    const before = this.#greetingFill;
    const take = Math.min(GREETING_SIZE - before, chunk.length - pos);
    this.#greeting.set(chunk.subarray(pos, pos + take), before);
    this.#greetingFill += take;
    const fill = this.#greetingFill;
    // Checked in the same stages libzmq uses (signature, then version byte, then the rest), so a
    // non-ZMTP peer is turned away after 10 bytes rather than after 64.
    if (before < SIGNATURE_SIZE && fill >= SIGNATURE_SIZE) {
      checkSignature(this.#greeting);
      this.#sink.onGreetingSignature();
      // The sink may have stopped us; going on would report later stages and undo the stop.
      if (this.#state === State.Stopped) return chunk.length;
    }
    if (before <= SIGNATURE_SIZE && fill > SIGNATURE_SIZE) {
      checkVersion(this.#greeting[SIGNATURE_SIZE]);
      this.#sink.onGreetingVersion(this.#greeting[SIGNATURE_SIZE]);
      if (this.#state === State.Stopped) return chunk.length;
    }
    if (fill === GREETING_SIZE) {
      const greeting = parseGreeting(this.#greeting, this.#mechanism);
      this.#state = State.Flags;
      this.#sink.onGreeting(greeting, this.#greeting.slice());
    }
    return pos + take;
  }

  /** Checks the size before a single byte of body is kept, then emits or starts assembling. */
  #startBody(chunk: Uint8Array, pos: number, size: number): number {
    if ((this.#maxMessageSize >= 0 && size > this.#maxMessageSize) || size > MAX_FRAME_BODY) {
      const limit = size > MAX_FRAME_BODY && !(this.#maxMessageSize >= 0 && size > this.#maxMessageSize) ? MAX_FRAME_BODY : this.#maxMessageSize;
      throw new ZmtpError(
        'ERR_ZMTP_MESSAGE_TOO_LARGE',
        `Frame of ${size === Number.MAX_VALUE ? 'more than 2^53' : size} bytes exceeds the limit of ${limit} bytes (maxMessageSize)`,
        PROTOCOL_ERROR.ZMTP_UNSPECIFIED,
      );
    }
    if (chunk.length - pos >= size) {
      this.#state = State.Flags;
      this.#sink.onFrame(this.#flags, this.#view(chunk.buffer, chunk.byteOffset + pos, size));
      return pos + size;
    }
    // The body spans chunks: keep views of what arrived and copy once when complete, so memory
    // grows with bytes actually received, never with a size claimed by the peer.
    this.#bodySize = size;
    this.#bodyFill = chunk.length - pos;
    this.#bodyParts = [chunk.subarray(pos)];
    this.#state = State.Body;
    return chunk.length;
  }

  #emitAssembled(): void {
    const body = this.#allocate(this.#bodySize);
    let offset = 0;
    for (const part of this.#bodyParts) {
      body.set(part, offset);
      offset += part.length;
    }
    this.#bodyParts = [];
    this.#bodyFill = 0;
    this.#state = State.Flags;
    this.#sink.onFrame(this.#flags, body);
  }
}
