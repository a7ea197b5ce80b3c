/**
 * The debugger panel: one `WebviewPanel` (viewType `zmqPeer.debugger`) showing the session's
 * sockets, peers and traffic. The protocol work (checking messages, ready → init, requests,
 * forwarding events) is in `debugger-bridge.ts`; this file is the vscode glue: creating or
 * revealing the single panel, restoring it after a reload (serializer), the HTML, and disposal.
 * The `zmqPeer.openDebugger` command is registered from the command table (commands.ts) with
 * {@link openDebugger} as its handler.
 */

import * as vscode from 'vscode';
import { DebuggerBridge, type DebuggerFocus } from './debugger-bridge';
import type { SessionApi } from './session-api';
import { buildWebviewHtml } from './webview-html';

/** The panel's view type (package.json `activationEvents: onWebviewPanel:zmqPeer.debugger`). */
export const DEBUGGER_VIEW_TYPE = 'zmqPeer.debugger';

/** Where the bundles live, relative to the extension root; the only folder the webview may load from. */
const BUNDLE_DIR = 'dist';
const WEBVIEW_SCRIPT = 'webview.js';

export type { DebuggerFocus } from './debugger-bridge';

/** Options shared by every panel: where to log rejected messages. */
export interface DebuggerPanelOptions {
  /** Defaults to `console.warn` (the extension host log). */
  readonly log?: (message: string) => void;
}

/** The single debugger panel. */
export class DebuggerPanel {
  /** The open panel, if any. */
  static current: DebuggerPanel | undefined;

  readonly #panel: vscode.WebviewPanel;
  readonly #bridge: DebuggerBridge;
  readonly #disposables: vscode.Disposable[] = [];
  #disposed = false;

  /**
   * Opens the panel, or reveals the open one; then focuses `focus` in it. `beside` opens it next
   * to the active editor without taking the focus (a script run shows its traffic while the
   * script stays in front of the user).
   */
  static createOrShow(context: vscode.ExtensionContext, session: SessionApi, focus?: DebuggerFocus, options: DebuggerPanelOptions = {}, beside = false): DebuggerPanel {
    const column = beside ? vscode.ViewColumn.Beside : vscode.window.activeTextEditor?.viewColumn;
    let current = DebuggerPanel.current;
    if (current !== undefined) {
      if (!beside) current.#panel.reveal(column);
      else if (!current.#panel.visible) current.#panel.reveal(undefined, true);
    } else {
      const showOptions = beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : (column ?? vscode.ViewColumn.One);
      const panel = vscode.window.createWebviewPanel(DEBUGGER_VIEW_TYPE, 'ZMQ Peer Debugger', showOptions, webviewOptions(context.extensionUri));
      current = new DebuggerPanel(panel, context, session, options);
    }
    if (focus !== undefined) current.#bridge.focus(focus);
    return current;
  }

  /** Restores a panel VS Code kept across a reload (the serializer's callback). */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, session: SessionApi, options: DebuggerPanelOptions = {}): DebuggerPanel {
    // The only state worth restoring is the view state the webview keeps itself (getState);
    // the live state comes again through ready → init.
    DebuggerPanel.current?.dispose();
    return new DebuggerPanel(panel, context, session, options);
  }

  private constructor(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, session: SessionApi, options: DebuggerPanelOptions) {
    this.#panel = panel;
    DebuggerPanel.current = this;
    const log = options.log ?? ((message: string) => console.warn(message));
    const webview = panel.webview;
    // A revived panel keeps the options it was created with; set them again in case they changed.
    webview.options = webviewOptions(context.extensionUri);
    this.#bridge = new DebuggerBridge(session, {
      post: (msg) => webview.postMessage(msg),
      log,
      saveExport: (ndjson) => saveExport(ndjson),
    });
    this.#disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((msg: unknown) => this.#bridge.receive(msg)),
      panel.onDidChangeViewState(() => {
        // Without retainContextWhenHidden a hidden webview's page is gone; it posts ready when shown again.
        if (!panel.visible) this.#bridge.detach();
      }),
    );
    const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, BUNDLE_DIR, WEBVIEW_SCRIPT));
    webview.html = buildWebviewHtml({ cspSource: webview.cspSource, scriptUri: scriptUri.toString() });
  }

  /** Focuses a socket or routing id in the open panel. */
  focus(focus: DebuggerFocus): void {
    this.#bridge.focus(focus);
  }

  /** Closes the panel and releases everything it holds. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (DebuggerPanel.current === this) DebuggerPanel.current = undefined;
    this.#bridge.dispose();
    while (this.#disposables.length > 0) this.#disposables.pop()?.dispose();
    this.#panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // Hidden panels drop their page (a busy timeline costs nothing while hidden); ready → init redraws it.
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, BUNDLE_DIR)],
  };
}

async function saveExport(ndjson: string): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = await vscode.window.showSaveDialog({
    title: 'Export ZMQ traffic',
    filters: { 'NDJSON': ['ndjson', 'jsonl'] },
    ...(folder !== undefined ? { defaultUri: vscode.Uri.joinPath(folder, `zmq-traffic-${stamp}.ndjson`) } : {}),
  });
  if (target === undefined) return null;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(ndjson));
  return target.fsPath;
}

function parseFocusArgs(args: unknown): DebuggerFocus | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const a = args as Record<string, unknown>;
  if (a.showAll === true && a.socketId === undefined) return { showAll: true };
  if (typeof a.socketId !== 'string' || a.socketId.length === 0 || a.socketId.length > 100) return undefined;
  const routingId = a.routingId;
  if (typeof routingId === 'number' && Number.isInteger(routingId) && routingId > 0 && routingId <= 0xffffffff) return { socketId: a.socketId, routingId };
  return { socketId: a.socketId };
}

/**
 * Registers the panel's serializer, so it survives a window reload. Call once from `activate()`;
 * the registration is added to `context.subscriptions`.
 */
export function registerDebuggerSerializer(context: vscode.ExtensionContext, session: SessionApi, options: DebuggerPanelOptions = {}): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DEBUGGER_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        DebuggerPanel.revive(panel, context, session, options);
      },
    }),
  );
}

/**
 * The handler of `commandId('openDebugger')`: `{ socketId?, routingId?, beside?, showAll? }` →
 * open or reveal the panel, then show the socket or routing id (selected, the send target), or
 * with `showAll` all the traffic. Anything else in `args` is ignored.
 */
export function openDebugger(context: vscode.ExtensionContext, session: SessionApi, args: unknown, options: DebuggerPanelOptions = {}): void {
  const beside = typeof args === 'object' && args !== null && (args as { beside?: unknown }).beside === true;
  DebuggerPanel.createOrShow(context, session, parseFocusArgs(args), options, beside);
}
