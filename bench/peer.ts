/**
 * The project's side of `npm run bench`: one PEER socket in one Node process, driven over
 * stdin/stdout with the same line protocol as bench/libzmq-bench.c (see there), plus `inproc`,
 * which holds both ends in this one process (inproc exists only within a context).
 *
 *   node out/bench/peer.js recv|send|echo|ping|seqsend ENDPOINT SIZE [STYLE]
 *   node out/bench/peer.js inproc SIZE [STYLE]   "ready"; per line "expect N": sends and receives N
 *
 * STYLE is how the application is written:
 *
 * - `natural` (the default): the loops every user writes. The sender awaits each `send`; the
 *   receiver awaits each `receive()`; the echo is `for await (const m of peer) await peer.send(…)`;
 *   the pinger awaits its `send`, then its `receive()`.
 * - `iterate`: as natural, but the receiver is `for await (const m of peer)`.
 * - `batch`: the batch API, for the last few percent: `send` is not awaited per message, only one
 *   promise in SEND_AWAIT_EVERY is (it returns at once below the send high-water mark and waits
 *   for room at it); the receiver takes whatever is queued with `receiveAvailable()` after each
 *   `receive()`, the echo too.
 *
 * ZMQ_BENCH_CURVE="SERVER_PUBLIC SERVER_SECRET CLIENT_PUBLIC CLIENT_SECRET" (Z85) makes the socket
 * run CURVE, as in bench/libzmq-bench.c: the binder is the server, the connector the client.
 */
import { createInterface } from 'node:readline';
import { Peer, type PeerOptions, type ReceivedMessage } from '../core';

type Style = 'natural' | 'iterate' | 'batch';

/** Await one send promise in this many (well below the default send HWM of 1000). */
const SEND_AWAIT_EVERY = 256;

/** The CURVE options of one side, from ZMQ_BENCH_CURVE. */
function curveOptions(binds: boolean): PeerOptions {
  const keys = process.env.ZMQ_BENCH_CURVE?.split(' ');
  if (!keys || keys.length !== 4) return {};
  const [serverPublic, serverSecret, clientPublic, clientSecret] = keys;
  return binds ? { curveServer: true, curveSecretKey: serverSecret } : { curveServerKey: serverPublic, curvePublicKey: clientPublic, curveSecretKey: clientSecret };
}

function check(message: ReceivedMessage, size: number): void {
  if (message.data.length !== size) throw new Error(`received ${message.data.length} bytes, expected ${size}`);
}

/** Receives `n` messages; seconds from the first to the last. */
async function receiveCount(peer: Peer, n: number, size: number, style: Style): Promise<number> {
  const first = await peer.receive();
  const start = performance.now();
  check(first, size);
  let got = 1;
  if (style === 'natural') {
    for (; got < n; got++) check(await peer.receive(), size);
  } else if (style === 'iterate') {
    if (got < n) {
      for await (const message of peer) {
        check(message, size);
        if (++got === n) break;
      }
    }
  } else {
    while (got < n) {
      for (const message of peer.receiveAvailable(n - got)) {
        check(message, size);
        got++;
      }
      if (got < n) {
        check(await peer.receive(), size);
        got++;
      }
    }
  }
  return (performance.now() - start) / 1000;
}

async function sendCount(peer: Peer, routingId: number, payload: Buffer, n: number, style: Style): Promise<void> {
  if (style !== 'batch') {
    for (let i = 0; i < n; i++) await peer.send(routingId, payload);
    return;
  }
  let last: Promise<void> = Promise.resolve();
  for (let i = 1; i <= n; i++) {
    last = peer.send(routingId, payload);
    if (i % SEND_AWAIT_EVERY === 0) await last;
  }
  await last;
}

/** Sends every message back to its sender, for ever. */
async function echo(peer: Peer, style: Style): Promise<void> {
  if (style === 'batch') {
    for (;;) {
      const first = await peer.receive();
      void peer.send(first.routingId, first.data);
      for (const message of peer.receiveAvailable()) void peer.send(message.routingId, message.data);
    }
  }
  for await (const { routingId, data } of peer) await peer.send(routingId, data);
}

async function main(): Promise<void> {
  const [mode, a, b, c] = process.argv.slice(2);
  const endpoint = a;
  const size = Number(mode === 'inproc' ? a : b);
  const style = ((mode === 'inproc' ? b : c) ?? 'natural') as Style;
  const payload = Buffer.alloc(size, 'z');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const command = async (): Promise<string[] | undefined> => {
    const next = await lines.next();
    return next.done ? undefined : next.value.trim().split(' ');
  };
  const peer = new Peer(curveOptions(mode === 'recv' || mode === 'echo'));
  const say = (text: string): void => void process.stdout.write(`${text}\n`);

  if (mode === 'recv' || mode === 'echo') {
    say(`ready ${await peer.bind(endpoint)}`);
    if (mode === 'echo') await echo(peer, style);
    for (let words = await command(); words; words = await command()) {
      const n = Number(words[1]);
      const seconds = await receiveCount(peer, n, size, style);
      say(`done ${n} ${n * size} ${seconds.toFixed(9)}`);
    }
  } else if (mode === 'send' || mode === 'ping') {
    const routingId = peer.connectPeer(endpoint);
    say('ready');
    for (let words = await command(); words; words = await command()) {
      if (mode === 'send') {
        await sendCount(peer, routingId, payload, Number(words[1]), style);
        say('sent');
        continue;
      }
      const [n, pauseMicros] = [Number(words[1]), Number(words[2])];
      const rtt = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (pauseMicros > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, pauseMicros / 1000));
        const start = performance.now();
        if (style === 'batch') void peer.send(routingId, payload);
        else await peer.send(routingId, payload);
        const reply = await peer.receive();
        rtt[i] = (performance.now() - start) * 1000;
        check(reply, size);
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
      const received = receiveCount(receiver, n, size, style);
      await sendCount(sender, routingId, payload, n, style);
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
