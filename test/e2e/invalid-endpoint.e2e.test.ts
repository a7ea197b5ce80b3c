/**
 * End to end, in a real VS Code (code-server) driven through Chromium: "ZMQ: Connect Peer" with endpoints the
 * core rejects. The input box shows the error code and message under what was typed, and refuses Enter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerInputBox, inputBoxMessage, runCommand, sleep, waitInputBox, waitInputBoxMessage } from '../support/code-server';
import { withWorkbench } from '../support/e2e-scenario';

test('ZMQ: Connect Peer with an invalid endpoint shows EPROTONOSUPPORT / EINVAL in the input box', { timeout: 180000 }, async (t) => {
  await withWorkbench(t, 'invalid', async (wb) => {
    await runCommand(wb.page, 'ZMQ: Connect Peer');
    await waitInputBox(wb.page, 'ZMQ: Connect Peer');

    await answerInputBox(wb.page, 'foo://127.0.0.1:5555', { submit: false });
    const unknownTransport = await waitInputBoxMessage(wb.page, /EPROTONOSUPPORT/);
    assert.match(unknownTransport, /unknown transport "foo"/);
    await wb.shot('eprotonosupport');

    await answerInputBox(wb.page, 'tcp://127.0.0.1', { submit: false });
    const noPort = await waitInputBoxMessage(wb.page, /EINVAL/);
    assert.match(noPort, /HOST:PORT/);
    await wb.shot('einval');

    // Enter on an invalid value: the input box stays, with its message, and nothing connects.
    await wb.page.keyboard.press('Enter');
    await sleep(1000);
    assert.match(await inputBoxMessage(wb.page), /EINVAL/);
    assert.equal(await wb.page.locator('iframe.webview.ready').count(), 0, 'no debugger panel opened');
    await wb.shot('enter-refused');
  });
});
