import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEnvFile } from '../../core/script/env-file';
import type { RunEvent } from '../../core/script/results';
import { editorVariableLayers, runInSession } from '../../extension/script-session';
import { DebugSession } from '../../extension/session';
import { readScriptSettings, type ScriptSettings } from '../../extension/settings';

const SETTINGS: ScriptSettings = { variables: {}, defaultTimeout: 3000, envFile: '' };

/*
 *   client ──connect {{server.endpoint}}──▶ server      (both sockets made in the debug session)
 *   client ── "ping {{who}}" ──▶ server (accepted as c)
 *   client ◀── "pong" ── server
 */
const SELF_CONTAINED = `
@who = nobody
scenario ping pong through the session
  socket server
  socket client
  bind tcp://127.0.0.1:* on server
  connect {{server.endpoint}} as srv on client
  wait srv connected within 3s
  send srv "ping {{who}}"
  accept c on server within 3s
  expect c text "ping {{who}}"
  send c "pong"
  expect srv "pong"
end
`;

describe('frame scripts run in the debug session', () => {
  const session = new DebugSession({ batchInterval: 5 });
  after(() => session.dispose());

  it('makes the sockets in the session, so their traffic is in the debugger, and closes them after', async () => {
    const labels = new Set<string>();
    const off = session.onEvent((event) => {
      if (event.type === 'sockets') for (const s of event.sockets) labels.add(s.label);
    });
    const events: RunEvent['type'][] = [];
    const result = await runInSession({
      session,
      source: SELF_CONTAINED,
      file: '/nowhere/ping.zmq',
      settings: SETTINGS,
      env: { who: 'the editor' },
      onEvent: (event) => {
        events.push(event.type);
        session.flush();
      },
    });
    off();
    assert.equal(result.passed, true, JSON.stringify(result.scenarios[0].failure));
    assert.deepEqual(labels, new Set(['ping.zmq › ping pong through the session › server', 'ping.zmq › ping pong through the session › client']));
    const data = session.trafficRecords().filter((r) => r.kind === 'data').map((r) => `${r.direction} ${r.body.toString('utf8')}`);
    assert.deepEqual(data.sort(), ['in ping the editor', 'in pong', 'out ping the editor', 'out pong'].sort());
    assert.deepEqual(session.sockets(), [], 'the scenario closed its sockets');
    assert.equal(events[0], 'scenarioStarted');
    assert.equal(events.at(-1), 'scenarioFinished');
    assert.equal(events.filter((e) => e === 'stepFinished').length, 10);
  });

  it('reports a failed expectation with both frames', async () => {
    const result = await runInSession({
      session,
      source: SELF_CONTAINED.replace('expect srv "pong"', 'expect srv "pang"'),
      settings: SETTINGS,
      env: {},
    });
    assert.equal(result.passed, false);
    const failure = result.scenarios[0].failure!;
    assert.equal(failure.line, 12);
    assert.equal(failure.expected, 'pang');
    assert.equal(failure.actual, 'pong');
    assert.equal(failure.message, 'frame differs at byte 1: expected 4 bytes "pang", received 4 bytes "pong"');
  });
});

describe('script variables from the editor', () => {
  const root = mkdtempSync(join(tmpdir(), 'zmq-script-vars-'));
  mkdirSync(join(root, 'scripts'));
  writeFileSync(join(root, '.env'), 'endpoint=tcp://root-env:1\n');
  writeFileSync(join(root, 'scripts', '.env'), 'endpoint=tcp://script-env:1\nonlyHere=x\n');
  writeFileSync(join(root, 'custom.env'), 'endpoint=tcp://custom:1\n');

  it('finds the .env next to the script first, then the workspace folder\'s, or the one the setting names', () => {
    assert.equal(findEnvFile(join(root, 'scripts', 'a.zmq'), root), join(root, 'scripts', '.env'));
    assert.equal(findEnvFile(join(root, 'elsewhere', 'a.zmq'), root), join(root, '.env'));
    assert.equal(findEnvFile(join(root, 'scripts', 'a.zmq'), root, 'custom.env'), join(root, 'custom.env'));
    assert.equal(findEnvFile(join(root, 'scripts', 'a.zmq'), root, 'missing.env'), undefined);
  });

  it('layers settings below .env below the environment', () => {
    const layers = editorVariableLayers({ ...SETTINGS, variables: { endpoint: 'tcp://settings:1', fromSettings: 'yes' } }, join(root, 'scripts', '.env'), { onlyEnv: 'e' });
    assert.deepEqual(
      layers.map((l) => [l.source, l.values]),
      [
        ['settings (zmqPeer.script.variables)', { endpoint: 'tcp://settings:1', fromSettings: 'yes' }],
        [`.env (${join(root, 'scripts', '.env')})`, { endpoint: 'tcp://script-env:1', onlyHere: 'x' }],
        ['environment', { onlyEnv: 'e' }],
      ],
    );
  });

  it('reads only string-like values from zmqPeer.script.variables and clamps the timeout', () => {
    const values: Record<string, unknown> = { 'script.variables': { a: 'x', n: 5, b: true, o: { no: 1 }, l: [1] }, 'script.defaultTimeout': -4, 'script.envFile': ' .env.test ' };
    assert.deepEqual(readScriptSettings((k) => values[k]), { variables: { a: 'x', n: '5', b: 'true' }, defaultTimeout: 1, envFile: '.env.test' });
    assert.deepEqual(readScriptSettings(() => undefined), { variables: {}, defaultTimeout: 5000, envFile: '' });
  });
});
