/**
 * End to end, in a real VS Code (code-server) driven through Chromium: "ZMQ: Connect Peer" against a PEER echo
 * made with this project's core, then a frame sent from the debugger webview's form and its echo in the timeline.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Context, Peer } from '../../core';
import { connectPeer, eventTypes, eventually, sendFromForm, waitEcho, waitPeerActive, withWorkbench } from '../support/e2e-scenario';

let context: Context;
let endpoint: string;
const received: string[] = [];

before(async () => {
  context = new Context();
  const echo = new Peer({ context, linger: 0 });
  endpoint = await echo.bind('tcp://127.0.0.1:*');
  void (async () => {
    for await (const { routingId, data } of echo) {
      received.push(Buffer.from(data).toString('utf8'));
      await echo.send(routingId, data).catch(() => undefined);
    }
  })();
});

after(async () => {
  await context?.term();
});

test('ZMQ: Connect Peer to a core PEER echo: routing id, ACTIVE handshake, a frame sent from the webview comes back', { timeout: 240000 }, async (t) => {
  await withWorkbench(t, 'core', async (wb) => {
    const { routingId, view } = await connectPeer(wb, endpoint);
    await waitPeerActive(view, routingId);
    await eventually('HANDSHAKE_SUCCEEDED in the event log', () => eventTypes(view), (types) => types.includes('HANDSHAKE_SUCCEEDED'));
    await wb.shot('peer-active');

    const payload = '{"hello":"core echo"}';
    assert.equal(await sendFromForm(view, routingId, 'json', payload), Buffer.byteLength(payload));
    await waitEcho(view, routingId, 'core echo', Buffer.byteLength(payload));
    assert.deepEqual(received, [payload], 'what the echo received');
    await wb.shot('json-echoed');

    // The panel's own endpoint form refuses an unknown transport with the core's error code.
    await view.getByTestId('endpoint-input').locator('input').fill('foo://127.0.0.1:5555');
    await view.getByTestId('connect-button').click();
    const refused = await eventually(
      'the endpoint form reports EPROTONOSUPPORT',
      async () => (await view.getByTestId('endpoint-result').textContent({ timeout: 1000 }))?.trim() ?? '',
      (text) => text.includes('EPROTONOSUPPORT'),
    );
    assert.match(refused, /foo/);
    await wb.shot('panel-eprotonosupport');
  });
});
