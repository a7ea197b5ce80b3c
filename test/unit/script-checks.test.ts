import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEndpoint, type EndpointRole } from '../../core/endpoint';
import { isZmqError } from '../../core/errors';
import { checkOption } from '../../core/options';
import { checkScript, type CheckOptions } from '../../zmq-script/checks';
import { SCRIPT_CODES, type Diagnostic, type DiagnosticCode, type Severity } from '../../zmq-script/diagnostics';
import { parseScript } from '../../zmq-script/parser';
import { RUN_CODES } from '../../zmq-script/results';
import { Variables } from '../../zmq-script/variables';

const check = (src: string, options?: CheckOptions): Diagnostic[] => checkScript(parseScript(src), options);

const diag = (line: number, start: number, end: number, code: DiagnosticCode, message: string, severity: Severity = 'error'): Diagnostic => ({
  span: { line, start, end },
  severity,
  code,
  message,
});

/** A scenario around step lines (each indented by two), so that step i stands on line i + 1. */
const scenario = (...steps: string[]): string => ['scenario s', ...steps.map((s) => `  ${s}`), 'end'].join('\n');

/** The column range of `token` in `text`. */
function cols(text: string, token: string): [number, number] {
  const at = text.indexOf(token);
  assert.ok(at >= 0, `"${token}" not in "${text}"`);
  return [at, at + token.length];
}

/** What parseEndpoint throws for the text. */
function endpointError(text: string, role: EndpointRole): { code: DiagnosticCode; message: string } {
  try {
    parseEndpoint(text, role);
  } catch (err) {
    assert.ok(isZmqError(err));
    return { code: err.code, message: `${err.code}: ${err.message}` };
  }
  assert.fail(`${text} parses`);
}

/** What checkOption throws for the value. */
function optionError(name: Parameters<typeof checkOption>[0], value: unknown): string {
  try {
    checkOption(name, value);
  } catch (err) {
    assert.ok(isZmqError(err, 'EINVAL'));
    return `EINVAL: ${err.message}`;
  }
  assert.fail(`${name}=${String(value)} is valid`);
}

const RICH_VALID = `# A script that uses every step, every payload and matcher, and variables of each kind.
@host = 127.0.0.1
@port = 5555
@endpoint = tcp://{{host}}:{{port}}
@greeting = "hello, {{who}}"
@who = world
@wait = 2s
@count = 0

scenario "echo round trip"
  socket client heartbeatInterval=1s heartbeatTimeout=3s helloMessage="hi there" linger=0 ipv6=false
  timeout {{wait}}
  connect {{endpoint}} as echo on client
  wait echo connected within 5s
  send echo "{{greeting}}"
  expect echo text "{{greeting}}" within 2s
  send echo hex 01 02 ff
  expect echo hex "01:02:ff"
  send echo base64 AQL/
  expect echo base64 AQL_
  send echo json {"a": [1, 2, {"b": "}"}], "n": null}
  expect echo json {"n": null, "a": [1, 2, {"b": "}"}]}
  expect echo json-subset {"a": [1, 2, {}]} within 1s
  expect echo matches /^pong \\d+[/]$/i within 500ms
  expect echo matches "^{{who}}$"
  expect echo any
  send echo file ./frames/ping.bin
  expect echo file ./frames/pong.bin
  repeat 3 as n
    send echo "tick {{n}} {{echo.routingId}}"
    expect echo "tick {{n}}"
    repeat 2
      send echo "{{n}}.{{i}}"
    end
  end
  sleep 100ms
  disconnect echo
  connect {{endpoint}} as echo on client
  disconnect {{endpoint}} on client
  close client
end

scenario server side
  socket server
  bind tcp://127.0.0.1:* on server
  socket other
  connect {{server.endpoint}} as up on other
  accept down on server within 1s
  send down json "a string"
  expect up json "a string"
  send up "x"
  expect down matches /x/
  repeat {{count}}
  end
  close server
  close other
end

scenario implicit socket
  bind inproc://implicit
  connect inproc://implicit as self
  close
end
`;

