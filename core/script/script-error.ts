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
