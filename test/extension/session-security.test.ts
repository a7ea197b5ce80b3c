/**
 * The session with security profiles, against a real core: the debugger as a CURVE client and as a
 * CURVE server with an allow-list, as a PLAIN client and a PLAIN server; the handshake ladder's
 * HELLO, WELCOME, INITIATE and READY; the mechanism, role and User-Id of each connection; a wrong
 * server key and a refused password named on the failing step. And, over all of it, that no
 * secret (CURVE secret keys, PLAIN passwords, in any encoding) reaches the settings, the log (at
 * trace level, frame dumps included), what the webview is sent, the snapshot or the traffic export.
 * Also a tap terminating CURVE with two of those profiles between a core CURVE client and a core
 * CURVE server: the traffic decrypted in what the webview gets, the tap's row, and a wrong server
 * profile told once as a warning in the tap's words — with no secret in any of it, nor in the pcapng.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Context, curveKeypair, Peer, type CurveKeyPairText } from '../../core/index';
import { CurveKeyStore } from '../../extension/curve-key-store';
import { SettingsProfiles } from '../../extension/profile-resolver';
import { curveSecretId, plainPasswordId } from '../../extension/security-profiles';
import { ZmqSession } from '../../extension/session';
import type { SessionLogger } from '../../extension/session-settings';
import { TapFailureNotices, type TapFailure } from '../../extension/tap-failure-notices';
import type { HostEvent, LadderView, PeerView } from '../../webview/protocol';
import { memorySecrets, memoryState } from '../support/secret-stores';
import { waitForValue } from '../support/wait';


const waitFor = <T>(read: () => T, ok: (value: T) => boolean, what: string, timeout = 10000): Promise<T> => waitForValue(read, ok, what, timeout);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const PLAIN_CLIENT_PASSWORD = 'correct horse battery staple';
const PLAIN_SERVER_PASSWORD = 'Tr0ub4dor&3';
const WRONG_PASSWORD = 'guessing-1234';

interface Setup {
  session: ZmqSession;
  events: HostEvent[];
  log: string[];
  settings: unknown[];
  client: CurveKeyPairText & { readonly info: string };
  server: CurveKeyPairText;
  secretTexts: string[];
  profiles: SettingsProfiles;
}

/** A session whose profiles come from `settings` and whose secrets are in memory, with keys made by the key store. */
async function setup(): Promise<Setup> {
  const secrets = memorySecrets();
  const keys = new CurveKeyStore(memoryState(), secrets);
  const clientInfo = await keys.generate('laptop');
  const serverInfo = await keys.generate('stand-in');
  const client = { publicKey: clientInfo.publicKey, secretKey: secrets.map.get(curveSecretId('laptop'))!, info: clientInfo.name };
  const server = { publicKey: serverInfo.publicKey, secretKey: secrets.map.get(curveSecretId('stand-in'))! };
  const stranger = await curveKeypair();
  await secrets.store(plainPasswordId('plain-client'), PLAIN_SERVER_PASSWORD);
  await secrets.store(plainPasswordId('plain-wrong'), WRONG_PASSWORD);
  await secrets.store(plainPasswordId('plain-server', 'bob'), PLAIN_SERVER_PASSWORD);
  void PLAIN_CLIENT_PASSWORD;
  const settings: unknown[] = [
    { name: 'curve-server', mechanism: 'CURVE', role: 'server', keyPair: 'stand-in', allowedClients: { alice: client.publicKey } },
    { name: 'curve-client', mechanism: 'CURVE', role: 'client', keyPair: 'laptop', serverKey: server.publicKey },
    { name: 'curve-wrong-key', mechanism: 'CURVE', role: 'client', keyPair: 'laptop', serverKey: stranger.publicKey },
    { name: 'plain-server', mechanism: 'PLAIN', role: 'server', users: ['bob'] },
    { name: 'plain-client', mechanism: 'PLAIN', role: 'client', username: 'bob' },
    { name: 'plain-wrong', mechanism: 'PLAIN', role: 'client', username: 'bob' },
  ];
  const log: string[] = [];
  const logger: SessionLogger = {
    traceEnabled: true,
    info: (m) => log.push(m),
    warn: (m) => log.push(m),
    error: (m) => log.push(m),
    trace: (m) => log.push(m),
  };
  const context = new Context();
  const profiles = new SettingsProfiles(() => settings, secrets);
  const session = new ZmqSession({ context, logger, batchInterval: 10, rateInterval: 0, settings: { reconnectInterval: 50 }, profiles });
  const events: HostEvent[] = [];
  session.onEvent((e) => events.push(e));
  cleanups.push(() => context.term());
  cleanups.push(() => session.dispose());
  const secretTexts = [client.secretKey, server.secretKey, stranger.secretKey, PLAIN_SERVER_PASSWORD, WRONG_PASSWORD];
  return { session, events, log, settings, client, server, secretTexts, profiles };
}

