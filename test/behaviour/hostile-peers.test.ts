/**
 * Hostile peers cannot grow a PEER's memory or leak its descriptors (issue 14). Each attack runs
 * over a raw socket against a bound PEER in a process of its own (test/support/hostile.ts), and
 * each test asserts a bound on what the attack could grow: the target's RSS after a full GC, the
 * messages queued per peer (`queuedIn`), or its open descriptors (/proc/PID/fd).
 *
 * - A PING flood from a peer that never reads: at most one PONG waits while output is blocked
 *   (libzmq's single pong message), so memory stays flat over tcp, ipc and ws.
 * - A peer that writes far more than the receive high-water mark in one go: the decoder stops at
 *   the mark in the middle of a read and keeps the rest until the application reads.
 * - Refused upgrades and bad greetings: every such socket is destroyed, whether or not the client
 *   reads, writes or closes after the refusal.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testTransports, transportOptions, uniqueEndpoint } from '../support/endpoints';
import { expectNoUnhandled, usePeers, withTimeout } from '../support/peers';
import { rawZmtpClient, type RawConnection } from '../support/raw-zmtp';
import { rawWsClient, upgradedWsClient, WS_OPCODE, type RawWsConnection } from '../support/raw-ws';
import { emptyMessageUnit, HostileTarget, pingUnit, writeUnits, type AttackTransport } from '../support/hostile';
import { ascii, concat } from '../support/hex';
import { rawPing } from '../support/raw-zmtp';

/** Bytes of PINGs in a flood (the report that found the leak used 32 MiB: +400 MiB over tcp). */
const FLOOD_BYTES = 16 * 1024 * 1024;
/**
 * What the target may grow by while it takes the flood in. Live memory (V8 heap and Buffers after
 * a full GC) is the precise measure: the unfixed core kept 50 MiB (ws) to 290 MiB (tcp) of PONGs
 * alive for 16 MiB of PINGs, the fixed one keeps under 2 MiB. RSS also counts what the allocator
 * keeps after freeing the 64 KiB read buffers (10 to 20 MiB here), so its bound is looser; the
 * unfixed core grew by 60 (ws) to 800 MiB (ipc).
 */
const FLOOD_LIVE_BOUND = 8 * 1024 * 1024;
const FLOOD_RSS_BOUND = 48 * 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
/** Empty messages each flooding peer writes in one go, far above the receive HWM. */
const FLOOD_MESSAGES = 32768;
const RECEIVE_HWM = 1000;

/** A raw peer with the NULL handshake done: ZMTP over tcp/ipc, ZWS over ws. */
async function handshaken(transport: AttackTransport, endpoint: string): Promise<RawConnection> {
  if (transport === 'ws') return upgradedWsClient(endpoint);
  const raw = await rawZmtpClient(endpoint);
  await raw.handshake();
  return raw;
}

/** Sends one PING whose context (ws: payload) is `context`, and reads frames until its PONG comes back. */
async function pingPong(transport: AttackTransport, raw: RawConnection, context: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (transport === 'ws') {
    const ws = raw as RawWsConnection;
    ws.writeFrame({ opcode: WS_OPCODE.ping, payload: context });
    for (;;) {
      const frame = await ws.readWsFrame(Math.max(1, deadline - Date.now()));
      if (frame.opcode === WS_OPCODE.pong && frame.payload.toString() === context) return;
    }
  }
  raw.write(rawPing(0, ascii(context)));
  const pong = concat(Uint8Array.of(4), ascii('PONG'), ascii(context));
  for (;;) {
    const frame = await raw.readFrame(Math.max(1, deadline - Date.now()));
    if (frame.command === 'PONG' && Buffer.compare(frame.body, pong) === 0) return;
  }
}

