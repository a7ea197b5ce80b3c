/**
 * `zmq-peer tap` terminating CURVE as a user runs it: the secret keys come from environment
 * variables named by --curve-server-secret-env and --curve-client-secret-env, the tap says which
 * public keys the apps must trust and the upstream sees, prints the CURVE traffic decrypted, and
 * writes no secret to the terminal, the NDJSON file or the capture. Mistakes exit 2.
 *
 *   core PEER (CURVE client) ──▶ zmq-peer tap (child, terminating) ──▶ core PEER echo (CURVE server)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveKeypair, Peer } from '../../core/index';
import { cleanEnv, cli, spawnTapCli } from '../support/script-runs';

describe('zmq-peer tap: terminating CURVE', () => {
  let server: { publicKey: string; secretKey: string };
  let client: { publicKey: string; secretKey: string };
  let upstream: Peer;
  let upstreamEndpoint: string;
  let echo: Promise<void>;
  let tmp: string;
  before(async () => {
    server = await curveKeypair();
    client = await curveKeypair();
    upstream = new Peer({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
    upstreamEndpoint = await upstream.bind('tcp://127.0.0.1:*');
    echo = (async () => {
      for await (const { routingId, data } of upstream) await upstream.send(routingId, data).catch(() => undefined);
    })();
    tmp = mkdtempSync(join(tmpdir(), 'zmq-peer-tap-curve-'));
  });
  after(async () => {
    await upstream.close();
    await echo;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reads the keys from the environment, names the public keys and prints the messages decrypted', async () => {
    const ndjson = join(tmp, 'tap.ndjson');
    const pcapng = join(tmp, 'tap.pcapng');
    const args = ['tcp://127.0.0.1:*', upstreamEndpoint, '--curve-server-secret-env', 'SERVER_SECRET', '--curve-client-secret-env', 'CLIENT_SECRET', '--ndjson', ndjson, '--pcapng', pcapng];
    const tapCli = spawnTapCli(args, cleanEnv({ SERVER_SECRET: server.secretKey, CLIENT_SECRET: client.secretKey }));
    const { child, lines } = tapCli;
    const endpoint = await tapCli.endpoint;
    const app = new Peer({ linger: 0, curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey });
    try {
      const id = app.connectPeer(endpoint);
      await app.send(id, 'hello through curve');
      assert.equal((await app.receive()).data.toString(), 'hello through curve');
    } finally {
      await app.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0, tapCli.stderr());
    const text = lines.map((line) => line.replace(/^\d\d:\d\d:\d\d\.\d{6} /, 'T '));
    const escaped = (key: string): string => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const expected of [
      new RegExp(`terminating CURVE: apps must trust server key ${escaped(server.publicKey)}, the upstream sees client key ${escaped(client.publicKey)}`),
      /^T #1 app > upstream: greeting ZMTP 3\.1 CURVE \(terminated by the tap\)$/,
      /^T #1 app PEER > upstream: INITIATE Socket-Type=PEER/,
      /^T #1 upstream PEER > app: READY Socket-Type=PEER/,
      /^T #1: PEER → PEER: compatible$/,
      /^T #1 app PEER > upstream: message 1 frame 19 bytes: \[0\] 19 "hello through curve"$/,
      /^T #1 upstream PEER > app: message 1 frame 19 bytes: \[0\] 19 "hello through curve"$/,
    ]) {
      assert.ok(text.some((line) => expected.test(line)), `no line like ${expected} in\n${text.join('\n')}`);
    }
    const written = [lines.join('\n'), tapCli.stderr(), readFileSync(ndjson, 'latin1'), readFileSync(pcapng, 'latin1')];
    for (const secret of [server.secretKey, client.secretKey]) assert.ok(written.every((output) => !output.includes(secret)), 'no secret key in any output');
    const records = readFileSync(ndjson, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; from?: string; terminated?: boolean });
    assert.equal(records.filter((r) => r.kind === 'message').length, 2);
    assert.deepEqual(records.filter((r) => r.kind === 'greeting').map((r) => [r.from, r.terminated]).sort(), [['app', true], ['upstream', true]]);
  });

  it('exits 2 when a key is missing, not in the environment, or given literally', async () => {
    const base = ['tap', 'tcp://127.0.0.1:*', 'tcp://127.0.0.1:1'];
    const env = { SERVER_SECRET: server.secretKey, CLIENT_SECRET: client.secretKey, BAD_SECRET: `${server.secretKey.slice(0, 39)}"` };
    const cases: Array<[string[], RegExp]> = [
      [['--curve-server-secret-env', 'SERVER_SECRET'], /^zmq-peer tap: terminating CURVE needs both --curve-server-secret-env .* and --curve-client-secret-env/],
      [['--curve-server-secret-env', 'SERVER_SECRET', '--curve-client-secret-env', 'NOT_SET_ANYWHERE'], /^zmq-peer tap: --curve-client-secret-env NOT_SET_ANYWHERE: the environment variable NOT_SET_ANYWHERE is not set\n/],
      [['--curve-server-secret-env', server.secretKey, '--curve-client-secret-env', 'CLIENT_SECRET'], /^zmq-peer tap: --curve-server-secret-env takes the name of an environment variable, not a key: secrets are read from the environment only\n/],
      [['--curve-server-secret-env', 'BAD_SECRET', '--curve-client-secret-env', 'CLIENT_SECRET'], /^zmq-peer tap: Invalid argument: the CURVE server secret key is not valid Z85/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli([...base, ...args], { env });
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assert.ok(!stderr.includes(server.secretKey.slice(0, 30)), 'the error quotes no secret');
    }
  });
});