describe('script checks: a valid script', () => {
  it('gives no diagnostics at all for a script using every step', () => {
    assert.deepEqual(check(RICH_VALID, { fileExists: () => true }), []);
  });

  it('gives no diagnostics for an empty file or one of comments only', () => {
    assert.deepEqual(check(''), []);
    assert.deepEqual(check('# nothing\n// here\n'), []);
  });
});

interface EndpointRow {
  readonly what: string;
  readonly step: (endpoint: string) => string;
  readonly role: EndpointRole;
  readonly endpoint: string;
}

const ENDPOINTS: readonly EndpointRow[] = [
  { what: 'an unknown transport on connect', step: (e) => `connect ${e} as p`, role: 'connect', endpoint: 'foo://x' },
  { what: 'a transport PEER cannot use on bind', step: (e) => `bind ${e}`, role: 'bind', endpoint: 'udp://127.0.0.1:5555' },
  { what: 'a tcp connect without a port', step: (e) => `connect ${e} as p`, role: 'connect', endpoint: 'tcp://localhost' },
  { what: 'a tcp connect to port *', step: (e) => `connect ${e} as p`, role: 'connect', endpoint: 'tcp://127.0.0.1:*' },
  { what: 'a tcp bind to a port out of range', step: (e) => `bind ${e}`, role: 'bind', endpoint: 'tcp://*:70000' },
  { what: 'an ipc path of 108 bytes', step: (e) => `bind ${e}`, role: 'bind', endpoint: `ipc://${'a'.repeat(108)}` },
  { what: 'a text without ://', step: (e) => `bind ${e}`, role: 'bind', endpoint: 'localhost:5555' },
  { what: 'a disconnect endpoint, read as a connect', step: (e) => `disconnect ${e}`, role: 'connect', endpoint: 'tcp://h:x' },
];

describe('script checks: endpoints', () => {
  for (const row of ENDPOINTS) {
    it(`reports ${row.what} with the core's code and message`, () => {
      const step = row.step(row.endpoint);
      const src = scenario('bind inproc://first', step);
      const { code, message } = endpointError(row.endpoint, row.role);
      const [start, end] = cols(`  ${step}`, row.endpoint);
      assert.deepEqual(check(src), [diag(2, start, end, code, message)]);
    });
  }

  it('covers EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO and ENAMETOOLONG among the rows', () => {
    assert.deepEqual([...new Set(ENDPOINTS.map((r) => endpointError(r.endpoint, r.role).code))].sort(), ['EINVAL', 'ENAMETOOLONG', 'ENOCOMPATPROTO', 'EPROTONOSUPPORT']);
  });

  it('checks an endpoint after expanding its variables, and says what it expanded to', () => {
    const src = `@ep = foo://{{host}}\n@host = example\n${scenario('connect {{ep}} as p')}`;
    const { code, message } = endpointError('foo://example', 'connect');
    assert.deepEqual(check(src), [diag(3, 10, 16, code, `${message} ({{ep}} is foo://example)`)]);
  });

  it('checks a quoted endpoint by its unquoted text', () => {
    const { code, message } = endpointError('tcp://a b:1', 'connect');
    assert.deepEqual(check(scenario('connect "tcp://a b:1" as p')), [diag(1, 10, 23, code, message)]);
  });

  it('leaves an endpoint holding a runtime variable to the run', () => {
    assert.deepEqual(check(scenario('socket a', 'bind tcp://*:* on a', 'connect {{a.endpoint}}x as p')), []);
  });
});

