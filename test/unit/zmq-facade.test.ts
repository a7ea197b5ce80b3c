/**
 * The zmq.h-shaped facade (core/zmq.ts): the zmq_connect_peer(3) man page's EXAMPLE, ported, and
 * every error the man page lists, produced through the C-style calls with libzmq's numbers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zmq } from '../../core/index';
import type { Context } from '../../core/context';
import type { SocketHandle } from '../../core/zmq';

const {
  ZMQ_PEER, ZMQ_SERVER, ZMQ_CLIENT, ZMQ_LINGER, ZMQ_LAST_ENDPOINT, ZMQ_TYPE, ZMQ_IMMEDIATE, ZMQ_SNDHWM, ZMQ_SNDTIMEO,
  ZMQ_RCVTIMEO, ZMQ_DONTWAIT, ZMQ_SNDMORE, ZMQ_IO_THREADS,
} = zmq;

/** A socket with linger 0, asserting that creation and the option succeed. */
function open(ctx: Context, type: number): SocketHandle {
  const s = zmq.zmq_socket(ctx, type);
  assert.ok(s, `zmq_socket failed: ${zmq.zmq_strerror(zmq.zmq_errno())}`);
  assert.equal(zmq.zmq_setsockopt(s, ZMQ_LINGER, 0), 0);
  return s;
}

/** Binds and returns ZMQ_LAST_ENDPOINT. */
async function bound(s: SocketHandle, endpoint: string): Promise<string> {
  assert.equal(await zmq.zmq_bind(s, endpoint), 0, `zmq_bind(${endpoint}): ${zmq.zmq_strerror(zmq.zmq_errno())}`);
  const last = zmq.zmq_getsockopt(s, ZMQ_LAST_ENDPOINT);
  assert.equal(typeof last, 'string');
  return last as string;
}

/** Asserts that a call returned `failed` and left errno at libzmq's number for `code`. */
function assertErrno(result: unknown, failed: unknown, errno: number): void {
  assert.equal(result, failed);
  assert.equal(zmq.zmq_errno(), errno, `errno ${zmq.zmq_errno()} (${zmq.zmq_strerror(zmq.zmq_errno())})`);
}

describe('zmq facade: the zmq_connect_peer(3) EXAMPLE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zmq-facade-'));
  const transports = [
    ['tcp', 'tcp://127.0.0.1:*'],
    ['ipc', `ipc://${join(dir, 'example.sock')}`],
    ['inproc', 'inproc://example'],
  ] as const;

  for (const [transport, endpoint] of transports) {
    it(`connects, sends HELLO to the returned id and gets the reply from that id over ${transport}`, async () => {
      const ctx = zmq.zmq_ctx_new();
      const server = open(ctx, ZMQ_PEER);
      const address = await bound(server, endpoint);

      /* Create a ZMQ_PEER socket */
      const socket = open(ctx, ZMQ_PEER);
      /* Connect it to the bound peer and learn its routing id at once */
      const routingId = zmq.zmq_connect_peer(socket, address);
      assert.notEqual(routingId, 0);
      /* Sending a message to the peer */
      const msg = zmq.zmq_msg_init_data('HELLO');
      assert.equal(zmq.zmq_msg_set_routing_id(msg, routingId), 0);
      assert.equal(await zmq.zmq_msg_send(msg, socket, 0), 5);
      assert.equal(zmq.zmq_msg_size(msg), 0, 'a sent message is empty');
      assert.equal(zmq.zmq_msg_close(msg), 0);

      const incoming = zmq.zmq_msg_init();
      assert.equal(await zmq.zmq_msg_recv(incoming, server, 0), 5);
      assert.equal(zmq.zmq_msg_data(incoming).toString(), 'HELLO');
      const clientId = zmq.zmq_msg_routing_id(incoming);
      assert.notEqual(clientId, 0);
      assert.equal(zmq.zmq_msg_close(incoming), 0);

      const reply = zmq.zmq_msg_init_data(Uint8Array.of(0x57, 0x4f, 0x52, 0x4c, 0x44));
      assert.equal(zmq.zmq_msg_set_routing_id(reply, clientId), 0);
      assert.equal(await zmq.zmq_msg_send(reply, server, 0), 5);

      const back = zmq.zmq_msg_init();
      assert.equal(await zmq.zmq_msg_recv(back, socket, 0), 5);
      assert.equal(zmq.zmq_msg_data(back).toString(), 'WORLD');
      assert.equal(zmq.zmq_msg_routing_id(back), routingId, 'the reply carries the id zmq_connect_peer returned');

      assert.equal(await zmq.zmq_close(socket), 0);
      assert.equal(await zmq.zmq_close(server), 0);
      assert.equal(await zmq.zmq_ctx_term(ctx), 0);
    });
  }

  after(() => rmSync(dir, { recursive: true, force: true }));
});

