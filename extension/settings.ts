/**
 * Reads the `zmqPeer.*` settings into the session's shape. The keys are listed here once; the
 * manifest's `contributes.configuration` declares them (a unit test checks they agree).
 * No vscode import: callers pass a `get(key)` reader (`WorkspaceConfiguration.get`).
 */
import { SCRIPT_SETTING_DEFAULTS } from './script-variables';
import { DEFAULT_SETTINGS, type SessionSettings } from './session-settings';

/** The configuration section. */
export const SETTINGS_SECTION = 'zmqPeer';

/** Every setting key under `zmqPeer.`, with its default. */
export const SETTING_DEFAULTS = {
  defaultEndpoint: 'tcp://127.0.0.1:5555',
  bufferSize: DEFAULT_SETTINGS.bufferSize,
  defaultView: DEFAULT_SETTINGS.defaultView,
  'heartbeat.interval': DEFAULT_SETTINGS.heartbeatInterval,
  'heartbeat.timeout': DEFAULT_SETTINGS.heartbeatTimeout,
  'reconnect.interval': DEFAULT_SETTINGS.reconnectInterval,
  'reconnect.max': DEFAULT_SETTINGS.reconnectIntervalMax,
  'script.variables': SCRIPT_SETTING_DEFAULTS.variables,
  'script.defaultTimeout': SCRIPT_SETTING_DEFAULTS.defaultTimeout,
  'script.envFile': SCRIPT_SETTING_DEFAULTS.envFile,
} as const;

/** The smallest and largest traffic buffer accepted. */
export const BUFFER_SIZE_MIN = 100;
export const BUFFER_SIZE_MAX = 1_000_000;

function integer(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.trunc(value))) : fallback;
}

/** The session settings from a configuration reader; anything out of range is clamped or defaulted. */
export function readSessionSettings(get: (key: string) => unknown): SessionSettings {
  const view = get('defaultView');
  return {
    bufferSize: integer(get('bufferSize'), SETTING_DEFAULTS.bufferSize, BUFFER_SIZE_MIN, BUFFER_SIZE_MAX),
    defaultView: view === 'utf8' ? 'utf8' : 'hex',
    heartbeatInterval: integer(get('heartbeat.interval'), SETTING_DEFAULTS['heartbeat.interval'], 0, 2 ** 31 - 1),
    heartbeatTimeout: integer(get('heartbeat.timeout'), SETTING_DEFAULTS['heartbeat.timeout'], -1, 2 ** 31 - 1),
    reconnectInterval: integer(get('reconnect.interval'), SETTING_DEFAULTS['reconnect.interval'], -1, 2 ** 31 - 1),
    reconnectIntervalMax: integer(get('reconnect.max'), SETTING_DEFAULTS['reconnect.max'], 0, 2 ** 31 - 1),
  };
}

/** The default endpoint setting, or the built-in default. */
export function readDefaultEndpoint(get: (key: string) => unknown): string {
  const value = get('defaultEndpoint');
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : SETTING_DEFAULTS.defaultEndpoint;
}

