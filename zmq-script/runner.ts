/**
 * Runs a script's scenarios against real sockets, one scenario after another, each with fresh
 * sockets that are closed when it ends, however it ends.
 *
 * The runner takes the script as its caller already parsed and checked it ({@link CheckedScript}):
 * the editor and the CLI parse and check to show diagnostics anyway, so a run reads the text
 * once. {@link runSource} and {@link runFile} do both for callers that have only the text.
 *
 * A scenario holding an error of the checks does not run: it fails with that diagnostic (a run
 * would meet the same error, later and less clearly). A step that fails ends its scenario; the
 * next scenario still runs. Nothing here throws for a failing script: the result says what failed.
 * What each step does is steps.ts's; here are the order of steps, `repeat`, and the results.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isZmqError, Peer, type Context, type PeerOptions } from '../core/index';
import type { RepeatStep, Scenario, Script, Step, Template } from './ast';
import { DEFAULT_COUNTER, IMPLICIT_SOCKET } from './ast';
import { checkScript } from './checks';
import { SCRIPT_CODES, type Diagnostic } from './diagnostics';
import { DEFAULT_TIMEOUT_MS, parseDuration } from './duration';
import { parseScript, sourceLines } from './parser';
import { RUN_CODES, type RunEvent, type ScenarioResult, type ScriptResult, type StepResult } from './results';
import { ScriptStepError } from './script-error';
import { ScriptSocket, type ScriptSocketHandle } from './script-socket';
import { SCRIPT_SOCKET_DEFAULTS } from './socket-options';
import { runStep, type NamedPeer, type StepRun } from './steps';
import { expand, UndefinedVariableError } from './template';
import { Variables } from './variables';

export type { ScriptSocketHandle } from './script-socket';

/** What a socket factory is asked for. */
export interface SocketRequest {
  /** The scenario that wants it. */
  readonly scenario: string;
  /** The socket's name in the script. */
  readonly name: string;
  /** The options written on its `socket` line, checked, over the runner's defaults. */
  readonly options: PeerOptions;
}

/** Makes the sockets a scenario uses (the editor's makes them in its debug session, so the traffic shows). */
export type SocketFactory = (request: SocketRequest) => ScriptSocketHandle;

