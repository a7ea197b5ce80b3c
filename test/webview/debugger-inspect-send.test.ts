/**
 * The inspector and the send form as a user reads them, in headless Chromium (1400 × 900) against
 * the fake host: the whole hex dump line is on screen, the auto-scroll button says what pauses, a
 * send's outcome does not outlive the draft it was for, and JSON says that it goes out minified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, pickOption, sampleSnapshot, startWebviewHarness, type WebviewHarness } from '../support/webview-harness';

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

describe('inspector and send form in Chromium', () => {
  it('shows a whole hex dump line at 1400 px: offset, all 16 bytes and the ASCII column', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    assert.equal(page.viewportSize()?.width, 1400);
    await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(['0123456789abcdefXYZ'], 101) } })`);
    await page.locator('[data-testid="traffic-row"][data-seq="1"]').click();
    const hex = page.getByTestId('inspector-hex');
    await eventually('dump', () => text('inspector-hex'), (t) => t.startsWith('00000000  30 31'));
    const fits = await hex.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(fits.scroll <= fits.client, `the dump needs ${fits.scroll} px and has ${fits.client}`);
    // The last character of the first line, the ASCII column's closing bar, lies inside the inspector's box.
    const [bar, box] = await hex.evaluate((el) => {
      const range = (globalThis as unknown as { document: { createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void; getBoundingClientRect(): { right: number } } } }).document.createRange();
      const node = (el as unknown as { firstChild: { textContent: string } }).firstChild;
      const end = node.textContent.indexOf('\n');
      range.setStart(node, end - 1);
      range.setEnd(node, end);
      const inspector = (el as unknown as { closest(s: string): { getBoundingClientRect(): { right: number } } }).closest('[data-testid="inspector"]');
      return [range.getBoundingClientRect().right, inspector.getBoundingClientRect().right];
    });
    assert.ok(bar <= box, `ASCII column ends at ${bar} px, the inspector at ${box} px`);
    assert.equal(await text('inspector-hex'), [
      '00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|',
      `00000010  58 59 5a ${' '.repeat(41)}|XYZ|`,
    ].join('\n'));
  });

  it('dumps 8 bytes a line when 16 would not fit (a narrow window), the ASCII column still on screen', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.setViewportSize({ width: 1000, height: 900 });
    try {
      await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(['0123456789abcdefXYZ'], 101) } })`);
      await page.locator('[data-testid="traffic-row"][data-seq="1"]').click();
      await eventually('8 bytes a line', () => text('inspector-hex'), (t) => t.startsWith('00000000  30 31 32 33 34 35 36 37  |01234567|'));
      const hex = page.getByTestId('inspector-hex');
      const fits = await hex.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      assert.ok(fits.scroll <= fits.client, `the dump needs ${fits.scroll} px and has ${fits.client}`);
      await page.setViewportSize({ width: 1400, height: 900 });
      await eventually('16 bytes a line again', () => text('inspector-hex'), (t) => t.startsWith('00000000  30 31 32 33 34 35 36 37  38 39'));
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('says that it is auto-scroll that a selected row pauses', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    const button = page.getByTestId('autoscroll-toggle');
    assert.equal(await text('autoscroll-toggle'), 'Pause auto-scroll');
    await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(['x'], 101) } })`);
    await page.locator('[data-testid="traffic-row"][data-seq="1"]').click();
    await eventually('button', () => text('autoscroll-toggle'), (t) => t === 'Resume auto-scroll');
    assert.equal(await button.getAttribute('data-paused'), 'true');
    assert.equal(await text('autoscroll-note'), 'Auto-scroll paused while a frame is selected; new frames arrive below');
    assert.ok(await page.getByTestId('autoscroll-note').isVisible());
    await button.click();
    await eventually('following again', () => text('autoscroll-toggle'), (t) => t === 'Pause auto-scroll');
    assert.equal(await text('autoscroll-note'), '');
  });

  it('drops "Sent N bytes" as soon as the draft changes, so it never stands beside a new problem', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.getByTestId('send-payload').locator('textarea').fill('hello');
    await page.getByTestId('send-button').click();
    await eventually('sent', () => text('send-result'), (t) => t === 'Sent 5 bytes');
    await pickOption(page, 'send-format', 'hex');
    await eventually('validation', () => text('send-validation'), (t) => t.startsWith('Hex may contain'));
    assert.equal(await text('send-result'), '');
    assert.equal(await page.getByTestId('send-result').getAttribute('data-state'), 'idle');
  });

  it('says before and after sending that JSON goes out minified (44 bytes typed, 38 sent)', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await pickOption(page, 'send-format', 'json');
    const typed = '{"op": "ping", "n": 1, "tags": ["abc", "d"]}';
    assert.equal(Buffer.byteLength(typed), 44);
    await page.getByTestId('send-payload').locator('textarea').fill(typed);
    await eventually('note', () => text('send-note'), (t) => t === 'Sent minified: 38 bytes (44 typed; whitespace outside strings removed)');
    assert.ok(await page.getByTestId('send-note').isVisible());
    await page.getByTestId('send-button').click();
    await eventually('result', () => text('send-result'), (t) => t === 'Sent 38 bytes (JSON minified)');
  });
});