/** The traffic frames the webview was sent, as [socket, direction, kind, text]. */
function trafficSent(events: readonly HostEvent[], socketId: string): [string, string, string][] {
  return events.flatMap((e) => (e.type === 'traffic' ? e.frames : [])).filter((f) => f.socketId === socketId).map((f) => [f.direction, f.kind, Buffer.from(f.data, 'base64').toString('latin1')]);
}

function ladderOf(session: ZmqSession, peer: PeerView): LadderView | undefined {
  return session.snapshot().ladders.find((l) => l.socketId === peer.socketId && l.connectionId === peer.connectionId);
}

function stepsOf(ladder: LadderView | undefined): string[] {
  return (ladder?.current.steps ?? []).map((s) => `${s.direction} ${s.label}`);
}

/** Every form a secret could take in text: as typed, its bytes in base64 and hex, and (CURVE) the 32 key bytes in base64 and hex. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('hex')];
  if (secret.length === 40) {
    // A Z85 key: its 32 raw bytes too.
    const raw = z85Bytes(secret);
    forms.push(raw.toString('base64').replace(/=+$/, ''), raw.toString('hex'));
  }
  return forms;
}

function z85Bytes(text: string): Buffer {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 85 + alphabet.indexOf(text[i + j]);
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

/** Fails naming where a secret was found. */
function assertNoSecret(where: string, text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const form of encodings(secret)) assert.ok(!text.includes(form), `${where} holds a secret (${form.slice(0, 6)}…)`);
  }
}

