/**
 * End to end, in a real VS Code (code-server) driven through Chromium: a `.zmq` frame script in the workspace. The
 * language server marks a bad endpoint (EPROTONOSUPPORT, in the editor and the Problems panel); the "Run scenario"
 * code lens runs one scenario against a real libzmq PEER echo (its endpoint from the workspace's `.env`); the Test
 * Explorer shows it passed, and the debugger panel, opened beside the script, shows the echoed frames. "Run file"
 * then fails the other two: one for its diagnostic, one with the mismatch shown beside its expect step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { runCommand, sleep, waitWebview } from '../support/code-server';
import { eventually, withWorkbench } from '../support/e2e-scenario';
import { LibzmqEchoServer } from '../support/libzmq';

const SCRIPT = `# Runs against the echo named in .env
scenario round trip
  connect {{echo}} as echo
  wait echo connected within 10s
  send echo "hello from a script"
  expect echo text "hello from a script" within 5s
  send echo json {"op": "ping", "n": 1}
  expect echo json-subset {"op": "ping"}
end

scenario typo
  connect tpc://127.0.0.1:5555 as nowhere
end

scenario wrong reply
  connect {{echo}} as echo
  send echo "hello"
  expect echo "goodbye" within 5s
end
`;

let echo: LibzmqEchoServer;

before(async () => {
  echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*');
});

after(async () => {
  await echo?.close();
});

/** The text of the editor's lines as shown (the editor renders blanks as no-break spaces). */
async function editorText(page: Page): Promise<string> {
  return ((await page.locator('.monaco-editor .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
}

test('a .zmq script: diagnostic on a bad endpoint, "Run scenario" code lens, passed in the Test Explorer', { timeout: 300000 }, async (t) => {
  const workspace = mkdtempSync(join(tmpdir(), 'zmq-script-e2e-'));
  writeFileSync(join(workspace, 'echo.zmq'), SCRIPT);
  writeFileSync(join(workspace, '.env'), `echo=${echo.endpoint}\n`);

  await withWorkbench(
    t,
    'script',
    async (wb) => {
      const { page } = wb;
      await runCommand(page, 'Go to File...');
      await page.keyboard.type('echo.zmq');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'echo.zmq' }).first().waitFor({ timeout: 20000 });
      await page.keyboard.press('Enter');
      await eventually('the script in the editor', () => editorText(page), (text) => text.includes('scenario round trip'));

      // The language server's diagnostic (a squiggle under the endpoint) and code lenses ("Run file" on the first
      // line, "Run scenario" on each scenario). The editor asks for lenses a few seconds after it opens, and only while
      // it is the active part, so they are awaited before the Problems panel takes the focus.
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 60000 });
      const lenses = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run scenario' });
      await lenses.first().waitFor({ timeout: 60000 });
      assert.equal(await lenses.count(), 3, 'a Run scenario lens per scenario');
      assert.equal(await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run file' }).count(), 1, 'one Run file lens');
      await wb.shot('diagnostic-and-code-lenses');

      // The diagnostic's code and message, as the core names them, in the Problems panel.
      await page.locator('[id="status.problems"]').first().click();
      const problems = await eventually(
        'the EPROTONOSUPPORT problem',
        async () => (await page.locator('.markers-panel').first().textContent({ timeout: 2000 })) ?? '',
        (text) => text.includes('EPROTONOSUPPORT'),
      );
      assert.match(problems, /EPROTONOSUPPORT: Protocol not supported: unknown transport "tpc"/);
      assert.match(problems, /Ln 12, Col 11/);
      await wb.shot('problems-panel');
      await page.locator('[id="status.problems"]').first().click();

      await lenses.first().click();

      // The run's traffic shows in the debugger panel, opened beside the script.
      const view = await waitWebview(page, 'traffic-list', 60000);
      await eventually(
        'the echoed frame in the debugger timeline',
        async () => (await view.getByTestId('traffic-list').textContent({ timeout: 2000 })) ?? '',
        (text) => text.includes('hello from a script'),
        60000,
      );
      await wb.shot('traffic-in-debugger');

      // The Test Explorer: the file's item passed; opened, its "round trip" passed and "typo" did not run.
      await runCommand(page, 'View: Show Testing');
      const rows = page.locator('.test-explorer .monaco-list-row');
      const fileRow = rows.filter({ hasText: 'echo.zmq' }).first();
      await eventually('echo.zmq passed in the Test Explorer', async () => (await fileRow.getAttribute('aria-label', { timeout: 2000 })) ?? '', (label) => /passed/i.test(label), 60000);
      if ((await fileRow.getAttribute('aria-expanded')) !== 'true') await fileRow.locator('.monaco-tl-twistie').click();
      const scenarioRow = rows.filter({ hasText: 'round trip' }).first();
      const passedLabel = await eventually('"round trip" passed', async () => (await scenarioRow.getAttribute('aria-label', { timeout: 2000 })) ?? '', (label) => /passed/i.test(label));
      t.diagnostic(`Test Explorer row: ${passedLabel}`);
      for (const name of ['typo', 'wrong reply']) {
        const label = (await rows.filter({ hasText: name }).first().getAttribute('aria-label')) ?? '';
        assert.doesNotMatch(label, /passed|failed/i, `"${name}" did not run (${label})`);
      }
      await sleep(300);
      await wb.shot('test-explorer-passed');

      // "Run file": the typo fails without running (its diagnostic is the message), the wrong reply fails with the
      // expected and received frames.
      await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run file' }).first().click();
      for (const [name, outcome] of [['round trip', /passed/i], ['typo', /failed/i], ['wrong reply', /failed/i]] as const) {
        await eventually(`"${name}" ${outcome.source}`, async () => (await rows.filter({ hasText: name }).first().getAttribute('aria-label', { timeout: 2000 })) ?? '', (label) => outcome.test(label), 60000);
      }
      // VS Code shows a failed test's message beside the line it points at.
      const inline = await eventually(
        'the mismatch beside its expect step',
        // Blanks come as no-break spaces, and long lines wrap: compare with single spaces.
        async () => ((await page.locator('.part.editor .monaco-editor').first().textContent()) ?? '').replace(/\s+/g, ' '),
        (text) => text.includes('frame differs'),
        30000,
      );
      assert.match(inline, /frame differs at byte 0: expected 7 bytes "goodbye", received 5 bytes "hello"/);
      await wb.shot('test-explorer-failures');
    },
    { workspace },
  );
});
