import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { escapeXmlAttribute, escapeXmlText, toJUnitXml } from '../../zmq-script/junit';
import type { ScriptResult, StepResult } from '../../zmq-script/results';

const CWD = join('/', 'work', 'project');
const AT = new Date('2025-03-04T05:06:07.890Z');
const OPTIONS = { cwd: CWD, hostname: 'ci-host', timestamp: AT, name: 'zmq scripts' };

const PASSED: ScriptResult = {
  file: join(CWD, 'scripts', 'echo.zmq'),
  passed: true,
  durationMs: 1234,
  diagnostics: [],
  scenarios: [
    {
      name: 'round trip',
      line: 2,
      status: 'passed',
      durationMs: 1200,
      steps: [
        { line: 3, text: 'connect {{echo}} as e', status: 'passed', durationMs: 3 },
        { line: 4, text: 'repeat 2', status: 'passed', durationMs: 7, message: '2 iterations' },
      ],
    },
  ],
};

/** A failed expectation whose message and frames hold characters XML must escape or cannot carry. */
const MISMATCH: StepResult = {
  line: 3,
  text: 'expect e "<&>\u0001"',
  status: 'failed',
  durationMs: 5,
  message: 'frame differs at byte 3: expected 4 bytes "<&>\\u0001", received 3 bytes "<&>"',
  code: 'ZMQS_MISMATCH',
  expected: '<&>\u0001',
  actual: 'line one\nline "two" \u001b[31m',
};

const MIXED: ScriptResult = {
  file: join(CWD, 'scripts', 'mixed.zmq'),
  passed: false,
  durationMs: 2500,
  diagnostics: [{ span: { line: 20, start: 7, end: 14 }, severity: 'error', code: 'EPROTONOSUPPORT', message: 'EPROTONOSUPPORT: Protocol not supported: unknown transport "foo"' }],
  scenarios: [
    {
      name: 'tags <a> & "quotes" \'too\'',
      line: 1,
      status: 'failed',
      durationMs: 20,
      steps: [{ line: 2, text: 'send e "<&>"', status: 'passed', durationMs: 1 }, MISMATCH],
      failure: MISMATCH,
    },
    {
      name: 'interrupted',
      line: 10,
      status: 'cancelled',
      durationMs: 300,
      steps: [{ line: 11, text: 'sleep 10s', status: 'failed', durationMs: 300, message: 'cancelled', code: 'ZMQS_CANCELLED' }],
      failure: { line: 11, text: 'sleep 10s', status: 'failed', durationMs: 300, message: 'cancelled', code: 'ZMQS_CANCELLED' },
    },
    {
      name: 'bad endpoint',
      line: 19,
      status: 'failed',
      durationMs: 0,
      steps: [],
      failure: {
        line: 20,
        text: 'bind foo://x',
        status: 'failed',
        durationMs: 0,
        message: 'not run: line 21: EPROTONOSUPPORT: Protocol not supported: unknown transport "foo"',
        code: 'EPROTONOSUPPORT',
      },
    },
  ],
};

const EMPTY: ScriptResult = { file: join(CWD, 'empty.zmq'), passed: false, durationMs: 1, diagnostics: [], scenarios: [] };