describe('script checks: socket options', () => {
  const rows: readonly [string, Parameters<typeof checkOption>[0], unknown][] = [
    ['linger=abc', 'linger', 'abc'],
    ['immediate=yes', 'immediate', 'yes'],
    ['sendHighWaterMark=1s', 'sendHighWaterMark', '1s'],
    ['linger=1.5', 'linger', 1.5],
    ['heartbeatTimeToLive=7000000', 'heartbeatTimeToLive', 7000000],
    ['reconnectInterval=-2', 'reconnectInterval', -2],
  ];
  for (const [setting, name, value] of rows) {
    it(`reports ${setting} with the core's EINVAL message at the value`, () => {
      const line = `  socket s ${setting}`;
      const [start, end] = cols(line, setting.slice(setting.indexOf('=') + 1));
      assert.deepEqual(check(scenario(`socket s ${setting}`)), [diag(1, start, end, 'EINVAL', optionError(name, value))]);
    });
  }

  it('accepts durations for time options, 0/1 for flags and text for messages', () => {
    assert.deepEqual(check(scenario('socket s heartbeatInterval=1.5s linger=0 handshakeInterval=1m immediate=0 ipv6=1 helloMessage=hi wssHostname="a b"')), []);
  });

  it('reports an unknown option at its name, with a suggestion', () => {
    assert.deepEqual(check(scenario('socket s helloMessg=x')), [diag(1, 11, 21, SCRIPT_CODES.ZMQS_UNKNOWN_OPTION, 'unknown socket option "helloMessg" (did you mean "helloMessage"?)')]);
  });

  it('reports an unknown option without a suggestion when none is close', () => {
    assert.deepEqual(check(scenario('socket s colour=red')), [diag(1, 11, 17, SCRIPT_CODES.ZMQS_UNKNOWN_OPTION, 'unknown socket option "colour"')]);
  });

  it('reports EFAULT at a connect on a socket with immediate=true', () => {
    const message = 'EFAULT: zmq_connect_peer refuses a socket with immediate=true (ZMQ_IMMEDIATE), as libzmq does';
    assert.deepEqual(check(scenario('socket s immediate=true', 'connect tcp://h:1 as p on s')), [diag(2, 2, 9, 'EFAULT', message)]);
    assert.deepEqual(check(scenario('socket peer immediate=1', 'connect tcp://h:1 as p')), [diag(2, 2, 9, 'EFAULT', message)]);
  });

  it('allows immediate=true on a socket that only binds', () => {
    assert.deepEqual(check(scenario('socket s immediate=true', 'bind tcp://*:* on s', 'accept p on s')), []);
  });
});

const MULTIPART = 'EINVAL: a PEER socket sends single-frame messages only (ZMQ_SNDMORE is EINVAL on PEER): send one payload per step';

