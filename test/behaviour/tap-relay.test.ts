/**
 * The tap as a relay (core/tap/), with raw peers on both legs so that every byte is the test's
 * own: bytes pass unchanged both ways over tcp, ipc and ws; READY is held until both sides' are
 * in (and no longer than readyHold); an upstream that is down is mirrored (ECONNREFUSED, ENOENT)
 * or held; closes and resets propagate; a full upstream slows the app instead of filling memory.
 *
 *   raw app ──▶ tap (listen) ──▶ raw upstream
 *           ◀──               ◀──
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Tap, type EventRecord, type TapOptions, type TapRecord } from '../../core/index';
import { freePort, tempDir } from '../support/endpoints';
import { ascii, concat } from '../support/hex';
import { delay, destroyAfterTest, usePeers, waitUntil } from '../support/peers';
import { RawConnection, rawFrame, rawGreeting, rawReady, rawZmtpClient, RawZmtpServer } from '../support/raw-zmtp';
import { rawReadyBody, switchingProtocols, upgradeRequest, wsFrame, zwsPayload } from '../support/raw-ws';

const taps: Tap[] = [];
afterEach(async () => {
  for (const tap of taps.splice(0)) await tap.close();
});

/** A started tap whose records are collected. */
async function startTap(options: TapOptions): Promise<{ tap: Tap; records: TapRecord[]; endpoint: string }> {
  const tap = new Tap(options);
  taps.push(tap);
  const records: TapRecord[] = [];
  tap.on('record', (r) => records.push(r));
  const endpoint = await tap.start();
  return { tap, records, endpoint };
}

/**
 * With the mirror policy the tap checks once that the upstream answers (a connection opened and
 * closed at once), so the apps' connections come after that one at the upstream.
 */
const PROBE = 1;

const events = (records: TapRecord[], name: string): EventRecord[] => records.filter((r): r is EventRecord => r.kind === 'event' && r.name === name);

/** Bytes cut into random pieces, written one by one with a pause now and then. */
async function writeInPieces(connection: RawConnection, bytes: Uint8Array): Promise<void> {
  for (let pos = 0; pos < bytes.length; ) {
    const size = 1 + Math.floor(Math.random() * 700);
    connection.write(bytes.subarray(pos, pos + size));
    pos += size;
    if (Math.random() < 0.2) await delay(1);
  }
}

/** A ZMTP stream as a NULL peer of `socketType` sends it: greeting, READY, then multipart and long frames. */
function zmtpStream(socketType: string): Uint8Array {
  return concat(rawGreeting(), rawReady(socketType), rawFrame('', 0x01), rawFrame(randomBytes(300), 0x01), rawFrame(randomBytes(70_000)), rawFrame('tail'));
}

describe('tap: relaying bytes', () => {
  usePeers();

  for (const transport of ['tcp', 'ipc'] as const) {
    it(`passes every byte unchanged both ways over ${transport}`, async () => {
      const upstream = await RawZmtpServer.listen(transport);
      const listen = transport === 'tcp' ? 'tcp://127.0.0.1:*' : `ipc://${join(tempDir(), 'tap.sock')}`;
      const { endpoint, records } = await startTap({ listen, upstream: upstream.endpoint });
      const app = await rawZmtpClient(endpoint);
      const fromApp = zmtpStream('DEALER');
      const fromUpstream = zmtpStream('ROUTER');
      const far = await upstream.connection(PROBE + 0);
      await Promise.all([writeInPieces(app, fromApp), writeInPieces(far, fromUpstream)]);
      assert.deepEqual(await far.read(fromApp.length, 5000), Buffer.from(fromApp));
      assert.deepEqual(await app.read(fromUpstream.length, 5000), Buffer.from(fromUpstream));
      const messagesFrom = (side: string): unknown[] => records.flatMap((r) => (r.kind === 'message' && r.from === side ? [[r.socketType, r.frames.map((f) => f.size)]] : []));
      assert.deepEqual(messagesFrom('app'), [['DEALER', [0, 300, 70_000]], ['DEALER', [4]]]);
      assert.deepEqual(messagesFrom('upstream'), [['ROUTER', [0, 300, 70_000]], ['ROUTER', [4]]]);
      assert.deepEqual(events(records, 'socket-types').map((e) => e.text), ['DEALER → ROUTER: compatible']);
    });
  }

  it('passes every byte unchanged both ways over ws, masking keys included', async () => {
    const port = await freePort();
    const upstreamServer = await RawZmtpServer.listen('tcp');
    const upstreamPort = Number(upstreamServer.endpoint.split(':').pop());
    const { endpoint, records } = await startTap({ listen: `ws://127.0.0.1:${port}/zmq`, upstream: `ws://127.0.0.1:${upstreamPort}/zmq` });
    assert.equal(endpoint, `ws://127.0.0.1:${port}/zmq`);
    const app = await rawZmtpClient(`tcp://127.0.0.1:${port}`);
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const fromApp = concat(ascii(upgradeRequest({ key, path: '/zmq' })), wsFrame({ payload: zwsPayload(rawReadyBody('CLIENT'), 0x02), mask: true }), wsFrame({ payload: zwsPayload(randomBytes(70_000)), mask: true }));
    const fromUpstream = concat(ascii(switchingProtocols(key)), wsFrame({ payload: zwsPayload(rawReadyBody('SERVER'), 0x02), mask: false }), wsFrame({ payload: zwsPayload('reply'), mask: false }));
    const far = await upstreamServer.connection(PROBE + 0);
    await Promise.all([writeInPieces(app, fromApp), writeInPieces(far, fromUpstream)]);
    assert.deepEqual(await far.read(fromApp.length, 5000), Buffer.from(fromApp));
    assert.deepEqual(await app.read(fromUpstream.length, 5000), Buffer.from(fromUpstream));
    assert.deepEqual(events(records, 'socket-types').map((e) => e.text), ['CLIENT → SERVER: compatible']);
    const sizes = records.filter((r) => r.kind === 'message').map((m) => [m.from, m.kind === 'message' ? m.size : 0]);
    assert.deepEqual(sizes.sort(), [['app', 70_000], ['upstream', 5]]);
  });
});

