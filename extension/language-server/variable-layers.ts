/**
 * Where a document's `{{variables}}` come from besides the file itself, lowest first: the
 * client's `zmqPeer.script.variables` setting, a `.env` file, the process environment. The order,
 * the `.env` lookup (core's `findEnvFile`) and the layer names are those of an editor run
 * (extension/script-session.ts), so that the squiggles say what a run would meet.
 */
import { relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findEnvFile } from '../../core/script/env-file';
import { environmentLayer, readDotEnv, type VariableLayer } from '../../core/script/variables';

/** The settings section the server reads. */
export const SETTINGS_SECTION = 'zmqPeer.script';
/** The settings layer's name, as an editor run names it. */
export const SETTINGS_SOURCE = 'settings (zmqPeer.script.variables)';

/** The path of a file: URI, or undefined for other schemes (untitled, remote) and malformed URIs. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The `zmqPeer.script` settings the server uses; anything else a client sends is ignored. */
export interface ScriptSettings {
  readonly variables: Readonly<Record<string, string>>;
  /** `zmqPeer.script.envFile`: a `.env` relative to the workspace folder; '' = look next to the script, then in the folder. */
  readonly envFile: string;
}

/**
 * Reads a `zmqPeer.script` settings object. Settings are user-edited JSON: string variables are
 * taken, numbers and booleans written as text, anything else is left out.
 */
export function readSettings(section: unknown): ScriptSettings {
  const values: Record<string, string> = {};
  const object = typeof section === 'object' && section !== null ? (section as { variables?: unknown; envFile?: unknown }) : {};
  const variables = object.variables;
  if (typeof variables === 'object' && variables !== null && !Array.isArray(variables)) {
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value === 'string') values[name] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
    }
  }
  return { variables: values, envFile: typeof object.envFile === 'string' ? object.envFile.trim() : '' };
}

/** The workspace folder holding the document (the deepest one), else the first folder. */
export function workspaceFolderOf(documentPath: string | undefined, folders: readonly string[]): string | undefined {
  if (documentPath !== undefined) {
    const holding = folders.filter((folder) => {
      const rel = relative(folder, documentPath);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (holding.length > 0) return holding.sort((a, b) => b.length - a.length)[0];
  }
  return folders[0];
}

/**
 * The `.env` layer: the file the settings name, else the one next to the document, else the one
 * in its workspace folder. Undefined when there is none or it cannot be read: a half-written
 * `.env` must not take the diagnostics down (the variables it should give are then reported).
 */
export function dotEnvLayer(documentPath: string | undefined, workspaceFolder: string | undefined, envFile = ''): VariableLayer | undefined {
  const file = findEnvFile(documentPath, workspaceFolder, envFile);
  if (file === undefined) return undefined;
  try {
    return { source: `.env (${file})`, values: readDotEnv(file) };
  } catch {
    return undefined;
  }
}

/** All layers of a document, lowest first. */
export function variableLayers(settings: ScriptSettings, documentUri: string, workspaceFolders: readonly string[], env: NodeJS.ProcessEnv = process.env): VariableLayer[] {
  const path = filePathOf(documentUri);
  // Without a path (untitled documents) only an explicit envFile or the workspace's .env can apply.
  const dotEnv = dotEnvLayer(path, workspaceFolderOf(path, workspaceFolders), settings.envFile);
  return [{ source: SETTINGS_SOURCE, values: settings.variables }, ...(dotEnv ? [dotEnv] : []), environmentLayer(env)];
}
