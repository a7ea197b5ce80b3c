import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '../../zmq-script/parser';
import { SCRIPT_CODES, type Diagnostic } from '../../zmq-script/diagnostics';
import type { Name, Script, Step, Template } from '../../zmq-script/ast';
import type { Span } from '../../zmq-script/span';

const span = (line: number, start: number, end: number): Span => ({ line, start, end });

/** The span of the `nth` occurrence of `token` in `text`, on `line`. */
function spanOf(text: string, token: string, line: number, nth = 0): Span {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(token, at + 1);
    assert.ok(at >= 0, `"${token}" not in "${text}"`);
  }
  return span(line, at, at + token.length);
}

/** A name as it stands on the line. */
const nameIn = (text: string, token: string, line: number, nth = 0): Name => ({ text: token, span: spanOf(text, token, line, nth) });
/** A bare (unquoted) template as it stands on the line. */
const bare = (text: string, token: string, line: number, nth = 0): Template => ({ text: token, span: spanOf(text, token, line, nth), quoted: false });
/** A quoted template: `source` is how it is written (quotes included), `value` what it means. */
const quoted = (text: string, source: string, value: string, line: number): Template => ({ text: value, span: spanOf(text, source, line), quoted: true });

/** The expected `send PEER FORMAT VALUE` step: the payload's value built from the line, the format keyword's span. */
const sendTo =
  (peer: string, format: 'text' | 'hex' | 'base64' | 'json' | 'file', value: (line: string) => Template) =>
  (l: string): Step => ({ kind: 'send', ...base(l, 'send'), peer: nameIn(l, peer, 1), payload: { format, value: value(l), formatSpan: spanOf(l, format, 1) } }) as Step;

/** Parses one step written on line 1 of a scenario. */
function parseStepLine(stepText: string): { script: Script; line: string } {
  const line = `  ${stepText}`;
  return { script: parseScript(`scenario s\n${line}\nend\n`), line };
}

/** The only step of a one-step scenario; fails on any diagnostic. */
function onlyStep(stepText: string): { step: Step; line: string } {
  const { script, line } = parseStepLine(stepText);
  assert.deepEqual(script.diagnostics, []);
  assert.equal(script.scenarios.length, 1);
  assert.equal(script.scenarios[0].steps.length, 1);
  return { step: script.scenarios[0].steps[0], line };
}

/** The step fields every step has, for a step on line 1. */
function base(line: string, keyword: string): { line: number; span: Span; keyword: Span } {
  const trimmed = line.trim();
  const start = line.indexOf(trimmed);
  return { line: 1, span: span(1, start, start + trimmed.length), keyword: spanOf(line, keyword, 1) };
}

interface StepRow {
  readonly what: string;
  readonly text: string;
  /** The expected step, built from the line as written (`l`). */
  readonly expected: (l: string) => Step;
}

