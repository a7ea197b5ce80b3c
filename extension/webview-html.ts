/**
 * Builds the debugger webview's HTML. No vscode import: the panel passes in the webview's
 * `cspSource` and the resource URIs as strings, so unit tests check the CSP in plain Node.
 *
 * The policy starts from `default-src 'none'` and opens only what the page uses: its own bundle
 * (by nonce), its inline stylesheet (by nonce) and stylesheets/fonts/images from the extension's
 * bundle folder. `default-src 'none'` also blocks `connect-src`: the webview never opens a socket,
 * all networking happens in the extension host.
 */

import { randomBytes } from 'node:crypto';

/** What the page needs from the panel. */
export interface WebviewHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/webview.js)`, as a string. */
  readonly scriptUri: string;
  /** Extra stylesheets (codicons…), as webview URIs. */
  readonly styleUris?: readonly string[];
  /** A fresh nonce for this page; `createNonce()` when omitted. */
  readonly nonce?: string;
  readonly title?: string;
}

/** A CSP nonce: 16 random bytes from the OS's CSPRNG, base64. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Escapes text for a double-quoted HTML attribute value or a text node. Single quotes stay as they
 * are (the CSP's `'none'` and `'nonce-…'` read as written in the page source).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The Content-Security-Policy for the page. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

/**
 * Page-level CSS: layout and the hand-made timeline only. Colours come from `--vscode-*` variables
 * alone, so light, dark and high-contrast themes all work; the vscode-elements components theme
 * themselves the same way.
 */
const PAGE_CSS = `
:root { --row-height: 22px; }
html, body { height: 100%; margin: 0; padding: 0; }
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground);
  background: var(--vscode-editor-background); overflow: hidden; }
#app { display: grid; grid-template-columns: minmax(260px, 32%) 1fr; height: 100vh; }
.pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; overflow: hidden; }
.pane > .pane { flex: 1 1 auto; }
.pane-left { border-right: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); overflow: auto; }
.section-title { font-weight: 600; text-transform: uppercase; font-size: 11px; padding: 6px 8px 4px;
  color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground));
  background: var(--vscode-sideBarSectionHeader-background, transparent);
  border-top: 1px solid var(--vscode-sideBarSectionHeader-border, transparent); }
.empty { padding: 6px 8px; color: var(--vscode-descriptionForeground); }
.socket { padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, transparent); }
.socket .label { font-weight: 600; }
.endpoint { font-family: var(--vscode-editor-font-family); font-size: 12px; color: var(--vscode-descriptionForeground); }
.peer { padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, transparent); cursor: pointer; }
.peer:hover { background: var(--vscode-list-hoverBackground); }
.peer.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); }
.peer:focus-visible, .row:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.peer-head { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; }
.peer-head .rid { font-family: var(--vscode-editor-font-family); font-weight: 600; }
.peer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 8px; margin: 2px 0 0; font-size: 12px; }
.peer dt { color: var(--vscode-descriptionForeground); }
.peer dd { margin: 0; font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; }
.state-READY { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.state-ERROR, .state-CLOSED { color: var(--vscode-errorForeground); }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 8px;
  border-bottom: 1px solid var(--vscode-panel-border, transparent); }
.toolbar vscode-textfield { flex: 1 1 200px; min-width: 120px; }
.filter-error { color: var(--vscode-errorForeground); font-size: 12px; padding: 0 8px; }
/* Columns in ch of the editor (monospace) font: time 12:34:56.789, "→ out", #4294967295, "greeting", "65536 B". */
.timeline-head, .row { display: grid; grid-template-columns: 13ch 6ch 12ch 9ch 9ch 1fr; gap: 6px; padding: 0 8px;
  align-items: center; white-space: nowrap; }
.timeline-head { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, 12px);
  color: var(--vscode-descriptionForeground); border-bottom: 1px solid var(--vscode-panel-border, transparent); height: var(--row-height); }
.viewport { position: relative; flex: 1 1 auto; overflow-y: auto; min-height: 80px; font-family: var(--vscode-editor-font-family);
  font-size: var(--vscode-editor-font-size, 12px); }
.spacer { position: absolute; top: 0; left: 0; width: 1px; }
.rows { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
.row { height: var(--row-height); cursor: pointer; overflow: hidden; }
.row > span { overflow: hidden; text-overflow: ellipsis; }
.row:hover { background: var(--vscode-list-hoverBackground); }
.row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
.row.cmd { color: var(--vscode-descriptionForeground); font-style: italic; }
.dir-in { color: var(--vscode-charts-blue, var(--vscode-foreground)); }
.dir-out { color: var(--vscode-charts-orange, var(--vscode-foreground)); }
.status { font-size: 11px; color: var(--vscode-descriptionForeground); padding: 2px 8px; border-top: 1px solid var(--vscode-panel-border, transparent); }
.bottom { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); min-height: 0; flex: 0 0 40%; border-top: 1px solid var(--vscode-panel-border, transparent); }
.inspector, .sender { min-height: 0; overflow: auto; padding: 4px 8px; }
.sender { border-left: 1px solid var(--vscode-panel-border, transparent); }
pre.dump { margin: 0; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, 12px);
  white-space: pre-wrap; overflow-wrap: anywhere; user-select: text; }
pre.dump.hex { white-space: pre; overflow-x: auto; overflow-wrap: normal; }
.form-row { display: flex; gap: 6px; align-items: center; margin: 4px 0; flex-wrap: wrap; }
.form-row vscode-textarea { width: 100%; }
.send-result.ok { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.send-result.error { color: var(--vscode-errorForeground); }
.saved { margin-top: 6px; }
.saved-item { display: flex; gap: 6px; align-items: center; padding: 2px 0; }
.saved-item .name { flex: 1; overflow: hidden; text-overflow: ellipsis; }
.event { font-size: 12px; padding: 1px 8px; font-family: var(--vscode-editor-font-family); }
.event .err { color: var(--vscode-errorForeground); }
`;

/** The whole HTML page. */
export function buildWebviewHtml(options: WebviewHtmlOptions): string {
  const nonce = options.nonce ?? createNonce();
  const csp = contentSecurityPolicy(options.cspSource, nonce);
  const styles = (options.styleUris ?? []).map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}" id="vscode-codicon-stylesheet">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${escapeHtml(options.title ?? 'ZMQ Peer Debugger')}</title>
    ${styles}
    <style nonce="${escapeHtml(nonce)}">${PAGE_CSS}</style>
  </head>
  <body>
    <div id="app" data-testid="debugger-root"><div class="empty" data-testid="loading">Connecting to the extension…</div></div>
    <script nonce="${escapeHtml(nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
  </body>
</html>
`;
}
