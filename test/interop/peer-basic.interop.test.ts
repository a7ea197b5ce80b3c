/**
 * Interop scenarios 1–3 (protocol.md §5.7) against real libzmq 4.3.4, over tcp and ipc, with our
 * Peer as the connector and as the binder:
 *   1. basic PEER↔PEER: connect_peer ids, bind-side ids, the handshake on libzmq's monitor;
 *   2. messages sent before the connection (and even the binder) exists;
 *   3. unknown id, no id and multipart sends fail with the same codes on both sides.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ZmqError } from '../../core/index';
import { LibzmqError } from '../support/libzmq';
import {
  COMBINATIONS,
  FrameLog,
  HandshakeLedger,
  Harness,
  interopTest,
  itReportsNoHandshakeFailures,
  OurEvents,
  connectPair,
  eventually,
  freeTcpPort,
  libEventNames,
  receiveWithin,
  type Role,
  type StreamTransportName,
} from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(p: Promise<unknown>): Promise<{ code: string; errno: number }> {
  const outcome = await p.then(
    () => assert.fail('expected the call to fail'),
    (err: ZmqError | LibzmqError) => err,
  );
  return { code: outcome.code, errno: outcome.errno };
}

/** Payloads that exercise short and long frames, binary bytes and the empty message. */
const PAYLOADS: ReadonlyArray<Buffer> = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(0), randomBytes(255), randomBytes(256), randomBytes(100_000)];

/** For every connection of our socket, no data frame went out before the peer's READY came in. */
function assertNoDataBeforeReady(frames: FrameLog): void {
  const connections = new Set(frames.list.map((f) => f.connectionId));
  assert.ok(connections.size > 0, 'the traffic tap saw no connection');
  for (const id of connections) {
    const kinds = frames.list.filter((f) => f.connectionId === id).map((f) => `${f.direction} ${f.kind}`);
    const readyIn = kinds.indexOf('in READY');
    const firstDataOut = kinds.indexOf('out data');
    assert.ok(readyIn >= 0, `connection ${id} never received READY: ${kinds.join(', ')}`);
    if (firstDataOut >= 0) assert.ok(firstDataOut > readyIn, `connection ${id} sent data before READY: ${kinds.join(', ')}`);
    assert.ok(kinds.indexOf('out greeting') < kinds.indexOf('out READY'), `greeting after READY: ${kinds.join(', ')}`);
  }
}

/** Each `first` event comes before the matching (same-rank) `then` event. */
function assertPairedOrder(names: string[], first: string, then: string, count: number): void {
  const a = names.flatMap((n, i) => (n === first ? [i] : []));
  const b = names.flatMap((n, i) => (n === then ? [i] : []));
  assert.equal(a.length, count, `${first} ×${count} expected in ${names.join(' ')}`);
  assert.equal(b.length, count, `${then} ×${count} expected in ${names.join(' ')}`);
  for (let i = 0; i < count; i++) assert.ok(a[i] < b[i], `${first} #${i + 1} must precede ${then} #${i + 1}: ${names.join(' ')}`);
}

