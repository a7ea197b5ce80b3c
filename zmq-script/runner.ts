/**
 * Runs a script's scenarios against real sockets, one scenario after another, each with fresh
 * sockets that are closed when it ends, however it ends.
 *
 * A scenario holding an error of the checks does not run: it fails with that diagnostic (a run
 * would meet the same error, later and less clearly). A step that fails ends its scenario; the
 * next scenario still runs. Nothing here throws for a failing script: the result says what failed.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { isZmqError, Peer, type Context, type PeerOptions } from '../core/index';
import type { Matcher, Scenario, Step, Template } from './ast';
import { DEFAULT_COUNTER, IMPLICIT_SOCKET } from './ast';
import { checkScript } from './checks';
import { SCRIPT_CODES, type Diagnostic } from './diagnostics';
import { DEFAULT_TIMEOUT_MS, formatDuration, parseDuration } from './duration';
import { matchBytes, matchJson, matchJsonSubset, matchRegex, type MatchResult } from './matchers';
import { parseScript } from './parser';
import { decodePayload } from './payload';
import { RUN_CODES, type RunEvent, type ScenarioResult, type ScriptResult, type StepResult } from './results';
import { ScriptStepError } from './script-error';
import { ScriptSocket, type ScriptSocketHandle } from './script-socket';
import { isOptionName, optionValue, SCRIPT_SOCKET_DEFAULTS } from './socket-options';
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

/** Largest `file` payload read, bytes. */
export const MAX_FILE_PAYLOAD = 64 * 1024 * 1024;

function defaultFactory(context: Context | undefined): SocketFactory {
  return ({ options }) => {
    const socket = new Peer({ ...options, ...(context ? { context } : {}) });
    return { socket, close: () => socket.close() };
  };
}

/** Reads, checks and runs a script file. */
export async function runFile(file: string, options: Omit<RunOptions, 'file'> = {}): Promise<ScriptResult> {
  return runScript(await readFile(file, 'utf8'), { ...options, file });
}

