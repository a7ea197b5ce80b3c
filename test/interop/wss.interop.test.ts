/**
 * ws:// and wss:// (ZWS 2.0, RFC 45; protocol.md §3.7–§3.9, §5.3–§5.5, §5.7 items 5, 7–10)
 * against real libzmq 4.3.4, with our Peer as the connector and as the binder — connection
 * lifecycle. Both transports run every scenario; wss adds TLS with the test certificate
 * (test/support/fixtures, CN and SAN zeromq.test) under each:
 *   - heartbeats are WebSocket pings: libzmq pinging every 50 ms (timeout 250 ms: a missing pong
 *     ends the connection well inside the 600 ms watched, and a loaded machine that delays one
 *     pong by 50 ms does not) gets an empty pong for each and keeps the connection; our pings get
 *     libzmq's pongs;
 *   - a connect-side routing id survives the binder going away and coming back on the same port
 *     (libzmq's binder killed and restarted; our binder closed or unbound, then bound again);
 *   - socket-type mismatch (our PEER, libzmq SERVER): the connection ends after READY, nobody
 *     reconnects, and our id is gone;
 *   - libzmq never reports HANDSHAKE_FAILED_* in any of these (checked at the end).
 * The data path and endpoints are in ws.interop.test.ts.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  restartedBinderKeepsOurId,
  HandshakeLedger,
  ROLES,
  WS_TRANSPORTS,
  FrameLog,
  OurEvents,
  connectPair,
  interopTest,
  itReportsNoHandshakeFailures,
  libEventNames,
  receiveWithin,
  sleep,
  tlsFor,
} from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/** How long a test watches a quiet connection, or for reconnects that must not happen. */
const QUIET_MS = 600;

describe('ws/wss: heartbeats are WebSocket pings', () => {
  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: we pong libzmq's 50 ms pings, so it keeps the connection; traffic flows`, async (h) => {
        const { ours, lib, ourId, libId, ourEvents, frames } = await connectPair(h, transport, role, { lib: { options: { HEARTBEAT_IVL: 50, HEARTBEAT_TIMEOUT: 250 } } });
        const mark = lib.events.length;
        const ourMark = ourEvents.list.length;
        await sleep(QUIET_MS);
        assert.deepEqual(libEventNames(lib, mark), [], 'no DISCONNECTED (nor anything else) on libzmq');
        assert.equal(ourEvents.list.length, ourMark, ourEvents.describe());

        const pings = frames.of('in', 'ws-ping');
        const pongs = frames.of('out', 'ws-pong');
        assert.ok(pings.length >= 5, `only ${pings.length} pings in ${QUIET_MS} ms`);
        assert.equal(pongs.length, pings.length, 'one pong per ping');
        assert.ok([...pings, ...pongs].every((f) => f.body.length === 0), 'libzmq pings with an empty payload; the pong echoes it');
        assert.equal(frames.of('in', 'PING').length, 0, 'no ZMTP PING commands over ws');
        const [connection] = ours.connections();
        assert.ok(connection.lastPingReceived !== undefined && Date.now() - connection.lastPingReceived < 1000, 'the last ping is on record');

        await ours.send(ourId, 'still here');
        assert.equal((await lib.receive(5000)).data.toString(), 'still here');
        await lib.send(libId, 'me too');
        const back = await receiveWithin(ours);
        assert.deepEqual([back.routingId, back.data.toString()], [ourId, 'me too']);
      });

      interop(`${transport}, ${role}: our pings every 100 ms are answered by libzmq's pongs; the connection stays up`, async (h) => {
        const { ours, lib, ourId, libId, ourEvents, frames } = await connectPair(h, transport, role, { ours: { heartbeatInterval: 100 } });
        const mark = lib.events.length;
        const ourMark = ourEvents.list.length;
        await sleep(QUIET_MS + 100);
        assert.equal(ourEvents.list.length, ourMark, `no DISCONNECTED on ours: ${ourEvents.describe()}`);
        assert.deepEqual(libEventNames(lib, mark), []);

        const pings = frames.of('out', 'ws-ping');
        const pongs = frames.of('in', 'ws-pong');
        assert.ok(pings.length >= 4, `only ${pings.length} pings in ${QUIET_MS + 100} ms`);
        // The last ping may still be on its way back.
        assert.ok(pongs.length >= pings.length - 1 && pongs.length <= pings.length, `${pongs.length} pongs for ${pings.length} pings`);
        assert.ok(pongs.every((f) => f.body.length === 0), 'libzmq pongs with an empty payload');
        assert.equal(frames.of('out', 'PING').length, 0, 'no ZMTP PING commands over ws');
        const [connection] = ours.connections();
        assert.ok(connection.lastPingSent !== undefined && connection.lastPongReceived !== undefined);

        await lib.send(libId, 'still here');
        assert.equal((await receiveWithin(ours)).data.toString(), 'still here');
        await ours.send(ourId, 'me too');
        const back = await lib.receive(5000);
        assert.deepEqual([back.routingId, back.data.toString()], [libId, 'me too']);
      });
    }
  }
});

