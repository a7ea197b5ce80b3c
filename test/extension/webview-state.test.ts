import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostEvent, HostToWebview, PeerView, Snapshot, TrafficView } from '../../webview/protocol';
import { PROTOCOL_VERSION } from '../../webview/protocol';
import { bytesToBase64 } from '../../webview/payload';
import { peerFilterChoices, sendTargets } from '../../webview/peer-targets';
import { appendBounded, initialState, MAX_EVENTS, reduce, selectedFrame, viewStateOf, type DebuggerState } from '../../webview/state';
import { parseTargetKey, peerKey, socketRateKey, targetKey } from '../../webview/state-keys';
import { compileTextFilter, visibleTraffic } from '../../webview/traffic-filter';

const enc = new TextEncoder();

function frame(seq: number, over: Partial<TrafficView> = {}): TrafficView {
  const text = over.data === undefined ? `msg ${seq}` : '';
  return {
    seq, time: 1_700_000_000_000 + seq, socketId: 's1', connectionId: 1, routingId: 7, direction: 'in', kind: 'data',
    size: text.length, data: bytesToBase64(enc.encode(text)), truncated: false, ...over,
  };
}

function peer(connectionId: number, over: Partial<PeerView> = {}): PeerView {
  return {
    socketId: 's1', connectionId, role: 'connect', transport: 'tcp', endpoint: 'tcp://127.0.0.1:5555', state: 'CONNECTING',
    routingId: connectionId + 100, localAddress: null, remoteAddress: null, zmtpVersion: null, mechanism: null, peerProperties: {},
    messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, queuedOut: 0, queuedIn: 0, lastHeartbeat: null, reconnects: 0, lastError: null, ended: false, ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    sockets: [{ socketId: 's1', label: 'peer 1', type: 'PEER', bound: [], connected: ['tcp://127.0.0.1:5555'] }],
    closedSockets: [], peers: [], traffic: [], events: [], rates: { time: 0, sockets: [], peers: [] }, ladders: [], settings: { bufferSize: 100, defaultView: 'hex' }, savedMessages: [], ...over,
  };
}

const init = (snap: Snapshot = snapshot()): HostToWebview => ({ kind: 'init', version: PROTOCOL_VERSION, snapshot: snap });
const ev = (event: HostEvent): HostToWebview => ({ kind: 'event', event });
const traffic = (frames: TrafficView[]): HostToWebview => ev({ type: 'traffic', frames });

function started(snap?: Snapshot): DebuggerState {
  return reduce(initialState(), init(snap));
}

describe('webview state: init', () => {
  it('starts uninitialised and becomes initialised on init, taking the snapshot', () => {
    assert.equal(initialState().initialised, false);
    const s = started(snapshot({ peers: [peer(1)], traffic: [frame(1), frame(2)] }));
    assert.equal(s.initialised, true);
    assert.equal(s.sockets.length, 1);
    assert.equal(s.peers.size, 1);
    assert.deepEqual(s.traffic.map((f) => f.seq), [1, 2]);
    assert.equal(s.bufferSize, 100);
  });

  it('cuts an init snapshot larger than bufferSize to the newest frames', () => {
    const frames = Array.from({ length: 250 }, (_, i) => frame(i + 1));
    const s = started(snapshot({ traffic: frames }));
    assert.equal(s.traffic.length, 100);
    assert.equal(s.traffic[0].seq, 151);
  });

  it('falls back to the default buffer size on a nonsense setting', () => {
    const s = started(snapshot({ settings: { bufferSize: -5, defaultView: 'utf8' } }));
    assert.ok(s.bufferSize > 0);
    assert.equal(s.defaultView, 'utf8');
  });

  it('keeps view state across a second init (a reloaded page)', () => {
    let s = started();
    s = reduce(s, { kind: 'ui/filter', patch: { text: 'hello' } });
    s = reduce(s, init(snapshot({ traffic: [frame(9)] })));
    assert.equal(s.filter.text, 'hello');
    assert.deepEqual(s.traffic.map((f) => f.seq), [9]);
  });

  it('leaves the state unchanged on a response (rpc.ts handles those)', () => {
    const s = started();
    assert.equal(reduce(s, { kind: 'response', id: 1, ok: true, result: null }), s);
  });
});

