/**
 * `npm run bench [-- --quick] [-- --only TEXT] [-- --runs N]`: the project's PEER against libzmq 4.3.4's PEER,
 * in the same run and interleaved, every side in a process of its own. See README "Benchmarks".
 *
 * Each group of cells (one transport and message size) starts its process pairs once (ours in
 * each style an application may be written in, libzmq, and over tcp the mixed pairs), warms each
 * pair up (the same traffic, untimed, so that V8 has compiled the hot paths), then runs the timed
 * round RUNS times, taking the pairs in turn within each round, and keeps the median.
 * Then CURVE over tcp (ours against libzmq's CURVE), the tap (libzmq → tap → libzmq against the
 * direct path), the round trips and the reconnect loss.
 * `--only soak` runs the soak and scale benchmark instead (bench/soak.ts).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { curveKeypair } from '../core';
import { curveTarget, sizeName, tables, throughputTarget, type Cell, type Latency, type Loss, type Throughput, type Transport, type Variant } from './cells';
import { reconnectRun, type ReconnectRun } from './reconnect';
import { buildLibzmqBench, libzmqVersion, ROOT, Side, type Impl } from './sides';
import { ephemeralPorts, scaleRun, scaleTable, soakRun, soakTable, type ScaleResult } from './soak';

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

const log = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);
const fixed = (value: number, digits: number): string => value.toFixed(digits);

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

// --- Process pairs ----------------------------------------------------------------------------------

/** ipc socket files made by this run; removed after each group (killed processes leave theirs). */
const ipcPaths: string[] = [];
function bindEndpoint(transport: Transport): string {
  if (transport !== 'ipc') return `${transport}://127.0.0.1:*`;
  const path = `/tmp/zmq-peer-bench-${process.pid}-${ipcPaths.length}.sock`;
  ipcPaths.push(path);
  return `ipc://${path}`;
}

/** A receiver (or echo) bound first, then a sender (or pinger) connected to it. */
interface Pair {
  readonly variant: Variant;
  readonly server: Side;
  readonly client: Side;
  /** A process between them (the tap). */
  readonly middle?: Side;
}

async function startPair(variant: Variant, kind: 'throughput' | 'latency', transport: Transport, size: number): Promise<Pair> {
  const [serverMode, clientMode] = kind === 'throughput' ? ['recv', 'send'] : ['echo', 'ping'];
  const styleOf = (impl: Impl, style: string | undefined): string[] => (impl === 'ours' ? [style ?? 'natural'] : []);
  const server = new Side(variant.server, [serverMode, bindEndpoint(transport), String(size), ...styleOf(variant.server, variant.serverStyle ?? variant.style)], { cpus: variant.cpus?.[0], env: variant.env, script: variant.script });
  const [, endpoint] = await server.next('ready');
  const client = new Side(variant.client, [clientMode, endpoint, String(size), ...styleOf(variant.client, variant.style)], { cpus: variant.cpus?.[1], env: variant.env, script: variant.script });
  await client.next('ready');
  return { variant, server, client };
}

async function stopPairs(pairs: Pair[]): Promise<void> {
  await Promise.all(pairs.flatMap((pair) => [pair.client.stop(), pair.server.stop(), ...(pair.middle ? [pair.middle.stop()] : [])]));
  for (const path of ipcPaths.splice(0)) rmSync(path, { force: true });
}

/** A libzmq receiver (or echo) bound first, a tap in front of it (bench/tap.ts), then a libzmq sender (or pinger) connected to the tap. */
async function startTappedPair(kind: 'throughput' | 'latency', size: number): Promise<Pair> {
  const [serverMode, clientMode] = kind === 'throughput' ? ['recv', 'send'] : ['echo', 'ping'];
  const server = new Side('libzmq', [serverMode, bindEndpoint('tcp'), String(size)]);
  const [, endpoint] = await server.next('ready');
  const middle = new Side('ours', [endpoint], { script: 'tap.js' });
  const [, tapEndpoint] = await middle.next('ready');
  const client = new Side('libzmq', [clientMode, tapEndpoint, String(size)]);
  await client.next('ready');
  return { variant: { label: 'tap', server: 'libzmq', client: 'libzmq' }, server, client, middle };
}

