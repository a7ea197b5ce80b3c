/**
 * The parser of ZMQ Peer Scripts: a line-oriented language, one step per line.
 *
 * ```
 * # comment: a line of its own, or after a step (// only as a line of its own)
 * @name = value                       file variable, at the top level
 * scenario NAME … end                 a test; steps inside
 *   socket NAME [option=value …]      a PEER socket (steps that name none use `peer`)
 *   bind ENDPOINT [on SOCKET]
 *   connect ENDPOINT as PEER [on SOCKET]
 *   accept PEER [on SOCKET] [within DURATION]
 *   wait PEER connected|disconnected [within DURATION]
 *   send PEER PAYLOAD                 PAYLOAD: "text" | text V | hex V | base64 V | json V | file PATH
 *   expect PEER MATCHER [within DURATION]   MATCHER: a PAYLOAD | json-subset V | matches /re/ | any
 *   sleep DURATION · timeout DURATION
 *   repeat COUNT [as VAR] … end
 *   disconnect PEER · disconnect ENDPOINT [on SOCKET] · close [SOCKET]
 * ```
 *
 * It never throws: any text gives a {@link Script} whose `diagnostics` say what could not be
 * read. A line that fails is left out of the tree; the rest of the file is still parsed. A
 * `scenario` or `repeat` line that fails still opens its block, so that its `end` pairs with it.
 */
import type {
  Matcher,
  MatcherKind,
  Name,
  OptionSetting,
  Payload,
  RepeatStep,
  Scenario,
  Script,
  Step,
  Template,
  VariableDefinition,
} from './ast';
import { diagnostic, SCRIPT_CODES, type Diagnostic } from './diagnostics';
import { LineScanner, ScanError, withoutComment } from './line-scanner';
import type { Span } from './span';

/** The words a step can start with, in the order completion offers them. */
export const STEP_KEYWORDS = ['socket', 'bind', 'connect', 'accept', 'wait', 'send', 'expect', 'sleep', 'timeout', 'repeat', 'disconnect', 'close'] as const;
/** The payload formats of `send`. */
export const PAYLOAD_KEYWORDS: readonly Payload['format'][] = ['text', 'hex', 'base64', 'json', 'file'];
/** The matchers of `expect`. */
export const MATCHER_KEYWORDS: readonly MatcherKind[] = ['text', 'hex', 'base64', 'json', 'json-subset', 'matches', 'file', 'any'];

/** Socket, peer and variable names: a letter or `_`, then letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type StepKeyword = (typeof STEP_KEYWORDS)[number];

interface Block {
  readonly kind: 'scenario' | 'repeat';
  readonly line: number;
  readonly keyword: Span;
  readonly steps: Step[];
  readonly name?: Name;
  readonly count?: Template;
  readonly counter?: Name;
  readonly stepSpan?: Span;
  /**
   * A block whose opening line could not be read (or a repeat outside any scenario). It is kept
   * so that its `end` still pairs with it; a broken scenario is left out of the tree, a broken
   * repeat's steps go to the block around it.
   */
  readonly broken?: boolean;
}

/** A script's lines as the parser counts them (`\r\n`, `\r` and `\n` each end one), so that `lines[span.line]` is a span's line. */
export function sourceLines(source: string): string[] {
  return source.split(/\r\n|\r|\n/);
}

