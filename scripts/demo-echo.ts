/**
 * The core in action until the extension lands: a PEER echo listening on tcp, a second PEER that
 * connects with connectPeer and sends a frame every second, and every monitor event and frame of
 * both printed as they happen. Any libzmq PEER can connect to the echo too.
 *
 *   node out/scripts/demo-echo.js [--endpoint tcp://127.0.0.1:5555] [--once]
 */
import { Context, Peer, type FrameRecord, type MonitorEvent } from '../core';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

function preview(body: Uint8Array): string {
  const text = Buffer.from(body.subarray(0, 48)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return body.length > 48 ? `${text}…` : text;
}

function printFrame(who: string, frame: FrameRecord): void {
  const arrow = frame.direction === 'in' ? '<-' : '->';
  const id = frame.routingId === undefined ? '-' : String(frame.routingId);
  console.log(`${new Date(frame.time).toISOString()} ${who} ${arrow} #${frame.connectionId} id=${id} ${frame.kind.padEnd(8)} ${String(frame.size).padStart(6)} B  ${preview(frame.body)}`);
}

function printEvent(who: string, event: MonitorEvent): void {
  const extra = event.error ? ` ${event.error.code}: ${event.error.message}` : '';
  console.log(`${new Date(event.time).toISOString()} ${who} ** ${event.type}(${event.value}) ${event.endpoint}${extra}`);
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const context = new Context();
  const echo = new Peer({ context, linger: 0 });
  const client = new Peer({ context, linger: 0, heartbeatInterval: 5000 });
  for (const [who, socket] of [['echo  ', echo], ['client', client]] as const) {
    socket.on('monitor', (event) => printEvent(who, event));
    socket.on('frame', (frame) => printFrame(who, frame));
  }
  const endpoint = await echo.bind(option('--endpoint', 'tcp://127.0.0.1:5555'));
  console.log(`PEER echo listening on ${endpoint} — connect any ZMQ_PEER to it; Ctrl-C stops.`);
  void (async () => {
    for await (const { routingId, data } of echo) await echo.send(routingId, data).catch(() => undefined);
  })();
  const routingId = client.connectPeer(endpoint);
  console.log(`connectPeer(${endpoint}) returned routing id ${routingId} before any connection existed`);
  let count = 0;
  const stop = async (): Promise<void> => {
    await context.term();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  for (;;) {
    await client.send(routingId, `hello #${++count}`);
    const reply = await client.receive();
    console.log(`echo of ${JSON.stringify(reply.data.toString())} came back from routing id ${reply.routingId}`);
    if (once) return stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
