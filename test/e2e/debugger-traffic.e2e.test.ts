/**
 * End to end, in a real VS Code (code-server) driven through Chromium, against a PEER echo of this project's core:
 * the traffic table and the forms as a user sees them. Fifteen frames msg-1…msg-15 sent from the form, the filter
 * "msg-7" leaves exactly their two rows on screen and "0 of 34" none; the auto-scroll button says what pauses; the
 * inspector shows whole hex lines; JSON says it goes out minified; a stale "Sent N bytes" does not stay beside a new
 * problem; the keyboard moves through the table and into the inspector; no notification covers the saved messages;
 * and the example script, where `npm start` puts it, names in its comments a path that exists there.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Context, Peer } from '../../core';
import { PROJECT_ROOT, notifications, runCommand } from '../support/code-server';
import { connectPeer, eventually, pickSendFormat, sendFromForm, textOf, visibleRows, waitPeerActive, withWorkbench } from '../support/e2e-scenario';

let context: Context;
let endpoint: string;

before(async () => {
  context = new Context();
  const echo = new Peer({ context, linger: 0 });
  endpoint = await echo.bind('tcp://127.0.0.1:*');
  void (async () => {
    for await (const { routingId, data } of echo) await echo.send(routingId, data).catch(() => undefined);
  })();
});

after(async () => {
  await context?.term();
});

test('the traffic table, the inspector and the send form as a user sees them', { timeout: 300000 }, async (t) => {
  // The example script where `npm start` puts it (scripts/run-code-server.ts copies docs/examples/ to the workspace root).
  const workspace = mkdtempSync(join(tmpdir(), 'zmq-traffic-e2e-'));
  copyFileSync(join(PROJECT_ROOT, 'docs', 'examples', 'echo.zmq'), join(workspace, 'echo.zmq'));
  await withWorkbench(t, 'traffic', async (wb) => {
    const { routingId, view } = await connectPeer(wb, endpoint);
    await waitPeerActive(view, routingId);
    // The saved messages sit where notifications appear: Connect Peer says its routing id in the status bar instead.
    assert.deepEqual(await notifications(wb.page), []);
    assert.ok(await view.getByTestId('saved-list').isVisible());
    await wb.shot('connected-no-notification');

    for (let i = 1; i <= 15; i++) await sendFromForm(view, routingId, 'text', `msg-${i}`);
    await eventually('30 frames and the 4 handshake frames', () => textOf(view, 'traffic-status'), (s) => s.startsWith('30 of 34'));

    // Issue 10 (1): the filter hides rows, on screen and not only in the status line.
    const filter = view.getByTestId('filter-text').locator('input');
    await filter.fill('msg-7');
    await eventually('"2 of 34"', () => textOf(view, 'traffic-status'), (s) => s.startsWith('2 of 34'));
    assert.deepEqual(await eventually('msg-7 rows on screen', () => visibleRows(view), (rows) => rows.length === 2), ['msg-7', 'msg-7']);
    await wb.shot('filter-msg-7');
    await filter.fill('msg-77');
    await eventually('"0 of 34"', () => textOf(view, 'traffic-status'), (s) => s.startsWith('0 of 34'));
    assert.deepEqual(await eventually('no rows on screen', () => visibleRows(view), (rows) => rows.length === 0), []);
    await wb.shot('filter-none-shown');
    await view.getByTestId('filter-clear').click();
    await eventually('all again', () => textOf(view, 'traffic-status'), (s) => s.startsWith('30 of 34'));

    // The auto-scroll button says what a selected row pauses.
    assert.equal(await textOf(view, 'autoscroll-toggle'), 'Pause auto-scroll');
    const lastIn = view.locator('[data-testid="traffic-row"][data-direction="in"]').filter({ hasText: 'msg-15' }).first();
    await lastIn.click();
    await eventually('paused', () => textOf(view, 'autoscroll-toggle'), (s) => s === 'Resume auto-scroll');
    assert.equal(await textOf(view, 'autoscroll-note'), 'Auto-scroll paused while a frame is selected; new frames arrive below');
    await wb.shot('autoscroll-paused');

    // The keyboard: arrows move the selection (the inspector follows), Enter goes into the inspector, Escape back.
    await view.getByTestId('traffic-list').focus();
    await wb.page.keyboard.press('ArrowUp');
    await eventually('one row up', () => textOf(view, 'inspector-meta'), (s) => / · out · data · 6 bytes/.test(s));
    await wb.shot('keyboard-row-focus');
    await wb.page.keyboard.press('Enter');
    await eventually('focus in the inspector', () => view.locator(':focus').getAttribute('data-testid', { timeout: 1000 }), (id) => id === 'inspector-hex');
    await wb.page.keyboard.press('Escape');
    await eventually('focus back in the table', () => view.locator(':focus').getAttribute('data-testid', { timeout: 1000 }), (id) => id === 'traffic-list');
    await view.getByTestId('autoscroll-toggle').click();

    // JSON goes out minified, and the form says so before and after (44 bytes typed, 38 sent).
    const json = '{"op": "ping", "n": 1, "tags": ["abc", "d"]}';
    await pickSendFormat(view, 'json');
    await view.getByTestId('send-payload').locator('textarea').fill(json);
    await eventually('the note', () => textOf(view, 'send-note'), (s) => s === 'Sent minified: 38 bytes (44 typed; whitespace outside strings removed)');
    assert.equal(await sendFromForm(view, routingId, 'json', json), 38);
    assert.equal(await textOf(view, 'send-result'), 'Sent 38 bytes (JSON minified)');
    await wb.shot('json-minified');

    // A new problem in the draft: the old "Sent 38 bytes" goes.
    await pickSendFormat(view, 'hex');
    await eventually('the problem', () => textOf(view, 'send-validation'), (s) => s.startsWith('Hex may contain'));
    assert.equal(await textOf(view, 'send-result'), '');
    await wb.shot('stale-result-cleared');

    // The inspector: whole hex lines, the ASCII column on screen.
    const echoed = view.locator('[data-testid="traffic-row"][data-direction="in"][data-kind="data"]').filter({ hasText: '"op":"ping"' }).first();
    await echoed.click();
    const hex = view.getByTestId('inspector-hex');
    await eventually('the dump', async () => (await hex.textContent()) ?? '', (s) => s.startsWith('00000000  7b 22 6f 70'));
    const fits = await hex.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(fits.scroll <= fits.client, `the dump needs ${fits.scroll} px and has ${fits.client}`);
    const lines = ((await hex.textContent()) ?? '').split('\n');
    assert.match(lines[0], /\|\{"op":"p(ing","n"|ing")?\|$/, 'the ASCII column ends the line');
    const perLine = Number((await hex.getAttribute('data-bytes-per-line')) ?? '16');
    t.diagnostic(`hex dump: ${perLine} bytes a line in a ${fits.client} px inspector`);
    await wb.shot('hex-inspector');

    // The example script's comments name a path that exists in the workspace `npm start` opens.
    const named = [...readFileSync(join(workspace, 'echo.zmq'), 'utf8').matchAll(/zmq-peer run (\S+\.zmq)/g)].map((m) => m[1]);
    assert.ok(named.length > 0 && named.every((file) => existsSync(join(workspace, file))), `paths in the comments: ${named.join(', ')}`);
    await runCommand(wb.page, 'Go to File...');
    await wb.page.keyboard.type('echo.zmq');
    await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'echo.zmq' }).first().waitFor({ timeout: 20000 });
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.monaco-editor .view-lines', { hasText: 'zmq-peer run echo.zmq' }).first().waitFor({ timeout: 20000 });
    await wb.shot('example-script-comments');
  }, { workspace });
});
