/**
 * ws:// and wss:// (ZWS 2.0, RFC 45; protocol.md §3, §5.3, §5.4, §5.7 items 9–10) against real
 * libzmq 4.3.4, with our Peer as the connector and as the binder — the data path and endpoints:
 *   - round trips across the WebSocket length-field boundaries. The flags byte counts, so a
 *     message of n bytes is a payload of n + 1: 124/125 and 65534/65535 sit on either side of
 *     the 7-bit/16-bit and 16-bit/64-bit switches. Over ws a recording proxy checks the frames on
 *     the wire: minimal length forms, FIN set, the client masks and the server does not;
 *   - messages sent before the handshake, and before the binder exists;
 *   - binds with and without a path (libzmq's server ignores the path), LAST_ENDPOINT after a
 *     bind and after a connect (`ws://` even for wss), disconnect and unbind with those strings;
 *   - sub-protocol negotiation: `ZWS2.0/NULL,ZWS2.0` offered, `ZWS2.0/NULL` chosen, either way;
 *   - libzmq's monitor: two HANDSHAKE_SUCCEEDED per connection (upgrade, then READY), no failure.
 * Heartbeats, reconnects and the socket-type mismatch are in wss.interop.test.ts.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import type { Peer } from '../../core/index';
import type { LibzmqSocket } from '../support/libzmq';
import { hex } from '../support/hex';
import {
  HandshakeLedger,
  ROLES,
  WS_TRANSPORTS,
  interopTest,
  itReportsNoHandshakeFailures,
  OurEvents,
  connectPair,
  eventually,
  freeTcpPort,
  libEventNames,
  receiveWithin,
  tlsFor,
  type Harness,
  type Role,
  type WsTransportName,
} from '../support/interop';

const ledger = new HandshakeLedger();

const interop = interopTest(ledger);

/** Message sizes: empty, tiny, both sides of each length-form switch (payload = size + 1), 1 MiB. */
const SIZES = [0, 1, 124, 125, 126, 255, 256, 65534, 65535, 65536, 1 << 20];

/** Bytes of the extended length a minimal WebSocket header uses for a payload (RFC 6455 §5.2). */
const lengthBytesFor = (payload: number): number => (payload <= 125 ? 0 : payload <= 0xffff ? 2 : 8);

/** READY body of a PEER (NULL mechanism) as the tap shows it: name length, name, Socket-Type. */
const READY_PEER = hex('05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52');

/** The two directions of one connection through the proxy: `up` from the connector, `down` to it. */
interface ProxiedLink {
  readonly up: Buffer[];
  readonly down: Buffer[];
}

/**
 * A TCP relay on loopback that records what passes, to see the HTTP upgrade and the WebSocket
 * frames of a ws connection. `via` maps the binder's endpoint to the relay's.
 */
