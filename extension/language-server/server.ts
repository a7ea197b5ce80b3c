/**
 * The ZMQ Peer Script language server: a plain Node process (no vscode), started by the extension
 * over IPC or by any LSP client with `--stdio` (`createConnection` reads the transport from argv).
 *
 * It publishes the checks' diagnostics on open and change, and answers completion, hover,
 * document symbols and code lenses from the pure functions next to it. Variables come from the
 * file, the client's `zmqPeer.script.variables` setting (when the client has workspace/configuration),
 * a `.env` file (`zmqPeer.script.envFile`, else next to the script, else in its workspace folder)
 * and the environment, as an editor run sees them.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  createConnection,
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MarkupKind,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkScript, parseScript, Variables, type Script } from '../../zmq-script/index';
import { codeLenses } from './code-lenses';
import { complete, TRIGGER_CHARACTERS } from './completion';
import { definition } from './definition';
import { hover } from './hover';
import { toLspDiagnostic } from './lsp-diagnostics';
import { documentSymbols } from './symbols';
import { readScriptSettings, SCRIPT_SETTINGS_SECTION, SCRIPT_SETTING_DEFAULTS, type ScriptSettings } from '../script-variables';
import { documentVariableLayers, filePathOf } from './variable-layers';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let supportsConfiguration = false;
let registerConfiguration = false;
let registerWatchedFiles = false;
let supportsCodeLensRefresh = false;
let supportsWorkspaceFolders = false;
/** Workspace folder paths (file: ones only), the first one's `.env` being the fallback. */
let workspaceFolders: string[] = [];
/** The `zmqPeer.script` settings per document, fetched once until the configuration changes. */
const settingsCache = new Map<string, Promise<ScriptSettings>>();

/** Logs a failure; the server goes on (one bad document must not end every other one's features). */
function logError(what: string, err: unknown): void {
  connection.console.error(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}

/** A feature handler that logs an exception and answers `fallback` instead of failing the request. */
function guarded<P extends unknown[], R>(what: string, fallback: R, handler: (...args: P) => R | Promise<R>): (...args: P) => Promise<R> {
  return async (...args: P) => {
    try {
      return await handler(...args);
    } catch (err) {
      logError(what, err);
      return fallback;
    }
  };
}

function foldersOf(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const paths = uris.map(filePathOf).filter((p): p is string => p !== undefined);
  if (paths.length === 0 && params.rootPath) paths.push(params.rootPath);
  return paths;
}

connection.onInitialize((params): InitializeResult => {
  const workspace = params.capabilities.workspace;
  supportsConfiguration = workspace?.configuration === true;
  registerConfiguration = workspace?.didChangeConfiguration?.dynamicRegistration === true;
  registerWatchedFiles = workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  supportsWorkspaceFolders = workspace?.workspaceFolders === true;
  supportsCodeLensRefresh = workspace?.codeLens?.refreshSupport === true;
  workspaceFolders = foldersOf(params);
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [...TRIGGER_CHARACTERS] },
      hoverProvider: true,
      documentSymbolProvider: true,
      definitionProvider: true,
      codeLensProvider: { resolveProvider: false },
      ...(supportsWorkspaceFolders ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
    },
    serverInfo: { name: 'zmq-peer-script' },
  };
});