/**
 * Starts the pairs, gives each one untimed warm-up, then RUNS timed rounds taking the pairs in
 * turn within each round; the pairs are stopped after. The timed results by variant label.
 */
async function inTurns<R>(starters: readonly (() => Promise<Pair>)[], warmUp: (pair: Pair) => Promise<unknown>, timed: (pair: Pair) => Promise<R>): Promise<Map<string, R[]>> {
  const pairs: Pair[] = [];
  const results = new Map<string, R[]>();
  try {
    for (const start of starters) pairs.push(await start());
    for (const pair of pairs) results.set(pair.variant.label, []);
    for (const pair of pairs) await warmUp(pair);
    for (let r = 0; r < RUNS; r++) for (const pair of pairs) results.get(pair.variant.label)!.push(await timed(pair));
  } finally {
    await stopPairs(pairs);
  }
  return results;
}

interface Rate {
  readonly messagesPerSecond: number;
  readonly megabytesPerSecond: number;
}

/** One timed throughput run: messages/s from the receiver's first message to its last. */
async function throughputRun(pair: Pair, n: number): Promise<Rate> {
  pair.server.send(`expect ${n}`);
  pair.client.send(`send ${n}`);
  const [, count, bytes, seconds] = await pair.server.next('done');
  await pair.client.next('sent');
  return { messagesPerSecond: Number(count) / Number(seconds), megabytesPerSecond: Number(bytes) / Number(seconds) / 1e6 };
}

async function inprocRun(side: Side, n: number): Promise<Rate> {
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

function summarizeThroughput(runs: Rate[]): Throughput {
  return {
    messagesPerSecond: median(runs.map((r) => r.messagesPerSecond)),
    megabytesPerSecond: median(runs.map((r) => r.megabytesPerSecond)),
    runs: runs.map((r) => Math.round(r.messagesPerSecond)),
  };
}

function summarizeLatency(runs: { p50: number; p99: number; p999: number }[]): Latency {
  return { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), p999: median(runs.map((r) => r.p999)), runs };
}

// --- Groups ----------------------------------------------------------------------------------------

/** Ours in the three styles, and libzmq: the pairs of a throughput cell. */
const OURS_AND_LIBZMQ: readonly Variant[] = [
  { label: 'natural', server: 'ours', client: 'ours', style: 'natural' },
  { label: 'iterate', server: 'ours', client: 'ours', style: 'natural', serverStyle: 'iterate' },
  { label: 'batch', server: 'ours', client: 'ours', style: 'batch' },
  { label: 'libzmq', server: 'libzmq', client: 'libzmq' },
];
/** What any Node process reaches over tcp and ipc (bench/node-floor.ts: bare sockets, frames cut apart, no library). */
const BARE_NODE: Variant = { label: 'node', server: 'ours', client: 'ours', script: 'node-floor.js' };
/** Ours sending to libzmq, in each style a sender can have. */
const OURS_TO_LIBZMQ: readonly Variant[] = [
  { label: 'ours → libzmq natural', server: 'libzmq', client: 'ours', style: 'natural' },
  { label: 'ours → libzmq batch', server: 'libzmq', client: 'ours', style: 'batch' },
];
/** libzmq sending to ours, in each style a receiver can have. */
const LIBZMQ_TO_OURS: readonly Variant[] = [
  { label: 'libzmq → ours natural', server: 'ours', client: 'libzmq', style: 'natural' },
  { label: 'libzmq → ours iterate', server: 'ours', client: 'libzmq', style: 'iterate' },
  { label: 'libzmq → ours batch', server: 'ours', client: 'libzmq', style: 'batch' },
];

