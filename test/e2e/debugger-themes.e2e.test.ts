/**
 * End to end, in a real VS Code (code-server) driven through Chromium: the debugger in Dark Modern, Light Modern and
 * Dark High Contrast, with an active peer (its handshake ladder and traffic), a failing connect and a failed
 * handshake, so every phase colour is on screen. The webview takes all its colours from the theme's --vscode-*
 * variables: switching the theme changes them, and the screenshots are kept to be looked at.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { Context, Peer } from '../../core';
import { runCommand, sleep, waitInputBox } from '../support/code-server';
import { connectPeer, eventually, sendFromForm, waitPeerActive, withWorkbench } from '../support/e2e-scenario';

let context: Context;
let endpoint: string;
let curve: Server;

before(async () => {
  context = new Context();
  const echo = new Peer({ context, linger: 0 });
  endpoint = await echo.bind('tcp://127.0.0.1:*');
  void (async () => {
    for await (const { routingId, data } of echo) await echo.send(routingId, data).catch(() => undefined);
  })();
  // A peer that greets with CURVE: its connection fails its handshake (ERR_ZMTP_MECHANISM_MISMATCH).
  curve = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
    const greeting = Buffer.alloc(64);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[11] = 1;
    greeting.write('CURVE', 12, 'latin1');
    greeting[32] = 1;
    socket.write(greeting);
  });
  await new Promise<void>((resolve) => curve.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  curve?.close();
  await context?.term();
});

/** The colours the webview's page and topology take now. */
async function colours(view: FrameLocator): Promise<{ background: string; foreground: string; activeEdge: string }> {
  return view.getByTestId('debugger-root').evaluate((root) => {
    const style = (el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; color: string; stroke: string } }).getComputedStyle(el);
    const doc = (root as unknown as { ownerDocument: { body: unknown; querySelector(s: string): unknown } }).ownerDocument;
    return {
      background: style(doc.body).backgroundColor,
      foreground: style(doc.body).color,
      activeEdge: style(doc.querySelector('[data-testid="topology-edge"][data-phase="active"]')).stroke,
    };
  });
}

const THEMES = ['Dark Modern', 'Light Modern', 'Dark High Contrast'] as const;

test('the debugger in Dark Modern, Light Modern and High Contrast', { timeout: 300000 }, async (t) => {
  await withWorkbench(t, 'themes', async (wb) => {
    const { page } = wb;
    const failed = await connectPeer(wb, `tcp://127.0.0.1:${(curve.address() as { port: number }).port}`);
    const view = failed.view;
    await eventually('the failed handshake', () => view.locator(`[data-testid="peer-row"][data-routing-id="${failed.routingId}"]`).getAttribute('data-phase', { timeout: 1000 }), (p) => p === 'failed');
    await connectPeer(wb, 'tcp://127.0.0.1:1', 'unreachable-typed');
    const active = await connectPeer(wb, endpoint, 'echo-typed');
    await waitPeerActive(view, active.routingId);
    await sendFromForm(view, active.routingId, 'text', 'hello in every theme');
    await sendFromForm(view, active.routingId, 'json', '{"theme": "check", "n": 3}');
    // Connect Peer selected the new peer: its ladder shows. (A row out of view is brought up to date
    // when it scrolls in, so it is scrolled in before its selection is read.)
    const activeRow = view.locator(`[data-testid="peer-row"][data-routing-id="${active.routingId}"]`);
    await activeRow.scrollIntoViewIfNeeded();
    await eventually('the new peer selected', () => activeRow.getAttribute('aria-selected', { timeout: 1000 }), (v) => v === 'true');
    await eventually('the ladder', () => view.getByTestId('ladder-step').count(), (n) => n >= 8);
    await view.getByTestId('peers-pane').evaluate((pane) => ((pane as unknown as { scrollTop: number }).scrollTop = 0));
    await view.locator('[data-testid="traffic-row"][data-direction="in"]:visible').filter({ hasText: '"theme"' }).first().click();
    await runCommand(page, 'Notifications: Clear All Notifications');

    const seen = new Map<string, string>();
    for (const theme of THEMES) {
      await runCommand(page, 'Preferences: Color Theme');
      await waitInputBox(page);
      await page.keyboard.type(theme);
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10000 });
      await page.keyboard.press('Enter');
      // The workbench re-themes the webview by its --vscode-* variables; give it a moment to repaint.
      await sleep(1500);
      const now = await colours(view);
      t.diagnostic(`${theme}: background ${now.background}, text ${now.foreground}, active edge ${now.activeEdge}`);
      assert.notEqual(now.activeEdge, '', 'the active edge has a colour');
      seen.set(theme, JSON.stringify(now));
      await wb.shot(`theme-${theme}`);
    }
    // Each theme drew the page in its own colours.
    assert.equal(new Set(seen.values()).size, THEMES.length, [...seen].join('\n'));
  });
});
