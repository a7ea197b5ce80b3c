/**
 * The tap's terminating CURVE mode between real libzmq 4.3.4 sockets: the app is a libzmq CURVE
 * client configured with the upstream's public key, the upstream a libzmq CURVE server with a
 * ZAP handler, and the tap, given the upstream's secret key and the app's client key, ends CURVE
 * on both legs. Messages arrive byte for byte both ways, the tap's records show them decrypted
 * with both socket types, and a wrong key or a ZAP refusal is explained. Over tcp and ws.
 *
 *   libzmq DEALER (CURVE client) ──▶ tap (CURVE server | CURVE client) ──▶ libzmq ROUTER (CURVE server, ZAP)
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { PcapngCapture, Tap, z85Encode, type CommandRecord, type EventRecord, type GreetingRecord, type MessageRecord, type TapRecord } from '../../core/index';
import type { LibzmqSocket } from '../support/libzmq';
import { eventually, interopTest, type Harness } from '../support/interop';
import { tshark44 } from '../support/tshark';

const interop = interopTest();

const serverKeys = nacl.box.keyPair();
const clientKeys = nacl.box.keyPair();
const strangerKeys = nacl.box.keyPair();
const SERVER = { public: z85Encode(serverKeys.publicKey), secret: z85Encode(serverKeys.secretKey) };
const CLIENT = { public: z85Encode(clientKeys.publicKey), secret: z85Encode(clientKeys.secretKey) };
const STRANGER = { public: z85Encode(strangerKeys.publicKey), secret: z85Encode(strangerKeys.secretKey) };

const LIB_CURVE_SERVER = { CURVE_SERVER: 1, CURVE_SECRETKEY: SERVER.secret };
const libCurveClient = (serverKey: string, client = CLIENT): Record<string, string> => ({ CURVE_SERVERKEY: serverKey, CURVE_PUBLICKEY: client.public, CURVE_SECRETKEY: client.secret });

const eventsNamed = (records: TapRecord[], name: string): EventRecord[] => records.filter((r): r is EventRecord => r.kind === 'event' && r.name === name);
const commands = (records: TapRecord[]): CommandRecord[] => records.filter((r): r is CommandRecord => r.kind === 'command');
const messages = (records: TapRecord[], from: 'app' | 'upstream'): MessageRecord[] => records.filter((r): r is MessageRecord => r.kind === 'message' && r.from === from);

/** A libzmq ROUTER upstream (CURVE server, ZAP accepting CLIENT) and a terminating tap in front of it. */
async function terminatingTap(h: Harness, transport: 'tcp' | 'ws', keys = { serverSecretKey: SERVER.secret, clientSecretKey: CLIENT.secret }): Promise<{ tap: Tap; endpoint: string; records: TapRecord[]; upstream: LibzmqSocket }> {
  const upstream = await h.lib('ROUTER', { options: LIB_CURVE_SERVER });
  await upstream.zap({ credential: clientKeys.publicKey, status: 200, userId: 'alice' });
  await upstream.zap({ credential: '*', status: 400 });
  const bound = await upstream.bind(h.bindEndpoint(transport));
  const tap = new Tap({ listen: h.bindEndpoint(transport), upstream: bound, curve: keys });
  const records: TapRecord[] = [];
  tap.on('record', (r) => records.push(r));
  h.defer(() => tap.close());
  return { tap, endpoint: await tap.start(), records, upstream };
}

async function receiveParts(lib: LibzmqSocket, timeoutMs = 5000): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (;;) {
    const part = await lib.receive(timeoutMs);
    parts.push(part.data);
    if (!part.more) return parts;
  }
}

async function sendParts(lib: LibzmqSocket, parts: Uint8Array[]): Promise<void> {
  for (let i = 0; i < parts.length; i++) await lib.send(0, parts[i], { more: i < parts.length - 1 });
}

const asText = (r: TapRecord): string => JSON.stringify(r, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));

