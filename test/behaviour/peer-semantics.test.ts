/**
 * ZMQ_PEER semantics as libzmq 4.3.4 has them (protocol.md §1), run over every transport:
 * connectPeer ids, routing-id allocation, send errors, the never-drop rule, receiving, and the
 * bind-side id lifecycle. ws/wss add what a WebSocket endpoint changes (protocol.md §3.2, §3.3):
 * the path in lastEndpoint, a server that ignores the path, the upgrade request libzmq expects.
 * ipc adds what a bind does with a path that exists (a stale socket is taken over, anything else
 * is left alone).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context, Peer, type ReceivedMessage } from '../../core';
import { isWebSocket, tempDir, testTransports, unboundEndpoint, uniqueEndpoint } from '../support/endpoints';
import { recordEvents, usePeers, waitUntil, withTimeout } from '../support/peers';
import { LIBZMQ_OFFER, RawWsServer, wsTarget } from '../support/raw-ws';

/** The routing id libzmq gives after `id`: +1 modulo 2^32, skipping 0. */
const nextId = (id: number): number => (id + 1) >>> 0 || 1;

const isRoutingId = (id: unknown): boolean => typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= 0xffffffff;

function receive(socket: Peer, what = 'a message'): Promise<ReceivedMessage> {
  return withTimeout(socket.receive(), 3000, what);
}