describe('webview state: traffic ring', () => {
  it('never grows past bufferSize, dropping the oldest', () => {
    let s = started();
    for (let batch = 0; batch < 30; batch++) {
      s = reduce(s, traffic(Array.from({ length: 17 }, (_, i) => frame(batch * 17 + i + 1))));
      assert.ok(s.traffic.length <= 100);
    }
    assert.equal(s.traffic.length, 100);
    assert.equal(s.traffic[99].seq, 510);
    assert.equal(s.traffic[0].seq, 411);
    assert.equal(s.dropped, 410);
  });

  it('takes only the newest bufferSize frames of a batch larger than the ring', () => {
    const s = reduce(started(), traffic(Array.from({ length: 1000 }, (_, i) => frame(i + 1))));
    assert.equal(s.traffic.length, 100);
    assert.equal(s.traffic[0].seq, 901);
  });

  it('counts the frames the host skipped in a batch as dropped', () => {
    let s = reduce(started(), ev({ type: 'traffic', frames: [frame(5)], dropped: 4 }));
    assert.equal(s.dropped, 4);
    s = reduce(s, ev({ type: 'traffic', frames: [], dropped: 3 }));
    assert.equal(s.dropped, 7);
    assert.equal(s.traffic.length, 1);
  });

  it('ignores frames it already has (a replay after init)', () => {
    let s = started(snapshot({ traffic: [frame(1), frame(2)] }));
    s = reduce(s, traffic([frame(2), frame(3)]));
    assert.deepEqual(s.traffic.map((f) => f.seq), [1, 2, 3]);
  });

  it('empties the ring and the selection on trafficCleared', () => {
    let s = reduce(started(), traffic([frame(1), frame(2)]));
    s = reduce(s, { kind: 'ui/selectMessage', seq: 2 });
    s = reduce(s, ev({ type: 'trafficCleared' }));
    assert.equal(s.traffic.length, 0);
    assert.equal(s.selectedSeq, null);
  });

  it('does not mutate the previous state', () => {
    const a = reduce(started(), traffic([frame(1)]));
    const before = a.traffic;
    reduce(a, traffic([frame(2)]));
    assert.equal(a.traffic, before);
    assert.equal(a.traffic.length, 1);
  });

  it('appendBounded keeps exactly the last `bound` items', () => {
    assert.deepEqual(appendBounded([1, 2, 3], [4, 5], 4), { list: [2, 3, 4, 5], dropped: 1 });
    assert.deepEqual(appendBounded([1], [2], 4), { list: [1, 2], dropped: 0 });
    assert.deepEqual(appendBounded([1, 2], [3, 4, 5, 6, 7], 3), { list: [5, 6, 7], dropped: 4 });
  });

  it('bounds the event log', () => {
    const events = Array.from({ length: MAX_EVENTS + 10 }, (_, i) => ({ id: i + 1, time: i, firstTime: i, count: 1, socketId: 's1', type: 'connected', value: 1, endpoint: 'tcp://x:1', routingId: null, error: null }));
    const s = reduce(started(), ev({ type: 'monitor', events }));
    assert.equal(s.events.length, MAX_EVENTS);
    assert.equal(s.events[0].time, 10);
  });
});