describe('interop 1: basic PEER↔PEER with libzmq', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: connect_peer ids come back on replies, bind-side ids are distinct, handshake precedes traffic`, async (h) => {
      const ours = h.peer();
      const ourEvents = new OurEvents(ours);
      const frames = new FrameLog(ours);
      const lib = await h.lib('PEER', { monitor: true });
      // Two connections from the connect side to the same endpoint (PEER allows it: two ids).
      let connectIds: [number, number];
      let bindIds: [number, number];
      if (role === 'ours-connects') {
        const endpoint = await lib.bind(h.bindEndpoint(transport));
        connectIds = [ours.connectPeer(endpoint), ours.connectPeer(endpoint)];
        await ours.send(connectIds[0], 'from A');
        await ours.send(connectIds[1], 'from B');
        const got = [await lib.receive(5000)];
        // The helper prints pending monitor events before a reply: the handshake was reported first.
        assert.ok(lib.eventsNamed('HANDSHAKE_SUCCEEDED').length >= 1, 'HANDSHAKE_SUCCEEDED before the first message');
        got.push(await lib.receive(5000));
        const byText = new Map(got.map((m) => [m.data.toString(), m.routingId]));
        bindIds = [byText.get('from A')!, byText.get('from B')!];
        for (const [i, id] of bindIds.entries()) await lib.send(id, `reply ${i}`);
        for (let n = 0; n < 2; n++) {
          const reply = await receiveWithin(ours);
          assert.equal(reply.routingId, connectIds[Number(reply.data.toString().slice(6))], 'reply under the connect_peer id');
        }
      } else {
        const endpoint = await ours.bind(h.bindEndpoint(transport));
        connectIds = [await lib.connectPeer(endpoint), await lib.connectPeer(endpoint)];
        await lib.send(connectIds[0], 'from A');
        await lib.send(connectIds[1], 'from B');
        const got = [await receiveWithin(ours), await receiveWithin(ours)];
        const byText = new Map(got.map((m) => [m.data.toString(), m.routingId]));
        bindIds = [byText.get('from A')!, byText.get('from B')!];
        for (const [i, id] of bindIds.entries()) await ours.send(id, `reply ${i}`);
        for (let n = 0; n < 2; n++) {
          const reply = await lib.receive(5000);
          assert.equal(reply.routingId, connectIds[Number(reply.data.toString().slice(6))], 'reply under the connect_peer id');
          assert.ok(lib.eventsNamed('HANDSHAKE_SUCCEEDED').length > n, 'HANDSHAKE_SUCCEEDED before the message');
        }
      }
      for (const ids of [connectIds, bindIds]) {
        for (const id of ids) assert.ok(Number.isInteger(id) && id > 0 && id <= 0xffffffff, `routing id ${id}`);
        assert.notEqual(ids[0], ids[1], 'one id per connection');
      }

      // Payloads round-trip both ways on the first connection, byte for byte.
      const [ourId, libId] = role === 'ours-connects' ? [connectIds[0], bindIds[0]] : [bindIds[0], connectIds[0]];
      for (const payload of PAYLOADS) {
        await ours.send(ourId, payload);
        const there = await lib.receive(5000);
        assert.equal(there.routingId, libId);
        assert.ok(there.data.equals(payload), `libzmq got ${there.data.length} bytes, sent ${payload.length}`);
        await lib.send(libId, there.data);
        const back = await receiveWithin(ours);
        assert.equal(back.routingId, ourId);
        assert.ok(back.data.equals(payload), `we got ${back.data.length} bytes back, sent ${payload.length}`);
      }

      // libzmq's monitor tells the story: connection, then handshake, for each connection.
      await eventually(() => lib.eventsNamed('HANDSHAKE_SUCCEEDED').length === 2, 'two HANDSHAKE_SUCCEEDED on libzmq');
      const names = libEventNames(lib);
      assertPairedOrder(names, role === 'ours-connects' ? 'ACCEPTED' : 'CONNECTED', 'HANDSHAKE_SUCCEEDED', 2);
      if (role === 'ours-connects') assert.equal(names[0], 'LISTENING');
      assert.ok(!names.includes('DISCONNECTED'), names.join(' '));
      // Ours, likewise; bind-side HANDSHAKE_SUCCEEDED events carry the ids messages came under.
      const ourNames = ourEvents.list.map((e) => e.type);
      assertPairedOrder(ourNames, role === 'ours-connects' ? 'CONNECTED' : 'ACCEPTED', 'HANDSHAKE_SUCCEEDED', 2);
      const ourHandshakeIds = ourEvents.named('HANDSHAKE_SUCCEEDED').map((e) => e.routingId);
      assert.deepEqual([...ourHandshakeIds].sort(), [...(role === 'ours-connects' ? connectIds : bindIds)].sort());
      assertNoDataBeforeReady(frames);
    });
  }
});

/** Waits for the connect side to have retried at least once. */
async function waitForRetry(role: Role, ourEvents: OurEvents, lib: { waitForEvent(name: string, timeoutMs?: number): Promise<unknown> }): Promise<void> {
  if (role === 'ours-connects') await ourEvents.wait('CONNECT_RETRIED', 5000);
  else await lib.waitForEvent('CONNECT_RETRIED', 5000);
}

async function unusedEndpoint(h: Harness, transport: StreamTransportName): Promise<string> {
  return transport === 'tcp' ? `tcp://127.0.0.1:${await freeTcpPort()}` : h.ipcEndpoint('later.sock');
}

