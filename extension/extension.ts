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
import { TapFailureNotices, type TapFailure } from './tap-failure-notices';
import { adviceFor } from './error-explanations';
import { errorCodeOf } from './handshake-ladder';
import { CurveKeyStore } from './curve-key-store';
import { openDebugger, registerDebuggerSerializer, type DebuggerPanelOptions } from './debugger-panel';
import { SettingsProfiles } from './profile-resolver';
import { createPublicApi } from './public-api';
import { ScriptTests } from './script-tests';
import type { SecurityContext } from './security-commands';
import { PROFILES_SETTING } from './security-profiles';
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
  // Security profiles name keys and users; their secrets are in SecretStorage, read when a profile is used.
  const profiles = new SettingsProfiles(() => configGetter()(PROFILES_SETTING), context.secrets);
  const session = new ZmqSession({
    settings: readSessionSettings(configGetter()),
    logger: loggerFor(log),
    profiles,
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

  const status = (text: string): void => void context.subscriptions.push(vscode.window.setStatusBarMessage(text, 8000));
  const security: SecurityContext = {
    keys: new CurveKeyStore(context.globalState, context.secrets),
    secrets: context.secrets,
    profiles,
    // The user settings' own list: the workspace's (if any) is not copied into them.
    readProfilesSetting: () => vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect(PROFILES_SETTING)?.globalValue,
    writeProfilesSetting: (value) => vscode.workspace.getConfiguration(SETTINGS_SECTION).update(PROFILES_SETTING, value, vscode.ConfigurationTarget.Global),
    log,
    status,
  };
  const commandContext: CommandContext = {
    session,
    globalState: context.globalState,
    log,
    defaultEndpoint: () => readDefaultEndpoint(configGetter()),
    status,
    security,
  };
  const profileWarnings = new ProfileWarnings(log);
  profileWarnings.show(profiles.problems());
  context.subscriptions.push(new ConnectFailureNotices(session, (failure) => void warnConnectFailing(session, failure, log)));
  context.subscriptions.push(new TapFailureNotices(session, (failure) => void warnTapFailing(failure, log)));
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
      if (event.affectsConfiguration(`${SETTINGS_SECTION}.${PROFILES_SETTING}`)) {
        profileWarnings.show(profiles.reload().problems);
        session.profilesChanged();
      }
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
 * The one warning about a terminating tap's failure (a key that does not fit, most often): the tap's sentence, which
 * says which key to check, and "Show in Debugger" (the failed pair is kept there with its ladder).
 */
async function warnTapFailing(failure: TapFailure, log: vscode.LogOutputChannel): Promise<void> {
  const text = `Tap ${failure.listen} → ${failure.upstream} (terminating CURVE): ${failure.diagnosis}. If a key is named, check the security profiles the tap was started with (ZMQ: Start Tap › Terminate CURVE with my keys…).`;
  log.warn(text);
  const SHOW = 'Show in Debugger';
  if ((await vscode.window.showWarningMessage(text, SHOW)) === SHOW) await vscode.commands.executeCommand(commandId('openDebugger'), { socketId: failure.tapId });
}

/**
 * The one warning about a connect that keeps failing, or that failed for good: the last error and what it means, with
 * "Show in Debugger" (the failing peer selected, its handshake ladder in view) and "Disconnect" ("Dismiss" once it ended).
 */
async function warnConnectFailing(session: ZmqSession, failure: ConnectFailure, log: vscode.LogOutputChannel): Promise<void> {
  const rid = failure.routingId === null ? '' : ` (routing id ${failure.routingId})`;
  const code = errorCodeOf(failure.lastError);
  const outcome = failure.retrying ? `Still retrying (${failure.attempts} attempts).` : 'Not retrying: after this failure libzmq gives up too.';
  const text = `Cannot connect to ${failure.endpoint}${rid}: ${failure.lastError}. ${code === undefined ? '' : `${adviceFor(code)} `}${outcome}`;
  log.warn(text);
  const SHOW = 'Show in Debugger';
  // An ended connection is only kept to show why: its button says Dismiss, as its row does (the same call forgets it).
  const DISCONNECT = failure.retrying ? 'Disconnect' : 'Dismiss';
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

/**
 * Says why entries of `zmqPeer.security.profiles` are left out: each in the log, and the first in
 * one warning, shown again only when the problems change (each settings save would repeat it).
 */
class ProfileWarnings {
  readonly #log: vscode.LogOutputChannel;
  #shown = '';

  constructor(log: vscode.LogOutputChannel) {
    this.#log = log;
  }

  show(problems: readonly string[]): void {
    const text = problems.join('\n');
    if (text === this.#shown) return;
    this.#shown = text;
    for (const problem of problems) this.#log.warn(`zmqPeer.${PROFILES_SETTING}: ${problem}`);
    if (problems.length === 0) return;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more in the ZMQ log)` : '';
    const OPEN = 'Open Settings';
    void vscode.window.showWarningMessage(`zmqPeer.${PROFILES_SETTING}: ${problems[0]}${more}`, OPEN).then((choice) => {
      if (choice === OPEN) void vscode.commands.executeCommand('workbench.action.openSettings', `zmqPeer.${PROFILES_SETTING}`);
    });
  }
}

/** Closes the session's sockets (VS Code waits for the promise). */
export function deactivate(): Promise<void> | undefined {
  const session = activeSession;
  activeSession = undefined;
  return session?.dispose();
}
