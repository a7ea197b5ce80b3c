/**
 * {@link CurveCrypto} on libsodium: the `libsodium-wrappers` package (libsodium 1.0.22 compiled to
 * WebAssembly, the same C code libzmq calls), loaded the first time something needs CURVE, so
 * that sockets without CURVE never pay for it (about 50 ms and 1 MB of code).
 *
 * Every operation goes through the raw emscripten module the wrappers expose (`_malloc`,
 * `HEAPU8`, `_crypto_box_easy_afternm`…), not the wrapper functions: those copy each argument,
 * keys included, into a fresh piece of the WebAssembly heap and free it without zeroing it. Here
 * secrets are copied into scratch memory that is zeroed right after each call, a connection's
 * shared key lives in a slot of its own until {@link SodiumSession.wipe} zeroes it, and the
 * MESSAGE path reuses its buffers (41 % more seals per second at 16 B than the wrappers).
 *
 * Sizes passed to functions taking `unsigned long long` are split in two 32-bit halves (low
 * first): that is how emscripten passes 64-bit integers to WebAssembly without BigInt.
 */
import type { CurveCrypto, CurveKeyPair, CurveSession } from '../zmtp/curve-crypto';
import { BOX_TAG_SIZE, NONCE_SIZE } from '../zmtp/curve-crypto';

/** The parts of libsodium's emscripten module used here (pointers are heap offsets). */
interface RawSodium {
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _randombytes_buf(buffer: number, size: number): void;
  _crypto_box_keypair(publicKey: number, secretKey: number): number;
  _crypto_scalarmult_base(publicKey: number, secretKey: number): number;
  _crypto_box_easy(out: number, message: number, lengthLow: number, lengthHigh: number, nonce: number, publicKey: number, secretKey: number): number;
  _crypto_box_open_easy(out: number, box: number, lengthLow: number, lengthHigh: number, nonce: number, publicKey: number, secretKey: number): number;
  _crypto_box_beforenm(key: number, publicKey: number, secretKey: number): number;
  _crypto_box_easy_afternm(out: number, message: number, lengthLow: number, lengthHigh: number, nonce: number, key: number): number;
  _crypto_box_open_easy_afternm(out: number, box: number, lengthLow: number, lengthHigh: number, nonce: number, key: number): number;
  _crypto_secretbox_easy(out: number, message: number, lengthLow: number, lengthHigh: number, nonce: number, key: number): number;
  _crypto_secretbox_open_easy(out: number, box: number, lengthLow: number, lengthHigh: number, nonce: number, key: number): number;
}

const KEY_SIZE = 32;

/**
 * Reusable heap memory: a region that grows to the largest size asked for. Its contents are
 * zeroed by whoever put secrets there.
 */
class Scratch {
  readonly #raw: RawSodium;
  #pointer = 0;
  #size = 0;

  constructor(raw: RawSodium) {
    this.#raw = raw;
  }

  /** A pointer to at least `size` bytes (the previous contents are gone if it had to grow). */
  at(size: number): number {
    if (size > this.#size) {
      if (this.#pointer !== 0) {
        this.#raw.HEAPU8.fill(0, this.#pointer, this.#pointer + this.#size);
        this.#raw._free(this.#pointer);
      }
      // Grow by at least half again, so a run of slowly growing messages does not reallocate each time.
      this.#size = Math.max(size, Math.ceil(this.#size * 1.5), 256);
      this.#pointer = this.#raw._malloc(this.#size);
      if (this.#pointer === 0) throw new RangeError(`libsodium could not allocate ${this.#size} bytes`);
    }
    return this.#pointer;
  }
}

/** Up to this many bytes are copied in a loop: cheaper than the view a TypedArray.set needs. */
const LOOP_COPY_MAX = 64;

/**
 * Copies `source[start, end)` into `target` at `offset`. At millions of small messages a second,
 * the view object a TypedArray.set (or Buffer.copy, which makes one too) needs per call shows in
 * a profile, so short copies are a plain loop.
 */
function copyInto(source: Uint8Array, start: number, end: number, target: Uint8Array, offset: number): void {
  if (end - start <= LOOP_COPY_MAX) {
    for (let i = start; i < end; i++) target[offset++] = source[i];
  } else target.set(source.subarray(start, end), offset);
}

/** libsodium's CurveCrypto. Obtain it with {@link loadCurveCrypto}. */
class SodiumCurveCrypto implements CurveCrypto {
  readonly #raw: RawSodium;
  /** Scratch for handshake operations (keys, nonces and small boxes). */
  readonly #scratch: Scratch;
  /** Scratch shared by every session's MESSAGE path: plaintext in, box out (the event loop runs one at a time). */
  readonly messageIn: Scratch;
  readonly messageOut: Scratch;

