/**
 * Interop scenario 8 (protocol.md §5.7, §2.5): ZMTP 3.1 heartbeats between our Peer and real
 * libzmq 4.3.4, over tcp and ipc, in both roles:
 *   - libzmq pings every 50 ms (timeout 250 ms: a missing PONG ends the connection well inside the
 *     500 ms watched, and a loaded machine that delays one PONG by 50 ms does not) and we answer
 *     each PING, so it never drops us;
 *   - our PINGs announce a TTL of 100 ms and we then stay silent for 250 ms (libzmq's
 *     test_heartbeat_ttl), so libzmq drops us, and the connector reconnects;
 *   - libzmq is frozen (SIGSTOP): our heartbeat timeout drops it, and once it is thawed the
 *     connection comes back (our connector reconnects, or libzmq's does).
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { hex } from '../support/hex';
import { COMBINATIONS, HandshakeLedger, TRANSPORTS, connectPair, interopTest, itReportsNoHandshakeFailures, libEventNames, receiveWithin, sleep } from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/** PING bodies: `04 "PING"` + TTL in deciseconds (libzmq sends no context); PONG echoes the (empty) context. */
const PING_TTL_0 = Buffer.from(hex('04 50 49 4E 47 00 00'));
const PING_TTL_1 = Buffer.from(hex('04 50 49 4E 47 00 01'));
const PONG_EMPTY = Buffer.from(hex('04 50 4F 4E 47'));

