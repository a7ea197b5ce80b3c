import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERRNO } from '../../core/errors';
import { checkScript } from '../../zmq-script/checks';
import { SCRIPT_CODES, type Diagnostic } from '../../zmq-script/diagnostics';
import { MATCHER_KEYWORDS, parseScript, PAYLOAD_KEYWORDS, STEP_KEYWORDS } from '../../zmq-script/parser';
import type { Step } from '../../zmq-script/ast';
import { decodePayload, PayloadError, PAYLOAD_FORMATS } from '../../zmq-script/payload';

// Fixed seeds keep CI reproducible; a failure report prints the seed and path to replay it.
const params = (seed: number, numRuns = 500): fc.Parameters<unknown> => ({ seed, numRuns });

const KNOWN_CODES: ReadonlySet<string> = new Set([...Object.values(SCRIPT_CODES), ...Object.keys(ERRNO)]);
const SEVERITIES: ReadonlySet<string> = new Set(['error', 'warning', 'information']);

/** Parses and checks `source`; every diagnostic must be well-formed and inside the text. */
function parseAndCheck(source: string): Diagnostic[] {
  const script = parseScript(source);
  const diagnostics = checkScript(script);
  const lines = source.split(/\r\n|\r|\n/);
  assert.equal(script.lineCount, lines.length);
  for (const d of [...script.diagnostics, ...diagnostics]) {
    const where = `${JSON.stringify(d)} in ${JSON.stringify(source)}`;
    assert.ok(Number.isInteger(d.span.line) && d.span.line >= 0 && d.span.line < script.lineCount, `line out of range: ${where}`);
    const length = lines[d.span.line].length;
    assert.ok(Number.isInteger(d.span.start) && Number.isInteger(d.span.end), `columns not integers: ${where}`);
    assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= length, `columns out of range: ${where}`);
    assert.ok(SEVERITIES.has(d.severity), `bad severity: ${where}`);
    assert.ok(KNOWN_CODES.has(d.code), `unknown code: ${where}`);
    assert.ok(typeof d.message === 'string' && d.message.length > 0, `no message: ${where}`);
    assert.ok(!d.message.startsWith('internal error'), `a check failed: ${where}`);
  }
  return diagnostics;
}

/** The pieces script lines are made of, so that random lines reach the parser's branches. */
const TOKENS = [
  ...STEP_KEYWORDS,
  ...PAYLOAD_KEYWORDS,
  ...MATCHER_KEYWORDS,
  'scenario',
  'end',
  'on',
  'as',
  'within',
  'more',
  'connected',
  'disconnected',
  'p',
  'peer',
  'server',
  'i',
  'n',
  '9x',
  '"',
  '"abc"',
  '"a\\"b"',
  '"\\u00e9"',
  '"\\q"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  '{"a": [1, "}"]}',
  '/',
  '/^a[/]b$/i',
  '{{',
  '}}',
  '{{p.routingId}}',
  '{{server.endpoint}}',
  '{{ i }}',
  '{{x}}',
  '=',
  '@',
  '@a',
  '@a = 1',
  '@b="{{a}}"',
  'immediate=true',
  'linger=x',
  'helloMessage="hi there"',
  'tcp://127.0.0.1:5555',
  'tcp://*:*',
  'foo://x',
  'inproc://x',
  '1s',
  '500ms',
  '0',
  '3',
  '01 02 ff',
  'AQI=',
  '#',
  '//',
  'é',
  '😀',
  '\ud800',
  '\u2028',
  '\u00a0',
  '\ufeff',
];
const SEPARATORS = [' ', ' ', ' ', '  ', '\t', '', '\n', '\n', '\r\n', '\r', '\n  '];
const plausible = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(...SEPARATORS)), { maxLength: 40 })
  .map((parts) => parts.map(([token, separator]) => token + separator).join(''));
/** A line that starts like a step and goes on with plausible pieces, so that the checks see steps too. */
const plausibleLine = fc
  .tuple(
    fc.constantFrom('', '  ', '\t'),
    fc.constantFrom(...STEP_KEYWORDS, 'scenario', 'end', '@a =', '#'),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }),
    fc.constantFrom('', ' ', '\r'),
  )
  .map(([indent, keyword, words, tail]) => `${indent}${keyword} ${words.join(' ')}${tail}`);
/** Lines of plausible pieces, in a scenario or not. */
const plausibleScript = fc
  .tuple(fc.boolean(), fc.oneof(plausible, fc.array(plausibleLine, { maxLength: 12 }).map((lines) => lines.join('\n'))), fc.boolean())
  .map(([open, body, close]) => `${open ? 'scenario s\n' : ''}${body}${close ? '\nend' : ''}`);

