/**
 * Self-test of the libzmq helper and its wrapper: two real libzmq 4.3.4 PEER
 * sockets (draft API) talking to each other over tcp and ws, plus error
 * reporting and the standalone echo server. If these fail, the interop tests
 * against libzmq cannot be trusted.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LibzmqEchoServer, LibzmqError, LibzmqSocket, libzmqHelperPath } from '../support/libzmq.js';

const open: Array<{ close(): Promise<void> }> = [];
function keep<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}

after(async () => {
  await Promise.all(open.map((x) => x.close()));
});

describe('libzmq helper', () => {
  it('is built (npm run libzmq)', () => {
    assert.ok(libzmqHelperPath());
  });

  it('reports libzmq 4.3.4', async () => {
    const s = keep(await LibzmqSocket.start('PEER'));
    assert.equal(await s.version(), '4.3.4');
    assert.equal(await s.getIntOption('ZMQ_TYPE'), 19);
    assert.equal(await s.getIntOption('THREAD_SAFE'), 1);
    await s.close();
  });

  for (const transport of ['tcp', 'ws'] as const) {
    it(`PEER <-> PEER round trip over ${transport} with monitor events`, async () => {
      const binder = keep(await LibzmqSocket.start('PEER', { monitor: true, options: { ZMQ_LINGER: 0 } }));
      const endpoint = await binder.bind(`${transport}://127.0.0.1:*`);
      assert.match(endpoint, new RegExp(`^${transport}://127\\.0\\.0\\.1:\\d+`));
      await binder.waitForEvent('LISTENING');

      const connector = keep(await LibzmqSocket.start('PEER', { monitor: true, options: { ZMQ_LINGER: 0 } }));
      const id = await connector.connectPeer(endpoint);
      assert.ok(id > 0, `connect_peer returned ${id}`);

      // Queued in the connect-side pipe until the handshake completes.
      assert.equal(await connector.send(id, 'hello'), 5);
      const got = await binder.receive(5000);
      assert.equal(got.data.toString(), 'hello');
      assert.notEqual(got.routingId, 0);
      assert.equal(got.more, false);

      assert.equal(await binder.send(got.routingId, Buffer.from([0, 1, 2, 255])), 4);
      const reply = await connector.receive(5000);
      assert.equal(reply.routingId, id);
      assert.deepEqual([...reply.data], [0, 1, 2, 255]);

      // Empty message.
      await connector.send(id, '');
      const empty = await binder.receive(5000);
      assert.equal(empty.data.length, 0);
      assert.equal(empty.routingId, got.routingId);

      await binder.waitForEvent('ACCEPTED');
      await binder.waitForEvent('HANDSHAKE_SUCCEEDED');
      await connector.waitForEvent('CONNECTED');
      await connector.waitForEvent('HANDSHAKE_SUCCEEDED');
      const names = binder.events.map((e) => e.name);
      assert.ok(names.indexOf('LISTENING') < names.indexOf('ACCEPTED'));
      assert.ok(names.indexOf('ACCEPTED') < names.indexOf('HANDSHAKE_SUCCEEDED'));
      if (transport === 'ws') {
        // 4.3.4 reports HANDSHAKE_SUCCEEDED twice on ws (upgrade + ZMTP READY).
        assert.equal(binder.eventsNamed('HANDSHAKE_SUCCEEDED').length, 2);
      }

      // The connector goes away: the binder sees DISCONNECTED.
      const mark = binder.events.length;
      await connector.close();
      await binder.waitForEvent('DISCONNECTED', 5000, undefined, mark);
      await binder.close();
      assert.deepEqual(await binder.exited, { code: 0, signal: null });
    });
  }

  it('reports libzmq errors with errno names', async () => {
    const a = keep(await LibzmqSocket.start('PEER', { options: { LINGER: 0 } }));
    const ep = await a.bind('tcp://127.0.0.1:*');
    const b = keep(await LibzmqSocket.start('PEER', { options: { LINGER: 0 } }));

    await assert.rejects(b.bind(ep), (e: unknown) => e instanceof LibzmqError && e.code === 'EADDRINUSE' && e.errno === 98);
    await assert.rejects(b.bind('tcp://no-such-host.invalid:1'), { code: 'ENODEV', errno: 19 });
    await assert.rejects(b.bind('udp://127.0.0.1:5555'), { code: 'ENOCOMPATPROTO' });
    await assert.rejects(b.connect('nonsense'), { code: 'EINVAL' });
    await assert.rejects(b.send(12345, 'x'), { code: 'EHOSTUNREACH' });
    await assert.rejects(b.send(12345, 'x', { more: true }), { code: 'EINVAL' });
    await assert.rejects(b.receive(50), { code: 'EAGAIN', errno: 11 });
    await assert.rejects(b.disconnect('tcp://127.0.0.1:1'), { code: 'ENOENT' });
    await b.setOption('IMMEDIATE', 1);
    await assert.rejects(b.connectPeer(ep), { code: 'EFAULT' });
    await assert.rejects(b.command('frobnicate'), { code: 'EBADCMD' });

    // connect_peer returns an id before any connection exists (deferred resolution).
    const c = keep(await LibzmqSocket.start('PEER', { options: { LINGER: 0 } }));
    assert.ok((await c.connectPeer('tcp://no-such-host.invalid:5555')) > 0);

    const d = keep(await LibzmqSocket.start('DEALER'));
    await assert.rejects(d.connectPeer(ep), { code: 'ENOTSUP' });
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
  });

  it('HELLO_MSG arrives first; DISCONNECT_MSG is injected on the bind side', async () => {
    const binder = keep(
      await LibzmqSocket.start('PEER', { options: { LINGER: 0, DISCONNECT_MSG: 'bye' } }),
    );
    const ep = await binder.bind('tcp://127.0.0.1:*');
    const connector = keep(await LibzmqSocket.start('PEER', { options: { LINGER: 0, HELLO_MSG: 'hi' } }));
    await connector.connectPeer(ep);
    const hello = await binder.receive(5000);
    assert.equal(hello.data.toString(), 'hi');
    await connector.close();
    const bye = await binder.receive(5000);
    assert.equal(bye.data.toString(), 'bye');
    assert.equal(bye.routingId, hello.routingId);
    await binder.close();
  });

  it('echo mode and the standalone echo server', async () => {
    const server = keep(await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*', { verbose: true }));
    assert.match(server.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);

    const client = keep(await LibzmqSocket.start('PEER', { monitor: true, options: { LINGER: 0 } }));
    const id = await client.connectPeer(server.endpoint);
    for (const text of ['one', 'two', 'three']) await client.send(id, text);
    for (const text of ['one', 'two', 'three']) {
      const m = await client.receive(5000);
      assert.equal(m.routingId, id);
      assert.equal(m.data.toString(), text);
    }
    await server.waitForEvent('HANDSHAKE_SUCCEEDED');
    assert.equal(server.echoLog.length, 3);

    // In-process echo mode of a command-driven helper.
    const echoer = keep(await LibzmqSocket.start('PEER', { options: { LINGER: 0 } }));
    const ep2 = await echoer.bind('tcp://127.0.0.1:*');
    await echoer.echo({ verbose: true });
    const id2 = await client.connectPeer(ep2);
    await client.send(id2, 'ping');
    const back = await client.receive(5000);
    assert.equal(back.routingId, id2);
    assert.equal(back.data.toString(), 'ping');
    await echoer.stopEcho();
    assert.deepEqual(echoer.echoLog.map((l) => l.split(' ')[0]), ['echoed']);

    await server.close();
    assert.equal((await server.exited).code, 0);
    await Promise.all([client.close(), echoer.close()]);
  });

  it('kill() ends the helper; commands then fail clearly', async () => {
    const s = await LibzmqSocket.start('PEER');
    s.kill();
    const { signal } = await s.exited;
    assert.equal(signal, 'SIGKILL');
    await assert.rejects(s.bind('tcp://127.0.0.1:*'), /libzmq helper exited/);
    await s.close();
  });
});
