/**
 * The session's taps ("ZMQ: Start Tap") against real core sockets over tcp: a tap shows as a socket
 * of type TAP, each relayed connection as a pair with both socket types, its traffic in the one
 * traffic buffer (app → upstream `out`, upstream → app `in`), a handshake ladder per pair, a
 * mismatched pair diagnosed in words and kept on screen, Stop, and the pcapng export through the
 * core's writer. Also the checks "ZMQ: Start Tap" runs on what is typed.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Client, Context, Peer } from '../../core/index';
import { ZmqSession } from '../../extension/session';
import { validateTapListen, validateTapUpstream, tapPolicyOf, terminateOf, TAP_SECURITY_ITEMS } from '../../extension/tap-input';
import type { HostEvent, PeerView } from '../../webview/protocol';
import { waitForTrue } from '../support/wait';


const waitFor = (check: () => boolean, what: string, timeout = 5000): Promise<void> => waitForTrue(check, what, timeout);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup(): { session: ZmqSession; context: Context; events: HostEvent[] } {
  const context = new Context();
  const session = new ZmqSession({ context, batchInterval: 10, rateInterval: 0 });
  const events: HostEvent[] = [];
  session.onEvent((e) => events.push(e));
  cleanups.push(() => context.term());
  cleanups.push(() => session.dispose());
  return { session, context, events };
}

function pairs(session: ZmqSession): PeerView[] {
  return session.snapshot().peers.filter((p) => p.pair !== undefined);
}

/*
 * app PEER ──connectPeer──▶ tap (tcp, port *) ──▶ upstream PEER (the session's own, bound on tcp)
 */