async function recordingProxy(h: Harness): Promise<{ links: ProxiedLink[]; via: (bound: string) => string }> {
  const links: ProxiedLink[] = [];
  const sockets = new Set<Socket>();
  let target = 0;
  const server = createServer((client) => {
    const link: ProxiedLink = { up: [], down: [] };
    links.push(link);
    const upstream = netConnect({ host: '127.0.0.1', port: target });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => void (link.up.push(chunk), upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (link.down.push(chunk), client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  h.defer(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  const port = (server.address() as AddressInfo).port;
  const via = (bound: string): string => {
    const match = /^ws:\/\/127\.0\.0\.1:(\d+)(\/.*)$/.exec(bound);
    assert.ok(match, `a loopback ws endpoint: ${bound}`);
    target = Number(match[1]);
    return `ws://127.0.0.1:${port}${match[2]}`;
  };
  return { links, via };
}

interface WireFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  /** 0 (7-bit length), 2 or 8 extended length bytes. */
  readonly lengthBytes: number;
  /** Unmasked. */
  readonly payload: Buffer;
}

/** One direction of a recorded ws connection: the HTTP head, then the WebSocket frames. */
function parseWire(chunks: Buffer[]): { head: string[]; frames: WireFrame[] } {
  const stream = Buffer.concat(chunks);
  const end = stream.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'an HTTP head');
  const frames: WireFrame[] = [];
  let pos = end + 4;
  while (pos < stream.length) {
    const [b0, b1] = [stream[pos], stream[pos + 1]];
    pos += 2;
    let length = b1 & 0x7f;
    const lengthBytes = length === 126 ? 2 : length === 127 ? 8 : 0;
    if (lengthBytes === 2) length = stream.readUInt16BE(pos);
    if (lengthBytes === 8) length = Number(stream.readBigUInt64BE(pos));
    pos += lengthBytes;
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? stream.subarray(pos, (pos += 4)) : undefined;
    const payload = Buffer.from(stream.subarray(pos, (pos += length)));
    assert.equal(payload.length, length, 'a whole frame');
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, lengthBytes, payload });
  }
  return { head: stream.subarray(0, end).toString('latin1').split('\r\n'), frames };
}

/** The values of one header in an HTTP head (every occurrence). */
function headerValues(head: string[], name: string): string[] {
  return head.slice(1).flatMap((line) => {
    const colon = line.indexOf(':');
    return line.slice(0, colon).toLowerCase() === name.toLowerCase() ? [line.slice(colon + 1).trim()] : [];
  });
}

/** The upgrade on the wire: libzmq's and our offer, the 101 with the chosen sub-protocol. */
function assertNegotiatedOnWire(link: ProxiedLink): void {
  const request = parseWire(link.up).head;
  const response = parseWire(link.down).head;
  assert.match(request[0], /^GET \/\S* HTTP\/1\.1$/);
  assert.deepEqual(headerValues(request, 'Sec-WebSocket-Protocol'), ['ZWS2.0/NULL,ZWS2.0'], request.join(' | '));
  assert.equal(response[0], 'HTTP/1.1 101 Switching Protocols');
  assert.deepEqual(headerValues(response, 'Sec-WebSocket-Protocol'), ['ZWS2.0/NULL'], response.join(' | '));
  // libzmq's client needs `Connection: upgrade` alone (protocol.md §3.5).
  assert.deepEqual(headerValues(response, 'Connection').map((v) => v.toLowerCase()), ['upgrade']);
}

/** libzmq's monitor shows one connection, its handshake reported twice: upgrade, then READY. */
async function assertOneConnection(lib: LibzmqSocket, role: Role): Promise<void> {
  await eventually(() => lib.eventsNamed('HANDSHAKE_SUCCEEDED').length >= 2, 'two HANDSHAKE_SUCCEEDED on libzmq');
  const names = libEventNames(lib).filter((n) => n !== 'CONNECT_DELAYED');
  const opening = role === 'ours-connects' ? ['LISTENING', 'ACCEPTED'] : ['CONNECTED'];
  assert.deepEqual(names, [...opening, 'HANDSHAKE_SUCCEEDED', 'HANDSHAKE_SUCCEEDED']);
}

/** Our socket and a libzmq PEER for one role, each with its side's TLS settings; not connected. */
async function sides(h: Harness, transport: WsTransportName, role: Role): Promise<{ ours: Peer; lib: LibzmqSocket }> {
  const [ourSide, libSide] = role === 'ours-connects' ? (['connect', 'bind'] as const) : (['bind', 'connect'] as const);
  const lib = await h.lib('PEER', { monitor: true, options: tlsFor(transport, libSide).lib });
  return { ours: h.peer(tlsFor(transport, ourSide).ours), lib };
}

describe('ws/wss: round trips across the WebSocket length-field boundaries', () => {
  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: ${SIZES.join(', ')} bytes both ways, intact, on one connection`, async (h) => {
        const proxy = transport === 'ws' ? await recordingProxy(h) : undefined;
        const { ours, lib, ourId, libId } = await connectPair(h, transport, role, { via: proxy?.via });
        for (const size of SIZES) {
          const payload = randomBytes(size);
          await ours.send(ourId, payload);
          const there = await lib.receive(10000);
          assert.equal(there.routingId, libId);
          assert.ok(there.data.equals(payload), `libzmq got ${there.data.length} bytes, we sent ${size}`);
          await lib.send(libId, payload);
          const back = await receiveWithin(ours, 10000);
          assert.equal(back.routingId, ourId);
          assert.ok(back.data.equals(payload), `we got ${back.data.length} bytes, libzmq sent ${size}`);
        }
        await assertOneConnection(lib, role);
        if (!proxy) return;

        // On the wire, each way: READY, then "ping"/"pong" and the messages, one frame each.
        assert.equal(proxy.links.length, 1, 'one connection through the proxy');
        for (const direction of ['up', 'down'] as const) {
          const { frames } = parseWire(proxy.links[0][direction]);
          const what = `${direction === 'up' ? 'connector' : 'binder'} (${role})`;
          assert.ok(frames.every((f) => f.fin && f.opcode === 2), `${what}: unfragmented binary frames only`);
          assert.ok(frames.every((f) => f.masked === (direction === 'up')), `${what}: only the client masks`);
          assert.ok(frames.every((f) => f.lengthBytes === lengthBytesFor(f.payload.length)), `${what}: minimal length forms`);
          assert.deepEqual([...frames[0].payload], [0x02, ...READY_PEER], `${what}: READY first, flags 02`);
          const data = frames.slice(1);
          assert.deepEqual(data.map((f) => f.payload[0]), data.map(() => 0), `${what}: data flags 00`);
          assert.deepEqual(data.map((f) => f.payload.length - 1), [4, ...SIZES], `${what}: message sizes`);
        }
      });
    }
  }
});

describe('ws/wss: messages sent before the connection exists', () => {
  const early = ['early 0', 'early 1', randomBytes(70000), 'early 3'];
  const same = (got: Buffer[]): void =>
    assert.deepEqual(got.map((b) => b.toString('hex')), early.map((m) => Buffer.from(m).toString('hex')));

  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      interop(`${transport}, ${role}: sent right after connect_peer, delivered in order after the handshake`, async (h) => {
        const { ours, lib } = await sides(h, transport, role);
        if (role === 'ours-connects') {
          const id = ours.connectPeer(await lib.bind(h.bindEndpoint(transport)));
          const sends = early.map((m) => ours.send(id, m));
          assert.notEqual(ours.connections()[0].state, 'ACTIVE');
          assert.equal(ours.connections()[0].queuedOut, early.length);
          await Promise.all(sends);
          const got = [];
          for (const _ of early) got.push(await lib.receive(5000));
          same(got.map((m) => m.data));
          await lib.send(got[0].routingId, 'ack');
          assert.equal((await receiveWithin(ours)).routingId, id);
        } else {
          const id = await lib.connectPeer(await ours.bind(h.bindEndpoint(transport)));
          for (const m of early) await lib.send(id, m);
          const got = [];
          for (const _ of early) got.push(await receiveWithin(ours));
          same(got.map((m) => m.data));
          await ours.send(got[0].routingId, 'ack');
          assert.equal((await lib.receive(5000)).routingId, id);
        }
        await assertOneConnection(lib, role);
      });

      interop(`${transport}, ${role}: sent before the binder exists, delivered once it binds`, async (h) => {
        const { ours, lib } = await sides(h, transport, role);
        const ourEvents = new OurEvents(ours);
        const endpoint = `${transport}://127.0.0.1:${await freeTcpPort()}`;
        if (role === 'ours-connects') {
          const id = ours.connectPeer(endpoint);
          for (const m of early) await ours.send(id, m);
          await ourEvents.wait('CONNECT_RETRIED', 5000);
          assert.equal(ours.connections()[0].queuedOut, early.length, 'still queued while nothing listens');
          await lib.bind(endpoint);
          const got = [];
          for (const _ of early) got.push(await lib.receive(5000));
          same(got.map((m) => m.data));
          await lib.send(got[0].routingId, 'ack');
          assert.equal((await receiveWithin(ours)).routingId, id);
          assert.ok(ours.connections()[0].reconnects >= 1);
        } else {
          const id = await lib.connectPeer(endpoint);
          for (const m of early) await lib.send(id, m);
          await lib.waitForEvent('CONNECT_RETRIED', 5000);
          await ours.bind(endpoint);
          const got = [];
          for (const _ of early) got.push(await receiveWithin(ours));
          same(got.map((m) => m.data));
          await ours.send(got[0].routingId, 'ack');
          assert.equal((await lib.receive(5000)).routingId, id);
          const names = libEventNames(lib);
          assert.ok(names.indexOf('CONNECT_RETRIED') < names.indexOf('CONNECTED'), names.join(' '));
          assert.equal(lib.eventsNamed('HANDSHAKE_SUCCEEDED').length, 2, names.join(' '));
        }
      });
    }
  }
});

