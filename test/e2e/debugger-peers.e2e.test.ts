/**
 * End to end, in a real VS Code (code-server) driven through Chromium, against two PEER echoes of this project's
 * core: several peers as a user sees them. The second Connect Peer takes an endpoint typed into its quick pick; two
 * peers keep the chosen send target; the topology draws both and a click on one filters the traffic to it and makes
 * it the send target; the selected peer's handshake ladder; rate sparklines; a filtered peer that is disconnected
 * takes its filter and the send target with it; and a script run shows its frames whatever filter was on, its
 * routing id still offered by the filter once its socket is gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Context, Peer } from '../../core';
import { runCommand, sleep } from '../support/code-server';
import { connectPeer, eventually, pickOption, sendFromForm, shownOption, textOf, visibleRows, waitPeerActive, withWorkbench } from '../support/e2e-scenario';

let context: Context;
const endpoints: string[] = [];

before(async () => {
  context = new Context();
  for (let i = 0; i < 2; i++) {
    const echo = new Peer({ context, linger: 0 });
    endpoints.push(await echo.bind('tcp://127.0.0.1:*'));
    void (async () => {
      for await (const { routingId, data } of echo) await echo.send(routingId, data).catch(() => undefined);
    })();
  }
});

after(async () => {
  await context?.term();
});

const SCRIPT = `# Sends through its own socket while the debugger is filtered on another peer
scenario from a script
  connect {{echo}} as echo
  wait echo connected within 10s
  send echo "from a script"
  expect echo text "from a script" within 5s
end
`;

test('several peers: typed endpoint in the quick pick, send target, topology, ladder, sparklines, gone peers, a script run', { timeout: 360000 }, async (t) => {
  const workspace = mkdtempSync(join(tmpdir(), 'zmq-peers-e2e-'));
  writeFileSync(join(workspace, 'run.zmq'), SCRIPT);
  writeFileSync(join(workspace, '.env'), `echo=${endpoints[0]}\n`);
  await withWorkbench(
    t,
    'peers',
    async (wb) => {
      const { page } = wb;
      const a = await connectPeer(wb, endpoints[0]);
      const view = a.view;
      await waitPeerActive(view, a.routingId);

      // Issue 10 (3): the second Connect Peer offers the recent endpoint, and takes a new one typed into it.
      const b = await connectPeer(wb, endpoints[1], 'quick-pick-typed-endpoint');
      assert.notEqual(b.routingId, a.routingId);
      await waitPeerActive(view, b.routingId);
      await wb.shot('two-peers');

      // Two peers keep the chosen send target while they update.
      await sendFromForm(view, b.routingId, 'text', 'to b');
      await sendFromForm(view, a.routingId, 'text', 'to a');
      await pickOption(view, 'send-routing-id', `socket-1#${b.routingId}`);
      for (let i = 0; i < 3; i++) await sendFromForm(view, b.routingId, 'text', `to b ${i}`);
      await sleep(1500);
      assert.match(await shownOption(view, 'send-routing-id'), new RegExp(`^#${b.routingId} `));

      // The topology: a node per peer, edges active; the sparklines count the frames just sent.
      const peerNodes = view.locator('[data-testid="topology-node"][data-node="peer"]');
      assert.equal(await peerNodes.count(), 2);
      assert.deepEqual(await view.getByTestId('topology-edge').evaluateAll((els) => els.map((e) => e.getAttribute('data-phase'))), ['active', 'active']);
      t.diagnostic(`edge labels: ${(await view.getByTestId('topology-edge-label').allTextContents()).join(' | ')}`);
      // b's sparkline: a second with messages out stands above the baseline (y 21 is zero).
      // (Rows out of view are brought up to date when they scroll in, as a user would scroll to b.)
      await view.locator(`[data-testid="peer-row"][data-routing-id="${b.routingId}"]`).scrollIntoViewIfNeeded();
      const sparkB = view.locator(`[data-testid="peer-row"][data-routing-id="${b.routingId}"]`).getByTestId('peer-rate').locator('polyline.spark-out');
      const points = await eventually('a rise in b\'s sparkline', async () => (await sparkB.getAttribute('points', { timeout: 1000 })) ?? '', (p) => p.split(' ').some((xy) => Number(xy.split(',')[1]) < 20));
      t.diagnostic(`b's sparkline: ${points}`);
      await wb.shot('topology-and-sparklines');

      // A click on peer a's node: the traffic shows only a, and a is the send target.
      await view.locator(`[data-testid="topology-node"][data-node="peer"]`).filter({ hasText: `#${a.routingId}` }).click();
      await eventually('filter on a', () => shownOption(view, 'filter-routing-id'), (s) => s === `#${a.routingId} · Session PEER`);
      assert.deepEqual(await eventually('only a on screen', () => visibleRows(view), (rows) => rows.length === 2), ['to a', 'to a']);
      assert.match(await shownOption(view, 'send-routing-id'), new RegExp(`^#${a.routingId} `));
      // Its handshake ladder: connect, greetings, READYs, ACTIVE, the first frames.
      const steps = await eventually('the ladder of a', () => view.getByTestId('ladder-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`)), (s) => s.includes('local ACTIVE'));
      assert.deepEqual(steps.slice(0, 7), ['out tcp connect', 'in connected', 'out greeting', 'in greeting', 'out READY', 'in READY', 'local ACTIVE']);
      assert.ok((await view.getByTestId('ladder').textContent())?.includes('Socket-Type="PEER"'));
      await wb.shot('topology-click-filters-and-ladder');

      // Issue 10 (2): filter on b, then disconnect b: the filter and the send target do not stay on a gone peer.
      const rowB = view.locator(`[data-testid="peer-row"][data-routing-id="${b.routingId}"]`);
      await rowB.getByTestId('peer-filter').click();
      await eventually('filter on b', () => shownOption(view, 'filter-routing-id'), (s) => s === `#${b.routingId} · Session PEER`);
      await rowB.getByTestId('peer-disconnect').click();
      await eventually('b gone', () => rowB.count(), (n) => n === 0);
      await eventually('filter lifted', () => shownOption(view, 'filter-routing-id'), (s) => s === 'All sockets and peers');
      await eventually('send target on a', () => shownOption(view, 'send-routing-id'), (s) => s.startsWith(`#${a.routingId} `));
      assert.ok((await visibleRows(view)).includes('to a'));
      await wb.shot('disconnected-peer-filter-lifted');

      // A script run, with the debugger filtered on a: its frames show, and its routing id stays in the filter list.
      await pickOption(view, 'filter-routing-id', `socket-1#${a.routingId}`);
      await eventually('filtered on a again', () => shownOption(view, 'filter-routing-id'), (s) => s === `#${a.routingId} · Session PEER`);
      await runCommand(page, 'Go to File...');
      await page.keyboard.type('run.zmq');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'run.zmq' }).first().waitFor({ timeout: 20000 });
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines', { hasText: 'from a script' }).first().waitFor({ timeout: 20000 });
      await runCommand(page, 'ZMQ: Run Script');
      await eventually('the filter lifted for the run', () => shownOption(view, 'filter-routing-id'), (s) => s === 'All sockets and peers', 30000);
      await eventually('the script\'s frames on screen', () => visibleRows(view), (rows) => rows.filter((r) => r === 'from a script').length === 2, 60000);
      const scriptOption = await eventually(
        'the script\'s routing id in the filter list',
        async () => (await view.getByTestId('filter-routing-id').locator('vscode-option').allTextContents()).find((o) => /^#\d+ · run\.zmq › from a script › \S+ · gone$/.test(o)) ?? '',
        (o) => o !== '',
        30000,
      );
      t.diagnostic(`filter option for the script's peer: ${scriptOption}`);
      await wb.shot('script-run-frames-shown');
      assert.match(await textOf(view, 'traffic-status'), /^\d+ of \d+ frames shown/);
    },
    { workspace },
  );
});
