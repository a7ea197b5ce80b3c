/**
 * The zmq_connect_peer(3) ERRORS list, and the other errno-shaped errors, through the Peer API:
 * thrown synchronously by connectPeer, rejected by the asynchronous calls. Also ZmqError itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Context, ERRNO, ERROR_MESSAGES, Peer, Server, ZMTP_ERROR_CODES, ZmqError, ZmtpError, isZmqError, type ZmqErrorCode } from '../../core/index';

const HAUSNUMERO = 156384712;

/** A PEER with linger 0 on `ctx`. */
const peerOn = (ctx: Context, options: ConstructorParameters<typeof Peer>[0] = {}): Peer => new Peer({ context: ctx, linger: 0, ...options });

describe('Peer.connectPeer: the man page ERRORS', () => {
  // `address`: whether the error names the endpoint (the ws row fails later, in the transport lookup).
  const rows: ReadonlyArray<{ code: ZmqErrorCode; errno: number; endpoint: string; address?: false }> = [
    { code: 'EINVAL', errno: 22, endpoint: 'tcp://*:5555' },
    { code: 'EINVAL', errno: 22, endpoint: 'tcp://127.0.0.1' },
    { code: 'EINVAL', errno: 22, endpoint: '127.0.0.1:5555' },
    { code: 'EINVAL', errno: 22, endpoint: 'ipc://@' },
    { code: 'EPROTONOSUPPORT', errno: 93, endpoint: 'bogus://127.0.0.1:5555' },
    { code: 'EPROTONOSUPPORT', errno: 93, endpoint: 'tipc://{5560,0,0}' },
    { code: 'ENOCOMPATPROTO', errno: HAUSNUMERO + 52, endpoint: 'udp://127.0.0.1:5555' },
    { code: 'ENOCOMPATPROTO', errno: HAUSNUMERO + 52, endpoint: 'norm://127.0.0.1:5555' },
    { code: 'ENAMETOOLONG', errno: 36, endpoint: `ipc:///tmp/${'n'.repeat(110)}` },
  ];
  for (const { code, errno, endpoint, address } of rows) {
    it(`throws ${code} (${errno}) for ${endpoint.slice(0, 40)}`, async () => {
      const ctx = new Context();
      const peer = peerOn(ctx);
      const expected = address === false ? { name: 'ZmqError', code, errno } : { name: 'ZmqError', code, errno, address: endpoint };
      assert.throws(() => peer.connectPeer(endpoint), expected);
      assert.deepEqual(peer.routingIds, [], 'a failed connectPeer makes no peer');
      await ctx.term();
    });
  }

  it('throws ETERM after ctx.term(), and sockets cannot be made on the ended context', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx);
    await ctx.term();
    assert.throws(() => peer.connectPeer('tcp://127.0.0.1:5555'), { code: 'ETERM', errno: HAUSNUMERO + 53 });
    assert.throws(() => peer.connectPeer('inproc://x'), { code: 'ETERM' });
    await assert.rejects(peer.send(1, 'x'), { code: 'ETERM' });
    await assert.rejects(peer.bind('inproc://x'), { code: 'ETERM' });
    await assert.rejects(peer.receive(), { code: 'ETERM' });
    assert.throws(() => peerOn(ctx), { code: 'ETERM' });
  });

  it('rejects a pending receive with ETERM and ends a for-await loop when the context ends', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx);
    const other = peerOn(ctx);
    const pending = peer.receive();
    const loop = (async () => {
      const seen: string[] = [];
      for await (const message of other) seen.push(message.data.toString());
      return seen;
    })();
    await ctx.term();
    await assert.rejects(pending, { code: 'ETERM', errno: ERRNO.ETERM });
    assert.deepEqual(await loop, []);
  });

  it('throws ENOTSOCK after close; the other calls reject with it', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx);
    await peer.close();
    assert.throws(() => peer.connectPeer('inproc://x'), { code: 'ENOTSOCK', errno: 88 });
    assert.throws(() => peer.connect('inproc://x'), { code: 'ENOTSOCK' });
    assert.throws(() => peer.setOption('linger', 0), { code: 'ENOTSOCK' });
    await assert.rejects(peer.send(1, 'x'), { code: 'ENOTSOCK' });
    await assert.rejects(peer.bind('inproc://x'), { code: 'ENOTSOCK' });
    await assert.rejects(peer.receive(), { code: 'ENOTSOCK' });
    await ctx.term();
  });

  it('throws EMTHREAD for tcp and ipc on a context without I/O threads; inproc works', async () => {
    const ctx = new Context({ ioThreads: 0 });
    const peer = peerOn(ctx);
    const bound = peerOn(ctx);
    assert.throws(() => peer.connectPeer('tcp://127.0.0.1:5555'), { code: 'EMTHREAD', errno: HAUSNUMERO + 54 });
    assert.throws(() => peer.connectPeer('ipc:///tmp/peer-api-errors.sock'), { code: 'EMTHREAD' });
    await assert.rejects(bound.bind('tcp://127.0.0.1:*'), { code: 'EMTHREAD' });
    await bound.bind('inproc://no-threads-needed');
    const id = peer.connectPeer('inproc://no-threads-needed');
    assert.notEqual(id, 0);
    await peer.send(id, 'over inproc');
    const message = await bound.receive();
    assert.equal(message.data.toString(), 'over inproc');
    await ctx.term();
  });

  it('throws EINVAL for a negative or fractional ioThreads', () => {
    assert.throws(() => new Context({ ioThreads: -1 }), { code: 'EINVAL' });
    assert.throws(() => new Context({ ioThreads: 1.5 }), { code: 'EINVAL' });
  });

  it('throws ENOTSUP on a CLIENT socket', async () => {
    const ctx = new Context();
    const client = new Client({ context: ctx, linger: 0 });
    assert.throws(() => client.connectPeer('tcp://127.0.0.1:5555'), { code: 'ENOTSUP', errno: 95 });
    assert.equal('connectPeer' in new Server({ context: ctx, linger: 0 }), false, 'SERVER has no connectPeer at all');
    await ctx.term();
  });

  it('throws EFAULT with immediate set, from the constructor or setOption', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx, { immediate: true });
    assert.throws(() => peer.connectPeer('tcp://127.0.0.1:5555'), { code: 'EFAULT', errno: 14 });
    peer.setOption('immediate', false);
    assert.notEqual(peer.connectPeer('inproc://x'), 0);
    peer.setOption('immediate', true);
    assert.throws(() => peer.connectPeer('inproc://x'), { code: 'EFAULT' });
    await ctx.term();
  });
});