const STEPS: readonly StepRow[] = [
  {
    what: 'reads socket NAME without options',
    text: 'socket server',
    expected: (l) => ({ kind: 'socket', ...base(l, 'socket'), socket: nameIn(l, 'server', 1), options: [] }),
  },
  {
    what: 'reads socket NAME with bare and quoted option values',
    text: 'socket s heartbeatInterval=1s helloMessage="hi there" linger=0',
    expected: (l) => ({
      kind: 'socket',
      ...base(l, 'socket'),
      socket: nameIn(l, 's', 1, 1),
      options: [
        { name: nameIn(l, 'heartbeatInterval', 1), value: bare(l, '1s', 1) },
        { name: nameIn(l, 'helloMessage', 1), value: quoted(l, '"hi there"', 'hi there', 1) },
        { name: nameIn(l, 'linger', 1), value: bare(l, '0', 1) },
      ],
    }),
  },
  {
    what: 'reads a quoted option value with escapes',
    text: 'socket s helloMessage="a\\"b"',
    expected: (l) => ({
      kind: 'socket',
      ...base(l, 'socket'),
      socket: nameIn(l, 's', 1, 1),
      options: [{ name: nameIn(l, 'helloMessage', 1), value: { ...quoted(l, '"a\\"b"', 'a"b', 1), source: '"a\\"b"' } as Template }],
    }),
  },
  {
    what: 'reads bind ENDPOINT',
    text: 'bind tcp://127.0.0.1:*',
    expected: (l) => ({ kind: 'bind', ...base(l, 'bind'), endpoint: bare(l, 'tcp://127.0.0.1:*', 1) }),
  },
  {
    what: 'reads bind ENDPOINT on SOCKET',
    text: 'bind inproc://x on server',
    expected: (l) => ({ kind: 'bind', ...base(l, 'bind'), endpoint: bare(l, 'inproc://x', 1), socket: nameIn(l, 'server', 1) }),
  },
  {
    what: 'reads bind with a quoted endpoint',
    text: 'bind "ipc:///tmp/a b"',
    expected: (l) => ({ kind: 'bind', ...base(l, 'bind'), endpoint: quoted(l, '"ipc:///tmp/a b"', 'ipc:///tmp/a b', 1) }),
  },
  {
    what: 'reads connect ENDPOINT as PEER',
    text: 'connect tcp://127.0.0.1:5555 as echo',
    expected: (l) => ({ kind: 'connect', ...base(l, 'connect'), endpoint: bare(l, 'tcp://127.0.0.1:5555', 1), peer: nameIn(l, 'echo', 1) }),
  },
  {
    what: 'reads connect with on SOCKET before as PEER',
    text: 'connect {{server.endpoint}} on client as p1',
    expected: (l) => ({
      kind: 'connect',
      ...base(l, 'connect'),
      endpoint: bare(l, '{{server.endpoint}}', 1),
      peer: nameIn(l, 'p1', 1),
      socket: nameIn(l, 'client', 1),
    }),
  },
  {
    what: 'reads accept PEER',
    text: 'accept client',
    expected: (l) => ({ kind: 'accept', ...base(l, 'accept'), peer: nameIn(l, 'client', 1) }),
  },
  {
    what: 'reads accept PEER with within and on in any order',
    text: 'accept c within 2s on server',
    expected: (l) => ({ kind: 'accept', ...base(l, 'accept'), peer: nameIn(l, 'c', 1, 2), socket: nameIn(l, 'server', 1), within: bare(l, '2s', 1) }),
  },
  {
    what: 'reads wait PEER connected',
    text: 'wait echo connected',
    expected: (l) => ({ kind: 'wait', ...base(l, 'wait'), peer: nameIn(l, 'echo', 1), condition: 'connected' }),
  },
  {
    what: 'reads wait PEER disconnected within DURATION',
    text: 'wait echo disconnected within 500ms',
    expected: (l) => ({ kind: 'wait', ...base(l, 'wait'), peer: nameIn(l, 'echo', 1), condition: 'disconnected', within: bare(l, '500ms', 1) }),
  },
  {
    what: 'reads send PEER "text" as a text payload without a format span',
    text: 'send echo "hello"',
    expected: (l) => ({ kind: 'send', ...base(l, 'send'), peer: nameIn(l, 'echo', 1), payload: { format: 'text', value: quoted(l, '"hello"', 'hello', 1) } }),
  },
  {
    what: 'reads send PEER text WORD',
    text: 'send echo text hello',
    expected: sendTo('echo', 'text', (l) => bare(l, 'hello', 1)),
  },
  {
    what: 'reads bare hex words with their blanks as written',
    text: 'send echo hex 01   02\tff',
    expected: sendTo('echo', 'hex', (l) => bare(l, '01   02\tff', 1)),
  },
  {
    what: 'reads quoted hex',
    text: 'send echo hex "de ad"',
    expected: sendTo('echo', 'hex', (l) => quoted(l, '"de ad"', 'de ad', 1)),
  },
  {
    what: 'reads base64',
    text: 'send echo base64 AQID',
    expected: sendTo('echo', 'base64', (l) => bare(l, 'AQID', 1)),
  },
  {
    what: 'reads a JSON object with nested brackets and a } inside a string',
    text: 'send echo json {"a": [1, 2, {"b": "}]"}], "c": "\\"{"}',
    expected: sendTo('echo', 'json', (l) => bare(l, '{"a": [1, 2, {"b": "}]"}], "c": "\\"{"}', 1)),
  },
  {
    what: 'reads a JSON array',
    text: 'send echo json [[1], {"x": []}]',
    expected: sendTo('echo', 'json', (l) => bare(l, '[[1], {"x": []}]', 1)),
  },
  {
    what: 'keeps json "str" with its quotes, as the JSON string it is',
    text: 'send echo json "a\\nb"',
    expected: sendTo('echo', 'json', (l) => bare(l, '"a\\nb"', 1)),
  },
  {
    what: 'reads a JSON scalar as one word',
    text: 'send echo json 42',
    expected: sendTo('echo', 'json', (l) => bare(l, '42', 1)),
  },
  {
    what: 'reads send PEER file PATH',
    text: 'send echo file ./frames/a.bin',
    expected: sendTo('echo', 'file', (l) => bare(l, './frames/a.bin', 1)),
  },
  {
    what: 'keeps a second payload as the multipart span',
    text: 'send p "a" "b"',
    expected: (l) => ({ kind: 'send', ...base(l, 'send'), peer: nameIn(l, 'p', 1), payload: { format: 'text', value: quoted(l, '"a"', 'a', 1) }, multipart: spanOf(l, '"b"', 1) }),
  },
  {
    what: 'keeps a leading more as the multipart span',
    text: 'send p more "a"',
    expected: (l) => ({ kind: 'send', ...base(l, 'send'), peer: nameIn(l, 'p', 1), payload: { format: 'text', value: quoted(l, '"a"', 'a', 1) }, multipart: spanOf(l, 'more', 1) }),
  },
  {
    what: 'spans every extra part of a multipart send',
    text: 'send p hex 01 more hex 02 "c"',
    expected: (l) => ({
      kind: 'send',
      ...base(l, 'send'),
      peer: nameIn(l, 'p', 1),
      payload: { format: 'hex', value: bare(l, '01', 1), formatSpan: spanOf(l, 'hex', 1) },
      multipart: spanOf(l, 'more hex 02 "c"', 1),
    }),
  },
  {
    what: 'reads expect PEER "text"',
    text: 'expect echo "pong"',
    expected: (l) => ({ kind: 'expect', ...base(l, 'expect'), peer: nameIn(l, 'echo', 1), matcher: { kind: 'text', value: quoted(l, '"pong"', 'pong', 1), kindSpan: spanOf(l, '"pong"', 1) } }),
  },
  {
    what: 'reads expect with hex words up to within',
    text: 'expect echo hex 01 02 within 1s',
    expected: (l) => ({
      kind: 'expect',
      ...base(l, 'expect'),
      peer: nameIn(l, 'echo', 1),
      matcher: { kind: 'hex', value: { text: '01 02', span: spanOf(l, '01 02', 1), quoted: false }, kindSpan: spanOf(l, 'hex', 1) },
      within: bare(l, '1s', 1),
    }),
  },
  {
    what: 'reads expect json-subset with a JSON object',
    text: 'expect echo json-subset {"a": {"b": [1]}} within 2s',
    expected: (l) => ({
      kind: 'expect',
      ...base(l, 'expect'),
      peer: nameIn(l, 'echo', 1),
      matcher: { kind: 'json-subset', value: bare(l, '{"a": {"b": [1]}}', 1), kindSpan: spanOf(l, 'json-subset', 1) },
      within: bare(l, '2s', 1),
    }),
  },
  {
    what: 'reads a regex with a / inside a class, an escaped / and flags',
    text: 'expect echo matches /^a[/]b\\/c$/iu within 500ms',
    expected: (l) => ({
      kind: 'expect',
      ...base(l, 'expect'),
      peer: nameIn(l, 'echo', 1),
      matcher: { kind: 'matches', value: bare(l, '^a[/]b\\/c$', 1), flags: 'iu', kindSpan: spanOf(l, 'matches', 1) },
      within: bare(l, '500ms', 1),
    }),
  },
  {
    what: 'reads a quoted regex without flags',
    text: 'expect echo matches "^a b$"',
    expected: (l) => ({
      kind: 'expect',
      ...base(l, 'expect'),
      peer: nameIn(l, 'echo', 1),
      matcher: { kind: 'matches', value: quoted(l, '"^a b$"', '^a b$', 1), flags: '', kindSpan: spanOf(l, 'matches', 1) },
    }),
  },
  {
    what: 'reads expect PEER any',
    text: 'expect echo any within 1s',
    expected: (l) => ({ kind: 'expect', ...base(l, 'expect'), peer: nameIn(l, 'echo', 1), matcher: { kind: 'any', kindSpan: spanOf(l, 'any', 1) }, within: bare(l, '1s', 1) }),
  },
  {
    what: 'reads expect PEER file PATH',
    text: 'expect echo file reply.bin',
    expected: (l) => ({
      kind: 'expect',
      ...base(l, 'expect'),
      peer: nameIn(l, 'echo', 1),
      matcher: { kind: 'file', value: bare(l, 'reply.bin', 1), kindSpan: spanOf(l, 'file', 1) },
    }),
  },
  {
    what: 'reads sleep DURATION',
    text: 'sleep 250ms',
    expected: (l) => ({ kind: 'sleep', ...base(l, 'sleep'), duration: bare(l, '250ms', 1) }),
  },
  {
    what: 'reads timeout DURATION',
    text: 'timeout {{t}}',
    expected: (l) => ({ kind: 'timeout', ...base(l, 'timeout'), duration: bare(l, '{{t}}', 1) }),
  },
  {
    what: 'reads disconnect PEER',
    text: 'disconnect echo',
    expected: (l) => ({ kind: 'disconnect', ...base(l, 'disconnect'), peer: nameIn(l, 'echo', 1) }),
  },
  {
    what: 'reads disconnect ENDPOINT on SOCKET',
    text: 'disconnect tcp://127.0.0.1:5555 on client',
    expected: (l) => ({ kind: 'disconnect', ...base(l, 'disconnect'), endpoint: bare(l, 'tcp://127.0.0.1:5555', 1), socket: nameIn(l, 'client', 1) }),
  },
  {
    what: 'reads a template as the endpoint of disconnect',
    text: 'disconnect {{ep}}',
    expected: (l) => ({ kind: 'disconnect', ...base(l, 'disconnect'), endpoint: bare(l, '{{ep}}', 1) }),
  },
  {
    what: 'reads close without a socket',
    text: 'close',
    expected: (l) => ({ kind: 'close', ...base(l, 'close') }),
  },
  {
    what: 'reads close SOCKET',
    text: 'close server',
    expected: (l) => ({ kind: 'close', ...base(l, 'close'), socket: nameIn(l, 'server', 1) }),
  },
];

