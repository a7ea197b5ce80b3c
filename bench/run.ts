/**
 * `npm run bench [-- --quick] [-- --only TEXT] [-- --runs N]`: the project's PEER against libzmq 4.3.4's PEER,
 * in the same run and interleaved, every side in a process of its own. See README "Benchmarks".
 *
 * Each group of cells (one transport and message size) starts its process pairs once, warms each
 * pair up (the same traffic, untimed, so that V8 has compiled the hot paths), then runs the
 * timed round RUNS times, taking the pairs in turn within each round, and keeps the median.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { curveKeypair } from '../core';

const ROOT = resolve(__dirname, '..', '..');
const QUICK = process.argv.includes('--quick');
const ONLY = optionValue('--only');
const RUNS = Number(optionValue('--runs') ?? 5);
const SIZES = [16, 1024, 65536];

/** Messages per timed throughput run, by size (the warm-up run sends as many). */
const THROUGHPUT_COUNT: Record<number, number> = QUICK ? { 16: 400_000, 1024: 100_000, 65536: 5_000 } : { 16: 2_000_000, 1024: 500_000, 65536: 20_000 };
/** Messages per timed CURVE run: libzmq seals about 1.2 M/s at 16 B, 270 k/s at 1 KiB, 25 k/s at 64 KiB. */
const CURVE_COUNT: Record<number, number> = QUICK ? { 16: 200_000, 1024: 50_000, 65536: 2_000 } : { 16: 1_000_000, 1024: 300_000, 65536: 10_000 };
const PINGS_BACK_TO_BACK = QUICK ? 2_000 : 20_000;
const PINGS_PACED = QUICK ? 200 : 2_000;
const PACE_MICROS = 1000;
/** Before each group, wait up to this long for other work to use at most QUIET_BUSY of the CPUs (quick: only measure it). */
const QUIET_WAIT_MS = QUICK ? 0 : 60_000;
const QUIET_SAMPLE_MS = QUICK ? 200 : 500;
const QUIET_BUSY = 0.15;

/** ours: bench/peer.ts; libzmq: bench/libzmq-bench.c; tap: bench/tap.ts between two libzmq sides. */
type Impl = 'ours' | 'libzmq' | 'tap';
type Transport = 'tcp' | 'ipc' | 'ws' | 'inproc';

function optionValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The share of all CPUs busy over the next `ms` (nothing of ours runs between groups). */
async function cpuBusy(ms: number): Promise<number> {
  const sample = (): { busy: number; total: number } => {
    let busy = 0;
    let total = 0;
    for (const { times } of cpus()) {
      const all = times.user + times.nice + times.sys + times.irq + times.idle;
      busy += all - times.idle;
      total += all;
    }
    return { busy, total };
  };
  const before = sample();
  await new Promise((r) => setTimeout(r, ms));
  const after = sample();
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

/** Waits (up to QUIET_WAIT_MS) for the machine to be quiet; returns the CPU share others used. */
async function waitForQuiet(): Promise<number> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  let busy = await cpuBusy(QUIET_SAMPLE_MS);
  while (busy > QUIET_BUSY && Date.now() < deadline) {
    log(`  machine busy (${(busy * 100).toFixed(0)}% of CPUs used by others), waiting`);
    busy = await cpuBusy(QUIET_SAMPLE_MS * 2);
  }
  return busy;
}

// --- Building libzmq's side ---------------------------------------------------------------------

const CACHE = process.env.ZMQ_PEER_CACHE ?? join(homedir(), '.cache', 'zmq-peer-debugger');
const PREFIX = join(CACHE, 'libzmq-4.3.4-draft');
const LIBZMQ_BENCH = join(CACHE, 'bin', 'libzmq-bench');