/** How a run goes. */
export interface RunOptions {
  /** The script's path: file payloads and the result refer to it. */
  readonly file?: string;
  /** Where `file` payloads are found; default the script's folder, else the working directory. */
  readonly baseDir?: string;
  /** The variables; default the file's own. */
  readonly variables?: Variables;
  /** The scenarios to run, by name; default all. */
  readonly scenarios?: readonly string[];
  /** Default: `new Peer(options)`, closed with `close()`. */
  readonly createSocket?: SocketFactory;
  /** The core context for the default factory's sockets. */
  readonly context?: Context;
  /** Aborting ends the current step as cancelled and runs no further scenario. */
  readonly signal?: AbortSignal;
  /** The default `within` of wait, accept and expect, ms (a scenario's `timeout` step changes it). Default 5000. */
  readonly defaultTimeout?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

export { DEFAULT_TIMEOUT_MS } from './duration';

export { SCRIPT_SOCKET_DEFAULTS } from './socket-options';

/** A script as its caller parsed and checked it: what {@link runScript} runs. */
export interface CheckedScript {
  readonly script: Script;
  /** The source's lines ({@link sourceLines}): each step's result quotes its own. */
  readonly lines: readonly string[];
  /**
   * What `checkScript` found, with the variables the run will have (`RunOptions.variables`).
   * Its errors keep their scenarios from running; the rest is not looked at.
   */
  readonly diagnostics: readonly Diagnostic[];
}

function defaultFactory(context: Context | undefined): SocketFactory {
  return ({ options }) => {
    const socket = new Peer({ ...options, ...(context ? { context } : {}) });
    return { socket, close: () => socket.close() };
  };
}

/** Reads, parses, checks and runs a script file. */
export async function runFile(file: string, options: Omit<RunOptions, 'file'> = {}): Promise<ScriptResult> {
  return runSource(await readFile(file, 'utf8'), { ...options, file });
}

/** Parses, checks and runs a script's source. */
export function runSource(source: string, options: RunOptions = {}): Promise<ScriptResult> {
  const script = parseScript(source);
  const variables = options.variables ?? new Variables(script);
  return runScript({ script, lines: sourceLines(source), diagnostics: checkScript(script, { variables }) }, { ...options, variables });
}

/** Runs a script that was parsed and checked (see {@link CheckedScript}). */
export async function runScript({ script, lines, diagnostics }: CheckedScript, options: RunOptions = {}): Promise<ScriptResult> {
  const started = Date.now();
  const variables = options.variables ?? new Variables(script);
  const baseDir = options.baseDir ?? (options.file ? dirname(options.file) : process.cwd());
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const wanted = options.scenarios ? new Set(options.scenarios) : undefined;
  const results: ScenarioResult[] = [];
  for (const scenario of script.scenarios) {
    if (wanted && !wanted.has(scenario.name.text)) continue;
    if (options.signal?.aborted) {
      // Not started, but reported, so that a view following the events marks it as skipped.
      const cancelled: ScenarioResult = { name: scenario.name.text, line: scenario.startLine, status: 'cancelled', durationMs: 0, steps: [] };
      results.push(cancelled);
      options.onEvent?.({ type: 'scenarioFinished', scenario: scenario.name.text, result: cancelled });
      continue;
    }
    options.onEvent?.({ type: 'scenarioStarted', scenario: scenario.name.text, line: scenario.startLine });
    const blocking = errors.filter((d) => isOutsideScenarios(d, script.scenarios) || (d.span.line >= scenario.startLine && d.span.line <= scenario.endLine));
    const result =
      blocking.length > 0
        ? notRun(scenario, blocking[0], lines)
        : await new ScenarioRun(scenario, lines, variables, baseDir, options).run();
    results.push(result);
    options.onEvent?.({ type: 'scenarioFinished', scenario: scenario.name.text, result });
  }
  return {
    ...(options.file ? { file: options.file } : {}),
    scenarios: results,
    passed: results.length > 0 && results.every((r) => r.status === 'passed'),
    durationMs: Date.now() - started,
    diagnostics: errors,
  };
}

function isOutsideScenarios(d: Diagnostic, scenarios: readonly Scenario[]): boolean {
  return !scenarios.some((s) => d.span.line >= s.startLine && d.span.line <= s.endLine);
}

function notRun(scenario: Scenario, error: Diagnostic, lines: readonly string[]): ScenarioResult {
  const failure: StepResult = {
    line: error.span.line,
    text: (lines[error.span.line] ?? '').trim(),
    status: 'failed',
    durationMs: 0,
    message: `not run: line ${error.span.line + 1}: ${error.message}`,
    code: error.code,
  };
  return { name: scenario.name.text, line: scenario.startLine, status: 'failed', durationMs: 0, steps: [], failure };
}

/** A step's outcome: its own result and, when it or a step inside it failed, the failed step. */
interface Outcome {
  readonly top: StepResult;
  readonly failure?: StepResult;
}

/** One scenario's run: its sockets, peers and runtime variables, and the order of its steps. */
class ScenarioRun implements StepRun {
  readonly #sockets = new Map<string, ScriptSocket>();
  readonly #peers = new Map<string, NamedPeer>();
  readonly #runtime = new Map<string, string>();
  readonly #factory: SocketFactory;
  readonly #iteration: number[] = [];
  timeout: number;

  constructor(
    readonly scenario: Scenario,
    readonly lines: readonly string[],
    readonly variables: Variables,
    readonly baseDir: string,
    readonly options: RunOptions,
  ) {
    this.#factory = options.createSocket ?? defaultFactory(options.context);
    this.timeout = options.defaultTimeout ?? DEFAULT_TIMEOUT_MS;
  }

