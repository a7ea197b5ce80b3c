/**
 * End to end, inside a real VS Code's extension host: code-server loads the extension from the project folder
 * (`extensionDevelopmentPath`, the bundle of `npm run bundle`) and runs test/exthost/suite.ts through VS Code's
 * own test hook (`extensionTestsPath`); the suite uses the extension's exported API against its own PEERs and a
 * libzmq PEER echo, and writes one JSON line per check. A browser page must be open: code-server starts an
 * extension host only for a connected workbench.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServer, PROJECT_ROOT, launchBrowser, screenshot } from '../support/code-server';
import { LibzmqEchoServer } from '../support/libzmq';

let echo: LibzmqEchoServer;
let resultsDir: string;

before(async () => {
  echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*');
  resultsDir = mkdtempSync(join(tmpdir(), 'zmq-peer-exthost-'));
});

after(async () => {
  await echo?.close();
  rmSync(resultsDir, { recursive: true, force: true });
});

interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

test('the exported API, used from inside the extension host (VS Code test hook)', { timeout: 180000 }, async (t) => {
  const started = Date.now();
  const results = join(resultsDir, 'results.jsonl');
  const server = await CodeServer.start({ env: { ZMQ_PEER_E2E_LIBZMQ: echo.endpoint, ZMQ_PEER_E2E_RESULTS: results } });
  const browser = await launchBrowser();
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    // Plain paths would be read as file: URIs and silently ignored; they must name the remote (code-server) side.
    const remote = (path: string): string => `vscode-remote://${server.host}:${server.port}${path}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(PROJECT_ROOT)],
      ['extensionTestsPath', remote(join(PROJECT_ROOT, 'out', 'test', 'exthost', 'suite.js'))],
    ]);
    await page.goto(`${server.workbenchUrl}&payload=${encodeURIComponent(payload)}`, { waitUntil: 'domcontentloaded' });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exit,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the extension-host suite did not finish within 120 s')), 120000);
      }),
    ])
      .catch(async (error: unknown) => {
        t.diagnostic(`screenshot: ${await screenshot(page, 'exthost-FAILED').catch(() => '(none)')}`);
        throw error;
      })
      .finally(() => clearTimeout(timer));
    let lines: CheckResult[] = [];
    try {
      lines = readFileSync(results, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckResult);
    } catch {
      // no results file: reported below
    }
    for (const r of lines) t.diagnostic(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
    assert.ok(lines.length >= 5, `the suite recorded ${lines.length} checks (expected 5)\n${server.extensionHostLogs()}`);
    assert.deepEqual(lines.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`), [], 'failed checks');
    assert.equal(code, 0, 'exit code of the suite');
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    t.diagnostic(`cycle: ${((Date.now() - started) / 1000).toFixed(1)} s (code-server start → stop)`);
  }
});