/** Builds libzmq once (scripts/build-libzmq.sh is idempotent), then bench/libzmq-bench.c when changed. */
function buildLibzmqBench(): void {
  const built = spawnSync('bash', [join(ROOT, 'scripts', 'build-libzmq.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('scripts/build-libzmq.sh failed');
  const source = join(ROOT, 'bench', 'libzmq-bench.c');
  const library = join(PREFIX, 'lib', 'libzmq.so');
  if (existsSync(LIBZMQ_BENCH) && statSync(LIBZMQ_BENCH).mtimeMs > Math.max(statSync(source).mtimeMs, statSync(library).mtimeMs)) return;
  mkdirSync(join(CACHE, 'bin'), { recursive: true });
  const args = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-DZMQ_BUILD_DRAFT_API', `-I${PREFIX}/include`, '-o', LIBZMQ_BENCH, source, `-L${PREFIX}/lib`, `-Wl,-rpath,${PREFIX}/lib`, '-lzmq'];
  const cc = spawnSync('cc', args, { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('compiling bench/libzmq-bench.c failed');
}

// --- Driving one side ---------------------------------------------------------------------------

/** One benchmark process, spoken to in lines (bench/peer.ts and bench/libzmq-bench.c). */
class Side {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  #exited = false;

  constructor(impl: Impl, args: string[], env: Readonly<Record<string, string>> = {}) {
    const [command, argv] = impl === 'libzmq' ? [LIBZMQ_BENCH, args] : [process.execPath, [join(__dirname, impl === 'ours' ? 'peer.js' : 'tap.js'), ...args]];
    this.#child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    this.#child.on('exit', () => {
      this.#exited = true;
      this.#wake?.();
    });
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

/** ipc socket files made by this run; removed after each group (killed processes leave theirs). */
const ipcPaths: string[] = [];
function bindEndpoint(transport: Transport): string {
  if (transport !== 'ipc') return `${transport}://127.0.0.1:*`;
  const path = `/tmp/zmq-peer-bench-${process.pid}-${ipcPaths.length}.sock`;
  ipcPaths.push(path);
  return `ipc://${path}`;
}

async function stopPairs(pairs: Pair[]): Promise<void> {
  await Promise.all(pairs.map(stopPair));
  for (const path of ipcPaths) rmSync(path, { force: true });
}

/** A receiver (or echo) bound first, then a sender (or pinger) connected to it. */
interface Pair {
  readonly label: string;
  readonly server: Side;
  readonly client: Side;
  /** A process between them (the tap). */
  readonly middle?: Side;
}

async function startPair(
  label: string,
  serverImpl: Impl,
  clientImpl: Impl,
  kind: 'throughput' | 'latency',
  transport: Transport,
  size: number,
  env: Readonly<Record<string, string>> = {},
): Promise<Pair> {
  const [serverMode, clientMode] = kind === 'throughput' ? ['recv', 'send'] : ['echo', 'ping'];
  const server = new Side(serverImpl, [serverMode, bindEndpoint(transport), String(size)], env);
  const [, endpoint] = await server.next('ready');
  const client = new Side(clientImpl, [clientMode, endpoint, String(size)], env);
  await client.next('ready');
  return { label, server, client };
}

async function stopPair(pair: Pair): Promise<void> {
  await Promise.all([pair.client.stop(), pair.server.stop(), pair.middle?.stop()]);
}

/** A libzmq receiver (or echo) bound first, a tap in front of it, then a libzmq sender (or pinger) connected to the tap. */
async function startTappedPair(kind: 'throughput' | 'latency', size: number): Promise<Pair> {
  const [serverMode, clientMode] = kind === 'throughput' ? ['recv', 'send'] : ['echo', 'ping'];
  const server = new Side('libzmq', [serverMode, bindEndpoint('tcp'), String(size)]);
  const [, endpoint] = await server.next('ready');
  const middle = new Side('tap', [endpoint]);
  const [, tapEndpoint] = await middle.next('ready');
  const client = new Side('libzmq', [clientMode, tapEndpoint, String(size)]);
  await client.next('ready');
  return { label: 'tap', server, client, middle };
}

/** One timed throughput run: messages/s from the receiver's first message to its last. */
async function throughputRun(pair: Pair, n: number): Promise<{ messagesPerSecond: number; megabytesPerSecond: number }> {
  pair.server.send(`expect ${n}`);
  pair.client.send(`send ${n}`);
  const [, count, bytes, seconds] = await pair.server.next('done');
  await pair.client.next('sent');
  return { messagesPerSecond: Number(count) / Number(seconds), megabytesPerSecond: Number(bytes) / Number(seconds) / 1e6 };
}

async function inprocRun(side: Side, n: number): Promise<{ messagesPerSecond: number; megabytesPerSecond: number }> {
  side.send(`expect ${n}`);
  const [, count, bytes, seconds] = await side.next('done');
  return { messagesPerSecond: Number(count) / Number(seconds), megabytesPerSecond: Number(bytes) / Number(seconds) / 1e6 };
}

/** One latency run: round-trip percentiles in µs. */
async function latencyRun(pair: Pair, n: number, pauseMicros: number): Promise<{ p50: number; p99: number; p999: number }> {
  pair.client.send(`ping ${n} ${pauseMicros}`);
  const rtt = (await pair.client.next('rtt', 600_000)).slice(1).map(Number).sort((x, y) => x - y);
  return { p50: percentile(rtt, 0.5), p99: percentile(rtt, 0.99), p999: percentile(rtt, 0.999) };
}

// --- Cells ----------------------------------------------------------------------------------------

interface Throughput {
  readonly messagesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly runs: number[];
}
interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly runs: { p50: number; p99: number; p999: number }[];
}

interface Cell {
  readonly kind: 'throughput' | 'interop' | 'latency' | 'tap';
  readonly name: string;
  readonly transport: Transport;
  readonly size: number;
  readonly count: number;
  /** For latency cells: back to back, or paced with a pause between round trips. */
  readonly mode?: 'back-to-back' | 'paced 1 ms';
  /** For tap cells: through the tap (ours) against the direct path (libzmq). */
  ours?: Throughput | Latency;
  libzmq?: Throughput | Latency;
  /** ours/libzmq (for interop: the mixed pair over libzmq with itself); per percentile for latency. */
  ratio?: number | { p50: number; p99: number; p999: number };
  target?: string;
  met?: boolean;
  /** 1-minute load average, and the share of the CPUs others used just before the group. */
  loadAverage: number;
  otherBusy: number;
}

const sizeName = (size: number): string => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

function throughputTarget(transport: Transport, size: number): number | undefined {
  if (transport === 'tcp' || transport === 'ipc') return size === 16 ? 1.2 : size === 1024 ? 1.3 : 1.5;
  if (transport === 'ws' && size <= 1024) return 1.0;
  return undefined;
}

function summarizeThroughput(runs: { messagesPerSecond: number; megabytesPerSecond: number }[]): Throughput {
  return {
    messagesPerSecond: median(runs.map((r) => r.messagesPerSecond)),
    megabytesPerSecond: median(runs.map((r) => r.megabytesPerSecond)),
    runs: runs.map((r) => Math.round(r.messagesPerSecond)),
  };
}

function summarizeLatency(runs: { p50: number; p99: number; p999: number }[]): Latency {
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), p999: median(runs.map((r) => r.p999)), runs };
}

const log = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);

/**
 * One untimed warm-up per pair, then RUNS timed rounds taking the pairs in turn within each
 * round; the pairs are stopped after. The timed results by pair label.
 */
async function inTurns<R>(pairs: Pair[], warmUp: (pair: Pair) => Promise<unknown>, timed: (pair: Pair) => Promise<R>): Promise<Map<string, R[]>> {
  const results = new Map<string, R[]>(pairs.map((p) => [p.label, []]));
  try {
    for (const pair of pairs) await warmUp(pair);
    for (let r = 0; r < RUNS; r++) for (const pair of pairs) results.get(pair.label)!.push(await timed(pair));
  } finally {
    await stopPairs(pairs);
  }
  return results;
}

/** The warm-up is always back to back: it is there to get the code compiled. */
const latencyWarmUp = (pair: Pair): Promise<unknown> => latencyRun(pair, PINGS_BACK_TO_BACK >> 2, 0);

/** Throughput over one transport and size: ours↔ours and libzmq↔libzmq, and over tcp both mixed pairs. */
async function throughputGroup(transport: Transport, size: number, otherBusy: number): Promise<Cell[]> {
  const count = THROUGHPUT_COUNT[size];
  const load = loadavg()[0];
  const name = `throughput ${transport} ${sizeName(size)}`;
  if (transport === 'inproc') {
    const side = new Side('ours', ['inproc', String(size)]);
    await side.next('ready');
    await inprocRun(side, count);
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await inprocRun(side, count));
    await side.stop();
    return [{ kind: 'throughput', name, transport, size, count, ours: summarizeThroughput(runs), loadAverage: load, otherBusy }];
  }
  const interop = transport === 'tcp';
  const pairs = [
    await startPair('ours', 'ours', 'ours', 'throughput', transport, size),
    await startPair('libzmq', 'libzmq', 'libzmq', 'throughput', transport, size),
    ...(interop ? [await startPair('ours → libzmq', 'libzmq', 'ours', 'throughput', transport, size), await startPair('libzmq → ours', 'ours', 'libzmq', 'throughput', transport, size)] : []),
  ];
  const results = await inTurns(pairs, (pair) => throughputRun(pair, count), (pair) => throughputRun(pair, count));
  const ours = summarizeThroughput(results.get('ours')!);
  const libzmq = summarizeThroughput(results.get('libzmq')!);
  const target = throughputTarget(transport, size);
  const ratio = ours.messagesPerSecond / libzmq.messagesPerSecond;
  const cells: Cell[] = [{ kind: 'throughput', name, transport, size, count, ours, libzmq, ratio, ...(target ? { target: `≥ ${target.toFixed(1)}`, met: ratio >= target } : {}), loadAverage: load, otherBusy }];
  for (const label of interop ? ['ours → libzmq', 'libzmq → ours'] : []) {
    const mixed = summarizeThroughput(results.get(label)!);
    cells.push({ kind: 'interop', name: `interop ${label} ${transport} ${sizeName(size)}`, transport, size, count, ours: mixed, libzmq, ratio: mixed.messagesPerSecond / libzmq.messagesPerSecond, loadAverage: load, otherBusy });
  }
  return cells;
}

