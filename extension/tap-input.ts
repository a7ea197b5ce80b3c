/**
 * Checking what "ZMQ: Start Tap" asks for, as the user types: where the tap listens, the upstream it
 * relays to (checked against the listen endpoint with the core tap's own rules: tcp:// and ipc://
 * mix, ws:// pairs with ws://, no inproc:// or wss://), and the policy for an upstream that is down.
 * No vscode import: the input boxes call these and show the text they return.
 */
import { isZmqError, Tap, type TapPolicy } from '../core/index';
import { validateEndpointInput } from './endpoint-input';
import { ERROR_EXPLANATIONS } from './error-explanations';

/** The listen endpoint the input box starts from: loopback, a free port. */
export const DEFAULT_TAP_LISTEN = 'tcp://127.0.0.1:*';

/** The policies, as the quick pick offers them (the default first). */
export const TAP_POLICY_ITEMS: readonly { readonly policy: TapPolicy; readonly label: string; readonly detail: string }[] = [
  { policy: 'mirror', label: 'mirror', detail: 'While the upstream refuses, the tap stops listening too: apps see ECONNREFUSED, as if they connected directly (default)' },
  { policy: 'hold', label: 'hold', detail: 'Accept apps and keep their greeting waiting while the upstream is down (up to 25 s), then close them' },
];

/** Why the tap cannot use one of its endpoints, or undefined when it can. */
function tapProblem(listen: string, upstream: string): string | undefined {
  try {
    // Constructing a tap checks its endpoints and opens nothing.
    void new Tap({ listen, upstream });
    return undefined;
  } catch (err) {
    if (isZmqError(err)) return `${err.code}: ${err.message}. ${ERROR_EXPLANATIONS[err.code] ?? ''}`.trim();
    return err instanceof Error ? err.message : String(err);
  }
}

/** The listen endpoint: a bind endpoint the tap can listen on. Undefined when valid, else what is wrong. */
export function validateTapListen(text: string): string | undefined {
  const problem = validateEndpointInput(text, 'bind');
  if (problem !== undefined) return problem;
  const listen = text.trim();
  // Checked against an upstream of the same family, so only the listen endpoint's own problems show.
  return tapProblem(listen, listen.startsWith('ws://') ? 'ws://127.0.0.1:1' : 'tcp://127.0.0.1:1');
}

/** The upstream endpoint, given the listen endpoint already chosen. Undefined when valid, else what is wrong. */
export function validateTapUpstream(text: string, listen: string): string | undefined {
  return validateEndpointInput(text, 'connect') ?? tapProblem(listen.trim(), text.trim());
}

/** A policy from a command's argument, checked (anything else: undefined, so the user is asked). */
export function tapPolicyOf(value: unknown): TapPolicy | undefined {
  return value === 'mirror' || value === 'hold' ? value : undefined;
}