describe('tap: holding READY', () => {
  usePeers();

  it("holds each side's READY until the other's is in, so that both socket types are named", async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    const { endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstream.endpoint });
    const app = await rawZmtpClient(endpoint);
    app.write(concat(rawGreeting(), rawReady('DEALER')));
    const far = await upstream.connection(PROBE + 0);
    far.write(rawGreeting());
    assert.deepEqual(await far.read(64), Buffer.from(rawGreeting()));
    await delay(150);
    assert.equal(far.received.length, 64, "the app's READY waits for the upstream's");
    far.write(rawReady('PEER'));
    assert.deepEqual(await far.read(rawReady('DEALER').length), Buffer.from(rawReady('DEALER')));
    await app.read(64);
    assert.deepEqual(await app.read(rawReady('PEER').length), Buffer.from(rawReady('PEER')));
    const [verdict] = events(records, 'incompatible-socket-types');
    assert.match(verdict.text, /^DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR/);
  });

  it('forwards a held READY after readyHold when the other side sends none', async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    const { endpoint } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstream.endpoint, readyHold: 200 });
    const app = await rawZmtpClient(endpoint);
    const started = Date.now();
    app.write(concat(rawGreeting(), rawReady('PUSH')));
    const far = await upstream.connection(PROBE + 0);
    far.write(rawGreeting());
    await far.read(64);
    await far.read(rawReady('PUSH').length, 3000);
    assert.ok(Date.now() - started >= 190, `held for ${Date.now() - started} ms`);
  });

  it('does not hold with a mechanism other than NULL', async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    const { endpoint } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstream.endpoint, readyHold: 5000 });
    const app = await rawZmtpClient(endpoint);
    const hello = rawFrame(concat(Uint8Array.of(5), ascii('HELLO'), Uint8Array.of(1), ascii('u'), Uint8Array.of(1), ascii('p')), 0x04);
    app.write(concat(rawGreeting({ mechanism: 'PLAIN' }), hello));
    const far = await upstream.connection(PROBE + 0);
    far.write(rawGreeting({ mechanism: 'PLAIN' }));
    await far.read(64);
    assert.deepEqual(await far.read(hello.length, 1000), Buffer.from(hello));
  });
});