/** CURVE keys for the CURVE cells, as both sides read them from ZMQ_BENCH_CURVE. */
async function curveEnvironment(): Promise<string> {
  const server = await curveKeypair();
  const client = await curveKeypair();
  return `${server.publicKey} ${server.secretKey} ${client.publicKey} ${client.secretKey}`;
}

/** What the CURVE cells aim for: libzmq's pace at 16 B; at 1 KiB, 0.8 (one core's WebAssembly seal rate is close to libzmq's rate there). */
function curveTarget(size: number): number | undefined {
  return size === 16 ? 1.0 : size === 1024 ? 0.8 : undefined;
}

/**
 * CURVE PEER ↔ PEER over tcp: ours (the natural loop, `await send` for each message, which is the
 * headline, and the fast path with one await in 256) against libzmq's CURVE, interleaved.
 */
async function curveGroup(size: number, otherBusy: number): Promise<Cell[]> {
  const count = CURVE_COUNT[size];
  const load = loadavg()[0];
  const keys = await curveEnvironment();
  const pairs = [
    await startPair('ours', 'ours', 'ours', 'throughput', 'tcp', size, { ZMQ_BENCH_CURVE: keys, ZMQ_BENCH_AWAIT: '1' }),
    await startPair('ours, fast path', 'ours', 'ours', 'throughput', 'tcp', size, { ZMQ_BENCH_CURVE: keys }),
    await startPair('libzmq', 'libzmq', 'libzmq', 'throughput', 'tcp', size, { ZMQ_BENCH_CURVE: keys }),
  ];
  const results = new Map<string, { messagesPerSecond: number; megabytesPerSecond: number }[]>(pairs.map((p) => [p.label, []]));
  try {
    for (const pair of pairs) await throughputRun(pair, count);
    for (let r = 0; r < RUNS; r++) for (const pair of pairs) results.get(pair.label)!.push(await throughputRun(pair, count));
  } finally {
    await stopPairs(pairs);
  }
  const libzmq = summarizeThroughput(results.get('libzmq')!);
  const target = curveTarget(size);
  return (['ours', 'ours, fast path'] as const).map((label) => {
    const ours = summarizeThroughput(results.get(label)!);
    const ratio = ours.messagesPerSecond / libzmq.messagesPerSecond;
    const name = `throughput tcp ${sizeName(size)} CURVE${label === 'ours' ? ', await each send' : ', one await in 256'}`;
    const goal = label === 'ours' && target ? { target: `≥ ${target.toFixed(1)}`, met: ratio >= target } : {};
    return { kind: 'throughput', name, transport: 'tcp', size, count, ours, libzmq, ratio, ...goal, loadAverage: load, otherBusy } satisfies Cell;
  });
}

