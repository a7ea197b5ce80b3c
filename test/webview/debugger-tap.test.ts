/**
 * A tap in the debugger webview (headless Chromium, fake host: test/support/webview-harness.ts):
 * what the user sees of a tap started with "ZMQ: Start Tap" — the tap among the sockets, each
 * relayed connection as a pair naming the app's and the upstream's socket types, a mismatched pair
 * with the tap's diagnosis, the pair's handshake ladder between app and upstream, and its traffic in
 * the one timeline (app→up, up→app) with the same filters and inspector as a socket's; a tap that
 * terminates CURVE saying so with its two public keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LadderView, PeerView, Snapshot, TrafficView } from '../../webview/protocol';
import { eventually, pickOption, sampleSnapshot, startWebviewHarness, visibleRowPreviews, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

const DIAGNOSIS = 'DEALER → PEER: incompatible; libzmq 4.3.4 closes as soon as it reads the other READY, without ERROR';

function pair(connectionId: number, app: string, upstream: string, failed: boolean): PeerView {
  return {
    socketId: 'tap-1', connectionId, role: 'bind', transport: 'tcp', endpoint: 'tcp://127.0.0.1:7000', state: failed ? 'DISCONNECTED' : 'ACTIVE', routingId: null,
    localAddress: `127.0.0.1:4100${connectionId}`, remoteAddress: '127.0.0.1:5555', zmtpVersion: '3.1', mechanism: 'NULL', securityRole: null,
    peerProperties: { 'app Socket-Type': app, 'upstream Socket-Type': upstream },
    messagesIn: failed ? 0 : 1, messagesOut: failed ? 0 : 1, bytesIn: 5, bytesOut: 5, queuedOut: 0, queuedIn: 0, lastHeartbeat: null, reconnects: 0,
    lastError: failed ? DIAGNOSIS : null, ended: failed,
    pair: { appSocketType: app, upstreamSocketType: upstream, appAddress: `127.0.0.1:4100${connectionId}`, upstreamAddress: '127.0.0.1:5555', upstream: 'tcp://127.0.0.1:5555', curveTerminated: false,
      diagnosis: failed ? DIAGNOSIS : null, severity: failed ? 'error' : null },
  };
}

function frame(seq: number, direction: 'in' | 'out', kind: string, text: string, connectionId = 1): TrafficView {
  return { seq, time: Date.now(), socketId: 'tap-1', connectionId, routingId: null, direction, kind, size: text.length, data: Buffer.from(text).toString('base64'), truncated: false };
}

const LADDER: LadderView = {
  socketId: 'tap-1', connectionId: 1, lastFailed: null,
  current: { attempt: 1, outcome: 'active', error: null, steps: [
    { time: 1000, direction: 'out', kind: 'net', label: 'tcp connect', detail: 'tcp://127.0.0.1:7000' },
    { time: 1001, direction: 'out', kind: 'net', label: 'upstream connected', detail: '127.0.0.1:5555' },
    { time: 1002, direction: 'out', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1003, direction: 'in', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1004, direction: 'out', kind: 'command', label: 'READY', detail: 'Socket-Type="PEER"' },
    { time: 1005, direction: 'in', kind: 'command', label: 'READY', detail: 'Socket-Type="PEER"' },
    { time: 1006, direction: 'local', kind: 'note', label: 'ACTIVE', detail: null },
  ] },
};

/** The sample socket and its peers, plus a tap with an active PEER pair and a failed DEALER → PEER pair. */
function tapSnapshot(): Snapshot {
  const base = sampleSnapshot();
  return {
    ...base,
    sockets: [...base.sockets, { socketId: 'tap-1', label: 'Tap 1 · mirror', type: 'TAP', bound: ['tcp://127.0.0.1:7000'], connected: ['tcp://127.0.0.1:5555'],
      security: { profile: null, mechanism: 'relayed as is', role: null, publicKey: null } }],
    peers: [...base.peers, pair(1, 'PEER', 'PEER', false), pair(2, 'DEALER', 'PEER', true)],
    traffic: [
      frame(1, 'out', 'greeting', 'greeting-bytes'),
      frame(2, 'out', 'data', 'hello upstream'),
      frame(3, 'in', 'data', 'hello app'),
      { ...frame(4, 'in', 'data', 'from the socket'), socketId: 's1', routingId: 101 },
    ],
    ladders: [LADDER],
  };
}

async function text(testid: string): Promise<string> {
  return ((await harness.page.getByTestId(testid).first().textContent()) ?? '').trim();
}

function pairRow(connectionId: number) {
  return harness.page.locator(`[data-testid="peer-row"][data-socket-id="tap-1"][data-connection-id="${connectionId}"]`);
}

