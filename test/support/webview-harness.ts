/**
 * Runs the debugger webview alone in headless Chromium, with a fake host in place of VS Code:
 * the page is the real HTML (extension/webview-html.ts, real CSP with a nonce) and the real bundle
 * (webview/main.ts built with esbuild), plus one nonce'd script that defines `acquireVsCodeApi`.
 * The fake host answers `ready` with `init`, can stream traffic at a set rate, and answers
 * requests (peer/send to routing id 999 fails with EHOSTUNREACH). Used by test/webview/.
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

/** The fake host, as browser JavaScript. `window.__harness` drives it from the test. */
const HOST_SCRIPT = String.raw`
(function () {
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
  h.stream = (perSecond, ms) => new Promise((resolve) => {
    const tick = 10, perTick = Math.max(1, Math.round(perSecond * tick / 1000));
    const end = Date.now() + ms;
    const iv = setInterval(() => {
      post({ kind: 'event', event: { type: 'traffic', frames: h.frames(perTick) } });
      if (Date.now() >= end) { clearInterval(iv); resolve(); }
    }, tick);
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
          post({ kind: 'response', id: m.id, ok: true, result: { bytes: new TextEncoder().encode(m.params.payload).length } });
        else if (m.kind === 'request') post({ kind: 'response', id: m.id, ok: true, result: null });
      }, 0);
    },
  });
})();
`;

/** A snapshot with one socket and two READY peers (routing ids 101 and 999). */
export function sampleSnapshot(bufferSize = 10_000): Snapshot {
  const peer = (connectionId: number, routingId: number) => ({
    socketId: 's1', connectionId, role: 'connect' as const, transport: 'tcp', endpoint: 'tcp://127.0.0.1:5555', state: 'ACTIVE', routingId,
    localAddress: '127.0.0.1:40000', remoteAddress: '127.0.0.1:5555', zmtpVersion: '3.1', mechanism: 'NULL', peerProperties: { 'Socket-Type': 'PEER' },
    messagesIn: 3, messagesOut: 4, bytesIn: 30, bytesOut: 40, queuedOut: 0, queuedIn: 0, lastHeartbeat: null, lastError: null,
  });
  return {
    sockets: [{ socketId: 's1', label: 'peer 1', type: 'PEER', bound: [], connected: ['tcp://127.0.0.1:5555'] }],
    peers: [peer(1, 101), peer(2, 999)],
    traffic: [],
    events: [{ time: Date.now(), socketId: 's1', type: 'HANDSHAKE_SUCCEEDED', value: 0, endpoint: 'tcp://127.0.0.1:5555', routingId: 101, error: null }],
    settings: { bufferSize, defaultView: 'hex' },
    savedMessages: [{ name: 'greeting', format: 'text', payload: 'hello' }],
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
      await page.getByTestId('peer-row').first().waitFor({ timeout: 15_000 });
    },
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
