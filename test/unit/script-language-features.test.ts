import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SymbolKind, type CompletionItem, type MarkupContent, type TextEdit } from 'vscode-languageserver';
import { MATCHER_KEYWORDS, parseScript, PAYLOAD_KEYWORDS, STEP_KEYWORDS } from '../../zmq-script/parser';
import { OPTION_NAMES } from '../../zmq-script/socket-options';
import { Variables, type VariableLayer } from '../../zmq-script/variables';
import { codeLenses, RUN_SCRIPT_COMMAND } from '../../extension/language-server/code-lenses';
import { complete } from '../../extension/language-server/completion';
import { hover } from '../../extension/language-server/hover';
import { KEYWORD_DOCS, MATCHER_DOCS, OPTION_DOCS, PAYLOAD_DOCS } from '../../extension/language-server/docs';
import { hexDump } from '../../zmq-script/payload';
import { documentSymbols } from '../../extension/language-server/symbols';
import { definition } from '../../extension/language-server/definition';

/**
 * A script with a `|` marking the cursor: the text without it, and the cursor's position.
 */
function atCursor(marked: string): { source: string; position: { line: number; character: number } } {
  const index = marked.indexOf('|');
  assert.ok(index >= 0, 'the text needs a | for the cursor');
  const before = marked.slice(0, index);
  const lines = before.split('\n');
  return { source: marked.slice(0, index) + marked.slice(index + 1), position: { line: lines.length - 1, character: lines[lines.length - 1].length } };
}

function variablesOf(source: string, layers: readonly VariableLayer[] = []): Variables {
  return new Variables(parseScript(source), layers);
}

function completionsAt(marked: string, layers: readonly VariableLayer[] = []): CompletionItem[] {
  const { source, position } = atCursor(marked);
  return complete(source, position, { variables: variablesOf(source, layers) });
}

const labels = (items: readonly CompletionItem[]): string[] => items.map((i) => i.label);
const edit = (item: CompletionItem): TextEdit => item.textEdit as TextEdit;
const doc = (item: CompletionItem): string => (item.documentation as MarkupContent).value;

function hoverAt(marked: string, layers: readonly VariableLayer[] = []) {
  const { source, position } = atCursor(marked);
  return hover(source, position, { variables: variablesOf(source, layers) });
}

function hoverText(marked: string, layers: readonly VariableLayer[] = []): string {
  const found = hoverAt(marked, layers);
  assert.ok(found, 'expected a hover');
  return found.contents;
}

const ECHO = `@echo = tcp://127.0.0.1:5555
scenario echo round trip
  socket peer heartbeatInterval=1s
  connect {{echo}} as echo
  wait echo connected within 5s
  send echo "hello"
  expect echo text "hello" within 2s
  send echo hex 01 02 ff
  expect echo json-subset {"op": "ping"}
  expect echo matches /^pong \\d+$/i
  repeat 3 as n
    send echo "tick {{n}}"
  end
  close
end
`;

/** A scenario around one step line, `|` marking the cursor in it. */
const inScenario = (line: string, before = 'connect tcp://127.0.0.1:5555 as echo'): string => `scenario s\n  ${before}\n  ${line}\nend\n`;

