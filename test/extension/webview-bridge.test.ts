import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { ZmqError } from '../../core/errors';
import { DebuggerBridge, toWireError } from '../../extension/debugger-bridge';
import type { SessionApi } from '../../extension/session-api';
import { PROTOCOL_VERSION, type HostEvent, type HostToWebview, type Snapshot, type TrafficView } from '../../webview/protocol';

const SNAPSHOT: Snapshot = { sockets: [], peers: [], traffic: [], events: [], closedSockets: [], rates: { time: 0, sockets: [], peers: [] }, ladders: [], settings: { bufferSize: 100, defaultView: 'hex' }, savedMessages: [] };

/** A session double: records calls, lets a test emit events. */
function fakeSession(over: Partial<SessionApi> = {}): SessionApi & { emit(e: HostEvent): void; calls: string[]; listeners: number } {
  const listeners = new Set<(e: HostEvent) => void>();
  const calls: string[] = [];
  const s = {
    calls,
    get listeners() {
      return listeners.size;
    },
    emit: (e: HostEvent) => {
      for (const l of listeners) l(e);
    },
    snapshot: () => SNAPSHOT,
    onEvent: (l: (e: HostEvent) => void) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    send: async (socketId: string, routingId: number, format: string, payload: string) => {
      calls.push(`send ${socketId} ${routingId} ${format} ${payload}`);
      return payload.length;
    },
    connectPeer: () => 42,
    bind: async (_s: string, ep: string) => ep.replace(':0', ':5555'),
    disconnectPeer: (socketId: string, connectionId: number) => void calls.push(`disconnect ${socketId} ${connectionId}`),
    clearTraffic: () => void calls.push('clear'),
    exportTraffic: () => '{"seq":1}\n',
    saveMessage: async () => void calls.push('save'),
    ...over,
  };
  return s;
}

function setup(over: Partial<SessionApi> = {}) {
  const session = fakeSession(over);
  const posted: HostToWebview[] = [];
  const logs: string[] = [];
  const exports: string[] = [];
  const bridge = new DebuggerBridge(session, {
    post: (m) => void posted.push(m),
    log: (m) => void logs.push(m),
    saveExport: async (ndjson) => {
      exports.push(ndjson);
      return '/tmp/out.ndjson';
    },
  });
  return { session, bridge, posted, logs, exports };
}

function frame(seq: number): TrafficView {
  return { seq, time: seq, socketId: 's1', connectionId: 1, routingId: 1, direction: 'in', kind: 'data', size: 0, data: '', truncated: false };
}

async function response(posted: HostToWebview[], id: number): Promise<HostToWebview> {
  for (let i = 0; i < 50; i++) {
    const r = posted.find((m) => m.kind === 'response' && m.id === id);
    if (r) return r;
    await delay(1);
  }
  throw new Error(`no response to ${id}`);
}

