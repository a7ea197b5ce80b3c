/**
 * The libsodium CurveCrypto (core/crypto/sodium.ts) against tweetnacl, an independent NaCl:
 * every box either one makes, the other opens, and for the same inputs both make the same bytes.
 * Also: tampered boxes do not open, and a wiped session is unusable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { loadCurveCrypto } from '../../core/crypto/sodium';
import type { CurveCrypto } from '../../core/zmtp/curve-crypto';
import { MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER } from '../../core/zmtp/curve';
import { tweetnaclCrypto } from '../support/tweetnacl-crypto';

const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe('CURVE crypto: libsodium (WebAssembly) against tweetnacl', () => {
  let sodium: CurveCrypto;

  it('loads libsodium on demand', async () => {
    sodium = await loadCurveCrypto();
    assert.equal(await loadCurveCrypto(), sodium, 'loaded once, shared afterwards');
  });

  it('derives the same public keys', () => {
    fc.assert(fc.property(bytes(32), (secret) => assert.deepEqual(sodium.publicKeyOf(secret), nacl.scalarMult.base(secret))), { seed: 1, numRuns: 50 });
  });

  it('makes key pairs tweetnacl agrees with', () => {
    const pair = sodium.keyPair();
    assert.deepEqual(nacl.scalarMult.base(pair.secretKey), pair.publicKey);
  });

  it('makes the same crypto_box bytes, and each opens the other’s', () => {
    const a = nacl.box.keyPair();
    const b = nacl.box.keyPair();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), bytes(24), (message, nonce) => {
        const ours = sodium.box(message, nonce, b.publicKey, a.secretKey);
        assert.deepEqual(ours, nacl.box(message, nonce, b.publicKey, a.secretKey));
        assert.deepEqual(nacl.box.open(ours, nonce, a.publicKey, b.secretKey), message);
        assert.deepEqual(sodium.boxOpen(ours, nonce, a.publicKey, b.secretKey), message);
      }),
      { seed: 2, numRuns: 100 },
    );
  });

  it('makes the same crypto_secretbox bytes, and opens them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), bytes(24), bytes(32), (message, nonce, key) => {
        const ours = sodium.secretBox(message, nonce, key);
        assert.deepEqual(ours, nacl.secretbox(message, nonce, key));
        assert.deepEqual(sodium.secretBoxOpen(ours, nonce, key), message);
      }),
      { seed: 3, numRuns: 100 },
    );
  });

  it('refuses boxes with a flipped bit, a wrong key or a wrong nonce', () => {
    const a = nacl.box.keyPair();
    const b = nacl.box.keyPair();
    const nonce = nacl.randomBytes(24);
    const box = sodium.box(Uint8Array.of(1, 2, 3), nonce, b.publicKey, a.secretKey);
    for (let i = 0; i < box.length; i++) {
      const tampered = box.slice();
      tampered[i] ^= 0x10;
      assert.equal(sodium.boxOpen(tampered, nonce, a.publicKey, b.secretKey), undefined, `bit flipped in byte ${i}`);
    }
    assert.equal(sodium.boxOpen(box, nonce, a.publicKey, nacl.box.keyPair().secretKey), undefined);
    assert.equal(sodium.boxOpen(box, nacl.randomBytes(24), a.publicKey, b.secretKey), undefined);
    assert.equal(sodium.boxOpen(box.subarray(0, 15), nonce, a.publicKey, b.secretKey), undefined, 'shorter than a tag');
  });

  it('seals and opens MESSAGE boxes as tweetnacl does, for every size up to 64 KiB', () => {
    const client = nacl.box.keyPair();
    const server = nacl.box.keyPair();
    const ours = sodium.session(server.publicKey, client.secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER);
    const theirs = tweetnaclCrypto.session(client.publicKey, server.secretKey, MESSAGE_FROM_SERVER, MESSAGE_FROM_CLIENT);
    let counter = 3;
    for (const size of [0, 1, 15, 16, 17, 255, 256, 1024, 8191, 65536]) {
      const data = nacl.randomBytes(size);
      const box = new Uint8Array(17 + size + 4);
      ours.sealMessage(box, 4, counter, 0x01, data);
      const expected = new Uint8Array(17 + size + 4);
      tweetnaclCrypto.session(server.publicKey, client.secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER).sealMessage(expected, 4, counter, 0x01, data);
      assert.deepEqual(box, expected, `${size} bytes`);
      const shortNonce = new Uint8Array(8);
      new DataView(shortNonce.buffer).setBigUint64(0, BigInt(counter));
      assert.deepEqual(theirs.openMessage(concatBytes(shortNonce, box.subarray(4)), 0, 8), data);
      assert.equal(theirs.openedFlags, 0x01);
      counter++;
    }
    // And the other way: tweetnacl seals, libsodium opens.
    const reply = new Uint8Array(17 + 5);
    theirs.sealMessage(reply, 0, 2, 0x02, Uint8Array.of(4, 80, 73, 78, 71));
    const shortNonce = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 2);
    const frame = concatBytes(shortNonce, reply);
    assert.deepEqual(new Uint8Array(ours.openMessage(frame, 0, 8)!), Uint8Array.of(4, 80, 73, 78, 71));
    assert.equal(ours.openedFlags, 0x02);
    frame[28] ^= 1;
    assert.equal(ours.openMessage(frame, 0, 8), undefined, 'a tampered MESSAGE does not open');
    ours.wipe();
    theirs.wipe();
  });

  it('seals with counters above 2^32 in big-endian order', () => {
    const a = nacl.box.keyPair();
    const b = nacl.box.keyPair();
    const ours = sodium.session(b.publicKey, a.secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER);
    const counter = 2 ** 40 + 5;
    const box = new Uint8Array(17 + 3);
    ours.sealMessage(box, 0, counter, 0, Uint8Array.of(1, 2, 3));
    const nonce = new Uint8Array(24);
    nonce.set(MESSAGE_FROM_CLIENT);
    new DataView(nonce.buffer).setBigUint64(16, BigInt(counter));
    assert.deepEqual(nacl.box.open(box, nonce, a.publicKey, b.secretKey), Uint8Array.of(0, 1, 2, 3));
    ours.wipe();
  });

  it('cannot be used once wiped', () => {
    const a = nacl.box.keyPair();
    const session = sodium.session(a.publicKey, nacl.box.keyPair().secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER);
    session.wipe();
    session.wipe();
    assert.throws(() => session.seal(new Uint8Array(1), new Uint8Array(24)), /wiped/);
    assert.throws(() => session.sealMessage(new Uint8Array(20), 0, 1, 0, new Uint8Array(1)), /wiped/);
  });

  it('refuses a low-order public key (libsodium: an all-zero shared secret)', () => {
    assert.throws(() => sodium.session(new Uint8Array(32), nacl.box.keyPair().secretKey, MESSAGE_FROM_CLIENT, MESSAGE_FROM_SERVER), /not usable/);
    assert.throws(() => sodium.box(Uint8Array.of(1), new Uint8Array(24), new Uint8Array(32), nacl.box.keyPair().secretKey), /not usable/);
  });
});
