/**
 * The reconnect-loss benchmark (`npm run bench -- --only reconnect`): how many messages a
 * connect-side PEER loses when its connections keep being cut, ours beside libzmq's. Each sender
 * sends numbered messages at a steady rate to a libzmq PEER that counts them (the same receiver
 * for both), through a TCP proxy in this process that cuts every connection at a fixed period; the
 * sender reconnects after reconnectInterval and its routing id, and queued messages, survive.
 *
 * A cut closes the sender's side at once and lets what the proxy already read go on to the
 * receiver, so what is lost is what the sender had handed to the cut connection and the proxy had
 * not read yet: the sender's own buffers, its kernel socket buffer, and what it writes before it
 * notices the cut. The kernel's share is the same for both; the rest is the sender's.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Side, type Impl } from './sides';

/** A TCP proxy to `port` that cuts every connection (both sides at once) every `periodMs`. */
class CuttingProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #timer: NodeJS.Timeout | undefined;
  cuts = 0;
  accepted = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(port: number): Promise<CuttingProxy> {
    const server = createServer();
    const proxy = new CuttingProxy(server);
    server.on('connection', (client) => {
      proxy.accepted++;
      const upstream = connect({ host: '127.0.0.1', port });
      const pair: [Socket, Socket] = [client, upstream];
      proxy.#pairs.add(pair);
      const end = (): void => {
        if (!proxy.#pairs.delete(pair)) return;
        client.destroy();
        upstream.destroy();
      };
      for (const socket of pair) {
        socket.setNoDelay(true);
        socket.on('error', end);
        socket.on('close', end);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  startCutting(periodMs: number): void {
    this.#timer = setInterval(() => {
      for (const pair of [...this.#pairs]) {
        this.#pairs.delete(pair);
        this.cuts++;
        // The sender's side is cut at once; what the proxy already read goes on to the receiver
        // before its side closes, so that the proxy loses nothing of its own.
        const [client, upstream] = pair;
        client.unpipe(upstream);
        client.destroy();
        upstream.end();
      }
    }, periodMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** How long a sender sends before the first cut. */
const WARM_UP_MS = 1000;

export interface ReconnectRun {
  readonly sent: number;
  readonly received: number;
  readonly duplicates: number;
  readonly cuts: number;
}

/** One run: `impl` sends `count` numbered messages at `rate`/s through a proxy cutting every `periodMs`. */
export async function reconnectRun(impl: Impl, count: number, rate: number, periodMs: number, size = 64): Promise<ReconnectRun> {
  const receiver = new Side('libzmq', ['seqrecv', 'tcp://127.0.0.1:*', String(size)]);
  try {
    const [, endpoint] = await receiver.next('ready');
    const proxy = await CuttingProxy.start(Number(/:(\d+)$/.exec(endpoint)![1]));
    const sender = new Side(impl, ['seqsend', `tcp://127.0.0.1:${proxy.port}`, String(size)]);
    try {
      await sender.next('ready');
      // Counting starts first: a receiver that does not read would push back on the sender.
      receiver.send('count 2000');
      sender.send(`seqsend ${count} ${rate}`);
      // Cutting starts once the sender keeps to its rate (after start-up and JIT warm-up): a sender
      // still catching up has more on its way at any moment, whatever its implementation.
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      proxy.startCutting(periodMs);
      await sender.next('sent', 600_000);
      // Cuts stop once everything was sent, so that what is still queued gets through.
      await proxy.stop();
      const [, distinct, duplicates] = await receiver.next('got', 600_000);
      return { sent: count, received: Number(distinct), duplicates: Number(duplicates), cuts: proxy.cuts };
    } finally {
      await sender.stop();
      await proxy.stop().catch(() => undefined);
    }
  } finally {
    await receiver.stop();
  }
}
