/**
 * Security profiles: named PLAIN and CURVE set-ups in the `zmqPeer.security.profiles` setting.
 * A profile names what it uses (a CURVE key pair, a PLAIN user, the users or client keys a server
 * admits) and never holds a secret: CURVE secret keys and PLAIN passwords live in VS Code's
 * SecretStorage under the ids made here ({@link curveSecretId}, {@link plainPasswordId}), and a
 * profile that carries a field that looks like a secret is refused, with the reason.
 *
 * Resolving a profile turns it into the core's socket options (libzmq's ZMQ_CURVE_* and
 * ZMQ_PLAIN_*) with the secrets read at that moment, plus, for servers, a ZAP handler (RFC 27)
 * built from the profile's allow-list: a CURVE server admits the client keys it lists (any client
 * that knows the server key when it lists none, as libzmq does without a ZAP handler), a PLAIN
 * server the users it lists whose password matches the stored one. No vscode import: the secrets
 * come through {@link SecretReader}, which `vscode.SecretStorage` satisfies.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { curvePublic, z85Decode, type PeerOptions, type ZapHandler, type ZapHandlerRequest, type ZapReplyFields } from '../core/index';
import type { ProfileSummary, SocketSecurity } from '../webview/protocol';

/** The setting (under `zmqPeer.`) that lists the profiles. */
export const PROFILES_SETTING = 'security.profiles';

/** Where a secret is read from: `vscode.SecretStorage` (its `get`), or a map in tests. */
export interface SecretReader {
  get(id: string): PromiseLike<string | undefined>;
}

/** Where secrets are written: `vscode.SecretStorage`. */
export interface SecretStore extends SecretReader {
  store(id: string, value: string): PromiseLike<void>;
  delete(id: string): PromiseLike<void>;
}

interface ProfileBase {
  readonly name: string;
  /** ZMQ_ZAP_DOMAIN: the domain the server's ZAP requests carry. */
  readonly zapDomain?: string;
}

/** A CURVE client: our key pair (by name) and the server's public key. */
export interface CurveClientProfile extends ProfileBase {
  readonly mechanism: 'CURVE';
  readonly role: 'client';
  readonly keyPair: string;
  /** The server's public key, 40 Z85 characters. */
  readonly serverKey: string;
}

/** A CURVE server: its key pair (by name) and, optionally, the client keys it admits. */
export interface CurveServerProfile extends ProfileBase {
  readonly mechanism: 'CURVE';
  readonly role: 'server';
  readonly keyPair: string;
  /** User-Id → client public key (Z85). Absent: any client that knows the server key (no ZAP). */
  readonly allowedClients?: Readonly<Record<string, string>>;
}

/** A PLAIN client: the user name; its password is in SecretStorage. */
export interface PlainClientProfile extends ProfileBase {
  readonly mechanism: 'PLAIN';
  readonly role: 'client';
  readonly username: string;
}

/** A PLAIN server: the users it admits; each one's password is in SecretStorage. */
export interface PlainServerProfile extends ProfileBase {
  readonly mechanism: 'PLAIN';
  readonly role: 'server';
  readonly users: readonly string[];
}

export type SecurityProfile = CurveClientProfile | CurveServerProfile | PlainClientProfile | PlainServerProfile;

/** The four kinds, as pickers name them. */
export type ProfileKind = 'CURVE client' | 'CURVE server' | 'PLAIN client' | 'PLAIN server';

/** A profile made into socket options, with the secrets of now. */
export interface ResolvedProfile {
  readonly profile: SecurityProfile;
  /** The core options, secrets included: handed to the socket, never logged or sent anywhere. */
  readonly options: PeerOptions;
  readonly security: SocketSecurity;
  /** Changes when the profile or one of its secrets changes (a hash, so no secret can be read from it). */
  readonly fingerprint: string;
}

/** A profile that cannot be used (a secret missing from SecretStorage, a bad setting); code `EPROFILE`. */
export class SecurityProfileError extends Error {
  override readonly name = 'SecurityProfileError';
  readonly code = 'EPROFILE';
}

/** Profile and key pair names: letters, digits, space, `_`, `.`, `-`, 1 to 64 of them (they become parts of secret ids). */
const NAME = /^[A-Za-z0-9_.-][A-Za-z0-9 _.-]{0,63}$/;

/** Field names that hold secrets; a profile carrying one is refused (the secret belongs in SecretStorage). */
const SECRET_FIELD = /secret|password|passwd|passphrase|private/i;

