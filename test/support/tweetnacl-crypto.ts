/**
 * The core's CurveCrypto interface on tweetnacl, a second NaCl written independently of
 * libsodium (pure JavaScript, audited by Cure53). Tests run CURVE handshakes with one side on
 * each implementation and compare their boxes byte for byte: a bug in how the core drives
 * libsodium (a wrong nonce, key or layout) cannot then hide behind a matching bug on the other
 * side. Test-only: tweetnacl is a devDependency.
 */
import nacl from 'tweetnacl';
import type { CurveCrypto, CurveKeyPair, CurveSession } from '../../core/zmtp/curve-crypto';

export const tweetnaclCrypto: CurveCrypto = {
  keyPair(): CurveKeyPair {
    const pair = nacl.box.keyPair();
    return { publicKey: pair.publicKey, secretKey: pair.secretKey };
  },
  publicKeyOf: (secretKey) => nacl.scalarMult.base(secretKey),
  random: (size) => nacl.randomBytes(size),
  box: (message, nonce, publicKey, secretKey) => nacl.box(message, nonce, publicKey, secretKey),
  boxOpen: (box, nonce, publicKey, secretKey) => nacl.box.open(box, nonce, publicKey, secretKey) ?? undefined,
  secretBox: (message, nonce, key) => nacl.secretbox(message, nonce, key),
  secretBoxOpen: (box, nonce, key) => nacl.secretbox.open(box, nonce, key) ?? undefined,
  session(peerPublicKey, secretKey, sealPrefix, openPrefix): CurveSession {
    let key: Uint8Array | undefined = nacl.box.before(peerPublicKey, secretKey);
    const nonceOf = (prefix: Uint8Array, tail: Uint8Array): Uint8Array => {
      const nonce = new Uint8Array(24);
      nonce.set(prefix.subarray(0, 16));
      nonce.set(tail, 16);
      return nonce;
    };
    const live = (): Uint8Array => {
      if (!key) throw new Error('the CURVE session was wiped');
      return key;
    };
    let openedFlags = 0;
    return {
      get openedFlags() {
        return openedFlags;
      },
      seal: (message, nonce) => nacl.box.after(message, nonce, live()),
      open: (box, nonce) => nacl.box.open.after(box, nonce, live()) ?? undefined,
      sealMessage(target, offset, counter, flags, data) {
        const counterBytes = new Uint8Array(8);
        new DataView(counterBytes.buffer).setBigUint64(0, BigInt(counter));
        const plain = new Uint8Array(1 + data.length);
        plain[0] = flags;
        plain.set(data, 1);
        target.set(nacl.box.after(plain, nonceOf(sealPrefix, counterBytes), live()), offset);
      },
      openMessage(frame, nonceOffset, boxOffset) {
        const plain = nacl.box.open.after(frame.subarray(boxOffset), nonceOf(openPrefix, frame.subarray(nonceOffset, nonceOffset + 8)), live());
        if (!plain || plain.length < 1) return undefined;
        openedFlags = plain[0];
        return plain.slice(1);
      },
      wipe() {
        key?.fill(0);
        key = undefined;
      },
    };
  },
};