describe('script parser: steps', () => {
  for (const row of STEPS) {
    it(row.what, () => {
      const { step, line } = onlyStep(row.text);
      assert.deepEqual(step, row.expected(line));
    });
  }

  it('gives exact columns for the parts of a connect line', () => {
    const { step } = onlyStep('connect tcp://h:1 as echo on client');
    assert.deepEqual(step, {
      kind: 'connect',
      line: 1,
      span: span(1, 2, 37),
      keyword: span(1, 2, 9),
      endpoint: { text: 'tcp://h:1', span: span(1, 10, 19), quoted: false },
      peer: { text: 'echo', span: span(1, 23, 27) },
      socket: { text: 'client', span: span(1, 31, 37) },
    });
  });

  it('gives exact columns for a quoted payload with escapes and its format keyword', () => {
    const { step } = onlyStep('send p text "a\\tb\\u00e9"');
    assert.deepEqual(step, {
      kind: 'send',
      line: 1,
      span: span(1, 2, 26),
      keyword: span(1, 2, 6),
      peer: { text: 'p', span: span(1, 7, 8) },
      payload: { format: 'text', value: { text: 'a\tbé', span: span(1, 14, 26), quoted: true, source: '"a\\tb\\u00e9"' }, formatSpan: span(1, 9, 13) },
    });
  });

  it('gives exact columns for a regex: the pattern between the slashes', () => {
    const { step } = onlyStep('expect p matches /a{{x}}/g');
    assert.equal(step.kind, 'expect');
    assert.deepEqual(step.kind === 'expect' && step.matcher, { kind: 'matches', value: { text: 'a{{x}}', span: span(1, 20, 26), quoted: false }, flags: 'g', kindSpan: span(1, 11, 18) });
  });

  it('reads every JSON escape in a quoted string', () => {
    const { step } = onlyStep(String.raw`send p "\" \\ \/ \b \f \n \r \t \u0041 \ud83d\ude00"`);
    assert.equal(step.kind === 'send' && step.payload.value.text, '" \\ / \b \f \n \r \t A \u{1F600}');
  });

  it('takes a literal tab and other control characters in a quoted string as themselves', () => {
    const { step } = onlyStep('send p "a\tb\u0001c"');
    assert.deepEqual(step.kind === 'send' && step.payload.value, { text: 'a\tb\u0001c', span: span(1, 9, 16), quoted: true });
  });

  it('accepts tabs and blanks between tokens and keeps the step span trimmed', () => {
    const { script } = parseStepLine('\tsend \t p   "x"   ');
    assert.deepEqual(script.diagnostics, []);
    const step = script.scenarios[0].steps[0];
    assert.deepEqual(step.span, span(1, 3, 17));
    assert.deepEqual(step.kind === 'send' && step.peer.span, span(1, 10, 11));
  });
});

