import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';
import type { ZmqPeerApi } from '../../extension/api';

/*
 * Activation smoke test: bundles extension/extension.ts as esbuild.mjs does, loads it with a
 * minimal fake `vscode` module, and checks what activate() registers and returns. It catches
 * wiring mistakes (a command registered twice or not at all, the tree view, the API shape)
 * without a VS Code; the e2e suite runs the real thing.
 */

const root = resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };

type Callback = (...args: unknown[]) => unknown;

function fakeVscode() {
  const commands = new Map<string, Callback>();
  const treeViews: string[] = [];
  const serializers: string[] = [];
  const messages: string[] = [];
  const panels: { viewType: string; html: string }[] = [];
  const testControllers: { id: string; label: string; profiles: string[] }[] = [];
  const disposable = { dispose(): void {} };
  const event = (): (() => typeof disposable) => () => disposable;
  class EventEmitter {
    readonly event = event();
    fire(): void {}
    dispose(): void {}
  }
  class Uri {
    constructor(readonly fsPath: string, readonly scheme = 'file') {}
    static file(p: string): Uri {
      return new Uri(p);
    }
    static joinPath(base: Uri, ...parts: string[]): Uri {
      return new Uri([base.fsPath, ...parts].join('/'));
    }
    toString(): string {
      return `file://${this.fsPath}`;
    }
  }
  class TreeItem {
    constructor(readonly label: string, readonly collapsibleState?: number) {}
  }
  const api = {
    commands: {
      registerCommand(id: string, callback: Callback) {
        if (commands.has(id)) throw new Error(`command '${id}' already exists`);
        commands.set(id, callback);
        return { dispose: () => commands.delete(id) };
      },
      async executeCommand(id: string, ...args: unknown[]) {
        const command = commands.get(id);
        if (!command) throw new Error(`command '${id}' not found`);
        return command(...args);
      },
    },
    window: {
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, trace() {}, logLevel: 2, dispose() {} }),
      createTreeView(id: string) {
        treeViews.push(id);
        return disposable;
      },
      registerWebviewPanelSerializer(viewType: string) {
        serializers.push(viewType);
        return disposable;
      },
      showErrorMessage: async (m: string) => void messages.push(`error ${m}`),
      showWarningMessage: async (m: string) => void messages.push(`warning ${m}`),
      showInformationMessage: async (m: string) => void messages.push(`info ${m}`),
      setStatusBarMessage: (m: string) => {
        messages.push(`status ${m}`);
        return disposable;
      },
      activeTextEditor: undefined,
      createWebviewPanel(viewType: string) {
        const record = { viewType, html: '' };
        panels.push(record);
        const webview = {
          options: {},
          cspSource: 'vscode-resource:',
          asWebviewUri: (u: unknown) => u,
          postMessage: async () => true,
          onDidReceiveMessage: event(),
          set html(value: string) {
            record.html = value;
          },
        };
        return { webview, visible: true, onDidDispose: event(), onDidChangeViewState: event(), reveal() {}, dispose() {} };
      },
    },
    workspace: {
      workspaceFolders: undefined,
      textDocuments: [],
      getConfiguration: () => ({ get: () => undefined }),
      onDidChangeConfiguration: event(),
      onDidOpenTextDocument: event(),
      onDidChangeTextDocument: event(),
      createFileSystemWatcher: () => ({ onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() {} }),
      findFiles: async () => [],
    },
    tests: {
      createTestController(id: string, label: string) {
        const items = new Map<string, unknown>();
        const profiles: string[] = [];
        testControllers.push({ id, label, profiles });
        return {
          id,
          label,
          items: { get: (k: string) => items.get(k), add: (i: { id: string }) => void items.set(i.id, i), delete: (k: string) => void items.delete(k), forEach: (f: (i: unknown) => void) => items.forEach((i) => f(i)) },
          createRunProfile: (name: string) => {
            profiles.push(name);
            return disposable;
          },
          dispose() {},
        };
      },
    },
    TestRunProfileKind: { Run: 1, Debug: 2, Coverage: 3 },
    EventEmitter,
    Uri,
    TreeItem,
    ThemeIcon: class {
      constructor(readonly id: string) {}
    },
    MarkdownString: class {
      constructor(readonly value: string) {}
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    ViewColumn: { One: 1 },
  };
  return { api, commands, treeViews, serializers, messages, panels, testControllers };
}

