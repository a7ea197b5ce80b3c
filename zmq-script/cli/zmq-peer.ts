#!/usr/bin/env node
/**
 * `zmq-peer`: runs and checks ZMQ Peer Scripts (`.zmq` files) from a terminal or CI.
 *
 * - `zmq-peer run [options] FILE…` runs each file's scenarios, reports them as they finish, ends
 *   with `N passed, N failed`, and can write JUnit XML;
 * - `zmq-peer check [options] FILE…` parses and checks only, printing `file:line:col: severity CODE message`;
 * - `zmq-peer tap [options] LISTEN UPSTREAM` relays and decodes the traffic between apps and an
 *   endpoint until Ctrl-C (tap-command.ts).
 *
 * Exit status: 0 when everything passed (check: no errors), 1 when a scenario failed or a file has
 * errors or no scenarios, 2 for a usage error, 130 when interrupted (Ctrl-C cancels the running
 * step and closes the sockets first). Plain Node; no dependencies beyond the core.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Script } from '../ast';
import { checkScript } from '../checks';
import { findEnvFile } from '../env-file';
import { toJUnitXml } from '../junit';
import { parseScript, sourceLines } from '../parser';
import type { ScriptResult } from '../results';
import { DEFAULT_TIMEOUT_MS, parseDuration } from '../duration';
import { runScript } from '../runner';
import { Variables, variableLayers, type VariableLayer } from '../variables';
import { ConsoleReporter, formatDiagnostic, type ReportedFile } from './console-reporter';
import { expandFiles, FileNotFoundError } from './files';
import { tapMain } from './tap-command';

export const USAGE = `Usage: zmq-peer run [options] FILE…
       zmq-peer check [options] FILE…
       zmq-peer tap [options] LISTEN UPSTREAM     (zmq-peer tap --help)

Runs ZMQ Peer Scripts (.zmq files) against real ZeroMQ PEER sockets.

Commands:
  run FILE…             run each file's scenarios and report them
  check FILE…           parse and check the files without running them
  tap LISTEN UPSTREAM   relay apps connecting to LISTEN to UPSTREAM and show the traffic

Options:
  --scenario NAME       run only the scenario NAME (repeatable)
  --var NAME=VALUE      set {{NAME}} (repeatable; overrides every other source)
  --env-file FILE       variables from FILE (default: .env next to the script, else ./.env)
  --timeout DURATION    default "within" of accept, wait and expect (500ms, 2s; default ${DEFAULT_TIMEOUT_MS / 1000}s)
  --junit FILE          write a JUnit XML report to FILE (run)
  --no-color            no colours (also when NO_COLOR is set or stdout is not a terminal)
  -h, --help            show this help
  --version             show the version

FILE may be a folder (its .zmq files) or a glob (dir/*.zmq, dir/**/*.zmq).
Variables, lowest to highest precedence: the file's @NAME = VALUE lines, the .env file,
the environment, --var.

Exit status: 0 all scenarios passed (check: no errors); 1 a scenario failed, or a file
has errors or no scenarios; 2 usage error; 130 interrupted.
`;

/** Where the CLI reads and writes; the process's own by default. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborting cancels the run (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** A usage mistake: reported with the usage text, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = {
  junit: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  var: { type: 'string', multiple: true },
  'env-file': { type: 'string' },
  timeout: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** `--var` names: what `{{…}}` can refer to. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** The version in the package.json above this file (out/zmq-script/cli/ or a bundle in dist/). */
export function version(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'zmq-peer-debugger' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

interface Parsed {
  readonly command: 'run' | 'check';
  readonly files: readonly string[];
  readonly junit?: string;
  readonly scenarios?: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
  readonly envFile?: string;
  readonly timeout?: number;
  readonly color: boolean;
}

type ParseOutcome = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'command'; readonly parsed: Parsed };

function parse(argv: readonly string[], io: CliIO): ParseOutcome {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option ${unknown[1]}` : message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('no command: use run, check or tap');
  if (command !== 'run' && command !== 'check') throw new UsageError(`unknown command "${command}": use run, check or tap`);
  if (command === 'check') {
    for (const name of ['junit', 'scenario', 'timeout'] as const) if (values[name] !== undefined) throw new UsageError(`--${name} is an option of run, not check`);
  }
  if (rest.length === 0) throw new UsageError(`no files: zmq-peer ${command} FILE…`);
  const vars: Record<string, string> = {};
  for (const setting of values.var ?? []) {
    const at = setting.indexOf('=');
    const name = at < 0 ? setting : setting.slice(0, at);
    if (at < 0 || !VARIABLE_NAME.test(name)) throw new UsageError(`--var ${setting}: write --var NAME=VALUE (NAME: letters, digits, _ . -, starting with a letter or _)`);
    vars[name] = setting.slice(at + 1);
  }
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = parseDuration(values.timeout);
    if (timeout === undefined) throw new UsageError(`--timeout ${values.timeout} is not a duration: write 500ms, 2s, 1.5s or 1m`);
  }
  const envFile = values['env-file'];
  if (envFile !== undefined && !existsSync(resolve(io.cwd, envFile))) throw new UsageError(`--env-file: file not found: ${envFile}`);
  const noColor = values['no-color'] === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.stdout.isTTY !== true;
  return {
    kind: 'command',
    parsed: {
      command,
      files: rest,
      ...(values.junit !== undefined ? { junit: values.junit } : {}),
      ...(values.scenario !== undefined ? { scenarios: values.scenario } : {}),
      vars,
      ...(envFile !== undefined ? { envFile: resolve(io.cwd, envFile) } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      color: !noColor,
    },
  };
}