  get name(): string {
    return this.scenario.name.text;
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  async run(): Promise<ScenarioResult> {
    const started = Date.now();
    const steps: StepResult[] = [];
    let failure: StepResult | undefined;
    try {
      for (const step of this.scenario.steps) {
        const result = await this.#runStep(step);
        steps.push(result.top);
        if (result.failure) {
          failure = result.failure;
          break;
        }
      }
    } finally {
      await this.#closeAll();
    }
    const cancelled = failure?.code === RUN_CODES.ZMQS_CANCELLED;
    return {
      name: this.name,
      line: this.scenario.startLine,
      status: failure ? (cancelled ? 'cancelled' : 'failed') : 'passed',
      durationMs: Date.now() - started,
      steps,
      ...(failure ? { failure } : {}),
    };
  }

  /** Runs one step; for a repeat, its iterations. Reports each finished top-level step. */
  async #runStep(step: Step): Promise<Outcome> {
    const started = Date.now();
    // The step as written, without its indentation or trailing comment.
    const text = (this.lines[step.line] ?? '').slice(step.span.start, step.span.end);
    let outcome: Outcome;
    if (step.kind === 'repeat') {
      outcome = await this.#repeat(step, text, started);
    } else {
      try {
        await runStep(this, step);
        outcome = { top: this.#result(step.line, text, started) };
      } catch (err) {
        const failed = this.#failed(step.line, text, started, err);
        outcome = { top: failed, failure: failed };
      }
    }
    if (this.#iteration.length === 0) this.options.onEvent?.({ type: 'stepFinished', scenario: this.name, step: outcome.top });
    return outcome;
  }

  async #repeat(step: RepeatStep, text: string, started: number): Promise<Outcome> {
    let count: number;
    try {
      const written = this.expand(step.count);
      if (!/^\d+$/.test(written.trim())) throw new ScriptStepError(`"${written}" is not a repeat count`, SCRIPT_CODES.ZMQS_BAD_NUMBER);
      count = Number(written);
    } catch (err) {
      const failed = this.#failed(step.line, text, started, err);
      return { top: failed, failure: failed };
    }
    const counter = step.counter?.text ?? DEFAULT_COUNTER;
    const outer = this.#runtime.get(counter);
    try {
      for (let i = 0; i < count; i++) {
        this.#runtime.set(counter, String(i));
        this.#iteration.push(i);
        try {
          for (const inner of step.steps) {
            const result = await this.#runStep(inner);
            if (result.failure) {
              const top = this.#result(step.line, text, started, `failed in iteration ${i} of ${count}: ${result.failure.message}`);
              return { top: { ...top, status: 'failed' }, failure: result.failure };
            }
          }
        } finally {
          this.#iteration.pop();
        }
      }
    } finally {
      if (outer === undefined) this.#runtime.delete(counter);
      else this.#runtime.set(counter, outer);
    }
    return { top: this.#result(step.line, text, started, `${count} iteration${count === 1 ? '' : 's'}`) };
  }

  #result(line: number, text: string, started: number, message?: string): StepResult {
    return {
      line,
      text,
      status: 'passed',
      durationMs: Date.now() - started,
      ...(message ? { message } : {}),
      ...(this.#iteration.length > 0 ? { iteration: [...this.#iteration] } : {}),
    };
  }

  #failed(line: number, text: string, started: number, err: unknown): StepResult {
    let message: string;
    let code: string | undefined;
    let expected: string | undefined;
    let actual: string | undefined;
    if (err instanceof ScriptStepError) {
      ({ message, code, expected, actual } = err);
    } else if (isZmqError(err)) {
      message = `${err.code}: ${err.message}`;
      code = err.code;
    } else if (err instanceof UndefinedVariableError) {
      message = err.message;
      code = err.code;
    } else {
      message = err instanceof Error ? err.message : String(err);
      code = (err as { code?: unknown } | null)?.code !== undefined ? String((err as { code: unknown }).code) : undefined;
    }
    return {
      line,
      text,
      status: 'failed',
      durationMs: Date.now() - started,
      message,
      ...(code !== undefined ? { code } : {}),
      ...(expected !== undefined ? { expected } : {}),
      ...(actual !== undefined ? { actual } : {}),
      ...(this.#iteration.length > 0 ? { iteration: [...this.#iteration] } : {}),
    };
  }

  // StepRun: what the step handlers of steps.ts use.

  #lookup = (name: string): string | undefined => this.#runtime.get(name) ?? this.variables.get(name);

  expand(template: Template): string {
    return expand(template.text, this.#lookup);
  }

  duration(template: Template | undefined): number {
    if (!template) return this.timeout;
    const text = this.expand(template);
    const ms = parseDuration(text);
    if (ms === undefined) throw new ScriptStepError(`"${text}" is not a duration`, SCRIPT_CODES.ZMQS_BAD_NUMBER);
    return ms;
  }

  setVariable(name: string, value: string): void {
    this.#runtime.set(name, value);
  }

  socket(name: string | undefined, create = true): ScriptSocket {
    const socketName = name ?? IMPLICIT_SOCKET;
    const existing = this.#sockets.get(socketName);
    if (existing) {
      if (existing.closed) throw new ScriptStepError(`socket "${socketName}" is closed`, 'ENOTSOCK');
      return existing;
    }
    if (!create) throw new ScriptStepError(`undefined socket "${socketName}"`, SCRIPT_CODES.ZMQS_UNDEFINED_NAME);
    return this.openSocket(socketName, {});
  }

  hasSocket(name: string): boolean {
    return this.#sockets.has(name);
  }

  openSocket(name: string, options: PeerOptions): ScriptSocket {
    const handle = this.#factory({ scenario: this.name, name, options: { ...SCRIPT_SOCKET_DEFAULTS, ...options } });
    const socket = new ScriptSocket(name, handle);
    this.#sockets.set(name, socket);
    return socket;
  }

  peer(name: string): NamedPeer {
    const peer = this.#peers.get(name);
    if (!peer) throw new ScriptStepError(`undefined peer "${name}"`, SCRIPT_CODES.ZMQS_UNDEFINED_NAME);
    return peer;
  }

  namedPeers(): Iterable<NamedPeer> {
    return this.#peers.values();
  }

  namePeer(name: string, socket: ScriptSocket, routingId: number): void {
    this.#peers.set(name, { name, socket, routingId });
    this.#runtime.set(`${name}.routingId`, String(routingId));
  }

  async #closeAll(): Promise<void> {
    await Promise.all([...this.#sockets.values()].map((s) => s.close().catch(() => undefined)));
  }
}