/** The attributes of the first element named `tag` whose text matches `where`. */
function attributesOf(xml: string, tag: string, where: RegExp = /.*/): Record<string, string> {
  const element = [...xml.matchAll(new RegExp(`<${tag}((?:\\s+[\\w-]+="[^"]*")*)\\s*/?>`, 'g'))].find((m) => where.test(m[0]));
  assert.ok(element, `no <${tag}> matching ${where} in\n${xml}`);
  return Object.fromEntries([...element[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe('JUnit XML of script results', () => {
  it('writes the whole document for a passing script exactly', () => {
    assert.equal(
      toJUnitXml([PASSED], OPTIONS),
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="zmq scripts" tests="1" failures="0" errors="0" skipped="0" time="1.234">',
        '  <testsuite name="scripts/echo.zmq" tests="1" failures="0" errors="0" skipped="0" time="1.234" timestamp="2025-03-04T05:06:07" hostname="ci-host">',
        '    <testcase name="round trip" classname="scripts/echo.zmq" file="scripts/echo.zmq" line="3" time="1.200">',
        '      <system-out>[passed] 4: connect {{echo}} as e (3 ms)',
        '[passed] 5: repeat 2 (7 ms) — 2 iterations</system-out>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('counts tests, failures, errors and skipped per suite and in total', () => {
    const xml = toJUnitXml([PASSED, MIXED, EMPTY], OPTIONS);
    assert.deepEqual(attributesOf(xml, 'testsuites'), { name: 'zmq scripts', tests: '5', failures: '2', errors: '1', skipped: '1', time: '3.735' });
    const mixed = attributesOf(xml, 'testsuite', /mixed\.zmq/);
    assert.deepEqual(
      { tests: mixed.tests, failures: mixed.failures, errors: mixed.errors, skipped: mixed.skipped, time: mixed.time },
      { tests: '3', failures: '2', errors: '0', skipped: '1', time: '2.500' },
    );
    assert.equal((xml.match(/<testsuite /g) ?? []).length, 3);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
  });

  it('stamps each suite with the start plus the durations of the suites before it', () => {
    const xml = toJUnitXml([PASSED, MIXED, EMPTY], OPTIONS);
    assert.equal(attributesOf(xml, 'testsuite', /echo\.zmq/).timestamp, '2025-03-04T05:06:07');
    assert.equal(attributesOf(xml, 'testsuite', /mixed\.zmq/).timestamp, '2025-03-04T05:06:09');
    assert.equal(attributesOf(xml, 'testsuite', /empty\.zmq/).timestamp, '2025-03-04T05:06:11');
  });

  it('writes a failure with the step, the message and both sides, escaped', () => {
    const xml = toJUnitXml([MIXED], OPTIONS);
    const failure = /<failure message="([^"]*)" type="ZMQS_MISMATCH">([^<]*)<\/failure>/.exec(xml);
    assert.ok(failure, xml);
    assert.equal(failure[1], 'frame differs at byte 3: expected 4 bytes &quot;&lt;&amp;&gt;\\u0001&quot;, received 3 bytes &quot;&lt;&amp;&gt;&quot;');
    assert.equal(
      failure[2],
      [
        'scripts/mixed.zmq:4: expect e "&lt;&amp;&gt;\\u0001"',
        'frame differs at byte 3: expected 4 bytes "&lt;&amp;&gt;\\u0001", received 3 bytes "&lt;&amp;&gt;"',
        'expected:',
        '  &lt;&amp;&gt;\\u0001',
        'actual:',
        '  line one',
        '  line "two" \\u001b[31m',
      ].join('\n'),
    );
    assert.equal(attributesOf(xml, 'testcase', /tags/).name, 'tags &lt;a&gt; &amp; &quot;quotes&quot; &apos;too&apos;');
    assert.equal(attributesOf(xml, 'testcase', /tags/).line, '4');
  });

  it('reports a cancelled scenario as skipped', () => {
    const xml = toJUnitXml([MIXED], OPTIONS);
    assert.match(xml, /<testcase name="interrupted" classname="scripts\/mixed\.zmq" file="scripts\/mixed\.zmq" line="11" time="0\.300">\n {6}<skipped message="cancelled"\/>\n {6}<system-out>\[cancelled\] 12: sleep 10s \(300 ms\)<\/system-out>/);
  });

  it('reports a scenario that did not run for a check error as a failure of that code', () => {
    const xml = toJUnitXml([MIXED], OPTIONS);
    assert.match(
      xml,
      /<testcase name="bad endpoint" [^>]*line="21"[^>]*>\n {6}<failure message="not run: line 21: EPROTONOSUPPORT: Protocol not supported: unknown transport &quot;foo&quot;" type="EPROTONOSUPPORT">scripts\/mixed\.zmq:21: bind foo:\/\/x\n/,
    );
  });

  it('reports a file without scenarios as an error', () => {
    const xml = toJUnitXml([EMPTY], OPTIONS);
    assert.match(xml, /<testcase name="\(no scenarios\)" classname="empty\.zmq" file="empty\.zmq" time="0\.001">\n {6}<error message="the file has no scenarios" type="ZMQS_EMPTY">empty\.zmq: no scenarios<\/error>/);
  });

  it('leaves out every character XML 1.0 forbids', () => {
    const nasty = `a\u0000b\u0008c\u000bd\u001fe\ud800f\udc00g\ufffeh\uffff\u{1f600}\t\n\r`;
    assert.equal(escapeXmlText(nasty), 'a\\u0000b\\u0008c\\u000bd\\u001fe\\ud800f\\udc00g\\ufffeh\\uffff\u{1f600}\t\n\r');
    assert.equal(escapeXmlAttribute(nasty), 'a\\u0000b\\u0008c\\u000bd\\u001fe\\ud800f\\udc00g\\ufffeh\\uffff\u{1f600}&#9;&#10;&#13;');
    const xml = toJUnitXml([{ ...MIXED, scenarios: [{ ...MIXED.scenarios[0], name: nasty }] }], OPTIONS);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(xml, /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('escapes markup in every attribute and text', () => {
    assert.equal(escapeXmlText(`<a href="x">&amp;</a> 'q'`), `&lt;a href="x"&gt;&amp;amp;&lt;/a&gt; 'q'`);
    assert.equal(escapeXmlAttribute(`<a href="x">&amp;</a> 'q'`), '&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt; &apos;q&apos;');
    const xml = toJUnitXml([MIXED], OPTIONS);
    // Outside tags, no raw < or & that does not start an entity.
    const text = xml.replace(/<[^>]*>/g, '');
    assert.doesNotMatch(text, /[<>]|&(?!(amp|lt|gt|quot|apos|#\d+);)/);
  });

  it('writes an empty report for no results', () => {
    assert.equal(toJUnitXml([], OPTIONS), '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="zmq scripts" tests="0" failures="0" errors="0" skipped="0" time="0.000"/>\n');
  });
});
