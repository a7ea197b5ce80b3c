/**
 * Heartbeats and the handshake timeout. tcp/ipc (protocol.md §2.4, §2.5): ZMTP 3.1 PING/PONG
 * between two core peers, a silent raw peer dropped after heartbeatTimeout or the TTL it
 * announced, PONG context echo, and handshakeInterval. ws/wss (protocol.md §3.7, §3.8): WebSocket
 * ping/pong control frames instead, the same timeout, and a handshake timer over the upgrade and
 * READY (libzmq has none on ws: a deliberate difference).
 * inproc has no wire and no heartbeats.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Peer, type ReceivedMessage } from '../../core';
import { ascii, concat } from '../support/hex';
import { testTransports, uniqueEndpoint } from '../support/endpoints';
import { delay, recordEvents, usePeers, withTimeout } from '../support/peers';
import { rawFrame, rawPing, rawZmtpClient, RawZmtpServer } from '../support/raw-zmtp';
import { rawWsClient, RawWsServer, upgradedWsClient, WS_OPCODE } from '../support/raw-ws';

function receive(socket: Peer, what = 'a message'): Promise<ReceivedMessage> {
  return withTimeout(socket.receive(), 3000, what);
}

for (const transport of testTransports('tcp', 'ipc')) {
  describe(`PEER over ${transport}: heartbeats and handshake timeout (tcp/ipc)`, () => {
    const { peer } = usePeers(transport);

    it('drops a peer that never answers PINGs after heartbeatTimeout', async () => {
      const server = peer({ heartbeatInterval: 100, heartbeatTimeout: 150 });
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await rawZmtpClient(endpoint);
      await raw.handshake();
      const ready = await events.waitFor('HANDSHAKE_SUCCEEDED');
      const disconnected = await events.waitFor('DISCONNECTED', undefined, 3000);
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      assert.equal(disconnected.connectionId, ready.connectionId);
      assert.equal(disconnected.routingId, ready.routingId);
      const after = disconnected.time - ready.time;
      // The first PING goes at 100 ms, the timeout runs 150 ms from there.
      assert.ok(after >= 220 && after < 2000, `dropped ${after} ms after the handshake`);
      await raw.waitClosed();
      const ping = await raw.readFrame();
      assert.deepEqual([ping.flags, ping.body.toString('hex')], [0x04, '0450494e470000'], 'PING with TTL 0 and no context');
      assert.deepEqual(server.routingIds, []);
    });

    it('reconnects a connect-side peer after a heartbeat timeout, keeping its id', async () => {
      const raw = await RawZmtpServer.listen(transport, (connection) => void connection.handshake().catch(() => {}));
      const client = peer({ heartbeatInterval: 50, heartbeatTimeout: 100, reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      assert.deepEqual(events.types().slice(0, 5), ['CONNECT_DELAYED', 'CONNECTED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED', 'CONNECT_RETRIED']);
      await raw.connection(1);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 2);
      assert.deepEqual(client.routingIds, [id]);
    });

    it('drops a peer after the TTL its PING announced when it then stays silent', async () => {
      const server = peer();
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await rawZmtpClient(endpoint);
      await raw.handshake();
      await events.waitFor('HANDSHAKE_SUCCEEDED');
      const sent = Date.now();
      raw.write(rawPing(1));
      const pong = await raw.readFrame();
      assert.deepEqual([pong.flags, pong.body.toString('hex')], [0x04, '04504f4e47'], 'an empty PONG');
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      const after = disconnected.time - sent;
      assert.ok(after >= 90 && after < 1500, `dropped ${after} ms after a PING with TTL 100 ms`);
      await raw.waitClosed();
    });

    it('echoes the PING context in the PONG, truncated to 16 bytes', async () => {
      const server = peer();
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await rawZmtpClient(endpoint);
      await raw.handshake();

      raw.write(rawPing(0, ascii('LOL')));
      const lol = await raw.readFrame();
      assert.equal(Buffer.from(rawFrame(lol.body, lol.flags)).toString('hex'), '0408' + '04504f4e47' + '4c4f4c');

      const long = Uint8Array.from({ length: 58 }, (_, i) => 0x41 + (i % 26));
      raw.write(rawPing(0, long));
      const truncated = await raw.readFrame();
      assert.equal(truncated.flags, 0x04);
      assert.deepEqual(truncated.body, Buffer.from(concat(Uint8Array.of(4), ascii('PONG'), long.subarray(0, 16))));

      // A TTL of 0 arms nothing: the connection stays and carries data.
      await delay(150);
      raw.write(rawFrame('after pings'));
      assert.equal((await receive(server)).data.toString(), 'after pings');
      assert.equal(events.ofType('DISCONNECTED').length, 0);
    });

    it('fails a handshake that does not finish within handshakeInterval', async () => {
      const server = peer({ handshakeInterval: 200 });
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await rawZmtpClient(endpoint);
      const accepted = await events.waitFor('ACCEPTED');
      const failed = await events.waitFor('HANDSHAKE_FAILED_NO_DETAIL');
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(failed.error?.code, 'ERR_ZMTP_HANDSHAKE_TIMEOUT');
      assert.deepEqual(events.types(accepted.connectionId), ['ACCEPTED', 'HANDSHAKE_FAILED_NO_DETAIL', 'DISCONNECTED']);
      const after = failed.time - accepted.time;
      assert.ok(after >= 180 && after < 2000, `failed ${after} ms after accept, handshakeInterval 200`);
      assert.ok(disconnected.time >= failed.time);
      await raw.waitClosed();
      assert.equal(raw.received.length, 64, 'the core sent its greeting and nothing else');
    });

    it('retries a connect-side handshake that timed out', async () => {
      const raw = await RawZmtpServer.listen(transport);
      const client = peer({ handshakeInterval: 200, reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      const failed = await events.waitFor('HANDSHAKE_FAILED_NO_DETAIL');
      assert.equal(failed.error?.code, 'ERR_ZMTP_HANDSHAKE_TIMEOUT');
      await events.waitFor('CONNECT_RETRIED');
      await raw.connection(1);
      assert.deepEqual(client.routingIds, [id]);
    });
  });
}

for (const transport of testTransports('ws', 'wss')) {
  describe(`PEER over ${transport}: WebSocket heartbeats and the handshake timer`, () => {
    const { peer } = usePeers(transport);

    it('drops a raw ws client that never answers pings after heartbeatTimeout', async () => {
      const server = peer({ heartbeatInterval: 100, heartbeatTimeout: 150 });
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await upgradedWsClient(endpoint);
      const ready = await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 2);
      const disconnected = await events.waitFor('DISCONNECTED', undefined, 3000);
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      assert.equal(disconnected.connectionId, ready.connectionId);
      assert.equal(disconnected.routingId, ready.routingId);
      assert.deepEqual(events.types(ready.connectionId), ['ACCEPTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED'], 'a timeout after the handshake is no handshake failure');
      const after = disconnected.time - ready.time;
      // The first ping goes at 100 ms, the timeout runs 150 ms from there.
      assert.ok(after >= 220 && after < 2000, `dropped ${after} ms after the handshake`);
      await raw.waitClosed();
      const ping = await raw.readWsFrame();
      assert.equal(ping.bytes.toString('hex'), '8900', 'an empty, unmasked WebSocket ping, as libzmq sends');
      assert.deepEqual(server.routingIds, []);
    });

    it('answers a WebSocket ping with an unmasked pong echoing its payload, and stays up', async () => {
      const server = peer();
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const raw = await upgradedWsClient(endpoint);
      raw.writeFrame({ opcode: WS_OPCODE.ping });
      assert.equal((await raw.readWsFrame()).bytes.toString('hex'), '8a00');
      raw.writeFrame({ opcode: WS_OPCODE.ping, payload: 'abc' });
      const pong = await raw.readWsFrame();
      // RFC 6455 §5.5.3 echo; libzmq answers with an empty pong, which no client checks.
      assert.deepEqual([pong.opcode, pong.fin, pong.masked, pong.payload.toString()], [WS_OPCODE.pong, true, false, 'abc']);
      raw.send('after pings');
      assert.equal((await receive(server)).data.toString(), 'after pings');
      assert.equal(events.ofType('DISCONNECTED').length, 0);
    });

    it('reconnects a connect-side peer after a heartbeat timeout, keeping its id', async () => {
      const raw = await RawWsServer.listenHandshaking(transport);
      const client = peer({ heartbeatInterval: 50, heartbeatTimeout: 100, reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT');
      assert.deepEqual(events.types().slice(0, 6), ['CONNECT_DELAYED', 'CONNECTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED', 'CONNECT_RETRIED']);
      const first = await raw.ready(0);
      const ping = await first.readWsFrame();
      assert.deepEqual([ping.opcode, ping.masked, ping.payload.length], [WS_OPCODE.ping, true, 0], 'a client masks its (empty) pings');
      await raw.ready(1);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 4);
      assert.deepEqual(client.routingIds, [id]);
    });

    it('bounds the upgrade and READY with handshakeInterval (libzmq arms no timer on ws)', async () => {
      const server = peer({ handshakeInterval: 300 });
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      // One client never sends its upgrade request, one upgrades and never sends READY, one
      // upgrades and sends READY late but within the interval.
      const silent = await rawWsClient(endpoint);
      const upgraded = await upgradedWsClient(endpoint, { ready: false });
      const late = await upgradedWsClient(endpoint, { ready: false });
      await delay(100);
      late.sendReady();
      // Two upgrades, then the late READY.
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, 3);
      await withTimeout(Promise.all([silent.waitClosed(), upgraded.waitClosed()]), 3000, 'both silent clients to be closed');
      const failures = events.ofType('HANDSHAKE_FAILED_NO_DETAIL');
      assert.equal(failures.length, 2);
      for (const failed of failures) {
        assert.equal(failed.error?.code, 'ERR_ZMTP_HANDSHAKE_TIMEOUT');
        assert.equal(failed.value, 110, 'ETIMEDOUT, as a tcp handshake timeout reports it');
        const accepted = events.ofType('ACCEPTED').find((e) => e.connectionId === failed.connectionId)!;
        const after = failed.time - accepted.time;
        assert.ok(after >= 280 && after < 2000, `failed ${after} ms after accept, handshakeInterval 300 from the TCP connection`);
      }
      assert.equal(events.ofType('DISCONNECTED').length, 2);
      assert.ok(!late.isClosed, 'the peer that finished in time stays');
      late.send('in time');
      assert.equal((await receive(server)).data.toString(), 'in time');
    });

    it('retries a connect-side upgrade that a server never answers within handshakeInterval', async () => {
      const raw = await RawWsServer.listen(transport);
      const client = peer({ handshakeInterval: 200, reconnectInterval: 50 });
      const events = recordEvents(client);
      const id = client.connectPeer(raw.endpoint);
      const failed = await events.waitFor('HANDSHAKE_FAILED_NO_DETAIL');
      assert.equal(failed.error?.code, 'ERR_ZMTP_HANDSHAKE_TIMEOUT');
      await events.waitFor('CONNECT_RETRIED');
      await raw.connection(1);
      assert.deepEqual(client.routingIds, [id], 'a timeout is retried, the id kept');
    });
  });
}

for (const transport of testTransports('tcp', 'ipc', 'ws', 'wss')) {
  describe(`PEER over ${transport}: heartbeats between two core peers (PING/PONG, WebSocket ping/pong over ws)`, () => {
    const { peer } = usePeers(transport);
    // ws/wss report HANDSHAKE_SUCCEEDED twice per connection (upgrade, then READY), as libzmq does.
    const handshakes = transport === 'ws' || transport === 'wss' ? 2 : 1;

    it('keeps two heartbeating peers connected, exchanging heartbeats both ways', async () => {
      const options = { heartbeatInterval: 50, heartbeatTimeout: 250 };
      const server = peer(options);
      const serverEvents = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer(options);
      const clientEvents = recordEvents(client);
      const id = client.connectPeer(endpoint);
      await clientEvents.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, handshakes);
      await delay(400);
      assert.equal(clientEvents.ofType('DISCONNECTED').length, 0, clientEvents.types().join(' '));
      assert.equal(serverEvents.ofType('DISCONNECTED').length, 0, serverEvents.types().join(' '));
      for (const socket of [client, server]) {
        const [info] = socket.connections();
        assert.equal(info.state, 'ACTIVE');
        assert.ok(info.lastPingSent !== undefined && info.lastPingReceived !== undefined && info.lastPongReceived !== undefined, JSON.stringify(info));
      }
      await client.send(id, 'still here');
      assert.equal((await receive(server)).data.toString(), 'still here');
    });

    it('answers heartbeats: a peer that heartbeats alone stays connected to a silent core peer', async () => {
      const server = peer();
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer({ heartbeatInterval: 50, heartbeatTimeout: 200 });
      const events = recordEvents(client);
      client.connectPeer(endpoint);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, handshakes);
      await delay(400);
      assert.equal(events.ofType('DISCONNECTED').length, 0, events.types().join(' '));
      assert.ok(client.connections()[0].lastPongReceived !== undefined);
    });
  });
}