describe('tap interop: terminating CURVE', () => {
  for (const transport of ['tcp', 'ws'] as const) {
    interop(`${transport}: DEALER → tap → ROUTER with ZAP, messages byte-identical both ways and decoded with both socket types`, async (h) => {
      const { tap, endpoint, records, upstream } = await terminatingTap(h, transport);
      assert.deepEqual(tap.curvePublicKeys, { server: SERVER.public, client: CLIENT.public });
      const dealer = await h.lib('DEALER', { options: { ...libCurveClient(SERVER.public), ROUTING_ID: 'dealer-1' } });
      await dealer.connect(endpoint);
      const large = randomBytes(300_000);
      const request = [Buffer.from('hello'), Buffer.alloc(0), large];
      await sendParts(dealer, request);
      const [routingId, ...received] = await receiveParts(upstream);
      assert.equal(routingId.toString(), 'dealer-1', "the app's Identity passed through the tap's INITIATE");
      assert.deepEqual(received, request);
      assert.equal(upstream.zapRequests.length, 1);
      assert.ok(upstream.zapRequests[0].credentials[0].equals(Buffer.from(clientKeys.publicKey)), "the upstream's ZAP saw the client key the tap was given");
      await sendParts(upstream, [routingId, Buffer.from('reply'), Buffer.from([0, 1, 2, 255])]);
      assert.deepEqual(await receiveParts(dealer), [Buffer.from('reply'), Buffer.from([0, 1, 2, 255])]);

      await eventually(() => messages(records, 'upstream').length === 1, 'the reply in the records');
      const greetings = records.filter((r): r is GreetingRecord => r.kind === 'greeting');
      assert.ok(greetings.every((g) => g.terminated === true));
      if (transport === 'tcp') assert.deepEqual(greetings.map((g) => [g.from, g.mechanism, g.asServer]), [['app', 'CURVE', false], ['upstream', 'CURVE', false]]);
      else assert.deepEqual(greetings.map((g) => [g.from, g.name]), [['app', 'HTTP-UPGRADE'], ['upstream', 'HTTP-RESPONSE']]);
      const handshake = commands(records).filter((r) => ['HELLO', 'WELCOME', 'INITIATE', 'READY'].includes(r.name));
      // The upstream's handshake starts once the app's INITIATE has given the metadata to pass on.
      assert.deepEqual(handshake.map((r) => `${r.from} ${r.name}`), ['app HELLO', 'app INITIATE', 'upstream WELCOME', 'upstream READY']);
      const socketType = (r: CommandRecord): string | undefined => r.properties?.find(([k]) => k === 'Socket-Type')?.[1];
      assert.deepEqual([socketType(handshake[1]), socketType(handshake[3])], ['DEALER', 'ROUTER']);
      assert.equal(handshake[1].properties?.find(([k]) => k === 'Identity')?.[1], 'dealer-1');
      assert.equal(eventsNamed(records, 'socket-types')[0]?.text, 'DEALER → ROUTER: compatible');
      assert.equal(commands(records).filter((r) => r.name === 'MESSAGE').length, 0, 'no MESSAGE box left closed');

      const [sent] = messages(records, 'app');
      assert.deepEqual(sent.frames.map((f) => [f.size, f.more]), [[5, true], [0, true], [300_000, false]]);
      assert.equal(Buffer.from(sent.frames[0].data).toString(), 'hello');
      assert.equal(sent.socketType, 'DEALER');
      assert.equal(sent.routingId, 'dealer-1');
      assert.ok(Buffer.from(sent.frames[2].data).equals(large.subarray(0, sent.frames[2].data.length)));
      const [reply] = messages(records, 'upstream');
      assert.equal(reply.socketType, 'ROUTER');
      assert.deepEqual(reply.frames.map((f) => [Buffer.from(f.data).toString('hex'), f.more]), [[Buffer.from('reply').toString('hex'), true], ['000102ff', false]]);
      assert.match(eventsNamed(records, 'client-keys')[0].text, new RegExp(`^app's CURVE client key is ${escape(CLIENT.public)}; the upstream sees the same key`));

      // No secret key anywhere in what the tap reported, and the capture writes the plaintext as NULL ZMTP.
      for (const secret of [SERVER.secret, CLIENT.secret]) assert.ok(records.every((r) => !asText(r).includes(secret)));
      const blocks: Uint8Array[] = [];
      const capture = new PcapngCapture('zmtp', (b) => blocks.push(b));
      for (const r of records) capture.add(r);
      const pcap = Buffer.concat(blocks);
      assert.ok(pcap.includes(Buffer.from('\x04NULL')) || pcap.includes(Buffer.from('NULL\0')), 'a NULL greeting in the capture');
      assert.ok(pcap.includes(Buffer.from('Socket-Type')));
      for (const secret of [serverKeys.secretKey, clientKeys.secretKey]) assert.ok(!pcap.includes(Buffer.from(secret)));
    });

    interop(`${transport}: heartbeats pass end to end through both legs, both ways`, async (h) => {
      const upstream = await h.lib('PEER', { options: { ...LIB_CURVE_SERVER, HEARTBEAT_IVL: 50, HEARTBEAT_TIMEOUT: 500 } });
      const tap = new Tap({ listen: h.bindEndpoint(transport), upstream: await upstream.bind(h.bindEndpoint(transport)), curve: { serverSecretKey: SERVER.secret, clientSecretKey: CLIENT.secret } });
      const records: TapRecord[] = [];
      tap.on('record', (r) => records.push(r));
      h.defer(() => tap.close());
      const app = await h.lib('PEER', { options: { ...libCurveClient(SERVER.public), HEARTBEAT_IVL: 50, HEARTBEAT_TIMEOUT: 500 } });
      await app.connectPeer(await tap.start());
      const [ping, pong] = transport === 'ws' ? ['WS-PING', 'WS-PONG'] : ['PING', 'PONG'];
      const seen = (name: string, side: string): boolean => commands(records).some((r) => r.name === name && r.from === side);
      await eventually(() => ['app', 'upstream'].every((side) => seen(ping, side) && seen(pong, side)), 'pings and pongs from both sides', 5000);
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(eventsNamed(records, 'closed').length, 0, 'no heartbeat timeout: the pongs got through both legs');
      assert.equal(tap.connections().length, 1);
    });

    interop(`${transport}: an app that trusts another server key is explained, and nothing reaches the upstream`, async (h) => {
      const { endpoint, records, upstream } = await terminatingTap(h, transport);
      const dealer = await h.lib('DEALER', { options: libCurveClient(STRANGER.public) });
      await dealer.connect(endpoint);
      await eventually(() => eventsNamed(records, 'terminating-failed').length > 0, 'the failure explained');
      assert.equal(
        eventsNamed(records, 'terminating-failed')[0].text,
        `app's CURVE HELLO did not open with the server key the tap was given: the app trusts another server public key than ${SERVER.public}; give the tap the secret key of the server whose public key the app has as CURVE_SERVERKEY`,
      );
      assert.equal(upstream.zapRequests.length, 0);
    });

    interop(`${transport}: a client key the upstream's ZAP refuses is passed to the app as ERROR 400 and explained`, async (h) => {
      const { endpoint, records, upstream } = await terminatingTap(h, transport, { serverSecretKey: SERVER.secret, clientSecretKey: STRANGER.secret });
      const dealer = await h.lib('DEALER', { monitor: true, options: libCurveClient(SERVER.public) });
      await dealer.connect(endpoint);
      await eventually(() => eventsNamed(records, 'terminating-failed').length > 0, 'the refusal explained');
      assert.match(eventsNamed(records, 'terminating-failed')[0].text, new RegExp(`^upstream refused the tap's CURVE client key ${escape(STRANGER.public)} \\(ZAP 400\\): .* the app was sent the same ERROR 400$`));
      assert.ok(upstream.zapRequests.length >= 1);
      assert.equal(eventsNamed(records, 'client-keys')[0].text, `app's CURVE client key is ${CLIENT.public}; the upstream sees the tap's client key ${STRANGER.public}`);
      await eventually(() => dealer.events.some((e) => e.name === 'HANDSHAKE_FAILED_AUTH' && e.value === 400), "the app's HANDSHAKE_FAILED_AUTH 400");
    });
  }
});