connection.onInitialized(() => {
  // Registrations are best effort: a client that refuses them still gets diagnostics on edit.
  // `*.env` too, for a zmqPeer.script.envFile with another name.
  if (registerConfiguration) connection.client.register(DidChangeConfigurationNotification.type, { section: SCRIPT_SETTINGS_SECTION }).catch((err) => logError('registering for configuration changes', err));
  if (registerWatchedFiles) connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/.env' }, { globPattern: '**/*.env' }] }).catch((err) => logError('registering the .env watcher', err));
  if (supportsWorkspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((event) => {
      const removed = new Set(event.removed.map((f) => filePathOf(f.uri)));
      workspaceFolders = [...workspaceFolders.filter((p) => !removed.has(p)), ...event.added.map((f) => filePathOf(f.uri)).filter((p): p is string => p !== undefined)];
      validateAll();
    });
  }
});

function settingsFor(uri: string): Promise<ScriptSettings> {
  // Clients without workspace/configuration (most stdio clients) simply have no settings layer.
  if (!supportsConfiguration) return Promise.resolve(SCRIPT_SETTING_DEFAULTS);
  let settings = settingsCache.get(uri);
  if (!settings) {
    settings = connection.workspace.getConfiguration({ scopeUri: uri, section: SCRIPT_SETTINGS_SECTION }).then(
      (value: unknown) => readScriptSettings((key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined)),
      (err: unknown) => {
        logError('reading the zmqPeer.script settings', err);
        return SCRIPT_SETTING_DEFAULTS;
      },
    );
    settingsCache.set(uri, settings);
  }
  return settings;
}

/** A document parsed, with the variables a run of it would have. */
interface Analysis {
  readonly source: string;
  readonly script: Script;
  readonly variables: Variables;
}

async function analyse(document: TextDocument): Promise<Analysis> {
  const source = document.getText();
  const script = parseScript(source);
  const settings = await settingsFor(document.uri);
  return { source, script, variables: new Variables(script, documentVariableLayers(settings, document.uri, workspaceFolders)) };
}

async function validate(document: TextDocument): Promise<void> {
  const { uri, version } = document;
  const { script, variables } = await analyse(document);
  const path = filePathOf(uri);
  // Payload files are relative to the script's folder, which only a file: document has.
  const fileExists = path ? (file: string) => existsSync(resolve(dirname(path), file)) : undefined;
  const diagnostics = checkScript(script, { variables, ...(fileExists ? { fileExists } : {}) });
  // A newer version (or a close) came while the settings were fetched: its own validation publishes.
  if (documents.get(uri)?.version !== version) return;
  await connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map(toLspDiagnostic) });
}

const validateGuarded = guarded('validating', undefined, validate);

function validateAll(): void {
  for (const document of documents.all()) void validateGuarded(document);
}

documents.onDidChangeContent((event) => void validateGuarded(event.document));
documents.onDidOpen(() => {
  // The editor may ask for the lenses of a document before its didOpen reached us (it asks as soon
  // as the provider is registered), and then got none; ask it to ask again now that we know it.
  if (supportsCodeLensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch((err: unknown) => logError('refreshing code lenses', err));
});
documents.onDidClose((event) => {
  settingsCache.delete(event.document.uri);
  connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] }).catch((err) => logError('clearing diagnostics', err));
});

connection.onDidChangeConfiguration(() => {
  settingsCache.clear();
  validateAll();
});
// A .env file changed (when the client watches it): its values feed every document's checks.
connection.onDidChangeWatchedFiles(() => validateAll());

connection.onCompletion(
  guarded('completion', [], async (params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const { source, script, variables } = await analyse(document);
    return complete(source, params.position, { script, variables });
  }),
);

connection.onHover(
  guarded('hover', null, async (params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const { source, script, variables } = await analyse(document);
    const found = hover(source, params.position, { script, variables });
    return found ? { contents: { kind: MarkupKind.Markdown, value: found.contents }, range: found.range } : null;
  }),
);

connection.onDocumentSymbol(
  guarded('document symbols', [], (params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const source = document.getText();
    return documentSymbols(parseScript(source), source);
  }),
);

connection.onDefinition(
  guarded('definition', null, (params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const range = definition(document.getText(), params.position);
    return range ? { uri: document.uri, range } : null;
  }),
);

connection.onCodeLens(
  guarded('code lenses', [], (params) => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return [];
    const source = document.getText();
    return codeLenses(parseScript(source), source, document.uri);
  }),
);

// Last resort: an error escaping a handler is logged rather than ending the process (and with it
// every open document's features).
process.on('uncaughtException', (err) => logError('uncaught exception', err));
process.on('unhandledRejection', (err) => logError('unhandled rejection', err));

documents.listen(connection);
connection.listen();
