/**
 * The cryptography CurveZMQ needs (RFC 26: NaCl's crypto_box, X25519 + XSalsa20-Poly1305, and
 * crypto_secretbox for the server's cookie), as an interface. The CURVE mechanism in curve.ts is
 * written against it and stays a pure codec (see constants.ts); core/crypto/ implements it on
 * libsodium, and the tests check that implementation against a second, independent one.
 *
 * Boxes use NaCl's "easy" layout, which is also the wire layout of RFC 26: the 16-byte
 * Poly1305 tag, then the ciphertext.
 */

/** A CURVE key pair: 32-byte X25519 keys. */
export interface CurveKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** crypto_box_MACBYTES: the tag in front of every box. */
export const BOX_TAG_SIZE = 16;
/** crypto_box_NONCEBYTES = crypto_secretbox_NONCEBYTES. */
export const NONCE_SIZE = 24;

export interface CurveCrypto {
  /** crypto_box_keypair: a fresh key pair (the secret key stored unclamped, as libsodium does). */
  keyPair(): CurveKeyPair;
  /** crypto_scalarmult_base: the public key of a secret key. */
  publicKeyOf(secretKey: Uint8Array): Uint8Array;
  /** randombytes_buf. */
  random(size: number): Uint8Array;
  /** crypto_box_easy: tag + ciphertext of `message` from `secretKey`'s owner to `publicKey`'s. */
  box(message: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** crypto_box_open_easy: the plaintext, or undefined when the box does not open. */
  boxOpen(box: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | undefined;
  /** crypto_secretbox_easy with a 32-byte key. */
  secretBox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** crypto_secretbox_open_easy: the plaintext, or undefined. */
  secretBoxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  /**
   * crypto_box_beforenm for one connection: the shared key is computed once and kept by the
   * implementation (never handed out) until {@link CurveSession.wipe}. `sealPrefix` and
   * `openPrefix` are the 16-byte nonce prefixes of MESSAGE boxes in each direction
   * ("CurveZMQMESSAGEC" / "CurveZMQMESSAGES").
   */
  session(peerPublicKey: Uint8Array, secretKey: Uint8Array, sealPrefix: Uint8Array, openPrefix: Uint8Array): CurveSession;
}

/** One connection's precomputed key: the afternm half of crypto_box. */
export interface CurveSession {
  /** crypto_box_easy_afternm under a whole 24-byte nonce (READY, handshake use). */
  seal(message: Uint8Array, nonce: Uint8Array): Uint8Array;
  /** crypto_box_open_easy_afternm under a whole nonce: the plaintext, or undefined. */
  open(box: Uint8Array, nonce: Uint8Array): Uint8Array | undefined;
  /**
   * The MESSAGE hot path: seals `flags` followed by `data` under `sealPrefix` + `counter` (8
   * bytes, big-endian) and writes the box (16 + 1 + data.length bytes) into `target` at `offset`.
   */
  sealMessage(target: Uint8Array, offset: number, counter: number, flags: number, data: Uint8Array): void;
  /**
   * Opens a MESSAGE box: the 8-byte short nonce at `nonceOffset` of `frame` (used after
   * `openPrefix`), the box from `boxOffset` to the end. Returns the payload (a fresh array the
   * caller may keep) and leaves the flags byte in {@link openedFlags}; undefined when the box does
   * not open. Offsets rather than views, because this runs once per received message.
   */
  openMessage(frame: Uint8Array, nonceOffset: number, boxOffset: number): Uint8Array | undefined;
  /** The flags byte of the last MESSAGE {@link openMessage} opened. */
  readonly openedFlags: number;
  /** Zeroes and releases the shared key; the session cannot be used afterwards. */
  wipe(): void;
}
