/**
 * The debugger's pictures in headless Chromium against the fake host: the topology (nodes and
 * edges by phase, labels with routing id, transport and rates; a click filters the traffic and
 * picks the send target), the handshake ladder (success, and the failing step with its advice),
 * the rate sparklines, a failing connect's warning in its row, and grouped events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LadderView, PeerView } from '../../webview/protocol';
import { eventually, postEvent, sampleSnapshot, shownOption, startWebviewHarness, visibleRowPreviews, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

const PEERS = sampleSnapshot().peers;

function peer(connectionId: 1 | 2, over: Partial<PeerView>): PeerView {
  return { ...PEERS[connectionId - 1], ...over };
}

const SUCCESS: LadderView = {
  socketId: 's1', connectionId: 1, lastFailed: null,
  current: { attempt: 1, outcome: 'active', error: null, steps: [
    { time: 1000, direction: 'out', kind: 'net', label: 'tcp connect', detail: 'tcp://127.0.0.1:5555' },
    { time: 1001, direction: 'in', kind: 'net', label: 'connected', detail: null },
    { time: 1001, direction: 'out', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1002, direction: 'in', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1002, direction: 'out', kind: 'command', label: 'READY', detail: 'Socket-Type="PEER"' },
    { time: 1003, direction: 'in', kind: 'command', label: 'READY', detail: 'Socket-Type="PEER"' },
    { time: 1003, direction: 'local', kind: 'note', label: 'ACTIVE', detail: 'routing id #101' },
    { time: 1010, direction: 'out', kind: 'data', label: 'data 5 B', detail: '"hello"' },
  ] },
};

const FAILED: LadderView = {
  socketId: 's1', connectionId: 2, lastFailed: null,
  current: { attempt: 1, outcome: 'failed', error: { code: 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', message: 'Peer socket type "DEALER" is not compatible with PEER', advice: 'A PEER talks only to PEER sockets (RFC 51).' }, steps: [
    { time: 1000, direction: 'out', kind: 'net', label: 'tcp connect', detail: 'tcp://127.0.0.1:5555' },
    { time: 1001, direction: 'in', kind: 'net', label: 'connected', detail: null },
    { time: 1001, direction: 'out', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1002, direction: 'in', kind: 'greeting', label: 'greeting', detail: 'ZMTP 3.1 · NULL · as-server 0' },
    { time: 1002, direction: 'out', kind: 'command', label: 'READY', detail: 'Socket-Type="PEER"' },
    { time: 1003, direction: 'in', kind: 'command', label: 'READY', detail: 'Socket-Type="DEALER"' },
    { time: 1003, direction: 'local', kind: 'error', label: 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', detail: 'Peer socket type "DEALER" is not compatible with PEER' },
  ] },
};

async function text(testid: string): Promise<string> {
  return ((await harness.page.getByTestId(testid).first().textContent()) ?? '').trim();
}

describe('debugger pictures in Chromium', () => {
  it('says what to do when there is nothing to draw yet: every way to make a socket, the tap included', async () => {
    await harness.open({ ...sampleSnapshot(), sockets: [], peers: [], events: [] });
    assert.equal(await text('topology-empty'), 'No sockets yet. Connect a peer, bind, or start a tap.');
    assert.ok(await harness.page.getByTestId('topology-empty').isVisible());
    assert.equal(await harness.page.getByTestId('topology').isVisible(), false, 'no empty picture beside it');
    assert.equal(await text('socket-empty'), 'No sockets yet. Run “ZMQ: Connect Peer”, “ZMQ: Bind” or “ZMQ: Start Tap”.');
  });

  it('draws the topology: socket, endpoint and one node per peer, edges by phase with routing id, transport and rates', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    const topology = page.getByTestId('topology');
    await topology.waitFor();
    const kinds = await topology.getByTestId('topology-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    assert.deepEqual(kinds, ['socket', 'endpoint', 'peer', 'peer']);
    for (const node of await topology.getByTestId('topology-node').all()) assert.ok(await node.isVisible());
    assert.deepEqual(await topology.getByTestId('topology-edge').evaluateAll((els) => els.map((e) => e.getAttribute('data-phase'))), ['active', 'active']);
    await harness.page.evaluate('window.__harness.rate = 24; window.__harness.rates(Date.now())');
    await eventually('edge labels with rates', () => topology.getByTestId('topology-edge-label').allTextContents(), (t) => t[0] === '#101 · tcp · ↓12 ↑1/s');
    // The phase follows the peer: handshaking, then failing after repeated refusals.
    await postEvent(page, { type: 'peer', peer: peer(2, { state: 'GREETING_VERSION' }) });
    await eventually('handshaking edge', () => topology.locator('[data-testid="topology-edge"][data-key="s1/2"]').getAttribute('data-phase'), (p) => p === 'handshaking');
    await postEvent(page, { type: 'peer', peer: peer(2, { state: 'WAIT_RECONNECT', reconnects: 7, lastError: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5555' }) });
    await eventually('failing edge', () => topology.locator('[data-testid="topology-edge"][data-key="s1/2"]').getAttribute('data-phase'), (p) => p === 'failing');
    // The edge's colour comes from the theme's variables (the harness sets Dark Modern's).
    const stroke = await topology.locator('[data-testid="topology-edge"][data-key="s1/2"]').evaluate((e) => (globalThis as unknown as { getComputedStyle(el: unknown): { stroke: string } }).getComputedStyle(e).stroke);
    assert.equal(stroke, 'rgb(204, 167, 0)', 'editorWarning-foreground');
  });

  it('labels endpoint nodes by what tells them apart: the ports of two connects to one host, the full endpoint in the title', async () => {
    const snap = sampleSnapshot();
    const endpoints = ['tcp://127.0.0.1:40291', 'tcp://127.0.0.1:40292'];
    await harness.open({ ...snap, sockets: [{ ...snap.sockets[0], connected: endpoints }], peers: snap.peers.map((p, i) => ({ ...p, endpoint: endpoints[i] })) });
    const labels = harness.page.getByTestId('topology-endpoint-label');
    await labels.first().waitFor();
    assert.deepEqual(await labels.allTextContents(), ['connect 127.0.0.1:40291', 'connect 127.0.0.1:40292']);
    for (const [i, label] of (await labels.all()).entries()) {
      assert.ok(await label.isVisible());
      // The text stays inside its node's box: nothing is drawn past the edge or under the next column.
      const node = harness.page.locator(`[data-testid="topology-node"][data-endpoint="${endpoints[i]}"]`);
      const [text, box] = [await label.boundingBox(), await node.locator('rect').boundingBox()];
      assert.ok(text !== null && box !== null && text.x >= box.x && text.x + text.width <= box.x + box.width, `label ${i} inside its node: ${JSON.stringify({ text, box })}`);
      assert.equal(await node.locator('title').textContent(), `connect ${endpoints[i]}`);
    }
  });

  it('filters the traffic to a peer and makes it the send target when its node is clicked', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: [...window.__harness.echoes(['a'], 101), ...window.__harness.echoes(['b'], 999, 's1', 2)] } })`);
    await eventually('rows', () => visibleRowPreviews(page), (r) => r.length === 4);
    await page.locator('[data-testid="topology-node"][data-key="s1/2"]').click();
    await eventually('filter shows #999', () => shownOption(page, 'filter-routing-id'), (s) => s === '#999 · peer 1');
    assert.deepEqual(await eventually('only #999 on screen', () => visibleRowPreviews(page), (r) => r.length === 2), ['b', 'b']);
    assert.match(await shownOption(page, 'send-routing-id'), /^#999 /);
    assert.match((await page.locator('[data-testid="topology-node"][data-key="s1/2"]').getAttribute('class')) ?? '', /selected/);
    // The socket node: all of its traffic again.
    await page.locator('[data-testid="topology-node"][data-node="socket"]').click();
    await eventually('filter shows the socket', () => shownOption(page, 'filter-routing-id'), (s) => s === 'peer 1 · all peers');
    assert.equal((await visibleRowPreviews(page)).length, 4);
  });

  it('draws the handshake ladder of the selected peer, and the failing step with its error and advice', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await postEvent(page, { type: 'ladder', ladder: SUCCESS });
    await postEvent(page, { type: 'ladder', ladder: FAILED });
    assert.match(await text('ladder-title'), /^Select a peer/);
    await page.locator('[data-testid="peer-row"][data-routing-id="101"]').click();
    const steps = page.getByTestId('ladder-step');
    await eventually('the ladder', () => steps.count(), (n) => n === 8);
    assert.deepEqual(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`)),
      ['out tcp connect', 'in connected', 'out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE', 'out data 5 B']);
    for (const step of await steps.all()) assert.ok(await step.isVisible());
    assert.ok((await page.getByTestId('ladder').textContent())?.includes('Socket-Type="PEER"'));
    assert.equal(await page.getByTestId('ladder-error').isVisible(), false);
    await page.locator('[data-testid="topology-node"][data-key="s1/2"]').click();
    await eventually('the failing ladder', () => page.getByTestId('ladder-error').isVisible(), (v) => v);
    assert.equal(await text('ladder-error'), 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE: Peer socket type "DEALER" is not compatible with PEER');
    assert.equal(await text('ladder-advice'), 'A PEER talks only to PEER sockets (RFC 51).');
    assert.ok(await page.locator('[data-testid="ladder-step"][data-kind="error"]').isVisible());
    assert.ok((await page.getByTestId('ladder').textContent())?.includes('Socket-Type="DEALER"'));
  });

  it('shows a failing connect in its row without scrolling, groups its retries, and clears the error once ACTIVE', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    const row = page.locator('[data-testid="peer-row"][data-routing-id="999"]');
    await postEvent(page, { type: 'peer', peer: peer(2, { state: 'WAIT_RECONNECT', reconnects: 42, lastError: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1' }) });
    const problem = row.getByTestId('peer-problem');
    await eventually('the warning', () => problem.isVisible(), (v) => v);
    assert.equal((await problem.textContent())?.trim(), '⚠ Failing: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1 · 42 attempts, still retrying');
    assert.equal(await row.getAttribute('data-phase'), 'failing');
    // The warning sits in the row's head, above the details: on screen in a 900 px window.
    const box = (await problem.boundingBox())!;
    assert.ok(box.y + box.height < 900, `warning at ${box.y}`);
    const group = (id: number, type: string, count: number) => ({ id, time: Date.now(), firstTime: Date.now() - 4000, count, socketId: 's1', type, value: 100, endpoint: 'tcp://127.0.0.1:1', routingId: 999, error: null });
    await postEvent(page, { type: 'monitor', events: [group(2, 'CONNECT_DELAYED', 42), group(3, 'CLOSED', 42), group(4, 'CONNECT_RETRIED', 42)] });
    const types = await eventually('grouped events', () => page.getByTestId('event-type').allTextContents(), (t) => t.length === 4);
    assert.deepEqual(types, ['CONNECT_RETRIED ×42', 'CLOSED ×42', 'CONNECT_DELAYED ×42', 'HANDSHAKE_SUCCEEDED']);
    await postEvent(page, { type: 'peer', peer: peer(2, { state: 'ACTIVE', reconnects: 43, lastError: null }) });
    await eventually('the warning gone', () => problem.isVisible(), (v) => !v);
    assert.equal((await row.getByTestId('peer-error').textContent())?.trim(), '—');
  });

  it('draws message-rate sparklines per peer and per socket', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    for (let i = 0; i < 5; i++) await page.evaluate(`window.__harness.rate = ${(i + 1) * 100}; window.__harness.rates(Date.now() + ${i * 1000})`);
    const socketRate = page.getByTestId('socket-rate');
    await eventually('socket caption', () => socketRate.getByTestId('rate-caption').textContent(), (t) => t === '↓500 ↑250 msg/s');
    const points = await socketRate.locator('polyline.spark-in').getAttribute('points');
    assert.equal(points?.split(' ').length, 5, 'one point per second');
    assert.ok(await socketRate.locator('svg').isVisible());
    const peerRate = page.locator('[data-testid="peer-row"][data-routing-id="101"]').getByTestId('peer-rate');
    assert.equal((await peerRate.getByTestId('rate-caption').textContent())?.trim(), '↓250 ↑1 msg/s');
  });
});
