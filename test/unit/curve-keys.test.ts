/**
 * Z85 (RFC 32) and CURVE keys: the codec against RFC 32's vector and libzmq's errors, and
 * curveKeypair/curvePublic against a second NaCl (tweetnacl). The same functions are checked
 * against libzmq's own zmq_z85_* and zmq_curve_* in test/interop/security.interop.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import { curveKeypair, curvePublic, z85Decode, z85Encode } from '../../core/index';
import { curveKeyBytes } from '../../core/zmtp/z85';
import { hex } from '../support/hex';

describe('Z85', () => {
  it("encodes and decodes RFC 32's test vector", () => {
    const bytes = hex('86 4F D2 6F B5 59 F7 5B');
    assert.equal(z85Encode(bytes), 'HelloWorld');
    assert.deepEqual(z85Decode('HelloWorld'), bytes);
  });

  it('round-trips any multiple of 4 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }).map((b) => b.subarray(0, b.length - (b.length % 4))), (bytes) => {
        const text = z85Encode(bytes);
        assert.equal(text.length, (bytes.length / 4) * 5);
        if (bytes.length > 0) assert.deepEqual(z85Decode(text), bytes);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('decodes the largest group, "%nSc0", to ff ff ff ff and the smallest to zeros', () => {
    assert.deepEqual(z85Decode('%nSc0'), hex('ff ff ff ff'));
    assert.deepEqual(z85Decode('00000'), hex('00 00 00 00'));
  });

  const BAD_TEXT: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['an empty string', '', /not 0/],
    ['4 characters', 'Hell', /not 4/],
    ['6 characters', 'HelloW', /not 6/],
    ['a character outside the alphabet', 'Hel~o', /"~" at 3/],
    ['a space', 'Hel o', /" " at 3/],
    ['a non-ASCII character', 'Helé0', /"é" at 3/],
    ['a group above 2^32 - 1', '#####', /exceeds 2\^32 - 1/],
    ['the group just above the largest', '%nSc1', /exceeds 2\^32 - 1/],
  ];
  for (const [what, text, detail] of BAD_TEXT) {
    it(`refuses to decode ${what} with EINVAL, as libzmq`, () => {
      assert.throws(() => z85Decode(text), (err: Error & { code?: string }) => err.code === 'EINVAL' && detail.test(err.message));
    });
  }

  it('refuses to encode a length that is not a multiple of 4 with EINVAL', () => {
    assert.throws(() => z85Encode(new Uint8Array(5)), { code: 'EINVAL', message: /multiple of 4 bytes, not 5/ });
    assert.equal(z85Encode(new Uint8Array(0)), '');
  });
});

describe('CURVE keys', () => {
  it('takes a key as 32 bytes or 40 Z85 characters, and nothing else', () => {
    const key = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';
    assert.deepEqual(curveKeyBytes(key), z85Decode(key));
    const bytes = z85Decode(key);
    const copy = curveKeyBytes(bytes);
    assert.deepEqual(copy, bytes);
    assert.notEqual(copy, bytes, 'a copy the socket owns (and zeroes)');
    assert.throws(() => curveKeyBytes(key.slice(1)), { code: 'EINVAL', message: /40 Z85 characters, not 39 characters/ });
    assert.throws(() => curveKeyBytes(new Uint8Array(31)), { code: 'EINVAL', message: /not 31 bytes/ });
    assert.throws(() => curveKeyBytes(`${key.slice(0, 39)}~`), { code: 'EINVAL' });
  });

  it('makes key pairs whose public key is the secret key times the base point (checked by tweetnacl)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { publicKey, secretKey } = await curveKeypair();
      assert.equal(publicKey.length, 40);
      assert.equal(secretKey.length, 40);
      assert.deepEqual(nacl.scalarMult.base(z85Decode(secretKey)), z85Decode(publicKey));
      seen.add(secretKey);
    }
    assert.equal(seen.size, 5, 'fresh randomness each time');
  });

  it('derives the public key of a secret key given as Z85 or bytes, like zmq_curve_public', async () => {
    const pair = nacl.box.keyPair();
    assert.equal(await curvePublic(z85Encode(pair.secretKey)), z85Encode(pair.publicKey));
    assert.equal(await curvePublic(pair.secretKey), z85Encode(pair.publicKey));
    await assert.rejects(curvePublic('too short'), { code: 'EINVAL' });
    await assert.rejects(curvePublic('#'.repeat(40)), { code: 'EINVAL' });
  });
});

describe('loading libsodium', () => {
  it('happens when the first CURVE socket is made, not before', () => {
    const root = join(__dirname, '..', '..', '..');
    const script = `
      const core = require('zmq-peer-debugger/core');
      const sodium = require('./out/core/crypto/sodium.js');
      const plain = new core.Peer({ plainUsername: 'bob' });
      const before = sodium.loadedCurveCrypto() === undefined;
      const curve = new core.Peer({ curveServer: true });
      setTimeout(() => {
        console.log(JSON.stringify({ before, after: sodium.loadedCurveCrypto() !== undefined }));
        plain.close(); curve.close();
      }, 1000);`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 20000 });
    assert.deepEqual(JSON.parse(out), { before: true, after: true });
  });
});