async function latencyGroup(transport: Transport, size: number, mode: 'back-to-back' | 'paced 1 ms', otherBusy: number): Promise<Cell> {
  const paced = mode === 'paced 1 ms';
  const count = paced ? PINGS_PACED : PINGS_BACK_TO_BACK;
  const pause = paced ? PACE_MICROS : 0;
  const load = loadavg()[0];
  const pairs = [await startPair('ours', 'ours', 'ours', 'latency', transport, size), await startPair('libzmq', 'libzmq', 'libzmq', 'latency', transport, size)];
  const results = await inTurns(pairs, latencyWarmUp, (pair) => latencyRun(pair, count, pause));
  const ours = summarizeLatency(results.get('ours')!);
  const libzmq = summarizeLatency(results.get('libzmq')!);
  const ratio = { p50: ours.p50 / libzmq.p50, p99: ours.p99 / libzmq.p99, p999: ours.p999 / libzmq.p999 };
  return {
    kind: 'latency',
    name: `latency ${transport} ${sizeName(size)} ${mode}`,
    transport,
    size,
    count,
    mode,
    ours,
    libzmq,
    ratio,
    target: 'p50 ≤ 0.5, p99 ≤ 0.7',
    met: ratio.p50 <= 0.5 && ratio.p99 <= 0.7,
    loadAverage: load,
    otherBusy,
  };
}

