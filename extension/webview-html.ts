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
:root { --row-height: 22px;
  --phase-connecting: var(--vscode-charts-yellow, var(--vscode-foreground));
  --phase-handshaking: var(--vscode-charts-blue, var(--vscode-foreground));
  --phase-active: var(--vscode-charts-green, var(--vscode-foreground));
  --phase-waiting: var(--vscode-charts-orange, var(--vscode-foreground));
  --phase-failing: var(--vscode-editorWarning-foreground, var(--vscode-foreground));
  --phase-failed: var(--vscode-errorForeground); }
/* The row styles below set display; without this rule a [hidden] row would stay on screen. */
[hidden] { display: none !important; }
html, body { height: 100%; margin: 0; padding: 0; }
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground);
  background: var(--vscode-editor-background); overflow: hidden; }
#app { display: grid; grid-template-columns: minmax(280px, 28%) minmax(0, 1fr); height: 100vh; }
.pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; overflow: hidden; }
.pane > .pane { flex: 1 1 auto; }
.pane-left { border-right: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); overflow: auto; }
.section-title { font-weight: 600; text-transform: uppercase; font-size: 11px; padding: 6px 8px 4px;
  color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground));
  background: var(--vscode-sideBarSectionHeader-background, transparent);
  border-top: 1px solid var(--vscode-sideBarSectionHeader-border, transparent); }
.empty { padding: 6px 8px; color: var(--vscode-descriptionForeground); }
.socket { padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, transparent); }
.socket-head { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; justify-content: space-between; }
.socket .label { font-weight: 600; }
.endpoint { font-family: var(--vscode-editor-font-family); font-size: 12px; color: var(--vscode-descriptionForeground); }
.peer { padding: 4px 8px; border-bottom: 1px solid var(--vscode-widget-border, transparent); cursor: pointer;
  content-visibility: auto; contain-intrinsic-size: auto 220px; }
.peer:hover { background: var(--vscode-list-hoverBackground); }
.peer.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.peer-head { display: flex; flex-wrap: wrap; gap: 4px 6px; align-items: center; }
.peer-head .rid { font-family: var(--vscode-editor-font-family); font-weight: 600; }
.peer-problem { margin: 3px 0 1px; padding: 2px 6px; font-size: 12px; border-left: 3px solid currentColor; overflow-wrap: anywhere; }
.peer-problem.phase-failing { color: var(--phase-failing); background: var(--vscode-inputValidation-warningBackground, transparent); }
.peer-problem.phase-failed { color: var(--phase-failed); background: var(--vscode-inputValidation-errorBackground, transparent); }
.peer-problem.phase-waiting { color: var(--phase-waiting); }
.peer[data-phase="failing"] { border-left: 3px solid var(--phase-failing); }
.peer[data-phase="failed"] { border-left: 3px solid var(--phase-failed); }
.peer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 8px; margin: 2px 0 0; font-size: 12px; }
.peer dt { color: var(--vscode-descriptionForeground); }
.peer dd { margin: 0; font-family: var(--vscode-editor-font-family); overflow-wrap: anywhere; }
.state { font-size: 12px; }
.phase-active.state { color: var(--phase-active); }
.phase-handshaking.state { color: var(--phase-handshaking); }
.phase-connecting.state { color: var(--phase-connecting); }
.phase-waiting.state { color: var(--phase-waiting); }
.phase-failing.state { color: var(--phase-failing); font-weight: 600; }
.phase-failed.state { color: var(--phase-failed); font-weight: 600; }
.spark { display: inline-flex; gap: 4px; align-items: center; font-size: 11px; color: var(--vscode-descriptionForeground); white-space: nowrap; }
.sparkline { flex: none; }
.spark-base { stroke: var(--vscode-widget-border, var(--vscode-descriptionForeground)); stroke-width: 1; opacity: 0.6; }
.spark-in { stroke: var(--vscode-charts-blue, var(--vscode-foreground)); stroke-width: 1.5; }
.spark-out { stroke: var(--vscode-charts-orange, var(--vscode-foreground)); stroke-width: 1.5; stroke-dasharray: 3 1.5; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px 8px;
  border-bottom: 1px solid var(--vscode-panel-border, transparent); }
