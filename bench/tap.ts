/**
 * The tap's side of `npm run bench`: one Tap in one Node process between a libzmq sender and a
 * libzmq receiver, decoding everything and handing its records to a display feed that a consumer
 * drains in batches (as a debugger view does), so the figure is the relay with its decoding and
 * its records, not a bare pipe.
 *
 *   node out/bench/tap.js UPSTREAM        prints "ready LISTEN_ENDPOINT"; runs until stdin closes,
 *                                          then prints "records N dropped N" and exits
 */
import { createInterface } from 'node:readline';
import { RecordFeed, Tap } from '../core';

async function main(): Promise<void> {
  const upstream = process.argv[2];
  if (!upstream) throw new Error('usage: node out/bench/tap.js UPSTREAM');
  const tap = new Tap({ listen: upstream.startsWith('ipc://') ? `ipc:///tmp/zmq-peer-bench-tap-${process.pid}.sock` : 'tcp://127.0.0.1:*', upstream });
  const feed = new RecordFeed(tap);
  let records = 0;
  const draining = (async () => {
    for (let batch = await feed.nextBatch(); batch.length > 0; batch = await feed.nextBatch()) records += batch.length;
  })();
  process.stdout.write(`ready ${await tap.start()}\n`);
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).on('close', resolve));
  await tap.close();
  feed.close();
  await draining;
  process.stdout.write(`records ${records} dropped ${feed.dropped}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`error ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
