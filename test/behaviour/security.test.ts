/**
 * PLAIN, CURVE and ZAP between the core's own sockets, over every wire transport: handshakes that
 * succeed (and what the debugger sees of them), each ZAP status with its consequences on both
 * sides, and failures that say what is wrong. libzmq on the other side: test/interop/security.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { Client, PROTOCOL_ERROR, Server, ZapResponder, z85Encode, type FrameRecord, type Peer, type PeerOptions } from '../../core/index';
import { handshakeEventsPerConnection, testTransports, transportOptions, uniqueEndpoint } from '../support/endpoints';
import { expectNoUnhandled, recordEvents, usePeers, waitUntil, withTimeout } from '../support/peers';

const serverKeys = nacl.box.keyPair();
const clientKeys = nacl.box.keyPair();
const SERVER_PUBLIC = z85Encode(serverKeys.publicKey);
const CLIENT_PUBLIC = z85Encode(clientKeys.publicKey);

const CURVE_SERVER: PeerOptions = { curveServer: true, curveSecretKey: z85Encode(serverKeys.secretKey) };
const CURVE_CLIENT: PeerOptions = { curveServerKey: SERVER_PUBLIC, curvePublicKey: CLIENT_PUBLIC, curveSecretKey: z85Encode(clientKeys.secretKey) };

function receive(socket: Peer, what = 'a message'): Promise<{ routingId: number; data: Buffer }> {
  return withTimeout(socket.receive(), 5000, what);
}

/** The tap's frames of a socket, kinds and directions only, with copies of the bodies. */
function tapOf(socket: Peer): FrameRecord[] {
  const frames: FrameRecord[] = [];
  socket.on('frame', (frame) => frames.push({ ...frame, body: Uint8Array.from(frame.body) }));
  return frames;
}

