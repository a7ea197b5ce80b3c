/**
 * Interop scenarios 5 and 6 (protocol.md §5.7, §1.7) against real libzmq 4.3.4, over tcp and ipc:
 *   5. a connect-side routing id survives the binder going away and coming back on the same
 *      endpoint (same port / same path); the new binder gives the connection a new id;
 *   6. a bind-side routing id ends with its connection: libzmq reports EAGAIN until the
 *      application calls recv, then EHOSTUNREACH, and injects ZMQ_DISCONNECT_MSG with the old id;
 *      our binder reports EHOSTUNREACH at once (a documented difference) and injects
 *      disconnectMessage likewise.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LibzmqError, LibzmqSocket } from '../support/libzmq';
import {
  restartedBinderKeepsOurId,
  HandshakeLedger,
  interopTest,
  itReportsNoHandshakeFailures,
  TRANSPORTS,
  connectPair,
  eventually,
  libEventNames,
  receiveWithin,
  sleep,
} from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/**
 * The error of libzmq's first refused dontwait send to `id`. libzmq reports DISCONNECTED a moment
 * before the session starts ending the pipe, and a send in that moment is accepted (and lost), so
 * this retries until one is refused.
 */
async function firstRefusal(lib: LibzmqSocket, id: number): Promise<{ code: string; errno: number }> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const refused = await lib.send(id, 'to the dead', { dontWait: true }).then(
      () => undefined,
      (err: LibzmqError) => ({ code: err.code, errno: err.errno }),
    );
    if (refused !== undefined) return refused;
    assert.ok(Date.now() < deadline, 'libzmq kept accepting sends to a dead peer');
    await sleep(5);
  }
}

describe('interop 5: reconnect keeps the connect-side id', () => {
  for (const transport of TRANSPORTS) {
    interop(`${transport}, ours-connects: libzmq binder killed and restarted on the same endpoint; our id keeps working`, (h) => restartedBinderKeepsOurId(h, transport));

    for (const how of ['a new socket binds', 'the same socket unbinds and binds again'] as const) {
      interop(`${transport}, libzmq-connects: our binder goes away and ${how}; libzmq's connect id keeps working`, async (h) => {
        const pair = await connectPair(h, transport, 'libzmq-connects');
        const { lib, endpoint, libId } = pair;
        const mark = lib.events.length;
        let ours = pair.ours;
        if (how === 'a new socket binds') await ours.close();
        else await ours.unbind(endpoint);
        await lib.waitForEvent('DISCONNECTED', 5000, undefined, mark);
        await lib.waitForEvent('CONNECT_RETRIED', 5000, undefined, mark);
        assert.equal(await lib.send(libId, 'during the outage'), 17, 'libzmq queues on its connect-side id');

        if (how === 'a new socket binds') ours = h.peer();
        assert.equal(await ours.bind(endpoint), endpoint, 'the same port / path again');
        await lib.send(libId, 'after the rebind');
        const first = await receiveWithin(ours);
        const second = await receiveWithin(ours);
        assert.deepEqual([first.data.toString(), second.data.toString()], ['during the outage', 'after the rebind']);
        assert.equal(second.routingId, first.routingId);
        if (how === 'the same socket unbinds and binds again') {
          assert.notEqual(first.routingId, pair.ourId, 'a reconnecting peer gets a new bind-side id');
          await assert.rejects(ours.send(pair.ourId, 'x'), { code: 'EHOSTUNREACH' });
        }
        assert.deepEqual(ours.routingIds, [first.routingId]);
        await ours.send(first.routingId, 'welcome back');
        const reply = await lib.receive(5000);
        assert.deepEqual([reply.routingId, reply.data.toString()], [libId, 'welcome back']);

        const names = libEventNames(lib, mark);
        assert.ok(names.indexOf('DISCONNECTED') < names.indexOf('CONNECTED'), names.join(' '));
        assert.ok(names.indexOf('CONNECTED') < names.indexOf('HANDSHAKE_SUCCEEDED'), names.join(' '));
      });
    }
  }
});

