/**
 * Runs the debugger webview alone in headless Chromium, with a fake host in place of VS Code:
 * the page is the real HTML (extension/webview-html.ts, real CSP with a nonce) and the real bundle
 * (webview/main.ts built with esbuild), plus one nonce'd script that defines `acquireVsCodeApi`.
 * The fake host answers `ready` with `init`, can stream traffic (and peer updates and rate samples)
 * at a set rate, and answers requests (peer/send to routing id 999 fails with EHOSTUNREACH; JSON
 * is counted minified, as the host sends it; socket/connectPeer gives routing id 777). Used by test/webview/.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWebviewHtml } from '../../extension/webview-html';
import type { Snapshot } from '../../webview/protocol';

const ROOT = join(__dirname, '..', '..', '..');
const NONCE = 'harness-nonce';

/**
 * A few of the `--vscode-*` variables VS Code sets on a webview's root (values of Dark Modern), so
 * the page draws as it does in the editor; colours the page uses without a fallback must be here.
 */
const THEME_VARIABLES: Readonly<Record<string, string>> = {
  'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace', 'editor-font-size': '12px',
  foreground: '#cccccc', 'editor-background': '#1f1f1f', descriptionForeground: '#9d9d9d', errorForeground: '#f85149',
  focusBorder: '#0078d4', 'panel-border': '#2b2b2b', 'widget-border': '#313131', 'editorWidget-background': '#202020',
  'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff',
  'list-inactiveSelectionBackground': '#37373d', 'editorWarning-foreground': '#cca700', 'inputValidation-errorBackground': '#5a1d1d',
  'inputValidation-warningBackground': '#352a05', 'charts-blue': '#3794ff', 'charts-green': '#89d185', 'charts-orange': '#d18616',
  'charts-yellow': '#cca700', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c', 'testing-iconPassed': '#73c991',
};

