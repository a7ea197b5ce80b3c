/**
 * Script results as JUnit XML, the format Jenkins, GitLab and GitHub test reporters read:
 *
 * ```xml
 * <testsuites name tests failures errors skipped time>
 *   <testsuite name=FILE tests failures errors skipped time timestamp hostname>   one per script file
 *     <testcase name=SCENARIO classname=FILE file=FILE line=N time>                one per scenario
 *       <failure message type=CODE>FILE:LINE: step, message, expected/actual</failure>   failed (or not run)
 *       <skipped message="cancelled"/>                                                   cancelled
 *       <system-out>each step's line and status</system-out>
 *     </testcase>
 *   </testsuite>
 * </testsuites>
 * ```
 *
 * File names are relative to the working directory (absolute outside it). A file without scenarios gets one testcase
 * with an `<error>` (its check errors, if any), so that CI does not take it for a pass. `line`
 * (1-based) is the failing step's line when the scenario failed, else the scenario's: reporters
 * that annotate sources (GitHub) read it. Characters XML 1.0 forbids are written as `\uXXXX`.
 */
import { hostname as osHostname } from 'node:os';
import { isAbsolute, relative, sep } from 'node:path';
import type { ScenarioResult, ScriptResult, StepResult } from './results';

/** How the report is labelled. */
export interface JUnitOptions {
  /** The `<testsuites>` name; default "zmq-peer". */
  readonly name?: string;
  /** The `hostname` of each suite; default the machine's. */
  readonly hostname?: string;
  /** When the run started; each suite is stamped with it plus the durations of the suites before it. Default now. */
  readonly timestamp?: Date;
  /** What file names are made relative to; default the working directory. */
  readonly cwd?: string;
}

/** Characters XML 1.0 does not allow (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function printable(text: string): string {
  return text.replace(FORBIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text content: `&`, `<` and `>` escaped, forbidden characters replaced. */
export function escapeXmlText(text: string): string {
  return printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (double-quoted): also quotes, and line breaks and tabs kept as character references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** `2024-05-01T12:00:00`: the schema's xs:dateTime without zone (UTC). */
const stamp = (date: Date): string => date.toISOString().slice(0, 19);

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXmlAttribute(String(v))}"`)
    .join('');
}

function displayPath(file: string | undefined, cwd: string): string {
  if (file === undefined) return '(script)';
  const rel = isAbsolute(file) ? relative(cwd, file) : file;
  // Outside the working directory, the absolute path says more than ../../x.
  const path = rel === '' || (isAbsolute(file) && (rel.startsWith('..') || isAbsolute(rel))) ? file : rel;
  return sep === '\\' ? path.replace(/\\/g, '/') : path;
}

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** Characters of an expected or actual side written into a failure; the rest is left out, saying how much. */
export const MAX_SIDE_CHARS = 16 * 1024;

const clip = (text: string): string => (text.length > MAX_SIDE_CHARS ? `${text.slice(0, MAX_SIDE_CHARS)}… (${text.length - MAX_SIDE_CHARS} more characters)` : text);

/** The body of a `<failure>`: where, what, why, and both sides of a mismatch. */
export function failureText(file: string, failure: StepResult): string {
  const parts = [`${file}:${failure.line + 1}: ${failure.text}`];
  if (failure.iteration && failure.iteration.length > 0) parts.push(`in iteration ${failure.iteration.join('.')}`);
  if (failure.message !== undefined) parts.push(failure.message);
  if (failure.expected !== undefined) parts.push(`expected:\n${indent(clip(failure.expected), '  ')}`);
  if (failure.actual !== undefined) parts.push(`actual:\n${indent(clip(failure.actual), '  ')}`);
  return parts.join('\n');
}

function stepLine(step: StepResult): string {
  const status = step.status === 'passed' ? 'passed' : step.code === 'ZMQS_CANCELLED' ? 'cancelled' : 'failed';
  const note = step.status === 'passed' && step.message ? ` — ${step.message}` : '';
  return `[${status}] ${step.line + 1}: ${step.text} (${step.durationMs} ms)${note}`;
}