describe('a tap in the debugger webview', () => {
  it('lists the tap among the sockets and each relayed connection as a pair with both socket types', async () => {
    await harness.open(tapSnapshot());
    const page = harness.page;
    const tapRow = page.locator('[data-testid="socket-row"][data-socket-id="tap-1"]');
    assert.equal((await tapRow.getByTestId('socket-label').textContent())?.trim(), 'Tap 1 · mirror TAP');
    assert.equal((await tapRow.getByTestId('socket-security').textContent())?.trim(), 'relayed as is', 'a tap has no security of its own');
    assert.deepEqual(await tapRow.getByTestId('socket-bound').allTextContents(), ['bound tcp://127.0.0.1:7000']);
    assert.deepEqual(await tapRow.getByTestId('socket-connected').allTextContents(), ['→ tcp://127.0.0.1:5555']);
    assert.ok(await pairRow(1).isVisible() && await pairRow(2).isVisible(), 'both pairs on screen');
    assert.equal((await pairRow(1).getByTestId('peer-routing-id').textContent())?.trim(), 'app PEER ↔ upstream PEER');
    assert.equal((await pairRow(2).getByTestId('peer-routing-id').textContent())?.trim(), 'app DEALER ↔ upstream PEER');
    assert.equal((await pairRow(1).getByTestId('peer-socket').textContent())?.trim(), 'Tap 1 · mirror');
    // A socket's own peers keep their routing ids.
    assert.deepEqual((await page.getByTestId('peer-routing-id').allTextContents()).slice(0, 2), ['#101', '#999']);
    // The endpoint form connects and binds sockets, not taps.
    const choices = await page.getByTestId('endpoint-socket').locator('vscode-option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    assert.deepEqual(choices, ['s1']);
  });

  it('says a terminating tap terminates CURVE, with the two public keys in short form and in full on hover', async () => {
    const serverKey = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
    const clientKey = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
    const snapshot = tapSnapshot();
    await harness.open({
      ...snapshot,
      sockets: snapshot.sockets.map((s) => (s.socketId !== 'tap-1' ? s : {
        ...s, security: { profile: null, mechanism: 'terminating CURVE', role: null, publicKey: null, terminating: { serverKey, clientKey, serverProfile: 'upstream-server', clientProfile: 'tap-client' } },
      })),
      peers: snapshot.peers.map((p) => (p.socketId !== 'tap-1' || p.pair === undefined ? p : { ...p, mechanism: 'CURVE', pair: { ...p.pair, curveTerminated: true } })),
    });
    const security = harness.page.locator('[data-testid="socket-row"][data-socket-id="tap-1"]').getByTestId('socket-security');
    assert.ok(await security.isVisible());
    assert.equal((await security.innerText()).trim(), 'terminating CURVE · server key rq:rM>}U… · client key Yne@$w-v…');
    // Its pairs say who the tap is on each leg, not just "CURVE".
    const pairSecurity = pairRow(1).getByTestId('peer-security');
    assert.ok(await pairSecurity.isVisible());
    assert.equal((await pairSecurity.innerText()).trim(), 'CURVE · terminated by the tap: server to the app, client to the upstream');
    assert.equal(await security.getAttribute('title'), `The tap ends CURVE on both legs and shows the traffic decrypted. Apps must trust server key ${serverKey} (profile "upstream-server"); the upstream sees client key ${clientKey} (profile "tap-client").`);
    // A relaying tap's row has no such title, and its pairs show the mechanism alone.
    await harness.open(tapSnapshot());
    assert.equal((await pairRow(1).getByTestId('peer-security').innerText()).trim(), 'NULL (no security)');
    assert.equal(await harness.page.locator('[data-testid="socket-row"][data-socket-id="tap-1"]').getByTestId('socket-security').getAttribute('title'), null);
  });

  it('shows the diagnosis of a mismatched pair in its row, and offers to dismiss it rather than disconnect a live one', async () => {
    await harness.open(tapSnapshot());
    const problem = pairRow(2).getByTestId('peer-problem');
    assert.ok(await problem.isVisible(), 'the diagnosis is on screen');
    assert.equal((await problem.textContent())?.trim(), `✕ ${DIAGNOSIS}`);
    assert.equal(await pairRow(2).getAttribute('data-phase'), 'failed');
    assert.equal((await pairRow(2).getByTestId('peer-disconnect').textContent())?.trim(), 'Dismiss');
    assert.ok(await pairRow(2).getByTestId('peer-disconnect').isVisible());
    assert.equal(await pairRow(1).getByTestId('peer-disconnect').isVisible(), false, 'a live pair is ended by the app or the upstream');
    assert.equal(await pairRow(1).getByTestId('peer-problem').isVisible(), false);
  });

  it('draws the selected pair\'s handshake between the app and the upstream', async () => {
    await harness.open(tapSnapshot());
    await pairRow(1).click();
    await eventually('ladder title', () => text('ladder-title'), (t) => t.startsWith('app PEER ↔ upstream PEER · tcp://127.0.0.1:7000'));
    const names = await harness.page.locator('[data-testid="ladder"] .lifeline-name').allTextContents();
    assert.deepEqual(names, ['app', 'upstream 127.0.0.1:5555']);
    const labels = await harness.page.getByTestId('ladder-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`));
    assert.deepEqual(labels, ['out tcp connect', 'out upstream connected', 'out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE']);
  });

  it('draws each pair at both ends in the topology: the app off the bind endpoint, the upstream off the connect endpoint', async () => {
    await harness.open(tapSnapshot());
    const topology = harness.page.getByTestId('topology');
    const end = (key: string, which: 'app' | 'upstream') => topology.locator(`[data-testid="topology-node"][data-node="peer"][data-key="${key}"][data-end="${which}"]`);
    const edge = (key: string, which: 'app' | 'upstream') => topology.locator(`[data-testid="topology-edge"][data-key="${key}"][data-end="${which}"]`);
    assert.equal(await end('tap-1/1', 'app').locator('text').textContent(), 'app PEER');
    assert.equal(await end('tap-1/1', 'upstream').locator('text').textContent(), 'upstream PEER');
    assert.equal(await end('tap-1/2', 'app').locator('text').textContent(), 'app DEALER');
    assert.equal(await end('tap-1/2', 'upstream').locator('text').textContent(), 'upstream PEER');
    for (const node of await topology.locator('[data-testid="topology-node"][data-socket-id="tap-1"]').all()) assert.ok(await node.isVisible());
    // Both ends of a pair are in the pair's phase: the live one active, the mismatched one failed.
    for (const which of ['app', 'upstream'] as const) {
      assert.equal(await edge('tap-1/1', which).getAttribute('data-phase'), 'active');
      assert.equal(await edge('tap-1/2', which).getAttribute('data-phase'), await edge('tap-1/2', 'app').getAttribute('data-phase'));
    }
    assert.notEqual(await edge('tap-1/2', 'app').getAttribute('data-phase'), 'active');
    // Each end's edge leaves its own endpoint node: the app's the bind, the upstream's the connect.
    const endpointY = async (endpoint: string): Promise<number> => {
      const rect = topology.locator(`[data-testid="topology-node"][data-node="endpoint"][data-socket-id="tap-1"][data-endpoint="${endpoint}"] rect`);
      return Number(await rect.getAttribute('y')) + Number(await rect.getAttribute('height')) / 2;
    };
    const startY = async (key: string, which: 'app' | 'upstream'): Promise<number> => Number(/^M[\d.]+,([\d.]+)/.exec((await edge(key, which).getAttribute('d')) ?? '')?.[1]);
    const bindY = await endpointY('tcp://127.0.0.1:7000');
    const connectY = await endpointY('tcp://127.0.0.1:5555');
    assert.notEqual(bindY, connectY);
    for (const key of ['tap-1/1', 'tap-1/2']) {
      assert.equal(await startY(key, 'app'), bindY, `${key}'s app end leaves the bind endpoint`);
      assert.equal(await startY(key, 'upstream'), connectY, `${key}'s upstream end leaves the connect endpoint`);
    }
    assert.match((await end('tap-1/2', 'upstream').locator('title').textContent()) ?? '', /^upstream PEER .*the tap's connection to tcp:\/\/127\.0\.0\.1:5555 \(127\.0\.0\.1:5555\), relaying for app DEALER/);
    // Either end selects the pair: both its ends drawn selected, and its handshake shown.
    await end('tap-1/2', 'upstream').click();
    await eventually('both ends of the clicked pair selected', () => topology.locator('[data-testid="topology-node"].selected').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-key')} ${e.getAttribute('data-end')}`)), (sel) => sel.join('|') === 'tap-1/2 app|tap-1/2 upstream');
    await end('tap-1/1', 'upstream').click();
    await eventually('ladder of the clicked pair', () => text('ladder-title'), (t) => t.startsWith('app PEER ↔ upstream PEER · tcp://127.0.0.1:7000'));
  });

  it('shows the tap\'s messages in the timeline as app→up and up→app, with the peer filter, text filter and inspector', async () => {
    await harness.open(tapSnapshot());
    const page = harness.page;
    await eventually('all data rows', () => visibleRowPreviews(page), (rows) => rows.join('|') === 'hello upstream|hello app|from the socket');
    const dirs = await page.locator('[data-testid="traffic-row"]:visible [data-testid="traffic-direction"]').allTextContents();
    assert.deepEqual(dirs, ['app→up', 'up→app', '← in']);

    await pickOption(page, 'filter-routing-id', 'socket:tap-1');
    await eventually('only the tap', () => visibleRowPreviews(page), (rows) => rows.join('|') === 'hello upstream|hello app');
    await pickOption(page, 'filter-direction', 'in');
    await eventually('only what the upstream sent', () => visibleRowPreviews(page), (rows) => rows.join('|') === 'hello app');
    await pickOption(page, 'filter-direction', 'all');
    await page.getByTestId('filter-show-commands').click();
    await eventually('the greeting too', () => visibleRowPreviews(page), (rows) => rows.length === 3 && rows[0] === 'greeting-bytes');
    await page.getByTestId('filter-text').locator('input').fill('upstream');
    await eventually('text filter', () => visibleRowPreviews(page), (rows) => rows.join('|') === 'hello upstream');

    await page.locator('[data-testid="traffic-row"][data-seq="2"]').click();
    await eventually('inspector', () => text('inspector-utf8'), (s) => s === 'hello upstream');
    assert.match(await text('inspector-meta'), /· out · data · 14 bytes/);
  });
});
