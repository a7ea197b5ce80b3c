import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeypair } from '../../core/index';
import { runFile } from '../../zmq-script/runner';
import { LibzmqEchoServer } from '../support/libzmq';
import { cli, EXAMPLES, read, summarize, variablesFor } from '../support/script-runs';

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

describe('the zmq-peer command line against a libzmq CURVE PEER echo', () => {
  it('runs the CURVE example with its keys from the environment, and check finds no secret in it', async () => {
    const server = await curveKeypair();
    const client = await curveKeypair();
    const echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*', { options: { CURVE_SERVER: 1, CURVE_SECRETKEY: server.secretKey } });
    try {
      const env = { CURVE_SERVER_KEY: server.publicKey, CURVE_PUBLIC_KEY: client.publicKey, CURVE_SECRET_KEY: client.secretKey };
      const run = await cli(['run', 'docs/examples/curve-echo.zmq', '--var', `curveEcho=${echo.endpoint}`, '--no-color'], { env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(run.stdout.endsWith('\n1 passed, 0 failed\n'), run.stdout);
      const check = await cli(['check', 'docs/examples/curve-echo.zmq'], { env });
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /0 errors, 0 warnings/);
    } finally {
      await echo.close();
    }
  });
});

describe('the zmq-peer command line against a libzmq PEER echo', () => {
  it('runs the echo example, exits 0 and writes a JUnit report without failures', async () => {
    const echo = await LibzmqEchoServer.start('PEER', 'tcp://127.0.0.1:*');
    const dir = mkdtempSync(join(tmpdir(), 'zmq-peer-cli-libzmq-'));
    try {
      const junit = join(dir, 'report.xml');
      const { code, stdout, stderr } = await cli(['run', 'docs/examples/echo.zmq', '--var', `echo=${echo.endpoint}`, '--junit', junit, '--no-color']);
      assert.equal(code, 0, stdout + stderr);
      assert.ok(stdout.endsWith('\n2 passed, 0 failed\n'), stdout);
      assert.match(readFileSync(junit, 'utf8'), /<testsuites name="zmq-peer" tests="2" failures="0" errors="0" skipped="0"/);
    } finally {
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