describe('script parser: file structure', () => {
  it('reads bare variable values trimmed, quoted ones with escapes, and @a=b without blanks', () => {
    const src = ['@endpoint =   tcp://127.0.0.1:5555  ', '@greeting = "  hi \\"you\\"  "', '@a=b', '@empty ='].join('\n');
    const script = parseScript(src);
    assert.deepEqual(script.diagnostics, []);
    assert.deepEqual(script.variables, [
      { name: { text: 'endpoint', span: span(0, 1, 9) }, value: { text: 'tcp://127.0.0.1:5555', span: span(0, 14, 34), quoted: false } },
      { name: { text: 'greeting', span: span(1, 1, 9) }, value: { text: '  hi "you"  ', span: span(1, 12, 28), quoted: true, source: '"  hi \\"you\\"  "' } },
      { name: { text: 'a', span: span(2, 1, 2) }, value: { text: 'b', span: span(2, 3, 4), quoted: false } },
      { name: { text: 'empty', span: span(3, 1, 6) }, value: { text: '', span: span(3, 8, 8), quoted: false } },
    ]);
  });

  it('skips # and // comments, indented or not, and blank lines', () => {
    const script = parseScript('# top\n// also\n\nscenario s\n  # inside\n   // inside too\n  close\nend\n');
    assert.deepEqual(script.diagnostics, []);
    assert.equal(script.scenarios[0].steps.length, 1);
    assert.equal(script.scenarios[0].steps[0].line, 6);
  });

  it('reads CRLF line endings with the same lines and columns as LF', () => {
    const lf = parseScript('@a = 1\nscenario s\n  send p "x"\nend\n');
    const crlf = parseScript('@a = 1\r\nscenario s\r\n  send p "x"\r\nend\r\n');
    assert.deepEqual(crlf, lf);
    assert.equal(crlf.lineCount, 5);
    assert.deepEqual(crlf.variables[0].value, { text: '1', span: span(0, 5, 6), quoted: false });
  });

  it('reads scenario names bare (the rest of the line) and quoted (with escapes)', () => {
    const script = parseScript('scenario echo round trip  \n  close\nend\nscenario "quoted \\"name\\""\n  close\nend\n');
    assert.deepEqual(script.diagnostics, []);
    assert.deepEqual(
      script.scenarios.map((s) => [s.name, s.keyword, s.startLine, s.endLine]),
      [
        [{ text: 'echo round trip', span: span(0, 9, 24) }, span(0, 0, 8), 0, 2],
        [{ text: 'quoted "name"', span: span(3, 9, 26) }, span(3, 0, 8), 3, 5],
      ],
    );
  });

  it('nests repeat blocks with their counters and end lines', () => {
    const src = ['scenario s', '  repeat 3 as outer', '    send p "a"', '    repeat {{n}}', '      send p "b"', '    end', '  end', '  close', 'end'].join('\n');
    const script = parseScript(src);
    assert.deepEqual(script.diagnostics, []);
    const [outer, close] = script.scenarios[0].steps;
    assert.equal(close.kind, 'close');
    assert.deepEqual(outer, {
      kind: 'repeat',
      line: 1,
      span: span(1, 2, 19),
      keyword: span(1, 2, 8),
      count: { text: '3', span: span(1, 9, 10), quoted: false },
      counter: { text: 'outer', span: span(1, 14, 19) },
      endLine: 6,
      steps: [
        { kind: 'send', line: 2, span: span(2, 4, 14), keyword: span(2, 4, 8), peer: { text: 'p', span: span(2, 9, 10) }, payload: { format: 'text', value: { text: 'a', span: span(2, 11, 14), quoted: true } } },
        {
          kind: 'repeat',
          line: 3,
          span: span(3, 4, 16),
          keyword: span(3, 4, 10),
          count: { text: '{{n}}', span: span(3, 11, 16), quoted: false },
          counter: undefined,
          endLine: 5,
          steps: [{ kind: 'send', line: 4, span: span(4, 6, 16), keyword: span(4, 6, 10), peer: { text: 'p', span: span(4, 11, 12) }, payload: { format: 'text', value: { text: 'b', span: span(4, 13, 16), quoted: true } } }],
        },
      ],
    });
  });

  it('counts the lines of the text, a trailing newline making an empty last line', () => {
    assert.equal(parseScript('').lineCount, 1);
    assert.equal(parseScript('a\nb').lineCount, 2);
    assert.equal(parseScript('a\nb\n').lineCount, 3);
    assert.equal(parseScript('a\rb\r\nc').lineCount, 3);
  });
});

