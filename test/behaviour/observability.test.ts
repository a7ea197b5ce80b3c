/**
 * What a debugger sees (protocol.md §6): monitor event sequences as libzmq 4.3.4 emits them,
 * connection snapshots moving through the handshake states with their counters, and the
 * traffic tap with every frame in both directions, at no cost while nobody listens. Over ws/wss
 * (protocol.md §3.7, §3.8, §6.4): TLS and HTTP upgrade states instead of the greeting,
 * HANDSHAKE_SUCCEEDED twice per connection as libzmq reports it, WebSocket pings in the tap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Peer, type ConnectionInfo, type ConnectionState, type FrameRecord, type MonitorEventType, type ReceivedMessage } from '../../core';
import { handshakeEventsPerConnection, isWebSocket, testTransports, unboundEndpoint, uniqueEndpoint, type TestTransport } from '../support/endpoints';
import { delay, recordEvents, usePeers, waitUntil, withTimeout } from '../support/peers';

function receive(socket: Peer, what = 'a message'): Promise<ReceivedMessage> {
  return withTimeout(socket.receive(), 3000, what);
}

/** The states a socket's 'connection' events went through, per connection id. */
function recordStates(socket: Peer): Map<number, ConnectionInfo[]> {
  const byId = new Map<number, ConnectionInfo[]>();
  socket.on('connection', (info) => {
    const list = byId.get(info.id) ?? [];
    list.push(info);
    byId.set(info.id, list);
  });
  return byId;
}

/** The handshake states a connection goes through after CONNECTING (protocol.md §6.4). */
function handshakeStates(transport: TestTransport): ConnectionState[] {
  switch (transport) {
    case 'ws':
      return ['HTTP_UPGRADE', 'READY_EXCHANGE', 'ACTIVE'];
    case 'wss':
      return ['TLS_HANDSHAKE', 'HTTP_UPGRADE', 'READY_EXCHANGE', 'ACTIVE'];
    default:
      return ['GREETING_SIGNATURE', 'GREETING_VERSION', 'GREETING_REST', 'READY_EXCHANGE', 'ACTIVE'];
  }
}

