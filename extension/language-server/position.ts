/**
 * What stands at a position of a script: the scenario and step of a line (via the AST, so that
 * hover and completion read the same tree as the checks), and the names a scenario defines up to
 * a line — sockets, peers, and the run-time variables steps set (`{{SOCKET.endpoint}}`,
 * `{{PEER.routingId}}`, repeat counters).
 */
import { DEFAULT_COUNTER, IMPLICIT_SOCKET, type Name, type RepeatStep, type Scenario, type Script, type Span, type Step, type VariableDefinition } from '../../zmq-script/index';

/** An LSP position: 0-based line, UTF-16 column. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

/** An LSP range. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** The LSP range of a span. */
export function rangeOf(span: Span): Range {
  return { start: { line: span.line, character: span.start }, end: { line: span.line, character: span.end } };
}

/** Whether the position is on the span (its end excluded, as a mouse over the next blank is not on it). */
export function within(span: Span | undefined, position: Position): span is Span {
  return span !== undefined && span.line === position.line && position.character >= span.start && position.character < span.end;
}

/** The lines of a source, split as the parser splits them. */
export function splitLines(source: string): string[] {
  return source.split(/\r\n|\r|\n/);
}

/** What a line of the script holds. */
export interface Located {
  readonly scenario?: Scenario;
  /** The step on the line (a `repeat` for its own line). */
  readonly step?: Step;
  /** The repeats around the line, outermost first. */
  readonly repeats: readonly RepeatStep[];
  readonly variable?: VariableDefinition;
}

/** The scenario whose lines include `line`. */
export function scenarioAt(script: Script, line: number): Scenario | undefined {
  return script.scenarios.find((s) => line >= s.startLine && line <= s.endLine);
}

/** Every step of a list, repeats and the steps inside them included, in source order. */
export function flattenSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    out.push(step);
    if (step.kind === 'repeat') out.push(...flattenSteps(step.steps));
  }
  return out;
}

/** The scenario, step, enclosing repeats and variable definition of a line. */
export function locate(script: Script, line: number): Located {
  const variable = script.variables.find((v) => v.name.span.line === line);
  const scenario = scenarioAt(script, line);
  if (!scenario) return { repeats: [], ...(variable ? { variable } : {}) };
  const repeats: RepeatStep[] = [];
  let step: Step | undefined;
  let steps: readonly Step[] = scenario.steps;
  for (;;) {
    const found = steps.find((s) => s.line === line || (s.kind === 'repeat' && line > s.line && line <= s.endLine));
    if (!found) break;
    if (found.kind === 'repeat' && found.line !== line) {
      repeats.push(found);
      steps = found.steps;
      continue;
    }
    step = found;
    break;
  }
  return { scenario, repeats, ...(step ? { step } : {}) };
}

/** A variable a step sets when it runs. */
export interface RuntimeName {
  readonly name: string;
  /** The step that sets it. */
  readonly step: Step;
}

/** A peer or socket a scenario names, and the step that does. */
export interface NamedThing {
  readonly name: Name;
  readonly step: Step;
}

/** The names of a scenario as seen from a line. */
export interface ScenarioNames {
  /** Sockets declared with `socket` anywhere in the scenario. */
  readonly sockets: ReadonlyMap<string, NamedThing>;
  /** Peers named by `connect … as` or `accept` anywhere in the scenario. */
  readonly peers: ReadonlyMap<string, NamedThing>;
  /** Run-time variables set before the line, and the counters of the repeats around it. */
  readonly runtime: ReadonlyMap<string, RuntimeName>;
}

/**
 * The names of `scenario` seen from `line`. Run-time variables follow the checks: an endpoint or
 * routing id exists after the step that sets it, a counter only inside its repeat.
 */
export function scenarioNames(scenario: Scenario | undefined, line: number): ScenarioNames {
  const sockets = new Map<string, NamedThing>();
  const peers = new Map<string, NamedThing>();
  const runtime = new Map<string, RuntimeName>();
  if (!scenario) return { sockets, peers, runtime };
  for (const step of flattenSteps(scenario.steps)) {
    const before = step.line < line;
    switch (step.kind) {
      case 'socket':
        if (!sockets.has(step.socket.text)) sockets.set(step.socket.text, { name: step.socket, step });
        break;
      case 'bind':
        if (before) runtime.set(`${step.socket?.text ?? IMPLICIT_SOCKET}.endpoint`, { name: `${step.socket?.text ?? IMPLICIT_SOCKET}.endpoint`, step });
        break;
      case 'connect':
      case 'accept':
        if (!peers.has(step.peer.text)) peers.set(step.peer.text, { name: step.peer, step });
        if (before) runtime.set(`${step.peer.text}.routingId`, { name: `${step.peer.text}.routingId`, step });
        break;
      case 'repeat': {
        const counter = step.counter?.text ?? DEFAULT_COUNTER;
        if (line > step.line && line <= step.endLine) runtime.set(counter, { name: counter, step });
        break;
      }
    }
  }
  return { sockets, peers, runtime };
}

/** A `{{name}}` on a line, found in the raw text (so it works on lines that did not parse too). */
export interface ReferenceAt {
  readonly name: string;
  readonly span: Span;
}

const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** The `{{name}}` reference under the position, if any. */
export function referenceAt(lineText: string, position: Position): ReferenceAt | undefined {
  for (const match of lineText.matchAll(REFERENCE)) {
    const span: Span = { line: position.line, start: match.index, end: match.index + match[0].length };
    if (within(span, position)) return { name: match[1], span };
  }
  return undefined;
}

/** The bare word (up to blanks) under the position, if any. */
export function wordAt(lineText: string, position: Position): { text: string; span: Span } | undefined {
  const at = position.character;
  if (at < 0 || at >= lineText.length || /\s/.test(lineText[at])) return undefined;
  let start = at;
  while (start > 0 && !/\s/.test(lineText[start - 1])) start--;
  let end = at;
  while (end < lineText.length && !/\s/.test(lineText[end])) end++;
  return { text: lineText.slice(start, end), span: { line: position.line, start, end } };
}