  constructor(raw: RawSodium) {
    this.#raw = raw;
    this.#scratch = new Scratch(raw);
    this.messageIn = new Scratch(raw);
    this.messageOut = new Scratch(raw);
  }

  get raw(): RawSodium {
    return this.#raw;
  }

  /** The WebAssembly memory (emscripten replaces the view when it grows): call it after anything that may allocate. */
  heap(): Uint8Array {
    return this.#raw.HEAPU8;
  }

  /**
   * Copies `inputs` into scratch memory one after the other, runs `call` with their pointers and
   * the pointer of an `outputSize`-byte output behind them, and returns a copy of the output (or
   * undefined when `call` returns non-zero). Everything written is zeroed before returning.
   */
  #withHeap(inputs: readonly Uint8Array[], outputSize: number, call: (pointers: number[], out: number) => number): Uint8Array | undefined {
    let total = outputSize;
    for (const input of inputs) total += input.length;
    const base = this.#scratch.at(total);
    const pointers: number[] = [];
    let offset = base;
    let heap = this.#raw.HEAPU8;
    for (const input of inputs) {
      heap.set(input, offset);
      pointers.push(offset);
      offset += input.length;
    }
    const status = call(pointers, offset);
    heap = this.#raw.HEAPU8;
    const result = status === 0 ? heap.slice(offset, offset + outputSize) : undefined;
    heap.fill(0, base, base + total);
    return result;
  }

  keyPair(): CurveKeyPair {
    const pair = this.#withHeap([], 2 * KEY_SIZE, (_, out) => this.#raw._crypto_box_keypair(out, out + KEY_SIZE))!;
    return { publicKey: pair.slice(0, KEY_SIZE), secretKey: pair.slice(KEY_SIZE) };
  }

  publicKeyOf(secretKey: Uint8Array): Uint8Array {
    return this.#withHeap([secretKey], KEY_SIZE, ([secret], out) => this.#raw._crypto_scalarmult_base(out, secret))!;
  }

  random(size: number): Uint8Array {
    return this.#withHeap([], size, (_, out) => (this.#raw._randombytes_buf(out, size), 0))!;
  }

  box(message: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const box = this.#withHeap([message, nonce, publicKey, secretKey], message.length + BOX_TAG_SIZE, ([m, n, pk, sk], out) =>
      this.#raw._crypto_box_easy(out, m, message.length, 0, n, pk, sk),
    );
    // libsodium refuses a key pair whose shared point is all zeros (a low-order public key).
    if (!box) throw new RangeError('crypto_box failed: the public key is not usable');
    return box;
  }

  boxOpen(box: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | undefined {
    if (box.length < BOX_TAG_SIZE) return undefined;
    return this.#withHeap([box, nonce, publicKey, secretKey], box.length - BOX_TAG_SIZE, ([c, n, pk, sk], out) =>
      this.#raw._crypto_box_open_easy(out, c, box.length, 0, n, pk, sk),
    );
  }

  secretBox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
    return this.#withHeap([message, nonce, key], message.length + BOX_TAG_SIZE, ([m, n, k], out) =>
      this.#raw._crypto_secretbox_easy(out, m, message.length, 0, n, k),
    )!;
  }

  secretBoxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    if (box.length < BOX_TAG_SIZE) return undefined;
    return this.#withHeap([box, nonce, key], box.length - BOX_TAG_SIZE, ([c, n, k], out) => this.#raw._crypto_secretbox_open_easy(out, c, box.length, 0, n, k));
  }

  session(peerPublicKey: Uint8Array, secretKey: Uint8Array, sealPrefix: Uint8Array, openPrefix: Uint8Array): CurveSession {
    return new SodiumSession(this, peerPublicKey, secretKey, sealPrefix, openPrefix);
  }
}