.toolbar vscode-textfield { flex: 1 1 160px; min-width: 120px; }
.toolbar vscode-single-select { width: 190px; }
.toolbar vscode-single-select[data-testid="filter-direction"] { width: 100px; }
#app .pane-left .toolbar vscode-single-select { width: 100%; }
.filter-error { color: var(--vscode-errorForeground); font-size: 12px; padding: 0 8px; }
.pictures { display: flex; flex-direction: column; flex: 0 0 30%; min-height: 0;
  border-bottom: 1px solid var(--vscode-panel-border, transparent); }
.picture { display: flex; flex-direction: column; min-height: 0; min-width: 0; flex: 1 1 auto; }
.ladder-pane { padding: 0 8px 6px; }
.picture-title { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; font-weight: 600; text-transform: uppercase; font-size: 11px;
  padding: 4px 8px; color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground)); }
.picture-body { flex: 1 1 auto; overflow: auto; min-height: 0; padding: 0 4px 4px; }
/* Pictures scale down to their pane's width (never up, see max-width), keeping their proportions. */
svg.topology, svg.ladder { display: block; width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 10px; font-weight: normal; text-transform: none; color: var(--vscode-descriptionForeground); }
.legend-item { display: inline-flex; gap: 4px; align-items: center; }
.swatch { display: inline-block; width: 16px; height: 0; border-top: 2px solid currentColor; }
.swatch.phase-connecting { color: var(--phase-connecting); border-top-style: dotted; }
.swatch.phase-handshaking { color: var(--phase-handshaking); border-top-style: dashed; }
.swatch.phase-active { color: var(--phase-active); }
.swatch.phase-waiting { color: var(--phase-waiting); border-top-style: dashed; }
.swatch.phase-failing { color: var(--phase-failing); border-top-width: 3px; }
.swatch.phase-failed { color: var(--phase-failed); border-top-style: double; border-top-width: 4px; }
svg text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 12px; }
.topology .node rect { fill: var(--vscode-editorWidget-background, var(--vscode-editor-background)); stroke: var(--vscode-widget-border, var(--vscode-contrastBorder, var(--vscode-descriptionForeground))); stroke-width: 1; }
.topology .node { cursor: pointer; }
.topology .node:hover rect { fill: var(--vscode-list-hoverBackground); }
.topology .node:focus { outline: none; }
.topology .node:focus-visible rect { stroke: var(--vscode-focusBorder); stroke-width: 2; }
.topology .node.selected rect, .topology .node.filtered rect { fill: var(--vscode-list-activeSelectionBackground); stroke: var(--vscode-focusBorder); stroke-width: 2; }
.topology .node.selected text, .topology .node.filtered text { fill: var(--vscode-list-activeSelectionForeground, var(--vscode-foreground)); }
.topology .node.endpoint text { font-family: var(--vscode-editor-font-family); font-size: 11px; }
.topology .node.peer text { font-family: var(--vscode-editor-font-family); font-weight: 600; }
.topology .node.unlisted rect { stroke-dasharray: 3 2; }
.topology .node.peer rect { stroke-width: 1.5; }
.topology .edge-socket { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1; opacity: 0.7; }
.topology .edge { fill: none; stroke-width: 2; }
.topology .edge-label { font-size: 11px; fill: var(--vscode-descriptionForeground); font-family: var(--vscode-editor-font-family); }
.phase-connecting.edge, .phase-connecting.node rect { stroke: var(--phase-connecting); stroke-dasharray: 2 3; }
.phase-handshaking.edge, .phase-handshaking.node rect { stroke: var(--phase-handshaking); stroke-dasharray: 6 3; }
.phase-active.edge, .phase-active.node rect { stroke: var(--phase-active); }
.phase-waiting.edge, .phase-waiting.node rect { stroke: var(--phase-waiting); stroke-dasharray: 9 4; }
.phase-failing.edge, .phase-failing.node rect { stroke: var(--phase-failing); stroke-width: 3; }
.phase-failed.edge, .phase-failed.node rect { stroke: var(--phase-failed); stroke-width: 3; stroke-dasharray: 1 3; }
.ladder-title { font-size: 12px; padding: 2px 4px 4px; color: var(--vscode-descriptionForeground); overflow-wrap: anywhere; }
.ladder .lifeline { stroke: var(--vscode-descriptionForeground); stroke-width: 1; stroke-dasharray: 4 3; }
.ladder .lifeline-name { font-weight: 600; font-size: 11px; }
.ladder .step-time { font-size: 10px; fill: var(--vscode-descriptionForeground); font-family: var(--vscode-editor-font-family); }
.ladder .arrow { stroke: var(--vscode-foreground); stroke-width: 1.2; }
.ladder .arrow-head { fill: var(--vscode-foreground); }
.ladder .arrow-label { font-size: 11px; font-weight: 600; }
.ladder .arrow-detail { font-size: 10px; fill: var(--vscode-descriptionForeground); font-family: var(--vscode-editor-font-family); }
.ladder .step-net .arrow { stroke: var(--phase-connecting); }
.ladder .step-net .arrow-head { fill: var(--phase-connecting); }
.ladder .step-greeting .arrow, .ladder .step-command .arrow { stroke: var(--phase-handshaking); }
.ladder .step-greeting .arrow-head, .ladder .step-command .arrow-head { fill: var(--phase-handshaking); }
.ladder .step-heartbeat .arrow { stroke: var(--vscode-descriptionForeground); stroke-dasharray: 3 2; }
.ladder .step-data .arrow { stroke: var(--phase-active); }
.ladder .step-data .arrow-head { fill: var(--phase-active); }
.ladder .note-dot { fill: var(--vscode-descriptionForeground); }
.ladder .note-text { font-size: 11px; }
.ladder .error-bar { fill: var(--vscode-inputValidation-errorBackground, transparent); stroke: var(--phase-failed); stroke-width: 1.5; }
.ladder .error-text { fill: var(--phase-failed); font-weight: 600; font-size: 11px; font-family: var(--vscode-editor-font-family); }
.ladder-error { color: var(--vscode-errorForeground); font-size: 12px; padding: 4px; overflow-wrap: anywhere; font-family: var(--vscode-editor-font-family); }
.ladder-advice { font-size: 12px; padding: 0 4px 4px; overflow-wrap: anywhere; }
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
.row.selected { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); }
.viewport:focus .row.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
/* The keyboard's place in the table: the active row carries the focus ring while the table has the focus. */
.viewport:focus-visible .row.selected { outline: 1px solid var(--vscode-list-focusOutline, var(--vscode-focusBorder)); outline-offset: -1px; }
.row.cmd { color: var(--vscode-descriptionForeground); font-style: italic; }
.dir-in { color: var(--vscode-charts-blue, var(--vscode-foreground)); }
.dir-out { color: var(--vscode-charts-orange, var(--vscode-foreground)); }
.row.selected .dir-in, .row.selected .dir-out { color: inherit; }
.status { display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: center; font-size: 11px; color: var(--vscode-descriptionForeground);
  padding: 2px 8px; border-top: 1px solid var(--vscode-panel-border, transparent); min-height: 20px; }
