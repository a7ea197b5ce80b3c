/**
 * The debugger webview in headless Chromium against a fake host (test/support/webview-harness.ts):
 * the real page, CSP and bundle, without VS Code. What code-server's e2e tests cover end to end,
 * this covers in seconds: rendering, virtualisation, filters, the inspector, the send form, view
 * state across a reload, and frame rate with 50,000 msgs/s flowing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sampleSnapshot, startWebviewHarness, visibleRowPreviews, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

/** CSP reports and page errors, less the known ones: a missing favicon, and vscode-elements' textarea resize grip (a data: image). */
function unexpectedErrors(): string[] {
  return harness.consoleErrors.filter((e) => !/Failed to load resource: .*404/.test(e) && !/Loading the image 'data:image\/png/.test(e));
}

async function text(testid: string): Promise<string> {
  return ((await harness.page.getByTestId(testid).first().textContent()) ?? '').trim();
}

async function pushFrames(n: number, routingId = 101): Promise<void> {
  await harness.page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.frames(${n}, ${routingId}) } })`);
}

/** Sets a vscode-single-select's value as a user pick would, with its change event. */
async function pick(testid: string, value: string): Promise<void> {
  await harness.page.getByTestId(testid).evaluate((el: unknown, v: string) => {
    const s = el as { value: string; dispatchEvent(event: Event): boolean };
    s.value = v;
    s.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** A component's `value` property. */
async function valueOf(testid: string): Promise<string> {
  return harness.page.getByTestId(testid).evaluate((el: unknown) => (el as { value: string }).value);
}

async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) assert.fail(`${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}

