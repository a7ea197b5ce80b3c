/**
 * The soak and scale benchmark (`npm run bench -- --only soak`; not a test):
 *
 * - **Scale**: PEERS connections (default 10,000; `--peers N`) to one bound PEER, ours beside
 *   libzmq's (each connector a PEER of the same implementation in a process of its own, one
 *   message sent per connection). Reports the handshake rate (connections made in steps of
 *   SCALE_STEP, each step waiting until the binder received a message from every one) and the
 *   binder's resident memory per connection. Each process needs about PEERS + 100 descriptors: the
 *   soft limit is raised to that for the processes of the benchmark (`prlimit`), which needs a
 *   hard limit at least that high (`ulimit -Hn`).
 * - **Soak**: `--duration SECONDS` (default 600) of mixed traffic against one bound PEER of ours
 *   (bench/soak-binder.ts; tcp and ws, heartbeats on): connection churn with messages of random
 *   sizes, and one hostile peer of each kind (bench/soak-load.ts). The binder's RSS (after a full
 *   GC) and descriptors are sampled over time; the run must end flat: RSS in the last third no
 *   higher than in the middle third (plus a margin), descriptors back to their baseline once the
 *   load is gone.
 */
import { readFileSync } from 'node:fs';
import { Side, type Impl } from './sides';

/** Connections opened per step of the scale benchmark. */
const SCALE_STEP = 500;

const log = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);

export interface ScaleResult {
  readonly impl: Impl;
  readonly peers: number;
  /** Seconds from the first connect to the binder's last message. */
  readonly seconds: number;
  /** The binder's RSS (KiB) when bound and idle, and with every peer connected. */
  readonly idleKib: number;
  readonly loadedKib: number;
  /** The connector's RSS (KiB) before connecting and with every peer connected. */
  readonly connectorIdleKib: number;
  readonly connectorKib: number;
  readonly binderFds: number;
}

async function statsOf(side: Side): Promise<number[]> {
  side.send('stats');
  return (await side.next('stats')).slice(1).map(Number);
}

/** One implementation's scale run: `peers` connections to one binder, in steps. */
export async function scaleRun(impl: Impl, peers: number): Promise<ScaleResult> {
  const descriptors = peers + 200;
  const binder =
    impl === 'ours'
      ? new Side('ours', ['scale', 'tcp://127.0.0.1:*'], { script: 'soak-binder.js', nodeArgs: ['--expose-gc'], descriptors })
      : new Side('libzmq', ['scalerecv', 'tcp://127.0.0.1:*', '16'], { descriptors });
  try {
    const [, endpoint] = await binder.next('ready');
    const connector = impl === 'ours' ? new Side('ours', ['scale', endpoint], { script: 'soak-load.js', nodeArgs: ['--expose-gc'], descriptors }) : new Side('libzmq', ['scalesend', endpoint, '16'], { descriptors });
    try {
      await connector.next('ready');
      const [idleKib] = await statsOf(binder);
      const [connectorIdleKib] = await statsOf(connector);
      binder.send(`expect ${peers} ${SCALE_STEP}`);
      const started = performance.now();
      for (let made = 0; made < peers; made += SCALE_STEP) {
        const step = Math.min(SCALE_STEP, peers - made);
        connector.send(`connect ${step}`);
        await connector.next('started', 300_000);
        await binder.next('at', 300_000);
      }
      const seconds = (performance.now() - started) / 1000;
      const [loadedKib, binderFds] = await statsOf(binder);
      const [connectorKib] = await statsOf(connector);
      return { impl, peers, seconds, idleKib, loadedKib, connectorIdleKib, connectorKib, binderFds };
    } finally {
      await connector.stop();
    }
  } finally {
    await binder.stop();
  }
}

/** One sample of the soak binder. */
export interface SoakSample {
  /** Seconds since the load started. */
  readonly t: number;
  /** RSS after a full GC, and the V8 heap in use, KiB. */
  readonly rssKib: number;
  readonly heapKib: number;
  readonly fds: number;
  readonly connections: number;
  readonly maxQueuedIn: number;
}

export interface SoakResult {
  readonly seconds: number;
  readonly samples: SoakSample[];
  /** Descriptors before the load and after it ended. */
  readonly baselineFds: number;
  readonly finalFds: number;
  /** Mean RSS (KiB) over the middle and the last third of the run. */
  readonly middleKib: number;
  readonly lastKib: number;
  readonly flat: boolean;
  readonly load: Record<string, number>;
  readonly binder: { received: number; echoed: number; missed: number };
}

/** RSS may end this much above the middle third and still count as flat: GC and allocator noise (the read buffers of a flood come and go by tens of MiB). */
const flatMarginKib = (middleKib: number): number => Math.max(8 * 1024, middleKib * 0.1);

