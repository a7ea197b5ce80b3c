/**
 * PLAIN (RFC 24), CURVE (RFC 25/26) and ZAP (RFC 27) against real libzmq 4.3.4 (built with
 * libsodium), with our Peer as the client and as the server, over tcp and ws (and ipc, wss for the
 * CURVE round trip):
 *   - PLAIN accepted (ZAP 200) and rejected (300, 400), and a PLAIN server without a ZAP handler;
 *   - CURVE accepted, with the ZAP user id and metadata seen by the side that asked ZAP; a wrong
 *     server key; an unknown client key refused by ZAP; heartbeats; 1 MiB messages; SERVER and
 *     CLIENT; a mechanism mismatch;
 *   - a replayed or reordered MESSAGE nonce closes the connection, on libzmq and on ours alike;
 *   - Z85 and CURVE keys: our codec and key functions give libzmq's answers and errors.
 * Each scenario checks the monitor events of both sides. libzmq's ZAP handler is the helper's (a
 * REP at inproc://zeromq.zap.01 answering by rules).
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { Client, curveKeypair, curvePublic, PROTOCOL_ERROR, Server, z85Decode, z85Encode, type PeerOptions } from '../../core/index';
import { encodeProperties } from '../../core/zmtp/command';
import type { LibzmqSocket, LibzmqZapRule } from '../support/libzmq';
import { RawCurveClient } from '../support/raw-curve';
import {
  HandshakeLedger,
  ROLES,
  OurEvents,
  connectPair,
  eventually,
  interopTest,
  itReportsNoHandshakeFailures,
  libEventNames,
  receiveWithin,
  sleep,
  tlsFor,
  type Harness,
  type InteropTransportName,
  type Role,
} from '../support/interop';

const ledger = new HandshakeLedger();
const interop = interopTest(ledger);

/** The transports every security scenario runs over: a byte stream and a WebSocket. */
const TRANSPORTS = ['tcp', 'ws'] as const;

/** How long a test watches for reconnects that must not happen. */
const QUIET_MS = 600;

const EFAULT = 14;

const serverKeys = nacl.box.keyPair();
const clientKeys = nacl.box.keyPair();
const SERVER = { public: z85Encode(serverKeys.publicKey), secret: z85Encode(serverKeys.secretKey) };
const CLIENT = { public: z85Encode(clientKeys.publicKey), secret: z85Encode(clientKeys.secretKey) };

const OURS_CURVE_SERVER: PeerOptions = { curveServer: true, curveSecretKey: SERVER.secret };
const OURS_CURVE_CLIENT: PeerOptions = { curveServerKey: SERVER.public, curvePublicKey: CLIENT.public, curveSecretKey: CLIENT.secret };
const LIB_CURVE_SERVER = { CURVE_SERVER: 1, CURVE_SECRETKEY: SERVER.secret };
const LIB_CURVE_CLIENT = { CURVE_SERVERKEY: SERVER.public, CURVE_PUBLICKEY: CLIENT.public, CURVE_SECRETKEY: CLIENT.secret };

/** ZAP metadata in ZMTP property encoding, as the helper's ZAP handler sends it. */
const metadata = (properties: Record<string, string>): Uint8Array => encodeProperties(Object.entries(properties).map(([name, value]) => [name, Buffer.from(value)] as const));

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** libzmq's HANDSHAKE_SUCCEEDED events per connection: two over ws and wss (upgrade, then the mechanism). */
const succeeded = (transport: InteropTransportName): string[] => (transport === 'ws' || transport === 'wss' ? ['HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED'] : ['HANDSHAKE_SUCCEEDED']);

/**
 * A pair whose handshake is expected to fail: libzmq binds or connects with `lib` options (and ZAP
 * rules), ours does the other, nothing is awaited beyond the bind.
 */
async function failingPair(h: Harness, transport: InteropTransportName, role: Role, options: { ours: PeerOptions; lib: Record<string, number | string>; zap?: LibzmqZapRule[] }) {
  const ourSide = role === 'ours-connects' ? 'connect' : 'bind';
  const libSide = role === 'ours-connects' ? 'bind' : 'connect';
  const ours = h.peer({ ...tlsFor(transport, ourSide).ours, ...options.ours });
  const ourEvents = new OurEvents(ours);
  const lib = await h.lib('PEER', { monitor: true, expectHandshakeFailures: true, options: { ...tlsFor(transport, libSide).lib, ...options.lib } });
  for (const rule of options.zap ?? []) await lib.zap(rule);
  let ourId: number | undefined;
  if (role === 'ours-connects') ourId = ours.connectPeer(await lib.bind(h.bindEndpoint(transport)));
  else await lib.connectPeer(await ours.bind(h.bindEndpoint(transport)));
  return { ours, ourEvents, lib, ourId };
}

