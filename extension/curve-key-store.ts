/**
 * CURVE key pairs made by "ZMQ: Generate CURVE Keypair" (or an existing secret key entered while
 * adding a security profile): the secret key goes into SecretStorage
 * (under {@link curveSecretId}) and nowhere else; the name, the public key and when it was made are
 * kept in the extension's global state, so they can be listed, shown and copied without touching a
 * secret. Keys are made by the core's `curveKeypair()` (libsodium's crypto_box_keypair, as
 * `zmq_curve_keypair`). No vscode import: `vscode.Memento` and `vscode.SecretStorage` fit the
 * interfaces below.
 */
import { curveKeypair, curvePublic } from '../core/index';
import { curveKeyProblem, curveSecretId, nameProblem, type SecretStore } from './security-profiles';

/** The global-state key of the key pair list. */
export const KEY_PAIRS_STATE = 'zmqPeer.curveKeyPairs';

/** What is kept about a key pair besides its secret. */
export interface KeyPairInfo {
  readonly name: string;
  /** Z85, 40 characters. */
  readonly publicKey: string;
  /** Date.now() when it was made. */
  readonly created: number;
}

/** The part of `vscode.Memento` the store uses. */
export interface StateStore {
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

function isKeyPairInfo(value: unknown): value is KeyPairInfo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && nameProblem(v.name) === undefined && typeof v.publicKey === 'string' && curveKeyProblem(v.publicKey) === undefined && typeof v.created === 'number';
}

export class CurveKeyStore {
  readonly #state: StateStore;
  readonly #secrets: SecretStore;

  constructor(state: StateStore, secrets: SecretStore) {
    this.#state = state;
    this.#secrets = secrets;
  }

  /** The key pairs made on this machine, oldest first (entries that do not read as one are skipped). */
  list(): KeyPairInfo[] {
    const value = this.#state.get(KEY_PAIRS_STATE);
    return Array.isArray(value) ? value.filter(isKeyPairInfo) : [];
  }

  get(name: string): KeyPairInfo | undefined {
    return this.list().find((k) => k.name === name);
  }

  /**
   * Makes a key pair called `name` (replacing one of that name): the secret into SecretStorage,
   * the public key into the list. Returns what is kept, never the secret.
   */
  async generate(name: string, now = Date.now()): Promise<KeyPairInfo> {
    const bad = nameProblem(name, 'A key pair name');
    if (bad) throw new Error(bad);
    const pair = await curveKeypair();
    await this.#secrets.store(curveSecretId(name), pair.secretKey);
    const info: KeyPairInfo = { name, publicKey: pair.publicKey, created: now };
    await this.#state.update(KEY_PAIRS_STATE, [...this.list().filter((k) => k.name !== name), info]);
    return info;
  }

  /**
   * Keeps an existing secret key (40 Z85 characters) as key pair `name` (replacing one of that
   * name): a key made elsewhere, such as the secret key of the server a terminating tap stands in
   * for. The public key is derived (zmq_curve_public). Errors quote none of the secret.
   */
  async import(name: string, secretKey: string, now = Date.now()): Promise<KeyPairInfo> {
    const bad = nameProblem(name, 'A key pair name') ?? (curveKeyProblem(secretKey) === undefined ? undefined : 'a CURVE secret key is 40 Z85 characters (what zmq_curve_keypair wrote)');
    if (bad) throw new Error(bad);
    const publicKey = await curvePublic(secretKey);
    await this.#secrets.store(curveSecretId(name), secretKey);
    const info: KeyPairInfo = { name, publicKey, created: now };
    await this.#state.update(KEY_PAIRS_STATE, [...this.list().filter((k) => k.name !== name), info]);
    return info;
  }

  /** Forgets a key pair: its secret leaves SecretStorage. */
  async remove(name: string): Promise<void> {
    await this.#secrets.delete(curveSecretId(name));
    await this.#state.update(KEY_PAIRS_STATE, this.list().filter((k) => k.name !== name));
  }
}
