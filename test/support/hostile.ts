/**
 * Hostile peers and the process they attack, for the tests that hold the core to memory and
 * descriptor bounds: {@link HostileTarget} runs test/support/hostile-target.ts (a bound PEER in a
 * process of its own) and reads its RSS, descriptors and queues; the attacks write through the
 * raw peers (raw-zmtp.ts, raw-ws.ts) with backpressure, so that what grows is the target, never
 * the attacker's own buffers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PeerOptions } from '../../core';
import type { RawConnection } from './raw-zmtp';
import { rawPing } from './raw-zmtp';
import { WS_OPCODE, wsFrame, zwsPayload } from './raw-ws';
import { withTimeout } from './peers';

/** What the target reports about itself. */
export interface TargetStats {
  /** Resident memory after a full GC, bytes. */
  readonly rss: number;
  /** V8 heap in use and memory outside it (Buffers), after the same GC. */
  readonly heapUsed: number;
  readonly external: number;
  /** Open descriptors (/proc/self/fd). */
  readonly fds: number;
  readonly connections: ReadonlyArray<{ readonly state: string; readonly queuedIn: number; readonly messagesIn: number }>;
}

/** A bound PEER in a child process, asked for its stats over stdin/stdout. */
export class HostileTarget {
  readonly endpoint: string;
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;

  private constructor(child: ChildProcess, lines: AsyncIterator<string>, endpoint: string) {
    this.#child = child;
    this.#lines = lines;
    this.endpoint = endpoint;
  }

  /** Starts the target bound to `endpoint` with `options` (JSON-able socket options). */
  static async start(endpoint: string, options: PeerOptions = {}): Promise<HostileTarget> {
    const script = join(__dirname, 'hostile-target.js');
    // A small young generation: V8 grows it under a high allocation rate and keeps it grown, which
    // would read as growth in RSS although nothing is live (measured: +16 MiB for 16 MiB of pings).
    const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', script, endpoint, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await withTimeout(lines.next(), 10_000, 'the hostile target to bind');
    if (first.done) throw new Error('the hostile target exited before binding');
    return new HostileTarget(child, lines, (JSON.parse(first.value) as { endpoint: string }).endpoint);
  }

  async #ask<T>(command: string, timeoutMs: number): Promise<T> {
    this.#child.stdin!.write(`${command}\n`);
    const line = await withTimeout(this.#lines.next(), timeoutMs, `the hostile target's answer to ${command}`);
    if (line.done) throw new Error(`the hostile target exited while answering ${command}`);
    return JSON.parse(line.value) as T;
  }

  stats(): Promise<TargetStats> {
    return this.#ask('stats', 10_000);
  }

  /** Receives everything the target can; messages per routing id. */
  async drain(timeoutMs = 30_000): Promise<Record<string, number>> {
    return (await this.#ask<{ received: Record<string, number> }>('drain', timeoutMs)).received;
  }

  /** Waits until `condition` holds for the target's stats; returns the stats that satisfied it. */
  async waitFor(condition: (stats: TargetStats) => boolean, timeoutMs: number, what: string): Promise<TargetStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await this.stats();
      if (condition(stats)) return stats;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for the target: ${what} (last: ${JSON.stringify({ ...stats, connections: stats.connections.length })})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the stats stop changing for `quietMs` (the attack has been taken in, or refused). */
  async settled(quietMs = 300, timeoutMs = 20_000): Promise<TargetStats> {
    const deadline = Date.now() + timeoutMs;
    let last = JSON.stringify((await this.stats()).connections);
    let since = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stats = await this.stats();
      const now = JSON.stringify(stats.connections);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return stats;
      if (Date.now() > deadline) throw new Error(`the target kept changing for ${timeoutMs} ms`);
    }
  }

  /** stdin EOF: the target closes its socket and exits. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null) resolve();
      else this.#child.once('exit', () => resolve());
    });
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Writes `unit` `count` times to `connection`, in blocks of about 64 KiB, waiting for 'drain' as a
 * polite writer would (so that what grows is the target, not this process's buffers).
 */
export async function writeUnits(connection: RawConnection, unit: Uint8Array, count: number): Promise<void> {
  const socket = connection.socket;
  const perBlock = Math.max(1, Math.floor(65536 / unit.length));
  const block = Buffer.concat(Array.from({ length: perBlock }, () => unit));
  for (let left = count; left > 0; left -= perBlock) {
    if (socket.destroyed) throw new Error(`the target closed the connection with ${left} of ${count} units left`);
    const ok = socket.write(left >= perBlock ? block : block.subarray(0, left * unit.length));
    if (!ok) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          socket.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          socket.off('drain', onDrain);
          reject(new Error(`the target closed the connection with ${left} of ${count} units left`));
        };
        socket.once('drain', onDrain);
        socket.once('close', onClose);
      });
    }
  }
}

/** The transports the attacks run over: the two ZMTP streams and a WebSocket. */
export type AttackTransport = 'tcp' | 'ipc' | 'ws';

/** A fixed masking key: every client frame of one kind is then the same bytes. */
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** One PING as the transport carries it: a ZMTP PING command (TTL 0), or a masked WebSocket ping. */
export function pingUnit(transport: AttackTransport): Uint8Array {
  return transport === 'ws' ? wsFrame({ opcode: WS_OPCODE.ping, mask: KEY }) : rawPing(0);
}

/** One empty single-frame message: ZMTP `00 00`, or a masked ZWS message holding the flags byte. */
export function emptyMessageUnit(transport: AttackTransport): Uint8Array {
  return transport === 'ws' ? wsFrame({ payload: zwsPayload(new Uint8Array(0)), mask: KEY }) : Uint8Array.of(0, 0);
}
