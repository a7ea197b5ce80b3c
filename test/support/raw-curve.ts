/**
 * A raw CURVE client (RFC 25/26) for tests: the handshake and MESSAGE boxes built by hand with
 * tweetnacl, independently of core/zmtp/curve.ts, on a {@link RawConnection}. It completes a real
 * handshake with libzmq or with the core, and then can do what a well-behaved peer never does:
 * send a MESSAGE under a nonce it already used.
 */
import nacl from 'tweetnacl';
import { ascii, concat } from './hex';
import { rawFrame, rawGreeting, rawZmtpClient, type RawConnection } from './raw-zmtp';

/** A 24-byte nonce: a prefix and a 64-bit big-endian counter, or a prefix and 16 given bytes. */
function nonce(prefix: string, tail: bigint | Uint8Array): Uint8Array {
  const out = new Uint8Array(24);
  out.set(ascii(prefix));
  if (typeof tail === 'bigint') new DataView(out.buffer).setBigUint64(16, tail);
  else out.set(tail, prefix.length);
  return out;
}

function uint64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

const command = (name: string, ...parts: Uint8Array[]): Uint8Array => concat(Uint8Array.of(name.length), ascii(name), ...parts);

/** A client that has completed the CURVE handshake and speaks MESSAGE boxes. */
export class RawCurveClient {
  readonly connection: RawConnection;
  readonly #key: Uint8Array;
  /** The next short nonce our MESSAGEs use (HELLO was 1, INITIATE 2). */
  nextNonce = 3n;

  private constructor(connection: RawConnection, key: Uint8Array) {
    this.connection = connection;
    this.#key = key;
  }

  /**
   * Connects to a tcp:// or ipc:// CURVE server and runs the handshake as a PEER with the given
   * long-term keys. Rejects if the server does not answer as RFC 26 says.
   */
  static async connect(endpoint: string, serverKey: Uint8Array, keys: nacl.BoxKeyPair): Promise<RawCurveClient> {
    const connection = await rawZmtpClient(endpoint);
    const transient = nacl.box.keyPair();
    connection.write(rawGreeting({ mechanism: 'CURVE' }));
    const greeting = await connection.read(64);
    if (greeting.subarray(12, 17).toString('latin1') !== 'CURVE') throw new Error(`the server greeted with ${greeting.subarray(12, 32).toString('latin1')}`);
    // HELLO: version 1.0, 72 zero bytes, C', nonce 1, Box[64 zeros](C'→S).
    const signature = nacl.box(new Uint8Array(64), nonce('CurveZMQHELLO---', 1n), serverKey, transient.secretKey);
    connection.write(rawFrame(command('HELLO', Uint8Array.of(1, 0), new Uint8Array(72), transient.publicKey, uint64(1n), signature), 0x04));
    const welcome = (await connection.readFrame()).body;
    if (welcome.length !== 168 || welcome.subarray(1, 8).toString('latin1') !== 'WELCOME') throw new Error(`expected WELCOME, got ${welcome.toString('hex')}`);
    const opened = nacl.box.open(welcome.subarray(24), nonce('WELCOME-', welcome.subarray(8, 24)), serverKey, transient.secretKey);
    if (!opened) throw new Error('WELCOME did not open');
    const serverTransient = opened.subarray(0, 32);
    const cookie = opened.subarray(32, 128);
    // INITIATE: cookie, nonce 2, Box[C, vouch nonce, vouch, metadata](C'→S'), vouch = Box[C', S](C→S').
    const vouchNonce = nacl.randomBytes(16);
    const vouch = nacl.box(concat(transient.publicKey, serverKey), nonce('VOUCH---', vouchNonce), serverTransient, keys.secretKey);
    const metadata = concat(Uint8Array.of(11), ascii('Socket-Type'), Uint8Array.of(0, 0, 0, 4), ascii('PEER'));
    const box = nacl.box(concat(keys.publicKey, vouchNonce, vouch, metadata), nonce('CurveZMQINITIATE', 2n), serverTransient, transient.secretKey);
    connection.write(rawFrame(command('INITIATE', cookie, uint64(2n), box), 0x04));
    const client = new RawCurveClient(connection, nacl.box.before(serverTransient, transient.secretKey));
    const ready = (await connection.readFrame()).body;
    if (ready.subarray(1, 6).toString('latin1') !== 'READY') throw new Error(`expected READY, got ${ready.toString('hex')}`);
    if (!nacl.box.open.after(ready.subarray(14), nonce('CurveZMQREADY---', ready.subarray(6, 14)), client.#key)) throw new Error('READY did not open');
    return client;
  }

  /** A MESSAGE frame holding `data` under short nonce `counter` (the next one unless given). */
  message(data: Uint8Array | string, counter = this.nextNonce++, flags = 0): Uint8Array {
    const payload = typeof data === 'string' ? ascii(data) : data;
    const box = nacl.box.after(concat(Uint8Array.of(flags), payload), nonce('CurveZMQMESSAGEC', counter), this.#key);
    // libzmq 4.3.4 writes MESSAGE as an ordinary data frame; so does this client.
    return rawFrame(command('MESSAGE', uint64(counter), box));
  }

  /** The next MESSAGE from the server, opened: its flags byte and data. */
  async receive(timeoutMs = 3000): Promise<{ flags: number; data: Buffer }> {
    const body = (await this.connection.readFrame(timeoutMs)).body;
    const plain = nacl.box.open.after(body.subarray(16), nonce('CurveZMQMESSAGES', body.subarray(8, 16)), this.#key);
    if (!plain) throw new Error('a MESSAGE from the server did not open');
    return { flags: plain[0], data: Buffer.from(plain.subarray(1)) };
  }
}
