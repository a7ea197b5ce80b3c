/**
 * `zmq-peer tap` as a user runs it (a child process, stopped with Ctrl-C): a line per greeting,
 * command, message and event, the NDJSON file with the fields the issue names, a pcapng file, and
 * exit status 2 for command-line mistakes.
 *
 *   core PEER ──▶ zmq-peer tap (child) ──▶ core PEER echo
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Peer } from '../../core/index';
import { cleanEnv, cli, spawnTapCli, startCoreEcho, type CoreEcho } from '../support/script-runs';

describe('zmq-peer tap', () => {
  let echo: CoreEcho;
  let tmp: string;
  before(async () => {
    echo = await startCoreEcho();
    tmp = mkdtempSync(join(tmpdir(), 'zmq-peer-tap-'));
  });
  after(async () => {
    await echo.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the traffic until Ctrl-C and writes NDJSON and pcapng', async () => {
    const ndjson = join(tmp, 'tap.ndjson');
    const pcapng = join(tmp, 'tap.pcapng');
    const tapCli = spawnTapCli(['tcp://127.0.0.1:*', echo.endpoint, '--ndjson', ndjson, '--pcapng', pcapng], cleanEnv());
    const { child, lines } = tapCli;
    const endpoint = await tapCli.endpoint;
    const client = new Peer({ linger: 0 });
    try {
      const id = client.connectPeer(endpoint);
      await client.send(id, 'hello tap');
      assert.equal((await client.receive()).data.toString(), 'hello tap');
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, tapCli.stderr());
    assert.match(tapCli.stderr(), /zmq-peer tap: stopped after 1 connection\n$/);
    const text = lines.map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{6} /, 'T '));
    for (const expected of [
      /^T #1: app connected from 127\.0\.0\.1:\d+; connecting to upstream tcp:\/\/127\.0\.0\.1:\d+$/,
      /^T #1 app > upstream: greeting ZMTP 3\.1 NULL$/,
      /^T #1 app PEER > upstream: READY Socket-Type=PEER$/,
      /^T #1 upstream PEER > app: READY Socket-Type=PEER$/,
      /^T #1: PEER → PEER: compatible$/,
      /^T #1 app PEER > upstream: message 1 frame 9 bytes: \[0\] 9 "hello tap"$/,
      /^T #1 upstream PEER > app: message 1 frame 9 bytes: \[0\] 9 "hello tap"$/,
      /^T #1: app closed the connection; the tap closed the upstream leg: app sent 1 messages \(\d+ bytes\), upstream sent 1 messages \(\d+ bytes\)$/,
    ]) {
      assert.ok(text.some((line) => expected.test(line)), `no line like ${expected} in\n${text.join('\n')}`);
    }
    const records = readFileSync(ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const sent = records.find((r) => r.kind === 'message' && r.from === 'app');
    assert.deepEqual(sent && { ...sent, time: typeof sent.time }, {
      time: 'string',
      connection: 1,
      from: 'app',
      kind: 'message',
      name: 'message',
      socketType: 'PEER',
      size: 9,
      frames: [{ size: 9, more: false, data: Buffer.from('hello tap').toString('base64') }],
    });
    assert.ok(records.every((r) => !Number.isNaN(Date.parse(r.time as string))), 'ISO 8601 times');
    const verdict = records.find((r) => r.kind === 'event' && r.name === 'socket-types');
    assert.equal(verdict?.text, 'PEER → PEER: compatible');
    const greeting = records.find((r) => r.kind === 'greeting' && r.from === 'upstream');
    assert.deepEqual(greeting && [greeting.name, greeting.version, greeting.mechanism], ['ZMTP', '3.1', 'NULL']);
    const capture = readFileSync(pcapng);
    assert.equal(capture.readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header');
    assert.ok(capture.length > 500);
  });

  it('shows its help, and exits 2 for mistakes on the command line', async () => {
    const help = await cli(['tap', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: zmq-peer tap \[options\] LISTEN UPSTREAM\n/);
    const cases: Array<[string[], RegExp]> = [
      [['tap', 'tcp://127.0.0.1:*'], /^zmq-peer tap: tap needs LISTEN and UPSTREAM endpoints, got "tcp:\/\/127\.0\.0\.1:\*"\n/],
      [['tap', 'tcp://127.0.0.1:*', 'tcp://127.0.0.1:1', '--policy', 'drop'], /^zmq-peer tap: --policy drop: mirror or hold\n/],
      [['tap', 'tcp://127.0.0.1:*', 'tcp://127.0.0.1:1', '--pcapng-format', 'pcap'], /^zmq-peer tap: --pcapng-format pcap: zmtp or tcp\n/],
      [['tap', 'tcp://127.0.0.1:*', 'ws://127.0.0.1:1'], /^zmq-peer tap: Protocol not supported: both legs of a tap must be ws:\/\/, or both tcp:\/\/ \/ ipc:\/\//],
      [['tap', 'inproc://a', 'tcp://127.0.0.1:1'], /^zmq-peer tap: The protocol is not compatible with the socket type: inproc:\/\/ has no wire to tap/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
    }
  });
});
