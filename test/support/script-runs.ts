/**
 * Helpers of the frame-script tests (test/script/): a PEER echo on the core (each message sent
 * back to its sender), the repository's paths, variables for a script with `echo` set to an
 * endpoint, and the `zmq-peer` CLI run as a child process (`zmq-peer tap` with its output collected).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Peer } from '../../core/index';
import type { ConnectionInfo } from '../../core/events';
import { parseScript } from '../../zmq-script/parser';
import type { ScenarioResult, ScriptResult, StepResult } from '../../zmq-script/results';
import { Variables } from '../../zmq-script/variables';

/** The repository root (this compiles to out/test/support/). */
export const ROOT = join(__dirname, '..', '..', '..');
export const EXAMPLES = join(ROOT, 'docs', 'examples');

export interface CoreEcho {
  readonly peer: Peer;
  readonly endpoint: string;
  /** Every connection change the echo saw. */
  readonly connections: ConnectionInfo[];
  close(): Promise<void>;
}

/** A core PEER bound to `endpoint` that echoes every message back to its sender. */
export async function startCoreEcho(endpoint = 'tcp://127.0.0.1:*'): Promise<CoreEcho> {
  const peer = new Peer({ linger: 0 });
  const connections: ConnectionInfo[] = [];
  peer.on('connection', (info) => connections.push(info));
  const bound = await peer.bind(endpoint);
  const loop = (async () => {
    for await (const { routingId, data } of peer) {
      // A peer may be gone by the time its echo goes out: that is the script's business.
      await peer.send(routingId, data).catch(() => undefined);
    }
  })();
  return {
    peer,
    endpoint: bound,
    connections,
    async close() {
      await peer.close();
      await loop;
    },
  };
}

/** A script's variables with extra values in a highest layer. */
export function variablesFor(source: string, values: Record<string, string>): Variables {
  return new Variables(parseScript(source), [{ source: 'test', values }]);
}

/** A file's text. */
export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The scenario of that name; fails the test when there is none. */
export function scenarioOf(result: ScriptResult, name: string): ScenarioResult {
  const found = result.scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario "${name}" in ${JSON.stringify(result.scenarios.map((s) => s.name))}`);
  return found;
}

/** The failure of the scenario of that name; fails the test when it passed. */
export function failureOf(result: ScriptResult, name: string): StepResult {
  const failure = scenarioOf(result, name).failure;
  if (!failure) throw new Error(`scenario "${name}" did not fail: ${JSON.stringify(scenarioOf(result, name))}`);
  return failure;
}

/** A compact view of a result for assertion messages. */
export function summarize(result: ScriptResult): string {
  return JSON.stringify(
    result.scenarios.map((s) => ({ name: s.name, status: s.status, failure: s.failure })),
    null,
    1,
  );
}

/** The compiled CLI. */
export const CLI = join(__dirname, '..', '..', 'zmq-script', 'cli', 'zmq-peer.js');

export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without variables that would change what the scripts see or print. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.echo;
  delete env.greeting;
  delete env.NO_COLOR;
  return { ...env, ...extra };
}

/**
 * Runs a command asynchronously, so that the echo in this process keeps serving while it runs.
 * Resolves with its exit status; rejects only when it could not run or was killed.
 */
export function exec(file: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env), timeout: 60000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(Object.assign(err, { stdout, stderr }));
      resolve({ code: err ? (err.code as unknown as number) : 0, stdout, stderr });
    });
  });
}

/** `node zmq-peer.js ARGS…` in the repository root. */
export const cli = (args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) => exec(process.execPath, [CLI, ...args], options);

/** A `zmq-peer tap` running as a child process, its output collected as it comes. */
export interface RunningTapCli {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** stderr so far. */
  stderr(): string;
  /** Where the tap listens, from its first line. */
  readonly endpoint: Promise<string>;
}

/** Starts `zmq-peer tap ARGS…` with `env` (see cleanEnv). */
export function spawnTapCli(args: readonly string[], env: NodeJS.ProcessEnv): RunningTapCli {
  const child = spawn(process.execPath, [CLI, 'tap', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const endpoint = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /tap: listening on (\S+),/.exec(line);
      if (match) resolve(match[1]);
    }),
  );
  return { child, lines, stderr: () => stderr, endpoint };
}
