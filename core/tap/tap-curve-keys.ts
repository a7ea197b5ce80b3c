/**
 * The keys of a terminating CURVE tap (see curve-tap-connection.ts): the secret keys the user
 * gives, checked and copied when the tap is made, their key pairs once libsodium is loaded (it
 * loads lazily, as for a CURVE socket), and the wipe when the tap stops. The secrets stay in this
 * object: nothing here puts them in a message, a record or the tap's options.
 */
import { loadCurveCrypto } from '../crypto/sodium';
import { ZmqError } from '../errors';
import type { CurveCrypto } from '../zmtp/curve-crypto';
import { curveKeyBytes, z85Encode } from '../zmtp/z85';
import type { TerminatingKeys } from './curve-tap-connection';

/**
 * The secret keys a terminating CURVE tap needs, as 32 bytes or 40 Z85 characters (the public
 * keys follow from them, as zmq_curve_public). The tap keeps its own copies and zeroes them when
 * it closes; the caller's are left alone.
 */
export interface TapCurveKeys {
  /**
   * The secret key of the upstream CURVE server (ZMQ_CURVE_SECRETKEY of the socket the apps
   * would reach): the apps, configured with its public key, complete their handshake with the tap.
   */
  readonly serverSecretKey: string | Uint8Array;
  /**
   * A client secret key the upstream accepts (its ZAP handler, if it has one): the app's own, or
   * one added to the upstream's allow-list. The tap is a CURVE client upstream with it.
   */
  readonly clientSecretKey: string | Uint8Array;
}

/** The public keys of a terminating tap, Z85: what the apps must trust, what the upstream sees. */
export interface TapCurvePublicKeys {
  readonly server: string;
  readonly client: string;
}

/** A terminating tap's keys, from the user's secrets to their wipe. */
export class TapKeyring {
  #secrets: { server: Uint8Array; client: Uint8Array };
  #loaded: { crypto: CurveCrypto; keys: TerminatingKeys } | undefined;

  /** @throws {ZmqError} EINVAL for a key that is not 32 bytes or 40 Z85 characters (quoting none of it) */
  constructor(keys: TapCurveKeys) {
    const server = secretKeyBytes(keys.serverSecretKey, 'the CURVE server secret key');
    try {
      this.#secrets = { server, client: secretKeyBytes(keys.clientSecretKey, 'the CURVE client secret key') };
    } catch (err) {
      server.fill(0);
      throw err;
    }
  }

  /** Loads libsodium and derives the key pairs (once). */
  async load(): Promise<{ crypto: CurveCrypto; keys: TerminatingKeys }> {
    if (this.#loaded) return this.#loaded;
    const crypto = await loadCurveCrypto();
    const { server, client } = this.#secrets;
    const serverPair = { publicKey: crypto.publicKeyOf(server), secretKey: server };
    this.#loaded = { crypto, keys: { server: serverPair, client: { publicKey: crypto.publicKeyOf(client), secretKey: client }, upstreamServerKey: serverPair.publicKey } };
    return this.#loaded;
  }

  /** The public keys, once {@link load} has derived them. */
  get publicKeys(): TapCurvePublicKeys | undefined {
    const keys = this.#loaded?.keys;
    return keys && { server: z85Encode(keys.server.publicKey), client: z85Encode(keys.client.publicKey) };
  }

  /** Zeroes the secret keys (each connection's mechanisms zero their own copies). */
  wipe(): void {
    this.#secrets.server.fill(0);
    this.#secrets.client.fill(0);
  }
}

/**
 * A secret key as 32 bytes; EINVAL for anything else, in words that quote none of it (Z85's own
 * errors quote the offending characters, which here would be part of a secret).
 */
function secretKeyBytes(key: string | Uint8Array, what: string): Uint8Array {
  try {
    return curveKeyBytes(key, what);
  } catch (err) {
    if (!(err instanceof ZmqError) || typeof key !== 'string' || key.length !== 40) throw err;
    throw new ZmqError('EINVAL', { detail: `${what} is not valid Z85 (40 characters of the Z85 alphabet, as zmq_curve_keypair writes them)` });
  }
}
