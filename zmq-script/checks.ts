/**
 * The checks of a parsed script, run as the user types (language server) and before a run
 * (runner, CLI): every problem a run would meet that can be seen without a network.
 *
 * - endpoints through the core's own `parseEndpoint`, reported with its errno code and message;
 * - socket options through the core's own `checkOption` (EINVAL), `immediate` with a connect (EFAULT);
 * - multipart sends, which a PEER refuses with EINVAL;
 * - hex, base64 and JSON payloads, regexes, durations and counts, missing payload files;
 * - undefined variables, sockets and peers, and names defined twice;
 * - steps that can never run: after their socket was closed or their peer disconnected, or in `repeat 0`;
 * - secrets (plainPassword, curveSecretKey) written into the script or its settings rather than
 *   taken from `.env` or the environment (a warning).
 *
 * Never throws: any script gives a list of diagnostics.
 */
import { isZmqError, parseEndpoint, SECRET_OPTIONS, type SocketOptions } from '../core/index';
import type { Name, Scenario, Script, Step, Template } from './ast';
import { DEFAULT_COUNTER, IMPLICIT_SOCKET } from './ast';
import { diagnostic, SCRIPT_CODES, sortDiagnostics, type Diagnostic } from './diagnostics';
import { parseDuration } from './duration';
import { closest } from './parser';
import { decodePayload } from './payload';
import { isOptionName, OPTION_NAMES, optionValue } from './socket-options';
import type { Span } from './span';
import { hasReferences, references, UndefinedVariableError, expand } from './template';
import { Variables, VariableCycleError } from './variables';

/** What the checks may know about the world. */
export interface CheckOptions {
  /** The variables a run would have; without it, only the file's own. */
  readonly variables?: Variables;
  /** Whether a payload file exists (resolved by the caller against the script's folder); without it, files are not checked. */
  readonly fileExists?: (path: string) => boolean;
}

interface SocketState {
  readonly line: number;
  declared: boolean;
  immediate: boolean;
  bound: boolean;
  closedLine?: number;
}

interface PeerState {
  readonly socket: string;
  readonly line: number;
  disconnectedLine?: number;
}

/** A scenario's names as the checks walk its steps in order. */
class Scope {
  readonly sockets = new Map<string, SocketState>();
  readonly peers = new Map<string, PeerState>();
  /** Variables the steps define: SOCKET.endpoint, PEER.routingId, repeat counters. */
  readonly runtime = new Set<string>();

  /** A copy whose changes do not reach this scope (for steps that never run). */
  clone(): Scope {
    const copy = new Scope();
    for (const [name, state] of this.sockets) copy.sockets.set(name, { ...state });
    for (const [name, state] of this.peers) copy.peers.set(name, { ...state });
    for (const name of this.runtime) copy.runtime.add(name);
    return copy;
  }
}

/** All diagnostics of a script: the parser's and the checks', sorted by position. */
export function checkScript(script: Script, options: CheckOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [...script.diagnostics];
  const variables = options.variables ?? new Variables(script);
  try {
    checkFileVariables(script, variables, out);
    checkSecrets(script, variables, out);
    const names = new Map<string, number>();
    for (const scenario of script.scenarios) {
      const previous = names.get(scenario.name.text);
      if (previous !== undefined) {
        out.push(diagnostic(scenario.name.span, SCRIPT_CODES.ZMQS_DUPLICATE, `scenario "${scenario.name.text}" is already defined on line ${previous + 1}; names must be unique to be run on their own`));
      } else names.set(scenario.name.text, scenario.name.span.line);
      checkScenario(scenario, variables, options, out);
    }
  } catch (err) {
    // A check must never take the editor down; report where it failed instead.
    out.push(diagnostic({ line: 0, start: 0, end: 0 }, SCRIPT_CODES.ZMQS_SYNTAX, `internal error while checking: ${err instanceof Error ? err.message : String(err)}`));
  }
  return sortDiagnostics(out);
}

