import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

/** A PEER round trip over inproc, run in a plain Node process that knows nothing of VS Code. */
const ROUND_TRIP = `
  const { Context, Peer } = core;
  const context = new Context();
  const a = new Peer({ context }), b = new Peer({ context });
  await a.bind('inproc://package-check');
  const id = b.connectPeer('inproc://package-check');
  await b.send(id, 'ping');
  const m = await a.receive();
  await a.send(m.routingId, 'pong');
  const r = await b.receive();
  await context.term();
  console.log(r.routingId === id ? r.data.toString() : 'wrong routing id');
`;

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 20000 }).trim();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the core as a plain Node library', () => {
  it('loads with require through the package exports and does a PEER round trip', () => {
    assert.equal(run(['-e', `(async () => { const core = require('zmq-peer-debugger/core'); ${ROUND_TRIP} })()`]), 'pong');
  });

  it('loads with import through the package exports', () => {
    assert.equal(run(['--input-type=module', '-e', `import * as core from 'zmq-peer-debugger/core'; ${ROUND_TRIP}`]), 'pong');
  });

  it('ships type declarations next to the JavaScript', () => {
    const exported = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports['./core'];
    assert.ok(statSync(join(root, exported.types)).isFile());
    assert.ok(statSync(join(root, exported.default)).isFile());
  });

  it('imports nothing from vscode, the extension or the webview', () => {
    const offenders = filesUnder(join(root, 'core')).filter((file) => {
      if (!file.endsWith('.ts')) return false;
      return /from\s+['"](vscode|(\.\.\/)+(extension|webview)\/[^'"]*)['"]|require\(['"]vscode['"]\)/.test(readFileSync(file, 'utf8'));
    });
    assert.deepEqual(offenders, []);
  });
});
