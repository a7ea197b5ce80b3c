import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkScript } from '../../zmq-script/checks';
import { parseScript } from '../../zmq-script/parser';
import { runSource } from '../../zmq-script/runner';
import { ROOT, startCoreEcho, summarize, variablesFor, type CoreEcho } from '../support/script-runs';

/** The first ``` block after the README's "Frame scripts" heading: the language's example. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Frame scripts (`.zmq`)'));
  const match = /```\n([\s\S]*?)```\n/.exec(section);
  assert.ok(match, 'the README has an example script under "Frame scripts"');
  return match[1];
}

describe('the README\'s frame-script example', () => {
  let echo: CoreEcho;
  before(async () => {
    echo = await startCoreEcho();
  });
  after(() => echo.close());

  it('has no diagnostics', () => {
    assert.deepEqual(checkScript(parseScript(readmeExample())), []);
  });

  it('passes against a PEER echo', async () => {
    const source = readmeExample();
    const result = await runSource(source, { variables: variablesFor(source, { echo: echo.endpoint }) });
    assert.equal(result.passed, true, summarize(result));
    assert.deepEqual(result.scenarios.map((s) => s.name), ['echo round trip', 'two sockets talking']);
  });
});