describe('script checks: payloads and matchers', () => {
  const connected = (...steps: string[]): string => scenario('connect tcp://h:1 as p', ...steps);

  it('reports EINVAL for a second payload, over the extra parts', () => {
    assert.deepEqual(check(connected('send p "a" "b" more')), [diag(2, 13, 21, 'EINVAL', MULTIPART)]);
  });

  it('reports EINVAL for send PEER more PAYLOAD, at more', () => {
    assert.deepEqual(check(connected('send p more "a"')), [diag(2, 9, 13, 'EINVAL', MULTIPART)]);
  });

  /** What JSON.parse says, which differs between Node versions. */
  const json = (text: string): string => {
    try {
      JSON.parse(text);
    } catch (err) {
      return `Invalid JSON: ${(err as Error).message}`;
    }
    assert.fail(`${text} is JSON`);
  };
  const BAD: readonly [string, string, string][] = [
    ['send p hex 01 0z', '01 0z', 'Invalid hex: "z" is not a hex digit (0-9, a-f)'],
    ['send p hex 012', '012', 'Invalid hex: 3 digits is an odd count; every byte takes two digits'],
    ['expect p hex "ab c"', '"ab c"', 'Invalid hex: 3 digits is an odd count; every byte takes two digits'],
    ['send p base64 A', 'A', 'Invalid base64: the length is impossible (one character too many or too few)'],
    ['expect p base64 ab$c', 'ab$c', 'Invalid base64: "$" is not a base64 character'],
    ['send p json {"a":}', '{"a":}', json('{"a":}')],
    ['expect p json-subset {"a" 1}', '{"a" 1}', json('{"a" 1}')],
    ['send p json nope', 'nope', json('nope')],
    ['expect p json [1,]', '[1,]', json('[1,]')],
  ];
  for (const [step, value, message] of BAD) {
    it(`reports ${step} as a bad payload at its value`, () => {
      const [start, end] = cols(`  ${step}`, value);
      assert.deepEqual(check(connected(step)), [diag(2, start, end, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, message)]);
    });
  }

  it('reports a regex that does not compile over the whole /pattern/flags', () => {
    assert.deepEqual(check(connected('expect p matches /(/')), [diag(2, 19, 22, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, 'invalid regular expression: Invalid regular expression: /(/: Unterminated group')]);
  });

  it('reports bad regex flags over the whole /pattern/flags', () => {
    assert.deepEqual(check(connected('expect p matches /a/q')), [diag(2, 19, 23, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, "invalid regular expression: Invalid flags supplied to RegExp constructor 'q'")]);
  });

  it('reports a bad quoted regex at the string', () => {
    assert.deepEqual(check(connected('expect p matches "["')), [
      diag(2, 19, 22, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, 'invalid regular expression: Invalid regular expression: /[/: Unterminated character class'),
    ]);
  });

  it('checks a payload after expanding its variables', () => {
    assert.deepEqual(check(`@bytes = 0g\n${connected('send p hex {{bytes}}')}`), [diag(3, 13, 22, SCRIPT_CODES.ZMQS_BAD_PAYLOAD, 'Invalid hex: "g" is not a hex digit (0-9, a-f)')]);
  });

  it('warns of a missing payload file, asking fileExists with the path as written', () => {
    const asked: string[] = [];
    const fileExists = (path: string): boolean => {
      asked.push(path);
      return path === 'here.bin';
    };
    const src = `@dir = frames\n${connected('send p file here.bin', 'send p file {{dir}}/gone.bin', 'expect p file "no such.bin"')}`;
    assert.deepEqual(check(src, { fileExists }), [
      diag(4, 14, 30, SCRIPT_CODES.ZMQS_MISSING_FILE, `payload file "frames/gone.bin" not found (paths are relative to the script's folder)`, 'warning'),
      diag(5, 16, 29, SCRIPT_CODES.ZMQS_MISSING_FILE, `payload file "no such.bin" not found (paths are relative to the script's folder)`, 'warning'),
    ]);
    assert.deepEqual(asked, ['here.bin', 'frames/gone.bin', 'no such.bin']);
  });

  it('does not check payload files without fileExists', () => {
    assert.deepEqual(check(connected('send p file gone.bin')), []);
  });
});

describe('script checks: durations and counts', () => {
  const duration = (text: string): string => `"${text}" is not a duration: write 500ms, 2s, 1.5s, 1m or a number of milliseconds (at most 24 h)`;
  const count = (text: string): string => `"${text}" is not a repeat count: write a whole number from 0 to 1000000`;

  it('reports a bad duration of sleep, timeout, within of wait, accept and expect', () => {
    const src = scenario('bind tcp://*:*', 'sleep 5x', 'timeout 1441m', 'accept p within -1s', 'wait p connected within abc', 'expect p any within 1.5m', 'sleep 1440m');
    assert.deepEqual(check(src), [
      diag(2, 8, 10, SCRIPT_CODES.ZMQS_BAD_NUMBER, duration('5x')),
      diag(3, 10, 15, SCRIPT_CODES.ZMQS_BAD_NUMBER, duration('1441m')),
      diag(4, 18, 21, SCRIPT_CODES.ZMQS_BAD_NUMBER, duration('-1s')),
      diag(5, 26, 29, SCRIPT_CODES.ZMQS_BAD_NUMBER, duration('abc')),
    ]);
  });

  it('reports a bad repeat count: a word, a negative number, more than a million', () => {
    const src = scenario('repeat x', 'end', 'repeat -1', 'end', 'repeat 1000001', 'end', 'repeat 1000000', 'end');
    assert.deepEqual(check(src), [
      diag(1, 9, 10, SCRIPT_CODES.ZMQS_BAD_NUMBER, count('x')),
      diag(3, 9, 11, SCRIPT_CODES.ZMQS_BAD_NUMBER, count('-1')),
      diag(5, 9, 16, SCRIPT_CODES.ZMQS_BAD_NUMBER, count('1000001')),
    ]);
  });

  it('checks a duration and a count given by variables, with their expanded text', () => {
    const src = `@t = 2 seconds\n@n = many\n${scenario('sleep {{t}}', 'repeat {{n}}', 'end')}`;
    assert.deepEqual(check(src), [diag(3, 8, 13, SCRIPT_CODES.ZMQS_BAD_NUMBER, duration('2 seconds')), diag(4, 9, 14, SCRIPT_CODES.ZMQS_BAD_NUMBER, count('many'))]);
  });
});

