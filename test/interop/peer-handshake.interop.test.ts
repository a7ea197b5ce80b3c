/**
 * Interop scenarios 7 and 11 (protocol.md §5.7, §1.9, §2.4, §2.8) against real libzmq 4.3.4:
 *   7. socket-type mismatch: our PEER against libzmq DEALER and SERVER, in both roles, over tcp
 *      and ipc: the connection ends right after READY, silently on libzmq's monitor, and nobody
 *      reconnects;
 *  11. handshake edge cases: our greeting and READY are byte-identical to libzmq's; a raw client
 *      that pipelines data behind its READY, or that offers PLAIN, is refused by libzmq with the
 *      documented protocol errors; our core never makes libzmq report a failed handshake.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { PROTOCOL_ERROR } from '../../core/index';
import { hex } from '../support/hex';
import {
  COMBINATIONS,
  FrameLog,
  HandshakeLedger,
  Harness,
  interopTest,
  itReportsNoHandshakeFailures,
  OurEvents,
  TRANSPORTS,
  connectPair,
  libEventNames,
  receiveWithin,
  sleep,
  type StreamTransportName,
} from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/** How long a test watches for reconnects that must not happen. */
const QUIET_MS = 1000;

describe('interop 7: socket-type mismatch', () => {
  for (const { transport, role } of COMBINATIONS) {
    for (const type of ['DEALER', 'SERVER'] as const) {
      interop(`${transport}, ${role}: our PEER and libzmq ${type} part right after READY, silently, for good`, async (h) => {
        const ours = h.peer();
        const ourEvents = new OurEvents(ours);
        const frames = new FrameLog(ours);
        const lib = await h.lib(type, { monitor: true });
        let id: number | undefined;
        if (role === 'ours-connects') {
          id = ours.connectPeer(await lib.bind(h.bindEndpoint(transport)));
          await ours.send(id, 'never delivered');
        } else {
          await lib.connect(await ours.bind(h.bindEndpoint(transport)));
        }
        const lost = await ourEvents.wait('DISCONNECTED', 5000);
        assert.equal(lost.error?.code, 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', ourEvents.describe());
        assert.match(lost.error?.message ?? '', new RegExp(`"${type}"`));
        assert.equal(lost.error?.protocolError, undefined, 'libzmq reports no protocol error code for this');
        // It happened at READY: each side's READY crossed, ours naming PEER.
        assert.equal(frames.of('in', 'READY').length, 1);
        assert.match(frames.of('out', 'READY')[0].body.toString('latin1'), /Socket-Type\0\0\0\x04PEER$/);

        await sleep(QUIET_MS);
        const ourNames = ourEvents.list.map((e) => e.type);
        assert.ok(!ourNames.some((n) => n === 'HANDSHAKE_SUCCEEDED' || n.startsWith('HANDSHAKE_FAILED')), ourEvents.describe());
        const libNames = libEventNames(lib);
        assert.ok(!libNames.some((n) => n === 'HANDSHAKE_SUCCEEDED' || n.startsWith('HANDSHAKE_FAILED')), libNames.join(' '));
        assert.equal(lib.eventsNamed('DISCONNECTED').length, 1, libNames.join(' '));
        if (role === 'ours-connects') {
          // libzmq's binder saw one connection, accepted and dropped; our connector gave up.
          assert.deepEqual(libNames, ['LISTENING', 'ACCEPTED', 'DISCONNECTED']);
          assert.equal(ourEvents.named('CONNECTED').length, 1, ourEvents.describe());
          assert.equal(ourEvents.named('CONNECT_RETRIED').length, 0, ourEvents.describe());
          await assert.rejects(ours.send(id!, 'x'), { code: 'EHOSTUNREACH' });
          assert.deepEqual(ours.connections(), [], 'the session ended with its id');
        } else {
          // libzmq's connector treats the mismatch as a protocol error too: no retry.
          assert.equal(lib.eventsNamed('CONNECTED').length, 1, libNames.join(' '));
          assert.equal(lib.eventsNamed('CONNECT_RETRIED').length, 0, libNames.join(' '));
          assert.equal(ourEvents.named('ACCEPTED').length, 1, ourEvents.describe());
        }
        assert.deepEqual(ours.routingIds, []);
      });
    }
  }
});

/** libzmq's greeting (NULL, no routing id), protocol.md Appendix A. */
const GREETING = hex(`FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C ${'00 '.repeat(16)} 00 ${'00 '.repeat(31)}`);
/** The same greeting offering PLAIN. */
const GREETING_PLAIN = hex(`FF 00 00 00 00 00 00 00 01 7F 03 01 50 4C 41 49 4E ${'00 '.repeat(15)} 00 ${'00 '.repeat(31)}`);
const READY_PEER = hex('04 1A 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52');
const DATA_HELLO = hex('00 05 68 65 6C 6C 6F');

/** A raw stream to a libzmq endpoint (tcp or ipc). */
function rawConnect(endpoint: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const options = endpoint.startsWith('tcp://')
      ? { host: '127.0.0.1', port: Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)) }
      : { path: endpoint.slice('ipc://'.length) };
    const socket = netConnect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything `socket` receives until the peer closes it. */
