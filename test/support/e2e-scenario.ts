/**
 * The steps the end-to-end tests (test/e2e/) share: one code-server + Chromium cycle with the packaged extension,
 * "ZMQ: Connect Peer" from the command palette, and the debugger webview read and driven through its data-testid
 * attributes. Every step a person would look at leaves a screenshot in test-artifacts/e2e/.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { shownOption as shownOptionIn, visibleRowPreviews } from './debugger-on-screen';
import {
  ARTIFACTS_DIR,
  CodeServer,
  type CodeServerOptions,
  VSIX_PATH,
  answerInputBox,
  launchBrowser,
  notifications,
  openWorkbench,
  runCommand,
  screenshot,
  sleep,
  waitInputBox,
  waitWebview,
} from './code-server';

export interface Workbench {
  readonly page: Page;
  readonly server: CodeServer;
  /** Screenshot named `<prefix>-<step>`; returns its path (also reported as a test diagnostic). */
  shot(step: string): Promise<string>;
}

/**
 * Runs `body` against a fresh code-server (the packaged extension installed) and a fresh Chromium page showing its
 * workbench (`options` as CodeServer.start's, e.g. a prepared workspace folder); on failure takes a screenshot and adds code-server's output to the error; always stops both.
 */
export async function withWorkbench(t: TestContext, prefix: string, body: (wb: Workbench) => Promise<void>, options: Omit<CodeServerOptions, 'vsix'> = {}): Promise<void> {
  const started = Date.now();
  clearScreenshots(prefix);
  const server = await CodeServer.start({ ...options, vsix: VSIX_PATH });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let page: Page | undefined;
  try {
    browser = await launchBrowser();
    page = await openWorkbench(browser, server);
    const p = page;
    const wb: Workbench = {
      page: p,
      server,
      shot: async (step) => {
        const file = await screenshot(p, `${prefix}-${step}`);
        t.diagnostic(`screenshot: ${file}`);
        return file;
      },
    };
    await body(wb);
  } catch (error) {
    let shown: string[] = [];
    if (page) {
      const file = await screenshot(page, `${prefix}-FAILED`).catch(() => null);
      if (file) t.diagnostic(`failure screenshot: ${file}`);
      shown = await notifications(page).catch(() => []);
    }
    if (error instanceof Error) {
      error.message +=
        `\n--- notifications shown ---\n${shown.join('\n') || '(none)'}` +
        `\n--- extension host logs (tails) ---\n${server.extensionHostLogs() || '(none)'}` +
        `\n--- code-server output (tail) ---\n${server.log.slice(-2000)}`;
    }
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
    t.diagnostic(`cycle: ${((Date.now() - started) / 1000).toFixed(1)} s (code-server start → stop)`);
  }
}

/** Removes the screenshots a previous run left under `prefix`, so the folder shows this run only. */
function clearScreenshots(prefix: string): void {
  if (!existsSync(ARTIFACTS_DIR)) return;
  for (const name of readdirSync(ARTIFACTS_DIR)) {
    if (new RegExp(`^\\d+-${prefix}-.*\\.png$`).test(name)) rmSync(join(ARTIFACTS_DIR, name), { force: true });
  }
}

/** Polls `read` until `accept` holds; fails with the last value seen. */
export async function eventually<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not seen within ${timeoutMs} ms; last value ${JSON.stringify(last)}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(150);
  }
}

/**
 * "ZMQ: Connect Peer" from the command palette, the endpoint typed into its input box (the first time) or into its
 * quick pick of recent endpoints (later: typed, not picked). Returns the routing id the extension announced in the
 * status bar ("Connecting to <endpoint>: routing id N"; no notification covers the debugger) and the debugger webview.
 */
export async function connectPeer(wb: Workbench, endpoint: string, step = 'endpoint-typed'): Promise<{ routingId: number; view: FrameLocator }> {
  await runCommand(wb.page, 'ZMQ: Connect Peer', { beforeRun: () => wb.shot('command-palette') });
  await waitInputBox(wb.page, 'ZMQ: Connect Peer');
  await answerInputBox(wb.page, endpoint, { submit: false });
  await wb.shot(step);
  await wb.page.keyboard.press('Enter');
  const message = await waitStatusBar(wb.page, new RegExp(`Connecting to ${escapeRegExp(endpoint)}: routing id \\d+`));
  const routingId = Number(/routing id (\d+)/.exec(message)?.[1]);
  assert.ok(Number.isInteger(routingId) && routingId > 0, `routing id from "${message}"`);
  assert.deepEqual((await notifications(wb.page)).filter((n) => n.includes('Connecting')), [], 'no notification over the debugger');
  const view = await waitWebview(wb.page, 'peer-row', 30000);
  return { routingId, view };
}

/** Waits for a status bar item whose text matches `pattern`; returns its text. */
export async function waitStatusBar(page: Page, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  return eventually(
    `status bar text ${pattern}`,
    async () => (await page.locator('.part.statusbar .statusbar-item').allTextContents()).map((t) => t.trim()).find((t) => pattern.test(t)) ?? '',
    (text) => text !== '',
    timeoutMs,
  );
}

/** The peer row of `routingId` in the webview, once it shows the state ACTIVE. */
export async function waitPeerActive(view: FrameLocator, routingId: number, timeoutMs = 20000): Promise<Locator> {
  const row = view.locator(`[data-testid="peer-row"][data-routing-id="${routingId}"]`);
  await eventually(
    `peer row #${routingId} in state ACTIVE`,
    async () => {
      // The peers list brings a row up to date when it scrolls into view (as the user would look
      // at it), so the row is scrolled in before its state is read.
      await row.first().scrollIntoViewIfNeeded({ timeout: 1000 }).catch(() => undefined);
      return {
        id: (await row.getByTestId('peer-routing-id').first().textContent({ timeout: 1000 }))?.trim(),
        state: (await row.getByTestId('peer-state').first().textContent({ timeout: 1000 }))?.trim(),
      };
    },
    (v) => v.id === `#${routingId}` && v.state === 'ACTIVE',
    timeoutMs,
  );
  return row.first();
}

