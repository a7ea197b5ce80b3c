/**
 * Validating endpoints as the user types them, and the recent-endpoints list. No vscode import:
 * the input box calls {@link validateEndpointInput} and shows its message; globalState keeps the
 * list that {@link rememberEndpoint} returns.
 */
import { isZmqError, parseEndpoint } from '../core/index';
import { ERROR_EXPLANATIONS } from './error-explanations';

/** How many endpoints the recent list keeps. */
export const RECENT_ENDPOINTS_MAX = 10;

/** The globalState key of the recent list. */
export const RECENT_ENDPOINTS_KEY = 'zmqPeer.recentEndpoints';

/**
 * Checks an endpoint with the core's parser. Returns undefined when valid, otherwise the text to
 * show under the input box: the code, the core's message and what it means.
 */
export function validateEndpointInput(text: string, role: 'bind' | 'connect'): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter an endpoint, e.g. tcp://127.0.0.1:5555';
  try {
    parseEndpoint(trimmed, role);
    return undefined;
  } catch (err) {
    if (isZmqError(err)) return `${err.code}: ${err.message}. ${ERROR_EXPLANATIONS[err.code]}`;
    return err instanceof Error ? err.message : String(err);
  }
}

/** The recent list with `endpoint` moved to the front, without duplicates, at most `max` long. */
export function rememberEndpoint(recent: readonly string[], endpoint: string, max = RECENT_ENDPOINTS_MAX): string[] {
  return [endpoint, ...recent.filter((e) => e !== endpoint)].slice(0, max);
}

/** Reads a stored recent list defensively (globalState may hold anything). */
export function readRecentEndpoints(stored: unknown): string[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter((e): e is string => typeof e === 'string').slice(0, RECENT_ENDPOINTS_MAX);
}