describe('zmq facade: zmq_connect_peer errors (man page ERRORS)', () => {
  const rows = [
    { code: 'EINVAL', errno: 22, endpoint: 'tcp://*:5555' },
    { code: 'EINVAL', errno: 22, endpoint: 'no-scheme' },
    { code: 'EPROTONOSUPPORT', errno: 93, endpoint: 'bogus://127.0.0.1:5555' },
    { code: 'EPROTONOSUPPORT', errno: 93, endpoint: 'vmci://1:5555' },
    { code: 'ENOCOMPATPROTO', errno: 156384712 + 52, endpoint: 'udp://127.0.0.1:5555' },
    { code: 'ENOCOMPATPROTO', errno: 156384712 + 52, endpoint: 'pgm://eth0;239.192.1.1:5555' },
    { code: 'ENAMETOOLONG', errno: 36, endpoint: `ipc:///${'a'.repeat(120)}` },
  ] as const;
  for (const row of rows) {
    it(`${row.code} for ${row.endpoint.slice(0, 40)}`, async () => {
      const ctx = zmq.zmq_ctx_new();
      const s = open(ctx, ZMQ_PEER);
      assertErrno(zmq.zmq_connect_peer(s, row.endpoint), 0, row.errno);
      assert.equal(zmq[row.code], row.errno);
      await zmq.zmq_ctx_term(ctx);
    });
  }

  it('ETERM once the context is terminated, until zmq_close releases the handle (then ENOTSOCK)', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assert.equal(await zmq.zmq_ctx_term(ctx), 0);
    assertErrno(zmq.zmq_connect_peer(s, 'tcp://127.0.0.1:5555'), 0, zmq.ETERM);
    assertErrno(zmq.zmq_connect_peer(s, 'inproc://x'), 0, 156384712 + 53);
    assertErrno(zmq.zmq_socket(ctx, ZMQ_PEER), null, zmq.ETERM);
    assert.equal(await zmq.zmq_close(s), 0);
    assertErrno(zmq.zmq_connect_peer(s, 'inproc://x'), 0, zmq.ENOTSOCK);
  });

  it('ETERM for a receive pending when the context is terminated', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    const pending = zmq.zmq_msg_recv(zmq.zmq_msg_init(), s, 0);
    await zmq.zmq_ctx_term(ctx);
    assertErrno(await pending, -1, zmq.ETERM);
  });

  it('ENOTSOCK for anything that is not an open socket handle', async () => {
    const ctx = zmq.zmq_ctx_new();
    const closed = open(ctx, ZMQ_PEER);
    assert.equal(await zmq.zmq_close(closed), 0);
    const notSockets: unknown[] = [null, undefined, {}, 42, 'inproc://x', closed, ctx, zmq.zmq_msg_init(), Object.create(null)];
    for (const value of notSockets) {
      assertErrno(zmq.zmq_connect_peer(value as SocketHandle, 'inproc://x'), 0, 88);
    }
    assertErrno(await zmq.zmq_close(closed), -1, zmq.ENOTSOCK);
    assertErrno(await zmq.zmq_bind(null, 'inproc://x'), -1, zmq.ENOTSOCK);
    assertErrno(zmq.zmq_getsockopt(closed, ZMQ_TYPE), undefined, zmq.ENOTSOCK);
    await zmq.zmq_ctx_term(ctx);
  });

  it('EMTHREAD with no I/O threads for tcp and ipc; inproc still works', async () => {
    const ctx = zmq.zmq_ctx_new({ ioThreads: 0 });
    assert.equal(zmq.zmq_ctx_get(ctx, ZMQ_IO_THREADS), 0);
    const s = open(ctx, ZMQ_PEER);
    assertErrno(zmq.zmq_connect_peer(s, 'tcp://127.0.0.1:5555'), 0, 156384712 + 54);
    assertErrno(zmq.zmq_connect_peer(s, 'ipc:///tmp/none.sock'), 0, zmq.EMTHREAD);
    assertErrno(await zmq.zmq_bind(s, 'tcp://127.0.0.1:*'), -1, zmq.EMTHREAD);
    assert.notEqual(zmq.zmq_connect_peer(s, 'inproc://fine'), 0);
    await zmq.zmq_ctx_term(ctx);
  });

  it('ENOTSUP for SERVER and CLIENT sockets', async () => {
    const ctx = zmq.zmq_ctx_new();
    for (const type of [ZMQ_SERVER, ZMQ_CLIENT]) {
      const s = open(ctx, type);
      assertErrno(zmq.zmq_connect_peer(s, 'inproc://x'), 0, 95);
      assert.equal(zmq.zmq_connect(s, 'inproc://x'), 0, 'plain zmq_connect works');
    }
    await zmq.zmq_ctx_term(ctx);
  });

  it('EFAULT with ZMQ_IMMEDIATE=1, and ids again once it is 0', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_IMMEDIATE, 1), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_IMMEDIATE), 1);
    assertErrno(zmq.zmq_connect_peer(s, 'tcp://127.0.0.1:5555'), 0, 14);
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_IMMEDIATE, 0), 0);
    assert.notEqual(zmq.zmq_connect_peer(s, 'inproc://x'), 0);
    await zmq.zmq_ctx_term(ctx);
  });
});

