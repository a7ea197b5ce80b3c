/**
 * How a step of a running scenario fails for the script's own reasons (a timeout, a mismatch, a
 * bad value): one error class that the runner turns into a failed step result, apart from the
 * core's `ZmqError`, which a refused socket call throws.
 */

/** A step that failed: its sentence, a code (errno or the script's own) and, for mismatches, both sides. */
export class ScriptStepError extends Error {
  override readonly name = 'ScriptStepError';
  constructor(
    message: string,
    readonly code: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message);
  }
}
