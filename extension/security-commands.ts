/**
 * The security commands: "ZMQ: Generate CURVE Keypair" (the secret key into SecretStorage, the
 * public key shown with a Copy button), "ZMQ: Copy CURVE Public Key", "ZMQ: Add Security Profile"
 * (a few questions, then a profile in the user settings that names keys and users, never a secret)
 * and "ZMQ: Set PLAIN Password" (into SecretStorage); and the profile question that Connect Peer
 * and Bind ask when profiles exist. The rules (what a profile is, where each secret is kept) are
 * in security-profiles.ts and curve-key-store.ts; this file is the VS Code side of them.
 */
import * as vscode from 'vscode';
import type { CurveKeyStore, KeyPairInfo } from './curve-key-store';
import type { SettingsProfiles } from './profile-resolver';
import {
  credentialProblem,
  curveKeyProblem,
  describeProfile,
  kindOf,
  nameProblem,
  parseAllowedClients,
  parseUserList,
  plainPasswordId,
  shortKey,
  type ProfileKind,
  type SecretStore,
  type SecurityProfile,
} from './security-profiles';
import { PROFILES_SETTING } from './security-profiles';

/** What the security commands need from the extension. */
export interface SecurityContext {
  readonly keys: CurveKeyStore;
  readonly secrets: SecretStore;
  readonly profiles: SettingsProfiles;
  /** The raw value of `zmqPeer.security.profiles` now (entries kept as the user wrote them). */
  readProfilesSetting(): unknown;
  /** Writes `zmqPeer.security.profiles` to the user settings (never the workspace's `.vscode`). */
  writeProfilesSetting(value: readonly unknown[]): PromiseLike<void>;
  readonly log: vscode.LogOutputChannel;
  /** A passing message in the status bar. */
  status(text: string): void;
}

const COPY = 'Copy Public Key';
const ADD_PROFILE = 'Add Security Profile';

/** Copies a public key and says so; where the clipboard refuses (a browser without the permission), shows it to copy by hand. */
async function copyKey(sec: SecurityContext, info: KeyPairInfo): Promise<void> {
  try {
    await vscode.env.clipboard.writeText(info.publicKey);
  } catch (err) {
    sec.log.warn(`clipboard: ${err instanceof Error ? err.message : String(err)}`);
    void vscode.window.showInputBox({ title: `Public key of CURVE key pair "${info.name}"`, prompt: 'The clipboard refused it: select and copy it here', value: info.publicKey });
    return;
  }
  sec.status(`$(copy) Copied the public key of CURVE key pair "${info.name}"`);
}