.paused-note { color: var(--vscode-editorWarning-foreground, var(--vscode-descriptionForeground)); }
/* The inspector gets three fifths; it fits its hex dump to them (16 bytes a line, or 8). */
.bottom { display: grid; grid-template-columns: minmax(0, 3fr) minmax(260px, 2fr); min-height: 0; flex: 0 0 30%; border-top: 1px solid var(--vscode-panel-border, transparent); }
.inspector, .sender { min-height: 0; min-width: 0; overflow: auto; padding: 4px 8px; }
.sender { border-left: 1px solid var(--vscode-panel-border, transparent); }
pre.dump { margin: 0; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size, 12px);
  white-space: pre-wrap; overflow-wrap: anywhere; user-select: text; }
pre.dump.hex { white-space: pre; overflow-x: auto; overflow-wrap: normal; }
.form-row { display: flex; gap: 6px; align-items: center; margin: 4px 0; flex-wrap: wrap; }
.form-row vscode-textarea { width: 100%; }
.send-note { font-size: 11px; color: var(--vscode-descriptionForeground); }
.send-result.ok { color: var(--vscode-testing-iconPassed, var(--vscode-foreground)); }
.send-result.error { color: var(--vscode-errorForeground); }
.saved { margin-top: 6px; }
.saved-item { display: flex; gap: 6px; align-items: center; padding: 2px 0; }
.saved-item .name { flex: 1; overflow: hidden; text-overflow: ellipsis; }
.event { font-size: 12px; padding: 1px 8px; font-family: var(--vscode-editor-font-family); }
.event .grouped { font-weight: 600; }
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
