import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, Server } from '../../core/index';
import type { ZmqPeerEvent, ZmqTrafficFrame } from '../../extension/api';
import { createPublicApi } from '../../extension/public-api';
import { ZmqSession } from '../../extension/session';

describe('the exported API', () => {
  const context = new Context();
  const session = new ZmqSession({ context, batchInterval: 10 });
  const opened: unknown[] = [];
  const api = createPublicApi(session, async (target) => {
    opened.push(target);
  });
  after(async () => {
    await session.dispose();
    await context.term();
  });

  it('is versioned', () => {
    assert.equal(api.apiVersion, 1);
    assert.ok(Object.isFrozen(api));
  });

  it('creates PEER sockets that the debugger shows, and round-trips messages', async () => {
    const server = api.createPeer({ label: 'api server' });
    const client = api.createPeer({ heartbeatInterval: 0 });
    assert.deepEqual(
      api.sockets().map((s) => s.label),
      ['api server', client.label],
    );
    assert.deepEqual(session.sockets().map((s) => s.socketId), [server.socketId, client.socketId]);

    const peerEvents: ZmqPeerEvent[] = [];
    const frames: ZmqTrafficFrame[] = [];
    const subscriptions = [client.onPeerEvent((e) => peerEvents.push(e)), api.onTraffic((f) => frames.push(...f))];

    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const routingId = client.connectPeer(endpoint);
    await client.send(routingId, 'hello');
    const message = await server.receive();
    assert.equal(Buffer.from(message.data).toString(), 'hello');
    await server.send(message.routingId, new Uint8Array([1, 2, 3]));
    const reply = await client.receive();
    assert.equal(reply.routingId, routingId);
    assert.deepEqual([...reply.data], [1, 2, 3]);
    assert.deepEqual(client.routingIds(), [routingId]);

    await new Promise((r) => setTimeout(r, 50));
    session.flush();
    assert.ok(peerEvents.some((e) => e.type === 'changed' && e.peer.routingId === routingId));
    assert.ok(peerEvents.every((e) => e.type === 'gone' || e.peer.socketId === client.socketId), 'a socket sees only its own peers');
    const data = frames.find((f) => f.kind === 'data' && f.socketId === client.socketId && f.direction === 'out');
    assert.ok(data);
    assert.equal(Buffer.from(data.data).toString(), 'hello');
    assert.ok(client.peers().some((p) => p.routingId === routingId));

    for (const s of subscriptions) s.dispose();
    await client.close();
    await server.close();
    assert.deepEqual(api.sockets(), []);
  });

  it('treats a connection whose handshake failed as gone (the debugger keeps it, the API does not list it)', async () => {
    const server = new Server({ context });
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const client = api.createPeer({ label: 'api to a SERVER' });
    const events: ZmqPeerEvent[] = [];
    const sub = client.onPeerEvent((e) => events.push(e));
    try {
      client.connectPeer(endpoint);
      const deadline = Date.now() + 5000;
      while (!session.peers(client.socketId).some((p) => p.ended) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const kept = session.peers(client.socketId).find((p) => p.ended);
      assert.ok(kept, 'the debugger keeps the failed connection');
      assert.deepEqual(client.peers(), []);
      session.flush();
      session.disconnectPeer(client.socketId, kept.connectionId);
      session.flush();
      assert.deepEqual(events.filter((e) => e.type === 'gone').map((e) => e.type === 'gone' && e.connectionId), [kept.connectionId], 'one gone, not two');
    } finally {
      sub.dispose();
      await client.close();
      await server.close();
    }
  });

  it('reports core errors with their code', () => {
    const peer = api.createPeer();
    assert.throws(() => peer.connectPeer('foo://bar'), { code: 'EPROTONOSUPPORT' });
  });

  it('opens the debugger through the extension', async () => {
    await api.openDebugger({ socketId: 'socket-1', routingId: 5 });
    assert.deepEqual(opened, [{ socketId: 'socket-1', routingId: 5 }]);
  });
});