describe('Peer API: other errors', () => {
  it('rejects EHOSTUNREACH for id 0, unknown ids and non-ids, and EINVAL for more: true', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx);
    for (const id of [0, 12345, -1, 1.5, 2 ** 32, Number.NaN]) {
      await assert.rejects(peer.send(id, 'x'), { code: 'EHOSTUNREACH', errno: 113 });
    }
    const id = peer.connectPeer('inproc://later');
    await assert.rejects(peer.send(id, 'x', { more: true }), { code: 'EINVAL' });
    await ctx.term();
  });

  it('rejects EAGAIN after receiveTimeout and at the send HWM with sendTimeout 0 or after it', async () => {
    const ctx = new Context();
    const peer = peerOn(ctx, { receiveTimeout: 10, sendHighWaterMark: 1, sendTimeout: 0 });
    await assert.rejects(peer.receive(), { code: 'EAGAIN', errno: 11 });
    const id = peer.connectPeer('tcp://127.0.0.1:1');
    await peer.send(id, 'queued');
    await assert.rejects(peer.send(id, 'full'), { code: 'EAGAIN' });
    peer.setOption('sendTimeout', 10);
    await assert.rejects(peer.send(id, 'full'), { code: 'EAGAIN' });
    await ctx.term();
  });

  it('rejects EADDRINUSE, ENOENT and ENODEV from bind, unbind and disconnect', async () => {
    const ctx = new Context();
    const a = peerOn(ctx);
    const b = peerOn(ctx);
    await a.bind('inproc://taken');
    await assert.rejects(b.bind('inproc://taken'), { code: 'EADDRINUSE', errno: 98 });
    const address = await a.bind('tcp://127.0.0.1:*');
    await assert.rejects(b.bind(address), { code: 'EADDRINUSE' });
    await assert.rejects(b.unbind('inproc://taken'), { code: 'ENOENT', errno: 2 });
    assert.throws(() => b.disconnect('inproc://taken'), { code: 'ENOENT' });
    await assert.rejects(b.bind('tcp://localhost:*'), { code: 'ENODEV', errno: 19 });
    await ctx.term();
  });

  it('throws EINVAL for bad option values', async () => {
    const ctx = new Context();
    assert.throws(() => peerOn(ctx, { sendHighWaterMark: -1 }), { code: 'EINVAL' });
    const peer = peerOn(ctx);
    assert.throws(() => peer.setOption('linger', -2), { code: 'EINVAL' });
    assert.throws(() => peer.setOption('reconnectInterval', 'soon'), { code: 'EINVAL' });
    await ctx.term();
  });
});