for (const transport of testTransports('tcp', 'ipc', 'inproc', 'ws', 'wss')) {
  describe(`PEER over ${transport}`, () => {
    const { peer, bound: binder } = usePeers(transport);

    it('connectPeer returns a usable id at once, and the reply comes back under it (libzmq test_peer)', async () => {
      //  connector ──"hello"──► binder   (sent before any connection exists)
      //  connector ◄──"world"── binder   (addressed with the binder's own id for the connector)
      const { socket: server, endpoint } = await binder();
      const client = peer();
      const id = client.connectPeer(endpoint);
      assert.ok(isRoutingId(id), `connectPeer id ${id}`);
      assert.deepEqual(client.routingIds, [id], 'the id exists before any connection');
      await client.send(id, 'hello');

      const request = await receive(server);
      assert.equal(request.data.toString(), 'hello');
      assert.ok(isRoutingId(request.routingId), `bind-side id ${request.routingId}`);

      await server.send(request.routingId, 'world');
      const reply = await receive(client);
      assert.equal(reply.data.toString(), 'world');
      assert.equal(reply.routingId, id);
    });

    it('gives two connectors distinct bind-side ids, consecutive on the binder', async () => {
      const { socket: server, endpoint } = await binder();
      const a = peer();
      const b = peer();
      await a.send(a.connectPeer(endpoint), 'from a');
      const fromA = await receive(server);
      await b.send(b.connectPeer(endpoint), 'from b');
      const fromB = await receive(server);
      assert.equal(fromA.data.toString(), 'from a');
      assert.equal(fromB.data.toString(), 'from b');
      assert.notEqual(fromA.routingId, fromB.routingId);
      assert.equal(fromB.routingId, nextId(fromA.routingId), 'the binder adds 1 per attached pipe');

      await server.send(fromB.routingId, 'to b');
      await server.send(fromA.routingId, 'to a');
      assert.equal((await receive(b)).data.toString(), 'to b');
      assert.equal((await receive(a)).data.toString(), 'to a');
    });

    it('makes two connections with two ids when connectPeer is called twice with one endpoint', async () => {
      const { socket: server, endpoint } = await binder();
      const client = peer();
      const first = client.connectPeer(endpoint);
      const second = client.connectPeer(endpoint);
      assert.notEqual(first, second);
      assert.deepEqual(client.routingIds.sort(), [first, second].sort());
      await client.send(first, 'one');
      await client.send(second, 'two');
      const messages = [await receive(server), await receive(server)];
      const byText = new Map(messages.map((m) => [m.data.toString(), m.routingId]));
      assert.deepEqual([...byText.keys()].sort(), ['one', 'two']);
      assert.notEqual(byText.get('one'), byText.get('two'), 'the binder sees two peers');

      // Each bind-side id leads back to the connection it came from.
      await server.send(byText.get('two')!, 'back to two');
      const reply = await receive(client);
      assert.deepEqual([reply.routingId, reply.data.toString()], [second, 'back to two']);
    });

    it('allocates connect-side ids +1 per connectPeer, never 0', async () => {
      const endpoint = await unboundEndpoint(transport);
      const client = peer();
      const ids = Array.from({ length: 5 }, () => client.connectPeer(endpoint));
      for (const id of ids) assert.ok(isRoutingId(id), `id ${id}`);
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], nextId(ids[i - 1]), `ids ${ids.join(', ')}`);
      assert.equal(new Set(ids).size, ids.length);
    });

    it('rejects sends to an unknown id with EHOSTUNREACH', async () => {
      const { endpoint } = await binder();
      const client = peer();
      const id = client.connectPeer(endpoint);
      const unknown = nextId(nextId(id));
      await assert.rejects(client.send(unknown, 'x'), { code: 'EHOSTUNREACH', errno: 113 });
    });

    it('rejects sends to 0, a missing, negative or non-integer id with EHOSTUNREACH', async () => {
      const { endpoint } = await binder();
      const client = peer();
      client.connectPeer(endpoint);
      const bad: unknown[] = [0, undefined, null, -1, 1.5, NaN, Infinity, 2 ** 32, '1'];
      for (const id of bad) {
        await assert.rejects(client.send(id as number, 'x'), { code: 'EHOSTUNREACH' }, `id ${String(id)}`);
      }
    });

    it('rejects a multipart send with EINVAL, even to a live id, and sends nothing', async () => {
      const { socket: server, endpoint } = await binder({ receiveTimeout: 200 });
      const client = peer();
      const id = client.connectPeer(endpoint);
      await assert.rejects(client.send(id, 'part', { more: true }), { code: 'EINVAL' });
      await client.send(id, 'single');
      assert.equal((await receive(server)).data.toString(), 'single');
      await assert.rejects(server.receive(), { code: 'EAGAIN' }, 'the multipart part was never sent');
    });

    it('never drops: queues up to sendHighWaterMark with nobody bound, then EAGAIN, and delivers in order once bound', async () => {
      const endpoint = await unboundEndpoint(transport);
      const client = peer({ sendHighWaterMark: 5, sendTimeout: 0 });
      const id = client.connectPeer(endpoint);
      for (let i = 0; i < 5; i++) await client.send(id, `m${i}`);

      await assert.rejects(client.send(id, 'too many'), { code: 'EAGAIN' });
      client.setOption('sendTimeout', 100);
      const started = Date.now();
      await assert.rejects(client.send(id, 'too many again'), { code: 'EAGAIN' });
      const waited = Date.now() - started;
      assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms for sendTimeout 100`);

      const server = peer();
      await server.bind(endpoint);
      const received: string[] = [];
      for (let i = 0; i < 5; i++) received.push((await receive(server, `queued message ${i}`)).data.toString());
      assert.deepEqual(received, ['m0', 'm1', 'm2', 'm3', 'm4']);
      await client.send(id, 'after');
      assert.equal((await receive(server)).data.toString(), 'after', 'the refused messages were not queued');
    });

    it('rejects receive with EAGAIN after receiveTimeout', async () => {
      const { socket: server } = await binder({ receiveTimeout: 100 });
      const started = Date.now();
      await assert.rejects(server.receive(), { code: 'EAGAIN' });
      const waited = Date.now() - started;
      assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms for receiveTimeout 100`);
      server.setOption('receiveTimeout', 0);
      await assert.rejects(server.receive(), { code: 'EAGAIN' });
    });

    it('yields messages to for-await and ends the loop when the socket closes', async () => {
      const { socket: server, endpoint } = await binder();
      const client = peer();
      const id = client.connectPeer(endpoint);
      const seen: string[] = [];
      const loop = (async () => {
        for await (const message of server) seen.push(message.data.toString());
        return 'ended';
      })();
      for (const text of ['a', 'b', 'c']) await client.send(id, text);
      await waitUntil(() => seen.length === 3, 3000, 'three messages in the loop');
      await withTimeout(server.close(), 3000, 'server.close()');
      assert.equal(await withTimeout(loop, 2000, 'the loop to end'), 'ended');
      assert.deepEqual(seen, ['a', 'b', 'c']);
    });

    it('leaves the socket receiving when a for-await loop breaks, and a new loop goes on in order', async () => {
      const { socket: server, endpoint } = await binder();
      const client = peer();
      const id = client.connectPeer(endpoint);
      for (const text of ['a', 'b', 'c', 'd']) await client.send(id, text);
      const seen: string[] = [];
      for await (const message of server) {
        seen.push(message.data.toString());
        if (seen.length === 2) break;
      }
      for await (const message of server) {
        seen.push(message.data.toString());
        if (seen.length === 4) break;
      }
      assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
      await client.send(id, 'e');
      assert.equal((await receive(server)).data.toString(), 'e', 'the socket still receives after both loops ended');
    });

    it('throws EAGAIN out of a for-await loop after receiveTimeout, as receive() rejects', async () => {
      const { socket: server } = await binder({ receiveTimeout: 100 });
      const loop = (async () => {
        for await (const message of server) return message;
        return undefined;
      })();
      await assert.rejects(loop, { code: 'EAGAIN' });
    });

    it('delivers helloMessage first, before anything queued, in both directions', async () => {
      const { socket: server, endpoint } = await binder({ helloMessage: Buffer.from('hello from binder') });
      const client = peer({ helloMessage: Buffer.from('hello from connector') });
      const id = client.connectPeer(endpoint);
      await client.send(id, 'queued');
      const first = await receive(server);
      const second = await receive(server);
      assert.deepEqual([first.data.toString(), second.data.toString()], ['hello from connector', 'queued']);
      assert.equal(first.routingId, second.routingId);
      const hello = await receive(client);
      assert.deepEqual([hello.routingId, hello.data.toString()], [id, 'hello from binder']);
    });

    it('delivers disconnectMessage with the old id when a bind-side peer goes, then that id is unreachable', async () => {
      const { socket: server, endpoint } = await binder({ disconnectMessage: Buffer.from('gone') });
      const client = peer();
      await client.send(client.connectPeer(endpoint), 'hi');
      const hi = await receive(server);
      await withTimeout(client.close(), 3000, 'client.close()');
      const gone = await receive(server, 'the disconnect message');
      assert.deepEqual([gone.routingId, gone.data.toString()], [hi.routingId, 'gone']);
      await assert.rejects(server.send(hi.routingId, 'anyone?'), { code: 'EHOSTUNREACH' });
    });

    it('gives a peer that connects again a new bind-side id; the old one becomes unreachable', async () => {
      const { socket: server, endpoint } = await binder();
      const client = peer();
      const firstId = client.connectPeer(endpoint);
      await client.send(firstId, 'first');
      const first = await receive(server);

      client.disconnect(endpoint);
      await assert.rejects(client.send(firstId, 'x'), { code: 'EHOSTUNREACH' }, 'disconnect ends the connect-side id');
      await waitUntil(() => !server.routingIds.includes(first.routingId), 3000, 'the binder to drop the old peer');
      await assert.rejects(server.send(first.routingId, 'x'), { code: 'EHOSTUNREACH' });

      const secondId = client.connectPeer(endpoint);
      assert.notEqual(secondId, firstId);
      await client.send(secondId, 'second');
      const second = await receive(server);
      assert.equal(second.data.toString(), 'second');
      assert.notEqual(second.routingId, first.routingId);
      await assert.rejects(server.send(first.routingId, 'x'), { code: 'EHOSTUNREACH' });
      await server.send(second.routingId, 'ok');
      assert.equal((await receive(client)).routingId, secondId);
    });

    it('fails disconnect of an endpoint it is not connected to with ENOENT', () => {
      const client = peer();
      assert.throws(() => client.disconnect(uniqueEndpoint(transport).replace('*', '1')), { code: 'ENOENT' });
    });

    it('reports the bound endpoint in lastEndpoint, unbinds by it, and frees it', async () => {
      const server = peer();
      const given = uniqueEndpoint(transport);
      const endpoint = await server.bind(given);
      assert.equal(server.lastEndpoint, endpoint);
      if (transport === 'tcp' || isWebSocket(transport)) {
        // ws/wss: libzmq writes the path, '/' when none was given (protocol.md §3.2).
        const port = Number(new RegExp(`^${transport}://127\\.0\\.0\\.1:(\\d+)${transport === 'tcp' ? '' : '/'}$`).exec(endpoint)?.[1]);
        assert.ok(port > 0 && port < 65536, `lastEndpoint ${endpoint} names a real port`);
      } else {
        assert.equal(endpoint, given);
      }

      await server.unbind(server.lastEndpoint);
      assert.deepEqual(server.boundEndpoints, []);
      await assert.rejects(server.unbind(endpoint), { code: 'ENOENT' }, 'a second unbind');
      // The endpoint is free again: another socket can bind it.
      const other = peer();
      assert.equal(await other.bind(endpoint), endpoint);
    });

    it('fails unbind of an endpoint it never bound with ENOENT', async () => {
      const server = peer();
      await server.bind(uniqueEndpoint(transport));
      await assert.rejects(server.unbind(await unboundEndpoint(transport)), { code: 'ENOENT' });
    });
  });
}

