/**
 * Checking what "ZMQ: Start Tap" asks for, as the user types: where the tap listens, the upstream it
 * relays to (checked against the listen endpoint with the core tap's own rules: tcp:// and ipc://
 * mix, ws:// pairs with ws://, no inproc:// or wss://), the policy for an upstream that is down, and
 * the security step (relay as is, or terminate CURVE with two profiles).
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

/** The security step, as the quick pick offers it (relaying first: the default). */
export const TAP_SECURITY_ITEMS: readonly { readonly terminate: boolean; readonly label: string; readonly detail: string }[] = [
  { terminate: false, label: 'Relay as is', detail: 'Default: CURVE and PLAIN handshakes are named, contents stay encrypted' },
  { terminate: true, label: 'Terminate CURVE with my keys…', detail: 'Ends CURVE on both legs with the key pairs of two security profiles, and shows the traffic decrypted' },
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

/**
 * A command argument's `terminate`: `{ serverProfile, clientProfile }` (profile names) to terminate
 * CURVE, null for `null` or `false` (relay as is), undefined for anything else (absent: ask).
 */
export function terminateOf(value: unknown): { serverProfile: string; clientProfile: string } | null | undefined {
  if (value === null || value === false) return null;
  if (typeof value !== 'object' || value === undefined) return undefined;
  const { serverProfile, clientProfile } = value as Record<string, unknown>;
  return typeof serverProfile === 'string' && typeof clientProfile === 'string' ? { serverProfile, clientProfile } : undefined;
}

/** A policy from a command's argument, checked (anything else: undefined, so the user is asked). */
export function tapPolicyOf(value: unknown): TapPolicy | undefined {
  return value === 'mirror' || value === 'hold' ? value : undefined;
}