describe('ws/wss: reconnect keeps the connect-side id', () => {
  for (const transport of WS_TRANSPORTS) {
    interop(`${transport}, ours-connects: libzmq binder killed and restarted on the same port; our id keeps working`, (h) => restartedBinderKeepsOurId(h, transport));

    for (const how of ['closes, and a new socket binds', 'unbinds and binds again'] as const) {
      interop(`${transport}, libzmq-connects: our binder ${how} on the same port; libzmq's id keeps working`, async (h) => {
        const pair = await connectPair(h, transport, 'libzmq-connects');
        const { lib, endpoint, libId } = pair;
        const mark = lib.events.length;
        let ours = pair.ours;
        if (how === 'unbinds and binds again') await ours.unbind(endpoint);
        else await ours.close();
        await lib.waitForEvent('DISCONNECTED', 5000, undefined, mark);
        await lib.waitForEvent('CONNECT_RETRIED', 5000, undefined, mark);
        assert.equal(await lib.send(libId, 'during the outage'), 17, 'libzmq queues on its connect-side id');

        if (how !== 'unbinds and binds again') ours = h.peer(tlsFor(transport, 'bind').ours);
        assert.equal(await ours.bind(endpoint), endpoint, 'the same port and path again');
        await lib.send(libId, 'after the rebind');
        const first = await receiveWithin(ours);
        const second = await receiveWithin(ours);
        assert.deepEqual([first.data.toString(), second.data.toString()], ['during the outage', 'after the rebind']);
        assert.equal(second.routingId, first.routingId);
        if (how === 'unbinds and binds again') {
          assert.notEqual(first.routingId, pair.ourId, 'a reconnecting peer gets a new bind-side id');
          await assert.rejects(ours.send(pair.ourId, 'x'), { code: 'EHOSTUNREACH' });
        }
        assert.deepEqual(ours.routingIds, [first.routingId]);
        await ours.send(first.routingId, 'welcome back');
        const reply = await lib.receive(5000);
        assert.deepEqual([reply.routingId, reply.data.toString()], [libId, 'welcome back']);

        const names = libEventNames(lib, mark).filter((n) => n !== 'CONNECT_DELAYED' && n !== 'CLOSED' && n !== 'CONNECT_RETRIED');
        assert.deepEqual(names, ['DISCONNECTED', 'CONNECTED', 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED']);
      });
    }
  }
});

describe('ws/wss: socket-type mismatch', () => {
  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: our PEER and libzmq SERVER part after READY, for good; our id is gone`, async (h) => {
        const [ourSide, libSide] = role === 'ours-connects' ? (['connect', 'bind'] as const) : (['bind', 'connect'] as const);
        const ours = h.peer(tlsFor(transport, ourSide).ours);
        const ourEvents = new OurEvents(ours);
        const frames = new FrameLog(ours);
        const lib = await h.lib('SERVER', { monitor: true, options: tlsFor(transport, libSide).lib });
        let id: number | undefined;
        if (role === 'ours-connects') {
          id = ours.connectPeer(await lib.bind(h.bindEndpoint(transport)));
          await ours.send(id, 'never delivered');
        } else {
          await lib.connect(await ours.bind(h.bindEndpoint(transport)));
        }
        const lost = await ourEvents.wait('DISCONNECTED', 5000);
        assert.match(frames.of('out', 'READY')[0]?.body.toString('latin1') ?? '', /Socket-Type\0\0\0\x04PEER$/);
        if (frames.of('in', 'READY').length === 1 || role === 'ours-connects') {
          assert.equal(lost.error?.code, 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', ourEvents.describe());
          assert.match(lost.error?.message ?? '', /"SERVER"/);
          assert.match(frames.of('in', 'READY')[0].body.toString('latin1'), /Socket-Type\0\0\0\x06SERVER$/);
        } else {
          // A libzmq client can read our 101 and READY in one go, refuse the READY and close
          // before writing its own: for us the connection then ends before the handshake did.
          assert.deepEqual(ourEvents.named('HANDSHAKE_FAILED_NO_DETAIL').map((e) => e.connectionId), [lost.connectionId], ourEvents.describe());
        }

        await sleep(QUIET_MS);
        // Over ws libzmq reports the completed upgrade as a handshake (once), then only the loss.
        const libNames = libEventNames(lib).filter((n) => n !== 'CONNECT_DELAYED');
        assert.deepEqual(libNames, [...(role === 'ours-connects' ? ['LISTENING', 'ACCEPTED'] : ['CONNECTED']), 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED']);
        const ourNames = ourEvents.list.map((e) => e.type).filter((n) => n !== 'CONNECT_DELAYED' && n !== 'HANDSHAKE_FAILED_NO_DETAIL');
        assert.deepEqual(ourNames, [...(role === 'ours-connects' ? ['CONNECTED'] : ['LISTENING', 'ACCEPTED']), 'HANDSHAKE_SUCCEEDED', 'DISCONNECTED'], 'and no retry');
        if (role === 'ours-connects') {
          await assert.rejects(ours.send(id!, 'x'), { code: 'EHOSTUNREACH' });
          assert.deepEqual(ours.connections(), [], 'the session ended with its id');
        }
        assert.deepEqual(ours.routingIds, []);
      });
    }
  }
});

describe('ws/wss lifecycle: libzmq never saw a failed handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