for (const transport of testTransports('tcp', 'ipc', 'ws')) {
  describe(`PEER over ${transport}: hostile peers`, () => {
    expectNoUnhandled();
    usePeers(transport);

    it('keeps its memory flat under a PING flood from a peer that never reads, and answers it once it reads', async () => {
      const target = await HostileTarget.start(uniqueEndpoint(transport));
      try {
        const raw = await handshaken(transport, target.endpoint);
        await target.waitFor((s) => s.connections.some((c) => c.state === 'ACTIVE'), 5000, 'the raw peer to be active');
        const before = await target.stats();
        raw.socket.pause();
        await writeUnits(raw, pingUnit(transport), Math.floor(FLOOD_BYTES / pingUnit(transport).length));
        // Let the last of the flood be read.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const after = await target.stats();
        const live = after.heapUsed + after.external - (before.heapUsed + before.external);
        assert.ok(live < FLOOD_LIVE_BOUND, `the target's live memory grew by ${mib(live)} under ${mib(FLOOD_BYTES)} of PINGs`);
        assert.ok(after.rss - before.rss < FLOOD_RSS_BOUND, `the target's RSS grew by ${mib(after.rss - before.rss)} under ${mib(FLOOD_BYTES)} of PINGs`);
        assert.deepEqual(
          after.connections.map((c) => c.state),
          ['ACTIVE'],
          'the flooding peer is still connected: PINGs are legal',
        );
        // Reading again, the peer gets the PONGs that fitted in the buffers (and the one that
        // waited), then an answer to a new PING: the waiting answer did not wedge the output.
        raw.socket.resume();
        await raw.discardReceived();
        await pingPong(transport, raw, 'after the flood');
      } finally {
        await target.stop();
      }
    });

    it(`never queues more than receiveHighWaterMark messages from a peer, and delivers every one when read`, async () => {
      const target = await HostileTarget.start(uniqueEndpoint(transport), { receiveHighWaterMark: RECEIVE_HWM });
      try {
        const peers = await Promise.all([0, 1, 2].map(() => handshaken(transport, target.endpoint)));
        await target.waitFor((s) => s.connections.filter((c) => c.state === 'ACTIVE').length === 3, 5000, 'three active raw peers');
        // Each write holds many times the HWM; none is awaited before the check, since the target
        // stops reading and a writer may then wait for room.
        const writes = peers.map((raw) => writeUnits(raw, emptyMessageUnit(transport), FLOOD_MESSAGES));
        const settled = await target.settled();
        assert.deepEqual(
          settled.connections.map((c) => c.queuedIn),
          [RECEIVE_HWM, RECEIVE_HWM, RECEIVE_HWM],
          'each peer stops exactly at the receive HWM, mid-read',
        );
        const received = await target.drain();
        await withTimeout(Promise.all(writes), 10_000, 'the floods to be written');
        const rest = await target.drain();
        const counts = Object.keys({ ...received, ...rest }).map((id) => (received[id] ?? 0) + (rest[id] ?? 0));
        assert.deepEqual(counts, [FLOOD_MESSAGES, FLOOD_MESSAGES, FLOOD_MESSAGES], 'nothing lost: what was kept unread is delivered once the application reads');
      } finally {
        await target.stop();
      }
    });
  });
}

for (const transport of testTransports('tcp', 'ipc', 'ws', 'wss')) {
  describe(`PEER over ${transport}: refused connections release their descriptors`, () => {
    expectNoUnhandled();
    usePeers(transport);
    const refusals = 25;

    /** One refused connection: a bad upgrade request over ws/wss, a bad greeting over tcp/ipc. */
    async function refused(endpoint: string): Promise<RawConnection> {
      if (transport === 'ws' || transport === 'wss') {
        const raw = await rawWsClient(endpoint);
        const { response } = await raw.upgrade({ key: 'not-a-key' });
        assert.equal(response.status, 400);
        return raw;
      }
      const raw = await rawZmtpClient(endpoint);
      raw.write('GET / HTTP/1.1\r\n\r\n');
      await raw.waitClosed();
      return raw;
    }

    it('destroys each refused socket, whether the client then writes and closes or just stays', async () => {
      const target = await HostileTarget.start(uniqueEndpoint(transport), transportOptions(transport));
      try {
        const baseline = (await target.stats()).fds;
        // Half the clients send a byte and close (the report's case), half stay open and silent.
        const clients: RawConnection[] = [];
        for (let i = 0; i < refusals; i++) {
          const raw = await refused(target.endpoint);
          if (i % 2 === 0 && !raw.isClosed) {
            raw.write('x');
            raw.socket.end();
          }
          clients.push(raw);
        }
        const after = await target.waitFor((s) => s.fds <= baseline, 5000, `its descriptors to come back to ${baseline}`);
        assert.ok(after.fds <= baseline);
        assert.deepEqual(after.connections, [], 'no connection is left behind');
        for (const raw of clients) raw.destroy();
      } finally {
        await target.stop();
      }
    });
  });
}