for (const transport of testTransports('tcp', 'ipc', 'ws', 'wss')) {
  describe(`observability over ${transport}: monitor events and states`, () => {
    const { peer } = usePeers(transport);
    /** HANDSHAKE_SUCCEEDED once per connection, twice over ws/wss (upgrade, then READY). */
    const succeededTypes: MonitorEventType[] = Array.from({ length: handshakeEventsPerConnection(transport) }, () => 'HANDSHAKE_SUCCEEDED');

    it(`reports CONNECT_DELAYED CONNECTED ${succeededTypes.join(' ')} on the connector, with endpoint, connection and routing id`, async () => {
      const server = peer();
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer();
      const events = recordEvents(client);
      const id = client.connectPeer(endpoint);
      await events.waitFor('HANDSHAKE_SUCCEEDED', undefined, 3000, succeededTypes.length);
      await delay(50);
      assert.deepEqual(events.types(), ['CONNECT_DELAYED', 'CONNECTED', ...succeededTypes]);
      const [delayed, connected] = events.events;
      const [info] = client.connections();
      assert.equal(delayed.value, 115, 'EINPROGRESS, as libzmq on Linux');
      for (const succeeded of events.ofType('HANDSHAKE_SUCCEEDED')) assert.equal(succeeded.value, 0);
      for (const event of events.events) {
        assert.equal(event.endpoint, endpoint, 'connect-side events name the remote endpoint');
        assert.equal(event.connectionId, info.id);
        // A connect-side connection has its routing id from connectPeer on.
        assert.equal(event.routingId, id, `${event.type} carries the routing id`);
        assert.ok(typeof event.time === 'number' && event.time > 0);
      }
      assert.equal(connected.value, info.id, 'CONNECTED carries the connection number in place of an fd');
    });

    it(`reports LISTENING, then ACCEPTED ${succeededTypes.join(' ')} … DISCONNECTED per connection on the binder`, async () => {
      const server = peer();
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer();
      await client.send(client.connectPeer(endpoint), 'hi');
      const message = await receive(server);
      await withTimeout(client.close(), 3000, 'client.close()');
      await events.waitFor('DISCONNECTED');
      const expected: MonitorEventType[] = ['LISTENING', 'ACCEPTED', ...succeededTypes, 'DISCONNECTED'];
      assert.deepEqual(events.types(), expected);
      const [listening, accepted] = events.events;
      const succeeded = events.ofType('HANDSHAKE_SUCCEEDED');
      const disconnected = events.ofType('DISCONNECTED')[0];
      for (const event of events.events) assert.equal(event.endpoint, endpoint, 'bind-side events name the local endpoint');
      assert.equal(listening.connectionId, undefined);
      assert.ok(accepted.connectionId !== undefined);
      for (const event of succeeded) assert.equal(event.connectionId, accepted.connectionId);
      assert.equal(disconnected.connectionId, accepted.connectionId);
      assert.equal(accepted.routingId, undefined, 'no bind-side id before the handshake');
      if (isWebSocket(transport)) assert.equal(succeeded[0].routingId, undefined, 'the upgrade completes before the bind side has an id');
      assert.equal(succeeded.at(-1)?.routingId, message.routingId);
      assert.equal(disconnected.routingId, message.routingId);

      await withTimeout(server.close(), 3000, 'server.close()');
      assert.deepEqual(events.types().slice(expected.length), ['CLOSED', 'MONITOR_STOPPED']);
    });

    it('reports CONNECT_DELAYED CLOSED CONNECT_RETRIED for a connect nobody answers', async () => {
      const client = peer({ reconnectInterval: 100 });
      const events = recordEvents(client);
      const endpoint = await unboundEndpoint(transport);
      const id = client.connectPeer(endpoint);
      await events.waitFor('CONNECT_RETRIED', undefined, 3000, 2);
      assert.deepEqual(events.types().slice(0, 6), ['CONNECT_DELAYED', 'CLOSED', 'CONNECT_RETRIED', 'CONNECT_DELAYED', 'CLOSED', 'CONNECT_RETRIED']);
      const [info] = client.connections();
      for (const event of events.events) {
        assert.equal(event.endpoint, endpoint);
        assert.equal(event.connectionId, info.id);
        assert.equal(event.routingId, id, `${event.type} carries the routing id`);
      }
      assert.equal(info.state, 'WAIT_RECONNECT');
      assert.ok(info.reconnects >= 2);
    });

    it(`moves connections through ${handshakeStates(transport).join(', ')}, with what the peer announced`, async () => {
      const server = peer();
      const serverStates = recordStates(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer();
      const clientStates = recordStates(client);
      const id = client.connectPeer(endpoint);
      await client.send(id, 'hi');
      const message = await receive(server);

      const handshake = handshakeStates(transport);
      const [clientSeq] = [...clientStates.values()];
      assert.deepEqual(
        clientSeq.map((i) => i.state),
        ['CONNECTING', ...handshake],
      );
      const [serverSeq] = [...serverStates.values()];
      assert.deepEqual(
        serverSeq.map((i) => i.state),
        handshake,
      );
      // Before ACTIVE a bind-side connection has no routing id; a connect-side one always has.
      assert.ok(serverSeq.slice(0, -1).every((i) => i.routingId === undefined));
      assert.ok(clientSeq.every((i) => i.routingId === id));

      const [clientInfo] = client.connections();
      const [serverInfo] = server.connections();
      for (const [info, role, routingId] of [
        [clientInfo, 'connect', id],
        [serverInfo, 'bind', message.routingId],
      ] as const) {
        assert.equal(info.state, 'ACTIVE');
        assert.equal(info.role, role);
        assert.equal(info.transport, transport);
        assert.equal(info.endpoint, endpoint);
        assert.equal(info.routingId, routingId);
        assert.equal(info.zmtpVersion, isWebSocket(transport) ? 'ZWS2.0' : '3.1');
        assert.equal(info.mechanism, 'NULL');
        assert.deepEqual(info.peerProperties, { 'Socket-Type': 'PEER' });
        assert.equal(info.readySent, true);
        assert.equal(info.readyReceived, true);
        if (transport !== 'ipc') {
          assert.match(info.localAddress ?? '', /^127\.0\.0\.1:\d+$/);
          assert.match(info.remoteAddress ?? '', /^127\.0\.0\.1:\d+$/);
        } else {
          // A Unix socket has one address, the path: the connector's remote, the binder's local.
          assert.equal(role === 'connect' ? info.remoteAddress : info.localAddress, endpoint);
        }
      }
      // The snapshot is a copy: changing it changes nothing inside.
      (clientInfo.peerProperties as Record<string, string>)['Socket-Type'] = 'changed';
      assert.equal(client.connections()[0].peerProperties['Socket-Type'], 'PEER');

      await withTimeout(client.close(), 3000, 'client.close()');
      await waitUntil(() => serverSeq.at(-1)?.state === 'DISCONNECTED', 3000, 'the binder to see the disconnect');
      assert.deepEqual(server.connections(), []);
    });
  });
}

for (const transport of testTransports('tcp', 'ipc', 'inproc', 'ws', 'wss')) {
  describe(`observability over ${transport}: counters`, () => {
    const { peer } = usePeers(transport);

    it('counts messages and bytes in and out, and what waits in the queues', async () => {
      const server = peer();
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer();
      const id = client.connectPeer(endpoint);
      for (const text of ['a', 'bb', 'ccc']) await client.send(id, text);
      await waitUntil(() => server.connections()[0]?.queuedIn === 3, 3000, 'three messages waiting at the binder');
      const first = await receive(server);
      await receive(server);
      await receive(server);
      await server.send(first.routingId, 'dddd');
      await receive(client);

      const [c] = client.connections();
      const [s] = server.connections();
      assert.deepEqual(
        { messagesOut: c.messagesOut, bytesOut: c.bytesOut, messagesIn: c.messagesIn, bytesIn: c.bytesIn, queuedIn: c.queuedIn, queuedOut: c.queuedOut },
        { messagesOut: 3, bytesOut: 6, messagesIn: 1, bytesIn: 4, queuedIn: 0, queuedOut: 0 },
      );
      assert.deepEqual(
        { messagesOut: s.messagesOut, bytesOut: s.bytesOut, messagesIn: s.messagesIn, bytesIn: s.bytesIn, queuedIn: s.queuedIn, queuedOut: s.queuedOut },
        { messagesOut: 1, bytesOut: 4, messagesIn: 3, bytesIn: 6, queuedIn: 0, queuedOut: 0 },
      );
    });

    it('shows messages queued for a peer that is not there yet', async () => {
      const client = peer();
      const id = client.connectPeer(await unboundEndpoint(transport));
      await client.send(id, 'one');
      await client.send(id, 'two');
      const [info] = client.connections();
      assert.equal(info.queuedOut, 2);
      assert.equal(info.routingId, id);
      assert.equal(info.role, 'connect');
    });
  });
}

for (const transport of testTransports('tcp', 'ipc', 'ws', 'wss')) {
  describe(`observability over ${transport}: traffic tap`, () => {
    const { peer } = usePeers(transport);
    const ws = isWebSocket(transport);
    /** Heartbeats: ZMTP PING/PONG commands, or WebSocket ping/pong control frames over ws/wss. */
    const [pingKind, pongKind]: Array<FrameRecord['kind']> = ws ? ['ws-ping', 'ws-pong'] : ['PING', 'PONG'];

    it(`shows ${ws ? '' : 'greeting, '}READY, data, ${pingKind} and ${pongKind} in both directions with sizes and bodies`, async () => {
      const server = peer({ heartbeatInterval: 30, heartbeatTimeout: 1000 });
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer({ heartbeatInterval: 30, heartbeatTimeout: 1000 });
      const frames: FrameRecord[] = [];
      // Bodies are views, valid only during the call: keep copies.
      client.on('frame', (record) => frames.push({ ...record, body: Uint8Array.from(record.body) }));
      assert.equal(client.tapping, true);
      const id = client.connectPeer(endpoint);
      await client.send(id, 'hello');
      const hello = await receive(server);
      await server.send(hello.routingId, 'world!');
      await receive(client);
      const has = (direction: 'in' | 'out', kind: FrameRecord['kind']): boolean => frames.some((f) => f.direction === direction && f.kind === kind);
      await waitUntil(() => has('in', pingKind) && has('in', pongKind) && has('out', pingKind) && has('out', pongKind), 3000, `${pingKind} and ${pongKind} both ways`);

      const [info] = client.connections();
      for (const record of frames) {
        assert.equal(record.connectionId, info.id);
        assert.equal(record.size, record.body.length);
        assert.equal(record.more, false);
        assert.ok(record.time > 0);
      }
      const find = (direction: 'in' | 'out', kind: FrameRecord['kind']): FrameRecord => {
        const record = frames.find((f) => f.direction === direction && f.kind === kind);
        assert.ok(record, `a ${direction} ${kind} record`);
        return record;
      };
      for (const direction of ['out', 'in'] as const) {
        if (!ws) {
          const greeting = find(direction, 'greeting');
          assert.equal(greeting.size, 64, `${direction} greeting size`);
          assert.deepEqual([greeting.body[0], greeting.body[9], greeting.body[10], greeting.body[11]], [0xff, 0x7f, 3, 1]);
          assert.equal(Buffer.from(greeting.body.subarray(12, 16)).toString(), 'NULL');
        }
        // Over ws the READY body is the same command body, without the ZWS flags byte.
        const ready = find(direction, 'READY');
        assert.equal(ready.size, 26);
        assert.equal(Buffer.from(ready.body).toString('latin1'), '\x05READY\x0bSocket-Type\x00\x00\x00\x04PEER');
      }
      const out = find('out', 'data');
      assert.deepEqual([out.size, Buffer.from(out.body).toString(), out.routingId], [5, 'hello', id]);
      const inbound = find('in', 'data');
      assert.deepEqual([inbound.size, Buffer.from(inbound.body).toString(), inbound.routingId], [6, 'world!', id]);
      if (ws) {
        // WebSocket pings carry nothing (libzmq sends `89 00`), and pongs echo that nothing.
        for (const direction of ['out', 'in'] as const) {
          assert.equal(find(direction, 'ws-ping').size, 0);
          assert.equal(find(direction, 'ws-pong').size, 0);
        }
        assert.ok(!has('in', 'greeting') && !has('out', 'greeting'), 'no ZMTP greeting over ws');
        assert.ok(!frames.some((f) => f.kind === 'PING' || f.kind === 'PONG'), 'no ZMTP PING/PONG commands over ws');
      } else {
        assert.equal(Buffer.from(find('out', 'PING').body).toString('hex'), '0450494e470000');
        assert.equal(Buffer.from(find('in', 'PING').body).toString('hex'), '0450494e470000');
        assert.equal(Buffer.from(find('out', 'PONG').body).toString('hex'), '04504f4e47');
        assert.equal(Buffer.from(find('in', 'PONG').body).toString('hex'), '04504f4e47');
      }

      // Handshake first: each side's greeting (not over ws), then READY, then traffic.
      const order = frames.map((f) => `${f.direction} ${f.kind}`);
      const readyAt = ws ? 0 : 2;
      if (!ws) assert.deepEqual(order.slice(0, 2).sort(), ['in greeting', 'out greeting']);
      assert.deepEqual(order.slice(readyAt, readyAt + 2).sort(), ['in READY', 'out READY']);
    });

    it('builds no frame records while nobody listens', async () => {
      const server = peer();
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const client = peer();
      assert.equal(client.tapping, false);
      let tapped = 0;
      const tap = client.tap.bind(client);
      client.tap = (record) => {
        tapped++;
        tap(record);
      };
      const listener = (): void => {};
      client.on('frame', listener);
      assert.equal(client.tapping, true);
      client.off('frame', listener);
      assert.equal(client.tapping, false);

      const id = client.connectPeer(endpoint);
      for (let i = 0; i < 3; i++) await client.send(id, `m${i}`);
      let last: ReceivedMessage | undefined;
      for (let i = 0; i < 3; i++) last = await receive(server);
      await server.send(last!.routingId, 'back');
      await receive(client);
      await delay(20);
      assert.equal(tapped, 0, 'the engine made no records');

      // And it starts again as soon as someone listens.
      const seen: FrameRecord[] = [];
      client.on('frame', (record) => seen.push(record));
      await client.send(id, 'tapped');
      await receive(server);
      assert.equal(tapped, 1);
      assert.deepEqual([seen.length, seen[0].kind, seen[0].direction], [1, 'data', 'out']);
    });
  });
}