/** libzmq → tap → libzmq against libzmq → libzmq over tcp, interleaved in the same run. */
async function tapThroughputGroup(size: number, otherBusy: number): Promise<Cell> {
  const count = THROUGHPUT_COUNT[size];
  const load = loadavg()[0];
  const pairs = [await startPair('direct', 'libzmq', 'libzmq', 'throughput', 'tcp', size), await startTappedPair('throughput', size)];
  const results = await inTurns(pairs, (pair) => throughputRun(pair, count), (pair) => throughputRun(pair, count));
  const tapped = summarizeThroughput(results.get('tap')!);
  const direct = summarizeThroughput(results.get('direct')!);
  const ratio = tapped.messagesPerSecond / direct.messagesPerSecond;
  return { kind: 'tap', name: `tap throughput tcp ${sizeName(size)} (through the tap / direct)`, transport: 'tcp', size, count, ours: tapped, libzmq: direct, ratio, target: '≥ 0.7', met: ratio >= 0.7, loadAverage: load, otherBusy };
}

/** Round trips libzmq ping → tap → libzmq echo against the direct path: what the tap adds. */
async function tapLatencyGroup(size: number, otherBusy: number): Promise<Cell> {
  const load = loadavg()[0];
  const pairs = [await startPair('direct', 'libzmq', 'libzmq', 'latency', 'tcp', size), await startTappedPair('latency', size)];
  const results = await inTurns(pairs, latencyWarmUp, (pair) => latencyRun(pair, PINGS_BACK_TO_BACK, 0));
  const tapped = summarizeLatency(results.get('tap')!);
  const direct = summarizeLatency(results.get('direct')!);
  const ratio = { p50: tapped.p50 / direct.p50, p99: tapped.p99 / direct.p99, p999: tapped.p999 / direct.p999 };
  return {
    kind: 'latency',
    name: `tap latency tcp ${sizeName(size)} back-to-back (through the tap / direct)`,
    transport: 'tcp',
    size,
    count: PINGS_BACK_TO_BACK,
    mode: 'back-to-back',
    ours: tapped,
    libzmq: direct,
    ratio,
    target: `adds ${fixed(tapped.p50 - direct.p50, 1)} µs at p50`,
    loadAverage: load,
    otherBusy,
  };
}

// --- Report ---------------------------------------------------------------------------------------

const fixed = (value: number, digits: number): string => value.toFixed(digits);

function rate(t: Throughput): string {
  const m = t.messagesPerSecond;
  const messages = m >= 1e6 ? `${fixed(m / 1e6, 2)} M` : `${fixed(m / 1e3, 1)} k`;
  return `${messages} msg/s · ${fixed(t.megabytesPerSecond, t.megabytesPerSecond < 100 ? 1 : 0)} MB/s`;
}

const micros = (l: Latency): string => `${fixed(l.p50, 1)} / ${fixed(l.p99, 1)} / ${fixed(l.p999, 1)}`;

function table(cells: Cell[]): string {
  const rows = ['| cell | ours | libzmq | ours/libzmq | target |', '| --- | ---: | ---: | ---: | --- |'];
  for (const cell of cells) {
    const mark = cell.met === undefined ? '' : cell.met ? ' ✓' : ' ✗';
    if (cell.kind === 'latency') {
      const r = cell.ratio as { p50: number; p99: number; p999: number };
      rows.push(`| ${cell.name} (p50 / p99 / p99.9 µs) | ${micros(cell.ours as Latency)} | ${micros(cell.libzmq as Latency)} | ${fixed(r.p50, 2)} / ${fixed(r.p99, 2)} / ${fixed(r.p999, 2)} | ${cell.target}${mark} |`);
    } else if (cell.kind === 'tap') {
      rows.push(`| ${cell.name} | ${rate(cell.ours as Throughput)} | ${rate(cell.libzmq as Throughput)} (direct) | ${fixed(cell.ratio as number, 2)} | ${cell.target}${mark} |`);
    } else {
      const versus = cell.kind === 'interop' ? `${rate(cell.libzmq as Throughput)} (libzmq ↔ libzmq)` : cell.libzmq ? rate(cell.libzmq as Throughput) : '—';
      rows.push(`| ${cell.name} | ${rate(cell.ours as Throughput)} | ${versus} | ${cell.ratio === undefined ? '—' : fixed(cell.ratio as number, 2)} | ${cell.target ?? ''}${mark} |`);
    }
  }
  return rows.join('\n');
}