/** libzmq's ZMQ_LAST_ENDPOINT after connecting to `text`, from a throw-away helper. */
async function libzmqConnectLastEndpoint(h: Harness, transport: WsTransportName, text: string): Promise<string> {
  const reference = await h.lib('PEER', { monitor: true, options: tlsFor(transport, 'connect').lib });
  const last = await reference.connect(text);
  // Closed only after its handshake, so that the binder sees no half-done connection.
  await eventually(() => reference.eventsNamed('HANDSHAKE_SUCCEEDED').length === 2, 'the reference connection');
  await reference.close();
  return last;
}

describe('ws/wss: bind paths and LAST_ENDPOINT', () => {
  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      for (const path of ['', '/roundtrip']) {
        interop(`${transport}, ${role}: bind ${transport}://127.0.0.1:*${path}, connect with other paths, LAST_ENDPOINT as libzmq's`, async (h) => {
          const { ours, lib } = await sides(h, transport, role);
          const bound = role === 'ours-connects' ? await lib.bind(`${transport}://127.0.0.1:*${path}`) : await ours.bind(`${transport}://127.0.0.1:*${path}`);
          // Numeric address, real port, the path as bound: '/' when there is none.
          const match = new RegExp(`^${transport}://127\\.0\\.0\\.1:(\\d+)${path || '/'}$`).exec(bound);
          assert.ok(match, bound);
          assert.equal(role === 'ours-connects' ? await lib.getOption('LAST_ENDPOINT') : ours.lastEndpoint, bound);
          const port = match[1];
          // The server ignores the path: connect with another one, and by host name.
          const texts = [`${transport}://127.0.0.1:${port}${path ? '' : '/roundtrip'}`, `${transport}://localhost:${port}/elsewhere`];
          const expected = [`ws://127.0.0.1:${port}${path ? '/' : '/roundtrip'}`, `ws://localhost:${port}/elsewhere`];
          for (const [i, text] of texts.entries()) {
            if (role === 'ours-connects') {
              const id = ours.connectPeer(text);
              assert.equal(ours.lastEndpoint, await libzmqConnectLastEndpoint(h, transport, text));
              assert.equal(ours.lastEndpoint, expected[i]);
              await ours.send(id, text);
              const m = await lib.receive(5000);
              assert.equal(m.data.toString(), text);
              await lib.send(m.routingId, 'ack');
              assert.equal((await receiveWithin(ours)).routingId, id);
            } else {
              const id = await lib.connectPeer(text);
              const reference = h.peer(tlsFor(transport, 'connect').ours);
              reference.connectPeer(text);
              assert.equal(await lib.getOption('LAST_ENDPOINT'), reference.lastEndpoint);
              assert.equal(reference.lastEndpoint, expected[i]);
              await reference.close();
              await lib.send(id, text);
              const m = await receiveWithin(ours);
              assert.equal(m.data.toString(), text);
              await ours.send(m.routingId, 'ack');
              assert.equal((await lib.receive(5000)).routingId, id);
            }
          }
          // As libzmq's test_roundtrip: disconnect with the text connected to, unbind with LAST_ENDPOINT.
          if (role === 'ours-connects') {
            ours.disconnect(texts[0]);
            assert.equal(ours.routingIds.length, 1);
            await lib.unbind(bound);
          } else {
            await lib.disconnect(texts[0]);
            await ours.unbind(bound);
            assert.deepEqual(ours.boundEndpoints, []);
          }
        });
      }
    }
  }
});

