/**
 * The floor of any Node process on this machine, beside ours and libzmq in `npm run bench`: bare
 * `net` sockets, no library, the same line protocol as bench/peer.ts.
 * - Latency cells: an echo and a pinger (same pacing as ours). A round trip here is what Node's
 *   event loop and the kernel cost; what ours adds on top is the rest of its figure.
 * - Throughput cells (tcp, ipc): a sender writing ZMTP data frames (no greeting) from one prebuilt
 *   buffer, and a receiver that cuts them apart and hands over each body as a Buffer — a view of
 *   the read when the frame lies within it, else a copy, which is all a Node process reading an
 *   accepted socket can do (Node reads it into its own 64 KiB buffers) — in a `{ routingId, data }`
 *   object through a promise its loop awaits, one per message, as `await peer.receive()` does. No
 *   ZMTP handshake, no high-water mark, no peers: the least a Node receiver of discrete messages
 *   with an awaited receive does, so the floor of our natural loop's receiver.
 *
 *   node out/bench/node-floor.js echo tcp://127.0.0.1:*|ipc://PATH SIZE   prints "ready ENDPOINT"; echoes every byte
 *   node out/bench/node-floor.js ping ENDPOINT SIZE                        "ping N PAUSE_US": prints "rtt µs…"
 *   node out/bench/node-floor.js recv tcp://127.0.0.1:*|ipc://PATH SIZE   prints "ready ENDPOINT"; "expect N": "done N BYTES SECONDS"
 *   node out/bench/node-floor.js send ENDPOINT SIZE                        "send N": prints "sent"
 *
 * Each ping is SIZE + 2 bytes, as a short ZMTP frame of SIZE bytes is.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** `net` options for an endpoint of the forms above. */
function address(endpoint: string): { host: string; port: number } | { path: string } {
  if (endpoint.startsWith('ipc://')) return { path: endpoint.slice('ipc://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:').replace(/:\*$/, ':0'));
  return { host: url.hostname, port: Number(url.port || 0) };
}

/** Listens on `endpoint` with `connection` for each accepted socket; prints "ready ENDPOINT". */
async function listen(endpoint: string, connection: (socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    connection(socket);
  });
  const where = address(endpoint);
  await new Promise<void>((resolve) => ('path' in where ? server.listen(where.path, resolve) : server.listen(where.port, where.host, resolve)));
  const bound = server.address();
  process.stdout.write(`ready ${typeof bound === 'string' ? `ipc://${bound}` : `tcp://127.0.0.1:${bound?.port}`}\n`);
  return server;
}

async function echo(endpoint: string): Promise<void> {
  const server = await listen(endpoint, (socket) => socket.on('data', (chunk) => socket.write(chunk)));
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).on('close', resolve));
  server.close();
  process.exit(0);
}

/** ZMTP's data frame header (RFC 23): flags and a 1-byte size, or flags with LONG (0x02) and an 8-byte size. */
const headerLength = (size: number): number => (size > 255 ? 9 : 2);

/** A message as the receiver's loop gets it (the shape of ours). */
interface Message {
  readonly routingId: number;
  readonly data: Buffer;
}

