/**
 * The command handlers, keyed by the verbs of extension/commands-table.ts. Each takes the
 * optional argument VS Code passes: a tree node from a context menu, or `{ socketId, routingId }`
 * / `{ socketId, connectionId }` / `{ endpoint }` from code. Errors are shown with their code and
 * a plain explanation (error-explanations.ts).
 */
import * as vscode from 'vscode';
import type { PayloadFormat, PeerView } from '../webview/protocol';
import { decodePayload, PAYLOAD_FORMATS } from '../zmq-script/index';
import { COMMANDS, commandId, type CommandVerb } from './commands-table';
import { endpointPickItems, readRecentEndpoints, rememberEndpoint, RECENT_ENDPOINTS_KEY, validateEndpointInput, type EndpointPickItem } from './endpoint-input';
import { describeError } from './error-explanations';
import { addSecurityProfile, askProfile, copyCurvePublicKey, generateCurveKeypair, setPlainPassword, type SecurityContext } from './security-commands';
import type { ZmqSession } from './session';
import { TAP_HANDLERS } from './tap-commands';
import { saveTrafficExport } from './export-dialog';

/** What the handlers need from the extension: the session, stored state, the log and the settings. */
export interface CommandContext {
  readonly session: ZmqSession;
  readonly globalState: vscode.Memento;
  readonly log: vscode.LogOutputChannel;
  /** The `zmqPeer.defaultEndpoint` setting now. */
  defaultEndpoint(): string;
  /** Shows a passing message in the status bar (what a command did, when the debugger shows the rest). */
  status(text: string): void;
  /** Keys, secrets and profiles, for the security commands and the profile question. */
  readonly security: SecurityContext;
}

/** A command's optional argument, normalised. */
interface Target {
  readonly socketId?: string;
  readonly connectionId?: number;
  readonly routingId?: number;
  readonly endpoint?: string;
}

function targetOf(arg: unknown): Target {
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.socketId === 'string' ? { socketId: a.socketId } : {}),
    ...(typeof a.connectionId === 'number' ? { connectionId: a.connectionId } : {}),
    ...(typeof a.routingId === 'number' ? { routingId: a.routingId } : {}),
    ...(typeof a.endpoint === 'string' ? { endpoint: a.endpoint } : {}),
  };
}

type Handler = (ctx: CommandContext, arg: unknown) => Promise<void>;

/** The verbs whose handlers other modules own: the debugger panel, and the Test Explorer's controller. */
export type OutsideVerb = 'openDebugger' | 'runScript';

/** Those handlers, given to {@link registerCommands}; each gets the argument VS Code passes. */
export type OutsideHandlers = Readonly<Record<OutsideVerb, (arg: unknown) => unknown>>;

/**
 * Asks for an endpoint. With recent endpoints: one quick pick that lists them and takes a typed new
 * one as well (first row, checked as it is typed; Enter on an invalid one keeps the pick open).
 * Without: an input box, validated as the user types, starting from the default endpoint.
 */
async function askEndpoint(ctx: CommandContext, role: 'bind' | 'connect', fallback: string): Promise<string | undefined> {
  const recent = readRecentEndpoints(ctx.globalState.get(RECENT_ENDPOINTS_KEY));
  if (recent.length > 0) return pickEndpoint(recent, role);
  const endpoint = await vscode.window.showInputBox({
    title: role === 'connect' ? 'ZMQ: Connect Peer' : 'ZMQ: Bind',
    prompt: role === 'connect' ? 'Endpoint to connect to (tcp://, ipc://, inproc://, ws://, wss://)' : 'Endpoint to listen on (port * picks a free one)',
    value: fallback,
    ignoreFocusOut: true,
    validateInput: (text) => validateEndpointInput(text, role),
  });
  return endpoint?.trim();
}

type PickItem = vscode.QuickPickItem & EndpointPickItem;

function pickEndpoint(recent: readonly string[], role: 'bind' | 'connect'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<PickItem>();
    pick.title = role === 'connect' ? 'ZMQ: Connect Peer' : 'ZMQ: Bind';
    pick.placeholder = 'Type an endpoint (tcp://host:port, ipc://, inproc://, ws://, wss://) or pick a recent one';
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = false;
    const show = (typed: string): void => {
      pick.items = endpointPickItems(recent, typed, role).map((item) => ({ ...item, detail: item.detail === undefined ? undefined : `$(error) ${item.detail}` }));
    };
    show('');
    let settled = false;
    const done = (endpoint: string | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(endpoint);
      pick.hide();
      pick.dispose();
    };
    pick.onDidChangeValue(show);
    pick.onDidAccept(() => {
      const item = pick.activeItems[0] ?? pick.selectedItems[0];
      if (item === undefined) return;
      // An invalid typed endpoint stays on screen with its problem under it.
      if (validateEndpointInput(item.endpoint, role) !== undefined) return;
      done(item.endpoint);
    });
    pick.onDidHide(() => done(undefined));
    pick.show();
  });
}