for (const transport of testTransports('ws', 'wss')) {
  describe(`PEER over ${transport}: paths and the upgrade request`, () => {
    const { peer } = usePeers(transport);

    it('reports the bound path in lastEndpoint and serves any path on that port (the server ignores it)', async () => {
      const server = peer();
      const endpoint = await server.bind(uniqueEndpoint(transport, '/zmq'));
      const { port, path } = wsTarget(endpoint);
      assert.equal(endpoint, `${transport}://127.0.0.1:${port}/zmq`);
      assert.equal(path, '/zmq');
      const client = peer();
      const elsewhere = `${transport}://127.0.0.1:${port}/somewhere-else`;
      const id = client.connectPeer(elsewhere);
      assert.equal(client.lastEndpoint, `ws://127.0.0.1:${port}/somewhere-else`, 'libzmq reports a ws or wss connect as ws:// (protocol.md §3.2)');
      await client.send(id, 'via another path');
      const message = await withTimeout(server.receive(), 3000, 'a message');
      assert.equal(message.data.toString(), 'via another path');
    });

    it('sends the upgrade request a libzmq server accepts: GET path HTTP/1.1, the ZWS offer, a valid key', async () => {
      const raw = await RawWsServer.listen(transport);
      const client = peer();
      client.connectPeer(raw.endpoint.replace(/\/$/, '/a/b'));
      const connection = await raw.connection();
      const request = await connection.readHead();
      // libzmq 4.3.4 sends only the last path segment (protocol.md §3.2).
      assert.equal(request.startLine, 'GET /b HTTP/1.1');
      assert.equal(request.header('Upgrade')?.toLowerCase(), 'websocket');
      assert.equal(request.header('Connection')?.toLowerCase(), 'upgrade', 'libzmq 4.3.4 wants the whole value to be Upgrade');
      assert.deepEqual(request.all('Sec-WebSocket-Protocol'), [LIBZMQ_OFFER]);
      assert.equal(request.header('Sec-WebSocket-Version'), '13');
      const key = request.header('Sec-WebSocket-Key') ?? '';
      assert.equal(Buffer.from(key, 'base64').length, 16, `Sec-WebSocket-Key ${key}`);
      assert.match(request.header('Host') ?? '', /^127\.0\.0\.1(:\d+)?$/);
      assert.ok(request.raw.endsWith('\r\n\r\n') && !/[^\r]\n/.test(request.raw), 'CRLF line ends');
    });
  });
}

