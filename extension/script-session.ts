/**
 * Frame scripts run from the editor: their sockets are made in the debug session, so every frame
 * and handshake of a run shows in the debugger panel and the tree while it runs, and their
 * variables are layered as the CLI layers them, with the editor's settings below `.env`.
 *
 * No vscode import: the extension passes the settings and the folders, and tests run scripts
 * through a real session in plain Node.
 */
import { basename } from 'node:path';
import { findEnvFile } from '../core/script/env-file';
import { parseScript } from '../core/script/parser';
import { runScript, type SocketFactory } from '../core/script/runner';
import type { RunEvent, ScriptResult } from '../core/script/results';
import { environmentLayer, readDotEnv, Variables, type VariableLayer } from '../core/script/variables';
import type { DebugSession } from './session';
import type { ScriptSettings } from './settings';

/** A socket factory whose sockets live in `session`, labelled `script › scenario › name`. */
export function sessionSocketFactory(session: DebugSession, scriptName: string): SocketFactory {
  return ({ scenario, name, options }) => {
    const { socketId, socket } = session.createSocket({ label: `${scriptName} › ${scenario} › ${name}`, options, drain: false });
    return { socket, close: () => session.closeSocket(socketId) };
  };
}

/** The variable layers of a run from the editor: settings < .env < environment. */
export function editorVariableLayers(settings: ScriptSettings, envFile: string | undefined, env: NodeJS.ProcessEnv = process.env): VariableLayer[] {
  const layers: VariableLayer[] = [{ source: 'settings (zmqPeer.script.variables)', values: settings.variables }];
  if (envFile !== undefined) {
    try {
      layers.push({ source: `.env (${envFile})`, values: readDotEnv(envFile) });
    } catch {
      // An unreadable .env is the same as none; the checks then report the variables it should have given.
    }
  }
  layers.push(environmentLayer(env));
  return layers;
}

/** How the editor runs one script. */
export interface EditorRun {
  readonly session: DebugSession;
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
  const envFile = findEnvFile(run.file, run.workspaceFolder, run.settings.envFile);
  const variables = new Variables(script, editorVariableLayers(run.settings, envFile, run.env));
  return runScript(run.source, {
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