/** Checks and runs a script's source. */
export async function runScript(source: string, options: RunOptions = {}): Promise<ScriptResult> {
  const started = Date.now();
  const script = parseScript(source);
  const variables = options.variables ?? new Variables(script);
  const baseDir = options.baseDir ?? (options.file ? dirname(options.file) : process.cwd());
  const errors = checkScript(script, { variables }).filter((d) => d.severity === 'error');
  const lines = source.split(/\r\n|\r|\n/);
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

interface NamedPeer {
  readonly socket: ScriptSocket;
  readonly routingId: number;
}

/** One scenario's run: its sockets, peers and runtime variables. */
class ScenarioRun {
  readonly #sockets = new Map<string, ScriptSocket>();
  readonly #peers = new Map<string, NamedPeer>();
  readonly #runtime = new Map<string, string>();
  readonly #factory: SocketFactory;
  readonly #iteration: number[] = [];
  #timeout: number;

  constructor(
    readonly scenario: Scenario,
    readonly lines: readonly string[],
    readonly variables: Variables,
    readonly baseDir: string,
    readonly options: RunOptions,
  ) {
    this.#factory = options.createSocket ?? defaultFactory(options.context);
    this.#timeout = options.defaultTimeout ?? DEFAULT_TIMEOUT_MS;
  }

  get name(): string {
    return this.scenario.name.text;
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
  async #runStep(step: Step): Promise<{ top: StepResult; failure?: StepResult }> {
    const started = Date.now();
    // The step as written, without its indentation or trailing comment.
    const text = (this.lines[step.line] ?? '').slice(step.span.start, step.span.end);
    let outcome: { top: StepResult; failure?: StepResult };
    if (step.kind === 'repeat') {
      outcome = await this.#repeat(step, text, started);
    } else {
      try {
        await this.#execute(step);
        outcome = { top: this.#result(step.line, text, started) };
      } catch (err) {
        const failed = this.#failed(step.line, text, started, err);
        outcome = { top: failed, failure: failed };
      }
    }
    if (this.#iteration.length === 0) this.options.onEvent?.({ type: 'stepFinished', scenario: this.name, step: outcome.top });
    return outcome;
  }

  async #repeat(step: Extract<Step, { kind: 'repeat' }>, text: string, started: number): Promise<{ top: StepResult; failure?: StepResult }> {
    let count: number;
    try {
      const written = this.#expand(step.count);
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

  #lookup = (name: string): string | undefined => this.#runtime.get(name) ?? this.variables.get(name);

  #expand(template: Template): string {
    return expand(template.text, this.#lookup);
  }

  #duration(template: Template | undefined): number {
    if (!template) return this.#timeout;
    const text = this.#expand(template);
    const ms = parseDuration(text);
    if (ms === undefined) throw new ScriptStepError(`"${text}" is not a duration`, SCRIPT_CODES.ZMQS_BAD_NUMBER);
    return ms;
  }

  #socket(name: string | undefined, create = true): ScriptSocket {
    const socketName = name ?? IMPLICIT_SOCKET;
    const existing = this.#sockets.get(socketName);
    if (existing) {
      if (existing.closed) throw new ScriptStepError(`socket "${socketName}" is closed`, 'ENOTSOCK');
      return existing;
    }
    if (!create) throw new ScriptStepError(`undefined socket "${socketName}"`, SCRIPT_CODES.ZMQS_UNDEFINED_NAME);
    return this.#open(socketName, {});
  }

  #open(name: string, options: PeerOptions): ScriptSocket {
    const handle = this.#factory({ scenario: this.name, name, options: { ...SCRIPT_SOCKET_DEFAULTS, ...options } });
    const socket = new ScriptSocket(name, handle);
    this.#sockets.set(name, socket);
    return socket;
  }

  #peer(name: string): NamedPeer {
    const peer = this.#peers.get(name);
    if (!peer) throw new ScriptStepError(`undefined peer "${name}"`, SCRIPT_CODES.ZMQS_UNDEFINED_NAME);
    return peer;
  }

  #describePeer(name: string, peer: NamedPeer): string {
    return `peer "${name}" (routing id ${peer.routingId})`;
  }

  async #execute(step: Exclude<Step, { kind: 'repeat' }>): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) throw new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED);
    switch (step.kind) {
      case 'socket': {
        if (this.#sockets.has(step.socket.text)) throw new ScriptStepError(`socket "${step.socket.text}" already exists`, SCRIPT_CODES.ZMQS_DUPLICATE);
        const options: Record<string, unknown> = {};
        for (const setting of step.options) {
          if (!isOptionName(setting.name.text)) throw new ScriptStepError(`unknown socket option "${setting.name.text}"`, SCRIPT_CODES.ZMQS_UNKNOWN_OPTION);
          options[setting.name.text] = optionValue(setting.name.text, this.#expand(setting.value));
        }
        this.#open(step.socket.text, options as PeerOptions);
        return;
      }
      case 'bind': {
        const socket = this.#socket(step.socket?.text);
        const bound = await socket.socket.bind(this.#expand(step.endpoint));
        this.#runtime.set(`${socket.name}.endpoint`, bound);
        return;
      }
      case 'connect': {
        const socket = this.#socket(step.socket?.text);
        const routingId = socket.socket.connectPeer(this.#expand(step.endpoint));
        this.#peers.set(step.peer.text, { socket, routingId });
        this.#runtime.set(`${step.peer.text}.routingId`, String(routingId));
        return;
      }
      case 'accept': {
        const socket = this.#socket(step.socket?.text);
        const timeout = this.#duration(step.within);
        const named = new Set([...this.#peers.values()].filter((p) => p.socket === socket).map((p) => p.routingId));
        const routingId = await socket.waitConnection(
          () => {
            const fresh = socket.socket.connections().filter((c) => c.role === 'bind' && c.state === 'ACTIVE' && c.routingId !== undefined && !named.has(c.routingId));
            return fresh.length > 0 ? fresh.sort((a, b) => a.id - b.id)[0].routingId : undefined;
          },
          timeout,
          signal,
          () => new ScriptStepError(`no peer completed a handshake with socket "${socket.name}" (${socket.socket.boundEndpoints.join(', ') || 'not bound'}) within ${formatDuration(timeout)}`, RUN_CODES.ZMQS_TIMEOUT),
        );
        this.#peers.set(step.peer.text, { socket, routingId });
        this.#runtime.set(`${step.peer.text}.routingId`, String(routingId));
        return;
      }
      case 'wait': {
        const peer = this.#peer(step.peer.text);
        const timeout = this.#duration(step.within);
        const wanted = step.condition;
        await peer.socket.waitConnection(
          () => {
            const info = peer.socket.connectionOf(peer.routingId);
            const active = info?.state === 'ACTIVE';
            return (wanted === 'connected') === active ? true : undefined;
          },
          timeout,
          signal,
          () => {
            const info = peer.socket.connectionOf(peer.routingId);
            const state = info ? `its connection is ${info.state}${info.lastError ? ` (last error: ${info.lastError})` : ''}` : 'it has no connection';
            const what = wanted === 'connected' ? 'did not complete its handshake' : 'did not disconnect';
            return new ScriptStepError(`${this.#describePeer(step.peer.text, peer)} ${what} within ${formatDuration(timeout)}: ${state}`, RUN_CODES.ZMQS_TIMEOUT);
          },
        );
        return;
      }
      case 'send': {
        const peer = this.#peer(step.peer.text);
        const bytes = await this.#payloadBytes(step.payload.format, step.payload.value);
        await abortable(peer.socket.socket.send(peer.routingId, bytes), signal);
        return;
      }
      case 'expect': {
        const peer = this.#peer(step.peer.text);
        const timeout = this.#duration(step.within);
        // Resolve what is expected first, so that a bad value fails before a frame is taken.
        const check = await this.#matcher(step.matcher);
        const frame = await peer.socket.nextFrame(peer.routingId, timeout, signal, () => {
          const info = peer.socket.connectionOf(peer.routingId);
          const state = info ? `; its connection is ${info.state}${info.lastError ? ` (last error: ${info.lastError})` : ''}` : '; it has no connection';
          return `no frame from ${this.#describePeer(step.peer.text, peer)} within ${formatDuration(timeout)}${state}`;
        });
        const result = check(frame);
        if (!result.ok) throw new ScriptStepError(`${result.message}`, RUN_CODES.ZMQS_MISMATCH, result.expected, result.actual);
        return;
      }
      case 'sleep': {
        const ms = this.#duration(step.duration);
        await sleep(ms, signal);
        return;
      }
      case 'timeout':
        this.#timeout = this.#duration(step.duration);
        return;
      case 'disconnect': {
        if (step.peer) {
          const peer = this.#peer(step.peer.text);
          peer.socket.socket.disconnectPeer(peer.routingId);
          return;
        }
        this.#socket(step.socket?.text, false).socket.disconnect(this.#expand(step.endpoint!));
        return;
      }
      case 'close': {
        const socket = this.#socket(step.socket?.text, false);
        await socket.close();
        return;
      }
    }
  }

  async #payloadBytes(format: 'text' | 'hex' | 'base64' | 'json' | 'file', value: Template): Promise<Buffer> {
    const text = this.#expand(value);
    if (format !== 'file') {
      try {
        return decodePayload(format, text);
      } catch (err) {
        throw new ScriptStepError(err instanceof Error ? err.message : String(err), SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
      }
    }
    const path = isAbsolute(text) ? text : resolvePath(this.baseDir, text);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new ScriptStepError(`cannot read payload file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, SCRIPT_CODES.ZMQS_MISSING_FILE);
    }
    if (bytes.byteLength > MAX_FILE_PAYLOAD) throw new ScriptStepError(`payload file ${path} is larger than ${MAX_FILE_PAYLOAD} bytes`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
    return bytes;
  }

  async #matcher(matcher: Matcher): Promise<(frame: Buffer) => MatchResult> {
    switch (matcher.kind) {
      case 'any':
        return () => ({ ok: true });
      case 'matches': {
        const pattern = this.#expand(matcher.value!);
        let regex: RegExp;
        try {
          regex = new RegExp(pattern, matcher.flags);
        } catch (err) {
          throw new ScriptStepError(`invalid regular expression: ${err instanceof Error ? err.message : String(err)}`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
        }
        return (frame) => matchRegex(regex, frame);
      }
      case 'json':
      case 'json-subset': {
        const text = this.#expand(matcher.value!);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          throw new ScriptStepError(`Invalid JSON: ${err instanceof Error ? err.message : String(err)}`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
        }
        return matcher.kind === 'json' ? (frame) => matchJson(value, frame) : (frame) => matchJsonSubset(value, frame);
      }
      default: {
        const expected = await this.#payloadBytes(matcher.kind, matcher.value!);
        return (frame) => matchBytes(expected, frame);
      }
    }
  }

  async #closeAll(): Promise<void> {
    await Promise.all([...this.#sockets.values()].map((s) => s.close().catch(() => undefined)));
  }
}

/**
 * `promise`, or a cancellation when `signal` aborts first. A send waiting at the high-water mark
 * goes on waiting; closing the scenario's sockets then ends it with the close reason.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