describe('PEER over ipc: wildcard bind', () => {
  const { peer } = usePeers();

  it('binds ipc://* to a real socket file and reads it back from lastEndpoint', async () => {
    const server = peer();
    const endpoint = await server.bind('ipc://*');
    assert.equal(server.lastEndpoint, endpoint);
    const path = /^ipc:\/\/(\/.+)$/.exec(endpoint)?.[1];
    assert.ok(path, `lastEndpoint ${endpoint} is a path`);
    assert.ok(statSync(path).isSocket(), `${path} is a socket`);

    const client = peer();
    await client.send(client.connectPeer(endpoint), 'via wildcard');
    assert.equal((await receive(server)).data.toString(), 'via wildcard');
    await server.unbind(endpoint);
    assert.throws(() => statSync(path), { code: 'ENOENT' }, 'unbind removes the socket file');
  });
});

describe('PEER over ipc: binding where a file already is', () => {
  const { peer } = usePeers();

  it('takes over the socket file a dead process left behind, as libzmq does', async () => {
    const path = join(tempDir(), 'stale.sock');
    // A process that dies without closing leaves its socket file (a clean close would unlink it).
    const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    assert.ok(lstatSync(path).isSocket(), 'a stale socket file is there');
    const server = peer();
    const endpoint = await server.bind(`ipc://${path}`);
    const client = peer();
    await client.send(client.connectPeer(endpoint), 'over the stale path');
    assert.equal((await receive(server)).data.toString(), 'over the stale path');
  });

  it('refuses with EADDRINUSE to bind over anything that is not a socket, and leaves it alone (libzmq would delete it)', async () => {
    const dir = tempDir();
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'precious');
    const link = join(dir, 'link.sock');
    symlinkSync(file, link);
    const server = peer();
    const events = recordEvents(server);
    for (const path of [file, link, dir]) {
      await assert.rejects(server.bind(`ipc://${path}`), { code: 'EADDRINUSE', address: `ipc://${path}` });
    }
    assert.equal(readFileSync(file, 'utf8'), 'precious');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.deepEqual(events.types(), ['BIND_FAILED', 'BIND_FAILED', 'BIND_FAILED']);
    assert.deepEqual(events.ofType('BIND_FAILED').map((e) => e.value), [98, 98, 98], 'EADDRINUSE');
  });
});

