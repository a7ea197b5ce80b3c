/**
 * The layering test: a table of forbidden imports, checked over every source file of core/,
 * zmq-script/, extension/ and webview/, and a check that the source tree has no import circle, so
 * that the structure cannot decay without a red test. A rule about a folder that does not exist
 * yet still stands: it holds the moment the folder appears.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { identifiersUsed, importCircles, readSourceTree, resolveSpecifier, specifiersOf, violations, type ImportRule, type Violation } from '../support/import-graph';

const ROOT = resolve(__dirname, '..', '..', '..');

/** The folders of shipped source; tests and scripts are not held to the layers. */
const SOURCE_FOLDERS = ['core', 'zmq-script', 'extension', 'webview'];

/** Every arrow that must never be drawn. `to` is matched against a repository path or a bare specifier. */
const RULES: readonly ImportRule[] = [
  {
    arrow: 'core/** ↛ zmq-script|extension|webview|vscode',
    from: /^core\//,
    to: /^(zmq-script|extension|webview)\/|^vscode$/,
    why: 'core is a plain Node library: its clients import it, never the other way',
  },
  {
    arrow: 'core/zmtp/** ↛ node:',
    from: /^core\/zmtp\//,
    to: /^node:/,
    why: 'the ZMTP codec is pure, to run anywhere (a worker, the webview)',
  },
  {
    arrow: 'core/zmtp/** ↛ libsodium-wrappers|core/crypto/',
    from: /^core\/zmtp\//,
    to: /^libsodium|^core\/crypto\//,
    why: 'the mechanisms get their crypto through the CurveCrypto interface, so they stay a pure codec and can be tested against any NaCl',
  },
  {
    arrow: 'core/** but core/crypto/ ↛ libsodium-wrappers',
    from: /^core\/(?!crypto\/)/,
    to: /^libsodium/,
    why: 'libsodium is loaded in one place, lazily, the first time CURVE is used',
  },
  {
    arrow: 'core/crypto/** ↛ core/(socket|engine|transport|pipe)/',
    from: /^core\/crypto\//,
    to: /^core\/(socket|engine|transport|pipe)\//,
    why: 'crypto sits below the engines that use it',
  },
  {
    arrow: 'core/zws/{data-frames,frame-scanner}.ts ↛ node:',
    from: /^core\/zws\/(data-frames|frame-scanner)\.ts$/,
    to: /^node:/,
    why: "the ZWS frame codec imports nothing of Node either (the rest of zws/ is the upgrade, on Node's http)",
  },
  {
    arrow: 'core/transport/** ↛ core/socket/',
    from: /^core\/transport\//,
    to: /^core\/socket\//,
    why: 'transports carry bytes and start engines; the socket sits above them',
  },
  {
    arrow: 'core/pipe/** ↛ core/engine/',
    from: /^core\/pipe\//,
    to: /^core\/engine\//,
    why: 'pipes sit below the engines that drain them',
  },
  {
    arrow: 'core/tap/** ↛ core/socket|engine|pipe',
    from: /^core\/tap\//,
    to: /^core\/(socket|engine|pipe)\//,
    why: 'the tap relays bytes beside the socket stack: it reuses the codecs, endpoints and listeners, never a socket',
  },
  {
    arrow: 'core/tap/{scanners,readers,pcapng}.ts ↛ node:',
    from: /^core\/tap\/(wire-units|capture|zmtp-scanner|zws-scanner|http-head|traffic-reader|diagnosis|socket-types|records|pcapng|pcapng-capture)\.ts$/,
    to: /^node:/,
    why: 'decoding a stream and writing pcapng are pure, so that a debugger view can do both from stored records',
  },
  {
    arrow: 'zmq-script/** ↛ core/ but core/index.ts',
    from: /^zmq-script\//,
    to: /^core\/(?!index\.ts$)/,
    why: "the script language is a client of the library, through the library's public face",
  },
  {
    arrow: 'zmq-script/** ↛ extension|webview|vscode',
    from: /^zmq-script\//,
    to: /^(extension|webview)\/|^vscode$/,
    why: 'the language and its CLI run without VS Code',
  },
  {
    arrow: 'webview/** ↛ extension|core',
    from: /^webview\//,
    to: /^(extension|core)\//,
    why: 'the webview is a browser page that talks to the host by messages only',
  },
  {
    arrow: 'webview/** ↛ zmq-script/ but zmq-script/payload.ts',
    from: /^webview\//,
    to: /^zmq-script\/(?!payload\.ts$)/,
    why: 'the payload grammar is the one file both sides compile',
  },
  {
    arrow: 'extension/** ↛ core/ but core/index.ts',
    // Only shipped code is scanned; the extension's tests live under test/.
    from: /^extension\//,
    to: /^core\/(?!index\.ts$)/,
    why: "the extension is a client of the library, through the library's public face",
  },
];

