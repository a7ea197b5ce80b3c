/**
 * The debugger without a mouse, in headless Chromium against the fake host: the traffic table is an
 * ARIA grid whose arrow keys, Page Up/Down, Home and End move the selection with a visible focus
 * ring, Enter takes the keyboard into the inspector and Escape brings it back; the forms and the
 * topology are reached with Tab and worked with Enter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, sampleSnapshot, shownOption, startWebviewHarness, type WebviewHarness } from '../support/webview-harness';

let harness: WebviewHarness;

before(async () => {
  harness = await startWebviewHarness();
});

after(async () => {
  await harness?.close();
});

/** The data-testid of the focused element (through shadow roots: the component that holds the focus). */
async function focused(): Promise<string | null> {
  return harness.page.evaluate('document.activeElement && document.activeElement.getAttribute("data-testid")') as Promise<string | null>;
}

async function selectedSeq(): Promise<string | null> {
  return harness.page.locator('[data-testid="traffic-row"].selected').getAttribute('data-seq', { timeout: 2000 }).catch(() => null);
}

describe('keyboard and ARIA in Chromium', () => {
  it('is an ARIA grid: header and rows, cells, row count and the active row', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(['a', 'b', 'c'], 101) } })`);
    const grid = page.getByTestId('traffic-list');
    assert.equal(await grid.getAttribute('role'), 'grid');
    await eventually('row count', () => grid.getAttribute('aria-rowcount'), (v) => v === '7');
    assert.deepEqual(await page.locator('#traffic-head [role="columnheader"]').allTextContents(), ['Time', 'Dir', 'Routing id', 'Kind', 'Size', 'Preview']);
    const first = page.locator('[data-testid="traffic-row"][data-seq="1"]');
    assert.equal(await first.getAttribute('role'), 'row');
    assert.equal(await first.getAttribute('aria-rowindex'), '2');
    assert.equal(await first.locator('[role="gridcell"]').count(), 6);
    await first.click();
    await eventually('active row', () => grid.getAttribute('aria-activedescendant'), (v) => v === 'frame-1');
    assert.equal(await first.getAttribute('aria-selected'), 'true');
  });

  it('moves the selection with the arrow keys, Home and End, with a focus ring; Enter inspects, Escape comes back', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.evaluate(`window.__harness.post({ kind: 'event', event: { type: 'traffic', frames: window.__harness.echoes(['one', 'two', 'three'], 101) } })`);
    // From the filter field, Shift+Tab-free: the table is reached with Tab like any control.
    await page.getByTestId('traffic-list').waitFor();
    await page.keyboard.press('Tab');
    await page.getByTestId('traffic-list').focus();
    await page.keyboard.press('ArrowDown');
    await eventually('first row selected', selectedSeq, (s) => s === '1');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await eventually('third row', selectedSeq, (s) => s === '3');
    await page.keyboard.press('ArrowUp');
    await eventually('second row', selectedSeq, (s) => s === '2');
    await page.keyboard.press('End');
    await eventually('last row', selectedSeq, (s) => s === '6');
    await page.keyboard.press('Home');
    await eventually('first row', selectedSeq, (s) => s === '1');
    const ring = await page.locator('[data-testid="traffic-row"].selected').evaluate((e) => {
      const style = (globalThis as unknown as { getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string } }).getComputedStyle(e);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    assert.equal(ring, 'solid 1px', 'the focus ring on the active row');
    assert.match(await page.getByTestId('inspector-meta').textContent() ?? '', /^#1 · /);
    await page.keyboard.press('Enter');
    await eventually('focus in the inspector', focused, (t) => t === 'inspector-hex');
    await page.keyboard.press('Escape');
    await eventually('focus back in the table', focused, (t) => t === 'traffic-list');
    await page.keyboard.press('Escape');
    await eventually('selection cleared', selectedSeq, (s) => s === null);
  });

  it('reaches the forms and the topology with Tab, and works them with the keyboard', async () => {
    await harness.open(sampleSnapshot());
    const page = harness.page;
    await page.getByTestId('filter-text').locator('input').focus();
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'filter-routing-id', 'Tab goes on to the peer filter');
    // A topology node takes the focus and Enter shows that peer.
    await page.locator('[data-testid="topology-node"][data-key="s1/2"]').focus();
    await page.keyboard.press('Enter');
    await eventually('filtered by the keyboard', () => shownOption(page, 'filter-routing-id'), (s) => s === '#999 · peer 1');
    // A peer row: Enter selects it (its handshake shows).
    await page.locator('[data-testid="peer-row"][data-routing-id="101"]').focus();
    await page.keyboard.press('Enter');
    await eventually('peer selected', () => page.locator('[data-testid="peer-row"][data-routing-id="101"]').getAttribute('aria-selected'), (v) => v === 'true');
    // The send form: type, Tab to Send, Enter sends.
    await page.getByTestId('send-payload').locator('textarea').fill('keys');
    await page.getByTestId('send-button').focus();
    await page.keyboard.press('Enter');
    await eventually('sent', async () => ((await page.getByTestId('send-result').textContent()) ?? '').trim(), (t) => t === 'Sent 4 bytes');
  });
});