const undefinedVariable = (name: string, suggestion?: string): string =>
  `undefined variable {{${name}}}${suggestion ? ` (did you mean {{${suggestion}}}?)` : ''}: define it with @${name} = …, in .env, in the environment or in the settings`;

describe('script checks: variables', () => {
  it('reports an undefined variable at its reference, with a suggestion', () => {
    const src = `@endpoint = tcp://h:1\n${scenario('connect {{endpont}} as p')}`;
    assert.deepEqual(check(src), [diag(2, 10, 21, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('endpont', 'endpoint'))]);
  });

  it('suggests the script\'s own variables, not the environment\'s', () => {
    const src = `@endpoint = tcp://h:1\n${scenario('connect {{PTH}} as p', 'send p "{{endpont}}"')}`;
    const variables = new Variables(parseScript(src), [{ source: 'environment', values: { PATH: '/usr/bin' } }]);
    assert.deepEqual(check(src, { variables }), [
      diag(2, 10, 17, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('PTH')),
      diag(3, 10, 21, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('endpont', 'endpoint')),
    ]);
  });

  it('reports each undefined reference, also with blanks inside the braces', () => {
    const src = scenario('connect tcp://h:1 as p', 'send p "{{a}}-{{ b }}"');
    assert.deepEqual(check(src), [diag(2, 10, 15, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('a')), diag(2, 16, 23, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('b'))]);
  });

  it('places a reference after escapes in a quoted string where it is written', () => {
    const step = 'send p "say \\"hi\\" \\u0041 {{nme}}"';
    const [start, end] = cols(`  ${step}`, '{{nme}}');
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', step)), [diag(2, start, end, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('nme'))]);
  });

  it('places a reference inside a regex where it is written', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'expect p matches /^{{x}}$/')), [diag(2, 21, 26, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('x'))]);
  });

  it('places a reference after several blanks in bare hex where it is written', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'send p hex 01    {{b}}')), [diag(2, 19, 24, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('b'))]);
  });

  it('reports an undefined variable inside a file variable at its reference', () => {
    assert.deepEqual(check('@a = x {{missing}} y\n@b = "{{a}}{{nope}}"'), [
      diag(0, 7, 18, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('missing')),
      diag(1, 11, 19, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('nope')),
    ]);
  });

  it('is silenced by variables from the layers (.env, environment, settings)', () => {
    const src = `@a = {{fromEnv}}\n${scenario('connect {{host}} as p', 'send p "{{a}}"')}`;
    const script = parseScript(src);
    const variables = new Variables(script, [
      { source: 'settings', values: { host: 'tcp://h:1' } },
      { source: '.env (/x/.env)', values: { fromEnv: 'e' } },
    ]);
    assert.deepEqual(checkScript(script, { variables }), []);
    assert.deepEqual(
      checkScript(script).map((d) => d.message.slice(0, d.message.indexOf(':'))),
      ['undefined variable {{fromEnv}}', 'undefined variable {{host}}'],
    );
  });

  it('does not check the references of a file variable a layer overrides', () => {
    const script = parseScript('@a = {{missing}}');
    assert.deepEqual(checkScript(script, { variables: new Variables(script, [{ source: 'environment', values: { a: 'x' } }]) }), []);
  });

  it('knows SOCKET.endpoint only after a bind on that socket', () => {
    const src = scenario('socket server', 'connect {{server.endpoint}} as early', 'bind tcp://127.0.0.1:* on server', 'connect {{server.endpoint}} as late', 'connect {{servr.endpoint}} as other');
    assert.deepEqual(check(src), [
      diag(2, 10, 29, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('server.endpoint')),
      diag(5, 10, 28, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('servr.endpoint', 'server.endpoint')),
    ]);
  });

  it('knows PEER.routingId after connect and accept', () => {
    const src = scenario('send x "{{p.routingId}}"', 'bind tcp://*:*', 'connect tcp://h:1 as p', 'accept q', 'send p "{{p.routingId}} {{q.routingId}}"');
    assert.deepEqual(check(src), [
      diag(1, 7, 8, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined peer "x": name one first with connect ENDPOINT as x or accept x'),
      diag(1, 10, 25, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('p.routingId')),
    ]);
  });

  it('knows a repeat counter only inside its repeat, and i by default', () => {
    const src = scenario('connect tcp://h:1 as p', 'repeat 2 as n', 'send p "{{n}}"', 'repeat 2', 'send p "{{n}}{{i}}"', 'end', 'end', 'send p "{{n}}"', 'send p "{{i}}"');
    assert.deepEqual(check(src), [diag(8, 10, 15, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('n')), diag(9, 10, 15, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE, undefinedVariable('i'))]);
  });

  it('reports a cycle of file variables at each definition in it', () => {
    const cycle = (...names: string[]): string => `variables refer to each other in a cycle: ${names.map((n) => `{{${n}}}`).join(' → ')}`;
    assert.deepEqual(check('@a = {{b}}\n@b = x{{a}}\n@c = {{c}}'), [
      diag(0, 1, 2, SCRIPT_CODES.ZMQS_VARIABLE_CYCLE, cycle('a', 'b', 'a')),
      diag(1, 1, 2, SCRIPT_CODES.ZMQS_VARIABLE_CYCLE, cycle('b', 'a', 'b')),
      diag(2, 1, 2, SCRIPT_CODES.ZMQS_VARIABLE_CYCLE, cycle('c', 'c')),
    ]);
  });

  it('warns of a file variable defined twice, at the later one', () => {
    assert.deepEqual(check('@a = 1\n@b = 2\n@a = 3'), [diag(2, 1, 2, SCRIPT_CODES.ZMQS_DUPLICATE, '@a is already defined on line 1; this later value wins', 'warning')]);
  });
});

