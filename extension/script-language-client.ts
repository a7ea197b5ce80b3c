/**
 * Starts the frame-script language server (dist/language-server.js, its own Node process) over
 * IPC with vscode-languageclient, for `.zmq` documents. The server pulls `zmqPeer.script.*` with
 * `workspace/configuration` and is told when it changes, so diagnostics follow the settings'
 * variables.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SCRIPT_LANGUAGE_ID } from './script-tests';

/** Where the bundled server is, relative to the extension root (esbuild.mjs writes it). */
const SERVER_BUNDLE = 'dist/language-server.js';

/** Starts the client; stopping it (deactivate or dispose) ends the server process. */
export async function startScriptLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<LanguageClient> {
  const module = context.asAbsolutePath(SERVER_BUNDLE);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: SCRIPT_LANGUAGE_ID }],
    synchronize: { configurationSection: 'zmqPeer.script' },
    outputChannel: log,
  };
  const client = new LanguageClient('zmqPeerScript', 'ZMQ Peer Script', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client.stop() });
  await client.start();
  return client;
}