describe('tap interop: a terminated CURVE connection in a real Wireshark', () => {
  interop('tshark 4.4 decodes the capture as NULL-mechanism ZMTP: both socket types and the plaintext frames', async (h) => {
    const { endpoint, records, upstream } = await terminatingTap(h, 'tcp');
    const dealer = await h.lib('DEALER', { options: { ...libCurveClient(SERVER.public), ROUTING_ID: 'worker-1' } });
    await dealer.connect(endpoint);
    await sendParts(dealer, [Buffer.from('HELLO'), Buffer.from('WORLD')]);
    const [id] = await receiveParts(upstream);
    await sendParts(upstream, [id, Buffer.from('BACK')]);
    await receiveParts(dealer);
    await dealer.close();
    await eventually(() => records.some((r) => r.kind === 'event' && r.name === 'closed'), 'the close recorded');
    const blocks: Uint8Array[] = [];
    const capture = new PcapngCapture('zmtp', (b) => blocks.push(b));
    for (const r of records) capture.add(r);
    const dir = mkdtempSync(join(tmpdir(), 'zmq-tap-curve-'));
    h.defer(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'terminated.pcapng');
    writeFileSync(file, Buffer.concat(blocks));
    const summary = await tshark44(file, []);
    assert.doesNotMatch(summary, /Dissector bug|Malformed/);
    assert.equal((summary.match(/zmtp \d+ Greeting \(version=3\.1 mechanism=NULL Client\)/g) ?? []).length, 2, summary);
    assert.match(summary, /zmtp \d+ Command \(READY\)\s+Socket-Type=DEALER\s+Identity=worker-1/);
    assert.match(summary, /zmtp \d+ Command \(READY\)\s+Socket-Type=ROUTER/);
    const fields = await tshark44(file, ['-Y', 'zmtp.data', '-T', 'fields', '-e', 'zmtp.data']);
    assert.deepEqual(fields.trim().split('\n'), ['48454c4c4f', '574f524c44', '4241434b'], 'HELLO, WORLD, then BACK');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
