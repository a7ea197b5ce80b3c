/**
 * What a user reads in the debugger view, wherever it is hosted: the webview harness's page or the
 * webview's frame inside code-server. Both webview and e2e tests assert through these, so "visible"
 * means the same in both.
 */
import type { FrameLocator, Page } from 'playwright-core';

/** The page or frame the debugger view is drawn in. */
export type DebuggerScope = Pick<Page | FrameLocator, 'getByTestId'>;

/**
 * The previews of the traffic rows a user can see: rows that are displayed (`isVisible`) and whose
 * box lies inside the table's viewport. Rows kept in the DOM for reuse but hidden do not count.
 */
export async function visibleRowPreviews(view: DebuggerScope): Promise<string[]> {
  const viewport = await view.getByTestId('traffic-list').boundingBox();
  if (viewport === null) return [];
  const rows = view.getByTestId('traffic-row');
  const out: string[] = [];
  for (let i = 0, n = await rows.count(); i < n; i++) {
    const row = rows.nth(i);
    if (!(await row.isVisible())) continue;
    const box = await row.boundingBox();
    if (box === null || box.height === 0 || box.y + box.height <= viewport.y || box.y >= viewport.y + viewport.height) continue;
    out.push(((await row.getByTestId('traffic-preview').textContent()) ?? '').trim());
  }
  return out;
}

/** The option a vscode-single-select shows (its face, in its shadow root): what the user reads. */
export async function shownOption(view: DebuggerScope, testid: string, timeout?: number): Promise<string> {
  return ((await view.getByTestId(testid).locator('.select-face .text').textContent(timeout === undefined ? {} : { timeout })) ?? '').trim();
}
