/**
 * The tap between real libzmq 4.3.4 sockets: an app connects to the tap, the tap to the libzmq
 * socket the app would otherwise reach. Every message arrives as sent, and the records show what
 * the wire carried — greetings, READY with both socket types for every socket type, routing ids,
 * subscriptions, groups, multipart messages, heartbeats, PLAIN and CURVE handshakes — and the
 * diagnosis names a mismatched pair. Over tcp, ipc and ws.
 *
 *   libzmq app (connects) ──▶ tap ──▶ libzmq upstream (binds)
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Tap, type CommandRecord, type EventRecord, type MessageRecord, type TapRecord } from '../../core/index';
import { LibzmqEchoServer, type LibzmqSocket, type LibzmqSocketType } from '../support/libzmq';
import { eventually, freeTcpPort, interopTest, sleep, type Harness } from '../support/interop';

const interop = interopTest();

type TapTransport = 'tcp' | 'ipc' | 'ws';

/** A tap in front of `upstream`, listening on a fresh endpoint of the same transport; closed with the harness. */
async function tapFor(h: Harness, transport: TapTransport, upstream: string, options: { probeIntervalMax?: number } = {}): Promise<{ tap: Tap; endpoint: string; records: TapRecord[] }> {
  const tap = new Tap({ listen: h.bindEndpoint(transport, 'tap.sock'), upstream, ...options });
  const records: TapRecord[] = [];
  tap.on('record', (r) => records.push(r));
  h.defer(() => tap.close());
  return { tap, endpoint: await tap.start(), records };
}

const eventsNamed = (records: TapRecord[], name: string): EventRecord[] => records.filter((r): r is EventRecord => r.kind === 'event' && r.name === name);
const commands = (records: TapRecord[], name: string): CommandRecord[] => records.filter((r): r is CommandRecord => r.kind === 'command' && r.name === name);
const messages = (records: TapRecord[], from: 'app' | 'upstream'): MessageRecord[] => records.filter((r): r is MessageRecord => r.kind === 'message' && r.from === from);

/** The verdict the tap gave on the pair, once both READYs were in. */
async function verdict(records: TapRecord[]): Promise<string> {
  await eventually(() => eventsNamed(records, 'socket-types').length + eventsNamed(records, 'incompatible-socket-types').length > 0, 'the socket-type verdict');
  return [...eventsNamed(records, 'socket-types'), ...eventsNamed(records, 'incompatible-socket-types')][0].text;
}

/** Receives one whole (multipart) message from a libzmq socket. */
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

/** Every socket-type pair libzmq lets talk, as (upstream that binds, app that connects). */
const PAIRS: ReadonlyArray<readonly [LibzmqSocketType, LibzmqSocketType]> = [
  ['REP', 'REQ'],
  ['ROUTER', 'DEALER'],
  ['ROUTER', 'REQ'],
  ['DEALER', 'DEALER'],
  ['PUB', 'SUB'],
  ['XPUB', 'XSUB'],
  ['PULL', 'PUSH'],
  ['PAIR', 'PAIR'],
  ['PEER', 'PEER'],
  ['SERVER', 'CLIENT'],
  ['RADIO', 'DISH'],
  ['GATHER', 'SCATTER'],
  ['CHANNEL', 'CHANNEL'],
];

describe('tap interop: every socket type', () => {
  for (const [upstreamType, appType] of PAIRS) {
    interop(`names both socket types of ${appType} → ${upstreamType} and judges them compatible`, async (h) => {
      const upstream = await h.lib(upstreamType);
      const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
      const app = await h.lib(appType);
      await app.connect(endpoint);
      assert.equal(await verdict(records), `${appType} → ${upstreamType}: compatible`);
      const ready = commands(records, 'READY');
      assert.deepEqual(ready.map((r) => [r.from, r.properties?.find(([k]) => k === 'Socket-Type')?.[1]]).sort(), [
        ['app', appType],
        ['upstream', upstreamType],
      ]);
    });
  }

  interop('names an incompatible pair with both types, as libzmq closes it without ERROR', async (h) => {
    const upstream = await h.lib('PEER', { expectHandshakeFailures: true });
    const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
    const app = await h.lib('DEALER', { expectHandshakeFailures: true });
    await app.connect(endpoint);
    assert.equal(await verdict(records), 'DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR (both sides close; DEALER talks to REP, DEALER or ROUTER; PEER talks to PEER)');
    await eventually(() => eventsNamed(records, 'closed').length > 0, 'libzmq to close the connection');
    assert.equal(commands(records, 'ERROR').length, 0, 'no ERROR command on the wire');
  });
});