/** The SecretStorage id of a CURVE key pair's secret key. */
export function curveSecretId(keyPair: string): string {
  return `zmqPeer.curve.secretKey/${keyPair}`;
}

/** The SecretStorage id of a PLAIN password: a client profile's, or one user's of a server profile. */
export function plainPasswordId(profile: string, user?: string): string {
  return user === undefined ? `zmqPeer.plain.password/${profile}` : `zmqPeer.plain.password/${profile}/${user}`;
}

/** Why `name` cannot name a profile or key pair, or undefined when it can. */
export function nameProblem(name: string, what = 'a name'): string | undefined {
  if (NAME.test(name) && name.trim() === name) return undefined;
  return `${what} is 1 to 64 letters, digits, spaces, "_", "." or "-" (no space at either end)`;
}

/** Why `key` is not a CURVE public key in Z85 (40 characters), or undefined when it is one. */
export function curveKeyProblem(key: string): string | undefined {
  if (key.length !== 40) return `a CURVE key is 40 Z85 characters, not ${key.length}`;
  try {
    z85Decode(key);
    return undefined;
  } catch {
    return 'not Z85 text (0-9 a-z A-Z . - : + = ^ ! / * ? & < > ( ) [ ] { } @ % $ #)';
  }
}

/** Why a PLAIN user name or password is unusable (libzmq: 1 to 255 bytes), or undefined. */
export function credentialProblem(text: string, what: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes >= 1 && bytes <= 255 ? undefined : `${what} is 1 to 255 bytes of UTF-8`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One entry of the setting, checked; a string is the reason it was refused. */
function readProfile(raw: unknown, index: number): SecurityProfile | string {
  if (!isRecord(raw)) return `entry ${index + 1} is not an object`;
  const label = typeof raw.name === 'string' ? `profile "${raw.name}"` : `entry ${index + 1}`;
  const secretField = Object.keys(raw).find((k) => SECRET_FIELD.test(k));
  if (secretField !== undefined) {
    return `${label}: "${secretField}" does not belong in settings, which are plain text and often shared. Secrets live in VS Code's SecretStorage: use "ZMQ: Generate CURVE Keypair" or "ZMQ: Set PLAIN Password", and remove "${secretField}"`;
  }
  if (typeof raw.name !== 'string') return `${label}: "name" is missing`;
  const name = raw.name;
  const badName = nameProblem(name, '"name"');
  if (badName) return `${label}: ${badName}`;
  const role = raw.role === undefined ? 'client' : raw.role;
  if (role !== 'client' && role !== 'server') return `${label}: "role" is "client" or "server"`;
  let zapDomain: string | undefined;
  if (raw.zapDomain !== undefined) {
    if (typeof raw.zapDomain !== 'string' || Buffer.byteLength(raw.zapDomain) > 255) return `${label}: "zapDomain" is text of at most 255 bytes`;
    zapDomain = raw.zapDomain;
  }
  const base = zapDomain === undefined ? { name } : { name, zapDomain };
  if (raw.mechanism === 'CURVE') {
    if (typeof raw.keyPair !== 'string' || nameProblem(raw.keyPair) !== undefined) return `${label}: "keyPair" names a key pair made by "ZMQ: Generate CURVE Keypair"`;
    const keyPair = raw.keyPair;
    if (role === 'client') {
      if (typeof raw.serverKey !== 'string') return `${label}: a CURVE client needs "serverKey", the server's public key (40 Z85 characters)`;
      const bad = curveKeyProblem(raw.serverKey);
      if (bad) return `${label}: "serverKey": ${bad}`;
      return { ...base, mechanism: 'CURVE', role, keyPair, serverKey: raw.serverKey };
    }
    if (raw.allowedClients === undefined) return { ...base, mechanism: 'CURVE', role, keyPair };
    if (!isRecord(raw.allowedClients)) return `${label}: "allowedClients" maps a User-Id to a client's public key`;
    const allowed: Record<string, string> = {};
    for (const [user, key] of Object.entries(raw.allowedClients)) {
      if (typeof key !== 'string') return `${label}: "allowedClients"."${user}" is a public key (40 Z85 characters)`;
      const bad = curveKeyProblem(key) ?? credentialProblem(user, 'a User-Id');
      if (bad) return `${label}: "allowedClients"."${user}": ${bad}`;
      allowed[user] = key;
    }
    return { ...base, mechanism: 'CURVE', role, keyPair, allowedClients: allowed };
  }
  if (raw.mechanism === 'PLAIN') {
    if (role === 'client') {
      if (typeof raw.username !== 'string') return `${label}: a PLAIN client needs "username"`;
      const bad = credentialProblem(raw.username, '"username"');
      if (bad) return `${label}: ${bad}`;
      return { ...base, mechanism: 'PLAIN', role, username: raw.username };
    }
    if (!Array.isArray(raw.users) || raw.users.length === 0) return `${label}: a PLAIN server needs "users", the user names it admits`;
    const users: string[] = [];
    for (const user of raw.users) {
      if (typeof user !== 'string') return `${label}: "users" holds user names`;
      const bad = credentialProblem(user, 'a user name') ?? nameProblem(user, 'a user name');
      if (bad) return `${label}: ${bad}`;
      users.push(user);
    }
    return { ...base, mechanism: 'PLAIN', role, users };
  }
  return `${label}: "mechanism" is "CURVE" or "PLAIN"`;
}

/** The profiles of the setting, and why any entry was left out. */
export interface ProfilesRead {
  readonly profiles: readonly SecurityProfile[];
  readonly problems: readonly string[];
}

/**
 * Reads the `zmqPeer.security.profiles` setting. Every entry is checked; a bad one is left out with
 * its reason (a second profile of the same name too), so one typo does not hide the others.
 */
export function readSecurityProfiles(value: unknown): ProfilesRead {
  if (value === undefined || value === null) return { profiles: [], problems: [] };
  if (!Array.isArray(value)) return { profiles: [], problems: ['zmqPeer.security.profiles is a list of profiles'] };
  const profiles: SecurityProfile[] = [];
  const problems: string[] = [];
  value.forEach((raw, i) => {
    const read = readProfile(raw, i);
    if (typeof read === 'string') problems.push(read);
    else if (profiles.some((p) => p.name === read.name)) problems.push(`profile "${read.name}": another profile has that name; the first one is used`);
    else profiles.push(read);
  });
  return { profiles, problems };
}

/** `CURVE client`, `PLAIN server`… */
export function kindOf(profile: Pick<SecurityProfile, 'mechanism' | 'role'>): ProfileKind {
  return `${profile.mechanism} ${profile.role}`;
}

/** The first characters of a key, enough to tell keys apart on screen. */
export function shortKey(key: string): string {
  return `${key.slice(0, 8)}…`;
}

/** The profile in one line, for pickers and the debugger. */
export function describeProfile(profile: SecurityProfile): string {
  const kind = kindOf(profile);
  switch (`${profile.mechanism} ${profile.role}`) {
    case 'CURVE client': {
      const p = profile as CurveClientProfile;
      return `${kind} · key pair "${p.keyPair}" · server key ${shortKey(p.serverKey)}`;
    }
    case 'CURVE server': {
      const p = profile as CurveServerProfile;
      const n = p.allowedClients === undefined ? 0 : Object.keys(p.allowedClients).length;
      return `${kind} · key pair "${p.keyPair}" · ${p.allowedClients === undefined ? 'any client that knows its key' : `${n} allowed client key${n === 1 ? '' : 's'}`}`;
    }
    case 'PLAIN client':
      return `${kind} · user "${(profile as PlainClientProfile).username}"`;
    default:
      return `${kind} · users ${(profile as PlainServerProfile).users.join(', ')}`;
  }
}

/** The profile as the debugger lists it. */
export function summaryOf(profile: SecurityProfile): ProfileSummary {
  return { name: profile.name, mechanism: profile.mechanism, role: profile.role, description: describeProfile(profile) };
}

/** Compares two secrets in constant time (hashing first, so their lengths do not show either). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}

/** The status text a refused client gets (the same for an unknown user and a wrong password). */
export const PLAIN_REFUSED = 'unknown user or wrong password';
/** The status text a CURVE client whose key is not listed gets. */
export const CURVE_REFUSED = 'client key not allowed';

/** A CURVE server's ZAP handler: 200 with the listed User-Id for a listed key, 400 otherwise. */
export function curveAllowList(allowed: Readonly<Record<string, string>>): ZapHandler {
  const userOf = new Map(Object.entries(allowed).map(([user, key]) => [key, user]));
  return (request: ZapHandlerRequest): ZapReplyFields => {
    const user = request.clientKey === undefined ? undefined : userOf.get(request.clientKey);
    return user === undefined ? { status: 400, statusText: CURVE_REFUSED } : { status: 200, statusText: 'OK', userId: user };
  };
}

/**
 * A PLAIN server's ZAP handler: 200 with the user name as User-Id for a listed user whose password
 * matches the one in SecretStorage (read at each handshake, so a changed password counts at once),
 * 400 otherwise.
 */
export function plainAllowList(profile: PlainServerProfile, secrets: SecretReader): ZapHandler {
  return async (request: ZapHandlerRequest): Promise<ZapReplyFields> => {
    const user = request.username;
    if (user === undefined || request.password === undefined || !profile.users.includes(user)) return { status: 400, statusText: PLAIN_REFUSED };
    const stored = await secrets.get(plainPasswordId(profile.name, user));
    if (stored === undefined || !sameSecret(stored, request.password)) return { status: 400, statusText: PLAIN_REFUSED };
    return { status: 200, statusText: 'OK', userId: user };
  };
}

async function secretOf(secrets: SecretReader, id: string, missing: string): Promise<string> {
  const value = await secrets.get(id);
  if (value === undefined || value === '') throw new SecurityProfileError(missing);
  return value;
}

/**
 * The core options of a profile, with its secrets read from `secrets` now. Fails with
 * {@link SecurityProfileError} when a secret is missing (a key pair made on another machine, a
 * password never set).
 */
export async function resolveProfile(profile: SecurityProfile, secrets: SecretReader): Promise<ResolvedProfile> {
  const domain: PeerOptions = profile.zapDomain === undefined ? {} : { zapDomain: profile.zapDomain };
  const hash = createHash('sha256').update(JSON.stringify(profile));
  const done = (options: PeerOptions, publicKey: string | null): ResolvedProfile => ({
    profile,
    options: { ...domain, ...options },
    security: { profile: profile.name, mechanism: profile.mechanism, role: profile.role, publicKey },
    fingerprint: hash.digest('hex'),
  });
  if (profile.mechanism === 'CURVE') {
    const secretKey = await secretOf(secrets, curveSecretId(profile.keyPair), `profile "${profile.name}": the secret key of CURVE key pair "${profile.keyPair}" is not in this machine's SecretStorage. Run "ZMQ: Generate CURVE Keypair" to make it (key pairs never leave the machine they were made on)`);
    const publicKey = await curvePublic(secretKey);
    hash.update(secretKey);
    if (profile.role === 'client') return done({ curveServerKey: profile.serverKey, curvePublicKey: publicKey, curveSecretKey: secretKey }, publicKey);
    return done({ curveServer: true, curvePublicKey: publicKey, curveSecretKey: secretKey, ...(profile.allowedClients === undefined ? {} : { zapHandler: curveAllowList(profile.allowedClients) }) }, publicKey);
  }
  if (profile.role === 'client') {
    const password = await secretOf(secrets, plainPasswordId(profile.name), `profile "${profile.name}": no PLAIN password is stored for user "${profile.username}". Run "ZMQ: Set PLAIN Password"`);
    hash.update(password);
    return done({ plainUsername: profile.username, plainPassword: password }, null);
  }
  // The passwords are read by the ZAP handler at each handshake: the socket holds none.
  return done({ plainServer: true, zapHandler: plainAllowList(profile, secrets) }, null);
}


/**
 * The allow-list a user types for a CURVE server: entries separated by spaces or commas, each a
 * public key (40 Z85 characters; User-Id `client-N`) or `userid=KEY` (split at the first `=`, which
 * Z85 keys may also contain). Empty: no list, any client that knows the server key. A string is
 * what is wrong.
 */
export function parseAllowedClients(text: string): Record<string, string> | undefined | string {
  const entries = text.split(/[\s,]+/).filter((e) => e !== '');
  if (entries.length === 0) return undefined;
  const allowed: Record<string, string> = {};
  for (const [i, entry] of entries.entries()) {
    const at = entry.length === 40 ? -1 : entry.indexOf('=');
    const user = at < 0 ? `client-${i + 1}` : entry.slice(0, at);
    const key = at < 0 ? entry : entry.slice(at + 1);
    const bad = nameProblem(user, `the User-Id "${user}"`) ?? curveKeyProblem(key);
    if (bad) return `entry ${i + 1}: ${bad}`;
    if (user in allowed) return `entry ${i + 1}: the User-Id "${user}" is listed twice`;
    allowed[user] = key;
  }
  return allowed;
}

/** User names a user types for a PLAIN server, separated by spaces or commas; a string is what is wrong. */
export function parseUserList(text: string): string[] | string {
  const users = [...new Set(text.split(/[\s,]+/).filter((u) => u !== ''))];
  if (users.length === 0) return 'list at least one user name';
  for (const user of users) {
    const bad = nameProblem(user, `the user name "${user}"`);
    if (bad) return bad;
  }
  return users;
}