/** The fake host, as browser JavaScript. `window.__harness` drives it from the test. */
const HOST_SCRIPT = String.raw`
(function () {
  for (const [name, value] of Object.entries(${JSON.stringify(THEME_VARIABLES)})) document.documentElement.style.setProperty('--vscode-' + name, value);
  // A fresh open starts without saved view state; a reload (no hash) keeps it.
  if (location.search.startsWith('?fresh=')) { sessionStorage.clear(); history.replaceState(null, '', location.pathname); }
  const enc = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  const h = window.__harness = { posted: [], snapshot: null, seq: 0, streaming: null, sendFails: 999 };
  const post = (m) => window.dispatchEvent(new MessageEvent('message', { data: m }));
  h.post = post;
  h.frames = (n, routingId) => {
    const frames = [];
    for (let i = 0; i < n; i++) {
      const seq = ++h.seq;
      const body = seq % 2 ? '{"n":' + seq + '}' : 'text ' + seq;
      frames.push({ seq, time: Date.now(), socketId: 's1', connectionId: 1, routingId: routingId || 101, direction: seq % 3 ? 'in' : 'out',
        kind: seq % 10 === 0 ? 'PING' : 'data', size: body.length, data: enc(body), truncated: false });
    }
    return frames;
  };
  // Data frames with these bodies, each sent out and echoed back in (as an echo server would).
  h.echoes = (bodies, routingId, socketId, connectionId) => {
    const frames = [];
    for (const body of bodies) for (const direction of ['out', 'in']) {
      frames.push({ seq: ++h.seq, time: Date.now(), socketId: socketId || 's1', connectionId: connectionId || 1, routingId: routingId || 101, direction,
        kind: 'data', size: new TextEncoder().encode(body).length, data: enc(body), truncated: false });
    }
    return frames;
  };
  h.peer = (peer) => post({ kind: 'event', event: { type: 'peer', peer } });
  // Every peer of the snapshot updated (counters moving), as the host does every 50 ms under load.
  h.touchPeers = () => {
    for (const p of h.snapshot.peers) { p.messagesIn++; p.bytesIn += 7; h.peer(Object.assign({}, p)); }
  };
  h.rates = (time) => post({ kind: 'event', event: { type: 'rates', tick: { time,
    sockets: h.snapshot.sockets.map((s) => ({ socketId: s.socketId, sample: [h.rate, h.rate / 2, h.rate * 7, h.rate * 3] })),
    peers: h.snapshot.peers.map((p) => ({ socketId: p.socketId, connectionId: p.connectionId, sample: [Math.round(h.rate / h.snapshot.peers.length), 1, 70, 7] })) } } });
  h.rate = 0;
  // The frames of a stream, made before it starts: the page is measured, not the fake host's encoding.
  h.prepared = [];
  h.prepare = (perSecond, ms) => { h.prepared = h.frames(Math.ceil(perSecond * ms / 1000) + perSecond); };
  // Posts frames every 10 ms, as many as are due at the rate since the start: a late timer tick (a loaded
  // machine) posts a bigger batch, so the page still gets the whole rate.
  h.stream = (perSecond, ms, withPeers) => new Promise((resolve) => {
    const start = Date.now(), end = start + ms;
    let sent = 0, lastPeers = start, lastRates = start;
    h.rate = perSecond;
    const iv = setInterval(() => {
      const now = Date.now();
      const due = Math.floor((Math.min(now, end) - start) * perSecond / 1000);
      if (due > sent) {
        const frames = sent + (due - sent) <= h.prepared.length ? h.prepared.slice(sent, due) : h.frames(due - sent);
        post({ kind: 'event', event: { type: 'traffic', frames } });
        sent = due;
      }
      // The host's batches: peer updates every 50 ms, rates every second.
      if (withPeers && now - lastPeers >= 50) { lastPeers = now; h.touchPeers(); }
      if (withPeers && now - lastRates >= 1000) { lastRates = now; h.rates(now); }
      if (now >= end) { clearInterval(iv); resolve(sent); }
    }, 10);
  });
  window.acquireVsCodeApi = () => ({
    getState: () => { const s = sessionStorage.getItem('viewState'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => { sessionStorage.setItem('viewState', JSON.stringify(s)); return s; },
    postMessage: (m) => {
      h.posted.push(m);
      setTimeout(() => {
        if (m.kind === 'ready') post({ kind: 'init', version: 1, snapshot: h.snapshot });
        else if (m.kind === 'request' && m.method === 'peer/send' && m.params.routingId === h.sendFails)
          post({ kind: 'response', id: m.id, ok: false, error: { code: 'EHOSTUNREACH', message: 'Host unreachable' } });
        else if (m.kind === 'request' && m.method === 'peer/send')
          post({ kind: 'response', id: m.id, ok: true, result: { bytes: new TextEncoder().encode(m.params.format === 'json' ? JSON.stringify(JSON.parse(m.params.payload)) : m.params.payload).length } });
        else if (m.kind === 'request' && m.method === 'socket/connectPeer')
          post({ kind: 'response', id: m.id, ok: true, result: { routingId: 777, socketId: m.params.profile ? 'profile-socket' : m.params.socketId } });
        else if (m.kind === 'request') post({ kind: 'response', id: m.id, ok: true, result: null });
      }, 0);
    },
  });
})();
`;

/**
 * A snapshot with one socket and ACTIVE peers: two by default (routing ids 101 and 999, both
 * connected to tcp://127.0.0.1:5555), or `peerCount` of them (routing ids 101, 102, …, accepted on
 * a bound endpoint, as a busy server sees them).
 */
