import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context, Peer } from '../../core/index';
import { parseSavedMessages } from '../../extension/saved-messages';
import { ZmqSession, MAX_FRAMES_PER_BATCH } from '../../extension/session';
import type { SessionLogger } from '../../extension/session-settings';
import type { HostEvent } from '../../webview/protocol';
import { waitForTrue } from '../support/wait';

/** Polls until `check` is true (the core works on timers and sockets). */

function memoryLogger(trace = false): SessionLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    traceEnabled: trace,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
    trace: (m) => lines.push(`trace ${m}`),
  };
}

const waitFor = (check: () => boolean, what: string, timeout = 5000): Promise<void> => waitForTrue(check, what, timeout);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup(options: ConstructorParameters<typeof ZmqSession>[0] = {}): { session: ZmqSession; context: Context; events: HostEvent[] } {
  const context = new Context();
  const session = new ZmqSession({ context, ...options });
  const events: HostEvent[] = [];
  session.onEvent((e) => events.push(e));
  cleanups.push(() => context.term());
  cleanups.push(() => session.dispose());
  return { session, context, events };
}

/*
 * session PEER ──connectPeer──▶ remote PEER (bound on tcp)
 *              ◀── "pong" ────
 */
describe('ZmqSession against a real core', () => {
  it('connects a peer over tcp, sends, records traffic and peer state', async () => {
    const logger = memoryLogger(true);
    const { session, context, events } = setup({ logger });
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    assert.equal(session.defaultSocketId(), socketId, 'the default socket is created once');
    const routingId = session.connectPeer(socketId, ` ${endpoint} `);
    assert.ok(routingId > 0);

    assert.equal(await session.send(socketId, routingId, 'text', 'ping'), 4);
    const got = await remote.receive();
    assert.equal(got.data.toString(), 'ping');
    await remote.send(got.routingId, 'pong');

    await waitFor(() => session.trafficRecords().some((r) => r.direction === 'in' && r.kind === 'data'), 'the reply in the traffic');
    await waitFor(() => session.peers(socketId).some((p) => p.state === 'ACTIVE'), 'an active peer');
    session.flush();

    const snapshot = session.snapshot();
    assert.deepEqual(snapshot.sockets.map((s) => [s.socketId, s.connected]), [[socketId, [endpoint]]]);
    const peer = snapshot.peers.find((p) => p.routingId === routingId)!;
    assert.equal(peer.role, 'connect');
    assert.equal(peer.transport, 'tcp');
    const out = snapshot.traffic.find((t) => t.direction === 'out' && t.kind === 'data')!;
    assert.equal(Buffer.from(out.data, 'base64').toString(), 'ping');
    assert.equal(out.routingId, routingId);
    const inbound = snapshot.traffic.find((t) => t.direction === 'in' && t.kind === 'data')!;
    assert.equal(Buffer.from(inbound.data, 'base64').toString(), 'pong');
    assert.ok(snapshot.traffic.some((t) => t.kind === 'greeting'));
    assert.ok(snapshot.events.some((e) => e.type === 'HANDSHAKE_SUCCEEDED'));
    assert.ok(events.some((e) => e.type === 'sockets'));
    assert.ok(events.some((e) => e.type === 'peer' && e.peer.routingId === routingId));
    assert.ok(events.some((e) => e.type === 'monitor'));
    assert.ok(events.some((e) => e.type === 'traffic'));

    assert.ok(logger.lines.some((l) => l.startsWith('info') && l.includes('HANDSHAKE_SUCCEEDED')));
    assert.ok(logger.lines.some((l) => l.startsWith('trace') && l.includes('70 69 6e 67')), 'frame dump in hex at trace');
    await remote.close();
  });

  it('binds, sees accepted peers and closes one accepted connection on request', async () => {
    const { session, context } = setup();
    const socketId = session.defaultSocketId();
    const endpoint = await session.bind(socketId, 'tcp://127.0.0.1:*');
    assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(session.sockets()[0].bound, [endpoint]);

    const remote = new Peer({ context });
    const id = remote.connectPeer(endpoint);
    await remote.send(id, 'hello');
    await waitFor(() => session.peers(socketId).some((p) => p.role === 'bind' && p.routingId !== null && p.messagesIn > 0), 'an accepted peer with its counters');
    const peer = session.peers(socketId).find((p) => p.role === 'bind')!;
    assert.equal(await session.send(socketId, peer.routingId!, 'hex', '68 69'), 2);
    assert.equal((await remote.receive()).data.toString(), 'hi');
    session.disconnectPeer(socketId, peer.connectionId);
    // The accepted connection and its routing id are gone; the remote connector reconnects and gets a new one.
    await assert.rejects(session.send(socketId, peer.routingId!, 'text', 'late'), { code: 'EHOSTUNREACH' });
    await waitFor(() => session.peers(socketId).some((p) => p.role === 'bind' && p.routingId !== null && p.routingId !== peer.routingId), 'the reconnected peer with a new id');
    await remote.close();
  });

  it('disconnects a connect-side peer and reports it gone', async () => {
    const { session, context, events } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, endpoint);
    await waitFor(() => session.peers(socketId).some((p) => p.state === 'ACTIVE'), 'an active peer');
    const peer = session.peers(socketId)[0];
    session.disconnectPeer(socketId, peer.connectionId);
    await waitFor(() => session.peers(socketId).length === 0, 'the peer to go');
    session.flush();
    assert.ok(events.some((e) => e.type === 'peerGone' && e.connectionId === peer.connectionId));
    assert.deepEqual(session.sockets()[0].connected, []);
    assert.throws(() => session.disconnectPeer(socketId, 9999), { code: 'EHOSTUNREACH' });
    await remote.close();
  });

  it('rejects bad payloads, unknown peers and unknown sockets with clear errors', async () => {
    const { session } = setup();
    const socketId = session.defaultSocketId();
    await assert.rejects(session.send(socketId, 1, 'hex', 'zz'), { name: 'PayloadError', message: /not a hex digit/ });
    await assert.rejects(session.send(socketId, 12345, 'text', 'x'), { code: 'EHOSTUNREACH' });
    await assert.rejects(session.send('socket-nope', 1, 'text', 'x'), { code: 'ENOTSOCK' });
    assert.throws(() => session.connectPeer(socketId, 'foo://bar'), { code: 'EPROTONOSUPPORT' });
    assert.throws(() => session.connectPeer(socketId, 'udp://127.0.0.1:1'), { code: 'ENOCOMPATPROTO' });
    await assert.rejects(session.bind(socketId, 'tcp://127.0.0.1'), { code: 'EINVAL' });
  });

  it('keeps traffic bounded by bufferSize and batches events under load', async () => {
    const { session, context, events } = setup({ settings: { bufferSize: 100 }, batchInterval: 50 });
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    const total = 5000;
    const started = Date.now();
    for (let i = 0; i < total; i++) await session.send(socketId, routingId, 'text', `m${i}`);
    let received = 0;
    while (received < total) received += (await remote.receive()) ? 1 : 0;
    const elapsed = Date.now() - started;
    session.flush();

    const records = session.trafficRecords();
    assert.equal(records.length, 100, 'the ring holds exactly bufferSize frames');
    assert.equal(Buffer.from(records.at(-1)!.data).toString(), `m${total - 1}`);
    assert.ok(records.every((r, i) => i === 0 || r.seq === records[i - 1].seq + 1));

    const batches = events.filter((e): e is Extract<HostEvent, { type: 'traffic' }> => e.type === 'traffic');
    const maxBatches = Math.ceil(elapsed / 50) + 3;
    assert.ok(batches.length <= maxBatches, `${batches.length} traffic events in ${elapsed} ms`);
    assert.ok(batches.every((b) => b.frames.length <= Math.min(MAX_FRAMES_PER_BATCH, 100)));
    const sent = batches.reduce((n, b) => n + b.frames.length + (b.dropped ?? 0), 0);
    assert.ok(sent >= total, 'every frame is either sent or counted as dropped');
    assert.equal(session.snapshot().traffic.length, 100);
    await remote.close();
  });

  it('clears and exports traffic as NDJSON', async () => {
    const { session, context, events } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    await session.send(socketId, routingId, 'base64', 'AAH/');
    await remote.receive();
    await waitFor(() => session.trafficRecords().some((r) => r.kind === 'data'), 'the data frame');
    const lines = session.exportTraffic().trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, session.trafficRecords().length);
    const data = lines.find((l) => l.kind === 'data');
    assert.equal(data.data, 'AAH/');
    assert.equal(data.routingId, routingId);
    assert.equal(data.direction, 'out');
    assert.match(data.timestamp, /^\d{4}-\d\d-\d\dT/);

    session.clearTraffic();
    assert.equal(session.trafficRecords().length, 0);
    assert.equal(session.exportTraffic(), '');
    assert.ok(events.some((e) => e.type === 'trafficCleared'));
    await remote.close();
  });

  it('closes a socket and forgets it and its peers', async () => {
    const { session, context, events } = setup();
    const remote = new Peer({ context });
    const endpoint = await remote.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, endpoint);
    await waitFor(() => session.peers(socketId).length > 0, 'a peer');
    await session.closeSocket(socketId);
    session.flush();
    assert.deepEqual(session.sockets(), []);
    assert.deepEqual(session.peers(), []);
    const last = events.filter((e) => e.type === 'sockets').at(-1);
    assert.deepEqual(last, { type: 'sockets', sockets: [] });
    // Its label stays in the snapshot: its frames may still be in the buffer.
    assert.deepEqual(session.snapshot().closedSockets, [{ socketId, label: 'Session PEER' }]);
    assert.notEqual(session.defaultSocketId(), socketId, 'a new default socket replaces a closed one');
    await assert.rejects(session.closeSocket('socket-nope'), { code: 'ENOTSOCK' });
    await remote.close();
  });

  it('shows inproc peers too', async () => {
    const { session, context } = setup();
    const remote = new Peer({ context });
    await remote.bind('inproc://session-test');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, 'inproc://session-test');
    await session.send(socketId, routingId, 'json', '{"a": 1}');
    assert.equal((await remote.receive()).data.toString(), '{"a":1}');
    await waitFor(() => session.peers(socketId).some((p) => p.transport === 'inproc'), 'the inproc peer');
    await remote.close();
  });

  it('applies heartbeat and reconnect settings to its sockets', () => {
    const { session } = setup({ settings: { heartbeatInterval: 1000, heartbeatTimeout: 3000, reconnectInterval: 250, reconnectIntervalMax: 4000 } });
    const socket = session.socket(session.defaultSocketId());
    assert.equal(socket.getOption('heartbeatInterval'), 1000);
    assert.equal(socket.getOption('heartbeatTimeout'), 3000);
    assert.equal(socket.getOption('reconnectInterval'), 250);
    assert.equal(socket.getOption('reconnectIntervalMax'), 4000);
    session.updateSettings({ heartbeatInterval: 500, bufferSize: 50 });
    assert.equal(socket.getOption('heartbeatInterval'), 500);
    assert.equal(session.snapshot().settings.bufferSize, 50);
  });
});