/** A script file read and parsed, with its variables. */
interface LoadedFile extends ReportedFile {
  readonly path: string;
  readonly script: Script;
  readonly variables: Variables;
}

function load(files: readonly string[], parsed: Parsed, io: CliIO): LoadedFile[] {
  let paths: string[];
  try {
    // Relative arguments are relative to io.cwd; expandFiles works on the process's.
    paths = expandFiles(files.map((f) => (isAbsolute(f) ? f : relativeArg(io.cwd, f)))).map((p) => resolve(process.cwd(), p));
  } catch (err) {
    if (err instanceof FileNotFoundError) throw new UsageError(err.message);
    throw err;
  }
  return paths.map((path) => {
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const script = parseScript(source);
    const envFile = findEnvFile(path, io.cwd, parsed.envFile ?? '');
    let layers: VariableLayer[];
    try {
      layers = variableLayers({ ...(envFile !== undefined ? { envFile } : {}), env: io.env, commandLine: parsed.vars });
    } catch (err) {
      throw new UsageError(`cannot read ${envFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const display = displayPath(io.cwd, path);
    return { path, display, script, lines: sourceLines(source), diagnostics: [], variables: new Variables(script, layers) };
  });
}

/** A path relative to the working directory when it is under it, else absolute. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function relativeArg(cwd: string, arg: string): string {
  const absolute = resolve(cwd, arg);
  const fromProcess = relative(process.cwd(), absolute);
  return fromProcess === '' ? '.' : fromProcess;
}

async function check(files: readonly LoadedFile[], io: CliIO): Promise<number> {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const diagnostics = checkScript(file.script, { variables: file.variables, fileExists: (p) => existsSync(resolve(dirname(file.path), p)) });
    for (const d of diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      io.stdout.write(`${formatDiagnostic(file.display, d)}\n`);
    }
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.stdout.write(`${plural(files.length, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors > 0 ? 1 : 0;
}

async function run(files: readonly LoadedFile[], parsed: Parsed, io: CliIO): Promise<number> {
  const wanted = parsed.scenarios;
  if (wanted) {
    const known = new Set(files.flatMap((f) => f.script.scenarios.map((s) => s.name.text)));
    const missing = wanted.filter((name) => !known.has(name));
    if (missing.length > 0) throw new UsageError(`no scenario named ${missing.map((n) => JSON.stringify(n)).join(', ')} in ${files.map((f) => f.display).join(', ')}`);
  }
  const started = new Date();
  const reporter = new ConsoleReporter((text) => io.stdout.write(text), parsed.color);
  const results: ScriptResult[] = [];
  let failed = false;
  for (const file of files) {
    if (wanted && !file.script.scenarios.some((s) => wanted.includes(s.name.text))) continue;
    const errors = checkScript(file.script, { variables: file.variables }).filter((d) => d.severity === 'error');
    const reported: ReportedFile = { ...file, diagnostics: errors };
    reporter.fileStarted(reported);
    if (!wanted) reporter.diagnostics(reported, errors);
    // The parse and check done above are what runs: the runner does not read the text again.
    const result = await runScript({ script: file.script, lines: file.lines, diagnostics: errors }, {
      file: file.path,
      variables: file.variables,
      ...(wanted ? { scenarios: wanted } : {}),
      ...(parsed.timeout !== undefined ? { defaultTimeout: parsed.timeout } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      // Every scenario is reported as it finishes (those an interruption kept from starting too).
      onEvent: (event) => {
        if (event.type === 'scenarioFinished') reporter.scenario(reported, event.result);
      },
    });
    if (result.scenarios.length === 0) {
      reporter.noScenarios(reported);
      failed = true;
    }
    if (!result.passed || (!wanted && result.diagnostics.length > 0)) failed = true;
    results.push(result);
  }
  reporter.summary(results.length, Date.now() - started.getTime());
  let code = failed ? 1 : 0;
  if (parsed.junit !== undefined) {
    const target = resolve(io.cwd, parsed.junit);
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, toJUnitXml(results, { timestamp: started, cwd: io.cwd }));
    } catch (err) {
      io.stderr.write(`zmq-peer: cannot write ${parsed.junit}: ${err instanceof Error ? err.message : String(err)}\n`);
      code = 1;
    }
  }
  return io.signal?.aborted ? 130 : code;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv[0] === 'tap') return tapMain(argv.slice(1), io);
  try {
    const outcome = parse(argv, io);
    if (outcome.kind === 'help') {
      io.stdout.write(USAGE);
      return 0;
    }
    if (outcome.kind === 'version') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const { parsed } = outcome;
    const files = load(parsed.files, parsed, io);
    return parsed.command === 'check' ? await check(files, io) : await run(files, parsed, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`zmq-peer: ${err.message}\n\n${USAGE}`);
    return 2;
  }
}

if (require.main === module) {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    // The first Ctrl-C cancels the running step and lets the sockets close; a second one quits now.
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nzmq-peer: interrupted; closing sockets (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
      // Sockets are closed by now; don't let a lingering timer keep a finished run alive.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`zmq-peer: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
