/**
 * The project's side of `npm run bench`: one PEER socket in one Node process, driven over
 * stdin/stdout with the same line protocol as bench/libzmq-bench.c (see there), plus `inproc`,
 * which holds both ends in this one process (inproc exists only within a context).
 *
 *   node out/bench/peer.js recv|send|echo|ping|seqsend ENDPOINT SIZE
 *   node out/bench/peer.js inproc SIZE       "ready"; per line "expect N": sends and receives N
 *
 * The fast path, as an application should use it for throughput: `send` is not awaited per
 * message; only every SEND_AWAIT_EVERY-th promise is awaited, which returns at once while the
 * pipe is below its high-water mark and waits for room when it is not. Receiving takes whatever
 * is queued with `receiveAvailable` after each `receive` (the core hands over what arrived from
 * one peer in a row as one array).
 */
import { createInterface } from 'node:readline';
import { Peer } from '../core';

/** Await one send promise in this many (well below the default send HWM of 1000). */
const SEND_AWAIT_EVERY = 256;

async function receiveCount(peer: Peer, n: number, size: number): Promise<number> {
  let got = 0;
  let start = 0;
  while (got < n) {
    const first = await peer.receive();
    if (got === 0) start = performance.now();
    if (first.data.length !== size) throw new Error(`received ${first.data.length} bytes, expected ${size}`);
    got++;
    for (const message of peer.receiveAvailable(n - got)) {
      if (message.data.length !== size) throw new Error(`received ${message.data.length} bytes, expected ${size}`);
      got++;
    }
  }
  return (performance.now() - start) / 1000;
}

async function sendCount(peer: Peer, routingId: number, payload: Buffer, n: number): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  for (let i = 1; i <= n; i++) {
    last = peer.send(routingId, payload);
    if (i % SEND_AWAIT_EVERY === 0) await last;
  }
  await last;
}

async function main(): Promise<void> {
  const [mode, a, b] = process.argv.slice(2);
  const endpoint = a;
  const size = Number(mode === 'inproc' ? a : b);
  const payload = Buffer.alloc(size, 'z');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const command = async (): Promise<string[] | undefined> => {
    const next = await lines.next();
    return next.done ? undefined : next.value.trim().split(' ');
  };
  const peer = new Peer();
  const say = (text: string): void => void process.stdout.write(`${text}\n`);

  if (mode === 'recv' || mode === 'echo') {
    say(`ready ${await peer.bind(endpoint)}`);
    if (mode === 'echo') {
      for (;;) {
        const first = await peer.receive();
        void peer.send(first.routingId, first.data);
        for (const message of peer.receiveAvailable()) void peer.send(message.routingId, message.data);
      }
    }
    for (let words = await command(); words; words = await command()) {
      const n = Number(words[1]);
      const seconds = await receiveCount(peer, n, size);
      say(`done ${n} ${n * size} ${seconds.toFixed(9)}`);
    }
  } else if (mode === 'send' || mode === 'ping') {
    const routingId = peer.connectPeer(endpoint);
    say('ready');
    for (let words = await command(); words; words = await command()) {
      if (mode === 'send') {
        await sendCount(peer, routingId, payload, Number(words[1]));
        say('sent');
        continue;
      }
      const [n, pauseMicros] = [Number(words[1]), Number(words[2])];
      const rtt = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (pauseMicros > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, pauseMicros / 1000));
        const start = performance.now();
        void peer.send(routingId, payload);
        const reply = await peer.receive();
        rtt[i] = (performance.now() - start) * 1000;
        if (reply.data.length !== size) throw new Error(`received ${reply.data.length} bytes, expected ${size}`);
      }
      say(`rtt ${Array.from(rtt, (us) => us.toFixed(2)).join(' ')}`);
    }
  } else if (mode === 'seqsend') {
    // Numbered messages at a steady rate, each awaited, as an application paces its sends.
    const routingId = peer.connectPeer(endpoint);
    say('ready');
    for (let words = await command(); words; words = await command()) {
      const [n, rate] = [Number(words[1]), Number(words[2])];
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const message = Buffer.alloc(Math.max(4, size));
        message.writeUInt32BE(i, 0);
        await peer.send(routingId, message);
      }
      say('sent');
    }
  } else if (mode === 'inproc') {
    const receiver = peer;
    const sender = new Peer();
    const name = `inproc://bench-${process.pid}`;
    await receiver.bind(name);
    const routingId = sender.connectPeer(name);
    say('ready');
    for (let words = await command(); words; words = await command()) {
      const n = Number(words[1]);
      const received = receiveCount(receiver, n, size);
      await sendCount(sender, routingId, payload, n);
      const seconds = await received;
      say(`done ${n} ${n * size} ${seconds.toFixed(9)}`);
    }
    await sender.close();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await peer.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`error ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