function checkFileVariables(script: Script, variables: Variables, out: Diagnostic[]): void {
  const seen = new Map<string, number>();
  for (const definition of script.variables) {
    const line = seen.get(definition.name.text);
    if (line !== undefined) {
      out.push(diagnostic(definition.name.span, SCRIPT_CODES.ZMQS_DUPLICATE, `@${definition.name.text} is already defined on line ${line + 1}; this later value wins`, 'warning'));
    }
    seen.set(definition.name.text, definition.name.span.line);
    // A definition a later one or a layer overrides is never read: its references do not matter.
    const winner = variables.describe(definition.name.text);
    if (winner?.source !== 'file' || winner.line !== definition.name.span.line) continue;
    for (const ref of references(definition.value)) {
      if (!variables.has(ref.name)) out.push(undefinedVariable(ref.span, ref.name, variables));
    }
    try {
      variables.get(definition.name.text);
    } catch (err) {
      if (err instanceof VariableCycleError) out.push(diagnostic(definition.name.span, SCRIPT_CODES.ZMQS_VARIABLE_CYCLE, err.message));
    }
  }
}

/** Every `socket` step of the script, in every scenario and repeat. */
function socketSteps(steps: readonly Step[]): Array<Extract<Step, { kind: 'socket' }>> {
  return steps.flatMap((step) => (step.kind === 'socket' ? [step] : step.kind === 'repeat' ? socketSteps(step.steps) : []));
}

/**
 * Warns where a secret option's value lives in the script or its settings: written out, or in a
 * `@name` line, or in `zmqPeer.script.variables` (settings are synced and shared, not secret
 * storage). `.env` (kept out of version control) and the environment are where secrets belong.
 */
function checkSecrets(script: Script, variables: Variables, out: Diagnostic[]): void {
  for (const step of script.scenarios.flatMap((scenario) => socketSteps(scenario.steps))) {
    for (const option of step.options) {
      if (!SECRET_OPTIONS.has(option.name.text as keyof SocketOptions)) continue;
      const name = option.name.text;
      const refs = references(option.value);
      const literal = expand(option.value.text, () => '');
      const advice = `keep secrets in .env (out of version control) or the environment and write ${name}={{NAME}}`;
      if (literal.trim() !== '') {
        out.push(diagnostic(option.value.span, SCRIPT_CODES.ZMQS_LITERAL_SECRET, `${name} is written into the script: ${advice}`, 'warning'));
        continue;
      }
      for (const ref of refs) {
        const own = script.variables.find((definition) => definition.name.text === ref.name);
        const where = variables.describe(ref.name)?.source;
        if (own) {
          out.push(diagnostic(ref.span, SCRIPT_CODES.ZMQS_LITERAL_SECRET, `{{${ref.name}}} gives ${name} the value of the script's own @${ref.name} line (line ${own.name.span.line + 1}): ${advice}`, 'warning'));
        } else if (where?.startsWith('settings')) {
          out.push(diagnostic(ref.span, SCRIPT_CODES.ZMQS_LITERAL_SECRET, `{{${ref.name}}} gives ${name} a value from the ${where}, which are not secret storage: ${advice}`, 'warning'));
        }
      }
    }
  }
}

function undefinedVariable(span: Span, name: string, variables: Variables, runtime: ReadonlySet<string> = new Set()): Diagnostic {
  // Suggest the script's own names, not every environment variable of the machine (PATH, HOME …).
  const own = variables.names().filter((n) => variables.describe(n)?.source !== 'environment');
  const suggestion = closest(name, [...own, ...runtime]);
  return diagnostic(
    span,
    SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE,
    `undefined variable {{${name}}}${suggestion ? ` (did you mean {{${suggestion}}}?)` : ''}: define it with @${name} = …, in .env, in the environment or in the settings`,
  );
}

/**
 * The template's text with every reference expanded, or undefined when a reference is only known
 * at run time (or is undefined, which is reported here).
 */
