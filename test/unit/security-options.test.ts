/**
 * The security options (ZMQ_PLAIN_*, ZMQ_CURVE_*, ZMQ_ZAP_*): what mechanism and role they select,
 * the values they take, the contradictions and missing keys they refuse, and the secrets a socket
 * zeroes when it closes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { Context, DEFAULT_OPTIONS, Peer, securityOf, z85Encode, type SocketOptions } from '../../core/index';

const server = nacl.box.keyPair();
const client = nacl.box.keyPair();
const SERVER_PUBLIC = z85Encode(server.publicKey);

describe('security options', () => {
  const SELECTIONS: ReadonlyArray<readonly [string, Partial<SocketOptions>, string, string]> = [
    ['nothing', {}, 'NULL', 'client'],
    ['a ZAP domain alone', { zapDomain: 'global' }, 'NULL', 'client'],
    ['plainServer', { plainServer: true }, 'PLAIN', 'server'],
    ['a PLAIN user name', { plainUsername: Buffer.from('bob') }, 'PLAIN', 'client'],
    ['a PLAIN password alone', { plainPassword: Buffer.from('pw') }, 'PLAIN', 'client'],
    ['curveServer', { curveServer: true, curveSecretKey: server.secretKey }, 'CURVE', 'server'],
    ['curveServerKey', { curveServerKey: server.publicKey }, 'CURVE', 'client'],
    ['a CURVE key pair alone (libzmq: a CURVE client)', { curvePublicKey: client.publicKey, curveSecretKey: client.secretKey }, 'CURVE', 'client'],
  ];
  for (const [what, options, mechanism, role] of SELECTIONS) {
    it(`selects ${mechanism}${mechanism === 'NULL' ? '' : ` ${role}`} with ${what}`, () => {
      assert.deepEqual(securityOf({ ...DEFAULT_OPTIONS, ...options }), { mechanism, role });
    });
  }

  const CONTRADICTIONS: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
    ['curveServer and curveServerKey', { curveServer: true, curveServerKey: SERVER_PUBLIC }, /either the CURVE server or a client/],
    ['plainServer and a user name', { plainServer: true, plainUsername: 'bob' }, /either the PLAIN server or a client/],
    ['PLAIN and CURVE', { plainUsername: 'bob', curveServerKey: SERVER_PUBLIC }, /one mechanism/],
  ];
  for (const [what, options, message] of CONTRADICTIONS) {
    it(`refuses ${what} with EINVAL, in the constructor and in setOption`, async () => {
      const context = new Context();
      assert.throws(() => new Peer({ context, ...options }), { code: 'EINVAL', message });
      const peer = new Peer({ context });
      const [first, second] = Object.entries(options);
      peer.setOption(first[0] as keyof SocketOptions, first[1] as never);
      assert.throws(() => peer.setOption(second[0] as keyof SocketOptions, second[1] as never), { code: 'EINVAL', message });
      assert.equal(peer.getOption(second[0] as keyof SocketOptions), DEFAULT_OPTIONS[second[0] as keyof SocketOptions], 'the refused value is not kept');
      await context.term();
    });
  }

  it('takes CURVE keys as 32 bytes or 40 Z85 characters and keeps 32 bytes', async () => {
    const context = new Context();
    const peer = new Peer({ context, curveServerKey: SERVER_PUBLIC, curvePublicKey: client.publicKey, curveSecretKey: z85Encode(client.secretKey) });
    assert.deepEqual(peer.getOption('curveServerKey'), server.publicKey);
    assert.deepEqual(peer.getOption('curveSecretKey'), client.secretKey);
    assert.throws(() => peer.setOption('curveServerKey', SERVER_PUBLIC.slice(1)), { code: 'EINVAL' });
    assert.throws(() => peer.setOption('curvePublicKey', new Uint8Array(31)), { code: 'EINVAL' });
    await context.term();
  });

  it('never shows a secret in an EINVAL message', async () => {
    const context = new Context();
    const peer = new Peer({ context });
    const secret = 'S3cr3t-not-a-z85-key';
    assert.throws(() => peer.setOption('curveSecretKey', secret), (err: Error) => !err.message.includes(secret) && /a secret, not shown/.test(err.message));
    assert.throws(() => peer.setOption('plainPassword', 'x'.repeat(256)), (err: Error) => !err.message.includes('xxxx'));
    await context.term();
  });

  it('takes PLAIN credentials of 1 to 255 bytes, and a ZAP domain of up to 255', async () => {
    const context = new Context();
    const peer = new Peer({ context, plainUsername: 'bob', plainPassword: Buffer.from('pw') });
    assert.deepEqual(peer.getOption('plainUsername'), Buffer.from('bob'));
    assert.throws(() => peer.setOption('plainUsername', ''), { code: 'EINVAL' });
    assert.throws(() => peer.setOption('plainPassword', 'p'.repeat(256)), { code: 'EINVAL' });
    peer.setOption('zapDomain', 'd'.repeat(255));
    assert.throws(() => peer.setOption('zapDomain', 'd'.repeat(256)), { code: 'EINVAL' });
    await context.term();
  });

  it('refuses to bind or connect a CURVE socket without the keys it needs (EINVAL naming them)', async () => {
    const context = new Context();
    const lonelyServer = new Peer({ context, curveServer: true });
    await assert.rejects(lonelyServer.bind('tcp://127.0.0.1:*'), { code: 'EINVAL', message: /a CURVE server needs curveSecretKey/ });
    const lonelyClient = new Peer({ context, curveServerKey: SERVER_PUBLIC });
    assert.throws(() => lonelyClient.connectPeer('tcp://127.0.0.1:5555'), { code: 'EINVAL', message: /a CURVE client needs curvePublicKey and curveSecretKey/ });
    // inproc runs no mechanism, as in libzmq.
    assert.ok(lonelyClient.connectPeer('inproc://anything') > 0);
    await context.term();
  });

  it('zeroes its secret key and password when it closes, and a secret it replaces at once', async () => {
    const context = new Context();
    const peer = new Peer({ context, curveServer: true, curveSecretKey: server.secretKey });
    const first = peer.getOption('curveSecretKey')!;
    assert.notEqual(first, server.secretKey, 'the socket keeps its own copy');
    peer.setOption('curveSecretKey', client.secretKey);
    assert.deepEqual(first, new Uint8Array(32), 'the replaced key was zeroed');
    const second = peer.getOption('curveSecretKey')!;
    const plain = new Peer({ context, plainUsername: 'bob', plainPassword: 'hunter2' });
    const password = plain.getOption('plainPassword')!;
    await peer.close();
    await plain.close();
    assert.deepEqual(second, new Uint8Array(32));
    assert.deepEqual(new Uint8Array(password), new Uint8Array(7));
    assert.notDeepEqual(server.secretKey, new Uint8Array(32), "the caller's own array is left alone");
    await context.term();
  });
});
