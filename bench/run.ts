/**
 * `npm run bench [-- --quick] [-- --only TEXT] [-- --runs N]`: the project's PEER against libzmq 4.3.4's PEER,
 * in the same run and interleaved, every side in a process of its own. See README "Benchmarks".
 *
 * Each group of cells (one transport and message size) starts its process pairs once, warms each
 * pair up (the same traffic, untimed, so that V8 has compiled the hot paths), then runs the
 * timed round RUNS times, taking the pairs in turn within each round, and keeps the median.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { reconnectRun, type ReconnectRun } from './reconnect';
import { buildLibzmqBench, libzmqVersion, ROOT, Side, type Impl } from './sides';
import { ephemeralPorts, scaleRun, scaleTable, soakRun, soakTable, type ScaleResult } from './soak';

const QUICK = process.argv.includes('--quick');
const ONLY = optionValue('--only');
const RUNS = Number(optionValue('--runs') ?? 5);
const SIZES = [16, 1024, 65536];

/** Messages per timed throughput run, by size (the warm-up run sends as many). */
const THROUGHPUT_COUNT: Record<number, number> = QUICK ? { 16: 400_000, 1024: 100_000, 65536: 5_000 } : { 16: 2_000_000, 1024: 500_000, 65536: 20_000 };
const PINGS_BACK_TO_BACK = QUICK ? 2_000 : 20_000;
const PINGS_PACED = QUICK ? 200 : 2_000;
const PACE_MICROS = 1000;
/** Before each group, wait up to this long for other work to use at most QUIET_BUSY of the CPUs (quick: only measure it). */
const QUIET_WAIT_MS = QUICK ? 0 : 60_000;
const QUIET_SAMPLE_MS = QUICK ? 200 : 500;
const QUIET_BUSY = 0.15;

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
}

async function startPair(label: string, serverImpl: Impl, clientImpl: Impl, kind: 'throughput' | 'latency', transport: Transport, size: number): Promise<Pair> {
  const [serverMode, clientMode] = kind === 'throughput' ? ['recv', 'send'] : ['echo', 'ping'];
  const server = new Side(serverImpl, [serverMode, bindEndpoint(transport), String(size)]);
  const [, endpoint] = await server.next('ready');
  const client = new Side(clientImpl, [clientMode, endpoint, String(size)]);
  await client.next('ready');
  return { label, server, client };
}

