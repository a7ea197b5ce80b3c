/**
 * What a PEER does with bytes a libzmq peer would never send: each bad connection is closed with
 * a named ZmtpError in its monitor events, and only that connection; the socket and its other
 * peers go on as if nothing happened (protocol.md §2.4, §2.8, §6.3). Multipart input is dropped
 * whole, and maxMessageSize ends only the connection that broke it. tcp and ipc: raw ZMTP bytes
 * need a ZMTP wire (ws and wss have their own file, ws-bad-input).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Peer, type PeerOptions, type ReceivedMessage } from '../../core';
import type { MonitorEventType } from '../../core/events';
import { ascii, concat, hex } from '../support/hex';
import { testTransports, uniqueEndpoint } from '../support/endpoints';
import { delay, expectNoUnhandled, recordEvents, usePeers, withTimeout, type EventLog } from '../support/peers';
import { rawCommand, rawError, rawFrame, rawGreeting, rawReady, rawZmtpClient } from '../support/raw-zmtp';

function receive(socket: Peer, what = 'a message'): Promise<ReceivedMessage> {
  return withTimeout(socket.receive(), 3000, what);
}

/** 256 bytes from a fixed xorshift sequence: garbage, but the same garbage every run. */
function garbage(): Uint8Array {
  const out = new Uint8Array(256);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface BadInput {
  readonly what: string;
  /** Whether the raw peer completes a proper handshake before sending `bytes`. */
  readonly afterHandshake?: boolean;
  readonly bytes: Uint8Array;
  /** The named error DISCONNECTED carries (a RegExp for garbage, whose first bytes decide). */
  readonly code: string | RegExp;
  /** The HANDSHAKE_FAILED_* event before DISCONNECTED and its value, if libzmq reports one. */
  readonly failed?: { readonly type: MonitorEventType; readonly value: number };
}

/** READY whose only property claims a 4-byte value but carries 2. */
const TRUNCATED_READY = rawCommand('READY', concat(Uint8Array.of(11), ascii('Socket-Type'), hex('00 00 00 04'), ascii('PE')));

const BAD_INPUTS: readonly BadInput[] = [
  { what: 'random garbage', bytes: garbage(), code: /^ERR_ZMTP_/ },
  { what: 'an HTTP request instead of a signature', bytes: ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), code: 'ERR_ZMTP_BAD_SIGNATURE' },
  { what: 'a signature without bit 0 of byte 9', bytes: hex('FF 00 00 00 00 00 00 00 00 7E 03 01'), code: 'ERR_ZMTP_BAD_SIGNATURE' },
  { what: 'a ZMTP 2.0 greeting', bytes: hex('FF 00 00 00 00 00 00 00 01 7F 01 05'), code: 'ERR_ZMTP_UNSUPPORTED_VERSION' },
  {
    what: 'a greeting naming mechanism PLAIN',
    bytes: rawGreeting({ mechanism: 'PLAIN' }),
    code: 'ERR_ZMTP_MECHANISM_MISMATCH',
    failed: { type: 'HANDSHAKE_FAILED_PROTOCOL', value: 0x11000002 },
  },
  {
    what: 'a data frame before READY',
    bytes: concat(rawGreeting(), rawFrame('abc')),
    code: 'ERR_ZMTP_UNEXPECTED_COMMAND',
    failed: { type: 'HANDSHAKE_FAILED_PROTOCOL', value: 0x10000001 },
  },
  {
    what: 'a command other than READY during the handshake',
    bytes: concat(rawGreeting(), rawCommand('SUBSCRIBE', ascii('x'))),
    code: 'ERR_ZMTP_UNEXPECTED_COMMAND',
    failed: { type: 'HANDSHAKE_FAILED_PROTOCOL', value: 0x10000001 },
  },
  // libzmq closes silently on bad READY metadata: DISCONNECTED only.
  { what: 'a truncated READY', bytes: concat(rawGreeting(), TRUNCATED_READY), code: 'ERR_ZMTP_INVALID_METADATA' },
  { what: 'READY with Socket-Type DEALER', bytes: concat(rawGreeting(), rawReady('DEALER')), code: 'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE' },
  {
    what: 'an ERROR "400" during the handshake',
    bytes: concat(rawGreeting(), rawError('400')),
    code: 'ERR_ZMTP_ERROR_RECEIVED',
    failed: { type: 'HANDSHAKE_FAILED_AUTH', value: 400 },
  },
  {
    what: 'a malformed ERROR',
    bytes: concat(rawGreeting(), rawCommand('ERROR', Uint8Array.of(9, 0x34))),
    code: 'ERR_ZMTP_MALFORMED_COMMAND_ERROR',
    failed: { type: 'HANDSHAKE_FAILED_PROTOCOL', value: 0x10000015 },
  },
  {
    what: 'a frame header claiming 2^40 bytes after the handshake',
    afterHandshake: true,
    bytes: hex('02 00 00 01 00 00 00 00 00 41 41 41'),
    code: 'ERR_ZMTP_MESSAGE_TOO_LARGE',
  },
];