describe('zmq facade: other errors', () => {
  it('EHOSTUNREACH for routing id 0 (never set) and for an unknown id; EINVAL with ZMQ_SNDMORE', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    const msg = zmq.zmq_msg_init_data('x');
    assertErrno(await zmq.zmq_msg_send(msg, s, 0), -1, 113);
    assertErrno(zmq.zmq_msg_set_routing_id(msg, 0), -1, zmq.EINVAL);
    assert.equal(zmq.zmq_msg_set_routing_id(msg, 12345), 0);
    assertErrno(await zmq.zmq_msg_send(msg, s, 0), -1, zmq.EHOSTUNREACH);
    const id = zmq.zmq_connect_peer(s, 'inproc://later');
    assert.equal(zmq.zmq_msg_set_routing_id(msg, id), 0);
    assertErrno(await zmq.zmq_msg_send(msg, s, ZMQ_SNDMORE), -1, zmq.EINVAL);
    assert.equal(zmq.zmq_msg_size(msg), 1, 'a failed send leaves the message alone');
    await zmq.zmq_ctx_term(ctx);
  });

  it('EAGAIN: receive with ZMQ_DONTWAIT or after RCVTIMEO; send at the HWM with ZMQ_DONTWAIT or after SNDTIMEO', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assertErrno(await zmq.zmq_msg_recv(zmq.zmq_msg_init(), s, ZMQ_DONTWAIT), -1, 11);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_RCVTIMEO), -1, 'ZMQ_DONTWAIT leaves RCVTIMEO alone');
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_RCVTIMEO, 20), 0);
    assertErrno(await zmq.zmq_msg_recv(zmq.zmq_msg_init(), s, 0), -1, zmq.EAGAIN);

    assert.equal(zmq.zmq_setsockopt(s, ZMQ_SNDHWM, 1), 0);
    // Nobody binds this name, so nothing leaves the pipe.
    const id = zmq.zmq_connect_peer(s, 'tcp://127.0.0.1:1');
    const send = (flags: number): Promise<number> => {
      const msg = zmq.zmq_msg_init_data('x');
      zmq.zmq_msg_set_routing_id(msg, id);
      return zmq.zmq_msg_send(msg, s, flags);
    };
    assert.equal(await send(ZMQ_DONTWAIT), 1);
    assertErrno(await send(ZMQ_DONTWAIT), -1, zmq.EAGAIN);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_SNDTIMEO), -1, 'ZMQ_DONTWAIT leaves SNDTIMEO alone');
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_SNDTIMEO, 20), 0);
    assertErrno(await send(0), -1, zmq.EAGAIN);
    await zmq.zmq_ctx_term(ctx);
  });

  it('EADDRINUSE for a second bind of an inproc name and of a tcp port', async () => {
    const ctx = zmq.zmq_ctx_new();
    const a = open(ctx, ZMQ_PEER);
    const b = open(ctx, ZMQ_PEER);
    await bound(a, 'inproc://taken');
    assertErrno(await zmq.zmq_bind(b, 'inproc://taken'), -1, 98);
    const address = await bound(a, 'tcp://127.0.0.1:*');
    assertErrno(await zmq.zmq_bind(b, address), -1, zmq.EADDRINUSE);
    await zmq.zmq_ctx_term(ctx);
  });

  it('ENOENT for zmq_unbind and zmq_disconnect of endpoints not bound or connected', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assertErrno(await zmq.zmq_unbind(s, 'inproc://nothing'), -1, 2);
    assertErrno(zmq.zmq_disconnect(s, 'inproc://nothing'), -1, zmq.ENOENT);
    await bound(s, 'inproc://here');
    assert.equal(await zmq.zmq_unbind(s, 'inproc://here'), 0);
    assert.equal(zmq.zmq_connect(s, 'inproc://there'), 0);
    assert.equal(zmq.zmq_disconnect(s, 'inproc://there'), 0);
    await zmq.zmq_ctx_term(ctx);
  });

  it('ENODEV for a bind to a host name or an unknown interface', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assertErrno(await zmq.zmq_bind(s, 'tcp://localhost:*'), -1, 19);
    assertErrno(await zmq.zmq_bind(s, 'tcp://no-such-interface0:5555'), -1, zmq.ENODEV);
    await zmq.zmq_ctx_term(ctx);
  });

  it('EINVAL for unknown socket types, options and values; EFAULT for closed messages', async () => {
    const ctx = zmq.zmq_ctx_new();
    assertErrno(zmq.zmq_socket(ctx, 999), null, zmq.EINVAL);
    assertErrno(zmq.zmq_socket(ctx, 0), null, zmq.EINVAL);
    const s = open(ctx, ZMQ_PEER);
    assertErrno(zmq.zmq_setsockopt(s, 9999, 1), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_getsockopt(s, 9999), undefined, zmq.EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_LAST_ENDPOINT, 'tcp://x:1'), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_TYPE, ZMQ_SERVER), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_SNDHWM, -1), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_LINGER, 'soon'), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_IMMEDIATE, 2), -1, zmq.EINVAL);
    assertErrno(zmq.zmq_getsockopt(s, zmq.ZMQ_HELLO_MSG), undefined, zmq.EINVAL);
    assertErrno(zmq.zmq_ctx_set(ctx, ZMQ_IO_THREADS, 4), -1, zmq.EINVAL);
    assert.equal(zmq.zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1), 0);
    const msg = zmq.zmq_msg_init();
    assert.equal(zmq.zmq_msg_close(msg), 0);
    assertErrno(zmq.zmq_msg_close(msg), -1, zmq.EFAULT);
    assertErrno(zmq.zmq_msg_set_routing_id(msg, 1), -1, zmq.EFAULT);
    await zmq.zmq_ctx_term(ctx);
  });

  it('zmq_strerror gives libzmq text for every code above and "Unknown error N" otherwise', () => {
    const expected: Record<number, string> = {
      22: 'Invalid argument',
      93: 'Protocol not supported',
      [156384712 + 52]: 'The protocol is not compatible with the socket type',
      [156384712 + 53]: 'Context was terminated',
      88: 'Socket operation on non-socket',
      [156384712 + 54]: 'No thread available',
      95: 'Operation not supported',
      14: 'Bad address',
      36: 'File name too long',
      113: 'No route to host',
      11: 'Resource temporarily unavailable',
      98: 'Address already in use',
      2: 'No such file or directory',
      19: 'No such device',
    };
    for (const [errno, text] of Object.entries(expected)) assert.equal(zmq.zmq_strerror(Number(errno)), text);
    assert.equal(zmq.zmq_strerror(12345), 'Unknown error 12345');
  });
});