/** Throughput over one transport and size: ours (each style) and libzmq, and over tcp both mixed pairs. */
async function throughputGroup(transport: Transport, size: number, otherBusy: number): Promise<Cell[]> {
  const count = THROUGHPUT_COUNT[size];
  const loadAverage = loadavg()[0];
  const name = `throughput ${transport} ${sizeName(size)}`;
  if (transport === 'inproc') {
    const results: Cell['results'] = {};
    for (const style of ['natural', 'iterate', 'batch'] as const) {
      const side = new Side('ours', ['inproc', String(size), style]);
      await side.next('ready');
      await inprocRun(side, count);
      const runs: Rate[] = [];
      for (let r = 0; r < RUNS; r++) runs.push(await inprocRun(side, count));
      await side.stop();
      results[style] = summarizeThroughput(runs);
    }
    return [{ kind: 'throughput', name, transport, size, count, results, loadAverage, otherBusy }];
  }
  const variants = [...OURS_AND_LIBZMQ, ...(transport === 'ws' ? [] : [BARE_NODE]), ...(transport === 'tcp' ? [...OURS_TO_LIBZMQ, ...LIBZMQ_TO_OURS] : [])];
  const runs = await inTurns(
    variants.map((v) => () => startPair(v, 'throughput', transport, size)),
    (pair) => throughputRun(pair, count),
    (pair) => throughputRun(pair, count),
  );
  const summary = (label: string): Throughput => summarizeThroughput(runs.get(label)!);
  const libzmq = summary('libzmq');
  const target = throughputTarget(transport, size);
  const cell = (cellName: string, kind: 'throughput' | 'interop', labels: Record<string, string>, goal: number | undefined): Cell => {
    const results: Cell['results'] = { libzmq };
    for (const [column, label] of Object.entries(labels)) results[column] = summary(label);
    const ratio = (results.natural as Throughput).messagesPerSecond / libzmq.messagesPerSecond;
    return { kind, name: cellName, transport, size, count, results, ...(goal ? { target: `≥ ${goal.toFixed(1)}`, met: ratio >= goal } : {}), loadAverage, otherBusy };
  };
  const cells = [cell(name, 'throughput', { natural: 'natural', iterate: 'iterate', batch: 'batch', ...(transport === 'ws' ? {} : { node: 'node' }) }, target)];
  if (transport === 'tcp') {
    cells.push(cell(`interop ours → libzmq tcp ${sizeName(size)}`, 'interop', { natural: 'ours → libzmq natural', batch: 'ours → libzmq batch' }, 1.0));
    cells.push(cell(`interop libzmq → ours tcp ${sizeName(size)}`, 'interop', { natural: 'libzmq → ours natural', iterate: 'libzmq → ours iterate', batch: 'libzmq → ours batch' }, 1.0));
  }
  return cells;
}

/** CURVE keys for the CURVE cells, as both sides read them from ZMQ_BENCH_CURVE. */
async function curveEnvironment(): Promise<Record<string, string>> {
  const server = await curveKeypair();
  const client = await curveKeypair();
  return { ZMQ_BENCH_CURVE: `${server.publicKey} ${server.secretKey} ${client.publicKey} ${client.secretKey}` };
}

/** CURVE PEER ↔ PEER over tcp: ours (the natural loop, the headline, and the batch API) against libzmq's CURVE, interleaved. */
async function curveGroup(size: number, otherBusy: number): Promise<Cell[]> {
  const count = CURVE_COUNT[size];
  const loadAverage = loadavg()[0];
  const env = await curveEnvironment();
  const variants: Variant[] = [
    { label: 'natural', server: 'ours', client: 'ours', style: 'natural', env },
    { label: 'batch', server: 'ours', client: 'ours', style: 'batch', env },
    { label: 'libzmq', server: 'libzmq', client: 'libzmq', env },
  ];
  const runs = await inTurns(
    variants.map((v) => () => startPair(v, 'throughput', 'tcp', size)),
    (pair) => throughputRun(pair, count),
    (pair) => throughputRun(pair, count),
  );
  const results: Cell['results'] = {};
  for (const [label, r] of runs) results[label] = summarizeThroughput(r);
  const ratio = (results.natural as Throughput).messagesPerSecond / (results.libzmq as Throughput).messagesPerSecond;
  const target = curveTarget(size);
  return [{ kind: 'throughput', name: `throughput tcp ${sizeName(size)} CURVE`, transport: 'tcp', size, count, results, ...(target ? { target: `≥ ${target.toFixed(1)}`, met: ratio >= target } : {}), loadAverage, otherBusy }];
}

