/**
 * Runs INSIDE VS Code's extension host (code-server), loaded through VS Code's test hook (`extensionTestsPath`) by
 * test/e2e/extension-api.e2e.test.ts: the extension's exported API (extension/api.d.ts) from another extension's
 * point of view, against a PEER of the extension itself and a libzmq PEER echo (endpoint in ZMQ_PEER_E2E_LIBZMQ).
 * Each check's outcome is appended to the JSON-lines file named by ZMQ_PEER_E2E_RESULTS; `run()` rejects if any
 * check failed, which makes VS Code report a non-zero exit code to the page.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ZmqApiPeer, ZmqPeerApi } from '../../extension/api';

const EXTENSION_ID = 'zmq-peer-debugger.zmq-peer-debugger';

interface Check {
  readonly name: string;
  readonly body: (api: ZmqPeerApi) => Promise<void>;
}

function record(entry: { name: string; ok: boolean; ms: number; error?: string }): void {
  const file = process.env.ZMQ_PEER_E2E_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitState(peer: ZmqApiPeer, routingId: number, state: string, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = peer.peers().find((p) => p.routingId === routingId);
    if (info?.state === state) return;
    if (Date.now() > deadline) throw new Error(`routing id ${routingId} did not reach ${state} within ${ms} ms: ${JSON.stringify(peer.peers())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Steps shared with the browser side of the e2e test (which reads the debugger webview): a file named `step` in the
 * folder ZMQ_PEER_E2E_SYNC says this side reached it; `seen-<step>` says the browser side has looked.
 */
async function handOver(step: string, content: string, ms = 60000): Promise<void> {
  const dir = process.env.ZMQ_PEER_E2E_SYNC;
  if (!dir) return;
  writeFileSync(join(dir, step), content);
  const deadline = Date.now() + ms;
  while (!existsSync(join(dir, `seen-${step}`))) {
    if (Date.now() > deadline) throw new Error(`the browser side did not look at "${step}" within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const CHECKS: readonly Check[] = [
  {
    name: 'activate() returns the API, version 1',
    body: async (api) => {
      assert.equal(api.apiVersion, 1);
      assert.equal(typeof api.createPeer, 'function');
    },
  },
  {
    name: 'two PEERs of the API talk over tcp: connectPeer, send, receive, reply',
    body: async (api) => {
      const server = api.createPeer({ label: 'exthost server' });
      const client = api.createPeer({ label: 'exthost client' });
      try {
        const endpoint = await server.bind('tcp://127.0.0.1:*');
        assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
        const routingId = client.connectPeer(endpoint);
        assert.ok(Number.isInteger(routingId) && routingId > 0);
        await client.send(routingId, 'ping from the extension host');
        const request = await within(10000, 'server receive', server.receive());
        assert.equal(Buffer.from(request.data).toString('utf8'), 'ping from the extension host');
        await server.send(request.routingId, 'pong');
        const reply = await within(10000, 'client receive', client.receive());
        assert.equal(reply.routingId, routingId);
        assert.equal(Buffer.from(reply.data).toString('utf8'), 'pong');
        await waitState(client, routingId, 'ACTIVE');
        const labels = api.sockets().map((s) => s.label);
        assert.ok(labels.includes('exthost server') && labels.includes('exthost client'), `sockets(): ${JSON.stringify(labels)}`);
      } finally {
        await client.close();
        await server.close();
      }
    },
  },
  {
    name: 'a libzmq PEER echo answers a PEER of the API; the traffic listener sees both frames',
    body: async (api) => {
      const endpoint = process.env.ZMQ_PEER_E2E_LIBZMQ;
      assert.ok(endpoint, 'ZMQ_PEER_E2E_LIBZMQ is set');
      const peer = api.createPeer({ label: 'exthost to libzmq' });
      const seen: { direction: string; kind: string; text: string }[] = [];
      const sub = peer.onTraffic((frames) => {
        for (const f of frames) seen.push({ direction: f.direction, kind: f.kind, text: Buffer.from(f.data).toString('utf8') });
      });
      try {
        const routingId = peer.connectPeer(endpoint);
        await peer.send(routingId, 'hello libzmq');
        const echo = await within(10000, 'echo from libzmq', peer.receive());
        assert.equal(echo.routingId, routingId);
        assert.equal(Buffer.from(echo.data).toString('utf8'), 'hello libzmq');
        await waitState(peer, routingId, 'ACTIVE');
        const deadline = Date.now() + 5000;
        const has = (direction: string): boolean => seen.some((f) => f.kind === 'data' && f.direction === direction && f.text === 'hello libzmq');
        while (!(has('out') && has('in')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(has('out') && has('in'), `traffic seen: ${JSON.stringify(seen)}`);
      } finally {
        sub.dispose();
        await peer.close();
      }
    },
  },
  {
    name: 'invalid endpoints throw the core errors with their codes',
    body: async (api) => {
      const peer = api.createPeer();
      try {
        assert.throws(() => peer.connectPeer('foo://127.0.0.1:5555'), (e: { code?: string }) => e.code === 'EPROTONOSUPPORT');
        assert.throws(() => peer.connectPeer('tcp://127.0.0.1'), (e: { code?: string }) => e.code === 'EINVAL');
        await assert.rejects(peer.send(123456, 'nobody'), (e: { code?: string }) => e.code === 'EHOSTUNREACH');
      } finally {
        await peer.close();
      }
    },
  },
  {
    name: 'disconnect(endpoint) of an API socket reaches the debugger: the endpoint leaves its socket list',
    body: async (api) => {
      const endpoint = process.env.ZMQ_PEER_E2E_LIBZMQ;
      assert.ok(endpoint, 'ZMQ_PEER_E2E_LIBZMQ is set');
      const peer = api.createPeer({ label: 'exthost disconnect' });
      try {
        const routingId = peer.connectPeer(endpoint);
        await waitState(peer, routingId, 'ACTIVE');
        await api.openDebugger({ socketId: peer.socketId, routingId });
        await handOver('connected', endpoint);
        peer.disconnect(endpoint);
        assert.deepEqual(api.sockets().find((s) => s.socketId === peer.socketId)?.connected, []);
        await handOver('disconnected', endpoint);
      } finally {
        await peer.close();
      }
    },
  },
  {
    name: '"ZMQ: Connect Peer" is a registered command',
    body: async () => {
      const commands = await vscode.commands.getCommands(true);
      assert.ok(commands.includes('zmqPeer.connectPeer'), 'zmqPeer.connectPeer registered');
    },
  },
];

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<ZmqPeerApi>(EXTENSION_ID);
  if (!extension) {
    record({ name: 'extension is installed', ok: false, ms: 0, error: `${EXTENSION_ID} not found` });
    throw new Error(`${EXTENSION_ID} not found`);
  }
  const api = await extension.activate();
  let failed = 0;
  for (const check of CHECKS) {
    const started = Date.now();
    try {
      await check.body(api);
      record({ name: check.name, ok: true, ms: Date.now() - started });
    } catch (error) {
      failed++;
      record({ name: check.name, ok: false, ms: Date.now() - started, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }
  if (failed > 0) throw new Error(`${failed} of ${CHECKS.length} extension-host checks failed`);
}