for (const transport of ['tcp', 'ipc', 'ws'] as const) {
  describe(`tap interop over ${transport}`, () => {
    interop('REQ → REP: requests and replies arrive byte for byte, the envelope shown as frames', async (h) => {
      const echo = await LibzmqEchoServer.start('REP', h.bindEndpoint(transport, 'rep.sock'));
      h.defer(() => echo.close());
      const { endpoint, records } = await tapFor(h, transport, echo.endpoint);
      const req = await h.lib('REQ');
      await req.connect(endpoint);
      for (let i = 0; i < 3; i++) {
        const payload = randomBytes(100 + i * 500);
        await req.send(0, payload);
        assert.deepEqual((await req.receive(5000)).data, payload);
      }
      assert.equal(await verdict(records), 'REQ → REP: compatible');
      assert.deepEqual(messages(records, 'app').map((m) => m.frames.map((f) => f.size)), [[0, 100], [0, 600], [0, 1100]]);
      assert.equal(eventsNamed(records, 'req-sent-twice').length, 0);
    });

    interop('DEALER → ROUTER: multipart messages both ways, the DEALER routing id shown', async (h) => {
      const echo = await LibzmqEchoServer.start('ROUTER', h.bindEndpoint(transport, 'router.sock'));
      h.defer(() => echo.close());
      const { endpoint, records } = await tapFor(h, transport, echo.endpoint);
      const dealer = await h.lib('DEALER', { options: { ROUTING_ID: 'worker-1' } });
      await dealer.connect(endpoint);
      const parts = [Buffer.alloc(0), randomBytes(10), randomBytes(300), Buffer.from('last')];
      await sendParts(dealer, parts);
      assert.deepEqual(await receiveParts(dealer), parts);
      const [sent] = messages(records, 'app');
      assert.equal(sent.routingId, 'worker-1');
      assert.deepEqual(sent.frames.map((f) => [f.size, f.more]), [[0, true], [10, true], [300, true], [4, false]]);
      assert.deepEqual(Buffer.from(sent.frames[2].data), parts[2]);
      assert.deepEqual(messages(records, 'upstream')[0].frames.map((f) => f.size), [0, 10, 300, 4]);
    });

    interop('SUB → PUB: the subscription is shown, and published messages arrive', async (h) => {
      const pub = await h.lib('PUB');
      const { endpoint, records } = await tapFor(h, transport, await pub.bind(h.bindEndpoint(transport, 'pub.sock')));
      const sub = await h.lib('SUB', { options: { SUBSCRIBE: 'weather' } });
      await sub.connect(endpoint);
      await eventually(() => commands(records, 'SUBSCRIBE').length > 0, 'the subscription to pass the tap');
      const [subscription] = commands(records, 'SUBSCRIBE');
      assert.deepEqual([subscription.from, subscription.socketType, Buffer.from(subscription.topic!).toString()], ['app', 'SUB', 'weather']);
      await pub.send(0, 'sport: ignored');
      await pub.send(0, 'weather: sunny');
      assert.equal((await sub.receive(5000)).data.toString(), 'weather: sunny');
    });

    interop('PUSH → PULL, PEER → PEER and CLIENT → SERVER deliver byte for byte', async (h) => {
      const pull = await h.lib('PULL');
      const pushTap = await tapFor(h, transport, await pull.bind(h.bindEndpoint(transport, 'pull.sock')));
      const push = await h.lib('PUSH');
      await push.connect(pushTap.endpoint);
      const pushed = randomBytes(5000);
      await push.send(0, pushed);
      assert.deepEqual((await pull.receive(5000)).data, pushed);

      for (const [serverType, clientType] of [['PEER', 'PEER'], ['SERVER', 'CLIENT']] as const) {
        const echo = await LibzmqEchoServer.start(serverType, h.bindEndpoint(transport, `${serverType}.sock`));
        h.defer(() => echo.close());
        const { endpoint, records } = await tapFor(h, transport, echo.endpoint);
        const client = await h.lib(clientType);
        const id = clientType === 'PEER' ? await client.connectPeer(endpoint) : (await client.connect(endpoint), 0);
        const payload = randomBytes(70_000);
        await client.send(id, payload);
        assert.deepEqual((await client.receive(5000)).data, payload);
        assert.equal(await verdict(records), `${clientType} → ${serverType}: compatible`);
      }
    });

    interop('heartbeats pass end to end, both ways', async (h) => {
      const upstream = await h.lib('PEER', { options: { HEARTBEAT_IVL: 50 } });
      const { endpoint, records } = await tapFor(h, transport, await upstream.bind(h.bindEndpoint(transport, 'hb.sock')));
      const app = await h.lib('PEER', { options: { HEARTBEAT_IVL: 50 } });
      await app.connectPeer(endpoint);
      const [ping, pong] = transport === 'ws' ? ['WS-PING', 'WS-PONG'] : ['PING', 'PONG'];
      await eventually(() => ['app', 'upstream'].every((side) => commands(records, ping).some((r) => r.from === side) && commands(records, pong).some((r) => r.from === side)), 'pings and pongs from both sides', 5000);
      await sleep(300);
      assert.equal(eventsNamed(records, 'closed').length, 0, 'no heartbeat timeout: the pongs got through');
    });
  });
}

