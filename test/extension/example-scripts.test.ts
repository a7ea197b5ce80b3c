/**
 * The example scripts' comments name paths that exist where the scripts are read: next to the
 * script, both in docs/examples/ and in the workspace `npm start` opens (scripts/run-code-server.ts
 * copies the examples to its root).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const EXAMPLES = join(__dirname, '..', '..', '..', 'docs', 'examples');

describe('example scripts', () => {
  it('name in their comments only files found next to them', () => {
    let named = 0;
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.zmq') || f === '.env.example')) {
      const comments = readFileSync(join(EXAMPLES, file), 'utf8').split('\n').filter((line) => line.startsWith('#'));
      for (const line of comments) {
        for (const [, path] of line.matchAll(/zmq-peer run (\S+\.zmq)/g)) {
          named++;
          assert.ok(!path.includes('/'), `${file}: "${path}" is relative to the project, not to the script's folder`);
          assert.ok(existsSync(join(EXAMPLES, path)), `${file}: ${path} does not exist next to it`);
        }
      }
    }
    assert.ok(named >= 4, `${named} paths checked`);
  });
});
