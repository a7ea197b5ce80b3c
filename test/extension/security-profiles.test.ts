/**
 * Security profiles as the settings hold them (names and public keys, a secret-looking field
 * refused with the reason), made into core options with secrets from a store, the allow-list ZAP
 * handlers of server profiles, what a user types for allow-lists, the CURVE key store (the secret
 * goes to the secret store only), and the PLAIN password masked out of a HELLO.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveKeypair, curvePublic, type ZapHandlerRequest } from '../../core/index';
import { plainHello } from '../../core/zmtp/plain';
import { maskPlainHello } from '../../extension/credential-mask';
import { CurveKeyStore, KEY_PAIRS_STATE } from '../../extension/curve-key-store';
import { SettingsProfiles } from '../../extension/profile-resolver';
import {
  CURVE_REFUSED,
  curveSecretId,
  parseAllowedClients,
  parseUserList,
  PLAIN_REFUSED,
  plainPasswordId,
  readSecurityProfiles,
  resolveProfile,
} from '../../extension/security-profiles';
import { memorySecrets, memoryState } from '../support/secret-stores';

function zapRequest(over: Partial<ZapHandlerRequest>): ZapHandlerRequest {
  return { domain: '', address: '127.0.0.1', routingId: new Uint8Array(0), mechanism: 'CURVE', credentials: [], ...over };
}

describe('security profiles: the setting', () => {
  it('reads each kind, a missing role meaning client', async () => {
    const server = await curveKeypair();
    const client = await curveKeypair();
    const read = readSecurityProfiles([
      { name: 'prod', mechanism: 'CURVE', keyPair: 'laptop', serverKey: server.publicKey },
      { name: 'stand-in', mechanism: 'CURVE', role: 'server', keyPair: 'srv', allowedClients: { alice: client.publicKey }, zapDomain: 'global' },
      { name: 'open server', mechanism: 'CURVE', role: 'server', keyPair: 'srv' },
      { name: 'plain', mechanism: 'PLAIN', username: 'admin' },
      { name: 'plain-srv', mechanism: 'PLAIN', role: 'server', users: ['admin', 'bob'] },
    ]);
    assert.deepEqual(read.problems, []);
    assert.deepEqual(read.profiles.map((p) => `${p.name}: ${p.mechanism} ${p.role}`), ['prod: CURVE client', 'stand-in: CURVE server', 'open server: CURVE server', 'plain: PLAIN client', 'plain-srv: PLAIN server']);
    assert.deepEqual(read.profiles[1], { name: 'stand-in', zapDomain: 'global', mechanism: 'CURVE', role: 'server', keyPair: 'srv', allowedClients: { alice: client.publicKey } });
  });

  it('refuses a profile that carries a secret, saying where secrets belong, and keeps the others', () => {
    const read = readSecurityProfiles([
      { name: 'leaky', mechanism: 'PLAIN', username: 'admin', password: 'hunter2' },
      { name: 'leaky-curve', mechanism: 'CURVE', keyPair: 'k', serverKey: 'x'.repeat(40), secretKey: 'y'.repeat(40) },
      { name: 'fine', mechanism: 'PLAIN', username: 'admin' },
    ]);
    assert.deepEqual(read.profiles.map((p) => p.name), ['fine']);
    assert.equal(read.problems.length, 2);
    assert.match(read.problems[0], /^profile "leaky": "password" does not belong in settings.*SecretStorage.*ZMQ: Set PLAIN Password/);
    assert.match(read.problems[1], /^profile "leaky-curve": "secretKey" does not belong in settings.*ZMQ: Generate CURVE Keypair/);
    // The refusal never repeats the secret.
    assert.ok(!read.problems.join('\n').includes('hunter2'));
  });

  it('says what is wrong with a bad entry', () => {
    const read = readSecurityProfiles([
      'text',
      { mechanism: 'CURVE' },
      { name: ' spaced', mechanism: 'PLAIN', username: 'u' },
      { name: 'k', mechanism: 'CURVE', keyPair: 'k', serverKey: 'short' },
      { name: 'z', mechanism: 'CURVE', keyPair: 'k', serverKey: 'x'.repeat(39) + '~' },
      { name: 'g', mechanism: 'GSSAPI' },
      { name: 'r', mechanism: 'PLAIN', role: 'both', username: 'u' },
      { name: 's', mechanism: 'PLAIN', role: 'server', users: [] },
      { name: 'a', mechanism: 'CURVE', role: 'server', keyPair: 'k', allowedClients: { bob: 'nope' } },
      { name: 'd', mechanism: 'PLAIN', username: 'u' },
      { name: 'd', mechanism: 'PLAIN', username: 'v' },
    ]);
    assert.deepEqual(read.profiles.map((p) => p.name), ['d']);
    assert.deepEqual(read.problems, [
      'entry 1 is not an object',
      'entry 2: "name" is missing',
      'profile " spaced": "name" is 1 to 64 letters, digits, spaces, "_", "." or "-" (no space at either end)',
      'profile "k": "serverKey": a CURVE key is 40 Z85 characters, not 5',
      'profile "z": "serverKey": not Z85 text (0-9 a-z A-Z . - : + = ^ ! / * ? & < > ( ) [ ] { } @ % $ #)',
      'profile "g": "mechanism" is "CURVE" or "PLAIN"',
      'profile "r": "role" is "client" or "server"',
      'profile "s": a PLAIN server needs "users", the user names it admits',
      'profile "a": "allowedClients"."bob": a CURVE key is 40 Z85 characters, not 4',
      'profile "d": another profile has that name; the first one is used',
    ]);
    assert.deepEqual(readSecurityProfiles(undefined), { profiles: [], problems: [] });
    assert.deepEqual(readSecurityProfiles({}), { profiles: [], problems: ['zmqPeer.security.profiles is a list of profiles'] });
  });
});

describe('security profiles: resolved with secrets', () => {
  it('makes a CURVE client of its key pair and the server key, the public key derived from the secret', async () => {
    const secrets = memorySecrets();
    const ours = await curveKeypair();
    const server = await curveKeypair();
    await secrets.store(curveSecretId('laptop'), ours.secretKey);
    const [profile] = readSecurityProfiles([{ name: 'prod', mechanism: 'CURVE', keyPair: 'laptop', serverKey: server.publicKey }]).profiles;
    const resolved = await resolveProfile(profile, secrets);
    assert.deepEqual(resolved.options, { curveServerKey: server.publicKey, curvePublicKey: ours.publicKey, curveSecretKey: ours.secretKey });
    assert.deepEqual(resolved.security, { profile: 'prod', mechanism: 'CURVE', role: 'client', publicKey: ours.publicKey });
    assert.match(resolved.fingerprint, /^[0-9a-f]{64}$/);
    // Same profile, same secret: same fingerprint; a new secret: another.
    assert.equal((await resolveProfile(profile, secrets)).fingerprint, resolved.fingerprint);
    await secrets.store(curveSecretId('laptop'), (await curveKeypair()).secretKey);
    assert.notEqual((await resolveProfile(profile, secrets)).fingerprint, resolved.fingerprint);
  });

  it('fails with EPROFILE, saying what to run, when a secret is not in the store', async () => {
    const secrets = memorySecrets();
    const server = await curveKeypair();
    const [curve, plain] = readSecurityProfiles([
      { name: 'prod', mechanism: 'CURVE', keyPair: 'laptop', serverKey: server.publicKey },
      { name: 'pl', mechanism: 'PLAIN', username: 'admin' },
    ]).profiles;
    await assert.rejects(resolveProfile(curve, secrets), { code: 'EPROFILE', message: /key pair "laptop" is not in this machine's SecretStorage.*ZMQ: Generate CURVE Keypair/ });
    await assert.rejects(resolveProfile(plain, secrets), { code: 'EPROFILE', message: /no PLAIN password is stored for user "admin".*ZMQ: Set PLAIN Password/ });
    const book = new SettingsProfiles(() => [{ name: 'pl', mechanism: 'PLAIN', username: 'admin' }, { name: 'bad', mechanism: 'PLAIN', password: 'x', username: 'a' }], secrets);
    await assert.rejects(book.resolve('nope'), { code: 'EPROFILE', message: /no security profile "nope"/ });
    await assert.rejects(book.resolve('bad'), { code: 'EPROFILE', message: /"password" does not belong in settings/ });
    await secrets.store(plainPasswordId('pl'), 'pw');
    assert.deepEqual((await book.resolve('pl')).options, { plainUsername: 'admin', plainPassword: 'pw' });
  });

  it("a CURVE server with an allow-list admits the listed keys with their User-Id and refuses others with 400", async () => {
    const secrets = memorySecrets();
    const srv = await curveKeypair();
    const alice = await curveKeypair();
    const mallory = await curveKeypair();
    await secrets.store(curveSecretId('srv'), srv.secretKey);
    const [listed, open] = readSecurityProfiles([
      { name: 'listed', mechanism: 'CURVE', role: 'server', keyPair: 'srv', allowedClients: { alice: alice.publicKey } },
      { name: 'open', mechanism: 'CURVE', role: 'server', keyPair: 'srv', zapDomain: 'd' },
    ]).profiles;
    const resolved = await resolveProfile(listed, secrets);
    assert.equal(resolved.options.curveServer, true);
    assert.equal(resolved.options.curvePublicKey, await curvePublic(srv.secretKey));
    const zap = resolved.options.zapHandler!;
    assert.deepEqual(await zap(zapRequest({ clientKey: alice.publicKey })), { status: 200, statusText: 'OK', userId: 'alice' });
    assert.deepEqual(await zap(zapRequest({ clientKey: mallory.publicKey })), { status: 400, statusText: CURVE_REFUSED });
    // Without a list, no ZAP handler: libzmq's CURVE server then admits any client that knows its key.
    const openResolved = await resolveProfile(open, secrets);
    assert.equal(openResolved.options.zapHandler, undefined);
    assert.equal(openResolved.options.zapDomain, 'd');
  });

  it('a PLAIN server admits a listed user with the stored password (read at each handshake), and nobody else', async () => {
    const secrets = memorySecrets();
    const [profile] = readSecurityProfiles([{ name: 'ps', mechanism: 'PLAIN', role: 'server', users: ['bob', 'carol'] }]).profiles;
    const resolved = await resolveProfile(profile, secrets);
    assert.equal(resolved.options.plainServer, true);
    assert.equal(resolved.options.plainPassword, undefined, 'the socket holds no password');
    const zap = resolved.options.zapHandler!;
    const plain = (username: string, password: string) => zapRequest({ mechanism: 'PLAIN', username, password });
    assert.deepEqual(await zap(plain('bob', 'pw')), { status: 400, statusText: PLAIN_REFUSED }, 'no password stored yet');
    await secrets.store(plainPasswordId('ps', 'bob'), 'pw');
    assert.deepEqual(await zap(plain('bob', 'pw')), { status: 200, statusText: 'OK', userId: 'bob' });
    assert.deepEqual(await zap(plain('bob', 'pw2')), { status: 400, statusText: PLAIN_REFUSED });
    assert.deepEqual(await zap(plain('eve', 'pw')), { status: 400, statusText: PLAIN_REFUSED });
    await secrets.store(plainPasswordId('ps', 'bob'), 'changed');
    assert.deepEqual(await zap(plain('bob', 'changed')), { status: 200, statusText: 'OK', userId: 'bob' });
  });
});

describe('security profiles: what users type', () => {
  it('reads an allow-list of keys, named or not', async () => {
    const a = (await curveKeypair()).publicKey;
    const b = (await curveKeypair()).publicKey;
    assert.equal(parseAllowedClients('  '), undefined);
    assert.deepEqual(parseAllowedClients(`${a}, bob=${b}`), { 'client-1': a, bob: b });
    assert.equal(parseAllowedClients(`alice=${a} alice=${b}`), 'entry 2: the User-Id "alice" is listed twice');
    assert.equal(parseAllowedClients('alice=nope'), 'entry 1: a CURVE key is 40 Z85 characters, not 4');
    assert.deepEqual(parseUserList('bob, carol bob'), ['bob', 'carol']);
    assert.equal(parseUserList(' '), 'list at least one user name');
  });
});

describe('CURVE key store', () => {
  it('puts the secret key in the secret store only, and keeps the public key, which matches it', async () => {
    const state = memoryState();
    const secrets = memorySecrets();
    const store = new CurveKeyStore(state, secrets);
    const info = await store.generate('laptop', 1234);
    const secret = secrets.map.get(curveSecretId('laptop'))!;
    assert.equal(secret.length, 40);
    assert.equal(info.publicKey, await curvePublic(secret));
    assert.deepEqual(store.list(), [{ name: 'laptop', publicKey: info.publicKey, created: 1234 }]);
    assert.ok(!JSON.stringify([...state.map]).includes(secret), 'no secret in the global state');
    // Generating again under the same name replaces both.
    const again = await store.generate('laptop', 5678);
    assert.notEqual(again.publicKey, info.publicKey);
    assert.deepEqual(store.list().map((k) => k.publicKey), [again.publicKey]);
    await assert.rejects(store.generate('a/b'), /A key pair name is 1 to 64/);
    await store.remove('laptop');
    assert.deepEqual([store.list(), secrets.map.size], [[], 0]);
    // A list that does not read as one (edited by hand, another version) is skipped entry by entry.
    await state.update(KEY_PAIRS_STATE, [{ name: 'x' }, 7, { name: 'ok', publicKey: again.publicKey, created: 1 }]);
    assert.deepEqual(store.list().map((k) => k.name), ['ok']);
  });

  it('keeps an existing secret key (a server\'s, for a terminating tap) in the secret store only, its public key derived; a bad one refused without quoting it', async () => {
    const state = memoryState();
    const secrets = memorySecrets();
    const store = new CurveKeyStore(state, secrets);
    const existing = await curveKeypair();
    const info = await store.import('upstream-server', existing.secretKey, 42);
    assert.deepEqual(info, { name: 'upstream-server', publicKey: existing.publicKey, created: 42 });
    assert.equal(secrets.map.get(curveSecretId('upstream-server')), existing.secretKey);
    assert.ok(!JSON.stringify([...state.map]).includes(existing.secretKey), 'no secret in the global state');
    const notZ85 = `${existing.secretKey.slice(0, 39)}~`;
    await assert.rejects(store.import('bad', notZ85), (err: Error) => /40 Z85 characters/.test(err.message) && !err.message.includes(notZ85.slice(0, 10)));
    await assert.rejects(store.import('short', 'abc'), /40 Z85 characters/);
    assert.deepEqual(store.list().map((k) => k.name), ['upstream-server']);
  });
});

describe('PLAIN passwords masked out of HELLO', () => {
  const enc = new TextEncoder();
  it("replaces the password's bytes with * and keeps the size and the user name", () => {
    const hello = plainHello(enc.encode('admin'), enc.encode('hunter2'));
    const masked = maskPlainHello(hello);
    assert.equal(masked.length, hello.length);
    assert.equal(Buffer.from(masked).toString('latin1'), '\x05HELLO\x05admin\x07*******');
    assert.equal(Buffer.from(hello).toString('latin1').endsWith('hunter2'), true, 'the original is untouched');
  });

  it('leaves a CURVE HELLO alone and hides everything of a malformed one', () => {
    const curveHello = new Uint8Array(200);
    curveHello.set([5, ...enc.encode('HELLO'), 1, 0]);
    assert.equal(maskPlainHello(curveHello), curveHello);
    const broken = new Uint8Array([5, ...enc.encode('HELLO'), 5, ...enc.encode('admin'), 9, ...enc.encode('secret')]);
    assert.equal(Buffer.from(maskPlainHello(broken)).toString('latin1'), '\x05HELLO' + '*'.repeat(13));
  });
});