export function sampleSnapshot(bufferSize = 10_000, peerCount = 2): Snapshot {
  const many = peerCount !== 2;
  const peer = (connectionId: number, routingId: number) => ({
    socketId: 's1', connectionId, role: many ? ('bind' as const) : ('connect' as const), transport: 'tcp', endpoint: many ? 'tcp://127.0.0.1:6000' : 'tcp://127.0.0.1:5555', state: 'ACTIVE', routingId,
    localAddress: '127.0.0.1:40000', remoteAddress: '127.0.0.1:5555', zmtpVersion: '3.1', mechanism: 'NULL', securityRole: null, peerProperties: { 'Socket-Type': 'PEER' },
    messagesIn: 3, messagesOut: 4, bytesIn: 30, bytesOut: 40, queuedOut: 0, queuedIn: 0, lastHeartbeat: null, reconnects: 0, lastError: null, ended: false,
  });
  return {
    sockets: [{ socketId: 's1', label: 'peer 1', type: 'PEER', bound: many ? ['tcp://127.0.0.1:6000'] : [], connected: many ? [] : ['tcp://127.0.0.1:5555'], security: { profile: null, mechanism: 'NULL', role: null, publicKey: null } }],
    peers: many ? Array.from({ length: peerCount }, (_, i) => peer(i + 1, 101 + i)) : [peer(1, 101), peer(2, 999)],
    traffic: [],
    events: [{ id: 1, time: Date.now(), firstTime: Date.now(), count: 1, socketId: 's1', type: 'HANDSHAKE_SUCCEEDED', value: 0, endpoint: 'tcp://127.0.0.1:5555', routingId: 101, error: null }],
    closedSockets: [],
    rates: { time: Date.now(), sockets: [], peers: [] },
    ladders: [],
    settings: { bufferSize, defaultView: 'hex' },
    savedMessages: [{ name: 'greeting', format: 'text', payload: 'hello' }],
    profiles: [],
  };
}

/** A running harness: the page, and what the browser console reported. */
export interface WebviewHarness {
  readonly page: Page;
  readonly consoleErrors: string[];
  /** Opens the page afresh (no saved view state) with this snapshot as the host's state. */
  open(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** Bundles the webview, serves it and opens Chromium (/usr/bin/chromium, or $CHROMIUM). */
export async function startWebviewHarness(): Promise<WebviewHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'zmq-webview-'));
  await esbuild.build({ entryPoints: [join(ROOT, 'webview/main.ts')], outfile: join(dir, 'webview.js'), bundle: true, platform: 'browser', target: 'es2022', format: 'iife', logLevel: 'silent' });
  const bundle = await readFile(join(dir, 'webview.js'));
  let snapshotJson = 'null';
  let opened = 0;
  const server = http.createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/' || req.url?.startsWith('/?')) {
      const html = buildWebviewHtml({ cspSource: origin, scriptUri: `${origin}/webview.js`, nonce: NONCE })
        .replace(`<script nonce="${NONCE}" src`, `<script nonce="${NONCE}" src="${origin}/host.js"></script>\n    <script nonce="${NONCE}" src`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    } else if (req.url === '/host.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`${HOST_SCRIPT}\nwindow.__harness.snapshot = ${snapshotJson};`);
    } else if (req.url === '/webview.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return {
    page,
    consoleErrors,
    open: async (snapshot) => {
      snapshotJson = JSON.stringify(snapshot);
      // A new query each time: a real navigation (a hash change alone would keep the document).
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?fresh=${++opened}`);
      // Drawn from the snapshot: its first connection, or the placeholder when it has none.
      await page.locator('[data-testid="peer-row"], [data-testid="peer-empty"]').first().waitFor({ timeout: 15_000 });
    },
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `ok` holds; fails with the last value. */
export async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`${what}: last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}

export { shownOption, visibleRowPreviews } from './debugger-on-screen';

/** Sets a vscode-single-select's value as a user pick would, with its change event. */
export async function pickOption(page: Page, testid: string, value: string): Promise<void> {
  await page.getByTestId(testid).evaluate((el: unknown, v: string) => {
    const s = el as { value: string; dispatchEvent(event: Event): boolean };
    s.value = v;
    s.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

/** Posts a host event to the page, as the extension would. */
export async function postEvent(page: Page, event: unknown): Promise<void> {
  await page.evaluate(`window.__harness.post({ kind: 'event', event: ${JSON.stringify(event)} })`);
}
