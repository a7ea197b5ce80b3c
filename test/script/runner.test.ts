import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Peer } from '../../core/index';
import type { Diagnostic } from '../../zmq-script/diagnostics';
import { parseScript, sourceLines } from '../../zmq-script/parser';
import type { RunEvent } from '../../zmq-script/results';
import { runFile, runScript, runSource, type SocketFactory } from '../../zmq-script/runner';
import { EXAMPLES, failureOf, read, scenarioOf, startCoreEcho, summarize, variablesFor, type CoreEcho } from '../support/script-runs';

/** A socket factory that records what it makes: routing ids seen per socket, and closes. */
function recordingFactory() {
  const made: { scenario: string; name: string; socket: Peer; closes: number; routingIds: Set<number>; localAddresses: Set<string> }[] = [];
  const factory: SocketFactory = ({ scenario, name, options }) => {
    const socket = new Peer(options);
    const record = { scenario, name, socket, closes: 0, routingIds: new Set<number>(), localAddresses: new Set<string>() };
    socket.on('connection', (info) => {
      if (info.routingId !== undefined) record.routingIds.add(info.routingId);
      if (info.localAddress !== undefined) record.localAddresses.add(info.localAddress);
    });
    made.push(record);
    return {
      socket,
      close: async () => {
        record.closes++;
        await socket.close();
      },
    };
  };
  return { made, factory };
}

/** The one routing id a recorded socket saw. */
function onlyRoutingId(ids: Set<number>): number {
  assert.equal(ids.size, 1, `expected one routing id, saw ${[...ids].join(', ')}`);
  return [...ids][0];
}