async function stopPair(pair: Pair): Promise<void> {
  await Promise.all([pair.client.stop(), pair.server.stop()]);
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

/** Messages a connect side lost to cut connections (bench/reconnect.ts), summed over the runs. */
interface Loss {
  readonly sent: number;
  readonly lost: number;
  readonly cuts: number;
  readonly runs: { lost: number; cuts: number }[];
}

interface Cell {
  readonly kind: 'throughput' | 'interop' | 'latency' | 'reconnect';
  readonly name: string;
  readonly transport: Transport;
  readonly size: number;
  readonly count: number;
  /** For latency cells: back to back, or paced with a pause between round trips. */
  readonly mode?: 'back-to-back' | 'paced 1 ms';
  ours?: Throughput | Latency | Loss;
  libzmq?: Throughput | Latency | Loss;
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
  const results = new Map<string, { messagesPerSecond: number; megabytesPerSecond: number }[]>(pairs.map((p) => [p.label, []]));
  try {
    for (const pair of pairs) await throughputRun(pair, count);
    for (let r = 0; r < RUNS; r++) for (const pair of pairs) results.get(pair.label)!.push(await throughputRun(pair, count));
  } finally {
    await stopPairs(pairs);
  }
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

async function latencyGroup(transport: Transport, size: number, mode: 'back-to-back' | 'paced 1 ms', otherBusy: number): Promise<Cell> {
  const paced = mode === 'paced 1 ms';
  const count = paced ? PINGS_PACED : PINGS_BACK_TO_BACK;
  const pause = paced ? PACE_MICROS : 0;
  const load = loadavg()[0];
  const pairs = [await startPair('ours', 'ours', 'ours', 'latency', transport, size), await startPair('libzmq', 'libzmq', 'libzmq', 'latency', transport, size)];
  const results = new Map<string, { p50: number; p99: number; p999: number }[]>(pairs.map((p) => [p.label, []]));
  try {
    // The warm-up is always back to back: it is there to get the code compiled.
    for (const pair of pairs) await latencyRun(pair, PINGS_BACK_TO_BACK >> 2, 0);
    for (let r = 0; r < RUNS; r++) for (const pair of pairs) results.get(pair.label)!.push(await latencyRun(pair, count, pause));
  } finally {
    await stopPairs(pairs);
  }
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

/** Reconnect loss: messages sent at RECONNECT_RATE through a proxy that cuts the connection every RECONNECT_CUT_MS. */
const RECONNECT_COUNT = QUICK ? 6_000 : 20_000;
const RECONNECT_RATE = 2_000;
const RECONNECT_CUT_MS = 250;
const RECONNECT_RUNS = QUICK ? 1 : 3;

async function reconnectGroup(otherBusy: number): Promise<Cell> {
  const load = loadavg()[0];
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
  // Both may lose nothing at all: that is a tie.
  const ratio = perCut(libzmq) === 0 ? (perCut(ours) === 0 ? 1 : Infinity) : perCut(ours) / perCut(libzmq);
  return {
    kind: 'reconnect',
    name: `reconnect loss tcp 64 B (${RECONNECT_RATE.toLocaleString('en')} msg/s, a cut every ${RECONNECT_CUT_MS} ms)`,
    transport: 'tcp',
    size: 64,
    count: RECONNECT_COUNT,
    ours,
    libzmq,
    ratio,
    target: '≤ 1.0',
    met: ratio <= 1,
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
    if (cell.kind === 'reconnect') {
      const loss = (l: Loss): string => `${l.lost} of ${l.sent.toLocaleString('en')} lost over ${l.cuts} cuts (${(l.lost / Math.max(1, l.cuts)).toFixed(2)} per cut)`;
      rows.push(`| ${cell.name} | ${loss(cell.ours as Loss)} | ${loss(cell.libzmq as Loss)} | ${fixed(cell.ratio as number, 2)} | ${cell.target}${mark} |`);
    } else if (cell.kind === 'latency') {
      const r = cell.ratio as { p50: number; p99: number; p999: number };
      rows.push(`| ${cell.name} (p50 / p99 / p99.9 µs) | ${micros(cell.ours as Latency)} | ${micros(cell.libzmq as Latency)} | ${fixed(r.p50, 2)} / ${fixed(r.p99, 2)} / ${fixed(r.p999, 2)} | ${cell.target}${mark} |`);
    } else {
      const versus = cell.kind === 'interop' ? `${rate(cell.libzmq as Throughput)} (libzmq ↔ libzmq)` : cell.libzmq ? rate(cell.libzmq as Throughput) : '—';
      rows.push(`| ${cell.name} | ${rate(cell.ours as Throughput)} | ${versus} | ${cell.ratio === undefined ? '—' : fixed(cell.ratio as number, 2)} | ${cell.target ?? ''}${mark} |`);
    }
  }
  return rows.join('\n');
}

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
  for (const transport of ['tcp', 'ipc', 'ws', 'inproc'] as const) {
    for (const size of SIZES) {
      if (!wanted(`throughput ${transport} ${sizeName(size)}`) && !(transport === 'tcp' && wanted(`interop ${sizeName(size)}`))) continue;
      const busy = await waitForQuiet();
      log(`throughput ${transport} ${sizeName(size)} (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
      cells.push(...(await throughputGroup(transport, size, busy)));
    }
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
  if (wanted('reconnect loss tcp')) {
    const busy = await waitForQuiet();
    log(`reconnect loss tcp (load ${loadavg()[0].toFixed(2)}, others ${(busy * 100).toFixed(0)}%)`);
    cells.push(await reconnectGroup(busy));
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
