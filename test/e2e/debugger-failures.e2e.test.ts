/**
 * End to end, in a real VS Code (code-server) driven through Chromium: failures look like failures. Connect Peer to
 * tcp://127.0.0.1:1 (nothing listens): the peer is shown failing, ONE warning with the last error and "Show in
 * Debugger" however long it retries, its events grouped (CONNECT_RETRIED ×N) so the history survives, and the
 * handshake ladder shows the refused connect with what to do. A connect to a port that comes alive later clears
 * its last error once ACTIVE. Against libzmq 4.3.4: a DEALER (ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE at its READY) and a
 * PLAIN server (it hangs up on our NULL greeting before sending the rest of its own: HANDSHAKE_FAILED_NO_DETAIL, as
 * libzmq reports it, at the greeting); and a peer whose greeting names CURVE (ERR_ZMTP_MECHANISM_MISMATCH). Each
 * shows the exact failing step with the named error and what to do.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { Context, Peer } from '../../core';
import { notifications, sleep } from '../support/code-server';
import { connectPeer, eventually, textOf, withWorkbench } from '../support/e2e-scenario';
import { LibzmqEchoServer } from '../support/libzmq';

let context: Context;
let dealer: LibzmqEchoServer;
let plain: LibzmqEchoServer;
let curve: Server;

/** RFC 23 greeting of a CURVE server: signature, version 3.1, mechanism "CURVE", as-server 1, filler. */
function curveGreeting(): Buffer {
  const greeting = Buffer.alloc(64);
  greeting[0] = 0xff;
  greeting[9] = 0x7f;
  greeting[10] = 3;
  greeting[11] = 1;
  greeting.write('CURVE', 12, 'latin1');
  greeting[32] = 1;
  return greeting;
}

before(async () => {
  // A peer that greets in full before it reads ours (libzmq reads ours first and hangs up instead).
  curve = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
    socket.write(curveGreeting());
  });
  await new Promise<void>((resolve) => curve.listen(0, '127.0.0.1', resolve));
  context = new Context();
  dealer = await LibzmqEchoServer.start('DEALER', 'tcp://127.0.0.1:*');
  plain = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*', { options: { PLAIN_SERVER: 1 } });
});

after(async () => {
  curve?.close();
  await dealer?.close();
  await plain?.close();
  await context?.term();
});

/** A TCP port nothing listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The warning toasts about `endpoint`. */
async function warningsAbout(page: Page, endpoint: string): Promise<string[]> {
  return (await notifications(page)).filter((n) => n.startsWith(`Cannot connect to ${endpoint} `));
}

