import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../zmq-script/results';
import { runInSession } from '../../extension/script-session';
import type { ScriptSettings } from '../../extension/script-variables';
import { ZmqSession } from '../../extension/session';

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
  const session = new ZmqSession({ batchInterval: 5 });
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
    const data = session.trafficRecords().filter((r) => r.kind === 'data').map((r) => `${r.direction} ${Buffer.from(r.data).toString('utf8')}`);
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
