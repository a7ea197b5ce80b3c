/**
 * The security mechanisms as pure state machines (core/zmtp/null-mechanism.ts, plain.ts, curve.ts,
 * zap.ts): a client and a server joined in memory by two fake hosts, libzmq's checks of each
 * command, the consequences of each ZAP status, and CURVE's traffic boxes. CURVE runs with one side
 * on libsodium and the other on tweetnacl, so both NaCls must agree for a handshake to complete.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import { ERRNO, PROTOCOL_ERROR, ZmtpError, type ZmtpErrorCode } from '../../core/errors';
import { loadCurveCrypto } from '../../core/crypto/sodium';
import { encodeProperties, parseProperties } from '../../core/zmtp/command';
import { FLAG_COMMAND, FLAG_MORE } from '../../core/zmtp/constants';
import { CurveClient, CurveServer } from '../../core/zmtp/curve';
import type { CurveCrypto } from '../../core/zmtp/curve-crypto';
import type { HandshakeCommand, Mechanism, MechanismHost, MechanismName } from '../../core/zmtp/mechanism';
import { NullMechanism } from '../../core/zmtp/null-mechanism';
import { PlainClient, PlainServer, parsePlainHello, plainHello } from '../../core/zmtp/plain';
import { z85Encode } from '../../core/zmtp/z85';
import { parseZapReply, zapReplyFrames, type ZapReply, type ZapReplyFields } from '../../core/zmtp/zap';
import { ascii, hex } from '../support/hex';
import { tweetnaclCrypto } from '../support/tweetnacl-crypto';

/** A ZAP handler for the fake host: answers each request at once, or not at all (undefined). */
type FakeZap = (mechanism: MechanismName, credentials: readonly Uint8Array[]) => ZapReplyFields | undefined;

/** One side's connection as a mechanism sees it: what it sent, its state, its peer's properties. */
class FakeHost implements MechanismHost {
  readonly metadata = [['Socket-Type', ascii('PEER')]] as const;
  readonly sent: Array<{ step: HandshakeCommand; body: Uint8Array }> = [];
  readonly properties: Record<string, string> = {};
  readonly zapRequests: Array<{ mechanism: MechanismName; credentials: readonly Uint8Array[] }> = [];
  mechanism!: Mechanism;
  peer: FakeHost | undefined;
  isReady = false;
  refusal: ZmtpError | undefined;
  zapAccepted_: ZapReply | undefined;
  zap: FakeZap | undefined;
  #pendingZap: ZapReplyFields | undefined;

  acceptProperties(properties: ReadonlyArray<readonly [string, Uint8Array]>): void {
    for (const [name, value] of properties) this.properties[name] = Buffer.from(value).toString();
    const type = this.properties['Socket-Type'];
    if (type !== undefined && type !== 'PEER') throw new ZmtpError('ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', `Peer socket type "${type}" is not compatible with PEER`);
  }

  sendCommand(step: HandshakeCommand, body: Uint8Array): void {
    this.sent.push({ step, body: body.slice() });
  }

  requestZap(mechanism: MechanismName, credentials: readonly Uint8Array[]): boolean {
    if (!this.zap) return false;
    this.zapRequests.push({ mechanism, credentials });
    this.#pendingZap = this.zap(mechanism, credentials);
    return true;
  }

  /** Delivers the ZAP answer the handler gave (asynchronous in the engine, so after requestZap returned). */
  answerZap(): void {
    const fields = this.#pendingZap;
    this.#pendingZap = undefined;
    if (fields) this.mechanism.zapReplied(parseZapReply(zapReplyFrames(fields)));
  }

  zapAccepted(reply: ZapReply): void {
    this.zapAccepted_ = reply;
  }

  refused(error: ZmtpError): void {
    this.refusal = error;
  }

  ready(): void {
    this.isReady = true;
  }
}