/** The warm-up is always back to back: it is there to get the code compiled. */
const latencyWarmUp = (pair: Pair): Promise<unknown> => latencyRun(pair, PINGS_BACK_TO_BACK >> 2, 0);

/** A latency cell's placement: the kernel's choice, or `taskset` to one CPU for both, or one CPU each. */
type Placement = 'free' | 'one CPU' | 'two CPUs';
const PINNING: Record<Placement, readonly [string, string] | undefined> = { free: undefined, 'one CPU': ['0', '0'], 'two CPUs': ['0', '1'] };

async function latencyGroup(transport: Transport, size: number, mode: 'back-to-back' | 'paced 1 ms', placement: Placement, otherBusy: number): Promise<Cell> {
  const paced = mode === 'paced 1 ms';
  const count = paced ? PINGS_PACED : PINGS_BACK_TO_BACK;
  const pause = paced ? PACE_MICROS : 0;
  const loadAverage = loadavg()[0];
  const cpusOf = PINNING[placement];
  const variants: Variant[] = [
    { label: 'natural', server: 'ours', client: 'ours', style: 'natural', cpus: cpusOf },
    { label: 'batch', server: 'ours', client: 'ours', style: 'batch', cpus: cpusOf },
    { label: 'libzmq', server: 'libzmq', client: 'libzmq', cpus: cpusOf },
    // What Node itself costs a round trip here (bench/node-floor.ts); it speaks no WebSocket.
    ...(transport === 'ws' ? [] : [{ ...BARE_NODE, cpus: cpusOf }]),
  ];
  const runs = await inTurns(
    variants.map((v) => () => startPair(v, 'latency', transport, size)),
    latencyWarmUp,
    (pair) => latencyRun(pair, count, pause),
  );
  const results: Cell['results'] = {};
  for (const [label, r] of runs) results[label] = summarizeLatency(r);
  const natural = results.natural as Latency;
  const libzmq = results.libzmq as Latency;
  const where = placement === 'free' ? '' : placement === 'one CPU' ? ', both on CPU 0' : ', on CPUs 0 and 1';
  return {
    kind: 'latency',
    name: `latency ${transport} ${sizeName(size)} ${mode}${where}`,
    transport,
    size,
    count,
    results,
    // The paced cells are the ones an idle socket's latency is judged by; back to back is scheduling (README).
    ...(paced ? { target: 'p50 ≤ 0.5, p99 ≤ 0.7', met: natural.p50 / libzmq.p50 <= 0.5 && natural.p99 / libzmq.p99 <= 0.7 } : {}),
    loadAverage,
    otherBusy,
  };
}

/** libzmq → tap → libzmq against libzmq → libzmq over tcp, interleaved in the same run. */
async function tapThroughputGroup(size: number, otherBusy: number): Promise<Cell[]> {
  const count = THROUGHPUT_COUNT[size];
  const loadAverage = loadavg()[0];
  const runs = await inTurns(
    [() => startPair({ label: 'direct', server: 'libzmq', client: 'libzmq' }, 'throughput', 'tcp', size), () => startTappedPair('throughput', size)],
    (pair) => throughputRun(pair, count),
    (pair) => throughputRun(pair, count),
  );
  const tap = summarizeThroughput(runs.get('tap')!);
  const direct = summarizeThroughput(runs.get('direct')!);
  const ratio = tap.messagesPerSecond / direct.messagesPerSecond;
  return [{ kind: 'tap', name: `tap throughput tcp ${sizeName(size)}`, transport: 'tcp', size, count, results: { tap, direct }, target: '≥ 0.7', met: ratio >= 0.7, loadAverage, otherBusy }];
}