describe('debugger webview in Chromium', () => {
  it('posts ready, draws sockets, peers and events from init, under the strict CSP', async () => {
    await harness.open(sampleSnapshot());
    const posted = (await harness.page.evaluate('window.__harness.posted')) as { kind: string }[];
    assert.equal(posted[0].kind, 'ready');
    assert.deepEqual(await harness.page.getByTestId('peer-routing-id').allTextContents(), ['#101', '#999']);
    assert.deepEqual(await harness.page.getByTestId('peer-state').allTextContents(), ['ACTIVE', 'ACTIVE']);
    assert.equal(await text('peer-properties'), 'Socket-Type=PEER');
    assert.equal(await harness.page.getByTestId('event-row').first().getAttribute('data-type'), 'HANDSHAKE_SUCCEEDED');
    assert.deepEqual(unexpectedErrors(), []);
  });

  it('renders only the visible rows of a long timeline', async () => {
    await harness.open(sampleSnapshot());
    await pushFrames(5000);
    await eventually('status', () => text('traffic-status'), (s) => s.startsWith('4500 of 5000'));
    const rows = await harness.page.getByTestId('traffic-row').count();
    assert.ok(rows > 5 && rows < 100, `${rows} row elements for 4500 frames`);
    // What the user sees: the newest frames (auto-scroll), as many as the table's height holds.
    const shown = await visibleRowPreviews(harness.page);
    const height = (await harness.page.getByTestId('traffic-list').boundingBox())!.height;
    assert.ok(shown.length > 3 && shown.length <= Math.ceil(height / 22) + 1, `${shown.length} rows on screen in ${height} px`);
    assert.equal(shown.at(-1), '{"n":4999}', 'the newest data frame is at the bottom (5000 is a PING, hidden)');
  });

  it('filters by text, /regex/ and direction, and reports an invalid regex', async () => {
    await harness.open(sampleSnapshot());
    await pushFrames(100);
    const filter = harness.page.getByTestId('filter-text').locator('input');
    await filter.fill('/^\\{"n":\\d+\\}$/');
    await eventually('regex', () => text('traffic-status'), (s) => s.startsWith('50 of 100'));
    const json = await eventually('only JSON rows on screen', () => visibleRowPreviews(harness.page), (rows) => rows.length > 0 && rows.every((r) => /^\{"n":\d+\}$/.test(r)));
    assert.ok(json.length >= 5, `${json.length} rows on screen`);
    await filter.fill('/([/');
    await eventually('invalid regex', () => text('filter-error'), (s) => s.startsWith('Invalid regex'));
    await filter.fill('');
    await pick('filter-direction', 'out');
    await eventually('direction', () => text('traffic-status'), (s) => s.startsWith('30 of 100'));
    const out = await eventually('only outgoing rows on screen', async () => {
      const rows = harness.page.locator('[data-testid="traffic-row"]:visible');
      return rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-direction")));
    }, (dirs) => dirs.length > 0 && dirs.every((d) => d === 'out'));
    assert.ok(out.length >= 5);
  });

  it('shows the selected message as hex, UTF-8 and JSON', async () => {
    await harness.open(sampleSnapshot());
    await pushFrames(3);
    await harness.page.locator('[data-testid="traffic-row"][data-seq="1"]').click();
    await eventually('hex', () => text('inspector-hex'), (s) => s.startsWith('00000000  7b 22 6e 22 3a 31 7d'));
    assert.equal(await text('inspector-utf8'), '{"n":1}');
    assert.equal(await text('inspector-json'), '{\n  "n": 1\n}');
  });

  it('sends from the form and shows the result or the errno code', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.getByTestId('send-payload').locator('textarea').fill('hello');
    await page.getByTestId('send-button').click();
    await eventually('sent', () => text('send-result'), (s) => s === 'Sent 5 bytes');
    await pick('send-routing-id', 's1#999');
    await page.getByTestId('send-button').click();
    await eventually('error', () => text('send-result'), (s) => s === 'EHOSTUNREACH: Host unreachable');
    await pick('send-format', 'hex');
    await eventually('validation', () => text('send-validation'), (s) => s.startsWith('Hex may contain'));
    assert.notEqual(await page.getByTestId('send-button').getAttribute('disabled'), null);
  });

  it('keeps filters and drafts across a reload (setState), and the live state comes again from init', async () => {
    await harness.open(sampleSnapshot());
    await harness.page.getByTestId('filter-text').locator('input').fill('keep me');
    await harness.page.getByTestId('send-payload').locator('textarea').fill('draft');
    await harness.page.reload();
    await harness.page.getByTestId('peer-row').first().waitFor();
    await eventually('filter restored', () => valueOf('filter-text'), (v) => v === 'keep me');
    assert.equal(await valueOf('send-payload'), 'draft');
  });

  const cases = [
    { name: '', filter: '', peers: 2 },
    { name: ' through a regex filter', filter: '/"n":\\d+[13579]\\}/', peers: 2 },
    // 200 connections on a bound endpoint: every one updated every 50 ms and a rate sample each second, as the host sends them.
    { name: ' and 200 peers updating (topology, sparklines, peer rows)', filter: '', peers: 200 },
  ];
  for (const { name, filter, peers } of cases) {
    it(`keeps drawing at frame rate with 50,000 msgs/s flowing${name}`, async (t) => {
      await harness.open(sampleSnapshot(100_000, peers));
      const page = harness.page;
      if (filter) await page.getByTestId('filter-text').locator('input').fill(filter);
      if (peers > 2) {
        assert.equal(await page.locator('[data-testid="topology-node"][data-node="peer"]').count(), peers, 'a topology node per peer');
        assert.equal(await page.getByTestId('peer-row').count(), peers);
      }
      await page.evaluate('window.__harness.prepare(50000, 3000)');
      await page.evaluate(`(() => { const m = window.__raf = { frames: 0, maxGap: 0, last: 0 };
        const loop = (t) => { if (m.last && t - m.last > m.maxGap) m.maxGap = t - m.last; m.last = t; m.frames++; if (!m.stop) requestAnimationFrame(loop); };
        requestAnimationFrame(loop); })()`);
      await page.evaluate(`window.__harness.stream(50000, 3000, ${peers > 2})`);
      const raf = (await page.evaluate('(() => { window.__raf.stop = true; return window.__raf; })()')) as { frames: number; maxGap: number };
      const status = await text('traffic-status');
      const inRing = Number(/of (\d+)/.exec(status)?.[1]);
      // The fake host posts from the page's own thread (batches made beforehand), so it slows down with the page; the ring stays bounded.
      assert.ok(inRing > 50_000 && inRing <= 100_000, `frames in the ring: ${status}`);
      // Generous bounds for a loaded CI machine: the page must not stall.
      assert.ok(raf.frames >= 60, `${raf.frames} animation frames in 3 s`);
      assert.ok(raf.maxGap < 500, `longest frame gap ${raf.maxGap.toFixed(1)} ms`);
      const rows = await page.getByTestId('traffic-row').count();
      assert.ok(rows < 100, `${rows} row elements`);
      assert.equal(await page.getByTestId('autoscroll-toggle').getAttribute('data-paused'), 'false', 'auto-scroll still follows the newest frame');
      if (peers > 2) {
        // The pictures kept up: the last peer's counters and the socket's sparkline moved.
        const caption = await page.getByTestId('socket-rate').getByTestId('rate-caption').textContent();
        assert.match(caption ?? '', /^↓50k ↑25k msg\/s$/);
      }
      t.diagnostic(`${raf.frames} frames in 3 s, longest gap ${raf.maxGap.toFixed(1)} ms; ${status}`);
    });
  }
});
