/**
 * What `npm run bench` measures and how it prints it: the cells (one transport, size and kind
 * each), the variants of ours beside libzmq in each, their targets, and the Markdown table.
 */
import type { Impl } from './sides';

export type Transport = 'tcp' | 'ipc' | 'ws' | 'inproc';

/** How an application of ours is written (bench/peer.ts explains each). */
export type Style = 'natural' | 'iterate' | 'batch';

/** One process pair of a cell: who binds (receiver, echo) and who connects (sender, pinger), written how. */
export interface Variant {
  readonly label: string;
  readonly server: Impl;
  readonly client: Impl;
  /** The style of our side(s); libzmq has one way. */
  readonly style?: Style;
  /** The receiver's style when it differs from the sender's (`iterate`: the sender is natural). */
  readonly serverStyle?: Style;
  /** `taskset -c` CPU lists for the server and the client. */
  readonly cpus?: readonly [string, string];
  /** Extra environment of both sides (ZMQ_BENCH_CURVE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Ours: the script in out/bench/ both sides run instead of peer.js (node-floor.js: the bare-Node floor). */
  readonly script?: string;
}

export interface Throughput {
  readonly messagesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly runs: number[];
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly runs: { p50: number; p99: number; p999: number }[];
}

/** Messages a connect side lost to cut connections (bench/reconnect.ts), summed over the runs. */
export interface Loss {
  readonly sent: number;
  readonly lost: number;
  readonly cuts: number;
  readonly runs: { lost: number; cuts: number }[];
}

export interface Cell {
  readonly kind: 'throughput' | 'interop' | 'latency' | 'reconnect' | 'tap';
  readonly name: string;
  readonly transport: Transport;
  readonly size: number;
  readonly count: number;
  /**
   * Each variant's result, by label; `libzmq` is the reference (for interop: libzmq ↔ libzmq). Tap
   * cells: `tap` (libzmq → tap → libzmq) and `direct` (libzmq → libzmq).
   */
  readonly results: Record<string, Throughput | Latency | Loss>;
  /** The ratio that meets or misses the target: the natural loop's (or the cell's only one). */
  target?: string;
  met?: boolean;
  /** 1-minute load average, and the share of the CPUs others used just before the group. */
  readonly loadAverage: number;
  readonly otherBusy: number;
}

export const sizeName = (size: number): string => (size >= 1024 ? `${size / 1024} KiB` : `${size} B`);

/**
 * What the CURVE cells aim for: libzmq's pace at 16 B; at 1 KiB, 0.8 (one core's WebAssembly seal
 * rate is close to libzmq's rate there).
 */
export function curveTarget(size: number): number | undefined {
  return size === 16 ? 1.0 : size === 1024 ? 0.8 : undefined;
}

/** The targets for our natural loop against libzmq. */
export function throughputTarget(transport: Transport, size: number): number | undefined {
  if (transport === 'tcp' || transport === 'ipc') return size === 65536 ? 1.5 : 1.2;
  if (transport === 'ws' && size <= 1024) return 1.0;
  return undefined;
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);

function rate(t: Throughput): string {
  const m = t.messagesPerSecond;
  return m >= 1e6 ? `${fixed(m / 1e6, 2)} M` : `${fixed(m / 1e3, 1)} k`;
}

const micros = (l: Latency): string => `${fixed(l.p50, 1)} / ${fixed(l.p99, 1)} / ${fixed(l.p999, 1)}`;

const mark = (cell: Cell): string => (cell.met === undefined ? '' : cell.met ? ' ✓' : ' ✗');

/**
 * The throughput and interop cells: messages/s for each of ours, libzmq's, and (tcp, ipc) bare Node
 * sockets cutting frames apart, the floor of any Node process; then each over libzmq's.
 */
function throughputTable(cells: Cell[]): string {
  const rows = [
    '| cell | ours: natural loop | ours: for await | ours: batch API | libzmq | bare Node sockets | natural / libzmq | for await / libzmq | batch / libzmq | bare Node / libzmq | target (natural) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const cell of cells) {
    const libzmq = cell.results.libzmq as Throughput | undefined;
    const column = (label: string): string => (cell.results[label] ? rate(cell.results[label] as Throughput) : '—');
    const ratio = (label: string): string => (cell.results[label] && libzmq ? fixed((cell.results[label] as Throughput).messagesPerSecond / libzmq.messagesPerSecond, 2) : '—');
    const reference = libzmq ? `${rate(libzmq)}${cell.kind === 'interop' ? ' (libzmq ↔ libzmq)' : ''}` : '—';
    rows.push(`| ${cell.name} | ${column('natural')} | ${column('iterate')} | ${column('batch')} | ${reference} | ${column('node')} | ${ratio('natural')} | ${ratio('iterate')} | ${ratio('batch')} | ${ratio('node')} | ${cell.target ?? ''}${mark(cell)} |`);
  }
  return rows.join('\n');
}