/** The soak run: `seconds` of mixed load against our binder, sampled every `sampleMs`. */
export async function soakRun(seconds: number, sampleMs: number): Promise<SoakResult> {
  const binder = new Side('ours', ['soak', 'tcp://127.0.0.1:*', 'ws://127.0.0.1:*'], { script: 'soak-binder.js', nodeArgs: ['--expose-gc'], descriptors: 4096 });
  try {
    const [, tcp, ws] = await binder.next('ready');
    const sample = async (t: number): Promise<SoakSample & { totals: number[] }> => {
      const [rssKib, fds, heapKib, connections, maxQueuedIn, ...totals] = await statsOf(binder);
      return { t, rssKib, heapKib, fds, connections, maxQueuedIn, totals };
    };
    const baseline = await sample(0);
    const load = new Side('ours', ['soak', tcp, ws, String(seconds)], { script: 'soak-load.js', descriptors: 4096 });
    const started = performance.now();
    const samples: SoakSample[] = [];
    let finished = false;
    const loadDone = load.next('done', (seconds + 120) * 1000).then((words) => {
      finished = true;
      return JSON.parse(words.slice(1).join(' ')) as Record<string, number>;
    });
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, sampleMs));
      const s = await sample((performance.now() - started) / 1000);
      samples.push(s);
      log(`soak ${s.t.toFixed(0)} s: RSS ${(s.rssKib / 1024).toFixed(1)} MiB, heap ${(s.heapKib / 1024).toFixed(1)} MiB, ${s.fds} descriptors, ${s.connections} connections, max queuedIn ${s.maxQueuedIn}`);
    }
    const loadSummary = await loadDone;
    await load.stop();
    // The binder notices the last connections go (heartbeats, closes); then its descriptors are counted.
    let after = await sample((performance.now() - started) / 1000);
    const deadline = Date.now() + 10_000;
    while (after.fds > baseline.fds && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await sample((performance.now() - started) / 1000);
    }
    const third = (from: number, to: number): number => {
      const chosen = samples.filter((s) => s.t >= (from * seconds) / 3 && s.t < (to * seconds) / 3);
      return chosen.length === 0 ? 0 : chosen.reduce((sum, s) => sum + s.rssKib, 0) / chosen.length;
    };
    const middleKib = third(1, 2);
    const lastKib = third(2, 3.5);
    const [received, echoed, missed] = after.totals;
    return {
      seconds,
      samples,
      baselineFds: baseline.fds,
      finalFds: after.fds,
      middleKib,
      lastKib,
      flat: lastKib <= middleKib + flatMarginKib(middleKib) && after.fds <= baseline.fds,
      load: loadSummary,
      binder: { received, echoed, missed },
    };
  } finally {
    await binder.stop();
  }
}

/** The soak result as a few lines of Markdown: the summary and RSS/descriptors over time (one row per tenth). */
export function soakTable(result: SoakResult): string {
  const rows = ['| t (s) | RSS after GC (MiB) | heap (MiB) | descriptors | connections | max queuedIn |', '| ---: | ---: | ---: | ---: | ---: | ---: |'];
  const every = Math.max(1, Math.floor(result.samples.length / 10));
  const shown = result.samples.filter((_, i) => i % every === 0 || i === result.samples.length - 1);
  for (const s of shown) rows.push(`| ${s.t.toFixed(0)} | ${(s.rssKib / 1024).toFixed(1)} | ${(s.heapKib / 1024).toFixed(1)} | ${s.fds} | ${s.connections} | ${s.maxQueuedIn} |`);
  const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
  return (
    `Soak ${result.seconds} s: RSS ${mib(result.middleKib)} (middle third) → ${mib(result.lastKib)} (last third); descriptors ${result.baselineFds} before → ${result.finalFds} after the load; ` +
    `${result.flat ? 'flat ✓' : 'not flat ✗'}. Load: ${JSON.stringify(result.load)}; binder received ${result.binder.received}, echoed ${result.binder.echoed}, missed ${result.binder.missed} (peers at their send HWM).\n\n${rows.join('\n')}`
  );
}

/** The scale results of both implementations as a Markdown table. */
export function scaleTable(results: ScaleResult[]): string {
  const rows = ['| implementation | peers | handshakes/s | binder RSS per connection | connector RSS per connection | binder descriptors |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    const perConnection = ((r.loadedKib - r.idleKib) / r.peers).toFixed(1);
    rows.push(`| ${r.impl} | ${r.peers} | ${Math.round(r.peers / r.seconds)} (${r.seconds.toFixed(2)} s) | ${perConnection} KiB | ${((r.connectorKib - r.connectorIdleKib) / r.peers).toFixed(1)} KiB | ${r.binderFds} |`);
  }
  return rows.join('\n');
}

/** The kernel's range of ephemeral ports, which bounds how many connections one address pair can have. */
export function ephemeralPorts(): number {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return high - low + 1;
}