describe('session security profiles against a real core', () => {
  it('CURVE: the debugger as a server with an allow-list and as a client; ladder, mechanism, User-Id; a wrong server key named; no secret anywhere', async () => {
    const { session, events, log, settings, client, secretTexts } = await setup();
    const serverSocket = await session.socketForProfile('curve-server');
    assert.equal(await session.socketForProfile('curve-server'), serverSocket, 'a profile keeps its socket');
    const endpoint = await session.bind(serverSocket, 'tcp://127.0.0.1:*');
    const clientSocket = await session.socketForProfile('curve-client');
    const routingId = session.connectPeer(clientSocket, endpoint);
    assert.equal(await session.send(clientSocket, routingId, 'text', 'secured hello'), 13);

    const clientPeer = await waitFor(() => session.peers(clientSocket)[0], (p) => p?.state === 'ACTIVE', 'the client ACTIVE');
    const serverPeer = await waitFor(() => session.peers(serverSocket)[0], (p) => p?.state === 'ACTIVE' && p.messagesIn === 1, 'the server ACTIVE with the message');
    assert.deepEqual([clientPeer.mechanism, clientPeer.securityRole], ['CURVE', 'client']);
    assert.deepEqual([serverPeer.mechanism, serverPeer.securityRole, serverPeer.peerProperties['User-Id']], ['CURVE', 'server', 'alice']);
    const sockets = session.sockets();
    assert.deepEqual(sockets.find((s) => s.socketId === clientSocket)?.security, { profile: 'curve-client', mechanism: 'CURVE', role: 'client', publicKey: client.publicKey });
    assert.deepEqual(sockets.find((s) => s.socketId === serverSocket)?.label, 'PEER · curve-server');

    const ladder = await waitFor(() => ladderOf(session, clientPeer), (l) => stepsOf(l).includes('local ACTIVE'), 'the client ladder');
    assert.deepEqual(stepsOf(ladder).slice(0, 9), ['out tcp connect', 'in connected', 'out greeting', 'in greeting', 'out HELLO', 'in WELCOME', 'out INITIATE', 'in READY', 'local ACTIVE']);
    const detail = (label: string) => ladder!.current.steps.find((s) => s.label === label)?.detail;
    assert.equal(detail('greeting'), 'ZMTP 3.1 · CURVE · as-server 0');
    assert.equal(detail('HELLO'), 'CURVE 1.0 · nonce 1');
    assert.equal(detail('WELCOME'), 'server key and cookie, boxed');
    assert.match(detail('INITIATE') ?? '', /^cookie, vouch, metadata · \d+ B$/);
    assert.match(detail('READY') ?? '', /^metadata, boxed · nonce 1 · \d+ B$/);
    const kinds = ladder!.current.steps.filter((s) => ['HELLO', 'WELCOME', 'INITIATE'].includes(s.label)).map((s) => s.kind);
    assert.deepEqual(kinds, ['security', 'security', 'security']);
    const serverLadder = ladderOf(session, serverPeer);
    assert.deepEqual(stepsOf(serverLadder).slice(0, 8), ['in tcp accepted', 'out greeting', 'in greeting', 'in HELLO', 'out WELCOME', 'in INITIATE', 'out READY', 'local ACTIVE']);

    // A client profile with another server's key: the failing step says so and what to do.
    const wrongSocket = await session.socketForProfile('curve-wrong-key');
    session.connectPeer(wrongSocket, endpoint);
    const wrongPeer = await waitFor(() => session.peers(wrongSocket)[0], (p) => (p?.reconnects ?? 0) >= 1, 'a failed attempt');
    const wrongLadder = await waitFor(() => ladderOf(session, wrongPeer), (l) => (l?.lastFailed ?? l?.current)?.error != null, 'the failure');
    const failed = wrongLadder!.current.outcome === 'failed' ? wrongLadder!.current : wrongLadder!.lastFailed!;
    assert.equal(failed.error?.code, 'ERR_CURVE_WRONG_SERVER_KEY');
    assert.match(failed.error?.message ?? '', /its public key most likely does not match curveServerKey/);
    assert.match(failed.error?.advice ?? '', /security profile/);
    const failedSteps = failed.steps.map((s) => `${s.direction} ${s.label}`);
    // Then the retry, noted after the failure.
    assert.deepEqual(failedSteps.slice(failedSteps.indexOf('local ERR_CURVE_WRONG_SERVER_KEY') - 1).filter((s) => !s.startsWith('local retry')), ['out HELLO', 'local ERR_CURVE_WRONG_SERVER_KEY']);

    session.flush();
    assertNoSecret('the settings', JSON.stringify(settings), secretTexts);
    assertNoSecret('the log', log.join('\n'), secretTexts);
    assertNoSecret('what the webview is sent', JSON.stringify(events), secretTexts);
    assertNoSecret('the snapshot', JSON.stringify(session.snapshot()), secretTexts);
    assertNoSecret('the traffic export', session.exportTraffic(), secretTexts);
    assert.ok(log.some((line) => line.includes('HELLO')), 'the trace log did dump the handshake frames');
  });

  it('PLAIN: the debugger as a server admitting a listed user and as its client; a wrong password refused with ZAP 400 on the failing step; no password anywhere', async () => {
    const { session, events, log, settings, secretTexts } = await setup();
    const serverSocket = await session.socketForProfile('plain-server');
    const endpoint = await session.bind(serverSocket, 'tcp://127.0.0.1:*');
    const clientSocket = await session.socketForProfile('plain-client');
    const routingId = session.connectPeer(clientSocket, endpoint);
    await session.send(clientSocket, routingId, 'text', 'plain hello');
    const clientPeer = await waitFor(() => session.peers(clientSocket)[0], (p) => p?.state === 'ACTIVE', 'the client ACTIVE');
    const serverPeer = await waitFor(() => session.peers(serverSocket)[0], (p) => p?.state === 'ACTIVE' && p.messagesIn === 1, 'the server ACTIVE');
    assert.deepEqual([clientPeer.mechanism, clientPeer.securityRole], ['PLAIN', 'client']);
    assert.deepEqual([serverPeer.mechanism, serverPeer.securityRole, serverPeer.peerProperties['User-Id']], ['PLAIN', 'server', 'bob']);
    const ladder = await waitFor(() => ladderOf(session, clientPeer), (l) => stepsOf(l).includes('local ACTIVE'), 'the client ladder');
    assert.deepEqual(stepsOf(ladder).slice(2, 9), ['out greeting', 'in greeting', 'out HELLO', 'in WELCOME', 'out INITIATE', 'in READY', 'local ACTIVE']);
    const detail = (label: string) => ladder!.current.steps.find((s) => s.label === label)?.detail;
    assert.equal(detail('HELLO'), 'user "bob" · password hidden');
    assert.equal(detail('WELCOME'), 'credentials accepted');
    assert.equal(detail('INITIATE'), 'Socket-Type="PEER"');
    assert.equal(detail('READY'), 'Socket-Type="PEER"');
    // The HELLO as kept: the password's bytes are stars, the size is the wire's.
    const hello = session.trafficRecords().find((r) => r.kind === 'HELLO' && r.direction === 'out')!;
    assert.equal(Buffer.from(hello.data).toString('latin1'), `\x05HELLO\x03bob\x0b${'*'.repeat(11)}`);
    assert.equal(hello.size, hello.data.length);

    const wrongSocket = await session.socketForProfile('plain-wrong');
    session.connectPeer(wrongSocket, endpoint);
    const wrongPeer = await waitFor(() => session.peers(wrongSocket)[0], (p) => p !== undefined, 'the refused peer');
    const wrongLadder = await waitFor(() => ladderOf(session, wrongPeer), (l) => (l?.lastFailed ?? l?.current)?.error != null, 'the refusal');
    const failed = wrongLadder!.current.outcome === 'failed' ? wrongLadder!.current : wrongLadder!.lastFailed!;
    assert.equal(failed.error?.code, 'ERR_ZMTP_AUTH_REJECTED');
    assert.match(failed.error?.message ?? '', /ZAP 400/);
    assert.match(failed.error?.advice ?? '', /user name and password/);
    const failedSteps = failed.steps.map((s) => `${s.direction} ${s.label}`);
    const at = failedSteps.indexOf('local ERR_ZMTP_AUTH_REJECTED');
    assert.deepEqual(failedSteps.slice(at - 2, at + 1), ['out HELLO', 'in ERROR', 'local ERR_ZMTP_AUTH_REJECTED']);
    assert.match(failed.steps[at - 1]?.detail ?? '', /^reason "400" · ZAP refused$/);
    // The server side names the refusal too.
    await waitFor(() => session.snapshot().events.some((e) => e.socketId === serverSocket && e.type === 'HANDSHAKE_FAILED_AUTH'), (v) => v, 'the server refusing');

    session.flush();
    assertNoSecret('the settings', JSON.stringify(settings), secretTexts);
    assertNoSecret('the log', log.join('\n'), secretTexts);
    assertNoSecret('what the webview is sent', JSON.stringify(events), secretTexts);
    assertNoSecret('the snapshot', JSON.stringify(session.snapshot()), secretTexts);
    assertNoSecret('the traffic export', session.exportTraffic(), secretTexts);
  });

  it('terminating tap: a CURVE app and a CURVE server through the tap with a server and a client profile; traffic decrypted for the webview; the row says so; a wrong server profile warned once in the tap\'s words; no secret anywhere', async () => {
    const { session, events, log, settings, client, server, secretTexts, profiles } = await setup();
    const context = new Context();
    cleanups.push(() => context.term());
    // The upstream: a CURVE server with the key pair of profile "curve-server", admitting only the client key of "curve-client".
    const upstream = new Peer({ context, curveServer: true, curveSecretKey: server.secretKey });
    upstream.zapHandler = ({ clientKey }) => (clientKey === client.publicKey ? { status: 200, userId: 'tap' } : { status: 400, statusText: 'not allowed' });
    cleanups.push(() => upstream.close());
    const upstreamEndpoint = await upstream.bind('tcp://127.0.0.1:*');
    // The app has a key of its own, which the upstream would refuse: the upstream sees the tap's client key.
    const appKeys = await curveKeypair();
    const app = new Peer({ context, curveServerKey: server.publicKey, curvePublicKey: appKeys.publicKey, curveSecretKey: appKeys.secretKey });
    cleanups.push(() => app.close());
    const secrets = [...secretTexts, appKeys.secretKey];

    const notices: TapFailure[] = [];
    const notifier = new TapFailureNotices(session, (failure) => notices.push(failure));
    cleanups.push(async () => notifier.dispose());
    const { tapId, endpoint } = await session.startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstreamEndpoint, terminate: { serverProfile: 'curve-server', clientProfile: 'curve-client' } });
    const keys = { serverKey: server.publicKey, clientKey: client.publicKey, serverProfile: 'curve-server', clientProfile: 'curve-client' };
    assert.deepEqual(session.taps()[0].terminating, keys);
    assert.deepEqual(session.snapshot().sockets.find((s) => s.socketId === tapId)?.security, { profile: null, mechanism: 'terminating CURVE', role: null, publicKey: null, terminating: keys });

    const routingId = app.connectPeer(endpoint);
    await app.send(routingId, 'the plans, sealed');
    const received = await upstream.receive();
    assert.equal(Buffer.from(received.data).toString(), 'the plans, sealed');
    assert.equal(upstream.connections()[0].peerProperties['User-Id'], 'tap', 'the upstream admitted the tap\'s client key');
    await upstream.send(received.routingId, 'reply, sealed');
    assert.equal(Buffer.from((await app.receive()).data).toString(), 'reply, sealed');

    // The pair: both socket types (the app's from its INITIATE, opened), ACTIVE, no diagnosis.
    const pair = await waitFor(() => session.snapshot().peers.find((p) => p.socketId === tapId), (p) => p?.state === 'ACTIVE' && p.messagesIn === 1, 'the pair ACTIVE with the reply');
    assert.deepEqual([pair!.pair?.appSocketType, pair!.pair?.upstreamSocketType, pair!.pair?.diagnosis, pair!.mechanism], ['PEER', 'PEER', null, 'CURVE']);
    // What the webview gets: the messages decrypted, as a NULL pair's; the handshake named.
    session.flush();
    const sent = trafficSent(events, tapId);
    assert.deepEqual(sent.filter(([, kind]) => kind === 'data'), [['out', 'data', 'the plans, sealed'], ['in', 'data', 'reply, sealed']]);
    const commands = sent.filter(([, kind]) => kind !== 'data').map(([dir, kind]) => `${dir} ${kind}`);
    for (const expected of ['out greeting', 'in greeting', 'out HELLO', 'in WELCOME', 'out INITIATE', 'in READY']) assert.ok(commands.includes(expected), `${expected} in ${commands.join(', ')}`);
    assert.ok(!sent.some(([, kind]) => kind === 'MESSAGE'), 'no MESSAGE box shown: its contents are');
    const ladder = ladderOf(session, pair!);
    assert.equal(ladder!.current.steps.find((s) => s.label === 'INITIATE')?.detail, 'Socket-Type="PEER" · opened by the tap');
    assert.equal(ladder!.current.steps.find((s) => s.label === 'READY')?.detail, 'Socket-Type="PEER" · opened by the tap');
    assert.ok(stepsOf(ladder).includes('out data 17 B'), stepsOf(ladder).join(', '));
    assert.ok(log.some((line) => line.includes(`terminating CURVE: apps must trust server key ${server.publicKey} (profile "curve-server")`)), 'the log says how the tap runs');

    // A second tap with the wrong server profile (another key pair than the server the app trusts): one warning, in the tap's words.
    settings.push({ name: 'curve-other-server', mechanism: 'CURVE', role: 'server', keyPair: 'laptop' });
    profiles.reload();
    const wrong = await session.startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstreamEndpoint, terminate: { serverProfile: 'curve-other-server', clientProfile: 'curve-client' } });
    // Its client profile names the upstream's key, the server profile another: the log says which one the tap uses upstream.
    assert.ok(log.some((line) => line.startsWith(`tap: client profile "curve-client" names server key ${server.publicKey}, but the tap connects upstream as a client of server profile "curve-other-server" (public key ${client.publicKey})`)));
    const failing = new Peer({ context, reconnectInterval: -1, curveServerKey: server.publicKey, curvePublicKey: appKeys.publicKey, curveSecretKey: appKeys.secretKey });
    cleanups.push(() => failing.close());
    failing.connectPeer(wrong.endpoint);
    await waitFor(() => notices.length, (n) => n > 0, 'the warning');
    assert.equal(notices[0].tapId, wrong.tapId);
    assert.equal(notices[0].listen, wrong.endpoint);
    assert.match(notices[0].diagnosis, new RegExp(`^app's CURVE HELLO did not open with the server key the tap was given: the app trusts another server public key than ${client.publicKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; give the tap the secret key of the server`));
    const failedPair = await waitFor(() => session.snapshot().peers.find((p) => p.socketId === wrong.tapId && p.ended), (p) => p !== undefined, 'the failed pair');
    assert.equal(failedPair?.pair?.diagnosis, notices[0].diagnosis, 'the pair row says the same');
    // Every connection fails the same way: the user is told once per tap.
    const again = new Peer({ context, reconnectInterval: -1, curveServerKey: server.publicKey, curvePublicKey: appKeys.publicKey, curveSecretKey: appKeys.secretKey });
    cleanups.push(() => again.close());
    again.connectPeer(wrong.endpoint);
    await waitFor(() => session.snapshot().peers.filter((p) => p.socketId === wrong.tapId && p.ended).length, (n) => n === 2, 'the second failed pair');
    session.flush();
    assert.equal(notices.length, 1);
    // The first tap is not warned about: its connection worked.
    assert.ok(!notices.some((n) => n.tapId === tapId));

    // Profiles of the wrong kind, or none, are refused before anything listens.
    await assert.rejects(session.startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstreamEndpoint, terminate: { serverProfile: 'curve-client', clientProfile: 'curve-client' } }), { code: 'EPROFILE', message: /profile "curve-client" is a CURVE client profile; terminating CURVE needs a CURVE server profile/ });
    await assert.rejects(session.startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstreamEndpoint, terminate: { serverProfile: 'curve-server', clientProfile: 'plain-client' } }), { code: 'EPROFILE', message: /needs a CURVE client profile/ });
    await assert.rejects(session.startTap({ listen: 'tcp://127.0.0.1:*', upstream: upstreamEndpoint, terminate: { serverProfile: 'nope', clientProfile: 'curve-client' } }), { code: 'EPROFILE' });
    assert.equal(session.taps().length, 2);

    session.flush();
    assertNoSecret('the settings', JSON.stringify(settings), secrets);
    assertNoSecret('the log', log.join('\n'), secrets);
    assertNoSecret('what the webview is sent', JSON.stringify(events), secrets);
    assertNoSecret('the snapshot', JSON.stringify(session.snapshot()), secrets);
    assertNoSecret('the traffic export', session.exportTraffic(), secrets);
    assertNoSecret('the tree and commands\' tap list', JSON.stringify(session.taps()), secrets);
    for (const format of ['zmtp', 'tcp'] as const) {
      const capture = Buffer.from(session.exportTapCapture(format)!);
      assert.ok(capture.includes(Buffer.from('the plans, sealed')), `the ${format} capture holds the decrypted message`);
      assertNoSecret(`the ${format} capture`, capture.toString('latin1'), secrets);
      for (const secret of secrets.filter((x) => x.length === 40)) assert.ok(!capture.includes(z85Bytes(secret)), `the ${format} capture holds a secret key's bytes`);
    }
  });

  it('offers the profiles to the debugger, makes a new socket when a profile changes, and names an unknown profile', async () => {
    const { session, events, settings, profiles } = await setup();
    assert.deepEqual(session.snapshot().profiles.map((p) => `${p.name}: ${p.description}`).slice(0, 2), [
      `curve-server: CURVE server · key pair "stand-in" · 1 allowed client key`,
      `curve-client: CURVE client · key pair "laptop" · server key ${(settings[1] as { serverKey: string }).serverKey.slice(0, 8)}…`,
    ]);
    const first = await session.socketForProfile('plain-client');
    // Two asks at once make one socket.
    const [a, b] = await Promise.all([session.socketForProfile('curve-client'), session.socketForProfile('curve-client')]);
    assert.equal(a, b);
    (settings[4] as { username: string }).username = 'carol';
    profiles.reload();
    assert.notEqual(await session.socketForProfile('plain-client'), first, 'a changed profile gets a fresh socket');
    await assert.rejects(session.socketForProfile('nope'), { code: 'EPROFILE' });
    session.profilesChanged();
    assert.ok(events.some((e) => e.type === 'profiles' && e.profiles.length === 6));
  });
});