for (const transport of testTransports('tcp', 'ipc', 'ws', 'wss')) {
  describe(`security over ${transport}`, () => {
    expectNoUnhandled();
    const fixture = usePeers(transport);
    const { peer, server } = fixture;
    const handshakes = handshakeEventsPerConnection(transport);

    async function curvePair(serverOptions: PeerOptions = {}, clientOptions: PeerOptions = {}) {
      const bound = peer({ ...CURVE_SERVER, ...serverOptions });
      const endpoint = await bound.bind(uniqueEndpoint(transport));
      const connecting = peer({ ...CURVE_CLIENT, ...clientOptions });
      return { bound, endpoint, connecting, boundEvents: recordEvents(bound), connectingEvents: recordEvents(connecting) };
    }

    it('carries messages both ways under CURVE, 1 MiB included, and shows the handshake to a debugger', async () => {
      const { bound, endpoint, connecting } = await curvePair();
      const tap = tapOf(connecting);
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'hello over CURVE');
      const first = await receive(bound);
      assert.equal(first.data.toString(), 'hello over CURVE');
      const big = Buffer.alloc(1 << 20, 0x5a);
      big[12345] = 1;
      await bound.send(first.routingId, big);
      const reply = await receive(connecting, 'the 1 MiB reply');
      assert.ok(reply.data.equals(big));

      const info = connecting.connections()[0];
      assert.equal(info.mechanism, 'CURVE');
      assert.equal(info.securityRole, 'client');
      assert.equal(bound.connections()[0].securityRole, 'server');
      assert.equal(info.peerProperties['Socket-Type'], 'PEER');
      const kinds = tap.map((f) => `${f.direction} ${f.kind}`);
      const wire = transport === 'ws' || transport === 'wss' ? [] : ['out greeting', 'in greeting'];
      assert.deepEqual(kinds.slice(0, wire.length + 4), [...wire, 'out HELLO', 'in WELCOME', 'out INITIATE', 'in READY']);
      // The tap shows what is inside the MESSAGE boxes: the data as sent.
      const data = tap.filter((f) => f.kind === 'data');
      assert.equal(Buffer.from(data[0].body).toString(), 'hello over CURVE');
      assert.equal(data[1].size, 1 << 20);
    });

    it('runs CURVE for SERVER and CLIENT too', async () => {
      const bound = server(CURVE_SERVER);
      const endpoint = await bound.bind(uniqueEndpoint(transport));
      const client = new Client({ context: fixture.ctx, linger: 0, ...transportOptions(transport), ...CURVE_CLIENT });
      client.connect(endpoint);
      await waitUntil(() => client.connections()[0]?.state === 'ACTIVE', 5000, 'the CLIENT handshake');
      await client.send('from CLIENT');
      const got = await withTimeout((bound as Server).receive(), 5000, 'a message from CLIENT');
      assert.equal(got.data.toString(), 'from CLIENT');
      await bound.send(got.routingId, 'from SERVER');
      assert.equal((await withTimeout(client.receive(), 5000, 'the reply')).toString(), 'from SERVER');
      await client.close();
    });

    it('keeps a CURVE connection alive with heartbeats inside MESSAGE boxes', async () => {
      const { bound, endpoint, connecting, connectingEvents } = await curvePair({ heartbeatInterval: 50 }, { heartbeatInterval: 50, heartbeatTimeout: 400 });
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'x');
      await receive(bound);
      await waitUntil(() => (connecting.connections()[0]?.lastPongReceived ?? 0) > 0 && (bound.connections()[0]?.lastPingReceived ?? 0) > 0, 3000, 'PINGs answered both ways');
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(connectingEvents.ofType('DISCONNECTED'), [], 'no heartbeat timeout');
    });

    it('puts the ZAP user id and metadata in the server side peer properties', async () => {
      const { bound, endpoint, connecting } = await curvePair();
      const requests: unknown[] = [];
      bound.zapHandler = (request) => {
        requests.push({ mechanism: request.mechanism, key: request.clientKey, domain: request.domain, routingId: request.routingId.length });
        return { status: 200, userId: 'alice', metadata: { Role: 'admin', 'Socket-Type': 'forged' } };
      };
      bound.setOption('zapDomain', 'global');
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'who am I?');
      await receive(bound);
      assert.deepEqual(requests, [{ mechanism: 'CURVE', key: CLIENT_PUBLIC, domain: 'global', routingId: 0 }]);
      const properties = bound.connections()[0].peerProperties;
      assert.equal(properties['User-Id'], 'alice');
      assert.equal(properties.Role, 'admin');
      assert.equal(properties['Socket-Type'], 'forged', "ZAP's metadata wins over the peer's own, as in libzmq");
    });

    for (const status of [400, 500] as const) {
      it(`ends the client for good on ZAP ${status}: both sides report HANDSHAKE_FAILED_AUTH ${status} and say why`, async () => {
        const { bound, endpoint, connecting, boundEvents, connectingEvents } = await curvePair();
        bound.zapHandler = () => ({ status, statusText: 'unknown key' });
        const id = connecting.connectPeer(endpoint);
        const refused = await connectingEvents.waitFor('HANDSHAKE_FAILED_AUTH', undefined, 5000);
        assert.equal(refused.value, status);
        assert.equal(refused.error?.code, 'ERR_ZMTP_AUTH_REJECTED');
        assert.match(refused.error!.message, new RegExp(`^The server rejected our CURVE key ${escape(CLIENT_PUBLIC)} \\(ZAP ${status}: `));
        const denied = await boundEvents.waitFor('HANDSHAKE_FAILED_AUTH', undefined, 5000);
        assert.equal(denied.value, status);
        assert.equal(denied.error?.code, 'ERR_ZAP_DENIED');
        assert.match(denied.error!.message, /unknown key/);
        await connectingEvents.waitFor('DISCONNECTED', undefined, 3000);
        await assert.rejects(connecting.send(id, 'x'), { code: 'EHOSTUNREACH' });
        assert.deepEqual(connectingEvents.ofType('CONNECT_RETRIED'), [], 'an ERROR is a protocol error: no retry');
      });
    }

    it('closes without ERROR on ZAP 300; the client hears why it was dropped and tries again', async () => {
      const { bound, endpoint, connecting, boundEvents, connectingEvents } = await curvePair();
      let asked = 0;
      bound.zapHandler = () => (++asked === 1 ? { status: 300, statusText: 'busy' } : { status: 200 });
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'eventually');
      assert.equal((await receive(bound, 'the message after the retry')).data.toString(), 'eventually');
      assert.equal((await boundEvents.waitFor('HANDSHAKE_FAILED_AUTH')).value, 300);
      const dropped = await connectingEvents.waitFor('HANDSHAKE_FAILED_NO_DETAIL');
      assert.equal(dropped.error?.code, 'ERR_ZMTP_HANDSHAKE_CLOSED');
      assert.match(dropped.error!.message, /ZAP handler answers 300/);
      assert.equal(connectingEvents.ofType('HANDSHAKE_FAILED_AUTH').length, 0, 'no ERROR reached the client');
      assert.equal(asked, 2);
    });

    it("explains a wrong server key on both sides; the client keeps retrying, as libzmq's does", async () => {
      const { endpoint, connecting, boundEvents, connectingEvents } = await curvePair({}, { curveServerKey: nacl.box.keyPair().publicKey });
      connecting.connectPeer(endpoint);
      const server = await boundEvents.waitFor('HANDSHAKE_FAILED_PROTOCOL', undefined, 5000);
      assert.equal(server.value, PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC);
      assert.match(server.error!.message, new RegExp(`its curveServerKey must be ${escape(SERVER_PUBLIC)}`));
      const client = await connectingEvents.waitFor('HANDSHAKE_FAILED_NO_DETAIL', undefined, 5000);
      assert.equal(client.error?.code, 'ERR_CURVE_WRONG_SERVER_KEY');
      assert.equal(client.error?.step, 'HELLO');
      assert.match(connecting.connections()[0].lastError ?? '', /ERR_CURVE_WRONG_SERVER_KEY/);
      await connectingEvents.waitFor('CONNECT_RETRIED', undefined, 3000);
    });

    it('says "mechanism mismatch" when a CURVE client meets a NULL server', async () => {
      const bound = peer();
      const events = recordEvents(bound);
      const endpoint = await bound.bind(uniqueEndpoint(transport));
      const connecting = peer(CURVE_CLIENT);
      const connectingEvents = recordEvents(connecting);
      connecting.connectPeer(endpoint);
      const failed = await events.waitFor('HANDSHAKE_FAILED_PROTOCOL', undefined, 5000);
      assert.match(failed.error!.message, /mechanism mismatch: we offer NULL, the peer offers CURVE; the peer requires CURVE/i);
      if (transport === 'tcp' || transport === 'ipc') {
        const ours = await connectingEvents.waitFor('HANDSHAKE_FAILED_PROTOCOL', undefined, 5000);
        assert.equal(ours.value, PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH);
        assert.match(ours.error!.message, /^Mechanism mismatch: we offer CURVE, the peer offers NULL; the peer runs no security/);
      }
    });

    it('refuses every PLAIN client of a server without a ZAP handler, saying so on both sides', async () => {
      const bound = peer({ plainServer: true });
      const boundEvents = recordEvents(bound);
      const endpoint = await bound.bind(uniqueEndpoint(transport));
      const connecting = peer({ plainUsername: 'bob', plainPassword: 'pw' });
      const connectingEvents = recordEvents(connecting);
      connecting.connectPeer(endpoint);
      const server = await boundEvents.waitFor('HANDSHAKE_FAILED_NO_DETAIL', undefined, 5000);
      assert.equal(server.value, 14, 'EFAULT, as libzmq');
      assert.equal(server.error?.code, 'ERR_ZAP_NO_HANDLER');
      assert.match(server.error!.message, /^PLAIN server has no ZAP handler: libzmq then rejects every client/);
      const client = await connectingEvents.waitFor('HANDSHAKE_FAILED_NO_DETAIL', undefined, 5000);
      assert.equal(client.error?.code, 'ERR_ZMTP_HANDSHAKE_CLOSED');
      assert.match(client.error!.message, /no ZAP handler/);
    });

    it('answers PLAIN through a ZapResponder bound at inproc://zeromq.zap.01, as C code does', async () => {
      const responder = new ZapResponder({ context: fixture.ctx });
      responder.bind();
      const served = (async () => {
        const request = await responder.receive();
        responder.send(['1.0', request[1], '200', 'OK', 'bob@example', Buffer.from([4, ...Buffer.from('Team'), 0, 0, 0, 4, ...Buffer.from('blue')])]);
        return request.map((frame) => frame.toString());
      })();
      const bound = peer({ plainServer: true });
      const endpoint = await bound.bind(uniqueEndpoint(transport));
      const connecting = peer({ plainUsername: 'bob', plainPassword: 'hunter2' });
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'hi');
      await receive(bound);
      const request = await withTimeout(served, 3000, 'the ZAP request');
      const address = transport === 'ipc' ? '' : '127.0.0.1';
      assert.deepEqual(request, ['1.0', '1', '', address, '', 'PLAIN', 'bob', 'hunter2']);
      const properties = bound.connections()[0].peerProperties;
      assert.equal(properties['User-Id'], 'bob@example');
      assert.equal(properties.Team, 'blue');
      assert.equal(connecting.connections()[0].mechanism, 'PLAIN');
      await responder.close();
    });

    it('counts a ZAP handler that throws as status 500', async () => {
      const { bound, endpoint, connecting, boundEvents } = await curvePair();
      bound.zapHandler = () => {
        throw new Error('database down');
      };
      connecting.connectPeer(endpoint);
      const denied = await boundEvents.waitFor('HANDSHAKE_FAILED_AUTH', undefined, 5000);
      assert.equal(denied.value, 500);
      assert.match(denied.error!.message, /database down/);
    });

    it(`reports HANDSHAKE_SUCCEEDED ${handshakes === 2 ? 'twice (upgrade, then READY)' : 'once'} per CURVE connection`, async () => {
      const { bound, endpoint, connecting, connectingEvents } = await curvePair();
      const id = connecting.connectPeer(endpoint);
      await connecting.send(id, 'x');
      await receive(bound);
      assert.equal(connectingEvents.ofType('HANDSHAKE_SUCCEEDED').length, handshakes);
    });
  });
}