describe('webview state: filters', () => {
  const frames = [
    frame(1, { data: bytesToBase64(enc.encode('hello world')), direction: 'in', routingId: 7 }),
    frame(2, { data: bytesToBase64(enc.encode('HELLO again')), direction: 'out', routingId: 8 }),
    frame(3, { data: '', kind: 'PING', routingId: 7 }),
    frame(4, { data: bytesToBase64(enc.encode('bye')), direction: 'in', routingId: 8 }),
  ];
  const base = reduce(started(), traffic(frames));
  const seqs = (s: DebuggerState): number[] => visibleTraffic(s).map((f) => f.seq);

  it('hides commands unless show commands is on', () => {
    assert.deepEqual(seqs(base), [1, 2, 4]);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { showCommands: true } })), [1, 2, 3, 4]);
  });

  it('matches plain text case-insensitively', () => {
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { text: 'hello' } })), [1, 2]);
  });

  it('matches /regex/ with flags', () => {
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { text: '/^hello/' } })), [1]);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { text: '/^hello/i' } })), [1, 2]);
    // A global flag must not make matching stateful (lastIndex).
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { text: '/o/gi' } })), [1, 2]);
  });

  it('reports an invalid regex and then does not filter by text', () => {
    const s = reduce(base, { kind: 'ui/filter', patch: { text: '/([a-/' } });
    assert.notEqual(s.filterError, null);
    assert.deepEqual(seqs(s), [1, 2, 4]);
    assert.equal(reduce(s, { kind: 'ui/filter', patch: { text: 'bye' } }).filterError, null);
    assert.notEqual(compileTextFilter('/(/').error, null);
  });

  it('filters by socket, by routing id on a socket, and by direction', () => {
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { socketId: 's1', routingId: 8 } })), [2, 4]);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { direction: 'in' } })), [1, 4]);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { direction: 'out', socketId: 's1', routingId: 7 } })), []);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { socketId: 's1' } })), [1, 2, 4]);
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { socketId: 's2' } })), []);
    // A routing id alone names nothing (routing ids are per socket): it is not applied.
    assert.equal(reduce(base, { kind: 'ui/filter', patch: { routingId: 8 } }).filter.routingId, null);
  });

  it('finds a command by its kind when commands are shown', () => {
    assert.deepEqual(seqs(reduce(base, { kind: 'ui/filter', patch: { showCommands: true, text: 'ping' } })), [3]);
  });
});

describe('webview state: peers', () => {
  it('adds and updates a peer as its handshake moves', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(1, { state: 'READY', peerProperties: { 'Socket-Type': 'PEER' } }) }));
    assert.equal(s.peers.size, 1);
    assert.equal(s.peers.get(peerKey('s1', 1))?.state, 'READY');
  });

  it('makes the first routing id the send target when none is picked, and keeps a picked one', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1, { routingId: null }) }));
    assert.equal(s.draft.target, '');
    s = reduce(s, ev({ type: 'peer', peer: peer(1) }));
    assert.equal(s.draft.target, targetKey('s1', 101));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    assert.equal(s.draft.target, targetKey('s1', 101));
  });

  it('selecting a peer makes its routing id the send target', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    s = reduce(s, { kind: 'ui/selectPeer', key: peerKey('s1', 2) });
    assert.equal(s.selectedPeer, peerKey('s1', 2));
    assert.equal(s.draft.target, targetKey('s1', 102));
    s = reduce(s, { kind: 'ui/selectPeer', key: null });
    assert.equal(s.draft.target, targetKey('s1', 102));
  });

  it('keys peers by socket and connection id', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(1, { socketId: 's2' }) }));
    assert.equal(s.peers.size, 2);
  });

  it('removes a peer on peerGone and clears its selection', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, { kind: 'ui/selectPeer', key: peerKey('s1', 1) });
    s = reduce(s, ev({ type: 'peerGone', socketId: 's1', connectionId: 1 }));
    assert.equal(s.peers.size, 0);
    assert.equal(s.selectedPeer, null);
  });

  it('returns the same state on peerGone for an unknown peer', () => {
    const s = started();
    assert.equal(reduce(s, ev({ type: 'peerGone', socketId: 's1', connectionId: 99 })), s);
  });

  it('lists send targets: peers with a routing id, once each', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2, { routingId: null }) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(3, { routingId: 101 }) }));
    assert.deepEqual(sendTargets(s).map((t) => t.routingId), [101]);
  });
});