for (const transport of testTransports('tcp', 'ipc')) {
  describe(`PEER over ${transport}: bad input (tcp/ipc)`, () => {
    expectNoUnhandled();
    const { peer } = usePeers(transport);


    /** A binder with one good core peer connected and proven to work. */
    async function serverWithGoodPeer(options: PeerOptions = {}): Promise<{ server: Peer; events: EventLog; endpoint: string; good: Peer; goodId: number; serverIdOfGood: number }> {
      const server = peer(options);
      const events = recordEvents(server);
      const endpoint = await server.bind(uniqueEndpoint(transport));
      const good = peer();
      const goodId = good.connectPeer(endpoint);
      await good.send(goodId, 'before');
      const before = await receive(server);
      return { server, events, endpoint, good, goodId, serverIdOfGood: before.routingId };
    }

    /** Both directions still work between the server and the good peer. */
    async function assertStillWorks(server: Peer, good: Peer, goodId: number, serverIdOfGood: number): Promise<void> {
      await good.send(goodId, 'after');
      const message = await receive(server, 'a message from the good peer');
      assert.deepEqual([message.routingId, message.data.toString()], [serverIdOfGood, 'after']);
      await server.send(serverIdOfGood, 'reply');
      const reply = await receive(good, 'a reply to the good peer');
      assert.deepEqual([reply.routingId, reply.data.toString()], [goodId, 'reply']);
    }

    for (const input of BAD_INPUTS) {
      it(`closes only the connection that sent ${input.what}`, async () => {
        const { server, events, endpoint, good, goodId, serverIdOfGood } = await serverWithGoodPeer();
        const raw = await rawZmtpClient(endpoint);
        const accepted = await events.waitFor('ACCEPTED', undefined, 3000, 2);
        const id = accepted.connectionId;
        assert.ok(id !== undefined);
        if (input.afterHandshake) {
          await raw.handshake();
          await events.waitFor('HANDSHAKE_SUCCEEDED', (e) => e.connectionId === id);
        }
        raw.write(input.bytes);

        const disconnected = await events.waitFor('DISCONNECTED', (e) => e.connectionId === id);
        const error = disconnected.error;
        assert.ok(error, 'DISCONNECTED names the error');
        if (typeof input.code === 'string') assert.equal(error.code, input.code, error.message);
        else assert.match(error.code, input.code);
        assert.equal(error.name, 'ZmtpError');
        assert.ok(error.message.length > 0);

        const types = events.types(id);
        const expected: MonitorEventType[] = ['ACCEPTED', ...(input.afterHandshake ? (['HANDSHAKE_SUCCEEDED'] as const) : []), ...(input.failed ? [input.failed.type] : []), 'DISCONNECTED'];
        if (input.code instanceof RegExp) {
          // Garbage may happen to look like a greeting with some other mechanism: either way one
          // failure event at most, and never a successful handshake.
          assert.equal(types[0], 'ACCEPTED');
          assert.equal(types.at(-1), 'DISCONNECTED');
          assert.ok(!types.includes('HANDSHAKE_SUCCEEDED'), types.join(' '));
        } else {
          assert.deepEqual(types, expected);
        }
        if (input.failed) {
          const failed = events.ofType(input.failed.type).find((e) => e.connectionId === id);
          assert.equal(failed?.value, input.failed.value);
          assert.equal(failed?.error?.code, input.code);
          assert.equal(failed?.endpoint, endpoint);
        }

        await raw.waitClosed();
        assert.deepEqual(server.routingIds, [serverIdOfGood], 'only the good peer is left');
        await assertStillWorks(server, good, goodId, serverIdOfGood);
        assert.equal(events.ofType('DISCONNECTED').length, 1);
      });
    }

    it('discards a multipart message whole and delivers the next single frame', async () => {
      const { server, endpoint } = await serverWithGoodPeer();
      const raw = await rawZmtpClient(endpoint);
      await raw.handshake();
      raw.write(concat(rawFrame('A', 0x01), rawFrame('B')));
      raw.write(rawFrame('C'));
      const message = await receive(server);
      assert.equal(message.data.toString(), 'C');
      // A longer multipart message, with a long-form part, is discarded as well.
      raw.write(concat(rawFrame('D', 0x01), rawFrame(new Uint8Array(300), 0x01), rawFrame('E'), rawFrame('F')));
      assert.equal((await receive(server)).data.toString(), 'F');
      await delay(50);
      assert.deepEqual(server.receiveAvailable(), [], 'nothing else arrived');
      assert.ok(!raw.isClosed, 'multipart input is not an error');
    });

    it('closes only the connection whose frame is above maxMessageSize', async () => {
      const { server, events, endpoint, good, goodId, serverIdOfGood } = await serverWithGoodPeer({ maxMessageSize: 100 });
      const big = peer({ reconnectInterval: -1 });
      const bigId = big.connectPeer(endpoint);
      await big.send(bigId, 'x'.repeat(100));
      const fits = await receive(server, 'a message of exactly maxMessageSize');
      assert.equal(fits.data.length, 100);

      await big.send(bigId, 'x'.repeat(101));
      const disconnected = await events.waitFor('DISCONNECTED');
      assert.equal(disconnected.error?.code, 'ERR_ZMTP_MESSAGE_TOO_LARGE');
      assert.equal(disconnected.routingId, fits.routingId);
      await assert.rejects(server.send(fits.routingId, 'x'), { code: 'EHOSTUNREACH' });
      assert.deepEqual(server.routingIds, [serverIdOfGood]);
      await assertStillWorks(server, good, goodId, serverIdOfGood);
    });
  });
}
