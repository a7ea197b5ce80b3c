import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runFile } from '../../core/script/runner';
import { LibzmqEchoServer } from '../support/libzmq';
import { EXAMPLES, read, summarize, variablesFor } from './core-echo';

const ECHO_SCRIPT = join(EXAMPLES, 'echo.zmq');

/** Runs the echo example against a libzmq PEER echo bound to `endpoint`; the helper missing fails the test. */
async function runAgainstLibzmq(endpoint: string): Promise<void> {
  const echo = await LibzmqEchoServer.start('PEER', endpoint);
  try {
    const result = await runFile(ECHO_SCRIPT, { variables: variablesFor(read(ECHO_SCRIPT), { echo: echo.endpoint }) });
    assert.equal(result.passed, true, summarize(result));
    assert.deepEqual(
      result.scenarios.map((s) => s.status),
      ['passed', 'passed'],
    );
  } finally {
    await echo.close();
  }
}

describe('the script runner against a libzmq PEER echo', () => {
  it('passes the echo example over tcp', async () => {
    await runAgainstLibzmq('tcp://127.0.0.1:*');
  });

  it('passes the echo example over ws', async () => {
    await runAgainstLibzmq('ws://127.0.0.1:*');
  });
});
