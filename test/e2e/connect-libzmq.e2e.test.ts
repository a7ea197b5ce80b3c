/**
 * End to end, in a real VS Code (code-server) driven through Chromium: "ZMQ: Connect Peer" against a PEER echo
 * of the real libzmq (4.3.4, draft API; `npm run libzmq` builds it), then frames sent from the debugger
 * webview's form and their echoes in the timeline. Needs `npm run package` and scripts/install-code-server.sh.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LibzmqEchoServer } from '../support/libzmq';
import { connectPeer, dataRows, eventTypes, eventually, sendFromForm, waitEcho, waitPeerActive, withWorkbench } from '../support/e2e-scenario';

let echo: LibzmqEchoServer;

before(async () => {
  echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*');
});

after(async () => {
  await echo?.close();
});

test('ZMQ: Connect Peer to a libzmq PEER echo: routing id, ACTIVE handshake, frames sent from the webview come back', { timeout: 240000 }, async (t) => {
  await withWorkbench(t, 'libzmq', async (wb) => {
    const { routingId, view } = await connectPeer(wb, echo.endpoint);
    const row = await waitPeerActive(view, routingId);
    assert.match((await row.getByTestId('peer-routing-id').textContent()) ?? '', new RegExp(`^#${routingId}$`));
    await eventually('HANDSHAKE_SUCCEEDED in the event log', () => eventTypes(view), (types) => types.includes('HANDSHAKE_SUCCEEDED'));
    await wb.shot('peer-active');

    const bytes = await sendFromForm(view, routingId, 'text', 'hello libzmq from VS Code');
    assert.equal(bytes, 25);
    await waitEcho(view, routingId, 'hello libzmq from VS Code', 25);
    await wb.shot('text-echoed');

    // "zmq-hex" typed as hex: the form converts it, the echo brings the same bytes back.
    assert.equal(await sendFromForm(view, routingId, 'hex', '7a6d712d686578'), 7);
    await waitEcho(view, routingId, 'zmq-hex', 7);
    await wb.shot('hex-echoed');

    // Clicking the echo in the timeline shows its bytes in the inspector.
    await dataRows(view, routingId, 'in', 'zmq-hex').first().click();
    await eventually('inspector hex dump of the echo', async () => (await view.getByTestId('inspector-hex').textContent({ timeout: 1000 })) ?? '', (text) =>
      text.includes('7a 6d 71 2d 68 65 78'),
    );
    assert.match((await view.getByTestId('inspector-meta').textContent()) ?? '', /· in · data · 7 bytes/);
    await wb.shot('echo-inspected');
  });
});