async function remember(ctx: CommandContext, endpoint: string): Promise<void> {
  const recent = readRecentEndpoints(ctx.globalState.get(RECENT_ENDPOINTS_KEY));
  await ctx.globalState.update(RECENT_ENDPOINTS_KEY, rememberEndpoint(recent, endpoint));
}

/**
 * The socket a command acts on: the argument's, the only one, or one the user picks. `unsecured`:
 * only sockets not made from a security profile (a connect or bind the user asked to make without one).
 */
async function pickSocket(ctx: CommandContext, target: Target, createDefault: boolean, unsecured = false): Promise<string | undefined> {
  if (target.socketId !== undefined) return target.socketId;
  const sockets = ctx.session.sockets().filter((s) => !unsecured || s.security.profile === null);
  if (sockets.length === 0) return createDefault ? ctx.session.defaultSocketId() : undefined;
  if (sockets.length === 1) return sockets[0].socketId;
  const picked = await vscode.window.showQuickPick(
    sockets.map((s) => ({ label: s.label, description: [...s.bound, ...s.connected].join(', '), socketId: s.socketId })),
    { title: 'Which socket?' },
  );
  return picked?.socketId;
}

function peerLabel(peer: PeerView): string {
  return peer.routingId !== null ? `#${peer.routingId}` : `connection ${peer.connectionId}`;
}