describe('script checks: sockets and peers', () => {
  it('reports an undefined socket at its name, with a suggestion', () => {
    assert.deepEqual(check(scenario('socket server', 'bind tcp://*:* on sever')), [
      diag(2, 20, 25, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined socket "sever" (did you mean "server"?): declare it first with socket sever'),
    ]);
  });

  it('reports an undefined peer at its name, with a suggestion', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as echo', 'expect ech any', 'wait nobody connected', 'disconnect nobody')), [
      diag(2, 9, 12, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined peer "ech" (did you mean "echo"?): name one first with connect ENDPOINT as ech or accept ech'),
      diag(3, 7, 13, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined peer "nobody": name one first with connect ENDPOINT as nobody or accept nobody'),
      diag(4, 13, 19, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined peer "nobody": name one first with connect ENDPOINT as nobody or accept nobody'),
    ]);
  });

  it('reports close and disconnect ENDPOINT on the implicit socket before any step used it, as a run would', () => {
    assert.deepEqual(check(scenario('disconnect tcp://h:1', 'close')), [
      diag(1, 2, 12, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined socket "peer": no step has used it yet'),
      diag(2, 2, 7, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined socket "peer": no step has used it yet'),
    ]);
  });

  it('keeps names apart between scenarios', () => {
    assert.deepEqual(check(`${scenario('connect tcp://h:1 as p')}\nscenario t\n  send p "x"\nend`), [
      diag(4, 7, 8, SCRIPT_CODES.ZMQS_UNDEFINED_NAME, 'undefined peer "p": name one first with connect ENDPOINT as p or accept p'),
    ]);
  });

  it('reports a scenario name used twice at the later name', () => {
    assert.deepEqual(check('scenario a\n  close peer\nend\nscenario a\n  bind inproc://x\nend').filter((d) => d.code === SCRIPT_CODES.ZMQS_DUPLICATE), [
      diag(3, 9, 10, SCRIPT_CODES.ZMQS_DUPLICATE, 'scenario "a" is already defined on line 1; names must be unique to be run on their own'),
    ]);
  });

  it('reports a peer named twice at the later name', () => {
    assert.deepEqual(check(scenario('bind tcp://*:*', 'connect tcp://h:1 as p', 'accept p')), [diag(3, 9, 10, SCRIPT_CODES.ZMQS_DUPLICATE, 'peer "p" is already named on line 3')]);
  });

  it('lets a disconnected peer name be named again', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'disconnect p', 'connect tcp://h:1 as p', 'send p "again"')), []);
  });

  it('reports a socket declared twice, and one declared after the implicit one was used', () => {
    assert.deepEqual(check(scenario('socket a', 'socket a', 'bind inproc://x', 'socket peer')), [
      diag(2, 9, 10, SCRIPT_CODES.ZMQS_DUPLICATE, 'socket "a" is already declared on line 2'),
      diag(4, 9, 13, SCRIPT_CODES.ZMQS_DUPLICATE, 'socket "peer" is already in use since line 4: declare it before its first use'),
    ]);
  });
});