describe('interop 8: heartbeats', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: we answer libzmq's 50 ms PINGs, so it keeps the connection`, async (h) => {
      const { ours, lib, ourId, libId, ourEvents, frames } = await connectPair(h, transport, role, { lib: { options: { HEARTBEAT_IVL: 50, HEARTBEAT_TIMEOUT: 250 } } });
      const mark = lib.events.length;
      const ourMark = ourEvents.list.length;
      await sleep(500);
      assert.ok(!libEventNames(lib, mark).includes('DISCONNECTED'), libEventNames(lib, mark).join(' '));
      assert.equal(ourEvents.named('DISCONNECTED', ourMark).length, 0, ourEvents.describe());

      const pings = frames.of('in', 'PING');
      const pongs = frames.of('out', 'PONG');
      assert.ok(pings.length >= 5, `only ${pings.length} PINGs in 500 ms`);
      assert.equal(pongs.length, pings.length, 'one PONG per PING');
      for (const ping of pings) assert.ok(ping.body.equals(PING_TTL_0), ping.body.toString('hex'));
      for (const pong of pongs) assert.ok(pong.body.equals(PONG_EMPTY), pong.body.toString('hex'));

      // Traffic still flows both ways, on the same ids.
      await ours.send(ourId, 'still here');
      assert.deepEqual([(await lib.receive(5000)).data.toString()], ['still here']);
      await lib.send(libId, 'me too');
      const back = await receiveWithin(ours);
      assert.deepEqual([back.routingId, back.data.toString()], [ourId, 'me too']);
    });

    interop(`${transport}, ${role}: our PING announces a 100 ms TTL, we fall silent, libzmq drops us and the connector reconnects`, async (h) => {
      const { ours, lib, ourId, libId, ourEvents, frames } = await connectPair(h, transport, role, {
        ours: { heartbeatInterval: 250, heartbeatTimeToLive: 100 },
      });
      const mark = lib.events.length;
      const ourMark = ourEvents.list.length;
      const dropped = await lib.waitForEvent('DISCONNECTED', 5000, undefined, mark);
      const [firstPing] = frames.of('out', 'PING');
      assert.ok(firstPing, 'we sent a PING');
      assert.ok(firstPing.body.equals(PING_TTL_1), `TTL in deciseconds: ${firstPing.body.toString('hex')}`);
      // libzmq's TTL timer fires 100 ms after the PING; our next PING was due only at 250 ms.
      const after = dropped.at - firstPing.time;
      assert.ok(after >= 60 && after < 1000, `libzmq dropped us ${after} ms after our PING`);
      assert.ok(!libEventNames(lib).some((n) => n.startsWith('HANDSHAKE_FAILED')), libEventNames(lib).join(' '));
      const lost = await ourEvents.wait('DISCONNECTED', 5000, undefined, ourMark);
      assert.equal(lost.error, undefined, 'for us the peer simply closed');

      if (role === 'ours-connects') {
        // Our connector comes back under the same id; libzmq sees a new connection.
        const again = await ourEvents.wait('HANDSHAKE_SUCCEEDED', 5000, undefined, ourMark);
        assert.equal(again.routingId, ourId);
        await ours.send(ourId, 'back again');
        const m = await lib.receive(5000);
        assert.equal(m.data.toString(), 'back again');
        assert.notEqual(m.routingId, libId, 'a new bind-side id on libzmq');
      } else {
        // libzmq's connector comes back under its id; we see a new connection.
        await lib.waitForEvent('CONNECT_RETRIED', 5000, undefined, mark);
        await lib.send(libId, 'back again');
        const m = await receiveWithin(ours);
        assert.equal(m.data.toString(), 'back again');
        assert.notEqual(m.routingId, ourId, 'a new bind-side id on our side');
      }
    });

    interop(`${transport}, ${role}: libzmq frozen by SIGSTOP, our heartbeat timeout drops it; thawed, it comes back`, async (h) => {
      const { ours, lib, ourId, libId, ourEvents } = await connectPair(h, transport, role, {
        ours: { heartbeatInterval: 100, heartbeatTimeout: 300 },
      });
      const ourMark = ourEvents.list.length;
      const frozenAt = Date.now();
      lib.stop();
      const lost = await ourEvents.wait('DISCONNECTED', 5000, undefined, ourMark);
      lib.cont();
      assert.equal(lost.error?.code, 'ERR_ZMTP_HEARTBEAT_TIMEOUT', ourEvents.describe());
      assert.equal(lost.routingId, ourId);
      const after = lost.time - frozenAt;
      assert.ok(after >= 250 && after < 3000, `dropped ${after} ms after the freeze (interval 100 + timeout 300)`);
      assert.ok(!ourEvents.list.some((e) => e.type.startsWith('HANDSHAKE_FAILED')), ourEvents.describe());

      if (role === 'ours-connects') {
        // A timeout is not a protocol error: our connector retries and keeps its id.
        assert.deepEqual(ours.routingIds, [ourId]);
        await ours.send(ourId, 'after the thaw');
        const again = await ourEvents.wait('HANDSHAKE_SUCCEEDED', 5000, undefined, ourMark);
        assert.equal(again.routingId, ourId);
        const m = await lib.receive(5000);
        assert.equal(m.data.toString(), 'after the thaw');
        assert.notEqual(m.routingId, libId, 'a new bind-side id on libzmq');
        await lib.waitForEvent('DISCONNECTED', 5000);
      } else {
        // Our bind-side id ended with the connection; libzmq's connector reconnects.
        await assert.rejects(ours.send(ourId, 'x'), { code: 'EHOSTUNREACH' });
        await lib.send(libId, 'after the thaw');
        const m = await receiveWithin(ours);
        assert.equal(m.data.toString(), 'after the thaw');
        assert.notEqual(m.routingId, ourId);
        assert.ok(libEventNames(lib).includes('CONNECT_RETRIED'), libEventNames(lib).join(' '));
      }
    });
  }

  for (const transport of TRANSPORTS) {
    interop(`${transport}, ours-connects: without a TTL in our PINGs, libzmq keeps a quiet connection`, async (h) => {
      const { lib, ourEvents, frames } = await connectPair(h, transport, 'ours-connects', { ours: { heartbeatInterval: 250 } });
      const mark = lib.events.length;
      await sleep(900);
      assert.ok(frames.of('out', 'PING').length >= 2);
      assert.ok(frames.of('out', 'PING').every((f) => f.body.equals(PING_TTL_0)));
      assert.ok(frames.of('in', 'PONG').length >= 2, 'libzmq answers PINGs even with its own heartbeats off');
      assert.deepEqual(libEventNames(lib, mark), []);
      assert.equal(ourEvents.named('DISCONNECTED').length, 0, ourEvents.describe());
    });
  }
});

describe('interop 8: libzmq never saw a failed handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