async function pickPeer(ctx: CommandContext, target: Target, filter: (peer: PeerView) => boolean, title: string): Promise<PeerView | undefined> {
  const peers = ctx.session.peers(target.socketId).filter(filter);
  const exact = peers.find(
    (p) => (target.connectionId !== undefined && p.connectionId === target.connectionId) || (target.routingId !== undefined && p.routingId === target.routingId),
  );
  if (exact) return exact;
  if (peers.length === 0) {
    void vscode.window.showWarningMessage('No matching peer: connect one first (ZMQ: Connect Peer) or wait for one to connect (ZMQ: Bind).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    peers.map((p) => ({ label: peerLabel(p), description: `${p.state} · ${p.endpoint}`, detail: p.remoteAddress ?? undefined, peer: p })),
    { title },
  );
  return picked?.peer;
}

/**
 * The socket a connect or bind goes from: the argument's; else, when the settings list security
 * profiles, the socket of the one the user picks, or for none a socket without a profile (the
 * session's own, made when needed). Undefined when the user cancelled.
 */
async function socketFor(ctx: CommandContext, target: Target, role: 'connect' | 'bind'): Promise<{ socketId: string; profile: string | null } | undefined> {
  if (target.socketId !== undefined) return { socketId: target.socketId, profile: null };
  const profile = await askProfile(ctx.security, role);
  if (profile === undefined) return undefined;
  if (profile !== null) return { socketId: await ctx.session.socketForProfile(profile), profile };
  const socketId = await pickSocket(ctx, target, true, true);
  return socketId === undefined ? undefined : { socketId, profile: null };
}

/** The handlers of every command but the {@link OutsideVerb}s. */
const HANDLERS: Readonly<Record<Exclude<CommandVerb, OutsideVerb>, Handler>> = {
  ...TAP_HANDLERS,

  async connectPeer(ctx, arg) {
    const target = targetOf(arg);
    const from = await socketFor(ctx, target, 'connect');
    if (from === undefined) return;
    const { socketId } = from;
    const endpoint = target.endpoint ?? (await askEndpoint(ctx, 'connect', ctx.defaultEndpoint()));
    if (!endpoint) return;
    const routingId = ctx.session.connectPeer(socketId, endpoint);
    await remember(ctx, endpoint);
    // The debugger opens on the new peer and says all this; a notification would only cover it
    // (its saved messages sit where toasts appear). A failing connect gets its own warning.
    ctx.status(`$(plug) Connecting to ${endpoint}: routing id ${routingId}${from.profile === null ? '' : ` (profile "${from.profile}")`}`);
    await vscode.commands.executeCommand(commandId('openDebugger'), { socketId, routingId });
  },

  async bind(ctx, arg) {
    const target = targetOf(arg);
    const from = await socketFor(ctx, target, 'bind');
    if (from === undefined) return;
    const { socketId } = from;
    const endpoint = target.endpoint ?? (await askEndpoint(ctx, 'bind', 'tcp://127.0.0.1:*'));
    if (!endpoint) return;
    const bound = await ctx.session.bind(socketId, endpoint);
    await remember(ctx, endpoint);
    ctx.status(`$(radio-tower) Listening for peers on ${bound}${from.profile === null ? '' : ` (profile "${from.profile}")`}`);
    await vscode.commands.executeCommand(commandId('openDebugger'), { socketId });
  },

  async sendFrame(ctx, arg) {
    const target = targetOf(arg);
    const peer = await pickPeer(ctx, target, (p) => p.routingId !== null, 'Send to which peer?');
    if (!peer || peer.routingId === null) return;
    const format = (await vscode.window.showQuickPick([...PAYLOAD_FORMATS], { title: `Send to ${peerLabel(peer)}: payload format` })) as PayloadFormat | undefined;
    if (!format) return;
    const payload = await vscode.window.showInputBox({
      title: `Send to ${peerLabel(peer)} (${format})`,
      prompt: format === 'hex' ? 'Hex bytes, e.g. 01 02 ff' : format === 'json' ? 'A JSON value' : format === 'base64' ? 'Base64' : 'UTF-8 text',
      ignoreFocusOut: true,
      validateInput: (text) => {
        try {
          decodePayload(format, text);
          return undefined;
        } catch (err) {
          return err instanceof Error ? err.message : String(err);
        }
      },
    });
    if (payload === undefined) return;
    const bytes = await ctx.session.send(peer.socketId, peer.routingId, format, payload);
    void vscode.window.showInformationMessage(`Sent ${bytes} byte${bytes === 1 ? '' : 's'} to ${peerLabel(peer)}`);
  },

  async disconnectPeer(ctx, arg) {
    const peer = await pickPeer(ctx, targetOf(arg), () => true, 'Disconnect which peer?');
    if (!peer) return;
    ctx.session.disconnectPeer(peer.socketId, peer.connectionId);
  },

  async closeSocket(ctx, arg) {
    const socketId = await pickSocket(ctx, targetOf(arg), false);
    if (socketId === undefined) return;
    await ctx.session.closeSocket(socketId);
  },

  async clearTraffic(ctx) {
    ctx.session.clearTraffic();
  },

  // The same choice as the debugger's Export: pcapng for Wireshark when a tap has traffic, else NDJSON.
  async exportTraffic(ctx) {
    const session = ctx.session;
    const path = await saveTrafficExport(session.exportTraffic(), (format) => session.exportTapCapture(format));
    if (path !== null) void vscode.window.showInformationMessage(`Exported the ZMQ traffic to ${path}`);
  },

  // Security: the handlers are in security-commands.ts.
  generateCurveKeypair: async (ctx) => void (await generateCurveKeypair(ctx.security)),
  copyCurvePublicKey: (ctx) => copyCurvePublicKey(ctx.security),
  addSecurityProfile: async (ctx) => void (await addSecurityProfile(ctx.security)),
  setPlainPassword: (ctx, arg) => setPlainPassword(ctx.security, arg),
};

function handlerOf(verb: CommandVerb, ctx: CommandContext, outside: OutsideHandlers): (arg: unknown) => unknown {
  switch (verb) {
    case 'openDebugger':
    case 'runScript':
      return outside[verb];
    default:
      return (arg) => HANDLERS[verb](ctx, arg);
  }
}

/**
 * Registers every command of the table, in one loop (rust-analyzer's `updateCommands`); returns
 * their disposables. A failure is logged and shown with its code and a plain explanation.
 */
export function registerCommands(ctx: CommandContext, outside: OutsideHandlers): vscode.Disposable[] {
  return COMMANDS.map((spec) => {
    const handler = handlerOf(spec.verb, ctx, outside);
    return vscode.commands.registerCommand(commandId(spec.verb), async (arg: unknown) => {
      try {
        await handler(arg);
      } catch (err) {
        const text = describeError(err, spec.title);
        ctx.log.error(text);
        void vscode.window.showErrorMessage(text);
      }
    });
  });
}