/** The ZAP rules libzmq's handler gets for a pair whose server is libzmq's. */
const zapRules = (rules: LibzmqZapRule[]) => async (lib: LibzmqSocket) => {
  for (const rule of rules) await lib.zap(rule);
};

describe('interop: PLAIN (RFC 24) and ZAP', () => {
  for (const transport of TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: ZAP 200 lets the client in; the server side sees its User-Id and ZAP metadata`, async (h) => {
        if (role === 'ours-connects') {
          const { ours, lib } = await connectPair(h, transport, role, {
            ours: { plainUsername: 'bob', plainPassword: 'hunter2' },
            lib: { options: { PLAIN_SERVER: 1 } },
            prepare: zapRules([{ credential: 'bob', status: 200, userId: 'bob@example', metadata: metadata({ Team: 'blue' }) }]),
          });
          // connectPair's last libzmq receive was our "ping": its properties are the connection's.
          assert.equal(await lib.gets('User-Id'), 'bob@example');
          assert.equal(await lib.gets('Team'), 'blue');
          assert.equal(lib.zapRequests.length, 1);
          const request = lib.zapRequests[0];
          assert.deepEqual([request.mechanism, request.domain, request.address, request.credentials.map(String)], ['PLAIN', '', '127.0.0.1', ['bob', 'hunter2']]);
          assert.equal(ours.connections()[0].mechanism, 'PLAIN');
          assert.equal(ours.connections()[0].securityRole, 'client');
          assert.deepEqual(libEventNames(lib), ['LISTENING', 'ACCEPTED', ...succeeded(transport)]);
        } else {
          const seen: string[] = [];
          const { ours, lib } = await connectPair(h, transport, role, {
            ours: {
              plainServer: true,
              zapHandler: (request) => {
                seen.push(`${request.mechanism} ${request.username}:${request.password} from ${request.address}`);
                return { status: 200, userId: 'bob@example', metadata: { Team: 'blue' } };
              },
            },
            lib: { options: { PLAIN_USERNAME: 'bob', PLAIN_PASSWORD: 'hunter2' } },
          });
          assert.deepEqual(seen, ['PLAIN bob:hunter2 from 127.0.0.1']);
          const properties = ours.connections()[0].peerProperties;
          assert.equal(properties['User-Id'], 'bob@example');
          assert.equal(properties.Team, 'blue');
          assert.equal(properties['Socket-Type'], 'PEER');
          assert.deepEqual(libEventNames(lib), ['CONNECT_DELAYED', 'CONNECTED', ...succeeded(transport)]);
        }
      });

      interop(`${transport}, ${role}: ZAP 400 refuses the client with ERROR "400": HANDSHAKE_FAILED_AUTH 400 on both sides, no retry`, async (h) => {
        const { ourEvents, lib, ours, ourId } =
          role === 'ours-connects'
            ? await failingPair(h, transport, role, { ours: { plainUsername: 'bob', plainPassword: 'wrong' }, lib: { PLAIN_SERVER: 1 }, zap: [{ credential: '*', status: 400 }] })
            : await failingPair(h, transport, role, { ours: { plainServer: true, zapHandler: () => ({ status: 400, statusText: 'bad password' }) }, lib: { PLAIN_USERNAME: 'bob', PLAIN_PASSWORD: 'wrong' } });
        const libAuth = await lib.waitForEvent('HANDSHAKE_FAILED_AUTH', 5000);
        assert.equal(libAuth.value, 400);
        const ourAuth = await ourEvents.wait('HANDSHAKE_FAILED_AUTH', 5000);
        assert.equal(ourAuth.value, 400);
        if (role === 'ours-connects') {
          assert.equal(ourAuth.error?.code, 'ERR_ZMTP_AUTH_REJECTED');
          assert.match(ourAuth.error!.message, /^The server rejected our PLAIN credentials for user "bob" \(ZAP 400: authentication failure\)/);
          await ourEvents.wait('DISCONNECTED', 3000);
          await assert.rejects(ours.send(ourId!, 'x'), { code: 'EHOSTUNREACH' });
        } else {
          assert.equal(ourAuth.error?.code, 'ERR_ZAP_DENIED');
          assert.match(ourAuth.error!.message, /PLAIN user "bob" \(400 bad password\)/);
          await lib.waitForEvent('DISCONNECTED', 3000);
        }
        await sleep(QUIET_MS);
        assert.equal(ourEvents.named('CONNECT_RETRIED').length + lib.eventsNamed('CONNECT_RETRIED').length, 0, 'an ERROR is final: nobody retries');
      });

      interop(`${transport}, ${role}: ZAP 300 sends no ERROR: the server reports HANDSHAKE_FAILED_AUTH 300, the client none`, async (h) => {
        if (role === 'ours-connects') {
          // libzmq's server then goes quiet and keeps the connection until a handshake timer ends it.
          const { ourEvents, lib, ours } = await failingPair(h, transport, role, {
            ours: { plainUsername: 'bob', plainPassword: 'pw', handshakeInterval: 500 },
            lib: { PLAIN_SERVER: 1 },
            zap: [{ credential: '*', status: 300 }],
          });
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_AUTH', 5000)).value, 300);
          if (transport === 'tcp') {
            // libzmq 4.3.4 then either hangs up (our error says what a hang-up after HELLO means) or
            // stays quiet until our handshake timer fires, depending on an errno its monitor
            // event may overwrite; either way the client retries, and no ERROR ever came.
            const dropped = await ourEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000);
            if (dropped.error?.code === 'ERR_ZMTP_HANDSHAKE_CLOSED') assert.match(dropped.error.message, /answers 300/);
            else assert.equal(dropped.error?.code, 'ERR_ZMTP_HANDSHAKE_TIMEOUT');
            await ourEvents.wait('CONNECT_RETRIED', 3000);
          } else {
            // Neither libzmq nor we time a handshake over ws: the connection waits (or, when libzmq
            // hangs up, starts again); it never completes.
            await sleep(QUIET_MS);
            assert.notEqual(ours.connections()[0].state, 'ACTIVE');
          }
          assert.equal(ourEvents.named('HANDSHAKE_FAILED_AUTH').length, 0);
        } else {
          const { ourEvents, lib } = await failingPair(h, transport, role, { ours: { plainServer: true, zapHandler: () => ({ status: 300 }) }, lib: { PLAIN_USERNAME: 'bob', PLAIN_PASSWORD: 'pw' } });
          assert.equal((await ourEvents.wait('HANDSHAKE_FAILED_AUTH', 5000)).value, 300);
          // We hang up without ERROR: libzmq's client sees a lost connection and tries again.
          await lib.waitForEvent('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          await lib.waitForEvent('CONNECT_RETRIED', 5000);
          assert.equal(lib.eventsNamed('HANDSHAKE_FAILED_AUTH').length, 0);
        }
      });

      interop(`${transport}, ${role}: a PLAIN server without a ZAP handler refuses every client (HANDSHAKE_FAILED_NO_DETAIL, EFAULT)`, async (h) => {
        if (role === 'ours-connects') {
          const { lib } = await failingPair(h, transport, role, { ours: { plainUsername: 'bob', plainPassword: 'pw' }, lib: { PLAIN_SERVER: 1 } });
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_NO_DETAIL', 5000)).value, EFAULT);
          // With a monitor attached, libzmq's ws engine keeps the refused connection open (the
          // monitor event clobbers errno); without one it hangs up, which our client explains.
          const quiet = await h.lib('PEER', { options: { ...tlsFor(transport, 'bind').lib, PLAIN_SERVER: 1 } });
          const client = h.peer({ ...tlsFor(transport, 'connect').ours, plainUsername: 'bob', plainPassword: 'pw' });
          const clientEvents = new OurEvents(client);
          client.connectPeer(await quiet.bind(h.bindEndpoint(transport)));
          const dropped = await clientEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          assert.equal(dropped.error?.code, 'ERR_ZMTP_HANDSHAKE_CLOSED');
          assert.match(dropped.error!.message, /no ZAP handler/);
        } else {
          const { ourEvents, lib } = await failingPair(h, transport, role, { ours: { plainServer: true }, lib: { PLAIN_USERNAME: 'bob', PLAIN_PASSWORD: 'pw' } });
          const refused = await ourEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          assert.equal(refused.value, EFAULT);
          assert.match(refused.error!.message, /^PLAIN server has no ZAP handler: libzmq then rejects every client/);
          await lib.waitForEvent('HANDSHAKE_FAILED_NO_DETAIL', 5000);
        }
      });
    }
  }
});

describe('interop: CURVE (RFC 25/26) and ZAP', () => {
  for (const transport of TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: accepted by ZAP with the client's key; User-Id and metadata reach the server side; 1 MiB both ways`, async (h) => {
        let pair;
        if (role === 'ours-connects') {
          pair = await connectPair(h, transport, role, {
            ours: OURS_CURVE_CLIENT,
            lib: { options: LIB_CURVE_SERVER },
            prepare: zapRules([{ credential: clientKeys.publicKey, status: 200, userId: 'alice', metadata: metadata({ Role: 'admin' }) }]),
          });
          assert.equal(await pair.lib.gets('User-Id'), 'alice');
          assert.equal(await pair.lib.gets('Role'), 'admin');
          assert.deepEqual(pair.lib.zapRequests.map((r) => [r.mechanism, Buffer.from(r.credentials[0]).equals(clientKeys.publicKey), r.identity.length]), [['CURVE', true, 0]]);
        } else {
          const keys: Array<string | undefined> = [];
          pair = await connectPair(h, transport, role, {
            ours: { ...OURS_CURVE_SERVER, zapHandler: (request) => (keys.push(request.clientKey), { status: 200, userId: 'alice', metadata: { Role: 'admin' } }) },
            lib: { options: LIB_CURVE_CLIENT },
          });
          assert.deepEqual(keys, [CLIENT.public]);
          const properties = pair.ours.connections()[0].peerProperties;
          assert.deepEqual([properties['User-Id'], properties.Role, properties['Socket-Type']], ['alice', 'admin', 'PEER']);
        }
        const { ours, lib, ourId, libId, frames } = pair;
        assert.equal(ours.connections()[0].mechanism, 'CURVE');
        assert.deepEqual(
          frames.list.filter((f) => ['HELLO', 'WELCOME', 'INITIATE', 'READY'].includes(f.kind)).map((f) => `${f.direction} ${f.kind}`),
          role === 'ours-connects' ? ['out HELLO', 'in WELCOME', 'out INITIATE', 'in READY'] : ['in HELLO', 'out WELCOME', 'in INITIATE', 'out READY'],
        );
        const up = randomBytes(1 << 20);
        await ours.send(ourId, up);
        assert.ok((await lib.receive(10000)).data.equals(up), '1 MiB from us to libzmq');
        const down = randomBytes(1 << 20);
        await lib.send(libId, down);
        assert.ok((await receiveWithin(ours, 10000)).data.equals(down), '1 MiB from libzmq to us');
      });

      interop(`${transport}, ${role}: a wrong server key fails on CRYPTOGRAPHIC at the server, and the client is told to check its key`, async (h) => {
        const wrong = z85Encode(nacl.box.keyPair().publicKey);
        if (role === 'ours-connects') {
          const { ourEvents, lib } = await failingPair(h, transport, role, { ours: { ...OURS_CURVE_CLIENT, curveServerKey: wrong }, lib: LIB_CURVE_SERVER });
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC);
          const dropped = await ourEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          assert.equal(dropped.error?.code, 'ERR_CURVE_WRONG_SERVER_KEY');
          assert.match(dropped.error!.message, new RegExp(`does not match curveServerKey \\(${escape(wrong)}\\)`));
          await ourEvents.wait('CONNECT_RETRIED', 3000);
        } else {
          const { ourEvents, lib } = await failingPair(h, transport, role, { ours: OURS_CURVE_SERVER, lib: { ...LIB_CURVE_CLIENT, CURVE_SERVERKEY: wrong } });
          const failed = await ourEvents.wait('HANDSHAKE_FAILED_PROTOCOL', 5000);
          assert.equal(failed.value, PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC);
          assert.match(failed.error!.message, new RegExp(`its curveServerKey must be ${escape(SERVER.public)}`));
          await lib.waitForEvent('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          await lib.waitForEvent('CONNECT_RETRIED', 5000);
        }
      });

      interop(`${transport}, ${role}: ZAP lets a known client key in and refuses an unknown one with 400`, async (h) => {
        const stranger = nacl.box.keyPair();
        const STRANGER = { public: z85Encode(stranger.publicKey), secret: z85Encode(stranger.secretKey) };
        if (role === 'ours-connects') {
          const lib = await h.lib('PEER', { monitor: true, expectHandshakeFailures: true, options: { ...tlsFor(transport, 'bind').lib, ...LIB_CURVE_SERVER } });
          await lib.zap({ credential: clientKeys.publicKey, status: 200, userId: 'known' });
          const endpoint = await lib.bind(h.bindEndpoint(transport));
          const known = h.peer({ ...tlsFor(transport, 'connect').ours, ...OURS_CURVE_CLIENT });
          const knownId = known.connectPeer(endpoint);
          await known.send(knownId, 'let me in');
          assert.equal((await lib.receive(5000)).data.toString(), 'let me in');
          const unknown = h.peer({ ...tlsFor(transport, 'connect').ours, ...OURS_CURVE_CLIENT, curvePublicKey: STRANGER.public, curveSecretKey: STRANGER.secret });
          const unknownEvents = new OurEvents(unknown);
          unknown.connectPeer(endpoint);
          const refused = await unknownEvents.wait('HANDSHAKE_FAILED_AUTH', 5000);
          assert.equal(refused.value, 400);
          assert.match(refused.error!.message, new RegExp(`^The server rejected our CURVE key ${escape(STRANGER.public)} \\(ZAP 400: authentication failure\\)`));
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_AUTH', 5000)).value, 400);
          assert.equal(lib.zapRequests.length, 2);
        } else {
          const ours = h.peer({ ...tlsFor(transport, 'bind').ours, ...OURS_CURVE_SERVER, zapHandler: (request) => (request.clientKey === CLIENT.public ? { status: 200 } : { status: 400, statusText: 'unknown key' }) });
          const ourEvents = new OurEvents(ours);
          const endpoint = await ours.bind(h.bindEndpoint(transport));
          const known = await h.lib('PEER', { monitor: true, options: { ...tlsFor(transport, 'connect').lib, ...LIB_CURVE_CLIENT } });
          const knownId = await known.connectPeer(endpoint);
          await known.send(knownId, 'let me in');
          assert.equal((await receiveWithin(ours)).data.toString(), 'let me in');
          const unknown = await h.lib('PEER', { monitor: true, expectHandshakeFailures: true, options: { ...tlsFor(transport, 'connect').lib, ...LIB_CURVE_CLIENT, CURVE_PUBLICKEY: STRANGER.public, CURVE_SECRETKEY: STRANGER.secret } });
          await unknown.connectPeer(endpoint);
          assert.equal((await unknown.waitForEvent('HANDSHAKE_FAILED_AUTH', 5000)).value, 400);
          const denied = await ourEvents.wait('HANDSHAKE_FAILED_AUTH', 5000);
          assert.match(denied.error!.message, new RegExp(`CURVE client key ${escape(STRANGER.public)} \\(400 unknown key\\)`));
          await sleep(QUIET_MS);
          assert.equal(unknown.eventsNamed('CONNECT_RETRIED').length, 0, 'libzmq does not retry after an ERROR');
        }
      });

      interop(`${transport}, ${role}: heartbeats keep a CURVE connection alive in both directions`, async (h) => {
        const heartbeats = { ours: { heartbeatInterval: 100, heartbeatTimeout: 600 }, lib: { HEARTBEAT_IVL: 100, HEARTBEAT_TIMEOUT: 600 } };
        const { ours, lib, ourId, libId, ourEvents } = await connectPair(h, transport, role, {
          ours: { ...(role === 'ours-connects' ? OURS_CURVE_CLIENT : OURS_CURVE_SERVER), ...heartbeats.ours },
          lib: { options: { ...(role === 'ours-connects' ? LIB_CURVE_SERVER : LIB_CURVE_CLIENT), ...heartbeats.lib } },
        });
        await eventually(() => (ours.connections()[0].lastPingReceived ?? 0) > 0 && (ours.connections()[0].lastPongReceived ?? 0) > 0, 'PINGs and PONGs both ways', 5000);
        await sleep(1000);
        assert.deepEqual(ourEvents.named('DISCONNECTED'), [], ourEvents.describe());
        assert.equal(lib.eventsNamed('DISCONNECTED').length, 0, libEventNames(lib).join(' '));
        await ours.send(ourId, 'still here');
        assert.equal((await lib.receive(3000)).data.toString(), 'still here');
        await lib.send(libId, 'me too');
        assert.equal((await receiveWithin(ours)).data.toString(), 'me too');
      });

      interop(`${transport}, ${role}: our CURVE against libzmq's NULL fails on both sides, and ours says why`, async (h) => {
        const { ourEvents, lib } = await failingPair(h, transport, role, { ours: role === 'ours-connects' ? OURS_CURVE_CLIENT : OURS_CURVE_SERVER, lib: {} });
        if (transport === 'tcp') {
          // libzmq compares mechanisms when it has our greeting and hangs up before sending the
          // rest of its own, so we never see its mechanism: our error says what that means.
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH);
          const ours = await ourEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000);
          assert.equal(ours.error?.code, 'ERR_ZMTP_HANDSHAKE_CLOSED');
          assert.match(ours.error!.message, /closed the connection during the greeting.*does not run CURVE/);
        } else if (role === 'ours-connects') {
          // libzmq's ws server hangs up on a sub-protocol it does not run, without answering.
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.WS_UNSPECIFIED);
          assert.match((await ourEvents.wait('HANDSHAKE_FAILED_NO_DETAIL', 5000)).error!.message, /it may not run CURVE \(we offered ZWS2\.0\/CURVE\)/);
        } else {
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.WS_UNSPECIFIED);
          const ours = await ourEvents.wait('HANDSHAKE_FAILED_PROTOCOL', 5000);
          assert.match(ours.error!.message, /mechanism mismatch: we offer CURVE, the peer offers NULL; the peer runs no security/);
        }
      });

      interop(`${transport}, ${role}: libzmq's CURVE against our NULL is a mechanism mismatch`, async (h) => {
        const { ourEvents, lib } = await failingPair(h, transport, role, { ours: {}, lib: role === 'ours-connects' ? LIB_CURVE_SERVER : LIB_CURVE_CLIENT });
        if (transport === 'tcp') {
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH);
          await ourEvents.wait('DISCONNECTED', 5000);
        } else {
          assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 5000)).value, PROTOCOL_ERROR.WS_UNSPECIFIED);
          if (role === 'libzmq-connects') {
            const ours = await ourEvents.wait('HANDSHAKE_FAILED_PROTOCOL', 5000);
            assert.match(ours.error!.message, /mechanism mismatch: we offer NULL, the peer offers CURVE; the peer requires CURVE/);
          }
        }
      });
    }
  }

  for (const transport of ['ipc', 'wss'] as const) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: a CURVE round trip`, async (h) => {
        const { ours } = await connectPair(h, transport, role, {
          ours: role === 'ours-connects' ? OURS_CURVE_CLIENT : OURS_CURVE_SERVER,
          lib: { options: role === 'ours-connects' ? LIB_CURVE_SERVER : LIB_CURVE_CLIENT },
        });
        assert.equal(ours.connections()[0].mechanism, 'CURVE');
      });
    }
  }

  interop('tcp: our CURVE SERVER talks to libzmq CLIENT, our CURVE CLIENT to libzmq SERVER', async (h) => {
    const server = new Server({ context: h.context, linger: 0, ...OURS_CURVE_SERVER });
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const libClient = await h.lib('CLIENT', { monitor: true, options: LIB_CURVE_CLIENT });
    await libClient.connect(endpoint);
    await libClient.send(0, 'from libzmq CLIENT');
    const got = await server.receive();
    assert.equal(got.data.toString(), 'from libzmq CLIENT');
    await server.send(got.routingId, 'from our SERVER');
    assert.equal((await libClient.receive(5000)).data.toString(), 'from our SERVER');

    const libServer = await h.lib('SERVER', { monitor: true, options: LIB_CURVE_SERVER });
    const libEndpoint = await libServer.bind('tcp://127.0.0.1:*');
    const client = new Client({ context: h.context, linger: 0, ...OURS_CURVE_CLIENT });
    client.connect(libEndpoint);
    await eventually(() => client.connections()[0]?.state === 'ACTIVE', 'our CLIENT handshake');
    await client.send('from our CLIENT');
    const received = await libServer.receive(5000);
    assert.equal(received.data.toString(), 'from our CLIENT');
    await libServer.send(received.routingId, 'from libzmq SERVER');
    assert.equal((await client.receive()).toString(), 'from libzmq SERVER');
  });
});

describe('interop: a replayed or reordered CURVE MESSAGE ends the connection', () => {
  for (const misuse of ['replayed', 'reordered'] as const) {
    const second = misuse === 'replayed' ? 5n : 4n;

    interop(`tcp, libzmq server: a ${misuse} nonce is INVALID_SEQUENCE and is not delivered`, async (h) => {
      // Without a monitor libzmq hangs up; with one, the event clobbers errno and libzmq 4.3.4
      // leaves the connection open but reads no more from it. Both are checked.
      for (const monitor of [false, true]) {
        const lib = await h.lib('PEER', { monitor, expectHandshakeFailures: true, options: LIB_CURVE_SERVER });
        const raw = await RawCurveClient.connect(await lib.bind('tcp://127.0.0.1:*'), serverKeys.publicKey, clientKeys);
        h.defer(() => raw.connection.destroy());
        raw.connection.write(raw.message('first', 5n));
        assert.equal((await lib.receive(3000)).data.toString(), 'first');
        raw.connection.write(raw.message('not again', second));
        if (monitor) assert.equal((await lib.waitForEvent('HANDSHAKE_FAILED_PROTOCOL', 3000)).value, PROTOCOL_ERROR.ZMTP_INVALID_SEQUENCE);
        else await raw.connection.waitClosed(5000);
        await assert.rejects(lib.receive(200), { code: 'EAGAIN' });
      }
    });

    interop(`tcp, our server: a ${misuse} nonce is INVALID_SEQUENCE, named, and ends the connection`, async (h) => {
      const ours = h.peer(OURS_CURVE_SERVER);
      const ourEvents = new OurEvents(ours);
      const raw = await RawCurveClient.connect(await ours.bind('tcp://127.0.0.1:*'), serverKeys.publicKey, clientKeys);
      h.defer(() => raw.connection.destroy());
      raw.connection.write(raw.message('first', 5n));
      assert.equal((await receiveWithin(ours, 3000)).data.toString(), 'first');
      raw.connection.write(raw.message('not again', second));
      await raw.connection.waitClosed(5000);
      const failed = await ourEvents.wait('HANDSHAKE_FAILED_PROTOCOL', 3000);
      assert.equal(failed.value, PROTOCOL_ERROR.ZMTP_INVALID_SEQUENCE);
      assert.equal(failed.error?.code, 'ERR_ZMTP_INVALID_SEQUENCE');
      assert.match(failed.error!.message, new RegExp(`nonce ${second} is not above the last one received \\(5\\)`));
      await ourEvents.wait('DISCONNECTED', 3000);
      await assert.rejects(receiveWithin(ours, 200), { code: 'EAGAIN' });
    });
  }
});

describe('interop: Z85 and CURVE keys as libzmq computes them', () => {
  interop('encodes and decodes what libzmq does, and refuses what libzmq refuses', async (h) => {
    const lib = await h.lib('PEER');
    for (let i = 0; i < 40; i++) {
      const bytes = randomBytes(4 * (i % 12));
      const text = await lib.z85Encode(bytes);
      assert.equal(z85Encode(bytes), text, bytes.toString('hex'));
      if (bytes.length > 0) assert.deepEqual(Buffer.from(z85Decode(text)), await lib.z85Decode(text));
    }
    for (const bad of ['abcd', 'abc~d', '#####', '%nSc1', 'HelloWorl', '0000000000%nSc1']) {
      await assert.rejects(lib.z85Decode(bad), { code: 'EINVAL' }, `libzmq refuses ${bad}`);
      assert.throws(() => z85Decode(bad), { code: 'EINVAL' }, `we refuse ${bad}`);
    }
  });

  interop("derives libzmq's public keys, and libzmq derives ours", async (h) => {
    const lib = await h.lib('PEER');
    for (let i = 0; i < 5; i++) {
      const theirs = await lib.curveKeypair();
      assert.equal(await curvePublic(theirs.secretKey), theirs.publicKey);
      const ours = await curveKeypair();
      assert.equal(await lib.curvePublic(ours.secretKey), ours.publicKey);
    }
  });
});

itReportsNoHandshakeFailures(ledger);