/** Parses a script's text. Never throws. */
export function parseScript(source: string): Script {
  const lines = sourceLines(source);
  const variables: VariableDefinition[] = [];
  const scenarios: Scenario[] = [];
  const diagnostics: Diagnostic[] = [];
  const stack: Block[] = [];

  const closeBlock = (endLine: number): void => {
    const block = stack.pop();
    if (!block) return;
    const parent = stack[stack.length - 1];
    if (block.broken) {
      if (block.kind === 'repeat' && parent) parent.steps.push(...block.steps);
    } else if (block.kind === 'scenario') {
      scenarios.push({ name: block.name!, keyword: block.keyword, steps: block.steps, startLine: block.line, endLine });
    } else {
      const repeat: RepeatStep = {
        kind: 'repeat',
        line: block.line,
        span: block.stepSpan!,
        keyword: block.keyword,
        count: block.count!,
        counter: block.counter,
        steps: block.steps,
        endLine,
      };
      parent.steps.push(repeat);
    }
  };
  const inScenario = (): boolean => stack.length > 0 && stack[0].kind === 'scenario';

  for (let line = 0; line < lines.length; line++) {
    const whole = lines[line];
    if (whole.trimStart().startsWith('//')) continue;
    // Columns stay those of the source: only the end of the line is cut.
    const text = withoutComment(whole);
    const trimmed = text.trim();
    if (trimmed === '') continue;
    const scanner = new LineScanner(text, line);
    const indent = text.length - text.trimStart().length;
    const lineSpan: Span = { line, start: indent, end: indent + trimmed.length };
    try {
      if (trimmed.startsWith('@')) {
        if (stack.length > 0) throw new ScanError(lineSpan, 'variables are defined at the top level, outside scenarios');
        variables.push(parseVariable(scanner));
        continue;
      }
      const keyword = scanner.word('a step');
      switch (keyword.text) {
        case 'scenario': {
          if (stack.length > 0) {
            // A missing `end` is the likely mistake: close the open blocks here so that the rest parses.
            const open = stack[0];
            const what = open.kind === 'repeat' ? 'repeat' : open.name ? `scenario "${open.name.text}"` : 'scenario';
            diagnostics.push(diagnostic(open.keyword, SCRIPT_CODES.ZMQS_UNCLOSED, `${what} has no end before the next scenario`));
            while (stack.length > 0) closeBlock(line - 1);
          }
          try {
            stack.push({ kind: 'scenario', line, keyword: keyword.span, steps: [], name: scenarioName(scanner, keyword) });
          } catch (err) {
            // Its steps and its `end` still pair with it.
            stack.push({ kind: 'scenario', line, keyword: keyword.span, steps: [], broken: true });
            throw err;
          }
          continue;
        }
        case 'end': {
          if (stack.length === 0) {
            diagnostics.push(diagnostic(keyword.span, SCRIPT_CODES.ZMQS_UNCLOSED, 'end without a scenario or repeat to close'));
            continue;
          }
          closeBlock(line);
          endOfLine(scanner, 'nothing may follow end');
          continue;
        }
      }
      const isStep = (STEP_KEYWORDS as readonly string[]).includes(keyword.text);
      if (stack.length === 0 && !isStep) {
        const suggestion = closest(keyword.text, [...STEP_KEYWORDS, 'scenario', 'end']);
        throw new ScanError(keyword.span, `unknown line "${keyword.text}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: expected scenario NAME, @name = value or a # comment`);
      }
      if (!inScenario() && isStep) {
        diagnostics.push(diagnostic(lineSpan, SCRIPT_CODES.ZMQS_UNREACHABLE, `this line never runs: steps belong inside a scenario (scenario NAME … end)`));
        // A repeat still opens a block, so that its `end` does not close something else.
        if (keyword.text === 'repeat') stack.push({ kind: 'repeat', line, keyword: keyword.span, steps: [], broken: true });
        continue;
      }
      if (keyword.text === 'repeat') {
        try {
          const count = scanner.value('a repeat count');
          let counter: Name | undefined;
          if (!scanner.atEnd()) {
            expectWord(scanner, 'as');
            counter = identifier(scanner, 'a counter name');
          }
          endOfLine(scanner);
          stack.push({ kind: 'repeat', line, keyword: keyword.span, steps: [], count, ...(counter ? { counter } : {}), stepSpan: lineSpan });
        } catch (err) {
          stack.push({ kind: 'repeat', line, keyword: keyword.span, steps: [], broken: true });
          throw err;
        }
        continue;
      }
      const step = parseStep(keyword, scanner, lineSpan);
      stack[stack.length - 1].steps.push(step);
    } catch (err) {
      if (!(err instanceof ScanError)) throw err;
      diagnostics.push(diagnostic(err.span, SCRIPT_CODES.ZMQS_SYNTAX, err.message));
    }
  }
  const lastLine = Math.max(0, lines.length - 1);
  while (stack.length > 0) {
    const block = stack[stack.length - 1];
    diagnostics.push(
      diagnostic(block.keyword, SCRIPT_CODES.ZMQS_UNCLOSED, block.kind === 'repeat' ? 'repeat has no end' : block.name ? `scenario "${block.name.text}" has no end` : 'scenario has no end'),
    );
    closeBlock(lastLine);
  }
  return { variables, scenarios, diagnostics, lineCount: lines.length };
}

/** `scenario NAME`: the rest of the line, or one quoted string (with escapes). */
function scenarioName(scanner: LineScanner, keyword: Name): Name {
  let name: Name;
  if (scanner.peekChar() === '"') {
    const quoted = scanner.quoted('the scenario name');
    endOfLine(scanner);
    name = { text: quoted.text, span: quoted.span };
  } else {
    const rest = scanner.rest();
    name = { text: rest.text, span: rest.span };
  }
  if (name.text.trim() === '') throw new ScanError(name.span.start === name.span.end ? keyword.span : name.span, 'scenario needs a name: scenario NAME');
  return name;
}