function resolve(template: Template, scope: Scope, variables: Variables, out: Diagnostic[]): string | undefined {
  let complete = true;
  for (const ref of references(template)) {
    if (scope.runtime.has(ref.name)) complete = false;
    else if (!variables.has(ref.name)) {
      out.push(undefinedVariable(ref.span, ref.name, variables, scope.runtime));
      complete = false;
    }
  }
  if (!complete) return undefined;
  try {
    return expand(template.text, (name) => variables.get(name));
  } catch (err) {
    if (err instanceof UndefinedVariableError || err instanceof VariableCycleError) return undefined;
    throw err;
  }
}

function checkScenario(scenario: Scenario, variables: Variables, options: CheckOptions, out: Diagnostic[]): void {
  if (scenario.steps.length === 0) {
    out.push(diagnostic(scenario.name.span, SCRIPT_CODES.ZMQS_EMPTY, `scenario "${scenario.name.text}" has no steps`, 'warning'));
  }
  const scope = new Scope();
  checkSteps(scenario.steps, scope, variables, options, out);
}

function checkSteps(steps: readonly Step[], scope: Scope, variables: Variables, options: CheckOptions, out: Diagnostic[]): void {
  for (const step of steps) checkStep(step, scope, variables, options, out);
}

/**
 * The socket a step runs on; declares the implicit one on first use, unless `create` is false (close
 * and disconnect ENDPOINT, as the runner does). Reports unknown or closed sockets.
 */
function useSocket(name: Name | undefined, step: Step, scope: Scope, out: Diagnostic[], create = true): SocketState | undefined {
  const socketName = name?.text ?? IMPLICIT_SOCKET;
  let socket = scope.sockets.get(socketName);
  if (!socket) {
    if (socketName !== IMPLICIT_SOCKET || !create) {
      const suggestion = closest(socketName, [...scope.sockets.keys()]);
      const fix = socketName === IMPLICIT_SOCKET && !name ? 'no step has used it yet' : `declare it first with socket ${socketName}`;
      out.push(diagnostic(name?.span ?? step.keyword, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, `undefined socket "${socketName}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: ${fix}`));
      return undefined;
    }
    socket = { line: step.line, declared: false, immediate: false, bound: false };
    scope.sockets.set(socketName, socket);
  }
  if (socket.closedLine !== undefined) {
    out.push(diagnostic(step.span, SCRIPT_CODES.ZMQS_UNREACHABLE, `socket "${socketName}" was closed on line ${socket.closedLine + 1}: this step can never run (ENOTSOCK)`));
    return undefined;
  }
  return socket;
}

/** The peer a step addresses; reports unknown, disconnected or closed ones. */
function usePeer(name: Name, step: Step, scope: Scope, out: Diagnostic[]): PeerState | undefined {
  const peer = scope.peers.get(name.text);
  if (!peer) {
    const suggestion = closest(name.text, [...scope.peers.keys()]);
    out.push(
      diagnostic(name.span, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, `undefined peer "${name.text}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: name one first with connect ENDPOINT as ${name.text} or accept ${name.text}`),
    );
    return undefined;
  }
  if (peer.disconnectedLine !== undefined) {
    out.push(diagnostic(step.span, SCRIPT_CODES.ZMQS_UNREACHABLE, `peer "${name.text}" was disconnected on line ${peer.disconnectedLine + 1}: its routing id is gone and this step can never run (EHOSTUNREACH)`));
    return undefined;
  }
  const socket = scope.sockets.get(peer.socket);
  if (socket?.closedLine !== undefined) {
    out.push(diagnostic(step.span, SCRIPT_CODES.ZMQS_UNREACHABLE, `socket "${peer.socket}" of peer "${name.text}" was closed on line ${socket.closedLine + 1}: this step can never run (ENOTSOCK)`));
    return undefined;
  }
  return peer;
}

function definePeer(name: Name, socket: string, scope: Scope, out: Diagnostic[]): void {
  const existing = scope.peers.get(name.text);
  // A disconnected peer's name is free again (connect … as it reconnects).
  if (existing && existing.disconnectedLine === undefined) {
    out.push(diagnostic(name.span, SCRIPT_CODES.ZMQS_DUPLICATE, `peer "${name.text}" is already named on line ${existing.line + 1}`));
    return;
  }
  scope.peers.set(name.text, { socket, line: name.span.line });
  scope.runtime.add(`${name.text}.routingId`);
}