describe('ZmqSession taps', () => {
  it('shows a tap as a TAP socket and its relayed connection as a pair with both socket types, traffic and ladder', async () => {
    const { session, context, events } = setup();
    const upstreamId = session.defaultSocketId();
    const upstream = await session.bind(upstreamId, 'tcp://127.0.0.1:*');
    const { tapId, endpoint } = await session.startTap({ listen: 'tcp://127.0.0.1:*', upstream, policy: 'mirror' });
    assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(session.taps().map((t) => [t.tapId, t.listen, t.upstream, t.policy, t.state]), [[tapId, endpoint, upstream, 'mirror', 'listening']]);
    const tapSocket = session.snapshot().sockets.find((s) => s.socketId === tapId);
    assert.deepEqual(tapSocket, {
      socketId: tapId, label: 'Tap 1 · mirror', type: 'TAP', bound: [endpoint], connected: [upstream],
      security: { profile: null, mechanism: 'relayed as is', role: null, publicKey: null },
    });
    assert.ok(!session.sockets().some((s) => s.socketId === tapId), 'the command pickers see sockets only');

    const app = new Peer({ context });
    cleanups.push(() => app.close());
    const rid = app.connectPeer(endpoint);
    await app.send(rid, 'hello through the tap');
    await waitFor(() => session.trafficRecords().some((r) => r.socketId === tapId && r.kind === 'data' && r.direction === 'out'), 'the app\'s message in the buffer');

    await waitFor(() => pairs(session)[0]?.state === 'ACTIVE', 'the pair ACTIVE');
    const [pair] = pairs(session);
    assert.equal(pair.socketId, tapId);
    assert.deepEqual(pair.pair && { app: pair.pair.appSocketType, upstream: pair.pair.upstreamSocketType, diagnosis: pair.pair.diagnosis }, { app: 'PEER', upstream: 'PEER', diagnosis: null });
    assert.equal(pair.messagesOut, 1);
    assert.equal(pair.peerProperties['app Socket-Type'], 'PEER');
    assert.equal(session.taps()[0].connections, 1);

    // The pair's and the tap's message rates (the sparklines): one message out, none in yet.
    session.tickRates(Date.now());
    const rates = session.snapshot().rates;
    assert.deepEqual(rates.peers.find((r) => r.socketId === tapId && r.connectionId === pair.connectionId)?.samples.at(-1), [0, 1, 0, 21]);
    assert.deepEqual(rates.sockets.find((r) => r.socketId === tapId)?.samples.at(-1), [0, 1, 0, 21]);

    const data = session.trafficRecords().filter((r) => r.socketId === tapId && r.kind === 'data');
    assert.deepEqual(data.map((r) => [r.direction, Buffer.from(r.data).toString(), r.size]), [['out', 'hello through the tap', 21]]);
    const kinds = session.trafficRecords().filter((r) => r.socketId === tapId).map((r) => `${r.direction} ${r.kind}`);
    for (const expected of ['out greeting', 'in greeting', 'out READY', 'in READY']) assert.ok(kinds.includes(expected), `${expected} in ${kinds.join(', ')}`);

    const ladder = session.snapshot().ladders.find((l) => l.socketId === tapId && l.connectionId === pair.connectionId);
    assert.ok(ladder, 'the pair has a ladder');
    const steps = ladder.current.steps.map((s) => `${s.direction} ${s.label}`);
    for (const expected of ['out tcp connect', 'out upstream connected', 'out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE', 'out data 21 B']) {
      assert.ok(steps.includes(expected), `${expected} in ${steps.join(', ')}`);
    }
    assert.match(ladder.current.steps.find((s) => s.label === 'READY' && s.direction === 'out')?.detail ?? '', /Socket-Type="PEER"/);

    // The listeners were told: the TAP socket, the pair, the ladder.
    session.flush();
    assert.ok(events.some((e) => e.type === 'sockets' && e.sockets.some((s) => s.type === 'TAP')));
    assert.ok(events.some((e) => e.type === 'peer' && e.peer.pair?.appSocketType === 'PEER'));
    assert.ok(events.some((e) => e.type === 'ladder' && e.ladder.socketId === tapId));

    // pcapng, both formats, through the core's writer: a section header block first.
    for (const format of ['zmtp', 'tcp'] as const) {
      const file = session.exportTapCapture(format);
      assert.ok(file !== null && file.length > 200, `${format} capture`);
      assert.equal(Buffer.from(file.subarray(0, 4)).toString('hex'), '0a0d0d0a');
      assert.ok(Buffer.from(file).includes(Buffer.from('hello through the tap')), `${format} capture holds the message`);
    }

    await session.stopTap(tapId);
    assert.deepEqual(session.taps(), []);
    assert.ok(!session.snapshot().sockets.some((s) => s.socketId === tapId));
    assert.deepEqual(pairs(session), []);
    assert.ok(session.trafficRecords().some((r) => r.socketId === tapId), 'its traffic stays in the buffer');
    await assert.rejects(session.stopTap(tapId), { code: 'ENOTSOCK' });
    session.clearTraffic();
    assert.equal(session.exportTapCapture('zmtp'), null, 'nothing to export once cleared');
  });

  it('diagnoses a mismatched pair in words, keeps it on screen with its failed ladder, and lets it be dismissed', async () => {
    const { session, context } = setup();
    const upstreamId = session.defaultSocketId();
    const upstream = await session.bind(upstreamId, 'tcp://127.0.0.1:*');
    const { tapId, endpoint } = await session.startTap({ listen: 'tcp://127.0.0.1:*', upstream });
    const app = new Client({ context, reconnectInterval: -1 });
    cleanups.push(() => app.close());
    app.connect(endpoint);
    await waitFor(() => pairs(session).some((p) => p.ended), 'the failed pair');
    const failed = pairs(session).find((p) => p.ended)!;
    assert.equal(failed.pair?.appSocketType, 'CLIENT');
    assert.equal(failed.pair?.upstreamSocketType, 'PEER');
    assert.equal(failed.pair?.severity, 'error');
    assert.match(failed.pair?.diagnosis ?? '', /^CLIENT → PEER: incompatible/);
    assert.equal(failed.lastError, failed.pair?.diagnosis);
    const ladder = session.snapshot().ladders.find((l) => l.socketId === tapId && l.connectionId === failed.connectionId)!;
    assert.equal(ladder.current.outcome, 'failed');
    assert.equal(ladder.current.error?.code, 'incompatible-socket-types');
    assert.match(ladder.current.error?.advice ?? '', /change the socket type/);
    const logged = session.snapshot().events.find((e) => e.socketId === tapId && e.type === 'incompatible-socket-types');
    assert.match(logged?.error ?? '', /^CLIENT → PEER: incompatible/, 'the diagnosis is in the event log too');
    assert.ok(session.snapshot().events.some((e) => e.socketId === tapId && e.type === 'listening'), 'the tap\'s own events are logged');

    session.disconnectPeer(tapId, failed.connectionId);
    assert.ok(!pairs(session).some((p) => p.connectionId === failed.connectionId), 'dismissed');
  });

  it('keeps a pair that closed before its handshake completed, with the close as its diagnosis', async () => {
    const { session } = setup();
    const upstreamId = session.defaultSocketId();
    const upstream = await session.bind(upstreamId, 'tcp://127.0.0.1:*');
    const { tapId, endpoint } = await session.startTap({ listen: 'tcp://127.0.0.1:*', upstream });
    // Something that connects and hangs up without a greeting (a health check, a wrong client).
    const port = Number(/:(\d+)$/.exec(endpoint)![1]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    await waitFor(() => pairs(session).some((p) => p.ended), 'the failed pair');
    const [failed] = pairs(session);
    assert.equal(failed.pair?.appSocketType, null);
    assert.match(failed.pair?.diagnosis ?? '', /^app closed/);
    const ladder = session.snapshot().ladders.find((l) => l.socketId === tapId && l.connectionId === failed.connectionId)!;
    assert.equal(ladder.current.error?.code, 'closed-in-handshake');
  });

  it('checks what Start Tap is given as it is typed', () => {
    assert.equal(validateTapListen('tcp://127.0.0.1:*'), undefined);
    assert.equal(validateTapListen('ws://127.0.0.1:*/zmq'), undefined);
    assert.match(validateTapListen('inproc://x') ?? '', /^ENOCOMPATPROTO: .*inproc/);
    assert.match(validateTapListen('tcp://nope') ?? '', /^EINVAL/);
    assert.equal(validateTapUpstream('ipc:///tmp/x.sock', 'tcp://127.0.0.1:*'), undefined);
    assert.match(validateTapUpstream('ws://127.0.0.1:5555', 'tcp://127.0.0.1:*') ?? '', /^EPROTONOSUPPORT: .*both legs/);
    assert.match(validateTapUpstream('wss://127.0.0.1:5555', 'ws://127.0.0.1:*') ?? '', /^EPROTONOSUPPORT/);
    assert.equal(tapPolicyOf('hold'), 'hold');
    assert.equal(tapPolicyOf('drop'), undefined);
  });

  it('offers relaying first in the security step, and reads a scripted call\'s terminate argument', () => {
    assert.deepEqual(TAP_SECURITY_ITEMS.map((i) => [i.label, i.terminate]), [['Relay as is', false], ['Terminate CURVE with my keys…', true]]);
    assert.equal(TAP_SECURITY_ITEMS[0].detail, 'Default: CURVE and PLAIN handshakes are named, contents stay encrypted');
    assert.deepEqual(terminateOf({ serverProfile: 'srv', clientProfile: 'cli' }), { serverProfile: 'srv', clientProfile: 'cli' });
    assert.equal(terminateOf(null), null);
    assert.equal(terminateOf(false), null);
    assert.equal(terminateOf(undefined), undefined);
    assert.equal(terminateOf({ serverProfile: 'srv' }), undefined);
    assert.equal(terminateOf({ serverProfile: 'srv', clientProfile: 7 }), undefined);
  });

  it('fails to start on an endpoint in use with the bind error, and leaves no tap behind', async () => {
    const { session } = setup();
    const upstreamId = session.defaultSocketId();
    const upstream = await session.bind(upstreamId, 'tcp://127.0.0.1:*');
    await assert.rejects(session.startTap({ listen: upstream, upstream }), { code: 'EADDRINUSE' });
    assert.deepEqual(session.taps(), []);
  });
});