/** Layout of a session's slot: the shared key, then the seal nonce, then the open nonce. */
const SLOT_KEY = 0;
const SLOT_SEAL_NONCE = KEY_SIZE;
const SLOT_OPEN_NONCE = KEY_SIZE + NONCE_SIZE;
const SLOT_SIZE = KEY_SIZE + 2 * NONCE_SIZE;
/** Where the 8-byte counter sits in a 24-byte nonce (after the 16-byte prefix). */
const COUNTER_OFFSET = 16;

/** One connection's shared key in a heap slot of its own, with its two MESSAGE nonces. */
class SodiumSession implements CurveSession {
  readonly #crypto: SodiumCurveCrypto;
  readonly #raw: RawSodium;
  #slot: number;
  openedFlags = 0;

  constructor(crypto: SodiumCurveCrypto, peerPublicKey: Uint8Array, secretKey: Uint8Array, sealPrefix: Uint8Array, openPrefix: Uint8Array) {
    this.#crypto = crypto;
    const raw = crypto.raw;
    this.#raw = raw;
    this.#slot = raw._malloc(SLOT_SIZE);
    const shared = crypto.messageIn.at(2 * KEY_SIZE);
    let heap = raw.HEAPU8;
    heap.set(peerPublicKey, shared);
    heap.set(secretKey, shared + KEY_SIZE);
    const status = raw._crypto_box_beforenm(this.#slot + SLOT_KEY, shared, shared + KEY_SIZE);
    heap = raw.HEAPU8;
    heap.fill(0, shared, shared + 2 * KEY_SIZE);
    heap.set(sealPrefix.subarray(0, COUNTER_OFFSET), this.#slot + SLOT_SEAL_NONCE);
    heap.set(openPrefix.subarray(0, COUNTER_OFFSET), this.#slot + SLOT_OPEN_NONCE);
    if (status !== 0) {
      this.wipe();
      throw new RangeError('crypto_box_beforenm failed: the public key is not usable');
    }
  }

  #key(): number {
    if (this.#slot === 0) throw new Error('the CURVE session was wiped');
    return this.#slot + SLOT_KEY;
  }

  seal(message: Uint8Array, nonce: Uint8Array): Uint8Array {
    const key = this.#key();
    const input = this.#crypto.messageIn.at(NONCE_SIZE + message.length);
    const out = this.#crypto.messageOut.at(message.length + BOX_TAG_SIZE);
    let heap = this.#raw.HEAPU8;
    heap.set(nonce, input);
    heap.set(message, input + NONCE_SIZE);
    this.#raw._crypto_box_easy_afternm(out, input + NONCE_SIZE, message.length, 0, input, key);
    heap = this.#raw.HEAPU8;
    heap.fill(0, input, input + NONCE_SIZE + message.length);
    return heap.slice(out, out + message.length + BOX_TAG_SIZE);
  }

  open(box: Uint8Array, nonce: Uint8Array): Uint8Array | undefined {
    const key = this.#key();
    if (box.length < BOX_TAG_SIZE) return undefined;
    const input = this.#crypto.messageIn.at(NONCE_SIZE + box.length);
    const out = this.#crypto.messageOut.at(box.length);
    let heap = this.#raw.HEAPU8;
    heap.set(nonce, input);
    heap.set(box, input + NONCE_SIZE);
    const status = this.#raw._crypto_box_open_easy_afternm(out, input + NONCE_SIZE, box.length, 0, input, key);
    heap = this.#raw.HEAPU8;
    const plain = status === 0 ? heap.slice(out, out + box.length - BOX_TAG_SIZE) : undefined;
    heap.fill(0, out, out + box.length);
    return plain;
  }

  sealMessage(target: Uint8Array, offset: number, counter: number, flags: number, data: Uint8Array): void {
    const raw = this.#raw;
    const key = this.#key();
    const length = 1 + data.length;
    const input = this.#crypto.messageIn.at(length);
    const out = this.#crypto.messageOut.at(length + BOX_TAG_SIZE);
    const heap = this.#crypto.heap();
    const nonce = this.#slot + SLOT_SEAL_NONCE;
    // The counter as 8 big-endian bytes; counters stay far below 2^53.
    const high = Math.floor(counter / 0x100000000);
    const low = counter >>> 0;
    heap[nonce + 16] = high >>> 24;
    heap[nonce + 17] = (high >>> 16) & 0xff;
    heap[nonce + 18] = (high >>> 8) & 0xff;
    heap[nonce + 19] = high & 0xff;
    heap[nonce + 20] = low >>> 24;
    heap[nonce + 21] = (low >>> 16) & 0xff;
    heap[nonce + 22] = (low >>> 8) & 0xff;
    heap[nonce + 23] = low & 0xff;
    heap[input] = flags;
    copyInto(data, 0, data.length, heap, input + 1);
    raw._crypto_box_easy_afternm(out, input, length, 0, nonce, key);
    copyInto(heap, out, out + length + BOX_TAG_SIZE, target, offset);
  }

  openMessage(frame: Uint8Array, nonceOffset: number, boxOffset: number): Uint8Array | undefined {
    const raw = this.#raw;
    const key = this.#key();
    const length = frame.length - boxOffset;
    if (length < BOX_TAG_SIZE + 1) return undefined;
    const input = this.#crypto.messageIn.at(length);
    const out = this.#crypto.messageOut.at(length);
    const heap = this.#crypto.heap();
    const nonce = this.#slot + SLOT_OPEN_NONCE;
    copyInto(frame, nonceOffset, nonceOffset + 8, heap, nonce + COUNTER_OFFSET);
    copyInto(frame, boxOffset, frame.length, heap, input);
    if (raw._crypto_box_open_easy_afternm(out, input, length, 0, nonce, key) !== 0) return undefined;
    this.openedFlags = heap[out];
    // A copy: the payload belongs to whoever receives it, the heap to the next call.
    const payload = Buffer.allocUnsafe(length - BOX_TAG_SIZE - 1);
    copyInto(heap, out + 1, out + length - BOX_TAG_SIZE, payload, 0);
    return payload;
  }

  wipe(): void {
    if (this.#slot === 0) return;
    this.#raw.HEAPU8.fill(0, this.#slot, this.#slot + SLOT_SIZE);
    this.#raw._free(this.#slot);
    this.#slot = 0;
  }
}

let loading: Promise<CurveCrypto> | undefined;
let loaded: CurveCrypto | undefined;

/**
 * libsodium's CurveCrypto, loading it on the first call (later calls share the same promise).
 * The import is dynamic so that a bundle loads libsodium's code only when CURVE is used.
 */
export function loadCurveCrypto(): Promise<CurveCrypto> {
  loading ??= import('libsodium-wrappers').then(async (module) => {
    // The package's ESM build exports the library as `default`; a CommonJS interop may not.
    // `libsodium` (the raw module) is there at run time but not in the package's types.
    const sodium = (module.default ?? module) as unknown as { ready: Promise<void>; libsodium: RawSodium };
    await sodium.ready;
    loaded = new SodiumCurveCrypto(sodium.libsodium);
    return loaded;
  });
  return loading;
}

/** The CurveCrypto if {@link loadCurveCrypto} has finished, else undefined. */
export function loadedCurveCrypto(): CurveCrypto | undefined {
  return loaded;
}