describe('tap interop: the upstream restarting, security mechanisms', () => {
  interop('an upstream that restarts: the app sees refusals while it is down, and reconnects through the tap', async (h) => {
    const port = await freeTcpPort();
    const upstreamEndpoint = `tcp://127.0.0.1:${port}`;
    let echo = await LibzmqEchoServer.start('PEER', upstreamEndpoint);
    h.defer(() => echo.close());
    const { tap, endpoint, records } = await tapFor(h, 'tcp', upstreamEndpoint, { probeIntervalMax: 100 });
    const app = await h.lib('PEER', { options: { RECONNECT_IVL: 50 } });
    const id = await app.connectPeer(endpoint);
    await app.send(id, 'before');
    assert.equal((await app.receive(5000)).data.toString(), 'before');
    await echo.close();
    await eventually(() => tap.state === 'upstream-down', 'the mirror policy to close the listener', 5000);
    echo = await LibzmqEchoServer.start('PEER', upstreamEndpoint);
    await eventually(() => tap.state === 'listening', 'the listener to reopen', 5000);
    await app.send(id, 'after');
    assert.equal((await app.receive(10_000)).data.toString(), 'after');
    assert.ok(eventsNamed(records, 'listener-reopened').length >= 1);
  });

  interop('a heartbeat timeout: the app gives up on a frozen upstream, and the tap says why', async (h) => {
    const upstream = await h.lib('PEER', { expectHandshakeFailures: true });
    const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
    const app = await h.lib('PEER', { options: { HEARTBEAT_IVL: 100, HEARTBEAT_TIMEOUT: 300 }, expectHandshakeFailures: true });
    const id = await app.connectPeer(endpoint);
    await app.send(id, 'ping?');
    await upstream.receive(5000);
    await eventually(() => commands(records, 'PONG').length > 0, 'a first PONG');
    upstream.stop();
    h.defer(() => upstream.cont());
    await eventually(() => eventsNamed(records, 'heartbeat-timeout').length > 0, 'the heartbeat timeout', 5000);
    assert.match(eventsNamed(records, 'heartbeat-timeout')[0].text, /^app closed the connection \d+ ms after its PING went unanswered: a heartbeat timeout \(ZMQ_HEARTBEAT_TIMEOUT\); upstream sent nothing in that time$/);
  });

  interop('a REQ that sends twice without a reply (ZMQ_REQ_RELAXED) is pointed out', async (h) => {
    const upstream = await h.lib('REP');
    const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
    const req = await h.lib('REQ', { options: { REQ_RELAXED: 1 } });
    await req.connect(endpoint);
    await req.send(0, 'first');
    await req.send(0, 'second');
    await eventually(() => eventsNamed(records, 'req-sent-twice').length > 0, 'the warning');
    assert.match(eventsNamed(records, 'req-sent-twice')[0].text, /^REQ app sent a second request \(6 bytes\) before any reply to the first: a libzmq REQ refuses that \(EFSM\) unless ZMQ_REQ_RELAXED is set/);
  });

  interop('PLAIN: the user name is shown, the password is not, and the silent refusal explained', async (h) => {
    // libzmq 4.3.4's PLAIN server needs a ZAP handler and closes without one: what a user sees as "nothing arrives".
    const upstream = await h.lib('REP', { options: { PLAIN_SERVER: 1 }, expectHandshakeFailures: true });
    const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
    const req = await h.lib('REQ', { options: { PLAIN_USERNAME: 'alice', PLAIN_PASSWORD: 's3cret' }, expectHandshakeFailures: true });
    await req.connect(endpoint);
    await eventually(() => eventsNamed(records, 'handshake-incomplete').length > 0, 'the handshake to end');
    const [hello] = commands(records, 'HELLO');
    assert.deepEqual([hello.from, hello.username, hello.password, hello.note], ['app', 'alice', undefined, 'password of 6 bytes not shown']);
    const asText = (r: TapRecord): string => JSON.stringify(r, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    assert.ok(records.every((r) => !asText(r).includes('s3cret')), 'the password is in no record, not even in its bytes');
    assert.match(eventsNamed(records, 'handshake-incomplete')[0].text, /^upstream closed the connection during the handshake: with PLAIN, .* libzmq 4\.3\.4 with no ZAP handler for PLAIN closes silently$/);
  });

  interop('CURVE: the handshake commands are named and their boxes left closed', async (h) => {
    const raw = (key: { export(o: { format: 'der'; type: 'spki' | 'pkcs8' }): Buffer }, type: 'spki' | 'pkcs8'): Buffer => key.export({ format: 'der', type }).subarray(-32);
    const server = generateKeyPairSync('x25519');
    const client = generateKeyPairSync('x25519');
    const upstream = await h.lib('PULL', { options: { CURVE_SERVER: 1, CURVE_SECRETKEY: raw(server.privateKey, 'pkcs8') } });
    const { endpoint, records } = await tapFor(h, 'tcp', await upstream.bind('tcp://127.0.0.1:*'));
    const push = await h.lib('PUSH', { options: { CURVE_SERVERKEY: raw(server.publicKey, 'spki'), CURVE_PUBLICKEY: raw(client.publicKey, 'spki'), CURVE_SECRETKEY: raw(client.privateKey, 'pkcs8') } });
    await push.connect(endpoint);
    await push.send(0, 'secret message');
    assert.equal((await upstream.receive(5000)).data.toString(), 'secret message');
    const names = records.filter((r): r is CommandRecord => r.kind === 'command').map((r) => `${r.from} ${r.name}`);
    assert.deepEqual(names.slice(0, 4), ['app HELLO', 'upstream WELCOME', 'app INITIATE', 'upstream READY']);
    assert.ok(names.includes('app MESSAGE'), names.join(', '));
    assert.ok(commands(records, 'MESSAGE').every((r) => r.note === 'a message in a CURVE box (encrypted)'));
    assert.equal(records.filter((r) => r.kind === 'message').length, 0, 'no plaintext message is claimed');
  });
});
