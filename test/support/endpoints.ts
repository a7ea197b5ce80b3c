/**
 * Endpoints and transports for the behaviour tests: which transports run on this platform, a
 * fresh endpoint per test, the options each transport needs on every peer (wss: the fixture
 * certificate), and how many handshake events a connection makes on each.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerOptions } from '../../core';

/** The transports the behaviour tests know. */
export type TestTransport = 'tcp' | 'ipc' | 'inproc' | 'ws' | 'wss';

/** The transports carried by a WebSocket. */
export const isWebSocket = (transport: TestTransport): transport is 'ws' | 'wss' => transport === 'ws' || transport === 'wss';

/**
 * The transports among `names` that this platform can run, in the order given. ipc needs Unix
 * domain sockets with filesystem paths; on Windows it is left out (and said so once).
 */
export function testTransports<T extends TestTransport>(...names: T[]): T[] {
  const out: T[] = [];
  for (const name of names) {
    if (name === 'ipc' && process.platform === 'win32') {
      warnOnce('ipc', 'ipc:// tests skipped: Windows has no Unix domain socket paths here');
      continue;
    }
    out.push(name);
  }
  if (out.length === 0) throw new Error(`None of the transports ${names.join(', ')} can run on ${process.platform}`);
  return out;
}

const warned = new Set<string>();
function warnOnce(key: string, text: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(text);
}

// --- Endpoints --------------------------------------------------------------------------------

let inprocCounter = 0;
const tempDirs: string[] = [];

process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A new private folder for ipc socket files, removed when the process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zmq-peer-test-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * An endpoint to bind for one test: `tcp://127.0.0.1:*` (read the real port back from `bind`),
 * `ipc://<fresh folder>/s.sock`, `inproc://test-<n>`, or `ws://127.0.0.1:*` / `wss://127.0.0.1:*`
 * followed by `path` when one is given (one segment: libzmq 4.3.4 refuses a wildcard port
 * followed by several).
 */
export function uniqueEndpoint(transport: TestTransport, path = ''): string {
  switch (transport) {
    case 'tcp':
      return 'tcp://127.0.0.1:*';
    case 'ipc':
      return `ipc://${join(tempDir(), 's.sock')}`;
    case 'inproc':
      return `inproc://test-${++inprocCounter}`;
    case 'ws':
    case 'wss':
      return `${transport}://127.0.0.1:*${path}`;
  }
}

/**
 * An endpoint nobody is bound to yet but that can be connected to and bound later: a tcp port
 * that was free a moment ago, a path in a fresh folder, a new inproc name.
 */
export async function unboundEndpoint(transport: TestTransport): Promise<string> {
  if (transport === 'ipc' || transport === 'inproc') return uniqueEndpoint(transport);
  const port = await freePort();
  return `${transport}://127.0.0.1:${port}`;
}

/** A tcp port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no tcp port');
  return address.port;
}

// --- Per-transport options ----------------------------------------------------------------------

/** The folder of the test fixtures (this file runs from out/test/support, the fixtures stay in test/). */
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'support', 'fixtures');

/** The name in the test certificate's CN and SAN. */
export const WSS_HOSTNAME = 'zeromq.test';

/** The self-signed test certificate and its key (PEM), for wss binds, connects and raw TLS peers. */
export const wssFixture: { readonly key: string; readonly cert: string } = {
  get key(): string {
    return readFileSync(join(FIXTURES, 'wss-test.key'), 'utf8');
  },
  get cert(): string {
    return readFileSync(join(FIXTURES, 'wss-test.crt'), 'utf8');
  },
};

/**
 * The socket options a transport needs on every peer. wss: the key and certificate (to bind) and
 * the same certificate as trust anchor with its host name (to connect), so any peer can do both.
 */
export function transportOptions(transport: TestTransport | undefined): PeerOptions {
  if (transport !== 'wss') return {};
  const { key, cert } = wssFixture;
  return { wssKey: key, wssCert: cert, wssTrust: cert, wssHostname: WSS_HOSTNAME };
}

/** How many HANDSHAKE_SUCCEEDED events one connection makes: two over ws/wss (libzmq's quirk, protocol.md §3.7). */
export function handshakeEventsPerConnection(transport: TestTransport): number {
  return isWebSocket(transport) ? 2 : 1;
}
