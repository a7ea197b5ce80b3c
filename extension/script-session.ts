/**
 * Frame scripts run from the editor: their sockets are made in the debug session, so every frame
 * and handshake of a run shows in the debugger panel and the tree while it runs, and their
 * variables are layered as the CLI layers them, with the editor's settings below `.env`.
 *
 * No vscode import: the extension passes the settings and the folders, and tests run scripts
 * through a real session in plain Node.
 */
import { basename } from 'node:path';
import { checkScript, parseScript, runScript, sourceLines, Variables, type RunEvent, type ScriptResult, type SocketFactory } from '../zmq-script/index';
import { editorVariableLayers, type ScriptSettings } from './script-variables';
import type { ZmqSession } from './session';

/** A socket factory whose sockets live in `session`, labelled `script › scenario › name`. */
export function sessionSocketFactory(session: ZmqSession, scriptName: string): SocketFactory {
  return ({ scenario, name, options }) => {
    const { socketId, socket } = session.createSocket({ label: `${scriptName} › ${scenario} › ${name}`, options, drain: false });
    return { socket, close: () => session.closeSocket(socketId) };
  };
}

/** How the editor runs one script. */
export interface EditorRun {
  readonly session: ZmqSession;
  readonly source: string;
  /** The script's path on disk, when it has one (file payloads and `.env` are found from it). */
  readonly file?: string;
  readonly workspaceFolder?: string;
  readonly settings: ScriptSettings;
  /** The scenarios to run; default all. */
  readonly scenarios?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: RunEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a script with session sockets and the editor's variables. */
export function runInSession(run: EditorRun): Promise<ScriptResult> {
  const script = parseScript(run.source);
  const variables = new Variables(script, editorVariableLayers(run.settings, run.file, run.workspaceFolder, run.env));
  const diagnostics = checkScript(script, { variables });
  return runScript({ script, lines: sourceLines(run.source), diagnostics }, {
    ...(run.file !== undefined ? { file: run.file } : {}),
    ...(run.file === undefined && run.workspaceFolder !== undefined ? { baseDir: run.workspaceFolder } : {}),
    variables,
    defaultTimeout: run.settings.defaultTimeout,
    createSocket: sessionSocketFactory(run.session, run.file ? basename(run.file) : 'script'),
    ...(run.scenarios ? { scenarios: run.scenarios } : {}),
    ...(run.signal ? { signal: run.signal } : {}),
    ...(run.onEvent ? { onEvent: run.onEvent } : {}),
  });
}