/**
 * The latency cells: p50 / p99 / p99.9 µs for our natural and batch code, for libzmq, and (tcp,
 * ipc) for a bare Node socket echo, the floor of any Node process on the machine.
 */
function latencyTable(cells: Cell[]): string {
  const rows = [
    '| cell (p50 / p99 / p99.9 µs) | ours: natural loop | ours: batch API | libzmq | bare Node socket echo | natural / libzmq | batch / libzmq | bare Node / libzmq | target (natural) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const cell of cells) {
    const libzmq = cell.results.libzmq as Latency;
    const column = (label: string): string => (cell.results[label] ? micros(cell.results[label] as Latency) : '—');
    const ratio = (label: string): string => {
      const l = cell.results[label] as Latency | undefined;
      return l ? `${fixed(l.p50 / libzmq.p50, 2)} / ${fixed(l.p99 / libzmq.p99, 2)} / ${fixed(l.p999 / libzmq.p999, 2)}` : '—';
    };
    rows.push(`| ${cell.name} | ${column('natural')} | ${column('batch')} | ${micros(libzmq)} | ${column('node')} | ${ratio('natural')} | ${ratio('batch')} | ${ratio('node')} | ${cell.target ?? ''}${mark(cell)} |`);
  }
  return rows.join('\n');
}

function lossTable(cells: Cell[]): string {
  const rows = ['| cell | ours | libzmq | ours / libzmq (per cut) | target |', '| --- | ---: | ---: | ---: | --- |'];
  const loss = (l: Loss): string => `${l.lost} of ${l.sent.toLocaleString('en')} lost over ${l.cuts} cuts (${fixed(l.lost / Math.max(1, l.cuts), 2)} per cut)`;
  for (const cell of cells) {
    const ours = cell.results.ours as Loss;
    const libzmq = cell.results.libzmq as Loss;
    const perCut = (l: Loss): number => l.lost / Math.max(1, l.cuts);
    const ratio = perCut(libzmq) === 0 ? (perCut(ours) === 0 ? 1 : Infinity) : perCut(ours) / perCut(libzmq);
    rows.push(`| ${cell.name} | ${loss(ours)} | ${loss(libzmq)} | ${fixed(ratio, 2)} | ${cell.target ?? ''}${mark(cell)} |`);
  }
  return rows.join('\n');
}

/** The tap cells: libzmq through the tap against libzmq direct, throughput or round trips. */
function tapTable(cells: Cell[]): string {
  const rows = ['| cell | through the tap | direct | tap / direct | target |', '| --- | ---: | ---: | ---: | --- |'];
  for (const cell of cells) {
    const tap = cell.results.tap;
    const direct = cell.results.direct;
    if ('p50' in tap && 'p50' in direct) {
      const ratio = `${fixed(tap.p50 / direct.p50, 2)} / ${fixed(tap.p99 / direct.p99, 2)} / ${fixed(tap.p999 / direct.p999, 2)}`;
      rows.push(`| ${cell.name} (p50 / p99 / p99.9 µs) | ${micros(tap)} | ${micros(direct)} | ${ratio} | ${cell.target ?? ''}${mark(cell)} |`);
    } else {
      const [t, d] = [tap as Throughput, direct as Throughput];
      rows.push(`| ${cell.name} | ${rate(t)} | ${rate(d)} | ${fixed(t.messagesPerSecond / d.messagesPerSecond, 2)} | ${cell.target ?? ''}${mark(cell)} |`);
    }
  }
  return rows.join('\n');
}

/** Every kind of cell measured, each kind as its own table. */
export function tables(cells: Cell[]): string {
  const parts: string[] = [];
  const throughput = cells.filter((c) => c.kind === 'throughput' || c.kind === 'interop');
  const latency = cells.filter((c) => c.kind === 'latency');
  const reconnect = cells.filter((c) => c.kind === 'reconnect');
  const tap = cells.filter((c) => c.kind === 'tap');
  if (throughput.length > 0) parts.push(throughputTable(throughput));
  if (latency.length > 0) parts.push(latencyTable(latency));
  if (reconnect.length > 0) parts.push(lossTable(reconnect));
  if (tap.length > 0) parts.push(tapTable(tap));
  return parts.join('\n\n');
}