/** Moves every command each side has sent to the other, answering ZAP in between, until both are quiet. */
function pump(a: FakeHost, b: FakeHost): void {
  const delivered = new Map<FakeHost, number>([
    [a, 0],
    [b, 0],
  ]);
  for (let round = 0; round < 10; round++) {
    let moved = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      from.answerZap();
      while (delivered.get(from)! < from.sent.length) {
        const { body } = from.sent[delivered.get(from)!];
        delivered.set(from, delivered.get(from)! + 1);
        to.mechanism.receive(body);
        moved = true;
      }
    }
    if (!moved) return;
  }
}

function pair(makeClient: (host: FakeHost) => Mechanism, makeServer: (host: FakeHost) => Mechanism, zap?: FakeZap): { client: FakeHost; server: FakeHost } {
  const client = new FakeHost();
  const server = new FakeHost();
  server.zap = zap;
  client.mechanism = makeClient(client);
  server.mechanism = makeServer(server);
  client.mechanism.start();
  server.mechanism.start();
  return { client, server };
}

/** An assert.throws validator for a ZmtpError with this code and, when given, protocol error and message. */
function wireError(code: ZmtpErrorCode, protocolError?: number, message?: RegExp): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ZmtpError, `expected a ZmtpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (protocolError !== undefined) assert.equal(err.protocolError, protocolError);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const ZAP_OFF = { zapDomain: '', zapEnforceDomain: false };

describe('NULL mechanism', () => {
  it('completes once READY went both ways, each naming Socket-Type PEER', () => {
    const { client, server } = pair((h) => new NullMechanism(h, ZAP_OFF), (h) => new NullMechanism(h, ZAP_OFF));
    assert.deepEqual(client.sent[0].body, hex('05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52'));
    pump(client, server);
    assert.ok(client.isReady && server.isReady);
    assert.deepEqual(server.properties, { 'Socket-Type': 'PEER' });
  });

  it('asks ZAP first when a domain is set: 200 sends READY, 400 and 500 ERROR, 300 nothing', () => {
    const cases: ReadonlyArray<readonly [number, HandshakeCommand | undefined]> = [
      [200, 'READY'],
      [400, 'ERROR'],
      [500, 'ERROR'],
      [300, undefined],
    ];
    for (const [status, sent] of cases) {
      const host = new FakeHost();
      host.zap = () => ({ status, userId: 'u' });
      host.mechanism = new NullMechanism(host, { zapDomain: 'global', zapEnforceDomain: false });
      host.mechanism.start();
      assert.equal(host.sent.length, 0, 'nothing before ZAP answered');
      host.answerZap();
      assert.equal(host.sent[0]?.step, sent, `status ${status}`);
      if (status === 200) assert.equal(host.refusal, undefined);
      else {
        assert.equal(host.refusal?.code, 'ERR_ZAP_DENIED');
        assert.equal(host.refusal?.zapStatus, status);
      }
      if (sent === 'ERROR') assert.deepEqual(host.sent[0].body, Uint8Array.of(5, ...ascii('ERROR'), 3, ...ascii(String(status))));
    }
  });

  it('goes on without ZAP when no handler exists, unless the domain is enforced (EFAULT, as libzmq)', () => {
    const lenient = new FakeHost();
    lenient.mechanism = new NullMechanism(lenient, { zapDomain: 'global', zapEnforceDomain: false });
    lenient.mechanism.start();
    assert.equal(lenient.sent[0].step, 'READY');
    const strict = new FakeHost();
    strict.mechanism = new NullMechanism(strict, { zapDomain: 'global', zapEnforceDomain: true });
    assert.throws(() => strict.mechanism.start(), (err: ZmtpError) => err.code === 'ERR_ZAP_NO_HANDLER' && err.errno === ERRNO.EFAULT);
  });

  it('reports an ERROR "400" as HANDSHAKE_FAILED_AUTH material, and a second READY as UNEXPECTED_COMMAND', () => {
    const host = new FakeHost();
    host.mechanism = new NullMechanism(host, ZAP_OFF);
    host.mechanism.start();
    assert.throws(
      () => host.mechanism.receive(Uint8Array.of(5, ...ascii('ERROR'), 3, ...ascii('400'))),
      (err: ZmtpError) => err.code === 'ERR_ZMTP_ERROR_RECEIVED' && err.zapStatus === 400 && err.reason === '400',
    );
    const other = new FakeHost();
    other.mechanism = new NullMechanism(other, ZAP_OFF);
    const ready = Uint8Array.of(5, ...ascii('READY'), ...encodeProperties([['Socket-Type', ascii('PEER')]]));
    other.mechanism.receive(ready);
    assert.throws(() => other.mechanism.receive(ready), wireError('ERR_ZMTP_UNEXPECTED_COMMAND', PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND, /a second READY/));
  });
});

const PLAIN_USER = { username: ascii('bob'), password: ascii('s3cret') };

describe('PLAIN mechanism (RFC 24)', () => {
  it('writes HELLO as libzmq: 05 HELLO, the user name and the password with their lengths', () => {
    assert.deepEqual(plainHello(ascii('bob'), ascii('s3cret')), hex('05 48 45 4C 4C 4F 03 62 6F 62 06 73 33 63 72 65 74'));
    assert.deepEqual(parsePlainHello(plainHello(ascii('bob'), ascii('s3cret'))), { username: ascii('bob'), password: ascii('s3cret') });
  });

  it('completes HELLO → ZAP → WELCOME → INITIATE → READY with the ZAP user id and metadata for the server', () => {
    const { client, server } = pair(
      (h) => new PlainClient(h, PLAIN_USER),
      (h) => new PlainServer(h),
      (mechanism, credentials) => {
        assert.equal(mechanism, 'PLAIN');
        assert.deepEqual(credentials.map((c) => Buffer.from(c).toString()), ['bob', 's3cret']);
        return { status: 200, userId: 'bob@example', metadata: { Team: 'blue' } };
      },
    );
    pump(client, server);
    assert.deepEqual(
      [...client.sent.map((s) => s.step), ...server.sent.map((s) => s.step)],
      ['HELLO', 'INITIATE', 'WELCOME', 'READY'],
    );
    assert.deepEqual(server.sent[0].body, Uint8Array.of(7, ...ascii('WELCOME')), 'WELCOME is exactly 8 bytes');
    assert.ok(client.isReady && server.isReady);
    assert.equal(Buffer.from(server.zapAccepted_!.userId).toString(), 'bob@example');
    assert.deepEqual(server.zapAccepted_!.metadata.map(([n, v]) => [n, Buffer.from(v).toString()]), [['Team', 'blue']]);
    assert.deepEqual(client.properties, { 'Socket-Type': 'PEER' });
  });

  it('refuses every client when the server has no ZAP handler (libzmq: HANDSHAKE_FAILED_NO_DETAIL, EFAULT)', () => {
    const { client, server } = pair((h) => new PlainClient(h, PLAIN_USER), (h) => new PlainServer(h));
    assert.throws(
      () => pump(client, server),
      (err: ZmtpError) =>
        err.code === 'ERR_ZAP_NO_HANDLER' && err.errno === ERRNO.EFAULT && /PLAIN server has no ZAP handler: libzmq then rejects every client/.test(err.message),
    );
    assert.match(client.mechanism.explainClose()!.message, /no ZAP handler/, 'the client can tell why the server hung up');
  });

  for (const status of [400, 500] as const) {
    it(`answers ZAP ${status} with ERROR "${status}", which the client reports with the user and the status`, () => {
      const { client, server } = pair((h) => new PlainClient(h, PLAIN_USER), (h) => new PlainServer(h), () => ({ status, statusText: 'no such user' }));
      assert.throws(
        () => pump(client, server),
        (err: ZmtpError) =>
          err.code === 'ERR_ZMTP_AUTH_REJECTED' && err.zapStatus === status && err.step === 'HELLO' && new RegExp(`user "bob".*ZAP ${status}`).test(err.message),
      );
      assert.equal(server.refusal?.code, 'ERR_ZAP_DENIED');
      assert.match(server.refusal!.message, /PLAIN user "bob" \((400|500) no such user\)/);
      assert.deepEqual(server.sent.map((s) => s.step), ['ERROR']);
    });
  }

  it("writes ERROR in libzmq's PLAIN form (5E RROR: a C hex escape ate the E) and reads both forms", () => {
    const { server } = pair((h) => new PlainClient(h, PLAIN_USER), (h) => new PlainServer(h), () => ({ status: 400 }));
    server.mechanism.receive(plainHello(ascii('bob'), ascii('pw')));
    server.answerZap();
    assert.deepEqual(server.sent[0].body, hex('5E 52 52 4F 52 03 34 30 30'));
    for (const error of [hex('5E 52 52 4F 52 03 35 30 30'), hex('05 45 52 52 4F 52 03 35 30 30')]) {
      const client = new FakeHost();
      client.mechanism = new PlainClient(client, PLAIN_USER);
      client.mechanism.start();
      assert.throws(() => client.mechanism.receive(error), (err: ZmtpError) => err.code === 'ERR_ZMTP_AUTH_REJECTED' && err.zapStatus === 500);
    }
  });

  it('answers ZAP 300 with no command at all (the client is silently disconnected)', () => {
    const { client, server } = pair((h) => new PlainClient(h, PLAIN_USER), (h) => new PlainServer(h), () => ({ status: 300 }));
    pump(client, server);
    assert.deepEqual(server.sent, []);
    assert.equal(server.refusal?.zapStatus, 300);
    assert.equal(client.isReady, false);
  });

  const BAD_HELLOS: ReadonlyArray<readonly [string, Uint8Array, ZmtpErrorCode, number]> = [
    ['without a user name', ascii('\x05HELLO'), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['whose user name overruns it', hex('05 48 45 4C 4C 4F 09 62 6F 62'), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['without a password', hex('05 48 45 4C 4C 4F 03 62 6F 62'), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['with a byte after the password', hex('05 48 45 4C 4C 4F 03 62 6F 62 01 70 71'), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['that is another command', Uint8Array.of(5, ...ascii('READY')), 'ERR_ZMTP_UNEXPECTED_COMMAND', PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND],
    ['too short for its name', Uint8Array.of(9, 1, 2), 'ERR_ZMTP_MALFORMED_COMMAND', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED],
  ];
  for (const [what, body, code, protocolError] of BAD_HELLOS) {
    it(`refuses a HELLO ${what} with libzmq's protocol error`, () => {
      const server = new FakeHost();
      server.zap = () => ({ status: 200 });
      server.mechanism = new PlainServer(server);
      assert.throws(() => server.mechanism.receive(body), wireError(code, protocolError));
    });
  }

  it('refuses a WELCOME that is not exactly 8 bytes (MALFORMED_COMMAND_WELCOME)', () => {
    const client = new FakeHost();
    client.mechanism = new PlainClient(client, PLAIN_USER);
    client.mechanism.start();
    assert.throws(() => client.mechanism.receive(Uint8Array.of(7, ...ascii('WELCOME'), 0)), wireError('ERR_ZMTP_MALFORMED_COMMAND_WELCOME', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_WELCOME));
  });

  it("reports a READY whose Socket-Type does not suit as INVALID_METADATA, as libzmq's PLAIN client does", () => {
    const client = new FakeHost();
    client.mechanism = new PlainClient(client, PLAIN_USER);
    client.mechanism.start();
    client.mechanism.receive(Uint8Array.of(7, ...ascii('WELCOME')));
    const ready = Uint8Array.of(5, ...ascii('READY'), ...encodeProperties([['Socket-Type', ascii('DEALER')]]));
    assert.throws(() => client.mechanism.receive(ready), wireError('ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE', PROTOCOL_ERROR.ZMTP_INVALID_METADATA));
  });
});