interface ErrorRow {
  readonly what: string;
  readonly src: string;
  readonly expected: readonly Diagnostic[];
}

const err = (line: number, start: number, end: number, message: string, code: string = SCRIPT_CODES.ZMQS_SYNTAX): Diagnostic =>
  ({ span: span(line, start, end), severity: 'error', code, message }) as Diagnostic;

const STEP_LIST = 'socket, bind, connect, accept, wait, send, expect, sleep, timeout, repeat, disconnect, close';

/** Scenario lines around one step on line 1. */
const inScenario = (stepText: string): string => `scenario s\n  ${stepText}\nend`;

const ERRORS: readonly ErrorRow[] = [
  {
    what: 'names an unknown step and suggests the closest keyword',
    src: inScenario('sned p "x"'),
    expected: [err(1, 2, 6, `unknown step "sned" (did you mean "send"?): expected ${STEP_LIST}`)],
  },
  {
    what: 'names an unknown step without a suggestion when none is close',
    src: inScenario('frobnicate'),
    expected: [err(1, 2, 12, `unknown step "frobnicate": expected ${STEP_LIST}`)],
  },
  {
    what: 'says connect needs as NAME',
    src: inScenario('connect tcp://h:1'),
    expected: [err(1, 2, 19, 'connect needs "as NAME" to name the routing id zmq_connect_peer returns: connect ENDPOINT as NAME')],
  },
  {
    what: 'points at the end of the line when as has no name',
    src: inScenario('connect tcp://h:1 as'),
    expected: [err(1, 22, 22, 'expected a peer name after "as"')],
  },
  {
    what: 'points at an unterminated string from its quote to the end of the line',
    src: inScenario('send p "abc'),
    expected: [err(1, 9, 13, 'unterminated string: a closing " is missing')],
  },
  {
    what: 'takes a string ending in a backslash as unterminated',
    src: inScenario('send p "abc\\'),
    expected: [err(1, 9, 14, 'unterminated string: a closing " is missing')],
  },
  {
    what: 'points at an invalid escape',
    src: inScenario('send p "a\\qb"'),
    expected: [err(1, 11, 13, 'invalid escape \\q in string: use \\" \\\\ \\n \\t \\r \\uXXXX')],
  },
  {
    what: 'points at a \\u escape without four hex digits',
    src: inScenario('send p "\\u12x4"'),
    expected: [err(1, 10, 16, 'invalid escape in string: \\u needs four hex digits (\\u00e9)')],
  },
  {
    what: 'says a JSON object lacks its closing brace',
    src: inScenario('send p json {"a": [1, 2]'),
    expected: [err(1, 14, 26, 'unbalanced JSON: a closing } is missing')],
  },
  {
    what: 'says a JSON array lacks its closing bracket',
    src: inScenario('send p json [1, "]"'),
    expected: [err(1, 14, 21, 'unbalanced JSON: a closing ] is missing')],
  },
  {
    what: 'names an unknown payload format',
    src: inScenario('send p yaml a: 1'),
    expected: [err(1, 9, 13, 'unknown payload format "yaml": expected a "quoted string", or text, hex, base64, json or file')],
  },
  {
    what: 'says a payload is missing at the end of send',
    src: inScenario('send p'),
    expected: [err(1, 8, 8, 'expected a payload: "text", or text, hex, base64, json or file and a value')],
  },
  {
    what: 'names an unknown matcher',
    src: inScenario('expect p xml <a/>'),
    expected: [err(1, 11, 14, 'unknown matcher "xml": expected a "quoted string", text, hex, base64, json, json-subset, matches, file or any')],
  },
  {
    what: 'says a regex lacks its closing slash (a / in a class does not close it)',
    src: inScenario('expect p matches /a[/]b'),
    expected: [err(1, 19, 25, 'unterminated regular expression: a closing / is missing')],
  },
  {
    what: 'says matches needs a regex, with a span inside the line',
    src: inScenario('expect p matches'),
    expected: [err(1, 18, 18, 'expected a regular expression: /pattern/flags or "pattern"')],
  },
  {
    what: 'names the wrong word after wait PEER',
    src: inScenario('wait p ready'),
    expected: [err(1, 9, 14, 'expected connected or disconnected, found "ready"')],
  },
  {
    what: 'names a word that does not belong after a step',
    src: inScenario('accept p soon'),
    expected: [err(1, 11, 15, 'unexpected "soon": expected on SOCKET, within DURATION')],
  },
  {
    what: 'names text left after sleep DURATION',
    src: inScenario('sleep 1s now'),
    expected: [err(1, 11, 14, 'unexpected "now"')],
  },
  {
    what: 'refuses a name that is not one',
    src: inScenario('socket 9lives'),
    expected: [err(1, 9, 15, '"9lives" is not a name: use letters, digits, _ and -, starting with a letter')],
  },
  {
    what: 'says an option needs name=value',
    src: inScenario('socket s linger'),
    expected: [err(1, 11, 17, 'expected linger=value')],
  },
  {
    what: 'says an option needs a value after =',
    src: inScenario('socket s linger= ipv6=true'),
    expected: [err(1, 11, 18, 'linger= needs a value')],
  },
  {
    what: 'refuses on SOCKET after disconnect PEER',
    src: inScenario('disconnect p on s'),
    expected: [err(1, 18, 19, 'disconnect PEER takes no "on SOCKET": the peer belongs to one socket already')],
  },
  {
    what: 'refuses a disconnect target that is neither a name nor an endpoint',
    src: inScenario('disconnect 1.2.3.4'),
    expected: [err(1, 13, 20, '"1.2.3.4" is neither a peer name nor an endpoint')],
  },
  {
    what: 'says repeat needs as before a counter',
    src: inScenario('repeat 3 times\n  end'),
    expected: [err(1, 11, 16, 'expected "as", found "times"')],
  },
  {
    what: 'reports an end without a block as unclosed',
    src: 'end',
    expected: [err(0, 0, 3, 'end without a scenario or repeat to close', SCRIPT_CODES.ZMQS_UNCLOSED)],
  },
  {
    what: 'reports text after end, and still closes the block',
    src: 'scenario s\n  close\nend now',
    expected: [err(2, 4, 7, 'nothing may follow end')],
  },
  {
    what: 'reports a missing end at the scenario keyword',
    src: 'scenario s\n  close',
    expected: [err(0, 0, 8, 'scenario "s" has no end', SCRIPT_CODES.ZMQS_UNCLOSED)],
  },
  {
    what: 'reports a missing end of a repeat at its keyword, and of the scenario',
    src: 'scenario s\n  repeat 2\n  close',
    expected: [err(1, 2, 8, 'repeat has no end', SCRIPT_CODES.ZMQS_UNCLOSED), err(0, 0, 8, 'scenario "s" has no end', SCRIPT_CODES.ZMQS_UNCLOSED)],
  },
  {
    what: 'reports a scenario inside an open scenario as the missing end of the open one',
    src: 'scenario a\n  close\nscenario b\n  close\nend',
    expected: [err(0, 0, 8, 'scenario "a" has no end before the next scenario', SCRIPT_CODES.ZMQS_UNCLOSED)],
  },
  {
    what: 'says scenario needs a name',
    src: 'scenario\nend',
    expected: [err(0, 0, 8, 'scenario needs a name: scenario NAME')],
  },
  {
    what: 'says an empty quoted scenario name is no name',
    src: 'scenario ""\nend',
    expected: [err(0, 9, 11, 'scenario needs a name: scenario NAME')],
  },
  {
    what: 'reports steps outside a scenario as unreachable, over the whole line',
    src: '  send p "x"  ',
    expected: [err(0, 2, 12, 'this line never runs: steps belong inside a scenario (scenario NAME … end)', SCRIPT_CODES.ZMQS_UNREACHABLE)],
  },
  {
    what: 'names an unknown line at the top level and suggests scenario',
    src: 'scenaro x',
    expected: [err(0, 0, 7, 'unknown line "scenaro" (did you mean "scenario"?): expected scenario NAME, @name = value or a # comment')],
  },
  {
    what: 'refuses @var inside a scenario, over the whole line',
    src: 'scenario s\n  @a = 1\n  close\nend',
    expected: [err(1, 2, 8, 'variables are defined at the top level, outside scenarios')],
  },
  {
    what: 'says @name needs = value',
    src: '@a 1',
    expected: [err(0, 0, 2, 'expected @a = value')],
  },
  {
    what: 'refuses a variable name that is not one',
    src: '@1a = x',
    expected: [err(0, 0, 3, '"1a" is not a variable name: use letters, digits, _ and -, starting with a letter')],
  },
  {
    what: 'names text after a quoted variable value',
    src: '@a = "x" y',
    expected: [err(0, 9, 10, 'unexpected "y"')],
  },
];