describe('interop 2: sending before the connection exists', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: messages sent right after connect_peer arrive after the handshake, in order`, async (h) => {
      const ours = h.peer();
      const lib = await h.lib('PEER', { monitor: true });
      const texts = ['m0', 'm1', 'm2', 'm3', 'm4'];
      if (role === 'ours-connects') {
        const endpoint = await lib.bind(h.bindEndpoint(transport));
        const id = ours.connectPeer(endpoint);
        // No await between connect_peer and the sends: nothing can be connected yet.
        const sends = texts.map((t) => ours.send(id, t));
        assert.notEqual(ours.connections()[0].state, 'ACTIVE');
        assert.equal(ours.connections()[0].queuedOut, texts.length);
        await Promise.all(sends);
        const got = [];
        for (const _ of texts) got.push(await lib.receive(5000));
        assert.deepEqual(got.map((m) => m.data.toString()), texts);
        assert.equal(new Set(got.map((m) => m.routingId)).size, 1, 'all from one bind-side id');
        await lib.send(got[0].routingId, 'ack');
        assert.equal((await receiveWithin(ours)).routingId, id);
      } else {
        const endpoint = await ours.bind(h.bindEndpoint(transport));
        const id = await lib.connectPeer(endpoint);
        for (const t of texts) await lib.send(id, t);
        const got = [];
        for (const _ of texts) got.push(await receiveWithin(ours));
        assert.deepEqual(got.map((m) => m.data.toString()), texts);
        assert.equal(new Set(got.map((m) => m.routingId)).size, 1, 'all from one bind-side id');
        await ours.send(got[0].routingId, 'ack');
        assert.equal((await lib.receive(5000)).routingId, id);
      }
    });

    interop(`${transport}, ${role}: messages sent before the binder exists arrive once it binds`, async (h) => {
      const ours = h.peer();
      const ourEvents = new OurEvents(ours);
      const lib = await h.lib('PEER', { monitor: true });
      const endpoint = await unusedEndpoint(h, transport);
      const texts = ['early 0', 'early 1', 'early 2'];
      if (role === 'ours-connects') {
        const id = ours.connectPeer(endpoint);
        for (const t of texts) await ours.send(id, t);
        await waitForRetry(role, ourEvents, lib);
        assert.equal(ours.connections()[0].queuedOut, texts.length, 'still queued while nothing listens');
        await lib.bind(endpoint);
        const got = [];
        for (const _ of texts) got.push(await lib.receive(5000));
        assert.deepEqual(got.map((m) => m.data.toString()), texts);
        await lib.send(got[0].routingId, 'ack');
        const ack = await receiveWithin(ours);
        assert.equal(ack.routingId, id);
        // The id survived the failed attempts: same connection record, retried at least once.
        assert.ok(ours.connections()[0].reconnects >= 1);
      } else {
        const id = await lib.connectPeer(endpoint);
        for (const t of texts) await lib.send(id, t);
        await waitForRetry(role, ourEvents, lib);
        await ours.bind(endpoint);
        const got = [];
        for (const _ of texts) got.push(await receiveWithin(ours));
        assert.deepEqual(got.map((m) => m.data.toString()), texts);
        await ours.send(got[0].routingId, 'ack');
        assert.equal((await lib.receive(5000)).routingId, id);
        const names = libEventNames(lib);
        assert.ok(names.indexOf('CONNECT_RETRIED') < names.indexOf('CONNECTED'), names.join(' '));
      }
    });
  }
});

describe('interop 3: unknown id, no id and multipart sends', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: EHOSTUNREACH, EHOSTUNREACH, EINVAL on both sides, and the connection goes on`, async (h) => {
      const { ours, lib, ourId, libId } = await connectPair(h, transport, role);
      const other = (id: number): number => (id === 0xffffffff ? 1 : id + 1);
      const cases: Array<{ what: string; code: string; ours: () => Promise<unknown>; lib: () => Promise<unknown> }> = [
        { what: 'unknown id', code: 'EHOSTUNREACH', ours: () => ours.send(other(ourId), 'x'), lib: () => lib.send(other(libId), 'x') },
        { what: 'no id (0)', code: 'EHOSTUNREACH', ours: () => ours.send(0, 'x'), lib: () => lib.send(0, 'x') },
        { what: 'multipart', code: 'EINVAL', ours: () => ours.send(ourId, 'part', { more: true }), lib: () => lib.send(libId, 'part', { more: true }) },
      ];
      for (const c of cases) {
        const mine = await rejectionOf(c.ours());
        const theirs = await rejectionOf(c.lib());
        assert.deepEqual(mine, theirs, `${c.what}: ours ${mine.code}, libzmq ${theirs.code}`);
        assert.equal(mine.code, c.code, c.what);
      }
      // Ids libzmq's API cannot even express fail the same way on ours.
      for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) await assert.rejects(ours.send(bad, 'x'), { code: 'EHOSTUNREACH' });

      // Nothing of the refused "part" was queued: the next message is the first to arrive.
      await ours.send(ourId, 'after');
      assert.equal((await lib.receive(5000)).data.toString(), 'after');
      await lib.send(libId, 'after too');
      const back = await receiveWithin(ours);
      assert.deepEqual([back.routingId, back.data.toString()], [ourId, 'after too']);
    });
  }
});

describe('interop 1–3: libzmq never saw a failed handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
