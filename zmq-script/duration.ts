/** Durations in scripts: `250ms`, `2s`, `1.5s`, `1m`, or a bare number of milliseconds. */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60000 };

/** The longest duration a script may ask for: 24 hours, far past any sane test. */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/** Milliseconds of a duration text, or undefined when it is not one (or longer than {@link MAX_DURATION_MS}). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']);
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** A duration for people: `250 ms`, `2 s`, `1.5 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(3)} s`;
}

/** The `within` of wait, accept and expect when neither the step nor a `timeout` step says, ms. */
export const DEFAULT_TIMEOUT_MS = 5000;