function checkDuration(template: Template | undefined, scope: Scope, variables: Variables, out: Diagnostic[]): void {
  if (!template) return;
  const text = resolve(template, scope, variables, out);
  if (text !== undefined && parseDuration(text) === undefined) {
    out.push(diagnostic(template.span, SCRIPT_CODES.ZMQS_BAD_NUMBER, `"${text}" is not a duration: write 500ms, 2s, 1.5s, 1m or a number of milliseconds (at most 24 h)`));
  }
}

function checkEndpoint(template: Template, role: 'bind' | 'connect', scope: Scope, variables: Variables, out: Diagnostic[]): void {
  const text = resolve(template, scope, variables, out);
  if (text === undefined) return;
  try {
    parseEndpoint(text, role);
  } catch (err) {
    if (!isZmqError(err)) throw err;
    out.push(diagnostic(template.span, err.code, `${err.code}: ${err.message}${text !== template.text ? ` (${template.text} is ${text})` : ''}`));
  }
}

function checkStep(step: Step, scope: Scope, variables: Variables, options: CheckOptions, out: Diagnostic[]): void {
  switch (step.kind) {
    case 'socket': {
      const existing = scope.sockets.get(step.socket.text);
      if (existing) {
        out.push(
          diagnostic(
            step.socket.span,
            SCRIPT_CODES.ZMQS_DUPLICATE,
            existing.declared ? `socket "${step.socket.text}" is already declared on line ${existing.line + 1}` : `socket "${step.socket.text}" is already in use since line ${existing.line + 1}: declare it before its first use`,
          ),
        );
      }
      const state: SocketState = { line: step.line, declared: true, immediate: false, bound: false };
      for (const option of step.options) {
        if (!isOptionName(option.name.text)) {
          const suggestion = closest(option.name.text, OPTION_NAMES);
          out.push(diagnostic(option.name.span, SCRIPT_CODES.ZMQS_UNKNOWN_OPTION, `unknown socket option "${option.name.text}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`));
          continue;
        }
        const text = resolve(option.value, scope, variables, out);
        if (text === undefined) continue;
        try {
          const value = optionValue(option.name.text, text);
          if (option.name.text === 'immediate') state.immediate = value === true;
        } catch (err) {
          if (!isZmqError(err)) throw err;
          out.push(diagnostic(option.value.span, err.code, `${err.code}: ${err.message}`));
        }
      }
      if (!existing) scope.sockets.set(step.socket.text, state);
      return;
    }
    case 'bind': {
      const socket = useSocket(step.socket, step, scope, out);
      checkEndpoint(step.endpoint, 'bind', scope, variables, out);
      if (socket) socket.bound = true;
      scope.runtime.add(`${step.socket?.text ?? IMPLICIT_SOCKET}.endpoint`);
      return;
    }
    case 'connect': {
      const socket = useSocket(step.socket, step, scope, out);
      checkEndpoint(step.endpoint, 'connect', scope, variables, out);
      if (socket?.immediate) {
        out.push(diagnostic(step.keyword, 'EFAULT', `EFAULT: zmq_connect_peer refuses a socket with immediate=true (ZMQ_IMMEDIATE), as libzmq does`));
      }
      definePeer(step.peer, step.socket?.text ?? IMPLICIT_SOCKET, scope, out);
      return;
    }
    case 'accept': {
      const socket = useSocket(step.socket, step, scope, out);
      if (socket && !socket.bound) {
        out.push(
          diagnostic(step.keyword, SCRIPT_CODES.ZMQS_UNREACHABLE, `socket "${step.socket?.text ?? IMPLICIT_SOCKET}" has no bind before this accept: no peer can connect to it`, 'warning'),
        );
      }
      checkDuration(step.within, scope, variables, out);
      definePeer(step.peer, step.socket?.text ?? IMPLICIT_SOCKET, scope, out);
      return;
    }
    case 'wait':
      usePeer(step.peer, step, scope, out);
      checkDuration(step.within, scope, variables, out);
      return;
    case 'send': {
      usePeer(step.peer, step, scope, out);
      if (step.multipart) {
        out.push(diagnostic(step.multipart, 'EINVAL', 'EINVAL: a PEER socket sends single-frame messages only (ZMQ_SNDMORE is EINVAL on PEER): send one payload per step'));
      }
      checkPayload(step.payload.format, step.payload.value, scope, variables, options, out);
      return;
    }
    case 'expect': {
      usePeer(step.peer, step, scope, out);
      checkDuration(step.within, scope, variables, out);
      const { matcher } = step;
      if (matcher.kind === 'any' || !matcher.value) return;
      if (matcher.kind === 'matches') {
        const pattern = resolve(matcher.value, scope, variables, out);
        if (pattern === undefined) return;
        try {
          new RegExp(pattern, matcher.flags);
        } catch (err) {
          // The whole /pattern/flags: the flags may be what is wrong.
          const { span } = matcher.value;
          const whole = matcher.value.quoted ? span : { line: span.line, start: span.start - 1, end: span.end + 1 + (matcher.flags ?? '').length };
          out.push(diagnostic(whole, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`));
        }
        return;
      }
      checkPayload(matcher.kind === 'json-subset' ? 'json' : matcher.kind, matcher.value, scope, variables, options, out);
      return;
    }
    case 'sleep':
    case 'timeout':
      checkDuration(step.duration, scope, variables, out);
      return;
    case 'repeat': {
      const text = resolve(step.count, scope, variables, out);
      let count: number | undefined;
      if (text !== undefined) {
        count = /^\d+$/.test(text.trim()) ? Number(text) : undefined;
        if (count === undefined || count > 1_000_000) {
          out.push(diagnostic(step.count.span, SCRIPT_CODES.ZMQS_BAD_NUMBER, `"${text}" is not a repeat count: write a whole number from 0 to 1000000`));
        }
      }
      if (count === 0 && step.steps.length > 0) {
        const first = step.steps[0].span;
        out.push(diagnostic({ line: first.line, start: first.start, end: first.end }, SCRIPT_CODES.ZMQS_UNREACHABLE, 'repeat 0: the steps inside never run', 'warning'));
      }
      // The steps of a repeat 0 are still checked, but what they do (close, disconnect…) never happens.
      const inner = count === 0 ? scope.clone() : scope;
      const counter = step.counter?.text ?? DEFAULT_COUNTER;
      const hadCounter = inner.runtime.has(counter);
      inner.runtime.add(counter);
      checkSteps(step.steps, inner, variables, options, out);
      if (!hadCounter) inner.runtime.delete(counter);
      return;
    }
    case 'disconnect': {
      if (step.peer) {
        const peer = usePeer(step.peer, step, scope, out);
        if (peer) peer.disconnectedLine = step.line;
        return;
      }
      useSocket(step.socket, step, scope, out, false);
      if (step.endpoint) checkEndpoint(step.endpoint, 'connect', scope, variables, out);
      return;
    }
    case 'close': {
      const socket = useSocket(step.socket, step, scope, out, false);
      if (socket) socket.closedLine = step.line;
      return;
    }
  }
}

function checkPayload(format: 'text' | 'hex' | 'base64' | 'json' | 'file', value: Template, scope: Scope, variables: Variables, options: CheckOptions, out: Diagnostic[]): void {
  const text = resolve(value, scope, variables, out);
  if (text === undefined) return;
  if (format === 'file') {
    if (options.fileExists && !hasReferences(text) && !options.fileExists(text)) {
      out.push(diagnostic(value.span, SCRIPT_CODES.ZMQS_MISSING_FILE, `payload file "${text}" not found (paths are relative to the script's folder)`, 'warning'));
    }
    return;
  }
  try {
    decodePayload(format, text);
  } catch (err) {
    out.push(diagnostic(value.span, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, err instanceof Error ? err.message : String(err)));
  }
}