describe('saved messages', () => {
  it('saves to a plain JSON file, replaces by name and emits the list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zmq-saved-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, '.vscode', 'zmq-messages.json');
    const { session, events } = setup({ savedMessagesFile: file });
    assert.deepEqual(await session.loadSavedMessages(), []);
    await session.saveMessage({ name: 'hello', format: 'text', payload: 'hi' });
    await session.saveMessage({ name: 'bytes', format: 'hex', payload: '01 02' });
    await session.saveMessage({ name: 'hello', format: 'text', payload: 'hi again' });
    const text = await readFile(file, 'utf8');
    assert.deepEqual(JSON.parse(text), {
      version: 1,
      messages: [
        { name: 'bytes', format: 'hex', payload: '01 02' },
        { name: 'hello', format: 'text', payload: 'hi again' },
      ],
    });
    assert.ok(text.endsWith('\n') && text.includes('\n  '), 'pretty, for git diffs');
    assert.deepEqual(session.snapshot().savedMessages.map((m) => m.name), ['bytes', 'hello']);
    assert.ok(events.some((e) => e.type === 'savedMessages' && e.messages.length === 2));
    await session.deleteSavedMessage('bytes');
    assert.deepEqual(parseSavedMessages(await readFile(file, 'utf8')).map((m) => m.name), ['hello']);
  });

  it('keeps the list and logs when the file is malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zmq-saved-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, '.vscode'));
    const file = join(dir, '.vscode', 'zmq-messages.json');
    await writeFile(file, '{ not json');
    const logger = memoryLogger();
    const { session } = setup({ savedMessagesFile: file, logger });
    assert.deepEqual(await session.loadSavedMessages(), []);
    assert.ok(logger.lines.some((l) => l.startsWith('warn') && l.includes('zmq-messages.json')));
  });

  it('reads a bare array and skips invalid entries', () => {
    assert.deepEqual(parseSavedMessages('[{"name":"a","format":"text","payload":"x"},{"name":1},{"name":"b","format":"xml","payload":""}]'), [
      { name: 'a', format: 'text', payload: 'x' },
    ]);
    assert.throws(() => parseSavedMessages('{"messages": 3}'), /expected/);
  });

  it('refuses to save without a workspace file', async () => {
    const { session } = setup();
    await assert.rejects(session.saveMessage({ name: 'x', format: 'text', payload: '' }), /workspace/);
  });
});
