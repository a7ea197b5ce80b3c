/**
 * Interop scenario 4 (protocol.md §5.7): multipart messages reaching our PEER are discarded whole
 * (RFC 51), and the next single-part message is delivered.
 *
 * A libzmq PEER cannot produce a multipart message: zmq_msg_send with ZMQ_SNDMORE fails with
 * EINVAL (asserted below and in interop 3). So the frames come from a libzmq ZMQ_STREAM socket, a
 * raw tcp/ipc byte pipe, that plays a PEER by hand: greeting, READY, then the frames, over tcp and
 * ipc, connecting to our binder or accepting our connector.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Peer } from '../../core/index';
import type { LibzmqSocket } from '../support/libzmq';
import { hex } from '../support/hex';
import { COMBINATIONS, FrameLog, connectPair, interopTest, receiveWithin, sleep, type Harness, type Role, type StreamTransportName } from '../support/interop';

const interop = interopTest();

/** libzmq's greeting (NULL mechanism, no routing id: padding byte 8 is 01), protocol.md Appendix A. */
const LIBZMQ_GREETING = hex(`FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C ${'00 '.repeat(16)} 00 ${'00 '.repeat(31)}`);
/** READY with Socket-Type PEER, byte for byte as libzmq sends it. */
const READY_PEER = hex('04 1A 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52');

const MORE = 0x01;
const LONG = 0x02;

/** One ZMTP data frame, short or long form as the size requires. */
function frame(body: Uint8Array | string, flags = 0): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  if (bytes.length <= 255) return Buffer.concat([Buffer.from([flags, bytes.length]), bytes]);
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(bytes.length));
  return Buffer.concat([Buffer.from([flags | LONG]), size, bytes]);
}

/**
 * A ZMQ_STREAM connection used as a raw byte pipe: each message is [connection id][bytes]; an
 * empty body means the connection opened or closed.
 */
class StreamPipe {
  #buffered = Buffer.alloc(0);

  private constructor(
    readonly lib: LibzmqSocket,
    readonly connection: Buffer,
  ) {}

  /** Waits for the STREAM socket's "connection opened" notification. */
  static async opened(lib: LibzmqSocket): Promise<StreamPipe> {
    const id = await lib.receive(5000);
    assert.ok(id.more, 'a STREAM message starts with the connection id');
    const body = await lib.receive(1000);
    assert.equal(body.data.length, 0, 'the first STREAM message of a connection is empty');
    return new StreamPipe(lib, id.data);
  }

  async write(...parts: Uint8Array[]): Promise<void> {
    await this.lib.send(0, this.connection, { more: true });
    await this.lib.send(0, Buffer.concat(parts));
  }

  /** Exactly `n` bytes from the peer. */
  async read(n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buffered.length < n) {
      const id = await this.lib.receive(Math.max(1, deadline - Date.now()));
      assert.ok(id.more && id.data.equals(this.connection), 'a message of our connection');
      const body = await this.lib.receive(1000);
      assert.ok(body.data.length > 0, `the connection closed after ${this.#buffered.length} of ${n} bytes`);
      this.#buffered = Buffer.concat([this.#buffered, body.data]);
    }
    const out = this.#buffered.subarray(0, n);
    this.#buffered = this.#buffered.subarray(n);
    return out;
  }
}

/**
 * Connects our Peer and a STREAM socket in `role`, does the NULL handshake by hand and returns the
 * pipe and the routing id our Peer gives the raw side (known once it sent something on the bind side).
 */
async function rawPeer(h: Harness, transport: StreamTransportName, role: Role, ours: Peer): Promise<{ pipe: StreamPipe; connectId: number | undefined }> {
  const lib = await h.lib('STREAM');
  let connectId: number | undefined;
  if (role === 'ours-connects') {
    const endpoint = await lib.bind(h.bindEndpoint(transport));
    connectId = ours.connectPeer(endpoint);
  } else {
    await lib.connect(await ours.bind(h.bindEndpoint(transport)));
  }
  const pipe = await StreamPipe.opened(lib);
  const greeting = await pipe.read(64);
  assert.deepEqual([...greeting], [...LIBZMQ_GREETING], 'our greeting is byte-identical to libzmq’s');
  await pipe.write(LIBZMQ_GREETING, READY_PEER);
  assert.deepEqual([...(await pipe.read(READY_PEER.length))], [...READY_PEER], 'our READY is byte-identical to libzmq’s');
  return { pipe, connectId };
}

describe('interop 4: multipart messages to our PEER', () => {
  for (const { transport, role } of COMBINATIONS) {
    interop(`${transport}, ${role}: every part is discarded, across reads too, and the next single-part message arrives`, async (h) => {
      const ours = h.peer();
      const frames = new FrameLog(ours);
      const { pipe, connectId } = await rawPeer(h, transport, role, ours);

      // Two parts and then a single-part message, all in one write.
      await pipe.write(frame('A', MORE), frame('B'), frame('first'));
      const first = await receiveWithin(ours);
      assert.equal(first.data.toString(), 'first');
      if (connectId !== undefined) assert.equal(first.routingId, connectId);

      // Three parts, one of them a long frame, arriving in separate reads.
      await pipe.write(frame('C', MORE));
      await sleep(30);
      await pipe.write(frame(randomBytes(300), MORE));
      await sleep(30);
      await pipe.write(frame('E'), frame('second'));
      const second = await receiveWithin(ours);
      assert.deepEqual([second.routingId, second.data.toString()], [first.routingId, 'second']);
      await assert.rejects(receiveWithin(ours, 200), { code: 'EAGAIN' }, 'no part was delivered');

      // The tap saw the parts go by, MORE flags and all.
      const dataIn = frames.of('in', 'data').map((f) => `${f.more ? '+' : ''}${f.size}`);
      assert.deepEqual(dataIn, ['+1', '1', '5', '+1', '+300', '1', '6']);
      assert.equal(ours.connections()[0].messagesIn, 2, 'only the two single-part messages count');

      // Our side cannot send multipart at all; single-part replies still flow.
      await assert.rejects(ours.send(first.routingId, 'part', { more: true }), { code: 'EINVAL' });
      await ours.send(first.routingId, 'reply');
      assert.deepEqual([...(await pipe.read(7))], [...frame('reply')]);
    });
  }

  for (const transport of ['tcp', 'ipc'] as const) {
    interop(`${transport}: libzmq’s own PEER refuses to send a part (EINVAL), as ours does`, async (h) => {
      const { ours, lib, ourId, libId } = await connectPair(h, transport, 'ours-connects');
      await assert.rejects(lib.send(libId, 'part', { more: true }), { code: 'EINVAL', errno: 22 });
      await assert.rejects(ours.send(ourId, 'part', { more: true }), { code: 'EINVAL', errno: 22 });
    });
  }
});