/** Node's globals, which the pure ZMTP codec must not use either (its promise in core/zmtp/constants.ts). */
const NODE_GLOBALS: ReadonlySet<string> = new Set(['Buffer', 'process', 'global', 'require', '__dirname', '__filename', 'setImmediate']);
const PURE_CODEC = /^core\/zmtp\//;

const key = (v: Violation): string => `${v.rule}: ${v.from} → ${v.to}`;

describe('layering: forbidden imports', () => {
  const tree = readSourceTree(ROOT, SOURCE_FOLDERS);

  it('reads the source tree', () => {
    assert.ok(tree.has('core/index.ts'), 'core/index.ts is in the tree');
    assert.ok([...tree.keys()].some((path) => path.startsWith('extension/')), 'extension/ is in the tree');
    assert.ok([...tree.keys()].some((path) => path.startsWith('webview/')), 'webview/ is in the tree');
  });

  it('draws no forbidden arrow', () => {
    assert.deepEqual([...new Set(violations(tree, RULES).map(key))], []);
  });

  it('has no import circle', () => {
    assert.deepEqual(importCircles(tree).map((c) => c.join(' ↔ ')), []);
  });

  it('keeps the ZMTP codec free of Node globals', () => {
    const users = [...tree].filter(([path]) => PURE_CODEC.test(path)).map(([path, source]) => [path, identifiersUsed(source, NODE_GLOBALS)]);
    assert.ok(users.length > 0, 'core/zmtp/ is in the tree');
    assert.deepEqual(users.filter(([, used]) => used.length > 0), []);
  });

});

