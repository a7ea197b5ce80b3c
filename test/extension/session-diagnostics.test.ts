/**
 * What the session records for the debugger's pictures and failure states, against a real core:
 * handshake ladders (success, a refused connect, an incompatible socket type), connections kept
 * after a failed handshake, the last error cleared once ACTIVE, grouped retry events, message
 * rates, and the API's disconnect(endpoint) reaching the debugger.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { Context, Peer, Server } from '../../core/index';
import { ZmqSession } from '../../extension/session';
import type { HostEvent, LadderView, PeerView } from '../../webview/protocol';
import { waitForValue } from '../support/wait';


const waitFor = <T>(read: () => T, ok: (value: T) => boolean, what: string, timeout = 8000): Promise<T> => waitForValue(read, ok, what, timeout);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup(): { session: ZmqSession; context: Context; events: HostEvent[] } {
  const context = new Context();
  const session = new ZmqSession({ context, batchInterval: 10, rateInterval: 0, settings: { reconnectInterval: 50 } });
  const events: HostEvent[] = [];
  session.onEvent((e) => events.push(e));
  cleanups.push(() => context.term());
  cleanups.push(() => session.dispose());
  return { session, context, events };
}

/** A TCP port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ladderOf(session: ZmqSession, peer: PeerView): LadderView | undefined {
  return session.snapshot().ladders.find((l) => l.socketId === peer.socketId && l.connectionId === peer.connectionId);
}

describe('session diagnostics against a real core', () => {
  it('draws the handshake ladder of a successful connection: connect, greetings, READYs, ACTIVE, the first frames', async () => {
    const { session, context } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    await session.send(socketId, routingId, 'text', 'hello ladder');
    const got = await remote.receive();
    await remote.send(got.routingId, 'back');
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => p?.state === 'ACTIVE' && p.messagesIn === 1, 'ACTIVE with the reply');
    const ladder = await waitFor(() => ladderOf(session, peer), (l) => (l?.current.steps.filter((s) => s.kind === 'data').length ?? 0) === 2, 'both data steps');
    const steps = ladder!.current.steps.map((s) => `${s.direction} ${s.label}`);
    assert.deepEqual(steps, ['out tcp connect', 'in connected', 'out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE', 'out data 12 B', 'in data 4 B']);
    const byLabel = (direction: string, label: string) => ladder!.current.steps.find((s) => s.direction === direction && s.label === label)!;
    assert.equal(byLabel('in', 'greeting').detail, 'ZMTP 3.1 · NULL · as-server 0');
    assert.equal(byLabel('out', 'READY').detail, 'Socket-Type="PEER"');
    assert.equal(byLabel('in', 'READY').detail, 'Socket-Type="PEER"');
    assert.equal(byLabel('out', 'data 12 B').detail, '"hello ladder"');
    assert.equal(byLabel('local', 'ACTIVE').detail, `routing id #${routingId}`);
    assert.deepEqual([ladder!.current.outcome, ladder!.current.attempt, ladder!.lastFailed], ['active', 1, null]);
  });

  it('shows a refused connect as failing: the error on the ladder with advice, retries counted, grouped events', async () => {
    const { session, events } = setup();
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${await closedPort()}`);
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => (p?.reconnects ?? 0) >= 4, 'four failed attempts');
    assert.equal(peer.state === 'WAIT_RECONNECT' || peer.state === 'CONNECTING', true, peer.state);
    assert.match(peer.lastError ?? '', /ECONNREFUSED/);
    const ladder = ladderOf(session, peer)!;
    const failed = ladder.current.outcome === 'failed' ? ladder.current : ladder.lastFailed!;
    assert.equal(failed.error?.code, 'ECONNREFUSED');
    assert.match(failed.error?.advice ?? '', /Nothing is listening/);
    assert.deepEqual(failed.steps.slice(0, 2).map((s) => `${s.direction} ${s.kind} ${s.label}`), ['out net tcp connect', 'local error ECONNREFUSED']);
    session.flush();
    // Every retry cycle joined the same three groups: the log did not grow with the retries.
    const groups = session.snapshot().events.filter((e) => e.type === 'CONNECT_RETRIED');
    assert.equal(groups.length, 1);
    assert.ok(groups[0].count >= 4, `CONNECT_RETRIED ×${groups[0].count}`);
    assert.ok(session.snapshot().events.length <= 4, JSON.stringify(session.snapshot().events.map((e) => e.type)));
    assert.ok(events.some((e) => e.type === 'monitor' && e.events.some((g) => g.type === 'CONNECT_RETRIED' && g.count > 1)), 'grown groups are sent again');
  });

  it('clears the last error once the connection becomes ACTIVE', async () => {
    const { session, context } = setup();
    const port = await closedPort();
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${port}`);
    await waitFor(() => session.peers(socketId)[0], (p) => (p?.reconnects ?? 0) >= 2 && p.lastError !== null, 'a failed attempt');
    const late = new Peer({ context });
    await late.bind(`tcp://127.0.0.1:${port}`);
    const active = await waitFor(() => session.peers(socketId)[0], (p) => p?.state === 'ACTIVE', 'ACTIVE');
    assert.equal(active.lastError, null);
    const ladder = ladderOf(session, active)!;
    assert.equal(ladder.current.outcome, 'active');
    assert.equal(ladder.lastFailed?.error?.code, 'ECONNREFUSED', 'the last failed attempt is kept beside it');
  });

  it('keeps a connection whose handshake failed (incompatible socket type), with the failing step named', async () => {
    const { session, context } = setup();
    const server = new Server({ context });
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => p?.ended === true, 'the ended connection');
    assert.equal(peer.routingId, routingId);
    assert.match(peer.lastError ?? '', /ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE/);
    const ladder = ladderOf(session, peer)!;
    assert.equal(ladder.current.outcome, 'failed');
    assert.equal(ladder.current.error?.code, 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE');
    assert.match(ladder.current.error?.advice ?? '', /PEER talks only to PEER/);
    const labels = ladder.current.steps.map((s) => `${s.direction} ${s.label}`);
    assert.deepEqual(labels.slice(-2), ['in READY', 'local ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE']);
    assert.match(ladder.current.steps.at(-2)!.detail ?? '', /Socket-Type="SERVER"/);
    // Dismissing it (the Disconnect/Dismiss button) forgets it.
    session.disconnectPeer(socketId, peer.connectionId);
    assert.deepEqual(session.peers(socketId), []);
  });

  it('names a hang-up after our greeting as libzmq does (a PLAIN or CURVE server checks ours before sending its own)', async () => {
    const { session } = setup();
    // A server that reads our greeting and closes, as libzmq does on a mechanism mismatch.
    const server = createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${(server.address() as { port: number }).port}`);
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => (p?.reconnects ?? 0) >= 1, 'a failed attempt');
    const ladder = await waitFor(() => ladderOf(session, peer), (l) => (l?.lastFailed ?? l?.current)?.error !== null, 'the failure');
    const failed = ladder!.current.outcome === 'failed' ? ladder!.current : ladder!.lastFailed!;
    assert.equal(failed.error?.code, 'HANDSHAKE_FAILED_NO_DETAIL');
    assert.match(failed.error?.message ?? '', /after our greeting, before sending all of its own/);
    assert.match(failed.error?.advice ?? '', /another security mechanism \(PLAIN or CURVE/);
    assert.deepEqual(failed.steps.slice(0, 3).map((s) => `${s.direction} ${s.label}`), ['out tcp connect', 'in connected', 'out greeting']);
  });

  it('names ERR_ZMTP_MECHANISM_MISMATCH when the greeting of the peer says CURVE', async () => {
    const { session } = setup();
    // RFC 23 greeting: signature, version 3.1, mechanism "CURVE", as-server 1, filler.
    const greeting = Buffer.alloc(64);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[11] = 1;
    greeting.write('CURVE', 12, 'latin1');
    greeting[32] = 1;
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      // Reading sees the core hang up, so the server can close.
      socket.resume();
      socket.write(greeting);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${(server.address() as { port: number }).port}`);
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => p?.ended === true, 'the ended connection');
    const ladder = ladderOf(session, peer)!;
    assert.equal(ladder.current.error?.code, 'ERR_ZMTP_MECHANISM_MISMATCH');
    assert.match(ladder.current.error?.advice ?? '', /same security mechanism/);
    assert.deepEqual(ladder.current.steps.map((s) => `${s.direction} ${s.label}`).slice(-2), ['out greeting', 'local ERR_ZMTP_MECHANISM_MISMATCH']);
  });

  it('does not keep a connection the user ended', async () => {
    const { session } = setup();
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${await closedPort()}`);
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => (p?.reconnects ?? 0) >= 1, 'a failed attempt');
    session.disconnectPeer(socketId, peer.connectionId);
    await waitFor(() => session.peers(socketId), (p) => p.length === 0, 'the peer gone');
  });

  it('counts data messages and bytes per second, per socket and per connection', async () => {
    const { session, context, events } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    for (let i = 0; i < 5; i++) await session.send(socketId, routingId, 'text', '12345');
    for (let i = 0; i < 5; i++) await remote.receive();
    const peer = await waitFor(() => session.peers(socketId)[0], (p) => p?.messagesOut === 5, 'five sent');
    session.tickRates(1000);
    const tick = events.filter((e): e is Extract<HostEvent, { type: 'rates' }> => e.type === 'rates').at(-1)!.tick;
    assert.deepEqual(tick.sockets.find((s) => s.socketId === socketId)?.sample, [0, 5, 0, 25]);
    assert.deepEqual(tick.peers.find((p) => p.connectionId === peer.connectionId)?.sample, [0, 5, 0, 25]);
    session.tickRates(2000);
    const history = session.snapshot().rates;
    assert.equal(history.time, 2000);
    assert.deepEqual(history.sockets.find((s) => s.socketId === socketId)?.samples, [[0, 5, 0, 25], [0, 0, 0, 0]]);
  });

  it('disconnect(endpoint) drops the endpoint from the socket list the debugger shows', async () => {
    const { session, context, events } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, endpoint);
    await waitFor(() => session.peers(socketId)[0], (p) => p?.state === 'ACTIVE', 'ACTIVE');
    session.flush();
    const before = events.length;
    session.disconnect(socketId, endpoint);
    session.flush();
    const sockets = events.slice(before).filter((e): e is Extract<HostEvent, { type: 'sockets' }> => e.type === 'sockets').at(-1);
    assert.deepEqual(sockets?.sockets.find((s) => s.socketId === socketId)?.connected, []);
    await waitFor(() => session.peers(socketId), (p) => p.length === 0, 'the peer gone, not kept');
  });
});
