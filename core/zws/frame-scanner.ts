/**
 * A watcher of WebSocket frame headers that refuses fragmented messages, which the `ws` package
 * accepts and libzmq's ZWS decoder does not. Pure: bytes in, a verdict out.
 */
import { PROTOCOL_ERROR, ZmtpError } from '../errors';

const enum State {
  Head,
  Length,
  Mask,
  Payload,
}

/**
 * Watches WebSocket frame headers as they arrive (RFC 6455 §5.2) without touching the data, to
 * refuse what the `ws` package would quietly accept but libzmq's ZWS decoder rejects: fragmented
 * messages (RFC 45: one ZMTP frame is one WebSocket message; libzmq requires FIN on every
 * frame). Everything else about frames (masking, opcodes, sizes) `ws` itself checks.
 */
export class WsFrameScanner {
  #state = State.Head;
  #header = new Uint8Array(2);
  #headerFill = 0;
  #lengthBytes = 0;
  #lengthFill = 0;
  #length = 0;
  #masked = false;
  #skip = 0;
  #error: ZmtpError | undefined;

  /** Whether the bytes scanned so far end exactly where a frame ends (and no fragment was seen). */
  get atFrameStart(): boolean {
    return this.#state === State.Head && this.#headerFill === 0 && this.#error === undefined;
  }

  /** ERR_ZWS_FRAGMENTED once a fragment was seen; nothing is scanned after it. */
  get error(): ZmtpError | undefined {
    return this.#error;
  }

  /**
   * Scans one chunk. Returns how many of its bytes come before the first fragment (all of them
   * when there is none), so that the frames ahead of it can still be handled in order, as
   * libzmq's decoder does; {@link error} then names the fragment. With `untilFrameEnd` it stops
   * as soon as a frame ends, and returns how many bytes that took (so that a caller can hand a
   * parser one frame at a time and stop between two).
   */
  push(chunk: Uint8Array, untilFrameEnd = false): number {
    if (this.#error) return 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (untilFrameEnd && pos > 0 && this.atFrameStart) return pos;
      switch (this.#state) {
        case State.Head: {
          // FIN and the opcode are in the first header byte: judge the frame where it starts.
          if (this.#headerFill === 0) {
            const fin = (chunk[pos] & 0x80) !== 0;
            const opcode = chunk[pos] & 0x0f;
            if (opcode === 0 || (!fin && opcode < 8)) {
              this.#error = new ZmtpError('ERR_ZWS_FRAGMENTED', 'Fragmented WebSocket message: ZWS 2.0 carries each frame in one unfragmented message', PROTOCOL_ERROR.WS_UNSPECIFIED);
              return pos;
            }
          }
          this.#header[this.#headerFill++] = chunk[pos++];
          if (this.#headerFill < 2) break;
          this.#headerFill = 0;
          this.#masked = (this.#header[1] & 0x80) !== 0;
          const length7 = this.#header[1] & 0x7f;
          this.#length = 0;
          this.#lengthFill = 0;
          if (length7 < 126) {
            this.#length = length7;
            this.#afterLength();
          } else {
            this.#lengthBytes = length7 === 126 ? 2 : 8;
            this.#state = State.Length;
          }
          break;
        }
        case State.Length:
          this.#length = this.#length * 256 + chunk[pos++];
          if (++this.#lengthFill === this.#lengthBytes) this.#afterLength();
          break;
        case State.Mask:
        case State.Payload: {
          const take = Math.min(this.#skip, chunk.length - pos);
          pos += take;
          this.#skip -= take;
          if (this.#skip === 0) {
            if (this.#state === State.Mask) this.#startPayload();
            else this.#state = State.Head;
          }
          break;
        }
      }
    }
    return chunk.length;
  }

  #afterLength(): void {
    if (this.#masked) {
      this.#state = State.Mask;
      this.#skip = 4;
    } else this.#startPayload();
  }

  #startPayload(): void {
    this.#skip = this.#length;
    this.#state = this.#skip > 0 ? State.Payload : State.Head;
  }
}