describe('debugger bridge', () => {
  it('answers ready with init and then forwards events', () => {
    const { session, bridge, posted } = setup();
    session.emit({ type: 'trafficCleared' });
    assert.equal(posted.length, 0, 'nothing is posted before ready');
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    assert.deepEqual(posted[0], { kind: 'init', version: PROTOCOL_VERSION, snapshot: SNAPSHOT });
    session.emit({ type: 'trafficCleared' });
    assert.deepEqual(posted[1], { kind: 'event', event: { type: 'trafficCleared' } });
  });

  it('ignores and logs invalid messages without throwing', () => {
    const { bridge, posted, logs } = setup();
    for (const bad of [null, 'x', { kind: 'request', id: 1, method: 'peer/send', params: { socketId: 's1', routingId: 0, format: 'text', payload: '' } }, { kind: 'request', id: 2, method: 'eval', params: {} }]) {
      assert.doesNotThrow(() => bridge.receive(bad));
    }
    assert.equal(posted.length, 0);
    assert.equal(logs.length, 4);
    bridge.receive({ kind: 'request', id: 3, method: 'nope', params: { huge: 'x'.repeat(100_000) } });
    assert.ok(logs[4].length < 400, 'a huge message is logged cut short');
  });

  it('runs requests and answers each with one ok response', async () => {
    const { session, bridge, posted, exports } = setup();
    bridge.receive({ kind: 'request', id: 1, method: 'peer/send', params: { socketId: 's1', routingId: 5, format: 'text', payload: 'hey' } });
    bridge.receive({ kind: 'request', id: 2, method: 'socket/connectPeer', params: { socketId: 's1', endpoint: 'tcp://127.0.0.1:1' } });
    bridge.receive({ kind: 'request', id: 3, method: 'socket/bind', params: { socketId: 's1', endpoint: 'tcp://127.0.0.1:0' } });
    bridge.receive({ kind: 'request', id: 4, method: 'peer/disconnect', params: { socketId: 's1', connectionId: 7 } });
    bridge.receive({ kind: 'request', id: 5, method: 'traffic/clear', params: {} });
    bridge.receive({ kind: 'request', id: 6, method: 'traffic/export', params: {} });
    bridge.receive({ kind: 'request', id: 7, method: 'messages/save', params: { message: { name: 'a', format: 'text', payload: 'b' } } });
    assert.deepEqual(await response(posted, 1), { kind: 'response', id: 1, ok: true, result: { bytes: 3 } });
    assert.deepEqual(await response(posted, 2), { kind: 'response', id: 2, ok: true, result: { routingId: 42 } });
    assert.deepEqual(await response(posted, 3), { kind: 'response', id: 3, ok: true, result: { endpoint: 'tcp://127.0.0.1:5555' } });
    assert.deepEqual(await response(posted, 4), { kind: 'response', id: 4, ok: true, result: null });
    assert.deepEqual(await response(posted, 5), { kind: 'response', id: 5, ok: true, result: null });
    assert.deepEqual(await response(posted, 6), { kind: 'response', id: 6, ok: true, result: { path: '/tmp/out.ndjson' } });
    assert.deepEqual(await response(posted, 7), { kind: 'response', id: 7, ok: true, result: null });
    assert.deepEqual(session.calls, ['send s1 5 text hey', 'disconnect s1 7', 'clear', 'save']);
    assert.deepEqual(exports, ['{"seq":1}\n']);
    assert.equal(posted.filter((m) => m.kind === 'response').length, 7);
  });

  it('answers a ZmqError as { code, message }', async () => {
    const { bridge, posted } = setup({
      send: async () => {
        throw new ZmqError('EHOSTUNREACH');
      },
      connectPeer: () => {
        throw new ZmqError('EINVAL', { detail: 'bad endpoint' });
      },
    });
    bridge.receive({ kind: 'request', id: 1, method: 'peer/send', params: { socketId: 's1', routingId: 5, format: 'text', payload: 'x' } });
    bridge.receive({ kind: 'request', id: 2, method: 'socket/connectPeer', params: { socketId: 's1', endpoint: 'nope' } });
    const r1 = await response(posted, 1);
    assert.ok(r1.kind === 'response' && !r1.ok);
    assert.equal(r1.error.code, 'EHOSTUNREACH');
    assert.equal(r1.error.message, new ZmqError('EHOSTUNREACH').message);
    const r2 = await response(posted, 2);
    assert.ok(r2.kind === 'response' && !r2.ok && r2.error.code === 'EINVAL');
  });

  it('maps other errors to EINTERNAL or their own short code', () => {
    assert.deepEqual(toWireError(new Error('boom')), { code: 'EINTERNAL', message: 'boom' });
    assert.deepEqual(toWireError(Object.assign(new Error('no file'), { code: 'ENOENT' })), { code: 'ENOENT', message: 'no file' });
    assert.deepEqual(toWireError('str'), { code: 'EINTERNAL', message: 'str' });
  });

  it('forwards each session event as it comes, traffic in order with the others and with its dropped count', () => {
    const { session, bridge, posted } = setup();
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    session.emit({ type: 'traffic', frames: [frame(1), frame(2)] });
    session.emit({ type: 'trafficCleared' });
    session.emit({ type: 'traffic', frames: [frame(3)], dropped: 9 });
    // Synchronously: the session has already coalesced, the bridge adds no timer of its own.
    assert.deepEqual(posted.slice(1), [
      { kind: 'event', event: { type: 'traffic', frames: [frame(1), frame(2)] } },
      { kind: 'event', event: { type: 'trafficCleared' } },
      { kind: 'event', event: { type: 'traffic', frames: [frame(3)], dropped: 9 } },
    ]);
  });

  it('posts focus after init when it comes before ready, at once after', () => {
    const { bridge, posted } = setup();
    bridge.focus({ socketId: 's1', routingId: 3 });
    assert.equal(posted.length, 0);
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    assert.deepEqual(posted.map((m) => m.kind), ['init', 'event']);
    assert.deepEqual(posted[1], { kind: 'event', event: { type: 'focus', socketId: 's1', routingId: 3 } });
    bridge.focus({ socketId: 's2' });
    assert.deepEqual(posted[2], { kind: 'event', event: { type: 'focus', socketId: 's2', routingId: null } });
    // A script run: show all the traffic.
    bridge.focus({ showAll: true });
    assert.deepEqual(posted[3], { kind: 'event', event: { type: 'focus', socketId: null, routingId: null } });
    const count = posted.length;
    bridge.focus({});
    assert.equal(posted.length, count, 'nothing to show: nothing posted');
  });

  it('stops forwarding when detached until the next ready', () => {
    const { session, bridge, posted } = setup();
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    bridge.detach();
    session.emit({ type: 'trafficCleared' });
    assert.equal(posted.length, 1);
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    assert.equal(posted[1].kind, 'init');
  });

  it('unsubscribes from the session on dispose and ignores later messages', () => {
    const { session, bridge, posted } = setup();
    assert.equal(session.listeners, 1);
    bridge.dispose();
    assert.equal(session.listeners, 0);
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    assert.equal(posted.length, 0);
  });

  it('logs a postMessage failure instead of throwing', () => {
    const logs: string[] = [];
    const bridge = new DebuggerBridge(fakeSession(), {
      post: () => {
        throw new Error('webview is disposed');
      },
      log: (m) => void logs.push(m),
      saveExport: async () => null,
    });
    assert.doesNotThrow(() => bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION }));
    assert.match(logs[0], /postMessage failed/);
  });
});
