/**
 * The handlers of "ZMQ: Start Tap" and "ZMQ: Stop Tap" (verbs `startTap` and `stopTap` of
 * extension/commands-table.ts, registered with the others by extension/commands.ts). Start Tap
 * asks, one step after another as Connect Peer does, for where the tap listens, the upstream it
 * relays to, the policy for an upstream that is down, each checked as it is typed (tap-input.ts),
 * and its security: relay as is, or terminate CURVE with the key pairs of a CURVE server profile
 * (the server the apps trust) and a CURVE client profile (a client the upstream accepts), offering
 * "Add Security Profile" where none fits. A command call may pass
 * `{ listen, upstream, policy, terminate: { serverProfile, clientProfile } }` instead (a call that
 * gives the policy and no `terminate` relays as is). Stop Tap takes `{ tapId }` (the tree's inline
 * button) or asks which tap.
 */
import * as vscode from 'vscode';
import { commandId } from './commands-table';
import { addSecurityProfile, type SecurityContext } from './security-commands';
import { describeProfile, SecurityProfileError, shortKey, type SecurityProfile } from './security-profiles';
import type { ZmqSession } from './session';
import type { TerminateProfiles } from './session-taps';
import { DEFAULT_TAP_LISTEN, TAP_POLICY_ITEMS, TAP_SECURITY_ITEMS, tapPolicyOf, terminateOf, validateTapListen, validateTapUpstream } from './tap-input';

/** What the tap commands use of extension/commands.ts's CommandContext (declared here: commands.ts imports this file). */
export interface TapCommandContext {
  readonly session: ZmqSession;
  /** The `zmqPeer.defaultEndpoint` setting now: the upstream the input box starts from. */
  defaultEndpoint(): string;
  status(text: string): void;
  /** Keys, secrets and profiles: the terminating tap's profiles and "Add Security Profile". */
  readonly security: SecurityContext;
}

type Handler = (ctx: TapCommandContext, arg: unknown) => Promise<void>;

function fieldOf(arg: unknown, name: string): unknown {
  return typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>)[name] : undefined;
}

function stringField(arg: unknown, name: string): string | undefined {
  const value = fieldOf(arg, name);
  return typeof value === 'string' ? value : undefined;
}

async function askListen(): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'ZMQ: Start Tap (1/4): listen',
    prompt: 'Where your apps will connect: the tap listens here (tcp://, ipc://, ws://; port * picks a free one)',
    value: DEFAULT_TAP_LISTEN,
    ignoreFocusOut: true,
    validateInput: validateTapListen,
  });
  return text?.trim();
}

async function askUpstream(listen: string, fallback: string): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'ZMQ: Start Tap (2/4): upstream',
    prompt: `The endpoint your apps use today: the tap relays every connection on ${listen} to it`,
    value: fallback,
    ignoreFocusOut: true,
    validateInput: (value) => validateTapUpstream(value, listen),
  });
  return text?.trim();
}

async function askPolicy(): Promise<'mirror' | 'hold' | undefined> {
  const picked = await vscode.window.showQuickPick(
    TAP_POLICY_ITEMS.map((item) => ({ label: item.label, detail: item.detail, policy: item.policy })),
    { title: 'ZMQ: Start Tap (3/4): when the upstream is down', ignoreFocusOut: true },
  );
  return picked?.policy;
}

/** The security step: null to relay as is, the two profiles to terminate CURVE, undefined when cancelled. */
async function askSecurity(ctx: TapCommandContext): Promise<TerminateProfiles | null | undefined> {
  const picked = await vscode.window.showQuickPick(
    TAP_SECURITY_ITEMS.map((item) => ({ label: item.label, detail: item.detail, terminate: item.terminate })),
    { title: 'ZMQ: Start Tap (4/4): security', ignoreFocusOut: true },
  );
  if (picked === undefined) return undefined;
  if (!picked.terminate) return null;
  const serverProfile = await askTerminatingProfile(ctx, 'server');
  if (serverProfile === undefined) return undefined;
  const clientProfile = await askTerminatingProfile(ctx, 'client');
  if (clientProfile === undefined) return undefined;
  return { serverProfile, clientProfile };
}

const ROLE_TEXT = {
  server: { what: 'CURVE server profile', step: '1/2', why: 'the server the apps trust: they complete their handshake with the tap' },
  client: { what: 'CURVE client profile', step: '2/2', why: 'a client the upstream accepts: the tap connects onward with it' },
} as const;

/**
 * One of the two profiles of a terminating tap: the CURVE profiles of that role in the settings,
 * and "Add Security Profile…" (the only choice when there are none). Resolves with its name.
 */
