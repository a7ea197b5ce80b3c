/**
 * Validating endpoints as the user types them, the recent-endpoints list, and the items of the
 * quick pick that offers both. No vscode import: the input box calls {@link validateEndpointInput}
 * and shows its message, the quick pick shows {@link endpointPickItems}; globalState keeps the list
 * that {@link rememberEndpoint} returns.
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

/** One row of the endpoint quick pick. */
export interface EndpointPickItem {
  readonly label: string;
  readonly description?: string;
  /** The problem with a typed endpoint, shown under it; absent when it is valid. */
  readonly detail?: string;
  /** Shown whatever the quick pick's own filtering thinks of the typed text. */
  readonly alwaysShow?: boolean;
  readonly endpoint: string;
  /** `typed`: what the user typed (first, when it is not a recent one); `recent`: a recent endpoint. */
  readonly source: 'typed' | 'recent';
}

/**
 * The quick pick's rows for what is typed so far: the typed endpoint itself first (checked, with its
 * problem under it), then the recent endpoints. Typing a new endpoint and pressing Enter therefore
 * picks it; the quick pick never answers "0 results" to a valid endpoint.
 */
export function endpointPickItems(recent: readonly string[], typed: string, role: 'bind' | 'connect'): EndpointPickItem[] {
  const text = typed.trim();
  const recents: EndpointPickItem[] = recent.map((endpoint) => ({ label: endpoint, description: 'recent', endpoint, source: 'recent' }));
  if (text === '' || recent.includes(text)) return recents;
  const problem = validateEndpointInput(text, role);
  const typedItem: EndpointPickItem = problem === undefined
    ? { label: text, description: role === 'connect' ? 'Connect to this endpoint' : 'Bind to this endpoint', alwaysShow: true, endpoint: text, source: 'typed' }
    : { label: text, description: 'not a valid endpoint', detail: problem, alwaysShow: true, endpoint: text, source: 'typed' };
  return [typedItem, ...recents];
}