describe('ZapResponder', () => {
  const fixture = usePeers();

  it('binds only inproc://zeromq.zap.01, once per context', async () => {
    const responder = new ZapResponder({ context: fixture.ctx });
    assert.throws(() => responder.bind('inproc://elsewhere'), { code: 'ENOTSUP' });
    responder.bind();
    assert.throws(() => new ZapResponder({ context: fixture.ctx }).bind(), { code: 'EADDRINUSE' });
    responder.unbind();
    new ZapResponder({ context: fixture.ctx }).bind();
    await responder.close();
  });

  it('keeps REP order: EFSM for a reply before a request, or a receive before the reply', async () => {
    const responder = new ZapResponder({ context: fixture.ctx });
    responder.bind();
    assert.throws(() => responder.send(['1.0']), { code: 'EFSM' });
    const answer = responder.ask([Buffer.from('1.0'), Buffer.from('1')]);
    await responder.receive();
    await assert.rejects(responder.receive(), { code: 'EFSM' });
    responder.send(['1.0', '1', '200', '', '', '']);
    assert.equal((await answer).length, 6);
    await responder.close();
  });

  it('fails what it has not answered when it closes', async () => {
    const responder = new ZapResponder({ context: fixture.ctx });
    responder.bind();
    const pending = responder.ask([Buffer.from('1.0')]);
    const receiving = responder.receive();
    await receiving;
    await responder.close();
    await assert.rejects(pending, { code: 'ENOTSOCK' });
    await assert.rejects(responder.receive(), { code: 'ENOTSOCK' });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