describe('webview state: focus, selection and view state', () => {
  it('focus selects the peer and targets the send form at it, without filtering the traffic', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    s = reduce(s, ev({ type: 'focus', socketId: 's1', routingId: 102 }));
    assert.equal(s.selectedPeer, peerKey('s1', 2));
    assert.equal(s.draft.target, targetKey('s1', 102));
    assert.deepEqual([s.filter.socketId, s.filter.routingId], [null, null]);
  });

  it('focus on a routing id that has no connection yet selects it when it comes (Connect Peer)', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, { kind: 'ui/selectPeer', key: peerKey('s1', 1) });
    s = reduce(s, ev({ type: 'focus', socketId: 's1', routingId: 102 }));
    assert.equal(s.draft.target, targetKey('s1', 102));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    assert.equal(s.selectedPeer, peerKey('s1', 2));
    assert.equal(s.pendingSelect, null);
  });

  it('focus on a routing id whose handshake already failed selects that connection, to show why', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, { kind: 'ui/selectPeer', key: peerKey('s1', 1) });
    s = reduce(s, ev({ type: 'peer', peer: peer(2, { state: 'TERMINATED', ended: true, lastError: 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE: DEALER' }) }));
    s = reduce(s, ev({ type: 'focus', socketId: 's1', routingId: 102 }));
    assert.equal(s.selectedPeer, peerKey('s1', 2));
    assert.equal(s.pendingSelect, null);
  });

  it('focus lifts a peer filter that would hide what it shows, and keeps one that does not', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    s = reduce(s, { kind: 'ui/filter', patch: { socketId: 's1', routingId: 101, text: 'keep' } });
    const same = reduce(s, ev({ type: 'focus', socketId: 's1', routingId: 101 }));
    assert.equal(same.filter.routingId, 101);
    const other = reduce(s, ev({ type: 'focus', socketId: 's1', routingId: 102 }));
    assert.deepEqual([other.filter.socketId, other.filter.routingId, other.filter.text], [null, null, 'keep']);
    // A script run shows everything: no socket named.
    const all = reduce(s, ev({ type: 'focus', socketId: null, routingId: null }));
    assert.deepEqual([all.filter.socketId, all.filter.routingId], [null, null]);
  });

  it('focus on a socket alone changes nothing', () => {
    const s = started();
    assert.equal(reduce(s, ev({ type: 'focus', socketId: 's1', routingId: null })), s);
  });

  it('selecting a message pauses auto-scroll and finds the frame', () => {
    let s = reduce(started(), traffic([frame(1), frame(2), frame(3)]));
    s = reduce(s, { kind: 'ui/selectMessage', seq: 2 });
    assert.equal(s.autoScroll, false);
    assert.equal(selectedFrame(s)?.seq, 2);
    assert.equal(selectedFrame(reduce(s, { kind: 'ui/selectMessage', seq: 99 })), null);
  });

  it('restores view state from setState, rejecting tampered fields', () => {
    const s = reduce(initialState(), { kind: 'ui/restore', view: { filter: { text: 7, routingId: 0, direction: 'sideways', showCommands: 'yes' }, draft: { format: 'exe', payload: 'x' }, autoScroll: false } });
    assert.deepEqual(s.filter, { text: '', socketId: null, routingId: null, direction: 'all', showCommands: false });
    assert.deepEqual(s.draft, { target: '', format: 'text', payload: 'x' });
    assert.equal(s.autoScroll, false);
    assert.doesNotThrow(() => reduce(initialState(), { kind: 'ui/restore', view: undefined }));
  });

  it('round-trips view state through viewStateOf and restore', () => {
    let s = reduce(started(), { kind: 'ui/filter', patch: { text: '/x/', direction: 'out' } });
    s = reduce(s, { kind: 'ui/draft', patch: { format: 'hex', payload: 'ff' } });
    const restored = reduce(initialState(), { kind: 'ui/restore', view: JSON.parse(JSON.stringify(viewStateOf(s))) });
    assert.deepEqual(viewStateOf(restored), viewStateOf(s));
  });

  it('parses target keys and rejects routing id 0', () => {
    assert.deepEqual(parseTargetKey(targetKey('s1', 5)), { socketId: 's1', routingId: 5 });
    assert.equal(parseTargetKey(targetKey('s1', 0)), null);
    assert.equal(parseTargetKey(''), null);
  });
});