describe('script parser: syntax errors', () => {
  for (const row of ERRORS) {
    it(row.what, () => {
      assert.deepEqual(parseScript(row.src).diagnostics, row.expected);
    });
  }

  it('goes on with the lines after a bad one', () => {
    const script = parseScript(['scenario s', '  sned p "x"', '  send p "unterminated', '  close', 'end', 'scenario t', '  close', 'end'].join('\n'));
    assert.deepEqual(
      script.diagnostics.map((d) => d.span.line),
      [1, 2],
    );
    assert.deepEqual(
      script.scenarios.map((s) => [s.name.text, s.steps.map((step) => step.kind)]),
      [
        ['s', ['close']],
        ['t', ['close']],
      ],
    );
  });

  it('pairs the end of a repeat whose line is bad, keeping its steps in the scenario', () => {
    const script = parseScript(['scenario s', '  repeat', '    send p "x"', '  end', '  close', 'end'].join('\n'));
    assert.deepEqual(script.diagnostics, [err(1, 8, 8, 'expected a repeat count')]);
    assert.deepEqual(
      script.scenarios.map((s) => [s.name.text, s.endLine, s.steps.map((step) => step.kind)]),
      [['s', 5, ['send', 'close']]],
    );
  });

  it('pairs the end of a scenario without a name and leaves it out', () => {
    const script = parseScript(['scenario', '  send p "x"', 'end', 'scenario t', '  close', 'end'].join('\n'));
    assert.deepEqual(script.diagnostics, [err(0, 0, 8, 'scenario needs a name: scenario NAME')]);
    assert.deepEqual(
      script.scenarios.map((s) => s.name.text),
      ['t'],
    );
  });

  it('pairs the end of a repeat outside a scenario and reports each of its steps', () => {
    const script = parseScript(['repeat 2', '  send p "x"', 'end', 'scenario t', '  close', 'end'].join('\n'));
    const unreachable = 'this line never runs: steps belong inside a scenario (scenario NAME … end)';
    assert.deepEqual(script.diagnostics, [err(0, 0, 8, unreachable, SCRIPT_CODES.ZMQS_UNREACHABLE), err(1, 2, 12, unreachable, SCRIPT_CODES.ZMQS_UNREACHABLE)]);
    assert.deepEqual(
      script.scenarios.map((s) => s.name.text),
      ['t'],
    );
  });

  it('closes an unclosed scenario before the next one, which keeps its own steps', () => {
    const script = parseScript('scenario a\n  repeat 2\n    close\nscenario b\n  close\nend');
    assert.deepEqual(
      script.scenarios.map((s) => [s.name.text, s.startLine, s.endLine, s.steps.map((step) => step.kind)]),
      [
        ['a', 0, 2, ['repeat']],
        ['b', 3, 5, ['close']],
      ],
    );
  });

  it('ends an unclosed scenario on the last line of the file', () => {
    const script = parseScript('scenario a\n  close\n\n');
    assert.equal(script.scenarios[0].endLine, 3);
  });
});