describe('zmq facade: options and constants', () => {
  it('maps options to the socket and reads ZMQ_TYPE and ZMQ_LAST_ENDPOINT', async () => {
    const ctx = zmq.zmq_ctx_new();
    const types = [ZMQ_PEER, ZMQ_SERVER, ZMQ_CLIENT].map((type) => [type, open(ctx, type)] as const);
    for (const [type, s] of types) assert.equal(zmq.zmq_getsockopt(s, ZMQ_TYPE), type);
    const s = types[0][1];
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_LAST_ENDPOINT), '');
    const numeric: Array<[number, number]> = [
      [ZMQ_SNDHWM, 5], [zmq.ZMQ_RCVHWM, 6], [ZMQ_SNDTIMEO, 7], [ZMQ_RCVTIMEO, 8], [ZMQ_LINGER, 9],
      [zmq.ZMQ_RECONNECT_IVL, 10], [zmq.ZMQ_RECONNECT_IVL_MAX, 11], [zmq.ZMQ_HEARTBEAT_IVL, 12],
      [zmq.ZMQ_HEARTBEAT_TTL, 1300], [zmq.ZMQ_HEARTBEAT_TIMEOUT, 14], [zmq.ZMQ_HANDSHAKE_IVL, 15],
      [zmq.ZMQ_MAXMSGSIZE, 16], [zmq.ZMQ_IPV6, 1], [ZMQ_IMMEDIATE, 1],
    ];
    for (const [option, value] of numeric) {
      assert.equal(zmq.zmq_setsockopt(s, option, value), 0, `option ${option}`);
      assert.equal(zmq.zmq_getsockopt(s, option), value, `option ${option}`);
    }
    for (const option of [zmq.ZMQ_HELLO_MSG, zmq.ZMQ_DISCONNECT_MSG, zmq.ZMQ_HICCUP_MSG]) {
      assert.equal(zmq.zmq_setsockopt(s, option, 'hi'), 0);
      assert.equal(zmq.zmq_setsockopt(s, option, null), 0);
    }
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_LINGER, 0), 0);
    zmq.zmq_setsockopt(s, ZMQ_IMMEDIATE, 0);
    assert.equal(zmq.zmq_connect(s, 'inproc://somewhere'), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_LAST_ENDPOINT), 'inproc://somewhere');
    await zmq.zmq_ctx_term(ctx);
  });

  it('has libzmq numbers for the constants', () => {
    assert.deepEqual(
      [zmq.ZMQ_PEER, zmq.ZMQ_SERVER, zmq.ZMQ_CLIENT, zmq.ZMQ_LAST_ENDPOINT, zmq.ZMQ_SNDHWM, zmq.ZMQ_RCVHWM, zmq.ZMQ_SNDTIMEO, zmq.ZMQ_RCVTIMEO],
      [19, 12, 13, 32, 23, 24, 28, 27],
    );
    assert.deepEqual(
      [zmq.ZMQ_LINGER, zmq.ZMQ_IMMEDIATE, zmq.ZMQ_RECONNECT_IVL, zmq.ZMQ_RECONNECT_IVL_MAX, zmq.ZMQ_HEARTBEAT_IVL, zmq.ZMQ_HEARTBEAT_TTL],
      [17, 39, 18, 21, 75, 76],
    );
    assert.deepEqual(
      [zmq.ZMQ_HEARTBEAT_TIMEOUT, zmq.ZMQ_HANDSHAKE_IVL, zmq.ZMQ_MAXMSGSIZE, zmq.ZMQ_IPV6, zmq.ZMQ_TYPE, zmq.ZMQ_HELLO_MSG],
      [77, 66, 22, 42, 16, 110],
    );
    assert.deepEqual([zmq.ZMQ_DISCONNECT_MSG, zmq.ZMQ_HICCUP_MSG, zmq.ZMQ_SNDMORE, zmq.ZMQ_DONTWAIT, zmq.ZMQ_IO_THREADS], [111, 114, 2, 1, 1]);
    assert.deepEqual([zmq.ENOCOMPATPROTO, zmq.ETERM, zmq.EMTHREAD], [156384764, 156384765, 156384766]);
  });
});