function parseVariable(scanner: LineScanner): VariableDefinition {
  const at = scanner.word('@name = value', '=');
  const nameText = at.text.slice(1);
  const name: Name = { text: nameText, span: { line: at.span.line, start: at.span.start + 1, end: at.span.end } };
  if (!NAME_PATTERN.test(nameText)) throw new ScanError(at.span, `"${nameText}" is not a variable name: use letters, digits, _ and -, starting with a letter`);
  if (!scanner.eat('=')) throw new ScanError(at.span, `expected @${nameText} = value`);
  const rest = scanner.rest();
  // A quoted value keeps its blanks and may use escapes; a bare one is the trimmed rest of the line.
  if (rest.text.startsWith('"')) {
    const inner = new LineScanner(scanner.text, scanner.line, rest.span.start);
    const value = inner.quoted('a value');
    endOfLine(inner);
    return { name, value };
  }
  return { name, value: rest };
}

function identifier(scanner: LineScanner, what: string): Name {
  const name = scanner.word(what);
  if (!NAME_PATTERN.test(name.text)) throw new ScanError(name.span, `"${name.text}" is not a name: use letters, digits, _ and -, starting with a letter`);
  return name;
}

function expectWord(scanner: LineScanner, word: string): Span {
  const got = scanner.word(`"${word}"`);
  if (got.text !== word) throw new ScanError(got.span, `expected "${word}", found "${got.text}"`);
  return got.span;
}

function endOfLine(scanner: LineScanner, message?: string): void {
  if (!scanner.atEnd()) {
    const extra = scanner.rest();
    throw new ScanError(extra.span, message ?? `unexpected "${extra.text.length > 30 ? `${extra.text.slice(0, 30)}…` : extra.text}"`);
  }
}

/** Reads `on SOCKET` and `within DURATION` in any order, as far as `allowed` permits. */
function modifiers(scanner: LineScanner, allowed: { on?: boolean; within?: boolean; as?: boolean }): { socket?: Name; within?: Template; as?: Name } {
  const out: { socket?: Name; within?: Template; as?: Name } = {};
  while (!scanner.atEnd()) {
    const word = scanner.peekWord()!;
    if (word === 'on' && allowed.on && !out.socket) {
      scanner.word('on');
      out.socket = identifier(scanner, 'a socket name after "on"');
    } else if (word === 'within' && allowed.within && !out.within) {
      scanner.word('within');
      out.within = scanner.value('a duration after "within" (500ms, 2s)');
    } else if (word === 'as' && allowed.as && !out.as) {
      scanner.word('as');
      out.as = identifier(scanner, 'a peer name after "as"');
    } else {
      const extra = scanner.word('');
      const options = [allowed.as && 'as PEER', allowed.on && 'on SOCKET', allowed.within && 'within DURATION'].filter(Boolean).join(', ');
      throw new ScanError(extra.span, `unexpected "${extra.text}"${options ? `: expected ${options}` : ''}`);
    }
  }
  return out;
}

