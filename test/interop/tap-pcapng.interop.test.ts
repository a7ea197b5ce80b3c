/**
 * The tap's pcapng captures opened by real Wiresharks (test/support/tshark.ts): the default
 * EXPORTED_PDU capture decodes as ZMTP in tshark 4.4 with no options — greetings, READY with its
 * Socket-Type, message bytes — for tcp and for ws (transcoded); the synthesized-TCP capture gives
 * back the exact relayed bytes through tshark 4.0's "follow TCP stream", and decodes as ZMTP in
 * 4.4 with "Decode As".
 *
 *   libzmq DEALER ──▶ tap (records → PcapngCapture → file) ──▶ libzmq ROUTER echo
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapngCapture, Tap, type CaptureFormat, type TapRecord } from '../../core/index';
import { LibzmqEchoServer } from '../support/libzmq';
import { eventually, Harness, interopTest, sleep } from '../support/interop';
import { concat } from '../support/hex';
import { rawFrame, rawGreeting, rawReady, rawZmtpClient, RawZmtpServer } from '../support/raw-zmtp';
import { followedBytes, tshark44, tsharkHost, tsharkVersion } from '../support/tshark';

const interop = interopTest();

/** A tap with a capture of the given format; `save()` writes it to a file and returns the path. */
async function capturingTap(h: Harness, listen: string, upstream: string, format: CaptureFormat): Promise<{ endpoint: string; records: TapRecord[]; save: () => string }> {
  const tap = new Tap({ listen, upstream });
  const blocks: Uint8Array[] = [];
  const capture = new PcapngCapture(format, (b) => blocks.push(b));
  const records: TapRecord[] = [];
  tap.on('record', (r) => {
    records.push(r);
    capture.add(r);
  });
  h.defer(() => tap.close());
  const dir = mkdtempSync(join(tmpdir(), 'zmq-tap-pcapng-'));
  h.defer(() => rmSync(dir, { recursive: true, force: true }));
  const endpoint = await tap.start();
  return {
    endpoint,
    records,
    save: () => {
      const file = join(dir, `capture-${format}.pcapng`);
      writeFileSync(file, Buffer.concat(blocks));
      return file;
    },
  };
}

/** A DEALER (routing id "worker-1") and a ROUTER echo through a capturing tap; two messages each way. */
async function dealerRouterCapture(h: Harness, transport: 'tcp' | 'ws'): Promise<string> {
  const echo = await LibzmqEchoServer.start('ROUTER', `${transport}://127.0.0.1:*`);
  h.defer(() => echo.close());
  const { endpoint, records, save } = await capturingTap(h, `${transport}://127.0.0.1:*`, echo.endpoint, 'zmtp');
  const dealer = await h.lib('DEALER', { options: { ROUTING_ID: 'worker-1' } });
  await dealer.connect(endpoint);
  await dealer.send(0, 'HELLO', { more: true });
  await dealer.send(0, 'WORLD');
  await dealer.receive(5000);
  await dealer.receive(5000);
  await eventually(() => records.filter((r) => r.kind === 'message').length === 2, 'both messages recorded');
  await dealer.close();
  await eventually(() => records.some((r) => r.kind === 'event' && r.name === 'closed'), 'the close recorded');
  return save();
}

describe('tap captures in a real Wireshark', () => {
  it('has tshark 4.4 (ZMTP dissector) and the machine tshark for the older format', async () => {
    assert.equal(await tsharkVersion('4.4'), '4.4');
    assert.match(await tsharkVersion('host'), /^4\.\d+$/);
  });

  for (const transport of ['tcp', 'ws'] as const) {
    interop(`tshark 4.4 decodes the default capture of a ${transport} connection as ZMTP with no options`, async (h) => {
      const file = await dealerRouterCapture(h, transport);
      const summary = await tshark44(file, []);
      assert.doesNotMatch(summary, /Dissector bug/);
      assert.equal((summary.match(/zmtp \d+ Greeting \(version=3\.1 mechanism=NULL Client\)/g) ?? []).length, 2, summary);
      assert.match(summary, /zmtp \d+ Command \(READY\)\s+Socket-Type=DEALER\s+Identity=worker-1/);
      assert.match(summary, /zmtp \d+ Command \(READY\)\s+Socket-Type=ROUTER/);
      const fields = await tshark44(file, ['-Y', 'zmtp.data', '-T', 'fields', '-e', 'zmtp.data']);
      assert.deepEqual(fields.trim().split('\n'), ['48454c4c4f', '574f524c44', '48454c4c4f', '574f524c44'], 'HELLO, WORLD each way');
      const metadata = await tshark44(file, ['-Y', 'zmtp.command-name == "READY"', '-T', 'fields', '-e', 'zmtp.metadata.key', '-e', 'zmtp.metadata.value']);
      assert.match(metadata, /^Socket-Type,Identity\tDEALER,worker-1$/m);
      if (transport === 'ws') assert.match(summary, /ZWS \d+ WebSocket upgrade: GET \/, offering ZWS2\.0\/NULL, ZWS2\.0/);
      assert.match(summary, /ZMQ tap \d+ DEALER → ROUTER: compatible/);
    });
  }

  it('tshark 4.0 follows the synthesized TCP capture back to the exact bytes, and tshark 4.4 decodes it with Decode As', async (t) => {
    const h = new Harness(undefined, 'tcp capture');
    try {
      const upstream = await RawZmtpServer.listen('tcp');
      h.defer(() => upstream.destroy());
      const port = Number(upstream.endpoint.split(':').pop());
      const { endpoint, records, save } = await capturingTap(h, 'tcp://127.0.0.1:*', upstream.endpoint, 'tcp');
      const app = await rawZmtpClient(endpoint);
      const fromApp = concat(rawGreeting(), rawReady('PUSH'), rawFrame('first', 0x01), rawFrame(new Uint8Array(300).fill(7)));
      const fromUpstream = concat(rawGreeting(), rawReady('PULL'));
      app.write(fromApp);
      const far = await upstream.connection(1);
      far.write(fromUpstream);
      await far.read(fromApp.length);
      await app.read(fromUpstream.length);
      app.socket.end();
      await eventually(() => records.some((r) => r.kind === 'event' && r.name === 'closed'), 'the close recorded');
      await sleep(50);
      const file = save();
      t.diagnostic(`machine tshark ${await tsharkVersion('host')}`);
      const followed = followedBytes(await tsharkHost(file, ['-q', '-z', 'follow,tcp,raw,0']));
      assert.deepEqual(followed.client, Buffer.from(fromApp));
      assert.deepEqual(followed.server, Buffer.from(fromUpstream));
      const decoded = await tshark44(file, ['-d', `tcp.port==${port},zmtp`]);
      assert.match(decoded, /zmtp \d+ Command \(READY\)\s+Socket-Type=PUSH/);
      assert.match(decoded, /zmtp \d+ Data \(300 bytes\)/);
    } finally {
      await h.dispose();
    }
  });
});