function collectUntilClosed(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}

async function rawAgainstLibzmq(h: Harness, transport: StreamTransportName, bytes: Uint8Array): Promise<{ received: Buffer; names: string[]; values: number[] }> {
  const lib = await h.lib('PEER', { monitor: true, expectHandshakeFailures: true });
  const endpoint = await lib.bind(h.bindEndpoint(transport));
  const socket = await rawConnect(endpoint);
  const closed = collectUntilClosed(socket);
  socket.write(bytes);
  const received = await closed;
  await lib.waitForEvent('DISCONNECTED', 5000);
  const events = lib.events.filter((e) => e.name !== 'LISTENING');
  return { received, names: events.map((e) => e.name), values: events.map((e) => e.value) };
}

describe('interop 11: handshake edge cases', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: our greeting and READY are byte-identical to libzmq's`, async (h) => {
      const { frames } = await connectPair(h, transport, role);
      const [greetingOut] = frames.of('out', 'greeting');
      const [greetingIn] = frames.of('in', 'greeting');
      assert.deepEqual([...greetingOut.body], [...GREETING]);
      assert.deepEqual([...greetingIn.body], [...GREETING], 'libzmq sends what protocol.md says it does');
      const [readyOut] = frames.of('out', 'READY');
      const [readyIn] = frames.of('in', 'READY');
      assert.ok(readyOut.body.equals(readyIn.body), `ours ${readyOut.body.toString('hex')} vs libzmq ${readyIn.body.toString('hex')}`);
      assert.ok(readyOut.body.equals(Buffer.from(READY_PEER.subarray(2))));
    });
  }

  for (const transport of TRANSPORTS) {
    interop(`${transport}: libzmq accepts greeting + READY in one write from a raw client`, async (h) => {
      const lib = await h.lib('PEER', { monitor: true });
      const endpoint = await lib.bind(h.bindEndpoint(transport));
      const socket = await rawConnect(endpoint);
      h.defer(() => socket.destroy());
      socket.write(Buffer.concat([GREETING, READY_PEER]));
      await lib.waitForEvent('HANDSHAKE_SUCCEEDED', 5000);
      // Once libzmq's READY has arrived, data may follow.
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const deadline = Date.now() + 5000;
      while (Buffer.concat(received).length < 64 + READY_PEER.length && Date.now() < deadline) await sleep(10);
      socket.write(DATA_HELLO);
      const message = await lib.receive(5000);
      assert.equal(message.data.toString(), 'hello');
    });

    interop(`${transport}: libzmq refuses data pipelined behind READY with HANDSHAKE_FAILED_PROTOCOL 0x10000001`, async (h) => {
      const { received, names, values } = await rawAgainstLibzmq(h, transport, Buffer.concat([GREETING, READY_PEER, DATA_HELLO]));
      assert.deepEqual(names, ['ACCEPTED', 'HANDSHAKE_FAILED_PROTOCOL', 'DISCONNECTED']);
      assert.equal(values[1], PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND);
      // libzmq closes without an ERROR command, often before its staged greeting is complete
      // (sometimes before it wrote anything at all).
      const expected = Buffer.concat([GREETING, READY_PEER]);
      assert.ok(expected.subarray(0, received.length).equals(received), `libzmq sent ${received.toString('hex')}`);
    });

    interop(`${transport}: libzmq refuses a PLAIN greeting with HANDSHAKE_FAILED_PROTOCOL 0x11000002`, async (h) => {
      const { names, values } = await rawAgainstLibzmq(h, transport, GREETING_PLAIN);
      assert.deepEqual(names, ['ACCEPTED', 'HANDSHAKE_FAILED_PROTOCOL', 'DISCONNECTED']);
      assert.equal(values[1], PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH);
    });

    interop(`${transport}: a burst of messages queued before the handshake reaches libzmq without tripping it`, async (h) => {
      // The pitfall above, from our side: 200 messages wait for libzmq's READY, then go out in batches.
      const lib = await h.lib('PEER', { monitor: true });
      const ours = h.peer();
      const id = ours.connectPeer(await lib.bind(h.bindEndpoint(transport)));
      for (let i = 0; i < 200; i++) await ours.send(id, `burst ${i}`);
      for (let i = 0; i < 200; i++) assert.equal((await lib.receive(5000)).data.toString(), `burst ${i}`);
      await ours.send(id, 'last');
      const last = await lib.receive(5000);
      await lib.send(last.routingId, 'done');
      assert.equal((await receiveWithin(ours)).data.toString(), 'done');
    });
  }
});

describe('interop 7, 11: libzmq never saw our core fail a handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