function parseStep(keyword: Name, scanner: LineScanner, span: Span): Step {
  const base = { line: span.line, span, keyword: keyword.span };
  const kw = keyword.text as StepKeyword;
  switch (kw) {
    case 'socket': {
      const socket = identifier(scanner, 'a socket name');
      const options: OptionSetting[] = [];
      while (!scanner.atEnd()) options.push(scanner.setting());
      return { kind: 'socket', ...base, socket, options };
    }
    case 'bind': {
      const endpoint = scanner.value('an endpoint (tcp://127.0.0.1:*)');
      const { socket } = modifiers(scanner, { on: true });
      return { kind: 'bind', ...base, endpoint, ...(socket ? { socket } : {}) };
    }
    case 'connect': {
      const endpoint = scanner.value('an endpoint (tcp://host:port)');
      const { socket, as } = modifiers(scanner, { on: true, as: true });
      if (!as) throw new ScanError(span, 'connect needs "as NAME" to name the routing id zmq_connect_peer returns: connect ENDPOINT as NAME');
      return { kind: 'connect', ...base, endpoint, peer: as, ...(socket ? { socket } : {}) };
    }
    case 'accept': {
      const peer = identifier(scanner, 'a name for the peer that connects');
      const { socket, within } = modifiers(scanner, { on: true, within: true });
      return { kind: 'accept', ...base, peer, ...(socket ? { socket } : {}), ...(within ? { within } : {}) };
    }
    case 'wait': {
      const peer = identifier(scanner, 'a peer name');
      const condition = scanner.word('connected or disconnected');
      if (condition.text !== 'connected' && condition.text !== 'disconnected') throw new ScanError(condition.span, `expected connected or disconnected, found "${condition.text}"`);
      const { within } = modifiers(scanner, { within: true });
      return { kind: 'wait', ...base, peer, condition: condition.text, ...(within ? { within } : {}) };
    }
    case 'send': {
      const peer = identifier(scanner, 'a peer name');
      // PEER messages are single-frame; `more` or further payloads are read so the checks can say so.
      let multipart: Span | undefined;
      const extra = (start: number): void => {
        multipart = scanner.span(multipart?.start ?? start, scanner.position);
      };
      while (scanner.peekWord() === 'more') extra(scanner.word('more').span.start);
      const first = payload(scanner, []);
      while (!scanner.atEnd()) {
        const start = scanner.position;
        if (scanner.peekWord() === 'more') scanner.word('more');
        else payload(scanner, []);
        extra(start);
      }
      return { kind: 'send', ...base, peer, payload: first, ...(multipart ? { multipart } : {}) };
    }
    case 'expect': {
      const peer = identifier(scanner, 'a peer name');
      const m = matcher(scanner);
      const { within } = modifiers(scanner, { within: true });
      return { kind: 'expect', ...base, peer, matcher: m, ...(within ? { within } : {}) };
    }
    case 'sleep':
    case 'timeout': {
      const duration = scanner.value('a duration (500ms, 2s)');
      endOfLine(scanner);
      return { kind: kw, ...base, duration };
    }
    case 'disconnect': {
      const target = scanner.value('a peer name or an endpoint');
      const { socket } = modifiers(scanner, { on: true });
      if (target.quoted || target.text.includes('://') || target.text.includes('{{')) return { kind: 'disconnect', ...base, endpoint: target, ...(socket ? { socket } : {}) };
      if (!NAME_PATTERN.test(target.text)) throw new ScanError(target.span, `"${target.text}" is neither a peer name nor an endpoint`);
      if (socket) throw new ScanError(socket.span, 'disconnect PEER takes no "on SOCKET": the peer belongs to one socket already');
      return { kind: 'disconnect', ...base, peer: { text: target.text, span: target.span } };
    }
    case 'close': {
      const socket = scanner.atEnd() ? undefined : identifier(scanner, 'a socket name');
      endOfLine(scanner);
      return { kind: 'close', ...base, ...(socket ? { socket } : {}) };
    }
    case 'repeat':
      throw new Error('repeat is parsed as a block');
    default: {
      const suggestion = closest(keyword.text, [...STEP_KEYWORDS, 'scenario', 'end']);
      throw new ScanError(keyword.span, `unknown step "${keyword.text}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: expected ${STEP_KEYWORDS.join(', ')}`);
    }
  }
}

function payload(scanner: LineScanner, stopWords: readonly string[]): Payload {
  if (scanner.peekChar() === '"') return { format: 'text', value: scanner.quoted('a payload') };
  const format = scanner.word('a payload: "text", or text, hex, base64, json or file and a value');
  if (!(PAYLOAD_KEYWORDS as readonly string[]).includes(format.text)) {
    throw new ScanError(format.span, `unknown payload format "${format.text}": expected a "quoted string", or text, hex, base64, json or file`);
  }
  return { format: format.text as Payload['format'], value: payloadValue(format.text as Payload['format'], scanner, stopWords), formatSpan: format.span };
}

/** The value after a payload format keyword. */
function payloadValue(format: Payload['format'], scanner: LineScanner, stopWords: readonly string[]): Template {
  switch (format) {
    case 'text':
    case 'base64':
      return scanner.value(`the ${format} payload`);
    case 'file':
      return scanner.value('the file path');
    case 'hex':
      return scanner.peekChar() === '"' ? scanner.quoted('hex bytes') : scanner.words('hex bytes (01 02 ff)', [...stopWords, 'more']);
    case 'json':
      return scanner.json('a JSON value');
  }
}

function matcher(scanner: LineScanner): Matcher {
  if (scanner.peekChar() === '"') {
    const value = scanner.quoted('the expected text');
    return { kind: 'text', value, kindSpan: value.span };
  }
  const kind = scanner.word('what to expect: a payload, json-subset, matches /re/ or any');
  switch (kind.text) {
    case 'any':
      return { kind: 'any', kindSpan: kind.span };
    case 'json-subset':
      return { kind: 'json-subset', value: scanner.json('a JSON value'), kindSpan: kind.span };
    case 'matches': {
      const { pattern, flags } = scanner.regex();
      return { kind: 'matches', value: pattern, flags, kindSpan: kind.span };
    }
    case 'text':
    case 'hex':
    case 'base64':
    case 'json':
    case 'file':
      return { kind: kind.text, value: payloadValue(kind.text, scanner, ['within']), kindSpan: kind.span };
    default:
      throw new ScanError(kind.span, `unknown matcher "${kind.text}": expected a "quoted string", text, hex, base64, json, json-subset, matches, file or any`);
  }
}

/** The candidate within edit distance 2 of `word`, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