/** The ladder's steps as "direction label". */
async function ladderSteps(view: FrameLocator): Promise<string[]> {
  return view.getByTestId('ladder-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-direction')} ${e.getAttribute('data-label')}`));
}

test('failing connects and failed handshakes are visibly failing, with one warning and the failing step named', { timeout: 360000 }, async (t) => {
  await withWorkbench(t, 'failures', async (wb) => {
    const { page } = wb;
    // Issue 10 (4): nothing listens on port 1.
    const unreachable = 'tcp://127.0.0.1:1';
    const { routingId, view } = await connectPeer(wb, unreachable);
    const row = view.locator(`[data-testid="peer-row"][data-routing-id="${routingId}"]`);
    await eventually('the peer is failing', () => row.getAttribute('data-phase', { timeout: 1000 }), (p) => p === 'failing');
    const problem = row.getByTestId('peer-problem');
    assert.ok(await problem.isVisible(), 'the warning is in the row, without scrolling');
    assert.match((await problem.textContent()) ?? '', /^⚠ Failing: ECONNREFUSED.* · \d+ attempts, still retrying$/);
    assert.equal(await view.locator('[data-testid="topology-edge"]').first().getAttribute('data-phase'), 'failing');
    const warning = await eventually('one warning', () => warningsAbout(page, unreachable), (w) => w.length === 1);
    assert.match(warning[0], /ECONNREFUSED.*Nothing is listening at that address.*Still retrying/);
    await wb.shot('unreachable-failing-one-warning');

    // Ten more seconds of retries: still one warning, and the events stay a handful of groups.
    await sleep(10000);
    assert.equal((await warningsAbout(page, unreachable)).length, 1, 'one warning, not one per retry');
    const types = await view.getByTestId('event-type').allTextContents();
    const retried = types.find((e) => e.startsWith('CONNECT_RETRIED ×'));
    assert.ok(retried !== undefined && Number(retried.split('×')[1]) >= 20, `grouped retries: ${types.join(', ')}`);
    assert.ok(types.length <= 4, `the log holds groups, not every retry: ${types.join(', ')}`);
    t.diagnostic(`event groups after 10 s: ${types.join(', ')}`);
    await wb.shot('unreachable-events-grouped');

    // "Show in Debugger": the failing peer selected, its ladder ends with the refused connect and what to do.
    await page.locator('.notifications-toasts .notification-toast').filter({ hasText: `Cannot connect to ${unreachable}` }).getByRole('button', { name: 'Show in Debugger' }).click();
    await eventually('the failing peer selected', () => row.getAttribute('aria-selected', { timeout: 1000 }), (v) => v === 'true');
    await eventually('the refused step', () => ladderSteps(view), (s) => s.includes('local ECONNREFUSED'));
    assert.equal((await ladderSteps(view))[0], 'out tcp connect');
    assert.match(await textOf(view, 'ladder-error'), /^ECONNREFUSED: /);
    assert.match(await textOf(view, 'ladder-advice'), /Nothing is listening at that address/);
    await wb.shot('unreachable-ladder');
    await row.getByTestId('peer-disconnect').click();
    await eventually('the failing peer gone', () => row.count(), (n) => n === 0);

    // A port that comes alive later: the last error is cleared once the connection is ACTIVE.
    const port = await closedPort();
    const late = `tcp://127.0.0.1:${port}`;
    const lateConnect = await connectPeer(wb, late, 'late-endpoint-typed');
    const lateRow = view.locator(`[data-testid="peer-row"][data-routing-id="${lateConnect.routingId}"]`);
    await eventually('a failed attempt', async () => (await lateRow.getByTestId('peer-error').textContent({ timeout: 1000 }))?.trim() ?? '', (e) => e.startsWith('ECONNREFUSED'));
    await wb.shot('late-endpoint-refused');
    const server = new Peer({ context, linger: 0 });
    await server.bind(late);
    await eventually('ACTIVE', async () => (await lateRow.getByTestId('peer-state').textContent({ timeout: 1000 }))?.trim() ?? '', (s) => s === 'ACTIVE', 20000);
    assert.equal((await lateRow.getByTestId('peer-error').textContent())?.trim(), '—', 'no stale last error next to ACTIVE');
    assert.equal(await lateRow.getByTestId('peer-problem').isVisible(), false);
    await wb.shot('late-endpoint-active-error-cleared');

    // A libzmq DEALER: the handshake fails at its READY, the connection is kept to show why.
    const toDealer = await connectPeer(wb, dealer.endpoint, 'dealer-endpoint-typed');
    const dealerRow = view.locator(`[data-testid="peer-row"][data-routing-id="${toDealer.routingId}"]`);
    await eventually('the handshake failed', () => dealerRow.getAttribute('data-phase', { timeout: 1000 }), (p) => p === 'failed', 20000);
    await eventually('the failing step', () => ladderSteps(view), (s) => s.at(-1) === 'local ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE');
    assert.deepEqual((await ladderSteps(view)).slice(-3), ['out READY', 'in READY', 'local ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE']);
    assert.ok((await view.getByTestId('ladder').textContent())?.includes('Socket-Type="DEALER"'));
    assert.match(await textOf(view, 'ladder-advice'), /PEER talks only to PEER/);
    assert.equal(await dealerRow.getByTestId('peer-disconnect').textContent(), 'Dismiss');
    await wb.shot('dealer-incompatible-socket-type');

    // A libzmq PEER with PLAIN security hangs up on our NULL greeting: the ladder stops at the greeting and says why.
    const toPlain = await connectPeer(wb, plain.endpoint, 'plain-endpoint-typed');
    const plainRow = view.locator(`[data-testid="peer-row"][data-routing-id="${toPlain.routingId}"]`);
    await eventually('the hang-up at the greeting', () => ladderSteps(view), (s) => s.includes('local HANDSHAKE_FAILED_NO_DETAIL'), 20000);
    assert.deepEqual((await ladderSteps(view)).slice(0, 4), ['out tcp connect', 'in connected', 'out greeting', 'local HANDSHAKE_FAILED_NO_DETAIL']);
    assert.match(await textOf(view, 'ladder-error'), /after our greeting, before sending all of its own/);
    assert.match(await textOf(view, 'ladder-advice'), /another security mechanism \(PLAIN or CURVE/);
    await wb.shot('plain-hangs-up-at-greeting');
    await plainRow.getByTestId('peer-disconnect').click();

    // A peer that greets with CURVE: the greetings differ, ERR_ZMTP_MECHANISM_MISMATCH, and the connection ends.
    const toCurve = await connectPeer(wb, `tcp://127.0.0.1:${(curve.address() as { port: number }).port}`, 'curve-endpoint-typed');
    const curveRow = view.locator(`[data-testid="peer-row"][data-routing-id="${toCurve.routingId}"]`);
    await eventually('the mechanism mismatch', () => ladderSteps(view), (s) => s.at(-1) === 'local ERR_ZMTP_MECHANISM_MISMATCH', 20000);
    assert.equal(await curveRow.getAttribute('data-phase'), 'failed');
    assert.match(await textOf(view, 'ladder-error'), /^ERR_ZMTP_MECHANISM_MISMATCH: .*we offer NULL, the peer offers CURVE/);
    assert.match(await textOf(view, 'ladder-advice'), /same security mechanism/);
    await wb.shot('curve-mechanism-mismatch');
  });
});
