/**
 * The tap's terminating CURVE mode, leg by leg, with peers the test controls: a raw CURVE client
 * built on tweetnacl (independent of the core's CURVE code) as the app, and either the core's
 * own CURVE server or a raw listener as the upstream. It checks the order of the legs (the
 * upstream hears nothing until the app's INITIATE has given the metadata to pass on; the app gets
 * no READY until the upstream's), and the error paths: a mechanism other than CURVE on either
 * side, an upstream that is not the server whose key the tap holds, a replayed or altered
 * MESSAGE — each closes both legs and says what to check. Bad keys are refused when the tap is
 * made, without quoting them.
 *
 *   raw CURVE app ──▶ tap (CURVE server | CURVE client) ──▶ core CURVE server, or a raw listener
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { Peer, Tap, z85Encode, type CommandRecord, type EventRecord, type MessageRecord, type TapRecord } from '../../core/index';
import { uniqueEndpoint } from '../support/endpoints';
import { waitUntil } from '../support/peers';
import { RawCurveClient } from '../support/raw-curve';
import { rawGreeting, rawZmtpClient, RawZmtpServer } from '../support/raw-zmtp';

const serverKeys = nacl.box.keyPair();
const clientKeys = nacl.box.keyPair();
const KEYS = { serverSecretKey: z85Encode(serverKeys.secretKey), clientSecretKey: clientKeys.secretKey };

const closeAfter: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const each of closeAfter.splice(0).reverse()) await each.close();
});

async function startTap(listen: string, upstream: string): Promise<{ tap: Tap; records: TapRecord[]; endpoint: string }> {
  const tap = new Tap({ listen, upstream, curve: KEYS, policy: 'hold' });
  closeAfter.push(tap);
  const records: TapRecord[] = [];
  tap.on('record', (r) => records.push(r));
  return { tap, records, endpoint: await tap.start() };
}

/** The core's CURVE server (a PEER) with the server keys, bound on `transport`. */
async function coreCurveServer(transport: 'tcp' | 'ipc'): Promise<{ peer: Peer; endpoint: string }> {
  const peer = new Peer({ linger: 0, curveServer: true, curveSecretKey: serverKeys.secretKey });
  closeAfter.push(peer);
  return { peer, endpoint: await peer.bind(uniqueEndpoint(transport)) };
}

const failures = (records: TapRecord[]): string[] => records.filter((r): r is EventRecord => r.kind === 'event' && r.name === 'terminating-failed').map((r) => r.text);
const handshakeNames = (records: TapRecord[]): string[] => records.filter((r): r is CommandRecord => r.kind === 'command').map((r) => `${r.from} ${r.name}`);