describe('ZmqError', () => {
  for (const code of Object.keys(ERRNO) as ZmqErrorCode[]) {
    it(`${code}: name, code, errno, message and instanceof`, () => {
      const err = new ZmqError(code);
      assert.equal(err.name, 'ZmqError');
      assert.equal(err.code, code);
      assert.equal(err.errno, ERRNO[code]);
      assert.equal(err.message, ERROR_MESSAGES[code]);
      assert.ok(err instanceof ZmqError);
      assert.ok(err instanceof Error);
      assert.ok(isZmqError(err, code));
      assert.equal(err.address, undefined);
      assert.equal(err.routingId, undefined);

      const detailed = new ZmqError(code, { detail: 'why', address: 'inproc://a', routingId: 7 });
      assert.equal(detailed.message, `${ERROR_MESSAGES[code]}: why`);
      assert.equal(detailed.address, 'inproc://a');
      assert.equal(detailed.routingId, 7);
    });
  }

  it('has libzmq numbers: OS errno on Linux, ZMQ_HAUSNUMERO-based for libzmq codes', () => {
    assert.deepEqual(
      { ...ERRNO },
      {
        ENOENT: 2, EAGAIN: 11, EFAULT: 14, EBUSY: 16, ENODEV: 19, EINVAL: 22, ENAMETOOLONG: 36, EMSGSIZE: 90, ENOTSOCK: 88,
        EPROTONOSUPPORT: 93, ENOTSUP: 95, EADDRINUSE: 98, EADDRNOTAVAIL: 99, ECONNREFUSED: 111, EHOSTUNREACH: 113,
        EFSM: HAUSNUMERO + 51, ENOCOMPATPROTO: HAUSNUMERO + 52, ETERM: HAUSNUMERO + 53, EMTHREAD: HAUSNUMERO + 54,
      },
    );
  });

  it('recognises the brand of another copy of the class, and nothing else', () => {
    const foreign = Object.assign(new Error('copy'), { [Symbol.for('zmq-peer-debugger.ZmqError')]: true, code: 'EINVAL' });
    assert.ok(foreign instanceof ZmqError);
    assert.equal(isZmqError(new Error('x')), false);
    assert.equal(isZmqError(null), false);
    assert.equal(isZmqError(new ZmqError('EINVAL'), 'ETERM'), false);
    assert.equal(new ZmtpError('ERR_ZMTP_BAD_SIGNATURE', 'bad') instanceof ZmqError, false);
    assert.equal(new ZmqError('EINVAL') instanceof ZmtpError, false);
  });

  it('keeps a cause', () => {
    const cause = new Error('root');
    assert.equal(new ZmqError('EADDRINUSE', { cause }).cause, cause);
  });
});

describe('ZmtpError codes in docs/errors.md', () => {
  const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
  for (const code of ZMTP_ERROR_CODES) {
    it(`documents ${code}`, () => {
      // A row of the table, the code alone or paired with its opposite in the first cell.
      assert.match(docs, new RegExp(`^\\| (\`\\w+\` / )?\`${code}\`( / \`\\w+\`)? \\| \\S`, 'm'));
    });
  }
});