describe('zmq facade: security options, keys and a C-style ZAP handler', () => {
  const {
    ZMQ_REP, ZMQ_MECHANISM, ZMQ_PLAIN_SERVER, ZMQ_PLAIN_USERNAME, ZMQ_PLAIN_PASSWORD, ZMQ_CURVE_SERVER, ZMQ_CURVE_PUBLICKEY,
    ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY, ZMQ_ZAP_DOMAIN, ZMQ_ZAP_ENFORCE_DOMAIN, ZMQ_RCVMORE, ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE, EINVAL, EFSM, ENOTSUP,
  } = zmq;
  const KEY = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';

  it('reads back keys as Z85, whichever form set them, and refuses bad ones with EINVAL', async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, KEY), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_CURVE_SERVERKEY), KEY);
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, zmq.zmq_z85_decode(KEY)), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_CURVE_PUBLICKEY), KEY);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, KEY.slice(1)), -1, EINVAL);
    assertErrno(zmq.zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, new Uint8Array(31)), -1, EINVAL);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_MECHANISM), ZMQ_CURVE);
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, 'global'), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_ZAP_DOMAIN), 'global');
    assert.equal(zmq.zmq_setsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN, 1), 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_ZAP_ENFORCE_DOMAIN), 1);
    await zmq.zmq_ctx_term(ctx);
  });

  it("keeps libzmq's last-option-wins order for the mechanism and the role", async () => {
    const ctx = zmq.zmq_ctx_new();
    const s = open(ctx, ZMQ_PEER);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_MECHANISM), ZMQ_NULL);
    zmq.zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, KEY);
    zmq.zmq_setsockopt(s, ZMQ_PLAIN_USERNAME, 'bob');
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_MECHANISM), ZMQ_PLAIN, 'PLAIN after CURVE: PLAIN');
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_PLAIN_USERNAME), 'bob');
    zmq.zmq_setsockopt(s, ZMQ_PLAIN_SERVER, 1);
    assert.deepEqual([zmq.zmq_getsockopt(s, ZMQ_MECHANISM), zmq.zmq_getsockopt(s, ZMQ_PLAIN_SERVER)], [ZMQ_PLAIN, 1]);
    zmq.zmq_setsockopt(s, ZMQ_CURVE_SERVER, 1);
    assert.deepEqual([zmq.zmq_getsockopt(s, ZMQ_MECHANISM), zmq.zmq_getsockopt(s, ZMQ_CURVE_SERVER), zmq.zmq_getsockopt(s, ZMQ_PLAIN_SERVER)], [ZMQ_CURVE, 1, 0]);
    zmq.zmq_setsockopt(s, ZMQ_CURVE_SERVER, 0);
    assert.equal(zmq.zmq_getsockopt(s, ZMQ_MECHANISM), ZMQ_NULL, 'a server flag set to 0 selects NULL');
    await zmq.zmq_ctx_term(ctx);
  });

  it('makes key pairs, derives public keys and codes Z85, with EINVAL on bad input', async () => {
    const { publicKey, secretKey } = await zmq.zmq_curve_keypair();
    assert.equal(await zmq.zmq_curve_public(secretKey), publicKey);
    assertErrno(await zmq.zmq_curve_public('short'), null, EINVAL);
    assert.equal(zmq.zmq_z85_encode(Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b)), 'HelloWorld');
    assertErrno(zmq.zmq_z85_encode(new Uint8Array(3)), null, EINVAL);
    assertErrno(zmq.zmq_z85_decode('#####'), null, EINVAL);
  });

  it('answers ZAP from a ZMQ_REP bound at inproc://zeromq.zap.01, frame by frame as C does', async () => {
    const ctx = zmq.zmq_ctx_new();
    const handler = open(ctx, ZMQ_REP);
    assertErrno(await zmq.zmq_bind(handler, 'tcp://127.0.0.1:*'), -1, ENOTSUP);
    assert.equal(await zmq.zmq_bind(handler, 'inproc://zeromq.zap.01'), 0);
    assertErrno(await zmq.zmq_msg_send(zmq.zmq_msg_init_data('x'), handler, 0), -1, EFSM);
    const serving = (async () => {
      const frames: string[] = [];
      const msg = zmq.zmq_msg_init();
      do {
        assert.ok((await zmq.zmq_msg_recv(msg, handler, 0)) >= 0);
        frames.push(zmq.zmq_msg_data(msg).toString());
      } while (zmq.zmq_msg_more(msg) && zmq.zmq_getsockopt(handler, ZMQ_RCVMORE) === 1);
      const allowed = frames[6] === 'bob' && frames[7] === 'hunter2';
      for (const [i, frame] of ['1.0', frames[1], allowed ? '200' : '400', 'OK', 'bob', ''].entries()) {
        await zmq.zmq_msg_send(zmq.zmq_msg_init_data(frame), handler, i < 5 ? ZMQ_SNDMORE : 0);
      }
      return frames;
    })();
    const server = open(ctx, ZMQ_PEER);
    zmq.zmq_setsockopt(server, ZMQ_PLAIN_SERVER, 1);
    const address = await bound(server, 'tcp://127.0.0.1:*');
    const client = open(ctx, ZMQ_PEER);
    zmq.zmq_setsockopt(client, ZMQ_PLAIN_USERNAME, 'bob');
    zmq.zmq_setsockopt(client, ZMQ_PLAIN_PASSWORD, 'hunter2');
    const id = zmq.zmq_connect_peer(client, address);
    await zmq.zmq_msg_send(withRoutingId(zmq.zmq_msg_init_data('through PLAIN'), id), client, 0);
    const got = zmq.zmq_msg_init();
    assert.equal(await zmq.zmq_msg_recv(got, server, 0), 'through PLAIN'.length);
    assert.deepEqual(await serving, ['1.0', '1', '', '127.0.0.1', '', 'PLAIN', 'bob', 'hunter2']);
    await zmq.zmq_ctx_term(ctx);
  });
});

function withRoutingId(msg: ReturnType<typeof zmq.zmq_msg_init>, id: number): ReturnType<typeof zmq.zmq_msg_init> {
  assert.equal(zmq.zmq_msg_set_routing_id(msg, id), 0);
  return msg;
}
