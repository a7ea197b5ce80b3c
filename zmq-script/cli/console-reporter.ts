/**
 * What `zmq-peer` prints: a header per file, a line per scenario as it finishes (✓/✗ and its
 * duration), the details of a failure (`file:line:col`, the step, the message, expected and actual
 * indented), diagnostics as compilers write them (`file:line:col: severity CODE message`, which
 * editors' problem matchers read), and the summary line CI systems read: `N passed, N failed`,
 * with `, N cancelled` when any was.
 */
import type { Diagnostic } from '../diagnostics';
import { formatDuration } from '../duration';
import type { ScenarioResult, StepResult } from '../results';

/** ANSI styles, or none. */
export interface Style {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string): string => s;

/** The styles for a terminal that shows colour, or plain text. */
export function style(color: boolean): Style {
  return color
    ? { green: ansi(32, 39), red: ansi(31, 39), yellow: ansi(33, 39), dim: ansi(2, 22), bold: ansi(1, 22) }
    : { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
}

/** `file:line:col: severity CODE message`, 1-based (a message that starts with its code does not repeat it). */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const message = d.message.startsWith(`${d.code}: `) ? d.message.slice(d.code.length + 2) : d.message;
  return `${file}:${d.span.line + 1}:${d.span.start + 1}: ${d.severity} ${d.code} ${message}`;
}

/** Scenario counts of a run. */
export interface Totals {
  passed: number;
  failed: number;
  cancelled: number;
}

/** `N passed, N failed`, and `, N cancelled` when any was. */
export function summaryLine(totals: Totals): string {
  return `${totals.passed} passed, ${totals.failed} failed${totals.cancelled > 0 ? `, ${totals.cancelled} cancelled` : ''}`;
}

/** A script file as the reporter shows it. */
export interface ReportedFile {
  /** The path as printed (relative to the working directory). */
  readonly display: string;
  /** The source's lines, for columns. */
  readonly lines: readonly string[];
  /** The check errors (a scenario that holds one is reported as not run, at the diagnostic). */
  readonly diagnostics: readonly Diagnostic[];
}

export class ConsoleReporter {
  readonly #write: (text: string) => void;
  readonly #style: Style;
  readonly totals: Totals = { passed: 0, failed: 0, cancelled: 0 };

  constructor(write: (text: string) => void, color: boolean) {
    this.#write = write;
    this.#style = style(color);
  }

  #line(text = ''): void {
    this.#write(`${text}\n`);
  }

  /** Before a file's scenarios run. */
  fileStarted(file: ReportedFile): void {
    this.#line(this.#style.bold(file.display));
  }

  /** Diagnostics, one a line. */
  diagnostics(file: ReportedFile, list: readonly Diagnostic[], indent = '  '): void {
    for (const d of list) {
      const text = formatDiagnostic(file.display, d);
      this.#line(indent + (d.severity === 'error' ? this.#style.red(text) : d.severity === 'warning' ? this.#style.yellow(text) : text));
    }
  }

  /** A file that holds no scenario. */
  noScenarios(file: ReportedFile): void {
    this.#line(`  ${this.#style.red('✗')} ${file.display}: no scenarios`);
  }

  /** A scenario that finished (or was cancelled before it ran). */
  scenario(file: ReportedFile, result: ScenarioResult): void {
    const s = this.#style;
    const duration = s.dim(`(${formatDuration(result.durationMs)})`);
    if (result.status === 'passed') {
      this.totals.passed++;
      this.#line(`  ${s.green('✓')} ${result.name} ${duration}`);
      return;
    }
    if (result.status === 'cancelled') {
      this.totals.cancelled++;
      const at = result.failure ? ` at ${file.display}:${result.failure.line + 1}: ${result.failure.text}` : '';
      this.#line(`  ${s.yellow('-')} ${result.name} ${s.yellow(`(cancelled${at})`)}`);
      return;
    }
    this.totals.failed++;
    this.#line(`  ${s.red('✗')} ${result.name} ${duration}`);
    if (result.failure) this.#failure(file, result.failure);
  }

  #failure(file: ReportedFile, failure: StepResult): void {
    const s = this.#style;
    const pad = '      ';
    this.#line(`${pad}${file.display}:${failure.line + 1}:${column(file, failure)}: ${failure.text}`);
    if (failure.iteration && failure.iteration.length > 0) this.#line(`${pad}in iteration ${failure.iteration.join('.')}`);
    if (failure.message !== undefined) {
      for (const l of failure.message.split('\n')) this.#line(pad + s.red(l));
    }
    if (failure.expected !== undefined) {
      this.#line(`${pad}expected:`);
      for (const l of clip(failure.expected)) this.#line(`${pad}  ${s.green(l)}`);
    }
    if (failure.actual !== undefined) {
      this.#line(`${pad}actual:`);
      for (const l of clip(failure.actual)) this.#line(`${pad}  ${s.red(l)}`);
    }
  }

  /** The closing lines: the counts of scenarios, the summary line last. */
  summary(files: number, durationMs: number): void {
    this.#line();
    const scenarios = this.totals.passed + this.totals.failed + this.totals.cancelled;
    this.#line(this.#style.dim(`${scenarios} scenario${scenarios === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}, ${formatDuration(durationMs)}`));
    const line = summaryLine(this.totals);
    this.#line(this.totals.failed > 0 ? this.#style.red(line) : this.totals.cancelled > 0 ? this.#style.yellow(line) : this.#style.green(line));
  }
}

/** Lines of an expected or actual side shown; a longer side is cut, saying how much is left out. */
export const MAX_SIDE_LINES = 60;
/** Characters shown of one line of a side. */
export const MAX_LINE_CHARS = 400;

function clip(text: string): string[] {
  const lines = text.split('\n');
  const shown = lines.slice(0, MAX_SIDE_LINES).map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}… (${l.length - MAX_LINE_CHARS} more characters)` : l));
  if (lines.length > MAX_SIDE_LINES) shown.push(`… (${lines.length - MAX_SIDE_LINES} more lines)`);
  return shown;
}

/** The 1-based column of a failure: its diagnostic's, for a scenario that did not run; else where the step's text starts. */
function column(file: ReportedFile, failure: StepResult): number {
  const d = file.diagnostics.find((x) => x.span.line === failure.line && x.code === failure.code);
  if (d) return d.span.start + 1;
  const text = file.lines[failure.line] ?? '';
  return text.length - text.trimStart().length + 1;
}