describe('tap: an upstream that is down', () => {
  usePeers();

  it('mirror: closes its listener so that apps see ECONNREFUSED, and reopens it when the upstream is back', async () => {
    const port = await freePort();
    const { tap, endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: `tcp://127.0.0.1:${port}`, probeIntervalMax: 100 });
    assert.equal(tap.state, 'upstream-down');
    assert.match(events(records, 'upstream-down')[0].text, /the tap's listener is closed, so apps see ECONNREFUSED as if they connected directly/);
    await assert.rejects(rawZmtpClient(endpoint), { code: 'ECONNREFUSED' });
    const upstream = await listenOn(port);
    await waitUntil(() => tap.state === 'listening', 3000, 'the listener to reopen');
    assert.equal(tap.endpoint, endpoint, 'the same port again');
    const app = await rawZmtpClient(endpoint);
    app.write(rawGreeting());
    assert.deepEqual(await (await upstream.connection(PROBE + 0)).read(64), Buffer.from(rawGreeting()));
  });

  it('mirror over ipc: the socket file goes away (ENOENT, as for a dead libzmq binder)', async () => {
    const missing = `ipc://${join(tempDir(), 'nobody.sock')}`;
    const { tap, endpoint } = await startTap({ listen: `ipc://${join(tempDir(), 'tap.sock')}`, upstream: missing });
    assert.equal(tap.state, 'upstream-down');
    await assert.rejects(rawZmtpClient(endpoint), { code: 'ENOENT' });
  });

  it('mirror: an upstream that dies later closes the listener at the next app connection', async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    const { tap, endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstream.endpoint, probeInterval: 10_000 });
    assert.equal(tap.state, 'listening');
    upstream.destroy();
    await delay(50);
    const app = await rawZmtpClient(endpoint);
    await app.waitClosed();
    await waitUntil(() => tap.state === 'upstream-down', 2000, 'the mirror policy to close the listener');
    await assert.rejects(rawZmtpClient(endpoint), { code: 'ECONNREFUSED' });
    assert.match(events(records, 'closed')[0].text, /^the tap closed the connection: upstream tcp:\/\/127\.0\.0\.1:\d+ refused \(ECONNREFUSED\)/);
  });

  it("hold: keeps the app's greeting waiting until the upstream is up", async () => {
    const port = await freePort();
    const { tap, endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: `tcp://127.0.0.1:${port}`, policy: 'hold', probeIntervalMax: 50 });
    assert.equal(tap.state, 'listening');
    const app = await rawZmtpClient(endpoint);
    app.write(rawGreeting());
    await delay(300);
    const upstream = await listenOn(port);
    assert.deepEqual(await (await upstream.connection(0, 3000)).read(64), Buffer.from(rawGreeting()));
    assert.equal(app.isClosed, false);
    assert.match(events(records, 'holding')[0].text, /holding the app's connection \(its greeting waits\) for up to 25000 ms/);
  });

  it('hold: gives up after holdTimeout and closes the app connection', async () => {
    const port = await freePort();
    const { endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: `tcp://127.0.0.1:${port}`, policy: 'hold', holdTimeout: 300, probeIntervalMax: 50 });
    const app = await rawZmtpClient(endpoint);
    const started = Date.now();
    await app.waitClosed(3000);
    assert.ok(Date.now() - started >= 250, `closed after ${Date.now() - started} ms`);
    assert.match(events(records, 'closed')[0].text, /still down \(ECONNREFUSED\) after \d+ ms: the hold policy's limit/);
  });
});

describe('tap: closing and backpressure', () => {
  usePeers();

  it('passes an orderly close on as a close, and a reset as a reset', async () => {
    const upstream = await RawZmtpServer.listen('tcp');
    const { endpoint, records } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstream.endpoint });
    const first = await rawZmtpClient(endpoint);
    const firstFar = await upstream.connection(PROBE + 0);
    let ended = false;
    firstFar.socket.once('end', () => (ended = true));
    first.socket.end();
    await firstFar.waitClosed();
    assert.equal(ended, true, 'the upstream got a FIN');
    const second = await rawZmtpClient(endpoint);
    const secondFar = await upstream.connection(PROBE + 1);
    await waitUntil(() => events(records, 'upstream-connected').length === 2, 2000, 'the tap to see its upstream leg connected');
    let reset: string | undefined;
    second.socket.once('error', (err: NodeJS.ErrnoException) => (reset = err.code));
    secondFar.socket.resetAndDestroy();
    await second.waitClosed();
    assert.equal(reset, 'ECONNRESET');
    await waitUntil(() => events(records, 'closed').length === 2, 2000, 'two closed events');
    assert.deepEqual(events(records, 'closed').map((e) => e.text.replace(/:.*$/, '')), ['app closed the connection; the tap closed the upstream leg', 'upstream reset the connection (ECONNRESET); the tap reset the app leg']);
  });

  it('stops reading from the app while the upstream does not read, and delivers everything once it does', async () => {
    // A plain server that counts (a RawConnection would keep every byte).
    const accepted: Socket[] = [];
    let received = 0;
    const server = createServer((socket) => {
      accepted.push(socket);
      socket.pause();
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
    });
    destroyAfterTest({ destroy: () => (accepted.forEach((s) => s.destroy()), server.close()) });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { endpoint } = await startTap({ listen: 'tcp://127.0.0.1:*', upstream: `tcp://127.0.0.1:${(server.address() as { port: number }).port}`, readyHold: 0 });
    const app = await rawZmtpClient(endpoint);
    await waitUntil(() => accepted.length === PROBE + 1, 2000, 'the upstream leg');
    // More than the kernel's buffers on both legs and the tap's can hold.
    const chunk = randomBytes(1 << 20);
    const written = 64 * chunk.length;
    for (let i = 0; i < 64; i++) app.socket.write(chunk);
    await delay(300);
    assert.ok(app.socket.writableLength > 0, 'the app cannot get rid of its bytes while the upstream reads nothing');
    assert.equal(received, 0);
    for (const socket of accepted) socket.resume();
    await waitUntil(() => received === written, 10_000, `${written} bytes at the upstream`);
    assert.equal(app.socket.writableLength, 0);
  });
});

/** A raw server on a given port (for an upstream that comes up later). */
async function listenOn(port: number): Promise<RawZmtpServer> {
  for (;;) {
    try {
      const server = await RawZmtpServer.listen('tcp');
      // RawZmtpServer picks its own port; re-listen on the wanted one.
      server.server.close();
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.server.listen({ host: '127.0.0.1', port }, resolve);
      });
      return server;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      await delay(20);
    }
  }
}

