/**
 * The handlers of "ZMQ: Start Tap" and "ZMQ: Stop Tap" (verbs `startTap` and `stopTap` of
 * extension/commands-table.ts, registered with the others by extension/commands.ts). Start Tap
 * asks, one step after another as Connect Peer does, for where the tap listens, the upstream it
 * relays to and the policy for an upstream that is down, each checked as it is typed (tap-input.ts);
 * a command call may pass `{ listen, upstream, policy }` instead. Stop Tap takes `{ tapId }` (the
 * tree's inline button) or asks which tap.
 */
import * as vscode from 'vscode';
import { commandId } from './commands-table';
import type { ZmqSession } from './session';
import { DEFAULT_TAP_LISTEN, TAP_POLICY_ITEMS, tapPolicyOf, validateTapListen, validateTapUpstream } from './tap-input';

/** What the tap commands use of extension/commands.ts's CommandContext (declared here: commands.ts imports this file). */
export interface TapCommandContext {
  readonly session: ZmqSession;
  /** The `zmqPeer.defaultEndpoint` setting now: the upstream the input box starts from. */
  defaultEndpoint(): string;
  status(text: string): void;
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
    title: 'ZMQ: Start Tap (1/3): listen',
    prompt: 'Where your apps will connect: the tap listens here (tcp://, ipc://, ws://; port * picks a free one)',
    value: DEFAULT_TAP_LISTEN,
    ignoreFocusOut: true,
    validateInput: validateTapListen,
  });
  return text?.trim();
}

async function askUpstream(listen: string, fallback: string): Promise<string | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'ZMQ: Start Tap (2/3): upstream',
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
    { title: 'ZMQ: Start Tap (3/3): when the upstream is down', ignoreFocusOut: true },
  );
  return picked?.policy;
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
    taps.map((t) => ({ label: `${t.listen} → ${t.upstream}`, description: `${t.policy} · ${t.connections} connection${t.connections === 1 ? '' : 's'}`, tapId: t.tapId })),
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
    const policy = tapPolicyOf(fieldOf(arg, 'policy')) ?? (await askPolicy());
    if (!policy) return;
    const { tapId, endpoint } = await ctx.session.startTap({ listen, upstream, policy });
    ctx.status(`$(eye) Tap listening on ${endpoint}, relaying to ${upstream} (${policy})`);
    await vscode.commands.executeCommand(commandId('openDebugger'), { socketId: tapId });
  },

  async stopTap(ctx, arg) {
    const tapId = await pickTap(ctx, arg);
    if (tapId === undefined) return;
    await ctx.session.stopTap(tapId);
    ctx.status('$(debug-stop) Tap stopped');
  },
};
