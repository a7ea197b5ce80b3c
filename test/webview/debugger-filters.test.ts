/**
 * The traffic filter and the send target as a user sees them, in headless Chromium against the fake
 * host (test/support/webview-harness.ts): rows that a filter hides are gone from the screen (not
 * only from the status line), a filter or a send target never sticks to a peer that is gone, two
 * peers keep the chosen target, and showing a peer (Connect Peer, a script run) never hides frames.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, pickOption, postEvent, sampleSnapshot, shownOption, startWebviewHarness, visibleRowPreviews, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

async function text(testid: string): Promise<string> {
  return ((await harness.page.getByTestId(testid).first().textContent()) ?? '').trim();
}

async function pushEchoes(bodies: string[], routingId = 101, socketId = 's1', connectionId = 1): Promise<void> {
  await harness.page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(${JSON.stringify(bodies)}, ${routingId}, '${socketId}', ${connectionId}) } })`);
}

const MESSAGES = Array.from({ length: 15 }, (_, i) => `msg-${i + 1}`);

describe('traffic filter and send target in Chromium', () => {
  it('hides the rows the filter leaves out: only msg-7 on screen, then none under "0 of 30"', async () => {
    await harness.open(sampleSnapshot());
    await pushEchoes(MESSAGES);
    await eventually('all rows', () => text('traffic-status'), (s) => s.startsWith('30 of 30'));
    assert.equal((await visibleRowPreviews(harness.page)).length >= 10, true);
    const filter = harness.page.getByTestId('filter-text').locator('input');
    await filter.fill('msg-7');
    await eventually('status', () => text('traffic-status'), (s) => s.startsWith('2 of 30'));
    assert.deepEqual(await eventually('rows on screen', () => visibleRowPreviews(harness.page), (r) => r.length === 2), ['msg-7', 'msg-7']);
    await filter.fill('nothing like this');
    await eventually('status', () => text('traffic-status'), (s) => s.startsWith('0 of 30'));
    assert.deepEqual(await eventually('no rows on screen', () => visibleRowPreviews(harness.page), (r) => r.length === 0), []);
    // "Show all" lifts the filter.
    await harness.page.getByTestId('filter-clear').click();
    await eventually('all rows again', () => text('traffic-status'), (s) => s.startsWith('30 of 30'));
    assert.ok((await visibleRowPreviews(harness.page)).length >= 10);
  });

  it('keeps the chosen send target with two peers while they update', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await eventually('first target', () => shownOption(page, 'send-routing-id'), (s) => s.startsWith('#101 '));
    await pickOption(page, 'send-routing-id', 's1#999');
    await eventually('picked target', () => shownOption(page, 'send-routing-id'), (s) => s.startsWith('#999 '));
    // Both peers change state and counters (labels of the options change with them).
    for (const state of ['READY_EXCHANGE', 'ACTIVE']) {
      await page.evaluate(`(() => { for (const p of window.__harness.snapshot.peers) window.__harness.peer(Object.assign({}, p, { state: '${state}', messagesIn: 9 })); })()`);
      await page.waitForTimeout(100);
    }
    assert.match(await shownOption(page, 'send-routing-id'), /^#999 · peer 1 · ACTIVE$/);
  });

  it('lifts the filter and moves the send target when the filtered peer is gone', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await pushEchoes(['to 101'], 101, 's1', 1);
    await pushEchoes(['to 999'], 999, 's1', 2);
    await page.locator('[data-testid="peer-row"][data-routing-id="999"]').getByTestId('peer-filter').click();
    await eventually('filtered to #999', () => shownOption(page, 'filter-routing-id'), (s) => s === '#999 · peer 1');
    assert.deepEqual(await eventually('#999 rows', () => visibleRowPreviews(page), (r) => r.length === 2), ['to 999', 'to 999']);
    assert.match(await shownOption(page, 'send-routing-id'), /^#999 /);
    await postEvent(page, { type: 'peerGone', socketId: 's1', connectionId: 2 });
    await eventually('filter lifted', () => shownOption(page, 'filter-routing-id'), (s) => s === 'All sockets and peers');
    await eventually('send target moved', () => shownOption(page, 'send-routing-id'), (s) => s.startsWith('#101 '));
    assert.deepEqual(await visibleRowPreviews(page), ['to 101', 'to 101', 'to 999', 'to 999']);
    assert.equal(await page.locator('[data-testid="peer-row"][data-routing-id="999"]').count(), 0);
  });

  it('shows a new peer without filtering, and a script run with every frame, its routing ids still in the filter list', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await pushEchoes(['old'], 101);
    // A filter from before: on #101.
    await pickOption(page, 'filter-routing-id', 's1#101');
    await eventually('filtered', () => text('traffic-status'), (s) => s.startsWith('2 of 2'));
    // Connect Peer: a new peer #999 is shown (selected, the send target); the filter on #101 would hide it, so it goes.
    await postEvent(page, { type: 'focus', socketId: 's1', routingId: 999 });
    await eventually('filter lifted for the new peer', () => shownOption(page, 'filter-routing-id'), (s) => s === 'All sockets and peers');
    assert.match(await shownOption(page, 'send-routing-id'), /^#999 /);
    assert.equal(await page.locator('[data-testid="peer-row"][data-routing-id="999"]').getAttribute('class'), 'peer selected');
    // A script run: its socket s2 and routing id 7 come, send, and go.
    await pickOption(page, 'filter-routing-id', 's1#101');
    await postEvent(page, { type: 'focus', socketId: null, routingId: null });
    await postEvent(page, { type: 'sockets', sockets: [{ socketId: 's1', label: 'peer 1', type: 'PEER', bound: [], connected: ['tcp://127.0.0.1:5555'] }, { socketId: 's2', label: 'echo.zmq › round trip › echo', type: 'PEER', bound: [], connected: ['tcp://127.0.0.1:7000'] }] });
    await postEvent(page, { type: 'peer', peer: { ...sampleSnapshot().peers[0], socketId: 's2', connectionId: 1, routingId: 7, endpoint: 'tcp://127.0.0.1:7000' } });
    await pushEchoes(['from the script'], 7, 's2', 1);
    await postEvent(page, { type: 'peerGone', socketId: 's2', connectionId: 1 });
    await postEvent(page, { type: 'sockets', sockets: sampleSnapshot().sockets });
    await eventually('all frames shown', () => text('traffic-status'), (s) => s.startsWith('4 of 4'));
    assert.deepEqual(await visibleRowPreviews(page), ['old', 'old', 'from the script', 'from the script']);
    const options = await page.getByTestId('filter-routing-id').locator('vscode-option').allTextContents();
    assert.ok(options.includes('#7 · echo.zmq › round trip › echo · gone'), options.join(' | '));
    await pickOption(page, 'filter-routing-id', 's2#7');
    assert.deepEqual(await eventually('the script\'s rows', () => visibleRowPreviews(page), (r) => r.length === 2), ['from the script', 'from the script']);
  });
});
