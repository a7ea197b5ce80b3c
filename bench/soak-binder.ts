/**
 * The bound PEER of the soak and scale benchmark (bench/soak.ts), in a process of its own so
 * that its memory and descriptors can be read from outside. Spoken to in lines, like
 * bench/libzmq-bench.c's scalerecv:
 *
 *   node --expose-gc out/bench/soak-binder.js scale ENDPOINT
 *     "ready ENDPOINT"; per line "expect N STEP": receives N messages, printing "at K" every STEP
 *   node --expose-gc out/bench/soak-binder.js soak TCP_ENDPOINT WS_ENDPOINT
 *     "ready TCP WS"; heartbeats on; reads what arrived every 50 ms and echoes every message that
 *     is not empty (a peer at its send high-water mark misses the echo: sendTimeout 0)
 *   both: per line "stats": "stats RSS_KIB FDS HEAP_KIB CONNECTIONS MAX_QUEUED_IN RECEIVED ECHOED MISSED",
 *     RSS and heap after a full GC
 */
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Peer } from '../core';

const [mode, first, second] = process.argv.slice(2);
const say = (text: string): void => void process.stdout.write(`${text}\n`);

const counts = { received: 0, echoed: 0, missed: 0 };

function stats(peer: Peer): string {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const connections = peer.connections();
  const maxQueuedIn = connections.reduce((max, c) => Math.max(max, c.queuedIn), 0);
  const fds = readdirSync('/proc/self/fd').length;
  return `stats ${Math.round(rss / 1024)} ${fds} ${Math.round(heapUsed / 1024)} ${connections.length} ${maxQueuedIn} ${counts.received} ${counts.echoed} ${counts.missed}`;
}

/** Reads in bursts, as a busy application does, so that fast peers meet their receive high-water mark. */
function echoEvery(peer: Peer, intervalMs: number): void {
  setInterval(() => {
    for (const { routingId, data } of peer.receiveAvailable()) {
      counts.received++;
      // Empty messages are the flood's: answering each would measure ZmqError construction.
      if (data.length === 0) continue;
      peer.send(routingId, data).then(
        () => void counts.echoed++,
        () => void counts.missed++,
      );
    }
  }, intervalMs);
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  if (mode === 'scale') {
    const peer = new Peer({ linger: 0 });
    say(`ready ${await peer.bind(first)}`);
    for await (const line of lines) {
      const words = line.trim().split(' ');
      if (words[0] === 'stats') say(stats(peer));
      else if (words[0] === 'expect') {
        const [n, step] = [Number(words[1]), Number(words[2])];
        for (let i = 1; i <= n; i++) {
          await peer.receive();
          counts.received++;
          if (i % step === 0 || i === n) say(`at ${i}`);
        }
      }
    }
    await peer.close();
    return;
  }
  if (mode === 'soak') {
    const peer = new Peer({ linger: 0, sendTimeout: 0, heartbeatInterval: 500, heartbeatTimeout: 1500, handshakeInterval: 2000 });
    const tcp = await peer.bind(first);
    const ws = await peer.bind(second);
    say(`ready ${tcp} ${ws}`);
    echoEvery(peer, 50);
    for await (const line of lines) if (line.trim() === 'stats') say(stats(peer));
    await peer.close();
    process.exit(0);
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak-binder: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