describe('the script runner against a core PEER echo', () => {
  let echo: CoreEcho;
  before(async () => {
    echo = await startCoreEcho();
  });
  after(async () => {
    await echo.close();
  });

  const run = (source: string, options: Parameters<typeof runSource>[1] = {}) => runSource(source, { variables: variablesFor(source, { echo: echo.endpoint }), ...options });

  it('passes the echo example', async () => {
    const file = join(EXAMPLES, 'echo.zmq');
    const result = await runFile(file, { variables: variablesFor(read(file), { echo: echo.endpoint }) });
    assert.equal(result.passed, true, summarize(result));
    assert.deepEqual(
      result.scenarios.map((s) => [s.name, s.status]),
      [
        ['echoes every payload format', 'passed'],
        ['keeps the order of many messages', 'passed'],
      ],
    );
    assert.equal(result.file, file);
    assert.deepEqual(result.diagnostics, []);
  });

  it('passes the self-contained example', async () => {
    const result = await runFile(join(EXAMPLES, 'self-contained.zmq'));
    assert.equal(result.passed, true, summarize(result));
    assert.deepEqual(
      result.scenarios.map((s) => [s.name, s.status]),
      [
        ['a client and a server over tcp', 'passed'],
        ['heartbeats over ipc', 'passed'],
      ],
    );
  });

  it('fails a text mismatch with both sides as text', async () => {
    const result = await run(['scenario text', '  connect {{echo}} as e', '  send e "abc"', '  expect e "abd"', 'end'].join('\n'));
    assert.deepEqual(failureOf(result, 'text'), {
      line: 3,
      text: 'expect e "abd"',
      status: 'failed',
      durationMs: failureOf(result, 'text').durationMs,
      message: 'frame differs at byte 2: expected 3 bytes "abd", received 3 bytes "abc"',
      code: 'ZMQS_MISMATCH',
      expected: 'abd',
      actual: 'abc',
    });
    assert.equal(result.passed, false);
  });

  // Each mismatch: what was sent and expected, and how the failure tells it (message, both sides rendered alike).
  const MISMATCHES = [
    {
      what: 'a JSON subset mismatch naming the path where it differs',
      send: 'json {"a": {"b": [1, 2]}, "c": "x"}',
      expect: 'json-subset {"a": {"b": [1, 3]}}',
      message: 'JSON does not contain the expected subset at .a.b[1]',
      expected: JSON.stringify({ a: { b: [1, 3] } }, null, 2),
      actual: JSON.stringify({ a: { b: [1, 2] }, c: 'x' }, null, 2),
    },
    {
      what: 'a regex mismatch quoting the frame and the pattern',
      send: '"pong x"',
      expect: 'matches /^pong \\d+$/',
      message: 'frame "pong x" does not match /^pong \\d+$/',
      expected: '/^pong \\d+$/',
      actual: 'pong x',
    },
    {
      what: 'a hex mismatch of bytes that are not UTF-8 showing both sides in hex',
      send: 'hex ff 00 01',
      expect: 'hex ff 00 02',
      message: 'frame differs at byte 2: expected 3 bytes ff 00 02, received 3 bytes ff 00 01',
      expected: 'ff 00 02',
      actual: 'ff 00 01',
    },
  ];
  for (const m of MISMATCHES) {
    it(`fails ${m.what}`, async () => {
      const result = await run(['scenario mismatch', '  connect {{echo}} as e', `  send e ${m.send}`, `  expect e ${m.expect}`, 'end'].join('\n'));
      const failure = failureOf(result, 'mismatch');
      assert.deepEqual(
        { message: failure.message, expected: failure.expected, actual: failure.actual, code: failure.code, line: failure.line },
        { message: m.message, expected: m.expected, actual: m.actual, code: 'ZMQS_MISMATCH', line: 3 },
      );
    });
  }

  it('fails a timeout naming the peer, its routing id and its connection state', async () => {
    const { made, factory } = recordingFactory();
    const result = await run(['scenario quiet', '  connect {{echo}} as e', '  wait e connected within 2s', '  expect e any within 200ms', 'end'].join('\n'), { createSocket: factory });
    const failure = failureOf(result, 'quiet');
    const routingId = onlyRoutingId(made[0].routingIds);
    assert.equal(failure.message, `no frame from peer "e" (routing id ${routingId}) within 200 ms; its connection is ACTIVE`);
    assert.equal(failure.code, 'ZMQS_TIMEOUT');
    assert.ok(failure.durationMs >= 190 && failure.durationMs < 2000, `took ${failure.durationMs} ms`);
  });

  it('fails a send to an accepted peer that disconnected with EHOSTUNREACH', async () => {
    const { made, factory } = recordingFactory();
    const source = [
      'scenario gone',
      '  socket server',
      '  bind tcp://127.0.0.1:* on server',
      '  connect {{server.endpoint}} as c',
      '  accept s on server within 2s',
      '  disconnect c',
      '  wait s disconnected within 2s',
      '  send s "too late"',
      'end',
    ].join('\n');
    const result = await run(source, { createSocket: factory });
    const failure = failureOf(result, 'gone');
    const server = made.find((m) => m.name === 'server')!;
    assert.equal(failure.code, 'EHOSTUNREACH');
    assert.equal(failure.message, `EHOSTUNREACH: No route to host: no peer with routing id ${onlyRoutingId(server.routingIds)}`);
    assert.equal(failure.line, 7);
    assert.equal(failure.text, 'send s "too late"');
  });

  it('does not run a scenario holding a check error and says so', async () => {
    const { made, factory } = recordingFactory();
    const source = ['scenario fine', '  connect {{echo}} as e', '  send e "x"', '  expect e "x"', 'end', 'scenario broken', '  bind foo://x', 'end'].join('\n');
    const result = await run(source, { createSocket: factory });
    assert.equal(scenarioOf(result, 'fine').status, 'passed');
    const broken = scenarioOf(result, 'broken');
    assert.equal(broken.status, 'failed');
    assert.deepEqual(broken.steps, []);
    assert.deepEqual(broken.failure, {
      line: 6,
      text: 'bind foo://x',
      status: 'failed',
      durationMs: 0,
      message: 'not run: line 7: EPROTONOSUPPORT: Protocol not supported: unknown transport "foo"',
      code: 'EPROTONOSUPPORT',
    });
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.span.line]),
      [['EPROTONOSUPPORT', 6]],
    );
    assert.deepEqual(
      made.map((m) => m.scenario),
      ['fine'],
    );
    assert.equal(result.passed, false);
  });

  it('runs the parse and the checks it is given, without reading the text again', async () => {
    const source = ['scenario unchecked', '  send ghost "x"', 'end', 'scenario flagged', '  sleep 1ms', 'end'].join('\n');
    const script = parseScript(source);
    // The checks would flag `ghost`; the caller's list says nothing of it, and flags the sleep instead.
    const flagged: Diagnostic = { span: { line: 4, start: 2, end: 11 }, severity: 'error', code: 'ZMQS_BAD_NUMBER', message: 'flagged by the caller' };
    const result = await runScript({ script, lines: sourceLines(source), diagnostics: [flagged] });
    assert.deepEqual(
      [failureOf(result, 'unchecked').message, failureOf(result, 'unchecked').code],
      ['undefined peer "ghost"', 'ZMQS_UNDEFINED_NAME'],
    );
    assert.deepEqual(failureOf(result, 'flagged'), {
      line: 4,
      text: 'sleep 1ms',
      status: 'failed',
      durationMs: 0,
      message: 'not run: line 5: flagged by the caller',
      code: 'ZMQS_BAD_NUMBER',
    });
    assert.deepEqual(result.diagnostics, [flagged]);
  });

  it('runs only the scenarios selected by name', async () => {
    const source = ['scenario first', '  sleep 1ms', 'end', 'scenario second', '  sleep 1ms', 'end', 'scenario third', '  sleep 1ms', 'end'].join('\n');
    const result = await run(source, { scenarios: ['third', 'first'] });
    assert.deepEqual(
      result.scenarios.map((s) => s.name),
      ['first', 'third'],
    );
    assert.equal(result.passed, true);
  });

  it('uses the default timeout of a timeout step for the steps after it', async () => {
    const source = ['scenario short', '  connect {{echo}} as e', '  timeout 150ms', '  expect e any', 'end'].join('\n');
    const result = await run(source);
    const failure = failureOf(result, 'short');
    assert.match(failure.message!, /^no frame from peer "e" \(routing id \d+\) within 150 ms; /);
    assert.ok(failure.durationMs >= 140 && failure.durationMs < 2000, `took ${failure.durationMs} ms`);
  });

  it('uses the run option defaultTimeout when no step sets one', async () => {
    const result = await run(['scenario short', '  connect {{echo}} as e', '  expect e any', 'end'].join('\n'), { defaultTimeout: 100 });
    assert.match(failureOf(result, 'short').message!, /^no frame from peer "e" \(routing id \d+\) within 100 ms; /);
  });

  it('cancels the running step on abort, closes the sockets and runs no further scenario', async () => {
    const { made, factory } = recordingFactory();
    const controller = new AbortController();
    const source = ['scenario waits', '  connect {{echo}} as e', '  wait e connected within 2s', '  expect e any within 30s', 'end', 'scenario later', '  sleep 1ms', 'end'].join('\n');
    const started = Date.now();
    const result = await run(source, {
      createSocket: factory,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'stepFinished' && event.step.text.startsWith('wait')) setTimeout(() => controller.abort(), 50);
      },
    });
    assert.ok(Date.now() - started < 5000, 'the abort ended the 30 s wait');
    const waits = scenarioOf(result, 'waits');
    assert.equal(waits.status, 'cancelled');
    assert.equal(waits.failure?.code, 'ZMQS_CANCELLED');
    assert.equal(waits.failure?.text, 'expect e any within 30s');
    assert.deepEqual(scenarioOf(result, 'later'), { name: 'later', line: 5, status: 'cancelled', durationMs: 0, steps: [] });
    assert.equal(result.passed, false);
    assert.deepEqual(
      made.map((m) => [m.scenario, m.closes, m.socket.closed]),
      [['waits', 1, true]],
    );
    // The echo sees the script's connection (the one from the script socket's address) end.
    const [address] = [...made[0].localAddresses];
    assert.ok(address, 'the script socket had a local address');
    const theirs = () => echo.connections.filter((c) => c.role === 'bind' && c.remoteAddress === address);
    assert.ok(theirs().some((c) => c.state === 'ACTIVE'), `the echo saw ${address} connect`);
    const deadline = Date.now() + 2000;
    const ended = () => theirs().some((c) => c.state === 'DISCONNECTED' || c.state === 'TERMINATED');
    while (!ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ended(), `the echo saw no disconnect of ${address}: ${JSON.stringify(theirs().map((c) => c.state))}`);
  });

  it('reports the scenarios an abort kept from starting as finished and cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const events: string[] = [];
    await run(['scenario first', '  sleep 1ms', 'end'].join('\n'), {
      signal: controller.signal,
      onEvent: (event) => events.push(`${event.type} ${event.scenario}${event.type === 'scenarioFinished' ? ` ${event.result.status}` : ''}`),
    });
    assert.deepEqual(events, ['scenarioFinished first cancelled']);
  });

  it('fails a send at the high-water mark with EAGAIN after sendTimeout instead of waiting for ever', async () => {
    // Nothing listens on port 1: the connect-side pipe queues one message (sendHighWaterMark=1), the second waits.
    const source = ['scenario full', '  socket s sendHighWaterMark=1 sendTimeout=200ms', '  connect tcp://127.0.0.1:1 as nobody on s', '  send nobody "one"', '  send nobody "two"', 'end'].join('\n');
    const started = Date.now();
    const failure = failureOf(await run(source), 'full');
    assert.equal(failure.code, 'EAGAIN');
    assert.equal(failure.line, 4);
    assert.match(failure.message ?? '', /^EAGAIN: Resource temporarily unavailable/);
    assert.ok(Date.now() - started >= 190, 'it waited for sendTimeout');
  });

  it('gives script sockets a 5 s sendTimeout and a 1 s linger unless the script sets them', async () => {
    const asked: [string, number | undefined, number | undefined][] = [];
    const factory: SocketFactory = ({ name, options }) => {
      asked.push([name, options.sendTimeout, options.linger]);
      const socket = new Peer(options);
      return { socket, close: () => socket.close() };
    };
    await run(['scenario defaults', '  socket a', '  socket b sendTimeout=-1 linger=0', 'end'].join('\n'), { createSocket: factory });
    assert.deepEqual(asked, [
      ['a', 5000, 1000],
      ['b', -1, 0],
    ]);
  });

  it('ends a send waiting at the high-water mark when the run is aborted', async () => {
    const controller = new AbortController();
    const source = ['scenario full', '  socket s sendHighWaterMark=1 sendTimeout=-1', '  connect tcp://127.0.0.1:1 as nobody on s', '  send nobody "one"', '  send nobody "two"', 'end'].join('\n');
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const result = await run(source, { signal: controller.signal });
    assert.equal(scenarioOf(result, 'full').status, 'cancelled');
    assert.equal(failureOf(result, 'full').line, 4);
    assert.ok(Date.now() - started < 3000, 'the abort ended the wait');
  });

  it('reports events in order: scenario started, its top-level steps, scenario finished', async () => {
    const events: string[] = [];
    const record = (event: RunEvent): void => {
      events.push(event.type === 'stepFinished' ? `${event.scenario}: step ${event.step.line} ${event.step.status}` : `${event.scenario}: ${event.type}${event.type === 'scenarioFinished' ? ` ${event.result.status}` : ''}`);
    };
    const source = ['scenario one', '  connect {{echo}} as e', '  repeat 2', '    send e "x"', '    expect e "x"', '  end', 'end', 'scenario two', '  connect {{echo}} as e', '  expect e "nothing" within 50ms', '  sleep 1ms', 'end'].join('\n');
    await run(source, { onEvent: record });
    assert.deepEqual(events, [
      'one: scenarioStarted',
      'one: step 1 passed',
      'one: step 2 passed',
      'one: scenarioFinished passed',
      'two: scenarioStarted',
      'two: step 8 passed',
      'two: step 9 failed',
      'two: scenarioFinished failed',
    ]);
  });

  it('closes every socket a scenario made, however the scenario ends', async () => {
    const { made, factory } = recordingFactory();
    const source = [
      'scenario passes',
      '  socket a',
      '  socket b',
      '  bind tcp://127.0.0.1:* on a',
      '  connect {{a.endpoint}} as x on b',
      '  accept y on a within 2s',
      'end',
      'scenario mismatch',
      '  connect {{echo}} as e',
      '  send e "1"',
      '  expect e "2"',
      'end',
      'scenario times out',
      '  socket lonely',
      '  connect {{echo}} as e on lonely',
      '  expect e any within 50ms',
      'end',
      'scenario closes its own',
      '  socket c',
      '  bind tcp://127.0.0.1:* on c',
      '  close c',
      'end',
    ].join('\n');
    const result = await run(source, { createSocket: factory });
    assert.deepEqual(
      result.scenarios.map((s) => s.status),
      ['passed', 'failed', 'failed', 'passed'],
      summarize(result),
    );
    assert.deepEqual(
      made.map((m) => [m.scenario, m.name, m.closes, m.socket.closed]),
      [
        ['passes', 'a', 1, true],
        ['passes', 'b', 1, true],
        ['mismatch', 'peer', 1, true],
        ['times out', 'lonely', 1, true],
        ['closes its own', 'c', 1, true],
      ],
    );
  });
});