describe('script properties: any text', () => {
  it('parses and checks any Unicode string without throwing, with well-formed diagnostics inside the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (source) => {
        parseAndCheck(source);
      }),
      params(51, 1000),
    );
  });

  it('parses and checks any string of script-like characters without throwing', () => {
    const unit = fc.constantFrom(...'scenario end send expect p "\\{}[]/=@#\n\r\t :.-_0123456789abcx'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 200 }), (source) => {
        parseAndCheck(source);
      }),
      params(52, 1000),
    );
  });

  it('parses and checks any script made of plausible pieces without throwing', () => {
    fc.assert(
      fc.property(plausibleScript, (source) => {
        parseAndCheck(source);
      }),
      params(53, 2000),
    );
  });
});

/** Text without `{{`, so that it holds no variable reference. */
const plainText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('{{'));
/** Names as the grammar allows them. */
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/);
const duration = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }).map(String),
  fc.integer({ min: 0, max: 100_000 }).map((n) => `${n}ms`),
  fc.integer({ min: 0, max: 86_400 }).map((n) => `${n}s`),
  fc.integer({ min: 0, max: 1440 }).map((n) => `${n}m`),
);
const within = fc.option(duration.map((d) => ` within ${d}`), { nil: '' }).map((w) => w ?? '');
/** JSON values without `{{` in their text. */
const jsonText = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)).filter((t) => t !== undefined && !t.includes('{{'));

interface Expected {
  /** What the payload or matcher value of the step must read back as. */
  readonly value: string;
}

/** One step addressing `peer`, as written and with the value its payload must read back as. */
const step = (peer: string): fc.Arbitrary<[string, Expected]> =>
  fc.oneof(
    plainText.map((t): [string, Expected] => [`send ${peer} ${JSON.stringify(t)}`, { value: t }]),
    plainText.map((t): [string, Expected] => [`send ${peer} text ${JSON.stringify(t)}`, { value: t }]),
    fc.tuple(plainText, within).map(([t, w]): [string, Expected] => [`expect ${peer} ${JSON.stringify(t)}${w}`, { value: t }]),
    fc.tuple(plainText, within).map(([t, w]): [string, Expected] => [`expect ${peer} text ${JSON.stringify(t)}${w}`, { value: t }]),
    jsonText.map((t): [string, Expected] => [`send ${peer} json ${t}`, { value: t }]),
    fc.tuple(jsonText, within).map(([t, w]): [string, Expected] => [`expect ${peer} json ${t}${w}`, { value: t }]),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b): [string, Expected] => {
      const hex = Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
      return [`send ${peer} hex ${hex}`, { value: hex }];
    }),
    fc.uint8Array({ maxLength: 8 }).map((b): [string, Expected] => [`send ${peer} base64 "${Buffer.from(b).toString('base64')}"`, { value: Buffer.from(b).toString('base64') }]),
  );

interface Generated {
  readonly source: string;
  readonly scenarioNames: readonly string[];
  /** Per scenario, the values its send and expect steps must read back as, in order. */
  readonly values: readonly (readonly string[])[];
}

/** A scenario name: a bare one (no leading quote, no blanks around) or any text in quotes. */
const scenarioName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,20}[A-Za-z0-9]$/).map((n) => ({ written: n, text: n })),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((n) => n.trim() !== '').map((n) => ({ written: JSON.stringify(n), text: n })),
);

/** A scenario connecting to some peers (on the implicit socket or a declared one), then sending to them and expecting from them. */
const scenarioArb = fc
  .tuple(fc.uniqueArray(name, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 1, max: 65535 }))
  .chain(([peers, declare, port]) =>
    fc
      .tuple(
        ...peers.map((p) => fc.array(step(p), { minLength: 1, maxLength: 4 })),
        within,
      )
      .map((parts) => {
        const perPeer = parts.slice(0, peers.length) as [string, Expected][][];
        const w = parts[peers.length] as string;
        const lines: string[] = [];
        const values: string[] = [];
        if (declare) lines.push('socket client heartbeatInterval=1s');
        peers.forEach((p, i) => {
          lines.push(`connect tcp://127.0.0.1:${port} as ${p}${declare ? ' on client' : ''}`);
          lines.push(`wait ${p} connected${w}`);
          for (const [text, expected] of perPeer[i]) {
            lines.push(text);
            values.push(expected.value);
          }
        });
        return { lines, values };
      }),
  );

const scriptArb: fc.Arbitrary<Generated> = fc
  .uniqueArray(scenarioName, { minLength: 1, maxLength: 3, selector: (n) => n.text })
  .chain((names) => fc.tuple(fc.constant(names), fc.tuple(...names.map(() => scenarioArb)), fc.constantFrom('\n', '\r\n'), fc.constantFrom('', '  ', '\t')))
  .map(([names, scenarios, eol, indent]) => {
    const lines: string[] = ['# generated'];
    names.forEach((n, i) => {
      lines.push(`scenario ${n.written}`, ...scenarios[i].lines.map((l) => indent + l), 'end', '');
    });
    return { source: lines.join(eol), scenarioNames: names.map((n) => n.text), values: scenarios.map((s) => s.values) };
  });

