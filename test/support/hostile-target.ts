/**
 * The process the hostile-peer tests attack: one bound PEER in a Node process of its own, so that
 * its memory (RSS after a full GC) and its descriptors (/proc/PID/fd) are its own and not the
 * attackers'. Driven over stdin/stdout, one JSON line per answer:
 *
 *   node --expose-gc out/test/support/hostile-target.js ENDPOINT [OPTIONS-JSON]
 *     prints {"endpoint": "..."} once bound; then per stdin line
 *   stats   {"rss", "heapUsed", "external" (bytes, after a full GC), "fds": n, "connections": [{state, queuedIn, messagesIn}]}
 *   drain   receives until nothing arrives for 300 ms: {"received": {routingId: count}}
 *
 * stdin EOF closes the socket and exits. Not a test file: test/support is never given to the runner.
 */
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Peer, type PeerOptions } from '../../core';

const [endpointText, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson ?? '{}') as PeerOptions;

function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Resident memory after a full collection, so that garbage not yet collected does not count. */
function residentAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().rss;
}

/** Receives until nothing arrives for receiveTimeout (300 ms), counting per routing id. */
async function drain(peer: Peer): Promise<Record<number, number>> {
  const received: Record<number, number> = {};
  for (;;) {
    let first;
    try {
      first = await peer.receive();
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') return received;
      throw err;
    }
    for (const message of [first, ...peer.receiveAvailable()]) received[message.routingId] = (received[message.routingId] ?? 0) + 1;
  }
}

async function main(): Promise<void> {
  const peer = new Peer({ linger: 0, ...options, receiveTimeout: 300 });
  answer({ endpoint: await peer.bind(endpointText) });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'stats') {
      const connections = peer.connections().map(({ state, queuedIn, messagesIn }) => ({ state, queuedIn, messagesIn }));
      const rss = residentAfterGc();
      const { heapUsed, external } = process.memoryUsage();
      answer({ rss, heapUsed, external, fds: readdirSync('/proc/self/fd').length, connections });
    } else if (command === 'drain') {
      answer({ received: await drain(peer) });
    }
  }
  await peer.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`hostile-target: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
