/**
 * The floor of any Node process in the latency cells of `npm run bench`: a bare `net` socket
 * echo, no ZMTP, no library, the same line protocol and pacing as bench/peer.ts's echo and ping.
 * A round trip here is what Node's event loop and the kernel cost on this machine; what ours adds
 * on top is the rest of its figure (README, "What decides the latency figures").
 *
 *   node out/bench/node-echo.js echo tcp://127.0.0.1:*|ipc://PATH SIZE   prints "ready ENDPOINT"; echoes every byte
 *   node out/bench/node-echo.js ping ENDPOINT SIZE                        "ping N PAUSE_US": prints "rtt µs…"
 *
 * Each ping is SIZE + 2 bytes, as a short ZMTP frame of SIZE bytes is.
 */
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** `net` options for an endpoint of the forms above. */
function address(endpoint: string): { host: string; port: number } | { path: string } {
  if (endpoint.startsWith('ipc://')) return { path: endpoint.slice('ipc://'.length) };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:').replace(/:\*$/, ':0'));
  return { host: url.hostname, port: Number(url.port || 0) };
}

async function echo(endpoint: string): Promise<void> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => socket.destroy());
  });
  const where = address(endpoint);
  await new Promise<void>((resolve) => ('path' in where ? server.listen(where.path, resolve) : server.listen(where.port, where.host, resolve)));
  const bound = server.address();
  process.stdout.write(`ready ${typeof bound === 'string' ? `ipc://${bound}` : `tcp://127.0.0.1:${bound?.port}`}\n`);
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).on('close', resolve));
  server.close();
  process.exit(0);
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
(mode === 'echo' ? echo(endpoint) : mode === 'ping' ? ping(endpoint, Number(size)) : Promise.reject(new Error(`unknown mode ${mode}`))).catch((err: unknown) => {
  process.stderr.write(`error ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