function loadExtension(vscode: unknown): { activate: (context: unknown) => ZmqPeerApi; deactivate: () => Promise<void> | undefined } {
  const result = esbuild.buildSync({
    entryPoints: [resolve(root, 'extension/extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const mod = { exports: {} as Record<string, unknown> };
  const baseRequire = Module.createRequire(resolve(root, 'dist', 'extension.js'));
  const requireFake = (id: string): unknown => (id === 'vscode' ? vscode : baseRequire(id));
  new Function('module', 'exports', 'require', '__filename', '__dirname', code)(mod, mod.exports, requireFake, resolve(root, 'dist/extension.js'), resolve(root, 'dist'));
  return mod.exports as never;
}

describe('activate()', () => {
  const fake = fakeVscode();
  const extension = loadExtension(fake.api);
  const subscriptions: { dispose(): void }[] = [];
  const state = new Map<string, unknown>();
  const context = {
    subscriptions,
    extensionUri: fake.api.Uri.file(root),
    globalState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] },
  };
  const api = extension.activate(context);

  after(async () => {
    for (const s of subscriptions.splice(0)) s.dispose();
    await extension.deactivate();
  });

  it('registers every command of package.json exactly once', () => {
    assert.deepEqual([...fake.commands.keys()].sort(), pkg.contributes.commands.map((c) => c.command).sort());
  });

  it('registers the frame scripts\' test controller with a run profile', () => {
    assert.deepEqual(fake.testControllers, [{ id: 'zmqPeer.scripts', label: 'ZMQ Peer Scripts', profiles: ['Run'] }]);
  });

  it('registers the tree view and the panel serializer', () => {
    assert.deepEqual(fake.treeViews, ['zmqPeer.sockets']);
    assert.deepEqual(fake.serializers, ['zmqPeer.debugger']);
  });

  it('returns the versioned API, whose sockets the commands act on', async () => {
    assert.equal(api.apiVersion, 1);
    const peer = api.createPeer({ label: 'from the API' });
    const endpoint = await peer.bind('tcp://127.0.0.1:*');
    await fake.api.commands.executeCommand('zmqPeer.connectPeer', { socketId: peer.socketId, endpoint: 'foo://bar' });
    assert.ok(fake.messages.some((m) => m.startsWith('error Connect Peer failed: EPROTONOSUPPORT — Protocol not supported')), fake.messages.join('\n'));
    await fake.api.commands.executeCommand('zmqPeer.bind', { socketId: peer.socketId, endpoint: 'udp://127.0.0.1:1' });
    assert.ok(fake.messages.some((m) => m.startsWith('error Bind / Listen for Peers failed: ENOCOMPATPROTO')));
    await fake.api.commands.executeCommand('zmqPeer.connectPeer', { socketId: peer.socketId, endpoint });
    // Told in the status bar: a notification would cover the debugger that opens on the new peer.
    assert.ok(fake.messages.some((m) => /^status \$\(plug\) Connecting to .*: routing id \d+$/.test(m)), fake.messages.join('\n'));
    assert.ok(!fake.messages.some((m) => m.startsWith('info Connecting')), 'no notification');
    assert.deepEqual(state.get('zmqPeer.recentEndpoints'), [endpoint]);
    assert.deepEqual(fake.panels.map((p) => p.viewType), ['zmqPeer.debugger'], 'Connect Peer opens the debugger');
    assert.match(fake.panels[0].html, /Content-Security-Policy/);
    await fake.api.commands.executeCommand('zmqPeer.clearTraffic');
    assert.deepEqual(api.sockets().map((s) => s.bound), [[endpoint]]);
    await fake.api.commands.executeCommand('zmqPeer.closeSocket', { socketId: peer.socketId });
    assert.deepEqual(api.sockets(), []);
  });
});