describe('completion', () => {
  it('offers the step keywords at the start of a line inside a scenario, each with a description and a usage example', () => {
    const items = completionsAt(inScenario('|'));
    assert.deepEqual(labels(items), ['socket', 'bind', 'connect', 'accept', 'wait', 'send', 'expect', 'sleep', 'timeout', 'repeat', 'disconnect', 'close', 'end', 'scenario']);
    const connect = items.find((i) => i.label === 'connect')!;
    assert.match(connect.detail!, /zmq_connect_peer/);
    assert.match(doc(connect), /connect tcp:\/\/127\.0\.0\.1:5555 as echo/);
  });

  it('replaces the part of the keyword already typed', () => {
    const items = completionsAt(inScenario('con|'));
    const connect = items.find((i) => i.label === 'connect')!;
    assert.deepEqual(edit(connect).range, { start: { line: 2, character: 2 }, end: { line: 2, character: 5 } });
    assert.equal(edit(connect).newText, 'connect');
  });

  it('offers only scenario and @ outside scenarios, where steps never run', () => {
    assert.deepEqual(labels(completionsAt('|')), ['scenario', '@']);
    assert.deepEqual(labels(completionsAt('scenario a\n  close\nend\n|')), ['scenario', '@']);
  });

  it('offers the transports after connect, with a connect example each', () => {
    const items = completionsAt(inScenario('connect |'));
    assert.deepEqual(labels(items), ['tcp://', 'ipc://', 'inproc://', 'ws://', 'wss://']);
    assert.match(items[0].detail!, /tcp:\/\/127\.0\.0\.1:5555/);
    assert.equal(edit(items[0]).newText, 'tcp://');
  });

  it('offers a wildcard port example for tcp after bind', () => {
    const tcp = completionsAt(inScenario('bind |')).find((i) => i.label === 'tcp://')!;
    assert.match(tcp.detail!, /tcp:\/\/127\.0\.0\.1:\*/);
  });

  it('completes a whole example endpoint after tcp://, replacing the scheme typed', () => {
    const [example] = completionsAt(inScenario('connect tcp://|'));
    assert.equal(example.label, 'tcp://127.0.0.1:5555');
    assert.deepEqual(edit(example).range, { start: { line: 2, character: 10 }, end: { line: 2, character: 16 } });
    assert.equal(completionsAt(inScenario('bind ipc://|'))[0].label, 'ipc://*');
  });

  it('offers variables holding an endpoint first after connect, but not the environment ones', () => {
    const items = completionsAt(`@server = tcp://127.0.0.1:7000\n@greeting = hi\n${inScenario('connect |')}`, [{ source: 'environment', values: { OTHER: 'tcp://x:1' } }]);
    assert.equal(items[0].label, '{{server}}');
    assert.equal(items[0].detail, 'tcp://127.0.0.1:7000');
    assert.ok(!labels(items).includes('{{greeting}}'));
    assert.ok(!labels(items).includes('{{OTHER}}'));
  });

  it('offers the socket options as name= with the libzmq option they mirror, leaving out those written', () => {
    const items = completionsAt(inScenario('socket server linger=0 |'));
    assert.ok(!labels(items).includes('linger'));
    const hwm = items.find((i) => i.label === 'sendHighWaterMark')!;
    assert.equal(edit(hwm).newText, 'sendHighWaterMark=');
    assert.equal(hwm.detail, 'ZMQ_SNDHWM');
    assert.match(doc(hwm), /Default: `1000`/);
    assert.equal(items.find((i) => i.label === 'heartbeatInterval')!.detail, 'ZMQ_HEARTBEAT_IVL');
  });

  it('offers no option for the socket name itself', () => {
    assert.deepEqual(completionsAt(inScenario('socket |')), []);
  });

  it('offers true and false for a flag option, after the =', () => {
    const items = completionsAt(inScenario('socket server ipv6=|'));
    assert.deepEqual(labels(items), ['true', 'false']);
    assert.deepEqual(edit(items[0]).range, { start: { line: 2, character: 21 }, end: { line: 2, character: 21 } });
  });

  it('offers the peers named in the same scenario after send, expect, wait and disconnect, and no other scenario’s', () => {
    const source = (line: string) =>
      `scenario other\n  connect tcp://127.0.0.1:1 as stranger\nend\nscenario s\n  bind tcp://127.0.0.1:*\n  accept client\n  connect tcp://127.0.0.1:2 as echo\n  ${line}\nend\n`;
    for (const step of ['send', 'expect', 'wait', 'disconnect']) {
      const items = completionsAt(source(`${step} |`));
      assert.deepEqual(labels(items).filter((l) => !l.includes('://')), ['client', 'echo'], step);
      assert.match(items[0].detail!, /accept on line 6/);
    }
  });

  it('offers the payload formats after send PEER', () => {
    assert.deepEqual(labels(completionsAt(inScenario('send echo |'))), ['text', 'hex', 'base64', 'json', 'file']);
  });

  it('offers the matchers after expect PEER', () => {
    assert.deepEqual(labels(completionsAt(inScenario('expect echo |'))), ['text', 'hex', 'base64', 'json', 'json-subset', 'matches', 'file', 'any']);
  });

  it('offers connected and disconnected after wait PEER, then within', () => {
    assert.deepEqual(labels(completionsAt(inScenario('wait echo |'))), ['connected', 'disconnected']);
    assert.deepEqual(labels(completionsAt(inScenario('wait echo connected |'))), ['within']);
  });

  it('offers within once an expect has its matcher value', () => {
    assert.deepEqual(labels(completionsAt(inScenario('expect echo any |'))), ['within']);
    assert.deepEqual(labels(completionsAt(inScenario('expect echo "hi" |'))), ['within']);
    assert.deepEqual(labels(completionsAt(inScenario('expect echo text |'))), []);
  });

  it('offers as after the endpoint of a connect, then on', () => {
    assert.deepEqual(labels(completionsAt(inScenario('connect tcp://127.0.0.1:1 |'))), ['as']);
    assert.deepEqual(labels(completionsAt(inScenario('connect tcp://127.0.0.1:1 as a |'))), ['on']);
    assert.deepEqual(completionsAt(inScenario('connect tcp://127.0.0.1:1 as |')), []);
  });

  it('offers the declared sockets and the implicit peer after on', () => {
    const items = completionsAt(inScenario('bind tcp://127.0.0.1:* on |', 'socket server linger=0'));
    assert.deepEqual(labels(items), ['server', 'peer']);
    assert.match(items[0].detail!, /declared on line 2/);
  });

  it('offers durations after within, sleep and timeout', () => {
    for (const line of ['wait echo connected within |', 'sleep |', 'timeout |']) {
      assert.deepEqual(labels(completionsAt(inScenario(line))), ['500ms', '1s', '2s', '5s', '10s'], line);
    }
  });

  it('inside {{ offers the variables and the runtime names set before, replacing the partial name and closing the braces', () => {
    const items = completionsAt(`@greeting = hi\nscenario s\n  bind tcp://127.0.0.1:* on peer\n  accept client\n  repeat 2 as n\n    send client "{{gr|\n  end\nend\n`, [
      { source: 'settings', values: { fromSettings: 'x' } },
    ]);
    assert.deepEqual(labels(items), ['peer.endpoint', 'client.routingId', 'n', 'greeting', 'fromSettings']);
    const greeting = items.find((i) => i.label === 'greeting')!;
    assert.deepEqual(edit(greeting), { range: { start: { line: 5, character: 19 }, end: { line: 5, character: 21 } }, newText: 'greeting}}' });
    assert.match(items[0].detail!, /set by bind on line 3/);
  });

  it('inside {{ keeps the closing braces already written and replaces the rest of the name', () => {
    const { source, position } = atCursor(inScenario('send echo "{{ec|ho.x}} there"'));
    const items = complete(source, position, { variables: variablesOf(source) });
    const routing = items.find((i) => i.label === 'echo.routingId')!;
    assert.deepEqual(edit(routing), { range: { start: { line: 2, character: 15 }, end: { line: 2, character: 21 } }, newText: 'echo.routingId' });
  });

  it('does not offer a runtime name before the step that sets it', () => {
    const items = completionsAt(`scenario s\n  send a "{{|"\n  connect tcp://127.0.0.1:1 as a\nend\n`);
    assert.ok(!labels(items).includes('a.routingId'));
  });

  it('offers nothing inside a quoted payload or a comment', () => {
    assert.deepEqual(completionsAt(inScenario('send echo "on |')), []);
    assert.deepEqual(completionsAt('# connect |'), []);
  });

  it('never throws, whatever the text and the position', () => {
    const vocabulary = fc.constantFrom('scenario', 'end', 'connect', 'bind', 'send', 'expect', 'socket', 'repeat', 'on', 'as', 'within', '{{', '}}', '"', '{', '/', '=', '@', ' ', '\n', 'tcp://', 'x', '#');
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(vocabulary, { maxLength: 60 }).map((w) => w.join('')));
    fc.assert(
      fc.property(text, fc.nat(30), fc.nat(200), (source, line, character) => {
        const items = complete(source, { line, character }, { variables: variablesOf(source) });
        assert.ok(Array.isArray(items));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('hover', () => {
  it('hover on a hex payload shows its bytes, UTF-8 and hex dump', () => {
    const text = hoverText(inScenario('send echo hex 68 69 |ff'));
    assert.match(text, /\*\*hex payload\*\*: 3 bytes/);
    assert.match(text, /not valid UTF-8/);
    assert.match(text, /00000000 {2}68 69 ff {42}\|hi\.\|/);
  });

  it('hover on a text payload shows its UTF-8 text, size and dump, with the variables expanded', () => {
    const found = hoverAt(`@name = wörld\n${inScenario('send echo "|hi {{name}}!"')}`);
    assert.ok(found);
    assert.match(found.contents, /\*\*text payload\*\*: 10 bytes \(from `hi \{\{name\}\}!`\)/);
    assert.match(found.contents, /"hi wörld!"/);
    assert.match(found.contents, /68 69 20 77 c3 b6 72 6c {2}64 21/);
    assert.deepEqual(found.range, { start: { line: 3, character: 12 }, end: { line: 3, character: 26 } });
  });

  it('hover on a long payload cuts the hex dump after 256 bytes', () => {
    const text = hoverText(inScenario(`send echo hex |${'ab'.repeat(300)}`));
    assert.match(text, /300 bytes/);
    assert.match(text, /000000f0 {2}(ab ){8} (ab ){7}ab/);
    assert.ok(!text.includes('0100  '));
    assert.match(text, /… 44 more bytes/);
  });

  it('hover on a JSON payload pretty-prints it and counts the compact bytes sent', () => {
    const text = hoverText(inScenario('send echo json {"op":  |"ping", "n": [1, 2]}'));
    assert.match(text, /\*\*json payload\*\*: 23 bytes/);
    assert.ok(text.includes('{\n  "op": "ping",\n  "n": [\n    1,\n    2\n  ]\n}'));
  });

  it('hover on a bad hex payload shows the decoding error', () => {
    const text = hoverText(inScenario('send echo hex 0|1 zz'));
    assert.match(text, /Invalid hex: "z" is not a hex digit/);
  });

  it('hover on a payload using a run-time name says it is known only when the scenario runs', () => {
    assert.match(hoverText(inScenario('send echo "|id {{echo.routingId}}"')), /known only when the scenario runs/);
  });

  it('hover on a bad endpoint names EPROTONOSUPPORT', () => {
    const found = hoverAt(inScenario('connect foo:|//x as a'));
    assert.ok(found);
    assert.match(found.contents, /\*\*EPROTONOSUPPORT\*\* \(errno 93\): Protocol not supported: unknown transport "foo"/);
    assert.deepEqual(found.range, { start: { line: 2, character: 10 }, end: { line: 2, character: 17 } });
  });

  it('hover on a udp endpoint names ENOCOMPATPROTO', () => {
    assert.match(hoverText(inScenario('bind udp://|127.0.0.1:5555')), /ENOCOMPATPROTO/);
  });

  it('hover on a tcp bind explains the wildcard port and where the bound endpoint is found', () => {
    const text = hoverText(inScenario('bind tcp://*:|* on server', 'socket server'));
    assert.match(text, /every interface/);
    assert.match(text, /a free port the system picks; `\{\{server\.endpoint\}\}` holds the endpoint bound/);
  });

  it('hover on a tcp connect says the host is resolved at each connection attempt', () => {
    const text = hoverText(inScenario('connect tcp://example.com:|5555 as a'));
    assert.match(text, /host: `example\.com`, resolved at each connection attempt/);
    assert.match(text, /port: 5555/);
  });

  it('hover on an endpoint written as a variable gives the variable and explains the endpoint it expands to', () => {
    const text = hoverText(`@echo = ipc://@zmq-echo\n${inScenario('connect {{ec|ho}} as a')}`);
    assert.match(text, /`\{\{echo\}\}`\*\* = `ipc:\/\/@zmq-echo`/);
    assert.match(text, /\*\*connect endpoint\*\* `ipc:\/\/@zmq-echo` \(from `\{\{echo\}\}`\)/);
    assert.match(text, /abstract name `zmq-echo`/);
  });

  it('hover on an abstract ipc endpoint and an inproc one says what they are', () => {
    assert.match(hoverText(inScenario('connect ipc://@zmq|-echo as a')), /abstract name `zmq-echo` \(Linux abstract namespace: no file\)/);
    assert.match(hoverText(inScenario('bind inproc://e|cho')), /name `echo`[\s\S]*same context/);
  });

  it('hover on a wss bind warns when the socket sets no wssKey or wssCert', () => {
    assert.match(hoverText(inScenario('bind wss://127.0.0.1:|8443/zmq on s', 'socket s wssKey=k')), /socket `s` sets no `wssCert`/);
    assert.doesNotMatch(hoverText(inScenario('bind wss://127.0.0.1:|8443/zmq on s', 'socket s wssKey=k wssCert=c')), /sets no/);
  });

  it('hover on a {{variable}} gives its value and where it comes from', () => {
    const layers: VariableLayer[] = [
      { source: 'settings', values: { port: '5555' } },
      { source: '.env (/work/.env)', values: { host: '127.0.0.1' } },
      { source: 'environment', values: { ZMQ_USER: 'me' } },
    ];
    const source = (ref: string) => `@endpoint = tcp://{{host}}:{{port}}\n@user = nobody\n${inScenario(`send echo "${ref}"`)}`;
    assert.match(hoverText(source('{{po|rt}}'), layers), /`\{\{port\}\}`\*\* = `5555`\n\nfrom settings/);
    assert.match(hoverText(source('{{ho|st}}'), layers), /from \.env \(\/work\/\.env\)/);
    assert.match(hoverText(source('{{ZMQ_|USER}}'), layers), /= `me`\n\nfrom environment/);
    assert.match(hoverText(source('{{end|point}}'), layers), /= `tcp:\/\/\{\{host\}\}:\{\{port\}\}`, which is `tcp:\/\/127\.0\.0\.1:5555`\n\nfrom this file, line 1/);
  });

  it('hover on a file variable overridden elsewhere says by what', () => {
    assert.match(hoverText('@u|ser = nobody\n', [{ source: 'environment', values: { user: 'me' } }]), /overridden by environment/);
  });

  it('hover on a run-time name says which step sets it', () => {
    const source = (ref: string) => `scenario s\n  socket server\n  bind tcp://127.0.0.1:* on server\n  accept c on server\n  repeat 3\n    send c "${ref}"\n  end\nend\n`;
    assert.match(hoverText(source('{{server.end|point}}')), /the endpoint socket `server` bound.*set by bind on line 3/);
    assert.match(hoverText(source('{{c.rou|tingId}}')), /routing id of peer `c` — set by accept on line 4/);
    assert.match(hoverText(source('{{|i}}')), /counter of the repeat on line 5, from 0 to 3/);
  });

  it('hover on an undefined variable says how to define it', () => {
    assert.match(hoverText(inScenario('send echo "{{nop|e}}"')), /undefined — define it with `@nope = …`/);
    assert.match(hoverText(inScenario('send echo "{{x.end|point}}"')), /a bind on socket `x` before this line sets it/);
  });

  it('hover on a keyword gives its one-line doc and a usage line', () => {
    const text = hoverText(inScenario('ex|pect echo any'));
    assert.match(text, /^\*\*expect\*\* — Takes the next frame from a peer/);
    assert.match(text, /```zmq\nexpect echo text "hello" within 2s\n```/);
    assert.match(hoverText(inScenario('send echo h|ex 01')), /\*\*hex\*\* — Bytes as pairs of hex digits/);
    assert.match(hoverText(inScenario('bind tcp://127.0.0.1:* o|n peer')), /\*\*on\*\* — The socket the step runs on/);
    assert.match(hoverText('scen|ario x\nend\n'), /\*\*scenario\*\*/);
  });

  it('hover on a socket option gives its libzmq option, default and the value written', () => {
    const text = hoverText(inScenario('socket s heartbeat|Interval=1s'));
    assert.match(text, /\*\*heartbeatInterval\*\* — ZMQ_HEARTBEAT_IVL/);
    assert.match(text, /Default: `0`/);
    assert.match(hoverText(inScenario('socket s lin|ger=0')), /Default: `1000 in scripts \(libzmq: -1\)`/);
    assert.match(text, /Here: `1000`/);
    assert.match(hoverText(inScenario('socket s linger=|-5')), /EINVAL/);
  });

  it('hover on an invalid regular expression shows the error, on a valid one what it must match', () => {
    assert.match(hoverText(inScenario('expect echo matches /(un|closed/')), /Invalid regular expression/);
    assert.match(hoverText(inScenario('expect echo matches /^po|ng$/i')), /`\/\^pong\$\/i`: must find a match in the frame read as UTF-8/);
  });

  it('hover on a duration gives it in milliseconds', () => {
    assert.match(hoverText(inScenario('wait echo connected within 1.|5s')), /1\.5 s \(1500 ms\)/);
  });

  it('gives no hover on blanks or past the end of the file', () => {
    assert.equal(hoverAt(inScenario('send echo "x" |')), undefined);
    assert.equal(hover('scenario s\nend\n', { line: 40, character: 0 }, { variables: variablesOf('') }), undefined);
  });

  it('never throws, whatever the text and the position', () => {
    const vocabulary = fc.constantFrom('scenario s\n', 'end\n', 'connect ', 'bind ', 'send a ', 'expect a ', 'socket s ', 'hex ', 'json ', '{{', '}}', '"', '{', '}', '/', '=', '@x = ', 'tcp://', 'ws://h:1/p', 'x', ' ', '\n', 'a');
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(vocabulary, { maxLength: 60 }).map((w) => w.join('')));
    fc.assert(
      fc.property(text, fc.nat(20), fc.nat(80), (source, line, character) => {
        hover(source, { line, character }, { variables: variablesOf(source) });
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('the shared documentation', () => {
  it('documents every keyword, payload format, matcher and socket option, with the libzmq option for each option but one', () => {
    for (const word of [...STEP_KEYWORDS, 'scenario', 'end', '@']) assert.ok(KEYWORD_DOCS[word]?.summary && KEYWORD_DOCS[word].usage.length > 0, word);
    for (const word of PAYLOAD_KEYWORDS) assert.ok(PAYLOAD_DOCS[word], word);
    for (const word of MATCHER_KEYWORDS) assert.ok(MATCHER_DOCS[word], word);
    // wssInsecureSkipVerify is the core's own: libzmq has no such option.
    assert.deepEqual(OPTION_NAMES.filter((name) => !/^ZMQ_[A-Z0-9_]+:/.test(OPTION_DOCS[name])), ['wssInsecureSkipVerify']);
  });
});

describe('hex dump', () => {
  it('puts 16 bytes on a row with the offset and the printable ASCII', () => {
    const bytes = Buffer.from('0123456789abcdef\x00Z', 'latin1');
    assert.equal(
      hexDump(bytes),
      '00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n00000010  00 5a                                             |.Z|',
    );
  });
});

describe('document symbols', () => {
  it('lists the file variables, then each scenario with its sockets and peers as children', () => {
    const source = `@echo = tcp://127.0.0.1:5555\nscenario one\n  socket server linger=0\n  bind tcp://127.0.0.1:* on server\n  accept client on server\n  repeat 2\n    connect {{echo}} as echo\n  end\nend\nscenario two\n  close\nend`;
    const symbols = documentSymbols(parseScript(source), source);
    assert.deepEqual(
      symbols.map((s) => [s.name, s.kind]),
      [
        ['@echo', SymbolKind.Variable],
        ['one', SymbolKind.Method],
        ['two', SymbolKind.Method],
      ],
    );
    assert.deepEqual(symbols[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 28 } });
    assert.deepEqual(symbols[0].selectionRange, { start: { line: 0, character: 1 }, end: { line: 0, character: 5 } });
    const one = symbols[1];
    assert.deepEqual(one.range, { start: { line: 1, character: 0 }, end: { line: 8, character: 3 } });
    assert.deepEqual(one.selectionRange, { start: { line: 1, character: 9 }, end: { line: 1, character: 12 } });
    assert.deepEqual(
      one.children!.map((c) => [c.name, c.kind, c.selectionRange.start.line]),
      [
        ['server', SymbolKind.Object, 2],
        ['client', SymbolKind.Field, 4],
        ['echo', SymbolKind.Field, 6],
      ],
    );
    assert.deepEqual(symbols[2].range.end, { line: 11, character: 3 });
  });

  it('keeps every selection range inside its range, on any text', () => {
    const inside = (outer: { start: { line: number; character: number }; end: { line: number; character: number } }, inner: typeof outer): boolean =>
      (inner.start.line > outer.start.line || (inner.start.line === outer.start.line && inner.start.character >= outer.start.character)) &&
      (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));
    const vocabulary = fc.constantFrom('scenario s\n', 'scenario "" \n', 'end\n', 'connect tcp://h:1 as p\n', 'socket x\n', 'repeat 2\n', '@v = 1\n', 'accept q\n', ' ', 'x');
    fc.assert(
      fc.property(fc.array(vocabulary, { maxLength: 40 }).map((w) => w.join('')), (source) => {
        for (const symbol of documentSymbols(parseScript(source), source)) {
          assert.ok(symbol.name !== '');
          assert.ok(inside(symbol.range, symbol.selectionRange), JSON.stringify(symbol));
          for (const child of symbol.children ?? []) assert.ok(inside(symbol.range, child.range) && inside(child.range, child.selectionRange));
        }
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe('code lenses', () => {
  it('puts Run file on line 0 and Run scenario on each scenario line, with the scenario name as argument', () => {
    const lenses = codeLenses(parseScript(ECHO), ECHO, 'file:///work/echo.zmq');
    assert.deepEqual(
      lenses.map((l) => [l.command!.title, l.range.start.line, l.command!.command, l.command!.arguments]),
      [
        ['▶ Run file', 0, RUN_SCRIPT_COMMAND, [{ uri: 'file:///work/echo.zmq' }]],
        ['▶ Run scenario', 1, 'zmqPeer.runScript', [{ uri: 'file:///work/echo.zmq', scenario: 'echo round trip' }]],
      ],
    );
    assert.deepEqual(lenses[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 28 } });
  });

  it('keeps the lenses when the file has errors', () => {
    const source = 'scenario broken\n  connect foo://x as a\n  send a hex zz\nscenario next\nend\n';
    const lenses = codeLenses(parseScript(source), source, 'file:///b.zmq');
    assert.deepEqual(
      lenses.map((l) => l.command!.arguments![0].scenario),
      [undefined, 'broken', 'next'],
    );
  });

  it('gives no lens to a file without scenarios: there is nothing to run', () => {
    assert.deepEqual(codeLenses(parseScript('@a = 1\n'), '@a = 1\n', 'file:///a.zmq'), []);
  });
});

describe('go to definition', () => {
  const SCRIPT = [
    '@echo = tcp://127.0.0.1:1',
    '@echo = tcp://127.0.0.1:5555',
    'scenario s',
    '  socket server',
    '  bind tcp://127.0.0.1:* on server',
    '  connect {{server.endpoint}} as srv',
    '  repeat 2 as n',
    '    send srv "{{n}} {{srv.routingId}} {{HOME}}"',
    '  end',
    '  connect {{echo}} as echo',
    '  close server',
    'end',
  ].join('\n');
  const at = (line: number, token: string, offset = 1) => {
    const character = SCRIPT.split('\n')[line].indexOf(token) + offset;
    return definition(SCRIPT, { line, character });
  };
  const range = (line: number, start: number, end: number) => ({ start: { line, character: start }, end: { line, character: end } });

  it('goes from a file variable to its last definition, which wins', () => {
    assert.deepEqual(at(9, '{{echo}}', 3), range(1, 1, 5));
  });

  it('goes from a run-time name to the step that sets it', () => {
    assert.deepEqual(at(5, '{{server.endpoint}}', 3), range(4, 7, 24));
    assert.deepEqual(at(7, '{{srv.routingId}}', 3), range(5, 33, 36));
    assert.deepEqual(at(7, '{{n}}', 2), range(6, 14, 15));
  });

  it('goes from a peer or socket name to the step that names it', () => {
    assert.deepEqual(at(7, 'srv'), range(5, 33, 36));
    assert.deepEqual(at(10, 'server'), range(3, 9, 15));
  });

  it('has nothing for a variable from outside the file, or a keyword', () => {
    assert.equal(at(7, '{{HOME}}', 3), undefined);
    assert.equal(at(10, 'close'), undefined);
  });
});

describe('security options in the editor', () => {
  const KEY = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';

  it('completes the PLAIN, CURVE and ZAP options after a socket name, with their libzmq names', () => {
    const items = completionsAt(inScenario('socket s curve|'));
    for (const name of ['curveServer', 'curvePublicKey', 'curveSecretKey', 'curveServerKey']) assert.ok(labels(items).includes(`${name}=`) || labels(items).includes(name), `${name} offered: ${labels(items).join(' ')}`);
    const all = completionsAt(inScenario('socket s |'));
    for (const name of ['plainServer', 'plainUsername', 'plainPassword', 'zapDomain', 'zapEnforceDomain']) assert.ok(labels(all).some((l) => l.startsWith(name)), `${name} offered`);
  });

  it('explains a CURVE option on hover and shows a public key as Z85', () => {
    const text = hoverText(inScenario(`socket s curveServer|Key="${KEY}"`));
    assert.match(text, /ZMQ_CURVE_SERVERKEY/);
    assert.ok(text.includes(`Here: \`${KEY}\``), text);
  });

  it('never shows a secret on hover, neither the option nor the variable behind it', () => {
    const layers = [{ source: '.env (/p/.env)', values: { secret: KEY } }];
    const onOption = hoverText(inScenario('socket s curveServer=true curveSecret|Key={{secret}}'), layers);
    assert.match(onOption, /Here: a secret, not shown/);
    const onVariable = hoverText(inScenario('socket s curveServer=true curveSecretKey={{se|cret}}'), layers);
    assert.match(onVariable, /a secret, not shown/);
    assert.match(onVariable, /from `?\.env/);
    for (const text of [onOption, onVariable]) assert.ok(!text.includes(KEY), text);
    const password = hoverText(inScenario('socket s plainUsername=bob plainPassword={{p|w}}'), [{ source: 'environment', values: { pw: 'hunter2' } }]);
    assert.ok(!password.includes('hunter2'), password);
  });
});