function libzmqVersion(): string {
  const out = spawnSync(LIBZMQ_BENCH, ['version'], { encoding: 'utf8' });
  return out.stdout.trim().split(' ')[1] ?? 'unknown';
}

async function main(): Promise<void> {
  const started = Date.now();
  buildLibzmqBench();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    libzmq: libzmqVersion(),
  };
  if (machine.loadAverageAtStart[0] > machine.cores / 2) log(`warning: load average ${machine.loadAverageAtStart[0]} on ${machine.cores} cores; figures will be noisy`);
  const wanted = (name: string): boolean => ONLY === undefined || name.includes(ONLY);
  const cells: Cell[] = [];
  for (const transport of ['tcp', 'ipc', 'ws', 'inproc'] as const) {
    for (const size of SIZES) {
      if (!wanted(`throughput ${transport} ${sizeName(size)}`) && !(transport === 'tcp' && wanted(`interop ${sizeName(size)}`))) continue;
      const busy = await waitForQuiet();
      log(`throughput ${transport} ${sizeName(size)} (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
      cells.push(...(await throughputGroup(transport, size, busy)));
    }
  }
  for (const size of SIZES) {
    if (!wanted(`throughput tcp ${sizeName(size)} CURVE`)) continue;
    const busy = await waitForQuiet();
    log(`throughput tcp ${sizeName(size)} CURVE (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
    cells.push(...(await curveGroup(size, busy)));
  }
  for (const transport of ['tcp', 'ipc'] as const) {
    for (const size of [16, 1024]) {
      for (const mode of ['back-to-back', 'paced 1 ms'] as const) {
        if (!wanted(`latency ${transport} ${sizeName(size)} ${mode}`)) continue;
        const busy = await waitForQuiet();
        log(`latency ${transport} ${sizeName(size)} ${mode} (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
        cells.push(await latencyGroup(transport, size, mode, busy));
      }
    }
  }
  for (const size of [1024, 65536]) {
    if (!wanted(`tap throughput tcp ${sizeName(size)}`)) continue;
    const busy = await waitForQuiet();
    log(`tap throughput tcp ${sizeName(size)} (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
    cells.push(await tapThroughputGroup(size, busy));
  }
  if (wanted('tap latency tcp 1 KiB')) {
    const busy = await waitForQuiet();
    log(`tap latency tcp 1 KiB (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
    cells.push(await tapLatencyGroup(1024, busy));
  }
  const seconds = (Date.now() - started) / 1000;
  const loads = cells.map((c) => c.loadAverage);
  const others = cells.map((c) => c.otherBusy * 100);
  const header =
    `${QUICK ? 'Quick run' : 'Full run'} ${new Date(started).toISOString()}: ${machine.cores} × ${machine.cpu}, node ${machine.node}, libzmq ${machine.libzmq}; ` +
    `1-min load average ${fixed(Math.min(...loads), 2)}–${fixed(Math.max(...loads), 2)}, other processes using ${fixed(Math.min(...others), 0)}–${fixed(Math.max(...others), 0)}% of the CPUs before each group; ` +
    `median of ${RUNS} runs after a warm-up; ${fixed(seconds, 0)} s.`;
  const markdown = `${header}\n\n${table(cells)}`;
  process.stdout.write(`\n${markdown}\n`);
  const report = {
    date: new Date(started).toISOString(),
    quick: QUICK,
    runs: RUNS,
    seconds,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    counts: { throughput: THROUGHPUT_COUNT, pingsBackToBack: PINGS_BACK_TO_BACK, pingsPaced: PINGS_PACED, paceMicros: PACE_MICROS },
    cells,
    table: markdown,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(dir, `${report.date.replace(/[:.]/g, '-')}.json`), json);
  if (ONLY === undefined) {
    writeFileSync(join(dir, 'latest.json'), json);
    if (!QUICK) updateReadme(markdown);
  }
}

/** Replaces the table between the README's bench markers (full runs only). */
function updateReadme(markdown: string): void {
  const path = join(ROOT, 'README.md');
  const text = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return;
  writeFileSync(path, `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`);
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