describe('interop 6: the bind-side id ends with its connection', () => {
  for (const transport of TRANSPORTS) {
    interop(`${transport}, ours-connects: we close; libzmq's send gives EAGAIN, then EHOSTUNREACH after a recv`, async (h) => {
      const { ours, lib, ourId, libId } = await connectPair(h, transport, 'ours-connects');
      // A message libzmq has not read yet keeps its dead pipe alive: libzmq removes a bind-side
      // pipe only once the application reads up to its end. Polling counts as reading (ZMQ_EVENTS
      // looks ahead), and the helper polls whenever it is idle, so without this message the
      // EAGAIN window would close before a test could observe it.
      await ours.send(ourId, 'unread');
      await eventually(() => ours.connections()[0].queuedOut === 0, 'our message to be written');
      await sleep(50);
      const mark = lib.events.length;
      await ours.close();
      await lib.waitForEvent('DISCONNECTED', 5000, undefined, mark);
      assert.deepEqual(await firstRefusal(lib, libId), { code: 'EAGAIN', errno: 11 });
      const unread = await lib.receive(1000);
      assert.deepEqual([unread.routingId, unread.data.toString()], [libId, 'unread']);
      // A recv that returns a message stops before the pipe's end; the next one reads it.
      await assert.rejects(lib.receive(100), { code: 'EAGAIN' }, 'no DISCONNECT_MSG set, nothing injected');
      await assert.rejects(lib.send(libId, 'to the dead', { dontWait: true }), { code: 'EHOSTUNREACH', errno: 113 });
    });

    interop(`${transport}, ours-connects: we disconnect; libzmq's DISCONNECT_MSG arrives with the old id`, async (h) => {
      const { ours, lib, endpoint, ourId, libId } = await connectPair(h, transport, 'ours-connects', { lib: { options: { DISCONNECT_MSG: 'bye' } } });
      const mark = lib.events.length;
      ours.disconnect(endpoint);
      // Our connect-side id ends with the endpoint.
      assert.deepEqual(ours.routingIds, []);
      await assert.rejects(ours.send(ourId, 'x'), { code: 'EHOSTUNREACH' });
      assert.throws(() => ours.disconnect(endpoint), { code: 'ENOENT' });
      await lib.waitForEvent('DISCONNECTED', 5000, undefined, mark);
      // The injected message sits in the dead pipe ahead of its end, so the pipe is still there.
      assert.deepEqual(await firstRefusal(lib, libId), { code: 'EAGAIN', errno: 11 });
      const bye = await lib.receive(5000);
      assert.deepEqual([bye.routingId, bye.data.toString()], [libId, 'bye']);
      await assert.rejects(lib.receive(100), { code: 'EAGAIN' }, 'one DISCONNECT_MSG only');
      await assert.rejects(lib.send(libId, 'to the dead', { dontWait: true }), { code: 'EHOSTUNREACH' });
    });

    interop(`${transport}, libzmq-connects: libzmq closes; our send gives EHOSTUNREACH at once, nothing is injected`, async (h) => {
      const { ours, lib, ourId, ourEvents } = await connectPair(h, transport, 'libzmq-connects');
      const mark = ourEvents.list.length;
      await lib.close();
      const lost = await ourEvents.wait('DISCONNECTED', 5000, undefined, mark);
      assert.equal(lost.routingId, ourId);
      // Unlike libzmq (EAGAIN until a recv), the core ends a dead bind-side id at once.
      await assert.rejects(ours.send(ourId, 'to the dead'), { code: 'EHOSTUNREACH', errno: 113 });
      assert.deepEqual(ours.routingIds, []);
      await assert.rejects(receiveWithin(ours, 150), { code: 'EAGAIN' }, 'no disconnectMessage set, nothing injected');
    });

    interop(`${transport}, libzmq-connects: libzmq is killed; our disconnectMessage follows its last message, with the old id`, async (h) => {
      const { ours, lib, libId, ourId, ourEvents } = await connectPair(h, transport, 'libzmq-connects', { ours: { disconnectMessage: 'bye' } });
      await lib.send(libId, 'last words');
      await eventually(() => ours.connections()[0]?.queuedIn === 1, 'the last message to be queued on our side');
      const mark = ourEvents.list.length;
      lib.kill('SIGKILL');
      await ourEvents.wait('DISCONNECTED', 5000, undefined, mark);
      await assert.rejects(ours.send(ourId, 'to the dead'), { code: 'EHOSTUNREACH' });
      const last = await receiveWithin(ours);
      const bye = await receiveWithin(ours);
      assert.deepEqual([last.routingId, last.data.toString()], [ourId, 'last words']);
      assert.deepEqual([bye.routingId, bye.data.toString()], [ourId, 'bye']);
      await assert.rejects(receiveWithin(ours, 150), { code: 'EAGAIN' }, 'one disconnect message only');
    });
  }
});

describe('interop 5–6: libzmq never saw a failed handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