/** Round trips libzmq ping → tap → libzmq echo against the direct path: what the tap adds. */
async function tapLatencyGroup(size: number, otherBusy: number): Promise<Cell[]> {
  const loadAverage = loadavg()[0];
  const runs = await inTurns(
    [() => startPair({ label: 'direct', server: 'libzmq', client: 'libzmq' }, 'latency', 'tcp', size), () => startTappedPair('latency', size)],
    latencyWarmUp,
    (pair) => latencyRun(pair, PINGS_BACK_TO_BACK, 0),
  );
  const tap = summarizeLatency(runs.get('tap')!);
  const direct = summarizeLatency(runs.get('direct')!);
  const name = `tap latency tcp ${sizeName(size)} back-to-back`;
  return [{ kind: 'tap', name, transport: 'tcp', size, count: PINGS_BACK_TO_BACK, results: { tap, direct }, target: `adds ${fixed(tap.p50 - direct.p50, 1)} µs at p50`, loadAverage, otherBusy }];
}

/** Reconnect loss: messages sent at RECONNECT_RATE through a proxy that cuts the connection every RECONNECT_CUT_MS. */
const RECONNECT_COUNT = QUICK ? 6_000 : 20_000;
const RECONNECT_RATE = 2_000;
const RECONNECT_CUT_MS = 250;
const RECONNECT_RUNS = QUICK ? 1 : 3;

async function reconnectGroup(otherBusy: number): Promise<Cell> {
  const loadAverage = loadavg()[0];
  const results: Record<Impl, ReconnectRun[]> = { ours: [], libzmq: [] };
  for (let r = 0; r < RECONNECT_RUNS; r++) {
    for (const impl of ['ours', 'libzmq'] as const) results[impl].push(await reconnectRun(impl, RECONNECT_COUNT, RECONNECT_RATE, RECONNECT_CUT_MS));
  }
  const summary = (runs: ReconnectRun[]): Loss => ({
    sent: runs.reduce((n, r) => n + r.sent, 0),
    lost: runs.reduce((n, r) => n + r.sent - r.received, 0),
    cuts: runs.reduce((n, r) => n + r.cuts, 0),
    runs: runs.map((r) => ({ lost: r.sent - r.received, cuts: r.cuts })),
  });
  const ours = summary(results.ours);
  const libzmq = summary(results.libzmq);
  const perCut = (l: Loss): number => l.lost / Math.max(1, l.cuts);
  return {
    kind: 'reconnect',
    name: `reconnect loss tcp 64 B (${RECONNECT_RATE.toLocaleString('en')} msg/s, a cut every ${RECONNECT_CUT_MS} ms)`,
    transport: 'tcp',
    size: 64,
    count: RECONNECT_COUNT,
    results: { ours, libzmq },
    target: '≤ 1.0',
    // Both may lose nothing at all: that is a tie.
    met: perCut(ours) <= perCut(libzmq),
    loadAverage,
    otherBusy,
  };
}

// --- Soak and scale ---------------------------------------------------------------------------------