describe('tap: terminating CURVE', () => {
  for (const transport of ['tcp', 'ipc'] as const) {
    it(`${transport}: relays and decrypts both ways, the metadata of each side passed to the other`, async () => {
      const upstream = await coreCurveServer(transport);
      const { tap, records, endpoint } = await startTap(uniqueEndpoint(transport), upstream.endpoint);
      const app = await RawCurveClient.connect(endpoint, serverKeys.publicKey, clientKeys);
      closeAfter.push({ close: async () => app.connection.destroy() });
      app.connection.write(app.message('one'));
      app.connection.write(app.message('two'));
      const first = await upstream.peer.receive();
      assert.equal(first.data.toString(), 'one');
      assert.equal((await upstream.peer.receive()).data.toString(), 'two');
      assert.equal(upstream.peer.connections()[0].peerProperties['Socket-Type'], 'PEER', "the app's Socket-Type reached the upstream in the tap's INITIATE");
      await upstream.peer.send(first.routingId, 'back');
      const back = await app.receive();
      assert.deepEqual([back.flags, back.data.toString()], [0, 'back']);
      assert.deepEqual(handshakeNames(records), ['app HELLO', 'app INITIATE', 'upstream WELCOME', 'upstream READY']);
      await waitUntil(() => records.some((r) => r.kind === 'message' && r.from === 'upstream'), 2000, 'the reply recorded');
      const sent = records.filter((r): r is MessageRecord => r.kind === 'message');
      assert.deepEqual(sent.map((m) => [m.from, m.frames.map((f) => Buffer.from(f.data).toString())]), [['app', ['one']], ['app', ['two']], ['upstream', ['back']]]);
      assert.deepEqual(tap.connections()[0].app.socketType, 'PEER');
      assert.deepEqual(tap.connections()[0].upstream.mechanism, 'CURVE');
    });
  }

  it("keeps the upstream waiting until the app's INITIATE, and the app until the upstream's READY", async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    closeAfter.push({ close: async () => upstream.destroy() });
    const { records, endpoint } = await startTap('tcp://127.0.0.1:*', upstream.endpoint);
    let appDone = false;
    const app = RawCurveClient.connect(endpoint, serverKeys.publicKey, clientKeys).finally(() => (appDone = true));
    const tapLeg = await upstream.connection(0);
    const greeting = await tapLeg.read(64);
    assert.equal(greeting.subarray(12, 17).toString('latin1'), 'CURVE');
    assert.equal(greeting[32], 0, 'the tap greets the upstream as a client');
    tapLeg.write(rawGreeting({ mechanism: 'CURVE' }));
    const hello = await tapLeg.readFrame();
    assert.equal(hello.command, 'HELLO');
    assert.ok(handshakeNames(records).includes('app INITIATE'), "the tap's HELLO went out only once the app's INITIATE was in");
    assert.equal(appDone, false, 'the app has no READY while the upstream has not answered');
    // This upstream cannot open the HELLO (it holds no key): it hangs up, as libzmq does.
    tapLeg.destroy();
    await assert.rejects(app);
    await waitUntil(() => failures(records).length > 0, 2000, 'the explanation');
    assert.deepEqual(failures(records), [
      `upstream closed the connection after the tap's CURVE HELLO: it could not open it, so it is not the server whose secret key the tap was given (public key ${z85Encode(serverKeys.publicKey)})`,
    ]);
  });

  it('explains an app that does not run CURVE, and an upstream that does not', async () => {
    const curveUpstream = await coreCurveServer('tcp');
    const first = await startTap('tcp://127.0.0.1:*', curveUpstream.endpoint);
    const nullApp = await rawZmtpClient(first.endpoint);
    nullApp.write(rawGreeting());
    await nullApp.waitClosed();
    assert.match(failures(first.records)[0], new RegExp(`^app offers NULL, not CURVE: a terminating tap needs the app to be a CURVE client of server key ${escape(z85Encode(serverKeys.publicKey))}`));

    const nullUpstream = new Peer({ linger: 0 });
    closeAfter.push(nullUpstream);
    const second = await startTap('tcp://127.0.0.1:*', await nullUpstream.bind('tcp://127.0.0.1:*'));
    await assert.rejects(RawCurveClient.connect(second.endpoint, serverKeys.publicKey, clientKeys));
    await waitUntil(() => failures(second.records).length > 0, 2000, 'the explanation');
    assert.match(failures(second.records)[0], /^upstream offers NULL, not CURVE: a terminating tap needs a CURVE server upstream/);
  });

  it('closes both legs on a replayed MESSAGE nonce, and on a box that does not open', async () => {
    for (const tamper of ['replay', 'alter'] as const) {
      const upstream = await coreCurveServer('tcp');
      const { records, endpoint } = await startTap('tcp://127.0.0.1:*', upstream.endpoint);
      const app = await RawCurveClient.connect(endpoint, serverKeys.publicKey, clientKeys);
      closeAfter.push({ close: async () => app.connection.destroy() });
      app.connection.write(app.message('first', 3n));
      assert.equal((await upstream.peer.receive()).data.toString(), 'first');
      const bad = tamper === 'replay' ? app.message('again', 3n) : app.message('altered', 4n);
      if (tamper === 'alter') bad[bad.length - 1] ^= 0xff;
      app.connection.write(bad);
      await app.connection.waitClosed();
      await waitUntil(() => upstream.peer.connections().every((c) => c.state !== 'ACTIVE'), 3000, 'the upstream leg closed too');
      assert.match(
        failures(records)[0],
        tamper === 'replay'
          ? /^app sent a replayed or reordered CURVE MESSAGE \(CURVE MESSAGE nonce 3 is not above the last one received \(3\).*\); the tap closed both legs/
          : /^a CURVE MESSAGE from app did not open: altered on the way, or sealed with another key; the tap closed both legs$/,
      );
    }
  });

  it('stops reading from the app while the upstream does not read, and delivers everything once it does', async () => {
    // The core's PEER stops reading its connection once receiveHighWaterMark messages wait unread.
    const upstream = new Peer({ linger: 0, curveServer: true, curveSecretKey: serverKeys.secretKey, receiveHighWaterMark: 2 });
    closeAfter.push(upstream);
    const { tap, endpoint } = await startTap('tcp://127.0.0.1:*', await upstream.bind('tcp://127.0.0.1:*'));
    const app = await RawCurveClient.connect(endpoint, serverKeys.publicKey, clientKeys);
    closeAfter.push({ close: async () => app.connection.destroy() });
    // 48 MiB: more than the kernel's buffers on both legs hold.
    const payloads = Array.from({ length: 48 }, (_, i) => Buffer.alloc(1 << 20, i));
    for (const payload of payloads) app.connection.write(app.message(payload));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(app.connection.socket.writableLength > 0, 'the app cannot get rid of its bytes while the upstream reads nothing');
    const taken = tap.connections()[0].app.bytes;
    assert.ok(taken < 32 * (1 << 20), `the tap took ${taken} bytes from the app while the upstream read nothing`);
    for (const payload of payloads) assert.ok((await upstream.receive()).data.equals(payload));
    await waitUntil(() => app.connection.socket.writableLength === 0, 5000, "the app's bytes all taken");
  });

  it('waits once for a full leg to drain, however many small messages one read held', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    closeAfter.push({ close: async () => void process.off('warning', onWarning) });
    const upstream = new Peer({ linger: 0, curveServer: true, curveSecretKey: serverKeys.secretKey, receiveHighWaterMark: 2 });
    closeAfter.push(upstream);
    const { endpoint } = await startTap('tcp://127.0.0.1:*', await upstream.bind('tcp://127.0.0.1:*'));
    const app = await RawCurveClient.connect(endpoint, serverKeys.publicKey, clientKeys);
    closeAfter.push({ close: async () => app.connection.destroy() });
    // 20 000 messages of 1 KiB: dozens in each read of the app's leg, more than the kernel's buffers hold.
    const count = 20_000;
    const payload = Buffer.alloc(1024, 0x5a);
    for (let i = 0; i < count; i++) app.connection.write(app.message(payload));
    for (let i = 0; i < count; i++) assert.ok((await upstream.receive()).data.equals(payload));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, [], "no MaxListenersExceededWarning: one 'drain' listener per paused leg");
  });

  it('refuses keys that are not keys, quoting none of them, keeps no secret in its options and leaves the caller\'s keys alone', async () => {
    const secret = z85Encode(serverKeys.secretKey);
    const bad = `${secret.slice(0, 39)}"`;
    assert.throws(() => new Tap({ listen: 'tcp://127.0.0.1:*', upstream: 'tcp://127.0.0.1:1', curve: { serverSecretKey: bad, clientSecretKey: secret } }), (err: Error) => {
      assert.equal((err as { code?: string }).code, 'EINVAL');
      assert.match(err.message, /the CURVE server secret key is not valid Z85/);
      assert.ok(!err.message.includes(secret.slice(30, 39)));
      return true;
    });
    assert.throws(() => new Tap({ listen: 'tcp://127.0.0.1:*', upstream: 'tcp://127.0.0.1:1', curve: { serverSecretKey: secret, clientSecretKey: new Uint8Array(31) } }), { code: 'EINVAL' });
    const upstream = await coreCurveServer('tcp');
    const { tap } = await startTap('tcp://127.0.0.1:*', upstream.endpoint);
    assert.equal(tap.terminating, true);
    assert.deepEqual(tap.curvePublicKeys, { server: z85Encode(serverKeys.publicKey), client: z85Encode(clientKeys.publicKey) });
    assert.ok(!JSON.stringify(tap.options).includes(secret));
    assert.equal('curve' in tap.options, false);
    await tap.close();
    assert.ok(clientKeys.secretKey.some((byte) => byte !== 0), "the tap zeroes its own copies, not the caller's key");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