async function askTerminatingProfile(ctx: TapCommandContext, role: 'server' | 'client'): Promise<string | undefined> {
  const fits = (p: SecurityProfile): boolean => p.mechanism === 'CURVE' && p.role === role;
  const text = ROLE_TEXT[role];
  type Item = vscode.QuickPickItem & { readonly profile?: string };
  const ADD: Item = { label: '$(add) Add Security Profile…', detail: `A new ${text.what}: its key pair is ${text.why}` };
  const profiles = ctx.security.profiles.list().filter(fits);
  const picked = await vscode.window.showQuickPick<Item>(
    [...profiles.map((p): Item => ({ label: `$(lock) ${p.name}`, description: describeProfile(p), detail: `Its key pair must be ${text.why}`, profile: p.name })), ADD],
    {
      title: `ZMQ: Start Tap — terminate CURVE (${text.step}): ${role === 'server' ? 'toward the apps' : 'toward the upstream'}`,
      placeHolder: profiles.length === 0 ? `No ${text.what} yet: add one` : `Which ${text.what}?`,
      ignoreFocusOut: true,
    },
  );
  if (picked === undefined) return undefined;
  if (picked.profile !== undefined) return picked.profile;
  const added = await addSecurityProfile(ctx.security, { kind: role === 'server' ? 'CURVE server' : 'CURVE client' });
  if (added === undefined) return undefined;
  // The settings were written: read them again so that the session resolves the new profile.
  ctx.security.profiles.reload();
  return added.name;
}

/** The tap a command acts on: the argument's, the only one, or one the user picks. */
async function pickTap(ctx: TapCommandContext, arg: unknown): Promise<string | undefined> {
  const given = stringField(arg, 'tapId') ?? stringField(arg, 'socketId');
  if (given !== undefined) return given;
  const taps = ctx.session.taps();
  if (taps.length === 0) {
    void vscode.window.showWarningMessage('No tap is running: start one with "ZMQ: Start Tap".');
    return undefined;
  }
  if (taps.length === 1) return taps[0].tapId;
  const picked = await vscode.window.showQuickPick(
    taps.map((t) => ({ label: `${t.listen} → ${t.upstream}`, description: `${t.policy}${t.terminating === null ? '' : ' · terminating CURVE'} · ${t.connections} connection${t.connections === 1 ? '' : 's'}`, tapId: t.tapId })),
    { title: 'Stop which tap?' },
  );
  return picked?.tapId;
}

/** The two tap commands' handlers, keyed by their verbs. */
export const TAP_HANDLERS: Readonly<Record<'startTap' | 'stopTap', Handler>> = {
  async startTap(ctx, arg) {
    const listen = stringField(arg, 'listen') ?? (await askListen());
    if (!listen) return;
    const upstream = stringField(arg, 'upstream') ?? (await askUpstream(listen, ctx.defaultEndpoint()));
    if (!upstream) return;
    const givenPolicy = tapPolicyOf(fieldOf(arg, 'policy'));
    const policy = givenPolicy ?? (await askPolicy());
    if (!policy) return;
    // A scripted call that gives the policy has said everything: without `terminate` it relays as is.
    const givenTerminate = terminateOf(fieldOf(arg, 'terminate'));
    if (givenTerminate === undefined && fieldOf(arg, 'terminate') !== undefined) {
      throw new SecurityProfileError('"terminate" is { serverProfile, clientProfile }: the names of a CURVE server profile and a CURVE client profile (or null to relay as is)');
    }
    const terminate = givenTerminate !== undefined || givenPolicy !== undefined ? givenTerminate ?? null : await askSecurity(ctx);
    if (terminate === undefined) return;
    const { tapId, endpoint } = await ctx.session.startTap({ listen, upstream, policy, ...(terminate === null ? {} : { terminate }) });
    const keys = terminate === null ? undefined : ctx.session.taps().find((t) => t.tapId === tapId)?.terminating ?? undefined;
    const mode = keys === undefined ? policy : `${policy}, terminating CURVE: apps must trust server key ${shortKey(keys.serverKey)}`;
    ctx.status(`$(eye) Tap listening on ${endpoint}, relaying to ${upstream} (${mode})`);
    await vscode.commands.executeCommand(commandId('openDebugger'), { socketId: tapId });
  },

  async stopTap(ctx, arg) {
    const tapId = await pickTap(ctx, arg);
    if (tapId === undefined) return;
    await ctx.session.stopTap(tapId);
    ctx.status('$(debug-stop) Tap stopped');
  },
};