/** `--only soak`: the scale runs beside libzmq, then the soak; their own report, not the table. */
async function soakAndScale(started: number): Promise<void> {
  const peers = Number(optionValue('--peers') ?? 10_000);
  const seconds = Number(optionValue('--duration') ?? 600);
  if (peers > ephemeralPorts()) throw new Error(`--peers ${peers}: one address pair has only ${ephemeralPorts()} ephemeral ports here`);
  const scale: ScaleResult[] = [];
  for (const impl of ['ours', 'libzmq'] as const) {
    await waitForQuiet();
    log(`scale: ${peers} ${impl} peers on one ${impl} PEER (load ${loadavg()[0].toFixed(2)})`);
    scale.push(await scaleRun(impl, peers));
  }
  log(`soak: ${seconds} s of mixed load (load ${loadavg()[0].toFixed(2)})`);
  const soak = await soakRun(seconds, seconds >= 120 ? 5000 : 1000);
  const markdown = `Soak and scale ${new Date(started).toISOString()}: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}, libzmq ${libzmqVersion()}; 1-min load average ${loadavg()[0].toFixed(2)} at the end.\n\n${scaleTable(scale)}\n\n${soakTable(soak)}`;
  process.stdout.write(`\n${markdown}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `soak-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify({ date: new Date(started).toISOString(), scale, soak, table: markdown }, null, 2)}\n`);
  if (!soak.flat) process.exitCode = 1;
}

// --- Main -------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  buildLibzmqBench();
  if (ONLY !== undefined && 'soak'.includes(ONLY)) {
    await soakAndScale(started);
    return;
  }
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
  const group = async (name: string, run: (busy: number) => Promise<Cell[]>): Promise<void> => {
    const busy = await waitForQuiet();
    log(`${name} (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
    cells.push(...(await run(busy)));
  };
  for (const transport of ['tcp', 'ipc', 'ws', 'inproc'] as const) {
    for (const size of SIZES) {
      const name = `throughput ${transport} ${sizeName(size)}`;
      if (!wanted(name) && !(transport === 'tcp' && wanted(`interop ${sizeName(size)}`))) continue;
      await group(name, (busy) => throughputGroup(transport, size, busy));
    }
  }
  const latencyCells: Array<[Transport, number, 'back-to-back' | 'paced 1 ms', Placement]> = [];
  for (const transport of ['tcp', 'ipc'] as const) {
    for (const size of [16, 1024]) for (const mode of ['back-to-back', 'paced 1 ms'] as const) latencyCells.push([transport, size, mode, 'free']);
  }
  latencyCells.push(['tcp', 16, 'back-to-back', 'one CPU'], ['tcp', 16, 'back-to-back', 'two CPUs'], ['tcp', 16, 'paced 1 ms', 'one CPU'], ['tcp', 16, 'paced 1 ms', 'two CPUs']);
  for (const size of SIZES) {
    const name = `throughput tcp ${sizeName(size)} CURVE`;
    if (wanted(name)) await group(name, (busy) => curveGroup(size, busy));
  }
  for (const [transport, size, mode, placement] of latencyCells) {
    const name = `latency ${transport} ${sizeName(size)} ${mode}${placement === 'free' ? '' : ` ${placement}`}`;
    if (!wanted(name)) continue;
    await group(name, async (busy) => [await latencyGroup(transport, size, mode, placement, busy)]);
  }
  if (wanted('reconnect loss tcp')) await group('reconnect loss tcp', async (busy) => [await reconnectGroup(busy)]);
  for (const size of [1024, 65536]) {
    const name = `tap throughput tcp ${sizeName(size)}`;
    if (wanted(name)) await group(name, (busy) => tapThroughputGroup(size, busy));
  }
  if (wanted('tap latency tcp 1 KiB')) await group('tap latency tcp 1 KiB', (busy) => tapLatencyGroup(1024, busy));

  const seconds = (Date.now() - started) / 1000;
  const loads = cells.map((c) => c.loadAverage);
  const others = cells.map((c) => c.otherBusy * 100);
  const header =
    `${QUICK ? 'Quick run' : 'Full run'} ${new Date(started).toISOString()}: ${machine.cores} × ${machine.cpu}, node ${machine.node}, libzmq ${machine.libzmq}; ` +
    `1-min load average ${fixed(Math.min(...loads), 2)}–${fixed(Math.max(...loads), 2)}, other processes using ${fixed(Math.min(...others), 0)}–${fixed(Math.max(...others), 0)}% of the CPUs before each group; ` +
    `median of ${RUNS} runs after a warm-up; ${fixed(seconds, 0)} s.`;
  const markdown = `${header}\n\n${tables(cells)}`;
  process.stdout.write(`\n${markdown}\n`);
  const report = {
    date: new Date(started).toISOString(),
    quick: QUICK,
    runs: RUNS,
    seconds,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    counts: { throughput: THROUGHPUT_COUNT, curve: CURVE_COUNT, pingsBackToBack: PINGS_BACK_TO_BACK, pingsPaced: PINGS_PACED, paceMicros: PACE_MICROS },
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
