/**
 * The tap streams, it does not buffer: a 1 GiB message passes through `zmq-peer tap` (its own
 * process, so that its memory is its own) byte for byte, while the tap's peak resident memory
 * stays far below the message's size — backpressure reaches from the upstream back to the app.
 *
 *   raw app ──1 GiB──▶ zmq-peer tap (child process) ──▶ raw upstream (hashes what arrives)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../support/endpoints';
import { concat } from '../support/hex';
import { rawGreeting, rawReady } from '../support/raw-zmtp';

const CLI = join(__dirname, '..', '..', 'zmq-script', 'cli', 'zmq-peer.js');
const MESSAGE = 2 ** 30;
const CHUNK = 2 ** 20;
/** The tap's peak resident memory may not reach this: a buffered message alone would be 1 GiB. */
const PEAK_RSS_LIMIT = 256 * 2 ** 20;

/** Peak resident set size of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match, 'VmHWM in /proc/PID/status');
  return Number(match[1]) * 1024;
}

describe('tap: bounded memory', () => {
  it('relays a 1 GiB message byte for byte while its own peak memory stays under 256 MiB', { timeout: 300_000 }, async (t) => {
    // The upstream answers every connection with a NULL greeting and READY, then hashes all it gets.
    const upstreamHash = createHash('md5');
    let upstreamBytes = 0;
    let upstreamLeg: Socket | undefined;
    const upstream = createServer((socket) => {
      socket.on('error', () => {});
      socket.write(concat(rawGreeting(), rawReady('PEER')));
      socket.on('data', (chunk: Buffer) => {
        upstreamLeg = socket;
        upstreamHash.update(chunk);
        upstreamBytes += chunk.length;
      });
    });
    await new Promise<void>((resolve) => upstream.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const upstreamPort = (upstream.address() as { port: number }).port;
    const listenPort = await freePort();
    const tap = spawn(process.execPath, [CLI, 'tap', `tcp://127.0.0.1:${listenPort}`, `tcp://127.0.0.1:${upstreamPort}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const listening = new Promise<void>((resolve) =>
      createInterface({ input: tap.stdout! }).on('line', (line) => {
        lines.push(line);
        if (/tap: listening on/.test(line)) resolve();
      }),
    );
    try {
      await listening;
      const app = connect({ host: '127.0.0.1', port: listenPort });
      await once(app, 'connect');
      const sentHash = createHash('md5');
      const send = async (bytes: Uint8Array): Promise<void> => {
        sentHash.update(bytes);
        if (!app.write(bytes)) await once(app, 'drain');
      };
      const header = new Uint8Array(9);
      header[0] = 0x02;
      new DataView(header.buffer).setBigUint64(1, BigInt(MESSAGE));
      await send(concat(rawGreeting(), rawReady('PEER'), header));
      const chunk = Buffer.alloc(CHUNK);
      for (let i = 0; i < MESSAGE / CHUNK; i++) {
        chunk.writeUInt32BE(i, 0);
        await send(chunk);
      }
      const total = 64 + rawReady('PEER').length + 9 + MESSAGE;
      while (upstreamBytes < total) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(upstreamBytes, total);
      assert.equal(upstreamHash.digest('hex'), sentHash.digest('hex'), 'the upstream got exactly the bytes the app sent');
      const peak = peakRss(tap.pid!);
      t.diagnostic(`peak resident memory of the tap: ${Math.round(peak / 2 ** 20)} MiB`);
      assert.ok(peak < PEAK_RSS_LIMIT, `the tap's peak resident memory was ${Math.round(peak / 2 ** 20)} MiB`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(lines.some((line) => /#1 app PEER > upstream: message 1 frame 1073741824 bytes: \[0\] 1073741824 /.test(line)), lines.join('\n'));
      app.destroy();
      upstreamLeg?.destroy();
    } finally {
      tap.kill('SIGINT');
      await once(tap, 'exit');
      upstream.close();
    }
  });
});