/** Receives frames of `size` bytes; per "expect N", awaits N messages and says the seconds from the first to the N-th. */
async function receive(endpoint: string, size: number): Promise<void> {
  const frameLength = headerLength(size) + size;
  /** Messages cut out of reads and not yet awaited, from `head` on. */
  let queue: Message[] = [];
  let head = 0;
  let waiting: ((message: Message) => void) | undefined;
  const next = (): Promise<Message> => {
    if (head === queue.length) return new Promise((resolve) => (waiting = resolve));
    const message = queue[head++];
    if (head === queue.length) {
      queue = [];
      head = 0;
    }
    return Promise.resolve(message);
  };
  const handOver = (data: Buffer): void => {
    const message = { routingId: 1, data };
    if (waiting === undefined) queue.push(message);
    else {
      const resolve = waiting;
      waiting = undefined;
      resolve(message);
    }
  };
  /** Bytes of the frame being read (header included) that arrived in earlier reads, when it spans reads. */
  let parts: Buffer[] = [];
  let partBytes = 0;
  const server = await listen(endpoint, (socket) =>
    socket.on('data', (chunk: Buffer) => {
      let pos = 0;
      if (partBytes > 0) {
        // The rest of a frame cut by the previous read: assembled in a buffer of its own (the copy).
        const take = Math.min(frameLength - partBytes, chunk.length);
        parts.push(chunk.subarray(0, take));
        partBytes += take;
        pos = take;
        if (partBytes < frameLength) return;
        handOver(Buffer.concat(parts, frameLength).subarray(frameLength - size));
        parts = [];
        partBytes = 0;
      }
      for (; pos + frameLength <= chunk.length; pos += frameLength) handOver(chunk.subarray(pos + frameLength - size, pos + frameLength));
      if (pos < chunk.length) {
        parts = [chunk.subarray(pos)];
        partBytes = chunk.length - pos;
      }
    }),
  );
  const check = (message: Message): void => {
    if (message.data.length !== size) throw new Error(`received ${message.data.length} bytes, expected ${size}`);
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const n = Number(line.trim().split(' ')[1]);
    check(await next());
    const start = performance.now();
    for (let got = 1; got < n; got++) check(await next());
    const seconds = (performance.now() - start) / 1000;
    process.stdout.write(`done ${n} ${n * size} ${seconds.toFixed(9)}\n`);
  }
  server.close();
  process.exit(0);
}

/** Per "send N": writes N frames of `size` bytes from one prebuilt buffer of whole frames, waiting for 'drain' when asked. */
async function send(endpoint: string, size: number): Promise<void> {
  const socket: Socket = connect(address(endpoint) as never);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frameLength = headerLength(size) + size;
  const perBatch = Math.max(1, Math.floor((256 * 1024) / frameLength));
  const batch = Buffer.alloc(perBatch * frameLength, 'z');
  for (let at = 0; at < batch.length; at += frameLength) {
    if (size > 255) {
      batch[at] = 0x02;
      batch.writeBigUInt64BE(BigInt(size), at + 1);
    } else {
      batch[at] = 0;
      batch[at + 1] = size;
    }
  }
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const n = Number(line.trim().split(' ')[1]);
    for (let sent = 0; sent < n; sent += perBatch) {
      const frames = Math.min(perBatch, n - sent);
      if (!socket.write(frames === perBatch ? batch : batch.subarray(0, frames * frameLength))) await new Promise((resolve) => socket.once('drain', resolve));
    }
    process.stdout.write('sent\n');
  }
  socket.destroy();
}

async function ping(endpoint: string, size: number): Promise<void> {
  const socket: Socket = connect(address(endpoint) as never);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const payload = Buffer.alloc(size + 2, 'z');
  let awaited = 0;
  let arrived: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    awaited -= chunk.length;
    if (awaited <= 0) arrived?.();
  });
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const [, n, pauseMicros] = line.trim().split(' ').map(Number);
    const rtt = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (pauseMicros > 0 && i > 0) await new Promise((resolve) => setTimeout(resolve, pauseMicros / 1000));
      const start = performance.now();
      const back = new Promise<void>((resolve) => (arrived = resolve));
      awaited += payload.length;
      socket.write(payload);
      await back;
      rtt[i] = (performance.now() - start) * 1000;
    }
    process.stdout.write(`rtt ${Array.from(rtt, (us) => us.toFixed(2)).join(' ')}\n`);
  }
  socket.destroy();
}

const [mode, endpoint, size] = process.argv.slice(2);
const modes: Record<string, (endpoint: string, size: number) => Promise<void>> = { echo, ping, recv: receive, send };
(modes[mode]?.(endpoint, Number(size)) ?? Promise.reject(new Error(`unknown mode ${mode}`))).catch((err: unknown) => {
  process.stderr.write(`error ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