describe('ws/wss: sub-protocol negotiation', () => {
  for (const transport of WS_TRANSPORTS) {
    for (const role of ROLES) {
      const who = role === 'ours-connects' ? 'we offer, libzmq chooses' : 'libzmq offers, we choose';
      interop(`${transport}, ${role}: ${who} ZWS2.0/NULL; READY with Socket-Type PEER both ways`, async (h) => {
        const proxy = transport === 'ws' ? await recordingProxy(h) : undefined;
        const { ours, lib, frames } = await connectPair(h, transport, role, { via: proxy?.via });
        const [connection] = ours.connections();
        assert.equal(connection.zmtpVersion, 'ZWS2.0');
        assert.equal(connection.mechanism, 'NULL', 'bare ZWS2.0 has no mechanism');
        assert.deepEqual(connection.peerProperties, { 'Socket-Type': 'PEER' });
        assert.equal(connection.state, 'ACTIVE');
        // One READY each way, byte-identical (libzmq's is the reference: protocol.md §3.6).
        for (const direction of ['in', 'out'] as const) {
          assert.deepEqual(frames.of(direction, 'READY').map((f) => f.body.toString('hex')), [Buffer.from(READY_PEER).toString('hex')], direction);
        }
        await assertOneConnection(lib, role);
        if (proxy) {
          assert.equal(proxy.links.length, 1);
          assertNegotiatedOnWire(proxy.links[0]);
        }
      });
    }
  }
});

describe('ws/wss: libzmq never saw a failed handshake', () => {
  itReportsNoHandshakeFailures(ledger);
});
