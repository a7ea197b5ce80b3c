/**
 * A streaming scanner for ZMTP 3.x byte streams (RFC 23 §"Formal Grammar", RFC 37): the greeting,
 * then frame headers, counting body bytes and keeping only the first few of each frame. Unlike the
 * engine's decoder (core/zmtp/decoder.ts), which assembles whole bodies for the application, it
 * keeps at most one frame's capture in memory whatever the frame's size, so a 1 GiB message
 * passes through a tap in bounded memory. Pure: no Node.
 */
import { FLAG_LONG, GREETING_SIZE, SIGNATURE_SIZE } from '../zmtp/constants';
import { readLongSize } from '../zmtp/frame';
import { BodyCapture, viewOf } from './capture';
import type { CaptureLimits, WireScanner, WireUnits } from './wire-units';

const enum State {
  Greeting,
  Flags,
  Size,
  Body,
  Stopped,
}

/**
 * Scans one direction of a ZMTP connection. A peer whose first bytes are not a ZMTP 3 signature
 * and version (libzmq's ZMTP 1.0 and 2.0 fallbacks: no 0xFF first byte, bit 0 of byte 9 clear, or
 * a major version below 3) is reported as undecodable after the bytes that tell.
 */
export class ZmtpScanner implements WireScanner {
  readonly #units: WireUnits;
  readonly #limits: CaptureLimits;
  #state = State.Greeting;
  readonly #greeting = new Uint8Array(GREETING_SIZE);
  #greetingFill = 0;
  #flags = 0;
  readonly #sizeBytes = new Uint8Array(8);
  #sizeNeeded = 0;
  #sizeFill = 0;
  /** The body streaming past when it spans chunks. */
  readonly #body = new BodyCapture(true);

  constructor(units: WireUnits, limits: CaptureLimits) {
    this.#units = units;
    this.#limits = limits;
  }

  get stopped(): boolean {
    return this.#state === State.Stopped;
  }

  stop(): void {
    this.#state = State.Stopped;
    this.#body.finish();
  }

  push(pushed: Uint8Array): void {
    // Views of a Node Buffer would be Buffers, slower to make; records hold plain Uint8Arrays.
    const chunk = pushed.constructor === Uint8Array ? pushed : new Uint8Array(pushed.buffer, pushed.byteOffset, pushed.byteLength);
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      switch (this.#state) {
        case State.Greeting:
          pos = this.#readGreeting(chunk, pos);
          break;
        case State.Flags: {
          // The common case: whole short frames within this chunk (small messages, commands).
          while (pos + 1 < length && (chunk[pos] & FLAG_LONG) === 0) {
            const size = chunk[pos + 1];
            const end = pos + 2 + size;
            if (end > length) break;
            const flags = chunk[pos];
            this.#units.frame(flags, size, viewOf(chunk, pos + 2, Math.min(size, this.#limits.bytesFor(flags))));
            pos = end;
            if (this.#state !== State.Flags) return;
          }
          // Next common case: a whole long frame (a body over 255 bytes) within this chunk.
          if (pos + 9 <= length && (chunk[pos] & FLAG_LONG) !== 0) {
            const size = readLongSize(chunk, pos + 1);
            if (pos + 9 + size <= length) {
              const flags = chunk[pos];
              this.#units.frame(flags, size, viewOf(chunk, pos + 9, Math.min(size, this.#limits.bytesFor(flags))));
              pos += 9 + size;
              if (this.#state !== State.Flags) return;
              continue;
            }
          }
          if (pos >= length) break;
          this.#flags = chunk[pos++];
          this.#sizeNeeded = this.#flags & FLAG_LONG ? 8 : 1;
          this.#sizeFill = 0;
          this.#state = State.Size;
          break;
        }
        case State.Size:
          while (this.#sizeFill < this.#sizeNeeded && pos < length) this.#sizeBytes[this.#sizeFill++] = chunk[pos++];
          if (this.#sizeFill === this.#sizeNeeded) this.#startBody(this.#sizeNeeded === 1 ? this.#sizeBytes[0] : readLongSize(this.#sizeBytes, 0));
          break;
        case State.Body:
          pos = this.#body.pass(chunk, pos);
          if (this.#body.complete) this.#endBody();
          break;
        case State.Stopped:
          return;
      }
    }
  }

  #readGreeting(chunk: Uint8Array, pos: number): number {
    const before = this.#greetingFill;
    const take = Math.min(GREETING_SIZE - before, chunk.length - pos);
    this.#greeting.set(chunk.subarray(pos, pos + take), before);
    const fill = (this.#greetingFill += take);
    const legacy = legacyVersion(this.#greeting, fill);
    if (legacy !== undefined) {
      this.#state = State.Stopped;
      this.#units.undecodable(legacy, this.#greeting.slice(0, fill));
      return chunk.length;
    }
    if (fill < GREETING_SIZE) return pos + take;
    this.#state = State.Flags;
    this.#units.greeting(this.#greeting.slice(), pos + take);
    return pos + take;
  }

  #startBody(size: number): void {
    this.#body.start(size, this.#limits.bytesFor(this.#flags));
    this.#state = State.Body;
    if (size === 0) this.#endBody();
  }

  #endBody(): void {
    const size = this.#body.size;
    const capture = this.#body.finish();
    this.#state = State.Flags;
    this.#units.frame(this.#flags, size, capture);
  }
}

/**
 * Whether the first `fill` greeting bytes already show a peer older than ZMTP 3, as libzmq's
 * `zmtp_engine_t::handshake` tells them apart: no 0xFF first byte or a clear bit 0 of byte 9 is
 * ZMTP 1.0 (unversioned); a major version byte (10) of 0 or 1 is ZMTP 1.0 or 2.0, and libzmq
 * speaks ZMTP 3 to every other value.
 */
function legacyVersion(greeting: Uint8Array, fill: number): string | undefined {
  if (fill >= 1 && greeting[0] !== 0xff) return 'ZMTP 1.0 (no greeting signature)';
  if (fill >= SIGNATURE_SIZE && (greeting[9] & 0x01) === 0) return 'ZMTP 1.0 (unversioned greeting)';
  if (fill > SIGNATURE_SIZE && greeting[SIGNATURE_SIZE] < 2) return greeting[SIGNATURE_SIZE] === 0 ? 'ZMTP 1.0' : 'ZMTP 2.0';
  return undefined;
}