describe('script checks: steps that never run', () => {
  it('reports a step on a closed socket, over the step', () => {
    assert.deepEqual(check(scenario('socket a', 'close a', 'bind inproc://x on a', 'close a')), [
      diag(3, 2, 22, SCRIPT_CODES.ZMQS_UNREACHABLE, 'socket "a" was closed on line 3: this step can never run (ENOTSOCK)'),
      diag(4, 2, 9, SCRIPT_CODES.ZMQS_UNREACHABLE, 'socket "a" was closed on line 3: this step can never run (ENOTSOCK)'),
    ]);
  });

  it('reports a step addressing a peer whose socket was closed', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'close', 'send p "late"')), [
      diag(3, 2, 15, SCRIPT_CODES.ZMQS_UNREACHABLE, 'socket "peer" of peer "p" was closed on line 3: this step can never run (ENOTSOCK)'),
    ]);
  });

  it('reports a step addressing a disconnected peer', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'disconnect p', 'expect p any', 'disconnect p')), [
      diag(3, 2, 14, SCRIPT_CODES.ZMQS_UNREACHABLE, 'peer "p" was disconnected on line 3: its routing id is gone and this step can never run (EHOSTUNREACH)'),
      diag(4, 2, 14, SCRIPT_CODES.ZMQS_UNREACHABLE, 'peer "p" was disconnected on line 3: its routing id is gone and this step can never run (EHOSTUNREACH)'),
    ]);
  });

  it('warns that the steps of repeat 0 never run, at the first of them, and keeps what they do out of the steps after', () => {
    assert.deepEqual(check(scenario('connect tcp://h:1 as p', 'repeat 0', 'disconnect p', 'close', 'end', 'send p "still here"')), [
      diag(3, 2, 14, SCRIPT_CODES.ZMQS_UNREACHABLE, 'repeat 0: the steps inside never run', 'warning'),
    ]);
  });

  it('does not warn of an empty repeat 0', () => {
    assert.deepEqual(check(scenario('bind inproc://x', 'repeat 0', 'end')), []);
  });

  it('warns of an accept on a socket without a bind, at accept', () => {
    assert.deepEqual(check(scenario('socket s', 'accept p on s within 1s')), [
      diag(2, 2, 8, SCRIPT_CODES.ZMQS_UNREACHABLE, 'socket "s" has no bind before this accept: no peer can connect to it', 'warning'),
    ]);
  });

  it('warns of a scenario without steps, at its name', () => {
    assert.deepEqual(check('scenario nothing here\nend'), [diag(0, 9, 21, SCRIPT_CODES.ZMQS_EMPTY, 'scenario "nothing here" has no steps', 'warning')]);
  });
});