describe('CURVE mechanism (RFC 25/26)', () => {
  const serverKeys = nacl.box.keyPair();
  const clientKeys = nacl.box.keyPair();
  let sodium: CurveCrypto;

  it('loads libsodium for the tests below', async () => {
    sodium = await loadCurveCrypto();
  });

  function curvePair(options: { clientCrypto?: CurveCrypto; serverCrypto?: CurveCrypto; serverKey?: Uint8Array; zap?: FakeZap; enforce?: boolean; domain?: string } = {}) {
    return pair(
      (h) => new CurveClient(h, options.clientCrypto ?? tweetnaclCrypto, { publicKey: clientKeys.publicKey, secretKey: clientKeys.secretKey, serverKey: options.serverKey ?? serverKeys.publicKey }),
      (h) => new CurveServer(h, options.serverCrypto ?? sodium, { secretKey: serverKeys.secretKey, zapDomain: options.domain ?? '', zapEnforceDomain: options.enforce ?? false }),
      options.zap,
    );
  }

  for (const [clientSide, serverSide] of [
    ['tweetnacl', 'libsodium'],
    ['libsodium', 'tweetnacl'],
  ] as const) {
    it(`completes HELLO → WELCOME → INITIATE → ZAP → READY with the client on ${clientSide} and the server on ${serverSide}`, () => {
      const crypto = { tweetnacl: tweetnaclCrypto, libsodium: sodium };
      const { client, server } = curvePair({
        clientCrypto: crypto[clientSide],
        serverCrypto: crypto[serverSide],
        zap: (mechanism, credentials) => {
          assert.equal(mechanism, 'CURVE');
          assert.deepEqual(credentials, [clientKeys.publicKey], "ZAP gets the client's long-term public key");
          return { status: 200, userId: 'alice' };
        },
      });
      pump(client, server);
      assert.ok(client.isReady && server.isReady);
      // libzmq's sizes: HELLO 200, WELCOME 168, INITIATE 257 + metadata, READY 30 + metadata.
      const metadata = encodeProperties(client.metadata).length;
      assert.deepEqual(client.sent.map((s) => [s.step, s.body.length]), [
        ['HELLO', 200],
        ['INITIATE', 257 + metadata],
      ]);
      assert.deepEqual(server.sent.map((s) => [s.step, s.body.length]), [
        ['WELCOME', 168],
        ['READY', 30 + metadata],
      ]);
      // HELLO: version 1.0, 72 bytes of padding, short nonce 1; INITIATE nonce 2; READY nonce 1.
      const hello = client.sent[0].body;
      assert.deepEqual(hello.subarray(6, 80), new Uint8Array(74).fill(0, 0).map((_, i) => (i === 0 ? 1 : 0)));
      assert.deepEqual(hello.subarray(112, 120), hex('00 00 00 00 00 00 00 01'));
      assert.deepEqual(client.sent[1].body.subarray(105, 113), hex('00 00 00 00 00 00 00 02'));
      assert.deepEqual(server.sent[1].body.subarray(6, 14), hex('00 00 00 00 00 00 00 01'));
      assert.deepEqual(server.properties, { 'Socket-Type': 'PEER' });
      assert.equal(Buffer.from(server.zapAccepted_!.userId).toString(), 'alice');

      // Traffic: the client's first MESSAGE carries nonce 3, the server's 2; flags travel inside.
      const up = client.mechanism.traffic!.seal(FLAG_MORE, ascii('hello'));
      assert.deepEqual(up.subarray(0, 16), Uint8Array.of(7, ...ascii('MESSAGE'), 0, 0, 0, 0, 0, 0, 0, 3));
      assert.equal(up.length, 33 + 5);
      const opened = server.mechanism.traffic!.open(up);
      assert.deepEqual([server.mechanism.traffic!.openedFlags, Buffer.from(opened).toString()], [FLAG_MORE, 'hello']);
      const down = server.mechanism.traffic!.seal(FLAG_COMMAND, Uint8Array.of(4, ...ascii('PING'), 0, 0));
      assert.deepEqual(down.subarray(8, 16), hex('00 00 00 00 00 00 00 02'));
      client.mechanism.traffic!.open(down);
      assert.equal(client.mechanism.traffic!.openedFlags, FLAG_COMMAND);
      client.mechanism.dispose();
      server.mechanism.dispose();
    });
  }

  it('closes on a replayed or reordered MESSAGE nonce with ERR_ZMTP_INVALID_SEQUENCE', () => {
    const { client, server } = curvePair();
    pump(client, server);
    const first = client.mechanism.traffic!.seal(0, ascii('one'));
    const second = client.mechanism.traffic!.seal(0, ascii('two'));
    server.mechanism.traffic!.open(second);
    assert.throws(() => server.mechanism.traffic!.open(first), wireError('ERR_ZMTP_INVALID_SEQUENCE', PROTOCOL_ERROR.ZMTP_INVALID_SEQUENCE, /nonce 3 is not above the last one received \(4\)/));
    assert.throws(() => server.mechanism.traffic!.open(second), wireError('ERR_ZMTP_INVALID_SEQUENCE', undefined, /replayed or reordered/));
  });

  it('refuses a tampered MESSAGE (CRYPTOGRAPHIC), one too short (MALFORMED_COMMAND_MESSAGE) and a plain frame (UNEXPECTED_COMMAND)', () => {
    const { client, server } = curvePair();
    pump(client, server);
    const box = client.mechanism.traffic!.seal(0, ascii('data'));
    box[box.length - 1] ^= 1;
    assert.throws(() => server.mechanism.traffic!.open(box), wireError('ERR_ZMTP_CRYPTOGRAPHIC', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC));
    const next = client.mechanism.traffic!.seal(0, ascii('data'));
    assert.throws(() => server.mechanism.traffic!.open(next.subarray(0, 32)), wireError('ERR_ZMTP_MALFORMED_COMMAND_MESSAGE', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_MESSAGE));
    assert.throws(() => server.mechanism.traffic!.open(ascii('plain text')), wireError('ERR_ZMTP_UNEXPECTED_COMMAND', PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND));
  });

  it("fails a client that has the wrong server key: the server names the key its clients need", () => {
    const { client, server } = curvePair({ serverKey: nacl.box.keyPair().publicKey });
    assert.throws(
      () => pump(client, server),
      wireError('ERR_ZMTP_CRYPTOGRAPHIC', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, new RegExp(`HELLO box did not open.*${escape(z85Encode(serverKeys.publicKey))}`)),
    );
    const explained = client.mechanism.explainClose()!;
    assert.equal(explained.code, 'ERR_CURVE_WRONG_SERVER_KEY');
    assert.equal(explained.step, 'HELLO');
  });

  it("tells the client the server's key does not match when WELCOME does not open", () => {
    const client = new FakeHost();
    client.mechanism = new CurveClient(client, tweetnaclCrypto, { publicKey: clientKeys.publicKey, secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });
    client.mechanism.start();
    const welcome = new Uint8Array(168);
    welcome.set(Uint8Array.of(7, ...ascii('WELCOME')));
    assert.throws(
      () => client.mechanism.receive(welcome),
      wireError('ERR_CURVE_WRONG_SERVER_KEY', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, /the server's public key does not match the one configured \(WELCOME box did not open\)/i),
    );
    assert.throws(() => client.mechanism.receive(welcome.subarray(0, 100)), wireError('ERR_ZMTP_CRYPTOGRAPHIC', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, /100 bytes instead of 168/));
  });

  for (const status of [400, 500] as const) {
    it(`answers ZAP ${status} with ERROR; the client names its key and the status`, () => {
      const { client, server } = curvePair({ zap: () => ({ status }) });
      assert.throws(
        () => pump(client, server),
        (err: ZmtpError) =>
          err.code === 'ERR_ZMTP_AUTH_REJECTED' &&
          err.zapStatus === status &&
          err.step === 'INITIATE' &&
          err.message.startsWith(`The server rejected our CURVE key ${z85Encode(clientKeys.publicKey)} (ZAP ${status}: `),
      );
      assert.equal(server.refusal?.code, 'ERR_ZAP_DENIED');
      assert.match(server.refusal!.message, new RegExp(`CURVE client key ${escape(z85Encode(clientKeys.publicKey))}`));
    });
  }

  it('answers ZAP 300 with nothing, and the client can say why the server hung up', () => {
    const { client, server } = curvePair({ zap: () => ({ status: 300 }) });
    pump(client, server);
    assert.deepEqual(server.sent.map((s) => s.step), ['WELCOME']);
    assert.equal(server.refusal?.zapStatus, 300);
    assert.match(client.mechanism.explainClose()!.message, /ZAP handler answers 300/);
  });

  it("accepts any client that knows the key when there is no ZAP handler (libzmq's Stonehouse), unless a domain is enforced", () => {
    const open = curvePair();
    pump(open.client, open.server);
    assert.ok(open.client.isReady && open.server.isReady);
    const enforced = curvePair({ enforce: true, domain: 'global' });
    assert.throws(() => pump(enforced.client, enforced.server), (err: ZmtpError) => err.code === 'ERR_ZAP_NO_HANDLER' && err.errno === ERRNO.EFAULT);
    // Enforced but without a domain: libzmq does not ask ZAP at all.
    const noDomain = curvePair({ enforce: true, zap: () => assert.fail('ZAP must not be asked') });
    pump(noDomain.client, noDomain.server);
    assert.ok(noDomain.server.isReady);
  });

  it("refuses an INITIATE whose cookie is not this connection's (CRYPTOGRAPHIC)", () => {
    const { client, server } = curvePair();
    server.mechanism.receive(client.sent[0].body);
    client.mechanism.receive(server.sent[0].body);
    const initiate = client.sent[1].body.slice();
    initiate[30] ^= 1;
    assert.throws(() => server.mechanism.receive(initiate), wireError('ERR_ZMTP_CRYPTOGRAPHIC', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC, /cookie did not open/));
  });

  const BAD_HELLOS: ReadonlyArray<readonly [string, (hello: Uint8Array) => Uint8Array, ZmtpErrorCode, number]> = [
    ['of 199 bytes', (h) => h.subarray(0, 199), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['of version 2.0', (h) => Uint8Array.from(h, (b, i) => (i === 6 ? 2 : b)), 'ERR_ZMTP_MALFORMED_COMMAND_HELLO', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_HELLO],
    ['with a bit flipped in its box', (h) => Uint8Array.from(h, (b, i) => (i === 150 ? b ^ 1 : b)), 'ERR_ZMTP_CRYPTOGRAPHIC', PROTOCOL_ERROR.ZMTP_CRYPTOGRAPHIC],
    ['that is INITIATE', () => Uint8Array.of(8, ...ascii('INITIATE'), 0), 'ERR_ZMTP_UNEXPECTED_COMMAND', PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND],
  ];
  for (const [what, change, code, protocolError] of BAD_HELLOS) {
    it(`refuses a HELLO ${what} with libzmq's protocol error`, () => {
      const { client, server } = curvePair();
      assert.throws(() => server.mechanism.receive(change(client.sent[0].body)), wireError(code, protocolError));
    });
  }

  it('refuses a READY shorter than 30 bytes (MALFORMED_COMMAND_READY) and an ERROR before WELCOME is reported', () => {
    const { client, server } = curvePair();
    server.mechanism.receive(client.sent[0].body);
    client.mechanism.receive(server.sent[0].body);
    assert.throws(() => client.mechanism.receive(Uint8Array.of(5, ...ascii('READY'), 1, 2)), wireError('ERR_ZMTP_MALFORMED_COMMAND_READY', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_READY));
    assert.throws(() => client.mechanism.receive(Uint8Array.of(5, ...ascii('ERROR'), 9, 0x34)), wireError('ERR_ZMTP_MALFORMED_COMMAND_ERROR', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_ERROR));
  });

  it('zeroes its transient secret key once the handshake is done', () => {
    let transient: Uint8Array | undefined;
    const spy: CurveCrypto = {
      ...tweetnaclCrypto,
      keyPair: () => {
        const pair = tweetnaclCrypto.keyPair();
        transient = pair.secretKey;
        return pair;
      },
    };
    const { client, server } = curvePair({ clientCrypto: spy });
    pump(client, server);
    assert.ok(client.isReady);
    assert.deepEqual(transient, new Uint8Array(32));
  });
});

describe('ZAP replies (RFC 27), checked as libzmq checks them', () => {
  it('reads a good reply: status, text, user id and metadata', () => {
    const reply = parseZapReply(zapReplyFrames({ status: 200, statusText: 'OK', userId: 'alice', metadata: { Region: 'eu' } }));
    assert.equal(reply.status, 200);
    assert.equal(reply.statusText, 'OK');
    assert.equal(Buffer.from(reply.userId).toString(), 'alice');
    assert.deepEqual(reply.metadata.map(([n, v]) => [n, Buffer.from(v).toString()]), [['Region', 'eu']]);
  });

  const frames = (status: string, version = '1.0', id = '1', metadata: Uint8Array = new Uint8Array(0)): Uint8Array[] => [ascii(version), ascii(id), ascii(status), ascii(''), ascii(''), metadata];
  const BAD: ReadonlyArray<readonly [string, Uint8Array[], ZmtpErrorCode, number]> = [
    ['five frames', frames('200').slice(0, 5), 'ERR_ZAP_MALFORMED_REPLY', PROTOCOL_ERROR.ZAP_MALFORMED_REPLY],
    ['version 2.0', frames('200', '2.0'), 'ERR_ZAP_BAD_VERSION', PROTOCOL_ERROR.ZAP_BAD_VERSION],
    ['request id 7', frames('200', '1.0', '7'), 'ERR_ZAP_BAD_REQUEST_ID', PROTOCOL_ERROR.ZAP_BAD_REQUEST_ID],
    ['status 201', frames('201'), 'ERR_ZAP_INVALID_STATUS_CODE', PROTOCOL_ERROR.ZAP_INVALID_STATUS_CODE],
    ['status 600', frames('600'), 'ERR_ZAP_INVALID_STATUS_CODE', PROTOCOL_ERROR.ZAP_INVALID_STATUS_CODE],
    ['status "OK"', frames('OK'), 'ERR_ZAP_INVALID_STATUS_CODE', PROTOCOL_ERROR.ZAP_INVALID_STATUS_CODE],
    ['truncated metadata', frames('200', '1.0', '1', Uint8Array.of(4, 65)), 'ERR_ZAP_INVALID_METADATA', PROTOCOL_ERROR.ZAP_INVALID_METADATA],
  ];
  for (const [what, reply, code, protocolError] of BAD) {
    it(`refuses a reply with ${what}`, () => {
      assert.throws(() => parseZapReply(reply), wireError(code, protocolError));
    });
  }

  it('encodes metadata in ZMTP property encoding', () => {
    const [, , , , , metadata] = zapReplyFrames({ status: 200, metadata: { A: 'b' } });
    assert.deepEqual(parseProperties(metadata).map(([n, v]) => [n, Buffer.from(v).toString()]), [['A', 'b']]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
