/**
 * What a PEER does with ws/wss input a libzmq peer would never send (protocol.md §3.4–§3.9,
 * §7 items 6–8): malformed upgrade requests, bad WebSocket frames, close frames, TLS failures and
 * silent peers. Each bad connection ends with a named error in its monitor events, and only that
 * connection: the socket and its other peers go on exchanging messages, and nothing escapes as
 * an unhandled rejection. Also what a server must accept (libzmq's exact request, a browser's
 * `Connection: keep-alive, Upgrade`, bare `ZWS2.0`) and the exact bytes it answers with.
 *
 * The raw clients build requests and frames by hand (test/support/raw-ws.ts), never with
 * core/zws or the `ws` package.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { Peer, type PeerOptions, type ReceivedMessage } from '../../core';
import type { MonitorEvent, MonitorEventType } from '../../core/events';
import { concat } from '../support/hex';
import { testTransports, uniqueEndpoint } from '../support/endpoints';
import { delay, expectNoUnhandled, recordEvents, usePeers, withTimeout, type EventLog } from '../support/peers';
import { rawReadyBody, rawWsClient, RawWsServer, switchingProtocols, upgradedWsClient, upgradeRequest, WS_OPCODE, wsAccept, wsFrame, wsTarget, zwsPayload, type UpgradeRequestSpec } from '../support/raw-ws';

function receive(socket: Peer, what = 'a message'): Promise<ReceivedMessage> {
  return withTimeout(socket.receive(), 3000, what);
}

/** 200 bytes from a fixed xorshift sequence: garbage, but the same garbage every run. */
function garbage(): Buffer {
  const out = Buffer.alloc(200);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The monitor value libzmq reports for every failed ws upgrade (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED). */
const WS_UNSPECIFIED = 0x30000000;

interface BadUpgrade {
  readonly what: string;
  /** A request built from libzmq's with these changes, or raw bytes. */
  readonly request: UpgradeRequestSpec | string | Buffer;
}

const BAD_UPGRADES: readonly BadUpgrade[] = [
  { what: 'POST instead of GET', request: { method: 'POST' } },
  { what: 'lowercase get', request: { method: 'get' } },
  { what: 'HTTP/1.0', request: { version: 'HTTP/1.0' } },
  { what: 'no Sec-WebSocket-Key', request: { headers: { 'Sec-WebSocket-Key': null } } },
  { what: 'a Sec-WebSocket-Key that is not 16 bytes in base64', request: { key: 'not-a-key' } },
  { what: 'Sec-WebSocket-Version 8', request: { headers: { 'Sec-WebSocket-Version': '8' } } },
  { what: 'no Sec-WebSocket-Version', request: { headers: { 'Sec-WebSocket-Version': null } } },
  { what: 'no Upgrade header', request: { headers: { Upgrade: null } } },
  { what: 'Upgrade: h2c', request: { headers: { Upgrade: 'h2c' } } },
  { what: 'Connection without an Upgrade token', request: { headers: { Connection: 'keep-alive' } } },
  { what: 'only the sub-protocol chat', request: { protocols: 'chat' } },
  { what: 'only ZWS2.0/PLAIN (a mechanism the server does not run)', request: { protocols: 'ZWS2.0/PLAIN' } },
  { what: 'no Sec-WebSocket-Protocol (a browser WebSocket without the ZWS2.0 sub-protocol)', request: { protocols: null } },
  { what: 'a plain HTTP request without Upgrade', request: 'GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n' },
  { what: 'bare LF line ends', request: upgradeRequest().replace(/\r\n/g, '\n') },
  { what: 'garbage bytes instead of HTTP', request: garbage() },
];

interface BadFrame {
  readonly what: string;
  /** The bytes a client sends (frames from a client are masked unless the case says not). */
  readonly bytes: () => Uint8Array;
  readonly code: string;
  /** Needs the server to have maxMessageSize 1000. */
  readonly limited?: boolean;
}

const masked = { mask: true } as const;

const BAD_FRAMES: readonly BadFrame[] = [
  { what: 'a text frame', bytes: () => wsFrame({ ...masked, opcode: WS_OPCODE.text, payload: zwsPayload('hello') }), code: 'ERR_ZWS_TEXT_FRAME' },
  { what: 'an unmasked client frame', bytes: () => wsFrame({ mask: false, payload: zwsPayload('hello') }), code: 'ERR_ZWS_UNMASKED_FRAME' },
  {
    what: 'a fragmented message (FIN=0, then a continuation)',
    bytes: () => concat(wsFrame({ ...masked, fin: false, payload: zwsPayload('hel') }), wsFrame({ ...masked, opcode: WS_OPCODE.continuation, payload: 'lo' })),
    code: 'ERR_ZWS_FRAGMENTED',
  },
  { what: 'a continuation frame with nothing to continue', bytes: () => wsFrame({ ...masked, opcode: WS_OPCODE.continuation, payload: 'lo' }), code: 'ERR_ZWS_FRAGMENTED' },
  { what: 'an empty binary message (no flags byte)', bytes: () => wsFrame({ ...masked }), code: 'ERR_ZWS_EMPTY_MESSAGE' },
  { what: 'a frame with a reserved opcode', bytes: () => wsFrame({ ...masked, opcode: 0x3, payload: zwsPayload('x') }), code: 'ERR_ZWS_PROTOCOL' },
  { what: 'a 1001-byte message with maxMessageSize 1000', bytes: () => wsFrame({ ...masked, payload: zwsPayload(Buffer.alloc(1001, 0x41)) }), code: 'ERR_ZMTP_MESSAGE_TOO_LARGE', limited: true },
  {
    what: 'a frame header claiming 2^40 bytes with maxMessageSize 1000',
    bytes: () => Buffer.from('82ff' + '0000010000000000' + '01020304' + '41414141', 'hex'),
    code: 'ERR_ZMTP_MESSAGE_TOO_LARGE',
    limited: true,
  },
];

for (const transport of testTransports('ws', 'wss')) {
  describe(`PEER over ${transport}: bad input`, () => {
    expectNoUnhandled();
    const { peer } = usePeers(transport);


    interface Setup {
      readonly server: Peer;
      readonly events: EventLog;
      readonly endpoint: string;
      readonly good: Peer;
      readonly goodId: number;
      readonly serverIdOfGood: number;
    }

    /** A binder with one good core peer connected over the same transport and proven to work. */
    async function serverWithGoodPeer(options: PeerOptions = {}): Promise<Setup> {
      const server = peer(options);
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const good = peer();
      const goodId = good.connectPeer(endpoint);
      await good.send(goodId, 'before');
      const before = await receive(server);
      return { server, events, endpoint, good, goodId, serverIdOfGood: before.routingId };
    }

    /** Both directions still work between the server and the good peer, and (unless others are expected) it is the only one left. */
    async function assertStillWorks(setup: Setup, options: { others?: boolean } = {}): Promise<void> {
      const { server, good, goodId, serverIdOfGood } = setup;
      if (!options.others) assert.deepEqual(server.routingIds, [serverIdOfGood], 'only the good peer is left');
      await good.send(goodId, 'after');
      const message = await receive(server, 'a message from the good peer');
      assert.deepEqual([message.routingId, message.data.toString()], [serverIdOfGood, 'after']);
      await server.send(serverIdOfGood, 'reply');
      const reply = await receive(good, 'a reply to the good peer');
      assert.deepEqual([reply.routingId, reply.data.toString()], [goodId, 'reply']);
    }

    /** The connection id of the raw client: the server's second accepted connection (the good peer's is the first). */
    async function rawConnectionId(events: EventLog): Promise<number> {
      const accepted = await events.waitFor('ACCEPTED', undefined, 3000, 2);
      assert.ok(accepted.connectionId !== undefined);
      return accepted.connectionId;
    }

    /** DISCONNECTED of connection `id`, with its named error checked. */
    async function disconnectedWith(events: EventLog, id: number, code: string | undefined): Promise<MonitorEvent> {
      const disconnected = await events.waitFor('DISCONNECTED', (e) => e.connectionId === id);
      assert.equal(disconnected.error?.code, code, disconnected.error?.message);
      if (code !== undefined) {
        assert.equal(disconnected.error?.name, 'ZmtpError');
        assert.ok((disconnected.error?.message.length ?? 0) > 0);
      }
      return disconnected;
    }

    // --- The HTTP upgrade ----------------------------------------------------------------------

    for (const bad of BAD_UPGRADES) {
      it(`refuses an upgrade with ${bad.what}: ERR_ZWS_BAD_UPGRADE, 0x30000000, no 101`, async () => {
        const setup = await serverWithGoodPeer();
        const { events, endpoint } = setup;
        const raw = await rawWsClient(endpoint);
        const id = await rawConnectionId(events);
        raw.write(typeof bad.request === 'string' || Buffer.isBuffer(bad.request) ? bad.request : upgradeRequest({ path: wsTarget(endpoint).path, ...bad.request }));

        const disconnected = await disconnectedWith(events, id, 'ERR_ZWS_BAD_UPGRADE');
        assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_FAILED_PROTOCOL', 'DISCONNECTED']);
        const failed = events.ofType('HANDSHAKE_FAILED_PROTOCOL').find((e) => e.connectionId === id)!;
        assert.equal(failed.value, WS_UNSPECIFIED);
        assert.equal(failed.error?.code, 'ERR_ZWS_BAD_UPGRADE');
        assert.equal(failed.endpoint, endpoint);
        assert.equal(disconnected.routingId, undefined, 'no routing id was ever given');

        await raw.waitClosed();
        const answer = raw.received.toString('latin1');
        // An HTTP error or a plain close, never a switch to WebSocket.
        assert.ok(answer === '' || /^HTTP\/1\.1 (400|426) /.test(answer), `answered ${JSON.stringify(answer.split('\r\n')[0])}`);
        await assertStillWorks(setup);
        assert.equal(events.ofType('DISCONNECTED').length, 1);
      });
    }

    it('accepts libzmq’s exact request and answers with libzmq’s exact 101 and READY bytes', async () => {
      const setup = await serverWithGoodPeer();
      const { server, events, endpoint } = setup;
      const raw = await rawWsClient(endpoint);
      const id = await rawConnectionId(events);
      const { key, response } = await raw.upgrade({ path: '/whatever' });
      assert.equal(
        response.raw,
        'HTTP/1.1 101 Switching Protocols\r\n' +
          'Upgrade: websocket\r\n' +
          'Connection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${wsAccept(key)}\r\n` +
          'Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n' +
          '\r\n',
      );
      assert.equal(response.raw, switchingProtocols(key, 'ZWS2.0/NULL'));
      // READY goes out at once, unmasked, as libzmq's server sends it (protocol.md §3.6).
      const ready = await raw.readWsFrame();
      assert.equal(ready.bytes.toString('hex'), '821b020552454144590b536f636b65742d547970650000000450454552');
      raw.sendReady();
      await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
      raw.send('abc');
      const message = await receive(server);
      assert.equal(message.data.toString(), 'abc');
      await server.send(message.routingId, 'abc');
      assert.equal((await raw.readMessage()).frame.bytes.toString('hex'), '820400616263', 'data "abc" as libzmq frames it');
      await assertStillWorks(setup, { others: true });
      assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED']);
    });

    it('accepts a browser’s Connection: keep-alive, Upgrade, and data flows both ways', async () => {
      const { server, events, endpoint } = await serverWithGoodPeer();
      const raw = await rawWsClient(endpoint);
      const id = await rawConnectionId(events);
      const { response } = await raw.upgrade({ headers: { Connection: 'keep-alive, Upgrade', Origin: 'http://example.test', 'User-Agent': 'test' } });
      assert.equal(response.status, 101);
      await raw.zwsHandshake();
      await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
      raw.send('from a browser');
      const message = await receive(server);
      assert.equal(message.data.toString(), 'from a browser');
      await server.send(message.routingId, 'to a browser');
      assert.equal((await raw.readMessage()).body.toString(), 'to a browser');
    });

    it('parses a request that arrives in pieces, and a READY pipelined right behind it', async () => {
      const { server, events, endpoint } = await serverWithGoodPeer();
      const raw = await rawWsClient(endpoint);
      const id = await rawConnectionId(events);
      const request = Buffer.from(upgradeRequest({ path: '/' }), 'latin1');
      for (const [from, to] of [
        [0, 3],
        [3, 40],
        [40, request.length - 1],
      ]) {
        raw.write(request.subarray(from, to));
        await delay(20);
      }
      raw.write(concat(request.subarray(request.length - 1), wsFrame({ mask: true, payload: zwsPayload(rawReadyBody(), 0x02) })));
      assert.equal((await raw.readHead()).status, 101);
      await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
      raw.send('after a slow request');
      assert.equal((await receive(server)).data.toString(), 'after a slow request');
    });

    it('prefers ZWS2.0/NULL when a client offers ZWS2.0,ZWS2.0/NULL', async () => {
      const { events, endpoint } = await serverWithGoodPeer();
      const raw = await rawWsClient(endpoint);
      const id = await rawConnectionId(events);
      const { response } = await raw.upgrade({ protocols: 'ZWS2.0,ZWS2.0/NULL' });
      assert.equal(response.status, 101);
      assert.deepEqual(response.all('Sec-WebSocket-Protocol'), ['ZWS2.0/NULL'], 'exactly one Sec-WebSocket-Protocol');
      const ready = await raw.zwsHandshake();
      assert.equal(ready.body.subarray(1, 6).toString(), 'READY');
      await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
    });

    it('speaks bare ZWS2.0: routing-id message 00 first, the client’s first message dropped, no Socket-Type check', async () => {
      const setup = await serverWithGoodPeer();
      const { server, events, endpoint } = setup;
      const raw = await rawWsClient(endpoint);
      const id = await rawConnectionId(events);
      const { response } = await raw.upgrade({ protocols: 'ZWS2.0' });
      assert.equal(response.status, 101);
      assert.deepEqual(response.all('Sec-WebSocket-Protocol'), ['ZWS2.0']);
      // The server's routing-id message: flags 00 and PEER's empty routing id.
      assert.equal((await raw.readWsFrame()).bytes.toString('hex'), '820100');
      // Our first message is taken as our routing-id message and dropped, whatever it says: even
      // a READY announcing DEALER is no Socket-Type check here.
      raw.send(rawReadyBody('DEALER'), 0x02);
      raw.send('first data');
      const message = await receive(server);
      assert.equal(message.data.toString(), 'first data');
      await server.send(message.routingId, 'back');
      const back = await raw.readMessage();
      assert.deepEqual([back.flags, back.body.toString()], [0, 'back']);
      const info = server.connections().find((c) => c.id === id);
      assert.equal(info?.zmtpVersion, 'ZWS2.0');
      assert.deepEqual(info?.peerProperties, {}, 'no READY, no properties');
      assert.ok(!events.types(id).includes('DISCONNECTED'));
      raw.destroy();
      await events.waitFor('DISCONNECTED', (e) => e.connectionId === id);
      await assertStillWorks(setup);
    });

    // --- Frames after the upgrade --------------------------------------------------------------

    for (const bad of BAD_FRAMES) {
      it(`ends only the connection that sends ${bad.what} after the handshake: ${bad.code}`, async () => {
        const setup = await serverWithGoodPeer(bad.limited ? { maxMessageSize: 1000 } : {});
        const { events, endpoint } = setup;
        const raw = await upgradedWsClient(endpoint);
        const id = await rawConnectionId(events);
        await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
        raw.write(bad.bytes());
        await disconnectedWith(events, id, bad.code);
        // After the handshake a broken frame is no handshake failure: DISCONNECTED alone.
        assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED']);
        await raw.waitClosed();
        await assertStillWorks(setup);
      });

      it(`ends only the connection that sends ${bad.what} instead of READY: ${bad.code}`, async () => {
        const setup = await serverWithGoodPeer(bad.limited ? { maxMessageSize: 1000 } : {});
        const { events, endpoint } = setup;
        const raw = await upgradedWsClient(endpoint, { ready: false });
        const id = await rawConnectionId(events);
        raw.write(bad.bytes());
        await disconnectedWith(events, id, bad.code);
        const types = events.types(id);
        assert.deepEqual([types[0], types[1], types.at(-1)], ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED']);
        assert.equal(types.filter((t) => t === 'HANDSHAKE_SUCCEEDED').length, 1, 'the READY exchange never completed');
        for (const failed of events.ofType('HANDSHAKE_FAILED_PROTOCOL', 'HANDSHAKE_FAILED_NO_DETAIL').filter((e) => e.connectionId === id)) {
          assert.equal(failed.error?.code, bad.code);
        }
        await raw.waitClosed();
        await assertStillWorks(setup);
      });
    }

    for (const bad of BAD_FRAMES.filter((b) => /^(a text frame|a fragmented message|a frame with a reserved opcode)/.test(b.what))) {
      it(`delivers the messages written before ${bad.what} in the same write, then ends the connection`, async () => {
        const setup = await serverWithGoodPeer({ receiveTimeout: 300 });
        const { server, events, endpoint } = setup;
        const raw = await rawWsClient(endpoint);
        const id = await rawConnectionId(events);
        assert.equal((await raw.upgrade()).response.status, 101);
        await raw.readMessage();
        // READY, two messages and the bad frame reach the server in one TCP write.
        const message = (text: string): Uint8Array => wsFrame({ mask: true, payload: zwsPayload(text) });
        raw.write(concat(wsFrame({ mask: true, payload: zwsPayload(rawReadyBody(), 0x02) }), message('one'), message('two'), bad.bytes()));
        await disconnectedWith(events, id, bad.code);
        assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED'], 'frames are handled in order: the handshake completed first');
        const first = await receive(server, 'the first message');
        const second = await receive(server, 'the second message');
        assert.deepEqual([first.data.toString(), second.data.toString()], ['one', 'two']);
        assert.equal(first.routingId, second.routingId);
        await assertStillWorks(setup);
      });
    }

    it('lets a message of exactly maxMessageSize through', async () => {
      const { server, endpoint } = await serverWithGoodPeer({ maxMessageSize: 1000 });
      const raw = await upgradedWsClient(endpoint);
      raw.send(Buffer.alloc(1000, 0x42));
      assert.equal((await receive(server)).data.length, 1000);
      assert.ok(!raw.isClosed);
    });

    it('ends only the core peer connection whose message is above maxMessageSize', async () => {
      const setup = await serverWithGoodPeer({ maxMessageSize: 1000 });
      const { server, events, endpoint } = setup;
      const big = peer({ reconnectInterval: -1 });
      const bigId = big.connectPeer(endpoint);
      await big.send(bigId, Buffer.alloc(1000, 0x43));
      const fits = await receive(server, 'a message of exactly maxMessageSize');
      assert.equal(fits.data.length, 1000);
      await big.send(bigId, Buffer.alloc(1001, 0x43));
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_MESSAGE_TOO_LARGE');
      assert.equal(disconnected.routingId, fits.routingId);
      await assert.rejects(server.send(fits.routingId, 'x'), { code: 'EHOSTUNREACH' });
      await assertStillWorks(setup);
    });

    it('fails a data message sent before READY with ERR_ZMTP_UNEXPECTED_COMMAND (0x10000001)', async () => {
      const setup = await serverWithGoodPeer();
      const { events, endpoint } = setup;
      const raw = await upgradedWsClient(endpoint, { ready: false });
      const id = await rawConnectionId(events);
      raw.send('too early');
      await disconnectedWith(events, id, 'ERR_ZMTP_UNEXPECTED_COMMAND');
      assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_FAILED_PROTOCOL', 'DISCONNECTED']);
      assert.equal(events.ofType('HANDSHAKE_FAILED_PROTOCOL').find((e) => e.connectionId === id)?.value, 0x10000001);
      await raw.waitClosed();
      await assertStillWorks(setup);
    });

    it('closes silently on a READY announcing Socket-Type DEALER', async () => {
      const setup = await serverWithGoodPeer();
      const { events, endpoint } = setup;
      const raw = await upgradedWsClient(endpoint, { ready: false });
      const id = await rawConnectionId(events);
      raw.sendReady('DEALER');
      await disconnectedWith(events, id, 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE');
      // libzmq reports no HANDSHAKE_FAILED_* for a Socket-Type mismatch.
      assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED']);
      await assertStillWorks(setup);
    });

    it('discards a multipart message whole and delivers the next single message', async () => {
      const { server, endpoint } = await serverWithGoodPeer();
      const raw = await upgradedWsClient(endpoint);
      raw.write(concat(wsFrame({ mask: true, payload: zwsPayload('A', 0x01) }), wsFrame({ mask: true, payload: zwsPayload('B') })));
      raw.send('C');
      assert.equal((await receive(server)).data.toString(), 'C');
      await delay(50);
      assert.deepEqual(server.receiveAvailable(), [], 'nothing else arrived');
      assert.ok(!raw.isClosed, 'multipart input is not an error');
    });

    it('echoes a close frame and reports a plain disconnect (a connection error, not a protocol one)', async () => {
      const setup = await serverWithGoodPeer();
      const { server, events, endpoint } = setup;
      const raw = await upgradedWsClient(endpoint);
      const id = await rawConnectionId(events);
      const ready = await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
      const closePayload = concat(Uint8Array.of(0x03, 0xe8), Buffer.from('bye'));
      raw.writeFrame({ opcode: WS_OPCODE.close, payload: closePayload });
      const echo = await raw.readWsFrame();
      assert.deepEqual([echo.opcode, echo.fin, echo.masked, echo.payload.toString('hex')], [WS_OPCODE.close, true, false, Buffer.from(closePayload).toString('hex')], 'the same close frame back, unmasked');
      await raw.waitClosed();
      const disconnected = await disconnectedWith(events, id, undefined);
      assert.equal(disconnected.routingId, ready.routingId);
      assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED'], 'no HANDSHAKE_FAILED_*');
      await assert.rejects(server.send(ready.routingId!, 'x'), { code: 'EHOSTUNREACH' });
      await assertStillWorks(setup);
    });

    // --- We are the client ---------------------------------------------------------------------

    it('answers a server’s close frame with a masked close, then reconnects keeping its routing id', async () => {
      const raw = await RawWsServer.listenHandshaking(transport);
      const client = peer({ reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 2);
      const first = await raw.ready(0);
      first.writeFrame({ opcode: WS_OPCODE.close, payload: Uint8Array.of(0x03, 0xe9) });
      const echo = await first.readWsFrame();
      assert.deepEqual([echo.opcode, echo.masked, echo.payload.toString('hex')], [WS_OPCODE.close, true, '03e9'], 'the same close frame back, masked by the client');
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error, undefined, 'a connection error carries no wire error');
      assert.equal(disconnected.routingId, id);
      await events.waitFor('CONNECT_RETRIED');
      assert.ok(!events.types().includes('HANDSHAKE_FAILED_PROTOCOL'));
      const second = await raw.ready(1);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 4);
      assert.deepEqual(client.routingIds, [id]);
      await client.send(id, 'again');
      const message = await second.readMessage();
      assert.equal(message.body.toString(), 'again');
    });

    it('ends its connect-side peer for good on a masked frame from the server (ERR_ZWS_MASKED_FRAME)', async () => {
      const raw = await RawWsServer.listenHandshaking(transport);
      const client = peer({ reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 2);
      (await raw.ready(0)).send('masked', 0, { mask: true });
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZWS_MASKED_FRAME');
      await delay(300);
      assert.equal(raw.connections.length, 1, 'a protocol error is not retried');
      await assert.rejects(client.send(id, 'x'), { code: 'EHOSTUNREACH' });
    });

    // --- Silent peers ----------------------------------------------------------------------------

    it('detects a silent TCP drop with heartbeats: a client that stops reading and never closes', async () => {
      const setup = await serverWithGoodPeer({ heartbeatInterval: 100, heartbeatTimeout: 200 });
      const { server, events, endpoint } = setup;
      const raw = await upgradedWsClient(endpoint);
      const id = await rawConnectionId(events);
      const ready = await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id, 3000, 2);
      // From now on the client reads nothing, answers nothing and keeps its socket open, while
      // the server goes on writing to it.
      raw.socket.pause();
      for (let i = 0; i < 16; i++) await server.send(ready.routingId!, Buffer.alloc(64 * 1024, i));
      const disconnected = await disconnectedWith(events, id, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      const after = disconnected.time - ready.time;
      // First ping at 100 ms, timeout 200 ms after it; generous above for a busy machine.
      assert.ok(after >= 250 && after < 3000, `dropped ${after} ms after the handshake`);
      assert.equal(disconnected.routingId, ready.routingId);
      await assertStillWorks(setup);
    });
  });
}

describe('PEER over wss: TLS failures', () => {
  expectNoUnhandled();
  const { peer } = usePeers('wss');


  /** A server bound on wss and ws, with a good ws peer connected and proven to work. */
  async function server(): Promise<{ server: Peer; events: EventLog; wss: string; ws: string }> {
    const socket = peer();
    const events = recordEvents(socket);
    const wss = await socket.bind(uniqueEndpoint('wss'));
    const ws = await socket.bind(uniqueEndpoint('ws'));
    return { server: socket, events, wss, ws };
  }

  for (const [what, bytes] of [
    ['speaks plain HTTP to the wss port', Buffer.from(upgradeRequest())],
    ['sends garbage instead of a TLS hello', garbage()],
  ] as const) {
    it(`ends a client that ${what} with ERR_ZWS_TLS on that connection only`, async () => {
      const { server: socket, events, wss } = await server();
      const good = peer();
      const goodId = good.connectPeer(wss);
      await good.send(goodId, 'before');
      const before = await receive(socket);
      const raw = await rawWsClient(wss, { plain: true });
      const accepted = await events.waitFor('ACCEPTED', undefined, 3000, 2);
      const id = accepted.connectionId!;
      raw.write(bytes);
      const disconnected = await events.waitFor('DISCONNECTED', (e) => e.connectionId === id);
      assert.equal(disconnected.error?.code, 'ERR_ZWS_TLS', disconnected.error?.message);
      // A TLS failure is a connection error during the handshake (protocol.md §3.9).
      assert.deepEqual(events.types(id), ['ACCEPTED', 'HANDSHAKE_FAILED_NO_DETAIL', 'DISCONNECTED']);
      assert.equal(events.ofType('HANDSHAKE_FAILED_NO_DETAIL').find((e) => e.connectionId === id)?.error?.code, 'ERR_ZWS_TLS');
      await raw.waitClosed();
      assert.ok(!raw.received.toString('latin1').startsWith('HTTP/1.1 101'));
      await good.send(goodId, 'after');
      assert.deepEqual(await receive(socket).then((m) => [m.routingId, m.data.toString()]), [before.routingId, 'after']);
      await socket.send(before.routingId, 'reply');
      assert.equal((await receive(good)).data.toString(), 'reply');
    });
  }

  for (const [what, options] of [
    ['no wssTrust (the system store does not know the test certificate)', { wssTrust: undefined }],
    ['the wrong wssHostname', { wssHostname: 'not-zeromq.test' }],
    ['a trust anchor that did not sign the server certificate', { wssTrust: rootCertificates[0] }],
  ] as const) {
    it(`keeps retrying a wss connect with ${what}: HANDSHAKE_FAILED_NO_DETAIL with ERR_ZWS_TLS`, async () => {
      const { server: socket, wss, ws } = await server();
      const client = peer({ ...options, reconnectInterval: 50 });
      const events = recordEvents(client);
      // The same socket reaches the server over ws too, and keeps doing so.
      const wsId = client.connectPeer(ws);
      await client.send(wsId, 'over ws');
      const overWs = await receive(socket);
      const id = client.connectPeer(wss);
      const isWss = (e: MonitorEvent): boolean => e.endpoint === wss;
      const failed = await events.waitFor('HANDSHAKE_FAILED_NO_DETAIL', isWss);
      assert.equal(failed.error?.code, 'ERR_ZWS_TLS', failed.error?.message);
      assert.equal(failed.routingId, id);
      // A connection error: retried, again and again, with the id kept.
      await events.waitFor('CONNECT_RETRIED', isWss, 3000, 3);
      const types = events.events.filter(isWss).map((e) => e.type);
      assert.ok(!types.includes('HANDSHAKE_FAILED_PROTOCOL') && !types.includes('HANDSHAKE_SUCCEEDED'), types.join(' '));
      assert.deepEqual(types.slice(0, 5), ['CONNECT_DELAYED', 'CONNECTED', 'HANDSHAKE_FAILED_NO_DETAIL', 'DISCONNECTED', 'CONNECT_RETRIED'] satisfies MonitorEventType[]);
      assert.deepEqual(client.routingIds.sort(), [wsId, id].sort());
      await client.send(id, 'queued while TLS fails');
      assert.equal(client.connections().find((c) => c.routingId === id)?.queuedOut, 1);
      await socket.send(overWs.routingId, 'still over ws');
      assert.deepEqual(await receive(client).then((m) => [m.routingId, m.data.toString()]), [wsId, 'still over ws']);
    });
  }

  it('connects with wssInsecureSkipVerify and no trust at all', async () => {
    const { server: socket, wss } = await server();
    const client = peer({ wssTrust: undefined, wssHostname: undefined, wssInsecureSkipVerify: true });
    const id = client.connectPeer(wss);
    await client.send(id, 'unverified');
    const message = await receive(socket);
    assert.equal(message.data.toString(), 'unverified');
    await socket.send(message.routingId, 'back');
    assert.deepEqual(await receive(client).then((m) => [m.routingId, m.data.toString()]), [id, 'back']);
  });
});