/** Types of the monitor events the webview's event log shows. */
export async function eventTypes(view: FrameLocator): Promise<string[]> {
  const rows = view.getByTestId('event-row');
  const n = await rows.count();
  const types: string[] = [];
  for (let i = 0; i < n; i++) types.push((await rows.nth(i).getAttribute('data-type')) ?? '');
  return types;
}

/** Picks the send form's routing id (the option whose label starts with `#<routingId> `) unless already picked. */
export async function pickSendTarget(view: FrameLocator, routingId: number): Promise<void> {
  const select = view.getByTestId('send-routing-id');
  const option = select.locator('vscode-option').filter({ hasText: new RegExp(`^#${routingId} `) }).first();
  const value = await eventually(`send target option #${routingId}`, () => option.getAttribute('value', { timeout: 1000 }), (v) => !!v);
  await select.evaluate((el: unknown, v: string | null) => {
    const s = el as { value: string; dispatchEvent(event: Event): boolean };
    if (s.value !== v && v !== null) {
      s.value = v;
      s.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }, value);
}

/** Chooses the payload format in the send form. */
export async function pickSendFormat(view: FrameLocator, format: 'text' | 'hex' | 'base64' | 'json'): Promise<void> {
  await view.getByTestId('send-format').evaluate((el: unknown, f: string) => {
    const s = el as { value: string; dispatchEvent(event: Event): boolean };
    if (s.value !== f) {
      s.value = f;
      s.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }, format);
}

/**
 * Sends one frame from the webview's form (routing id, format, payload, Send) and waits for the form's result
 * "Sent N bytes". Returns N.
 */
export async function sendFromForm(view: FrameLocator, routingId: number, format: 'text' | 'hex' | 'base64' | 'json', payload: string): Promise<number> {
  await pickSendTarget(view, routingId);
  await pickSendFormat(view, format);
  // vscode-textarea keeps a real <textarea> in its (open) shadow root; Playwright's locators pierce it.
  await view.getByTestId('send-payload').locator('textarea').fill(payload);
  const button = view.getByTestId('send-button');
  await eventually('send button enabled', () => button.getAttribute('disabled', { timeout: 1000 }), (v) => v === null);
  // The result line may still show the previous send's "Sent N bytes" (the same draft sent again): a fresh one comes
  // with more frames in the buffer ("… of M frames shown"; the table itself draws only the rows in view), or an error.
  const total = async (): Promise<number> => Number(/ of (\d+) frames/.exec((await view.getByTestId('traffic-status').textContent({ timeout: 1000 })) ?? '')?.[1] ?? 0);
  const before = await total();
  await button.click();
  const { result } = await eventually(
    'send result',
    async () => ({ result: (await view.getByTestId('send-result').textContent({ timeout: 1000 }))?.trim() ?? '', frames: await total() }),
    ({ result: text, frames }) => (/^Sent \d+ bytes( \(JSON minified\))?$/.test(text) && frames > before) || /^E[A-Z]+:/.test(text),
  );
  assert.match(result, /^Sent \d+ bytes( \(JSON minified\))?$/, `send from the form of ${JSON.stringify(payload)}`);
  return Number(/\d+/.exec(result)?.[0]);
}

/** The data traffic rows of `routingId` in direction `direction` whose preview contains `text`. */
export function dataRows(view: FrameLocator, routingId: number, direction: 'in' | 'out', text: string): Locator {
  return view
    .locator(`[data-testid="traffic-row"][data-kind="data"][data-direction="${direction}"][data-routing-id="${routingId}"]`)
    .filter({ has: view.getByTestId('traffic-preview').filter({ hasText: text }) });
}

/** Waits until the timeline shows the frame sent to `routingId` and its echo coming back. */
export async function waitEcho(view: FrameLocator, routingId: number, text: string, size: number): Promise<void> {
  for (const direction of ['out', 'in'] as const) {
    const row = dataRows(view, routingId, direction, text).first();
    await row.waitFor({ state: 'visible', timeout: 20000 });
    const sizeText = (await row.getByTestId('traffic-size').textContent())?.trim();
    assert.equal(sizeText, `${size} B`, `size of the ${direction} frame ${JSON.stringify(text)}`);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The previews of the traffic rows a user sees in the debugger (see debugger-on-screen.ts). */
export const visibleRows = (view: FrameLocator): Promise<string[]> => visibleRowPreviews(view);

/** The option a vscode-single-select of the debugger shows (its face): what the user reads. */
export const shownOption = (view: FrameLocator, testid: string): Promise<string> => shownOptionIn(view, testid, 2000);

/** Picks an option of a vscode-single-select of the debugger by value, as a user's pick would (with its change event). */
export async function pickOption(view: FrameLocator, testid: string, value: string): Promise<void> {
  await view.getByTestId(testid).evaluate((el: unknown, v: string) => {
    const s = el as { value: string; dispatchEvent(event: Event): boolean };
    s.value = v;
    s.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** A debugger element's trimmed text. */
export async function textOf(view: FrameLocator, testid: string): Promise<string> {
  return ((await view.getByTestId(testid).first().textContent({ timeout: 2000 })) ?? '').trim();
}

/** Every file under `dir` (settings, logs), as text: what a test searches for a secret that must not be there. */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.size < 5_000_000) out.push({ path, text: readFileSync(path, 'latin1') });
    }
  };
  walk(dir);
  return out;
}