function testcase(file: string, scenario: ScenarioResult): string {
  const failure = scenario.failure;
  const line = (scenario.status === 'failed' && failure ? failure.line : scenario.line) + 1;
  const open = `    <testcase${attributes({ name: scenario.name, classname: file, file, line, time: seconds(scenario.durationMs) })}>`;
  const body: string[] = [];
  if (scenario.status === 'cancelled') body.push('      <skipped message="cancelled"/>');
  else if (scenario.status === 'failed' && failure) {
    body.push(`      <failure${attributes({ message: failure.message ?? 'failed', type: failure.code ?? 'failed' })}>${escapeXmlText(failureText(file, failure))}</failure>`);
  } else if (scenario.status === 'failed') body.push('      <failure message="failed" type="failed"/>');
  const out = scenario.steps.map(stepLine);
  if (failure && !scenario.steps.includes(failure) && !scenario.steps.some((s) => s.line === failure.line && s.status === 'failed')) {
    // A failure outside the steps that ran: a check error, or a step inside a repeat.
    out.push(stepLine(failure));
  }
  if (out.length > 0) body.push(`      <system-out>${escapeXmlText(out.join('\n'))}</system-out>`);
  return body.length === 0 ? open.replace(/>$/, '/>') : `${open}\n${body.join('\n')}\n    </testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function testsuite(result: ScriptResult, options: JUnitOptions, cwd: string, started: Date): { xml: string; counts: Counts } {
  const file = displayPath(result.file, cwd);
  const cases: string[] = [];
  const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const scenario of result.scenarios) {
    counts.tests++;
    if (scenario.status === 'failed') counts.failures++;
    else if (scenario.status === 'cancelled') counts.skipped++;
    cases.push(testcase(file, scenario));
  }
  if (result.scenarios.length === 0) {
    counts.tests++;
    counts.errors++;
    const first = result.diagnostics[0];
    const message = first ? `${first.code}: ${first.message}` : 'the file has no scenarios';
    const text = result.diagnostics.length > 0 ? result.diagnostics.map((d) => `${file}:${d.span.line + 1}:${d.span.start + 1}: ${d.severity} ${d.code} ${d.message}`).join('\n') : `${file}: no scenarios`;
    cases.push(
      `    <testcase${attributes({ name: '(no scenarios)', classname: file, file, line: first ? first.span.line + 1 : undefined, time: seconds(result.durationMs) })}>\n` +
        `      <error${attributes({ message, type: first?.code ?? 'ZMQS_EMPTY' })}>${escapeXmlText(text)}</error>\n` +
        '    </testcase>',
    );
  }
  const open = `  <testsuite${attributes({
    name: file,
    tests: counts.tests,
    failures: counts.failures,
    errors: counts.errors,
    skipped: counts.skipped,
    time: seconds(result.durationMs),
    timestamp: stamp(started),
    hostname: options.hostname ?? osHostname(),
  })}>`;
  return { xml: `${open}\n${cases.join('\n')}\n  </testsuite>`, counts };
}

/** The results of one run (one entry per script file) as a JUnit XML document. */
export function toJUnitXml(results: readonly ScriptResult[], options: JUnitOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  let at = (options.timestamp ?? new Date()).getTime();
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  let time = 0;
  const suites: string[] = [];
  for (const result of results) {
    const { xml, counts } = testsuite(result, options, cwd, new Date(at));
    at += result.durationMs;
    time += result.durationMs;
    suites.push(xml);
    total.tests += counts.tests;
    total.failures += counts.failures;
    total.errors += counts.errors;
    total.skipped += counts.skipped;
  }
  const root = `<testsuites${attributes({ name: options.name ?? 'zmq-peer', tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: seconds(time) })}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${suites.length === 0 ? `${root}/>` : `${root}>\n${suites.join('\n')}\n</testsuites>`}\n`;
}