describe('script checks: results', () => {
  it('includes the syntax diagnostics of the parser, all sorted by position', () => {
    const src = '@a = {{x}}\nscenario s\n  sned\n  connect foo://x as p\nend\nend';
    assert.deepEqual(
      check(src).map((d) => [d.span.line, d.code]),
      [
        [0, SCRIPT_CODES.ZMQS_UNDEFINED_VARIABLE],
        [2, SCRIPT_CODES.ZMQS_SYNTAX],
        [3, 'EPROTONOSUPPORT'],
        [5, SCRIPT_CODES.ZMQS_UNCLOSED],
      ],
    );
  });

  it('sorts an error before a warning at the same position', () => {
    const diagnostics = check('@a = 1\n@a = {{a}}');
    assert.deepEqual(
      diagnostics.map((d) => [d.span, d.severity, d.code]),
      [
        [{ line: 1, start: 1, end: 2 }, 'error', SCRIPT_CODES.ZMQS_VARIABLE_CYCLE],
        [{ line: 1, start: 1, end: 2 }, 'warning', SCRIPT_CODES.ZMQS_DUPLICATE],
      ],
    );
  });
});

describe('script codes in docs/errors.md', () => {
  const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
  for (const code of [...Object.keys(SCRIPT_CODES), ...Object.keys(RUN_CODES)]) {
    it(`documents ${code}`, () => {
      assert.match(docs, new RegExp(`^\\| \`${code}\` \\| \\S`, 'm'));
    });
  }
});

describe('checks: secrets stay out of scripts', () => {
  const KEY = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';
  const advice = (name: string): string => `keep secrets in .env (out of version control) or the environment and write ${name}={{NAME}}`;

  it('warns on a password or a CURVE secret key written into the script', () => {
    const pw = 'socket a plainUsername=bob plainPassword=hunter2';
    const key = `socket b curveServerKey="${KEY}" curvePublicKey="${KEY}" curveSecretKey="${KEY}"`;
    assert.deepEqual(check(scenario(pw, key)), [
      diag(1, ...cols(`  ${pw}`, 'hunter2'), SCRIPT_CODES.ZMQS_LITERAL_SECRET, `plainPassword is written into the script: ${advice('plainPassword')}`, 'warning'),
      diag(2, `  ${key}`.lastIndexOf(`"${KEY}"`), `  ${key}`.length, SCRIPT_CODES.ZMQS_LITERAL_SECRET, `curveSecretKey is written into the script: ${advice('curveSecretKey')}`, 'warning'),
    ]);
  });

  it("warns when the secret comes from the script's own @variable or from the settings, not from .env or the environment", () => {
    const source = ['@pw = hunter2', scenario('socket a plainUsername=bob plainPassword={{pw}}', 'socket b curveServer=true curveSecretKey={{fromSettings}}')].join('\n');
    const variables = new Variables(parseScript(source), [
      { source: 'settings (zmqPeer.script.variables)', values: { fromSettings: KEY } },
      { source: 'environment', values: { pw: 'overridden' } },
    ]);
    const line2 = '  socket a plainUsername=bob plainPassword={{pw}}';
    const line3 = '  socket b curveServer=true curveSecretKey={{fromSettings}}';
    assert.deepEqual(check(source, { variables }), [
      diag(2, ...cols(line2, '{{pw}}'), SCRIPT_CODES.ZMQS_LITERAL_SECRET, `{{pw}} gives plainPassword the value of the script's own @pw line (line 1): ${advice('plainPassword')}`, 'warning'),
      diag(3, ...cols(line3, '{{fromSettings}}'), SCRIPT_CODES.ZMQS_LITERAL_SECRET, `{{fromSettings}} gives curveSecretKey a value from the settings (zmqPeer.script.variables), which are not secret storage: ${advice('curveSecretKey')}`, 'warning'),
    ]);
  });

  it('is quiet for secrets from .env and the environment, and checks the keys like new Peer does', () => {
    const source = scenario('socket a curveServerKey={{server}} curvePublicKey={{public}} curveSecretKey={{secret}}');
    const variables = new Variables(parseScript(source), [
      { source: '.env (/project/.env)', values: { secret: KEY } },
      { source: 'environment', values: { server: KEY, public: KEY } },
    ]);
    assert.deepEqual(check(source, { variables }), []);
    const bad = scenario('socket a curveServerKey=tooshort');
    assert.deepEqual(check(bad).map((d) => [d.code, d.message]), [['EINVAL', 'EINVAL: Invalid argument: option curveServerKey cannot be "tooshort"']]);
  });
});
