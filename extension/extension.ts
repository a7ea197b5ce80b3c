/**
 * The extension's entry: `activate()` only creates the session and registers things (commands
 * from the table, the tree view, the debugger panel, settings and file watchers), then
 * returns the versioned API. Everything it registers is in `context.subscriptions`; the session's
 * sockets are closed in `deactivate()`.
 */
import * as vscode from 'vscode';
import type { ZmqPeerApi } from './api';
import { registerCommands, type CommandContext } from './commands';
import { commandId } from './commands-table';
import { ConnectFailureNotices, type ConnectFailure } from './connect-failure-notices';
import { adviceFor } from './error-explanations';
import { errorCodeOf } from './handshake-ladder';
import { openDebugger, registerDebuggerSerializer, type DebuggerPanelOptions } from './debugger-panel';
import { createPublicApi } from './public-api';
import { ScriptTests } from './script-tests';
import { ZmqSession } from './session';
import type { SessionLogger } from './session-settings';
import { readDefaultEndpoint, readSessionSettings, SETTINGS_SECTION } from './settings';
import { SocketTreeProvider, TREE_VIEW_ID } from './tree';

/** The saved-messages file, relative to the first workspace folder. */
export const SAVED_MESSAGES_PATH = '.vscode/zmq-messages.json';

let activeSession: ZmqSession | undefined;

function loggerFor(channel: vscode.LogOutputChannel): SessionLogger {
  return {
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
    trace: (m) => channel.trace(m),
    get traceEnabled() {
      return channel.logLevel === vscode.LogLevel.Trace;
    },
  };
}

function configGetter(): (key: string) => unknown {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return (key) => config.get(key);
}

/** Registers everything and returns the API (see api.d.ts). */
export function activate(context: vscode.ExtensionContext): ZmqPeerApi {
  const log = vscode.window.createOutputChannel('ZMQ', { log: true });
  context.subscriptions.push(log);
  try {
    return activateWith(context, log);
  } catch (err) {
    // VS Code does not show a notification when activation fails, so we do it ourselves.
    const text = `ZMQ Peer Debugger failed to start: ${err instanceof Error ? err.message : String(err)}`;
    log.error(text);
    void vscode.window.showErrorMessage(text);
    throw err;
  }
}

function activateWith(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ZmqPeerApi {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const savedMessagesUri = folder ? vscode.Uri.joinPath(folder.uri, SAVED_MESSAGES_PATH) : undefined;
  const session = new ZmqSession({
    settings: readSessionSettings(configGetter()),
    logger: loggerFor(log),
    ...(savedMessagesUri?.scheme === 'file' ? { savedMessagesFile: savedMessagesUri.fsPath } : {}),
  });
  activeSession = session;
  context.subscriptions.push({ dispose: () => void session.dispose() });
  void session.loadSavedMessages().catch((err: unknown) => log.warn(`saved messages: ${err instanceof Error ? err.message : String(err)}`));

  const panelOptions: DebuggerPanelOptions = { log: (message) => log.warn(message) };
  registerDebuggerSerializer(context, session, panelOptions);

  // Frame scripts: the Test Explorer (runs of the zmqPeer.runScript command go through it too) and the language server.
  const scripts = new ScriptTests(session, log);
  context.subscriptions.push(scripts);

  const commandContext: CommandContext = {
    session,
    globalState: context.globalState,
    log,
    defaultEndpoint: () => readDefaultEndpoint(configGetter()),
    status: (text) => context.subscriptions.push(vscode.window.setStatusBarMessage(text, 8000)),
  };
  context.subscriptions.push(new ConnectFailureNotices(session, (failure) => void warnConnectFailing(session, failure, log)));
  context.subscriptions.push(
    ...registerCommands(commandContext, {
      openDebugger: (arg) => openDebugger(context, session, arg, panelOptions),
      runScript: (arg) => scripts.runCommand(arg),
    }),
  );
  // Loaded on demand: vscode-languageclient is large, and activation should not wait for it.
  void import('./script-language-client.js').then(({ startScriptLanguageClient }) => startScriptLanguageClient(context, log)).catch((err: unknown) => {
    const text = `ZMQ Peer Script language server failed to start: ${err instanceof Error ? err.message : String(err)}`;
    log.error(text);
    void vscode.window.showErrorMessage(text);
  });

  const tree = new SocketTreeProvider(session);
  context.subscriptions.push(tree, vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SETTINGS_SECTION)) session.updateSettings(readSessionSettings(configGetter()));
    }),
  );

  if (folder) {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, SAVED_MESSAGES_PATH));
    const reload = (): void => void session.loadSavedMessages().catch((err: unknown) => log.warn(`saved messages: ${err instanceof Error ? err.message : String(err)}`));
    context.subscriptions.push(watcher, watcher.onDidChange(reload), watcher.onDidCreate(reload), watcher.onDidDelete(reload));
  }

  log.info('ZMQ Peer Debugger ready');
  return createPublicApi(session, async (target) => {
    await vscode.commands.executeCommand(commandId('openDebugger'), target);
  });
}

/**
 * The one warning about a connect that keeps failing: the last error and what it means, with
 * "Show in Debugger" (the failing peer selected, its handshake ladder in view) and "Disconnect".
 */
async function warnConnectFailing(session: ZmqSession, failure: ConnectFailure, log: vscode.LogOutputChannel): Promise<void> {
  const rid = failure.routingId === null ? '' : ` (routing id ${failure.routingId})`;
  const code = errorCodeOf(failure.lastError);
  const text = `Cannot connect to ${failure.endpoint}${rid}: ${failure.lastError}. ${code === undefined ? '' : `${adviceFor(code)} `}Still retrying (${failure.attempts} attempts).`;
  log.warn(text);
  const SHOW = 'Show in Debugger';
  const DISCONNECT = 'Disconnect';
  const choice = await vscode.window.showWarningMessage(text, SHOW, DISCONNECT);
  if (choice === SHOW) {
    await vscode.commands.executeCommand(commandId('openDebugger'), { socketId: failure.socketId, ...(failure.routingId === null ? {} : { routingId: failure.routingId }) });
  } else if (choice === DISCONNECT) {
    try {
      session.disconnectPeer(failure.socketId, failure.connectionId);
    } catch (err) {
      log.warn(`Disconnect ${failure.endpoint}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** Closes the session's sockets (VS Code waits for the promise). */
export function deactivate(): Promise<void> | undefined {
  const session = activeSession;
  activeSession = undefined;
  return session?.dispose();
}