describe('trailing comments', () => {
  it('ends a step at a # that starts a word, keeping the columns of what comes before', () => {
    const { step, line } = onlyStep('send p "hello"   # greets');
    assert.equal(step.kind, 'send');
    assert.deepEqual(step.kind === 'send' && step.payload.value, quoted(line, '"hello"', 'hello', 1));
    assert.deepEqual(step.span, span(1, 2, 16));
  });

  it('keeps a # inside a quoted string, a JSON string and a /regex/ after matches', () => {
    const text = onlyStep('send p "a # b"').step;
    assert.equal(text.kind === 'send' && text.payload.value.text, 'a # b');
    const json = onlyStep('send p json {"tag": " #x"} # why').step;
    assert.equal(json.kind === 'send' && json.payload.value.text, '{"tag": " #x"}');
    const regex = onlyStep('expect p matches /a #b/ # comment').step;
    assert.equal(regex.kind === 'expect' && regex.matcher.value?.text, 'a #b');
  });

  it('keeps a # inside a word, and cuts a variable value or a scenario name before a comment', () => {
    const script = parseScript('@pw = a#b\n@echo = tcp://127.0.0.1:5555   # the default\nscenario round trip   # one test\n  close\nend\n');
    assert.deepEqual(script.diagnostics, []);
    assert.deepEqual(script.variables.map((v) => v.value.text), ['a#b', 'tcp://127.0.0.1:5555']);
    assert.equal(script.scenarios[0].name.text, 'round trip');
  });

  it('ends bare hex words at a comment', () => {
    const { step } = onlyStep('send p hex 01 02 # two bytes');
    assert.equal(step.kind === 'send' && step.payload.value.text, '01 02');
  });
});
