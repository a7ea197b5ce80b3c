/**
 * The processes a benchmark drives: libzmq's side (bench/libzmq-bench.c, built against the
 * project's draft libzmq into the cache) and ours (a Node script of bench/), each spoken to in
 * lines over stdin/stdout, optionally pinned to CPUs (`taskset`) or given more descriptors.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(__dirname, '..', '..');
const CACHE = process.env.ZMQ_PEER_CACHE ?? join(homedir(), '.cache', 'zmq-peer-debugger');
const PREFIX = join(CACHE, 'libzmq-4.3.4-draft');
/**
 * libzmq's side, compiled from bench/libzmq-bench.c. The binary is named after the source's hash:
 * the cache is shared by every checkout on the machine, and two checkouts with different sources
 * must not take turns overwriting one binary.
 */
const SOURCE = join(ROOT, 'bench', 'libzmq-bench.c');
export const LIBZMQ_BENCH = join(CACHE, 'bin', `libzmq-bench-${createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12)}`);

export type Impl = 'ours' | 'libzmq';

/** Builds libzmq once (scripts/build-libzmq.sh is idempotent), then bench/libzmq-bench.c when changed. */
export function buildLibzmqBench(): void {
  const built = spawnSync('bash', [join(ROOT, 'scripts', 'build-libzmq.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('scripts/build-libzmq.sh failed');
  const library = join(PREFIX, 'lib', 'libzmq.so');
  if (existsSync(LIBZMQ_BENCH) && statSync(LIBZMQ_BENCH).mtimeMs > statSync(library).mtimeMs) return;
  mkdirSync(join(CACHE, 'bin'), { recursive: true });
  // Compiled under a name of its own, then renamed: a concurrent run never sees half a binary.
  const building = `${LIBZMQ_BENCH}.${process.pid}`;
  const args = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-DZMQ_BUILD_DRAFT_API', `-I${PREFIX}/include`, '-o', building, SOURCE, `-L${PREFIX}/lib`, `-Wl,-rpath,${PREFIX}/lib`, '-lzmq'];
  const cc = spawnSync('cc', args, { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('compiling bench/libzmq-bench.c failed');
  renameSync(building, LIBZMQ_BENCH);
}

/** The version of the libzmq the bench links, as "MAJOR.MINOR.PATCH". */
export function libzmqVersion(): string {
  const out = spawnSync(LIBZMQ_BENCH, ['version'], { encoding: 'utf8' });
  return out.stdout.trim().split(' ')[1] ?? 'unknown';
}

/** How a side is started. */
export interface SideOptions {
  /** Ours: the script in out/bench/ to run (default peer.js). */
  readonly script?: string;
  /** `taskset -c` CPU list (e.g. "0", "0,1"): pins the process. */
  readonly cpus?: string;
  /** The descriptors the process needs: its soft limit is raised to that (up to the hard limit, else the start fails). */
  readonly descriptors?: number;
  /** Extra arguments to node, before the script (ours only). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment variables (ZMQ_BENCH_CURVE: bench/peer.ts and bench/libzmq-bench.c). */
  readonly env?: Readonly<Record<string, string>>;
}

/** The hard descriptor limit of processes started from here. */
export function hardDescriptorLimit(): number {
  const out = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const text = out.stdout.trim();
  return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text);
}

/** One benchmark process, spoken to in lines (bench/peer.ts and bench/libzmq-bench.c). */
export class Side {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  #exited = false;

  constructor(impl: Impl, args: string[], options: SideOptions = {}) {
    let [command, argv] = impl === 'ours' ? [process.execPath, [...(options.nodeArgs ?? []), join(__dirname, options.script ?? 'peer.js'), ...args]] : [LIBZMQ_BENCH, args];
    if (options.descriptors !== undefined) {
      const hard = hardDescriptorLimit();
      if (hard < options.descriptors) throw new Error(`a benchmark process needs ${options.descriptors} descriptors; the hard limit is ${hard} (raise it with ulimit -Hn or limits.conf)`);
      // prlimit is util-linux's; the soft limit is raised for this one process only.
      [command, argv] = ['prlimit', [`--nofile=${options.descriptors}:${hard}`, command, ...argv]];
    }
    if (options.cpus !== undefined) [command, argv] = ['taskset', ['-c', options.cpus, command, ...argv]];
    this.#child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit'], env: options.env ? { ...process.env, ...options.env } : process.env });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    this.#child.on('exit', () => {
      this.#exited = true;
      this.#wake?.();
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  /** The next line, which must start with `word`. */
  async next(word: string, timeoutMs = 120_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#exited) throw new Error(`benchmark process ${this.#child.spawnfile} exited while we waited for "${word}"`);
      if (Date.now() > deadline) throw new Error(`no "${word}" from ${this.#child.spawnfile} within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        this.#wake = wake;
        setTimeout(wake, 1000);
      });
    }
    const words = this.#lines.shift()!.split(' ');
    if (words[0] !== word) throw new Error(`expected "${word}", got "${words.join(' ').slice(0, 200)}"`);
    return words;
  }

  /** Ends the process: stdin EOF, then SIGKILL if it has not exited within a second. */
  async stop(): Promise<void> {
    this.#child.stdin!.end();
    const deadline = Date.now() + 1000;
    while (!this.#exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}