describe('webview state: gone peers never hold the filter or the send target', () => {
  it('lifts a routing-id filter and moves the send target when that peer is gone', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    s = reduce(s, traffic([frame(1, { routingId: 101 }), frame(2, { routingId: 102 })]));
    s = reduce(s, { kind: 'ui/showPeer', key: peerKey('s1', 2) });
    assert.deepEqual([s.filter.socketId, s.filter.routingId, s.draft.target, s.selectedPeer], ['s1', 102, targetKey('s1', 102), peerKey('s1', 2)]);
    s = reduce(s, ev({ type: 'peerGone', socketId: 's1', connectionId: 2 }));
    assert.deepEqual([s.filter.socketId, s.filter.routingId], [null, null]);
    assert.equal(s.draft.target, targetKey('s1', 101), 'the send target moves to a live peer');
    assert.deepEqual(visibleTraffic(s).map((f) => f.seq), [1, 2]);
    s = reduce(s, ev({ type: 'peerGone', socketId: 's1', connectionId: 1 }));
    assert.equal(s.draft.target, '', 'no live peer: no send target');
  });

  it('keeps the picked send target with two peers as they update', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(2) }));
    s = reduce(s, { kind: 'ui/draft', patch: { target: targetKey('s1', 102) } });
    for (const state of ['GREETING_SIGNATURE', 'READY_EXCHANGE', 'ACTIVE']) {
      s = reduce(s, ev({ type: 'peer', peer: peer(1, { state }) }));
      s = reduce(s, ev({ type: 'peer', peer: peer(2, { state, messagesIn: 3 }) }));
    }
    assert.equal(s.draft.target, targetKey('s1', 102));
  });

  it('keeps a send target through WAIT_RECONNECT (the connect side keeps its routing id)', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1, { state: 'ACTIVE' }) }));
    s = reduce(s, ev({ type: 'peer', peer: peer(1, { state: 'WAIT_RECONNECT', reconnects: 1, lastError: 'ECONNREFUSED' }) }));
    assert.equal(s.draft.target, targetKey('s1', 101));
  });

  it('offers routing ids with frames in the ring after their connection is gone (a finished script run)', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1, { socketId: 's2' }) }));
    s = reduce(s, traffic([frame(1, { socketId: 's2', routingId: 101 })]));
    s = reduce(s, ev({ type: 'peerGone', socketId: 's2', connectionId: 1 }));
    const choices = peerFilterChoices(s);
    assert.deepEqual(choices.targets.map((t) => [t.key, t.live]), [[targetKey('s2', 101), false]]);
    s = reduce(s, { kind: 'ui/filter', patch: { socketId: 's2', routingId: 101 } });
    assert.deepEqual(visibleTraffic(s).map((f) => f.seq), [1]);
    // Once its frames are cleared too, nothing is left to show: the filter goes.
    s = reduce(s, ev({ type: 'trafficCleared' }));
    assert.deepEqual([s.filter.socketId, s.filter.routingId], [null, null]);
    assert.deepEqual(peerFilterChoices(s).targets, []);
  });

  it('names the routing ids of a socket closed before the page was (re)loaded by that socket\'s label', () => {
    const s = started(snapshot({ closedSockets: [{ socketId: 's9', label: 'run.zmq › from a script › peer' }], traffic: [frame(1, { socketId: 's9', routingId: 5 })] }));
    assert.equal(s.socketLabels.get('s9'), 'run.zmq › from a script › peer');
    assert.deepEqual(peerFilterChoices(s).targets.map((t) => [t.key, t.live]), [[targetKey('s9', 5), false]]);
  });

  it('drops a filter and a target restored from before a reload when their peers are gone', () => {
    let s = reduce(initialState(), { kind: 'ui/restore', view: { filter: { socketId: 's1', routingId: 105 }, draft: { target: targetKey('s1', 105) } } });
    s = reduce(s, init(snapshot({ peers: [peer(1, { state: 'ACTIVE' })] })));
    assert.deepEqual([s.filter.socketId, s.filter.routingId], [null, null]);
    assert.equal(s.draft.target, targetKey('s1', 101));
  });

  it('lifts a filter on a closed socket', () => {
    let s = reduce(started(), { kind: 'ui/showSocket', socketId: 's1' });
    assert.equal(s.filter.socketId, 's1');
    s = reduce(s, ev({ type: 'sockets', sockets: [] }));
    assert.equal(s.filter.socketId, null);
  });

  it('never targets a connection that ended with a failed handshake', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    s = reduce(s, { kind: 'ui/showPeer', key: peerKey('s1', 1) });
    s = reduce(s, ev({ type: 'peer', peer: peer(1, { state: 'TERMINATED', ended: true, lastError: 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE: …' }) }));
    assert.equal(s.draft.target, '');
    assert.deepEqual(sendTargets(s), []);
    assert.equal(s.filter.routingId, null);
    assert.equal(s.peers.size, 1, 'kept, to show why it failed');
  });
});

describe('webview state: send outcome, rates, ladders and event groups', () => {
  it('clears the last send outcome when the draft changes', () => {
    let s = reduce(started(), { kind: 'ui/sendStatus', status: { state: 'ok', bytes: 5 } });
    assert.equal(reduce(s, { kind: 'ui/draft', patch: {} }).sendStatus.state, 'ok', 'an unchanged draft keeps it');
    s = reduce(s, { kind: 'ui/draft', patch: { format: 'hex' } });
    assert.deepEqual(s.sendStatus, { state: 'idle' });
  });

  it('appends one rate sample per tick, keeps the last 60, and drops series that are no longer sent', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    for (let i = 0; i < 70; i++) {
      s = reduce(s, ev({ type: 'rates', tick: { time: i, sockets: [{ socketId: 's1', sample: [i, 0, i * 10, 0] }], peers: [{ socketId: 's1', connectionId: 1, sample: [i, 1, 0, 0] }] } }));
    }
    const series = s.rates.get(socketRateKey('s1'))!;
    assert.equal(series.length, 60);
    assert.deepEqual(series.at(-1), [69, 0, 690, 0]);
    assert.equal(series[0][0], 10);
    s = reduce(s, ev({ type: 'rates', tick: { time: 71, sockets: [{ socketId: 's1', sample: [0, 0, 0, 0] }], peers: [] } }));
    assert.equal(s.rates.has(peerKey('s1', 1)), false);
  });

  it('keeps a ladder per connection and forgets it with the connection', () => {
    let s = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    const ladder = { socketId: 's1', connectionId: 1, current: { attempt: 1, steps: [], outcome: 'pending' as const, error: null }, lastFailed: null };
    s = reduce(s, ev({ type: 'ladder', ladder }));
    assert.equal(s.ladders.get(peerKey('s1', 1)), ladder);
    s = reduce(s, ev({ type: 'peerGone', socketId: 's1', connectionId: 1 }));
    assert.equal(s.ladders.size, 0);
  });

  it('replaces an event group that grew, moving it to the newest place', () => {
    const group = (id: number, type: string, count: number) => ({ id, time: count, firstTime: 0, count, socketId: 's1', type, value: 0, endpoint: 'tcp://x:1', routingId: null, error: null });
    let s = reduce(started(), ev({ type: 'monitor', events: [group(1, 'HANDSHAKE_SUCCEEDED', 1), group(2, 'CONNECT_RETRIED', 1), group(3, 'CLOSED', 1)] }));
    s = reduce(s, ev({ type: 'monitor', events: [group(2, 'CONNECT_RETRIED', 41), group(2, 'CONNECT_RETRIED', 42)] }));
    assert.deepEqual(s.events.map((e) => [e.id, e.count]), [[1, 1], [3, 1], [2, 42]]);
  });
});

describe('webview state: peer batches', () => {
  it('folds a batch of peer updates exactly as one by one', () => {
    const s0 = reduce(started(), ev({ type: 'peer', peer: peer(1) }));
    const updates = [peer(2), peer(1, { state: 'ACTIVE' }), peer(3, { routingId: null }), peer(2, { state: 'TERMINATED', ended: true })];
    const oneByOne = updates.reduce((s, p) => reduce(s, ev({ type: 'peer', peer: p })), s0);
    const batched = reduce(s0, { kind: 'peerBatch', peers: updates });
    assert.deepEqual([...batched.peers], [...oneByOne.peers]);
    assert.deepEqual(batched.draft, oneByOne.draft);
    assert.deepEqual(batched.filter, oneByOne.filter);
  });
});
