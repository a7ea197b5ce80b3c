/**
 * CURVE keys as libzmq hands them out: `zmq_curve_keypair` and `zmq_curve_public`, Z85 text in
 * and out (40 characters for 32 bytes). They load libsodium on first use, hence the promises.
 */
import { curveKeyBytes, z85Encode } from '../zmtp/z85';
import { loadCurveCrypto } from './sodium';

/** A CURVE key pair as Z85 text. */
export interface CurveKeyPairText {
  readonly publicKey: string;
  readonly secretKey: string;
}

/**
 * `zmq_curve_keypair`: a fresh key pair (crypto_box_keypair; the secret key is 32 random bytes,
 * stored unclamped as libsodium does), both keys in Z85.
 */
export async function curveKeypair(): Promise<CurveKeyPairText> {
  const crypto = await loadCurveCrypto();
  const pair = crypto.keyPair();
  const text = { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) };
  pair.secretKey.fill(0);
  return text;
}

/**
 * `zmq_curve_public`: the public key (Z85) of a secret key given as 40 Z85 characters or 32
 * bytes. EINVAL for anything else, as libzmq's Z85 decoding fails.
 */
export async function curvePublic(secretKey: string | Uint8Array): Promise<string> {
  const secret = curveKeyBytes(secretKey, 'a CURVE secret key');
  const crypto = await loadCurveCrypto();
  const publicKey = z85Encode(crypto.publicKeyOf(secret));
  secret.fill(0);
  return publicKey;
}