describe('layering: the checker', () => {
  /** A tree that breaks every rule once, and a clean file beside each offender. */
  const SYNTHETIC = new Map<string, string>([
    ['core/index.ts', "export * from './socket/peer';"],
    ['core/socket/peer.ts', "import * as vscode from 'vscode';\nimport { helper } from '../../extension/helper';"],
    ['core/zmtp/decoder.ts', "import { Buffer } from 'node:buffer';\nimport { FLAG_MORE } from './constants';"],
    ['core/zmtp/constants.ts', 'export const FLAG_MORE = 1;'],
    ['core/zmtp/curve.ts', "import { loadCurveCrypto } from '../crypto/sodium';\nimport type { CurveCrypto } from './curve-crypto';"],
    ['core/zmtp/curve-crypto.ts', ''],
    ['core/crypto/sodium.ts', "const sodium = import('libsodium-wrappers');\nimport type { Engine } from '../engine/engine-base';"],
    ['core/engine/security.ts', "import sodium from 'libsodium-wrappers';\nimport { loadCurveCrypto } from '../crypto/sodium';"],
    ['core/zws/frame-scanner.ts', "import { createHash } from 'node:crypto';"],
    ['core/zws/handshake.ts', "import { createHash } from 'node:crypto';"],
    ['core/transport/tcp.ts', "import type { SocketBase } from '../socket/socket-base';\nimport { createServer } from 'node:net';"],
    ['core/socket/socket-base.ts', ''],
    ['core/pipe/pipe.ts', "import type { Engine } from '../engine/engine-base';"],
    ['core/engine/engine-base.ts', ''],
    ['core/tap/tap.ts', "import { Peer } from '../socket/peer';\nimport { createServer } from 'node:net';"],
    ['core/tap/pcapng.ts', "import { Buffer } from 'node:buffer';"],
    ['core/tap/zmtp-scanner.ts', "import { FLAG_LONG } from '../zmtp/constants';"],
    ['zmq-script/runner.ts', "import { Peer } from '../core/socket/peer';\nimport { Context } from '../core/index';\nconst v = require('vscode');"],
    ['zmq-script/payload.ts', "import { Peer } from '../core';"],
    ['zmq-script/parser.ts', ''],
    ['webview/main.ts', "import { send } from '../extension/session';\nimport { decodePayload } from '../zmq-script/payload';\nimport { parseScript } from '../zmq-script/parser';"],
    ['webview/state.ts', "// import { Peer } from '../core';\nconst text = \"import { Peer } from '../core'\";"],
    ['extension/session.ts', "import { isZmqError } from '../core/errors';\nimport { Peer } from '../core';\nconst later = import('../core/socket/peer');"],
  ]);

  it('reads import, export-from, require and dynamic import specifiers, and nothing in comments or strings', () => {
    assert.deepEqual(specifiersOf("import type { A } from './a';\nexport * from './b';\nexport { c } from './c';\nimport d = require('./d');\nconst e = require('./e');\nconst f = import('./f');\nimport './g';"), [
      './a',
      './b',
      './c',
      './d',
      './e',
      './f',
      './g',
    ]);
    assert.deepEqual(specifiersOf(SYNTHETIC.get('webview/state.ts')!), []);
  });

  it('resolves relative specifiers to files of the tree, folders to their index.ts', () => {
    assert.equal(resolveSpecifier(SYNTHETIC, 'extension/session.ts', '../core'), 'core/index.ts');
    assert.equal(resolveSpecifier(SYNTHETIC, 'zmq-script/runner.ts', '../core/index'), 'core/index.ts');
    assert.equal(resolveSpecifier(SYNTHETIC, 'core/zmtp/decoder.ts', './constants'), 'core/zmtp/constants.ts');
    assert.equal(resolveSpecifier(SYNTHETIC, 'core/zmtp/decoder.ts', 'node:buffer'), 'node:buffer');
  });

  it('reports every forbidden arrow, and only those', () => {
    assert.deepEqual(violations(SYNTHETIC, RULES).map(key).sort(), [
      'core/** but core/crypto/ ↛ libsodium-wrappers: core/engine/security.ts → libsodium-wrappers',
      'core/** ↛ zmq-script|extension|webview|vscode: core/socket/peer.ts → extension/helper',
      'core/** ↛ zmq-script|extension|webview|vscode: core/socket/peer.ts → vscode',
      'core/crypto/** ↛ core/(socket|engine|transport|pipe)/: core/crypto/sodium.ts → core/engine/engine-base.ts',
      'core/pipe/** ↛ core/engine/: core/pipe/pipe.ts → core/engine/engine-base.ts',
      'core/tap/** ↛ core/socket|engine|pipe: core/tap/tap.ts → core/socket/peer.ts',
      'core/tap/{scanners,readers,pcapng}.ts ↛ node:: core/tap/pcapng.ts → node:buffer',
      'core/transport/** ↛ core/socket/: core/transport/tcp.ts → core/socket/socket-base.ts',
      'core/zmtp/** ↛ libsodium-wrappers|core/crypto/: core/zmtp/curve.ts → core/crypto/sodium.ts',
      'core/zmtp/** ↛ node:: core/zmtp/decoder.ts → node:buffer',
      'core/zws/{data-frames,frame-scanner}.ts ↛ node:: core/zws/frame-scanner.ts → node:crypto',
      'extension/** ↛ core/ but core/index.ts: extension/session.ts → core/errors',
      'extension/** ↛ core/ but core/index.ts: extension/session.ts → core/socket/peer.ts',
      'webview/** ↛ extension|core: webview/main.ts → extension/session.ts',
      'webview/** ↛ zmq-script/ but zmq-script/payload.ts: webview/main.ts → zmq-script/parser.ts',
      'zmq-script/** ↛ core/ but core/index.ts: zmq-script/runner.ts → core/socket/peer.ts',
      'zmq-script/** ↛ extension|webview|vscode: zmq-script/runner.ts → vscode',
    ]);
  });

  it('finds the Node globals a file uses, and none in comments or strings', () => {
    const source = "// Buffer.from(x)\nconst a = 'process';\nconst b = Buffer.allocUnsafe(4);\nif (process.env.X) setImmediate(() => b);";
    assert.deepEqual(identifiersUsed(source, NODE_GLOBALS), ['Buffer', 'process', 'setImmediate']);
  });

  it('finds import circles, and no circle where the arrows go one way', () => {
    const circular = new Map<string, string>([
      ['core/a.ts', "import { b } from './b';"],
      ['core/b.ts', "import { c } from './c';"],
      ['core/c.ts', "import type { a } from './a';"],
      ['core/d.ts', "import { a } from './a';\nimport { d } from './d';"],
      ['core/e.ts', "import { a } from './a';"],
    ]);
    assert.deepEqual(importCircles(circular), [['core/a.ts', 'core/b.ts', 'core/c.ts'], ['core/d.ts']]);
    assert.deepEqual(importCircles(SYNTHETIC), []);
  });
});
