/**
 * The `zmqPeer.script.*` settings and the variable layers of a script opened in the editor,
 * shared by editor runs (script-session.ts) and the language server, so that a squiggle says
 * what a run would meet. No vscode import, and nothing of the runner: the language server bundle
 * stays free of sockets.
 */
import { DEFAULT_TIMEOUT_MS, findEnvFile, variableLayers, type VariableLayer } from '../zmq-script/index';

/** The settings section of frame scripts. */
export const SCRIPT_SETTINGS_SECTION = 'zmqPeer.script';
/** The name of the settings layer, as hovers and errors show it. */
export const SETTINGS_LAYER_SOURCE = 'settings (zmqPeer.script.variables)';

/** What frame scripts take from the settings. */
export interface ScriptSettings {
  /** `variables`: string values, numbers and booleans as text; anything else is left out. */
  readonly variables: Readonly<Record<string, string>>;
  /** `defaultTimeout`, ms. */
  readonly defaultTimeout: number;
  /** `envFile`, relative to the workspace folder; '' = the `.env` next to the script, else the folder's. */
  readonly envFile: string;
}

/** Defaults of {@link ScriptSettings}, as package.json declares them. */
export const SCRIPT_SETTING_DEFAULTS: ScriptSettings = Object.freeze({ variables: Object.freeze({}), defaultTimeout: DEFAULT_TIMEOUT_MS, envFile: '' });

/** Longest `defaultTimeout` accepted: a day. */
const MAX_TIMEOUT_MS = 86_400_000;

/**
 * Reads the settings through `get(key)`, keys relative to `zmqPeer.script` (`variables`,
 * `defaultTimeout`, `envFile`). Settings are user-edited JSON: wrong types fall back to defaults.
 */
export function readScriptSettings(get: (key: string) => unknown): ScriptSettings {
  const raw = get('variables');
  const variables: Record<string, string> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value === 'string') variables[name] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') variables[name] = String(value);
    }
  }
  const timeout = get('defaultTimeout');
  const envFile = get('envFile');
  return {
    variables,
    defaultTimeout: typeof timeout === 'number' && Number.isFinite(timeout) ? Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.trunc(timeout))) : DEFAULT_TIMEOUT_MS,
    envFile: typeof envFile === 'string' ? envFile.trim() : '',
  };
}

/**
 * The layers of a script in the editor: settings < `.env` < environment. A `.env` that cannot be
 * read counts as none (a half-written file must not take diagnostics down; the variables it should
 * give are then reported as undefined).
 */
export function editorVariableLayers(settings: ScriptSettings, scriptPath: string | undefined, workspaceFolder: string | undefined, env: NodeJS.ProcessEnv = process.env): VariableLayer[] {
  const envFile = findEnvFile(scriptPath, workspaceFolder, settings.envFile);
  const base = { settings: settings.variables, settingsSource: SETTINGS_LAYER_SOURCE, env };
  if (envFile !== undefined) {
    try {
      return variableLayers({ ...base, envFile });
    } catch {
      // Fall through: as if there were no .env.
    }
  }
  return variableLayers(base);
}