/** The payload or matcher value of each send and expect step, in order. */
function stepValues(steps: readonly Step[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    if (s.kind === 'send') out.push(s.payload.value.text);
    else if (s.kind === 'expect' && s.matcher.value) out.push(s.matcher.value.text);
  }
  return out;
}

describe('script properties: valid scripts', () => {
  it('gives no diagnostics for a generated valid script, and reads back every name and payload exactly', () => {
    fc.assert(
      fc.property(scriptArb, ({ source, scenarioNames, values }) => {
        assert.deepEqual(parseAndCheck(source), []);
        const script = parseScript(source);
        assert.deepEqual(
          script.scenarios.map((s) => s.name.text),
          scenarioNames,
        );
        assert.deepEqual(
          script.scenarios.map((s) => stepValues(s.steps)),
          values,
        );
      }),
      params(61, 300),
    );
  });

  it('reads back any string written as a JSON string after send PEER', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        const line = `  send p ${JSON.stringify(text)}`;
        const script = parseScript(`scenario s\n${line}\nend`);
        assert.deepEqual(script.diagnostics, []);
        const [only] = script.scenarios[0].steps;
        assert.equal(only.kind, 'send');
        assert.deepEqual(only.kind === 'send' && only.payload, {
          format: 'text',
          value: { text, span: { line: 1, start: 9, end: line.length }, quoted: true, ...(JSON.stringify(text).includes('\\') ? { source: JSON.stringify(text) } : {}) },
        });
      }),
      params(71, 1000),
    );
  });

  it('reads back any string with its special characters escaped by hand, and places a reference after them', () => {
    const unit = fc.constantFrom('a', ' ', '"', '\\', '/', '\t', '\n', 'é', '😀', '{', '}');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (text) => {
        // Written with the short escapes and \u for the rest, unlike JSON.stringify.
        const body = [...text].map((c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '/' ? '\\/' : c === '\n' ? '\\n' : c === 'é' ? '\\u00e9' : c)).join('');
        const line = `  send p "${body} {{v}}"`;
        const script = parseScript(`@v = 1\nscenario s\n  connect tcp://h:1 as p\n${line}\nend`);
        assert.deepEqual(script.diagnostics, []);
        const send = script.scenarios[0].steps[1];
        assert.equal(send.kind === 'send' && send.payload.value.text, `${text} {{v}}`);
        const undefinedRef = checkScript(parseScript(`scenario s\n  connect tcp://h:1 as p\n${line}\nend`)).filter((d) => d.code === SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE);
        const at = line.lastIndexOf('{{v}}');
        // A {{v}} typed inside the text is a reference too; the last one is the one appended.
        assert.deepEqual(undefinedRef[undefinedRef.length - 1].span, { line: 2, start: at, end: at + 5 });
      }),
      params(72, 500),
    );
  });
});

describe('the payload grammar', () => {
  const hexPair = (b: number): string => b.toString(16).padStart(2, '0');

  it('decodes any bytes back from the hex and base64 forms people write', () => {
    const separator = fc.constantFrom('', ' ', ':', ',', '-', '_', '  ', '\n');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), separator, fc.boolean(), fc.boolean(), (bytes, sep, prefixed, upper) => {
        const groups = [...bytes].map((b) => `${prefixed ? '0x' : ''}${upper ? hexPair(b).toUpperCase() : hexPair(b)}`);
        assert.deepEqual(decodePayload('hex', groups.join(sep === '' && prefixed ? ' ' : sep)), bytes);
        const standard = Buffer.from(bytes).toString('base64');
        assert.deepEqual(decodePayload('base64', standard), bytes);
        assert.deepEqual(decodePayload('base64', standard.replace(/=+$/, '')), bytes);
        assert.deepEqual(decodePayload('base64', Buffer.from(bytes).toString('base64url')), bytes);
      }),
      params(81, 500),
    );
  });

  it('turns any text in any format into bytes or a PayloadError, nothing else', () => {
    const unit = fc.constantFrom('a', 'F', '0', '9', 'x', ' ', ':', '=', '+', '/', '-', '_', '{', '}', '"', ',', 'é', '😀', '\n');
    fc.assert(
      fc.property(fc.constantFrom(...PAYLOAD_FORMATS), fc.string({ unit, maxLength: 40 }), (format, text) => {
        try {
          assert.ok(decodePayload(format, text) instanceof Uint8Array);
        } catch (err) {
          assert.ok(err instanceof PayloadError && err.format === format && err.message.length > 0, String(err));
        }
      }),
      params(82, 2000),
    );
  });

  it('agrees with Node on every base64 text both accept', () => {
    const unit = fc.constantFrom('A', 'Q', 'g', 'z', '0', '+', '/', '=', ' ');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (text) => {
        let bytes: Uint8Array;
        try {
          bytes = decodePayload('base64', text);
        } catch {
          return;
        }
        assert.deepEqual(bytes, new Uint8Array(Buffer.from(text, 'base64')));
      }),
      params(83, 1000),
    );
  });
});