describe('PEER over inproc: names', () => {
  const { peer } = usePeers();

  it('connects before the bind exists and is linked when it appears', async () => {
    const endpoint = uniqueEndpoint('inproc');
    const client = peer();
    const id = client.connectPeer(endpoint);
    await client.send(id, 'early');
    const server = peer();
    await server.bind(endpoint);
    const message = await receive(server);
    assert.equal(message.data.toString(), 'early');
    await server.send(message.routingId, 'reply');
    assert.equal((await receive(client)).routingId, id);
  });

  it('fails a second bind of the same name with EADDRINUSE, on the same or another socket', async () => {
    const endpoint = uniqueEndpoint('inproc');
    const first = peer();
    await first.bind(endpoint);
    await assert.rejects(first.bind(endpoint), { code: 'EADDRINUSE' });
    await assert.rejects(peer().bind(endpoint), { code: 'EADDRINUSE' });
  });

  it('keeps each context’s names to itself', async () => {
    const other = new Context();
    try {
      const endpoint = uniqueEndpoint('inproc');
      const serverHere = peer({ receiveTimeout: 200 });
      const serverThere = new Peer({ linger: 0, context: other });
      await serverHere.bind(endpoint);
      await serverThere.bind(endpoint);
      const clientThere = new Peer({ linger: 0, context: other });
      await clientThere.send(clientThere.connectPeer(endpoint), 'for the other context');
      assert.equal((await receive(serverThere)).data.toString(), 'for the other context');
      await assert.rejects(serverHere.receive(), { code: 'EAGAIN' }, 'nothing crossed contexts');
    } finally {
      await withTimeout(other.term(), 5000, 'other.term()');
    }
  });
});
