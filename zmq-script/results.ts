/** What a script run reports: per scenario, per step, and the events a live view follows. */
import type { Diagnostic } from './diagnostics';

/** The codes of steps that failed at run time for the script's own reasons (docs/errors.md). */
export const RUN_CODES = {
  /** No frame, handshake, disconnect or accepted peer within the step's `within`. */
  ZMQS_TIMEOUT: 'ZMQS_TIMEOUT',
  /** The frame an `expect` took is not the one expected. */
  ZMQS_MISMATCH: 'ZMQS_MISMATCH',
  /** The run was stopped while the step ran. */
  ZMQS_CANCELLED: 'ZMQS_CANCELLED',
} as const;

export type StepStatus = 'passed' | 'failed';
export type ScenarioStatus = 'passed' | 'failed' | 'cancelled';

/** One step's outcome. */
export interface StepResult {
  /** 0-based line of the step. */
  readonly line: number;
  /** The step as written. */
  readonly text: string;
  readonly status: StepStatus;
  readonly durationMs: number;
  /** Why it failed, in a sentence. */
  readonly message?: string;
  /** The two sides of a mismatch, rendered alike (for a diff view). */
  readonly expected?: string;
  readonly actual?: string;
  /** The errno code, when a core call failed (EHOSTUNREACH, EAGAIN …) or the script's own code. */
  readonly code?: string;
  /** The repeat counters' values when the step ran inside repeats, outermost first. */
  readonly iteration?: readonly number[];
}

/** One scenario's outcome. */
export interface ScenarioResult {
  readonly name: string;
  /** 0-based line of `scenario`. */
  readonly line: number;
  readonly status: ScenarioStatus;
  readonly durationMs: number;
  /** The top-level steps that ran (a repeat counts as one; a failure inside it is reported as itself). */
  readonly steps: readonly StepResult[];
  /** The failed step (or the diagnostic that kept the scenario from running). */
  readonly failure?: StepResult;
}

/** A whole run of one script. */
export interface ScriptResult {
  /** The script's path, when it was read from a file. */
  readonly file?: string;
  readonly scenarios: readonly ScenarioResult[];
  readonly passed: boolean;
  readonly durationMs: number;
  /** The errors of the checks; scenarios that hold one did not run. */
  readonly diagnostics: readonly Diagnostic[];
}

/** What the runner tells as it goes. */
export type RunEvent =
  | { readonly type: 'scenarioStarted'; readonly scenario: string; readonly line: number }
  | { readonly type: 'stepFinished'; readonly scenario: string; readonly step: StepResult }
  | { readonly type: 'scenarioFinished'; readonly scenario: string; readonly result: ScenarioResult };