/** A name no key pair has yet: `key-1`, `key-2`… */
function freshName(taken: readonly string[], stem: string): string {
  for (let i = 1; ; i++) if (!taken.includes(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** "ZMQ: Generate CURVE Keypair": asks a name, makes the pair, shows the public key. Resolves with what is kept. */
export async function generateCurveKeypair(sec: SecurityContext): Promise<KeyPairInfo | undefined> {
  const taken = sec.keys.list().map((k) => k.name);
  const typed = await vscode.window.showInputBox({
    title: 'ZMQ: Generate CURVE Keypair',
    prompt: "A name for the key pair: security profiles name it. Its secret key goes to VS Code's SecretStorage, never to settings.",
    value: freshName(taken, 'key'),
    ignoreFocusOut: true,
    validateInput: (text) => {
      const name = text.trim();
      const bad = nameProblem(name, 'The name');
      if (bad) return bad;
      return taken.includes(name) ? { message: `A key pair "${name}" exists: its secret key will be replaced`, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
    },
  });
  const name = typed?.trim();
  if (!name) return undefined;
  const info = await sec.keys.generate(name);
  sec.log.info(`CURVE key pair "${info.name}" generated: public key ${info.publicKey} (the secret key is in SecretStorage)`);
  // Not awaited: the command is done, the notification stays until the user acts on it.
  void vscode.window
    .showInformationMessage(`CURVE key pair "${info.name}": public key ${info.publicKey}. Its secret key is in VS Code's SecretStorage.`, COPY, ADD_PROFILE)
    .then(async (choice) => {
      if (choice === COPY) await copyKey(sec, info);
      else if (choice === ADD_PROFILE) await addSecurityProfile(sec, { keyPair: info.name });
    });
  return info;
}

type KeyPick = vscode.QuickPickItem & { readonly info?: KeyPairInfo };

function keyItems(keys: readonly KeyPairInfo[]): KeyPick[] {
  return keys.map((info) => ({ label: `$(key) ${info.name}`, description: shortKey(info.publicKey), detail: `public key ${info.publicKey}`, info }));
}

/** "ZMQ: Copy CURVE Public Key": picks a key pair of this machine and copies its public key. */
export async function copyCurvePublicKey(sec: SecurityContext): Promise<void> {
  const keys = sec.keys.list();
  if (keys.length === 0) {
    const GENERATE = 'Generate CURVE Keypair';
    if ((await vscode.window.showInformationMessage('No CURVE key pairs on this machine yet.', GENERATE)) === GENERATE) await generateCurveKeypair(sec);
    return;
  }
  const picked = keys.length === 1 ? keyItems(keys)[0] : await vscode.window.showQuickPick(keyItems(keys), { title: 'ZMQ: Copy CURVE Public Key', matchOnDetail: true });
  if (picked?.info === undefined) return;
  await copyKey(sec, picked.info);
  void vscode.window.showInformationMessage(`Copied the public key of "${picked.info.name}": ${picked.info.publicKey}`);
}

/** A key pair for a new CURVE profile: one of this machine's, a new one, or an existing secret key entered. */
async function pickKeyPair(sec: SecurityContext, role: 'client' | 'server'): Promise<string | undefined> {
  const NEW: KeyPick = { label: '$(add) Generate a new key pair…' };
  const EXISTING: KeyPick = { label: '$(key) Enter an existing secret key…', detail: "A key made elsewhere (the server's own, for a terminating tap): it goes to SecretStorage only" };
  const picked = await vscode.window.showQuickPick([...keyItems(sec.keys.list()), NEW, EXISTING], {
    title: `ZMQ: Add Security Profile — ${role === 'client' ? 'our' : "the server's"} CURVE key pair`,
    ignoreFocusOut: true,
  });
  if (picked === undefined) return undefined;
  if (picked.info !== undefined) return picked.info.name;
  if (picked === EXISTING) return (await importKeyPair(sec))?.name;
  return (await generateCurveKeypair(sec))?.name;
}

/** Keeps an existing CURVE secret key under a name: typed in a password box, stored in SecretStorage, its public key shown. */
async function importKeyPair(sec: SecurityContext): Promise<KeyPairInfo | undefined> {
  const taken = sec.keys.list().map((k) => k.name);
  const name = (await ask('ZMQ: Add Security Profile — key pair name', 'A name for the key pair', (text) => nameProblem(text.trim(), 'The name'), { value: freshName(taken, 'key') }))?.trim();
  if (!name) return undefined;
  const secret = await ask(`ZMQ: Add Security Profile — secret key of "${name}"`, "The CURVE secret key (40 Z85 characters); kept in VS Code's SecretStorage, never in settings", (text) =>
    curveKeyProblem(text.trim()) === undefined ? undefined : 'a CURVE secret key is 40 Z85 characters (what zmq_curve_keypair wrote)', { password: true });
  if (secret === undefined) return undefined;
  const info = await sec.keys.import(name, secret.trim());
  sec.log.info(`CURVE key pair "${info.name}" kept from an existing secret key: public key ${info.publicKey} (the secret key is in SecretStorage)`);
  return info;
}

/** Asks one line; undefined when cancelled. */
function ask(title: string, prompt: string, validate: (text: string) => string | undefined, options: { password?: boolean; value?: string; placeHolder?: string } = {}): Thenable<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, ignoreFocusOut: true, validateInput: validate, ...options });
}

async function askPassword(title: string, user: string): Promise<string | undefined> {
  return ask(`${title} — password of "${user}"`, `The password of user "${user}" (kept in VS Code's SecretStorage)`, (text) => credentialProblem(text, 'A password'), { password: true });
}

const KINDS: readonly (vscode.QuickPickItem & { profileKind: ProfileKind })[] = [
  { profileKind: 'CURVE client', label: '$(lock) CURVE client', detail: "Connect to a CURVE server: our key pair and the server's public key" },
  { profileKind: 'CURVE server', label: '$(lock) CURVE server', detail: 'Stand in as a CURVE server: its key pair, and the client keys it admits (or any client)' },
  { profileKind: 'PLAIN client', label: '$(account) PLAIN client', detail: 'Connect to a PLAIN server: a user name and password (clear text on the wire)' },
  { profileKind: 'PLAIN server', label: '$(account) PLAIN server', detail: 'Stand in as a PLAIN server: the users it admits, each with a password' },
];

/**
 * "ZMQ: Add Security Profile": the kind, a name, then what that kind needs; the profile is added
 * to `zmqPeer.security.profiles` in the user settings, its secrets to SecretStorage. `preset`
 * skips the questions it answers (Start Tap asks for a CURVE server or client profile).
 */
export async function addSecurityProfile(sec: SecurityContext, preset: { readonly keyPair?: string; readonly kind?: ProfileKind } = {}): Promise<SecurityProfile | undefined> {
  const title = 'ZMQ: Add Security Profile';
  const kind = preset.kind ?? (await vscode.window.showQuickPick(KINDS, { title, placeHolder: 'What does the debugger play?', ignoreFocusOut: true }))?.profileKind;
  if (kind === undefined) return undefined;
  const names = sec.profiles.list().map((p) => p.name);
  const name = (await ask(`${title} — name`, 'A name for the profile (Connect Peer and Bind offer it by this name)', (text) => {
    const bad = nameProblem(text.trim(), 'The name');
    return bad ?? (names.includes(text.trim()) ? `A profile "${text.trim()}" exists` : undefined);
  }, { value: freshName(names, kind.startsWith('CURVE') ? 'curve' : 'plain') }))?.trim();
  if (!name) return undefined;
  let profile: SecurityProfile;
  let secrets: [id: string, value: string][] = [];
  switch (kind) {
    case 'CURVE client': {
      const keyPair = preset.keyPair ?? (await pickKeyPair(sec, 'client'));
      if (keyPair === undefined) return undefined;
      const serverKey = (await ask(`${title} — the server's public key`, "The server's public key (40 Z85 characters, what zmq_curve_keypair gave the server)", (text) => curveKeyProblem(text.trim())))?.trim();
      if (serverKey === undefined) return undefined;
      profile = { name, mechanism: 'CURVE', role: 'client', keyPair, serverKey };
      break;
    }
    case 'CURVE server': {
      const keyPair = preset.keyPair ?? (await pickKeyPair(sec, 'server'));
      if (keyPair === undefined) return undefined;
      const text = await ask(`${title} — allowed clients`, 'Client public keys it admits, separated by spaces: KEY or userid=KEY (the User-Id it gives them). Empty: any client that knows the server key.', (t) => {
        const parsed = parseAllowedClients(t);
        return typeof parsed === 'string' ? parsed : undefined;
      }, { placeHolder: 'alice=rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' });
      if (text === undefined) return undefined;
      const allowed = parseAllowedClients(text) as Record<string, string> | undefined;
      profile = allowed === undefined ? { name, mechanism: 'CURVE', role: 'server', keyPair } : { name, mechanism: 'CURVE', role: 'server', keyPair, allowedClients: allowed };
      break;
    }
    case 'PLAIN client': {
      const username = await ask(`${title} — user name`, 'The user name', (text) => credentialProblem(text, 'A user name'));
      if (username === undefined) return undefined;
      const password = await askPassword(title, username);
      if (password === undefined) return undefined;
      profile = { name, mechanism: 'PLAIN', role: 'client', username };
      secrets = [[plainPasswordId(name), password]];
      break;
    }
    default: {
      const text = await ask(`${title} — users`, 'The user names it admits, separated by spaces (a password for each comes next)', (t) => {
        const parsed = parseUserList(t);
        return typeof parsed === 'string' ? parsed : undefined;
      });
      if (text === undefined) return undefined;
      const users = parseUserList(text) as string[];
      for (const user of users) {
        const password = await askPassword(title, user);
        if (password === undefined) return undefined;
        secrets.push([plainPasswordId(name, user), password]);
      }
      profile = { name, mechanism: 'PLAIN', role: 'server', users };
    }
  }
  for (const [id, value] of secrets) await sec.secrets.store(id, value);
  const current = sec.readProfilesSetting();
  await sec.writeProfilesSetting([...(Array.isArray(current) ? current : []), profile]);
  sec.log.info(`Security profile "${name}" added: ${describeProfile(profile)}`);
  void vscode.window.showInformationMessage(`Security profile "${name}" (${kindOf(profile)}) added to your user settings (zmqPeer.${PROFILES_SETTING}). Connect Peer and Bind offer it.`);
  return profile;
}

/** A PLAIN password target: a client profile, or one user of a server profile. */
type PasswordPick = vscode.QuickPickItem & { readonly profile: string; readonly user?: string; readonly username: string };

/** "ZMQ: Set PLAIN Password": for a PLAIN client profile, or a user of a PLAIN server profile (argument `{ profile, user? }` from code). */
export async function setPlainPassword(sec: SecurityContext, arg: unknown): Promise<void> {
  const items: PasswordPick[] = [];
  for (const p of sec.profiles.list()) {
    if (p.mechanism !== 'PLAIN') continue;
    if (p.role === 'client') items.push({ label: p.name, description: `PLAIN client · user "${p.username}"`, profile: p.name, username: p.username });
    else for (const user of p.users) items.push({ label: `${p.name} · ${user}`, description: 'PLAIN server · a user it admits', profile: p.name, user, username: user });
  }
  const wanted = typeof arg === 'object' && arg !== null ? (arg as { profile?: unknown; user?: unknown }) : {};
  const exact = items.find((i) => i.profile === wanted.profile && (i.user ?? undefined) === (typeof wanted.user === 'string' ? wanted.user : undefined));
  if (items.length === 0) {
    const ADD = 'Add Security Profile';
    if ((await vscode.window.showInformationMessage('No PLAIN profiles: add one first.', ADD)) === ADD) await addSecurityProfile(sec);
    return;
  }
  const picked = exact ?? (await vscode.window.showQuickPick(items, { title: 'ZMQ: Set PLAIN Password' }));
  if (picked === undefined) return;
  const password = await askPassword('ZMQ: Set PLAIN Password', picked.username);
  if (password === undefined) return;
  await sec.secrets.store(plainPasswordId(picked.profile, picked.user), password);
  const whose = picked.user === undefined ? `profile "${picked.profile}"` : `user "${picked.user}" of profile "${picked.profile}"`;
  sec.log.info(`PLAIN password of ${whose} stored in SecretStorage`);
  void vscode.window.showInformationMessage(`The PLAIN password of ${whose} is stored in VS Code's SecretStorage.`);
}

/**
 * The profile question of Connect Peer and Bind, when the settings list profiles: a profile's name,
 * null for none (the session's own NULL socket, as before profiles), undefined when cancelled.
 */
export async function askProfile(sec: SecurityContext, role: 'connect' | 'bind'): Promise<string | null | undefined> {
  const profiles = sec.profiles.list();
  if (profiles.length === 0) return null;
  type Item = vscode.QuickPickItem & { readonly profile: string | null };
  const items: Item[] = [
    { label: '$(unlock) No security (NULL)', description: "the session's PEER", profile: null },
    ...profiles.map((p): Item => ({ label: `$(lock) ${p.name}`, description: describeProfile(p), profile: p.name })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: role === 'connect' ? 'ZMQ: Connect Peer — security' : 'ZMQ: Bind — security',
    placeHolder: 'Which security profile? (zmqPeer.security.profiles)',
    ignoreFocusOut: true,
  });
  return picked === undefined ? undefined : picked.profile;
}
