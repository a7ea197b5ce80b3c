/**
 * The handshake ladder's one-line summaries of greeting, READY, PING and ERROR bodies: what the
 * core's ZMTP readers decode, worded; and a malformed body (the bytes come from the network)
 * summarised with the reader's reason instead of thrown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeErrorData, encodePingData, encodeProperties, encodeReadyData } from '../../core/zmtp/command';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { libzmqPlainErrorBody, plainHello } from '../../core/zmtp/plain';
import { commandName, greetingMechanism, summariseData, summariseError, summariseGreeting, summariseHello, summariseInitiate, summarisePing, summariseReady, summariseWelcome } from '../../extension/frame-summary';

const enc = new TextEncoder();

/** A command body: `name-size name data` (RFC 23 §Commands). */
function command(name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Uint8Array([name.length, ...enc.encode(name), ...data]);
}

describe('frame summaries for the handshake ladder', () => {
  it('words a greeting: version, mechanism, as-server', () => {
    assert.equal(summariseGreeting(encodeGreeting()), 'ZMTP 3.1 · NULL · as-server 0');
    assert.equal(summariseGreeting(encodeGreeting({ mechanism: 'CURVE', asServer: true })), 'ZMTP 3.1 · CURVE · as-server 1');
  });

  it('says why a greeting is not one', () => {
    assert.equal(summariseGreeting(new Uint8Array(10)), '10 bytes (a greeting is 64)');
    const notZmtp = encodeGreeting();
    notZmtp[0] = 0x47;
    assert.match(summariseGreeting(notZmtp), /^malformed greeting: .*bad signature/);
  });

  it("lists READY's properties, text quoted and binary in hex", () => {
    assert.equal(summariseReady(command('READY', encodeReadyData('PEER'))), 'Socket-Type="PEER"');
    const data = encodeProperties([['Socket-Type', enc.encode('DEALER')], ['Identity', new Uint8Array(0)], ['X-Key', new Uint8Array([0, 1, 2])]]);
    assert.equal(summariseReady(command('READY', data)), 'Socket-Type="DEALER", Identity="", X-Key=00 01 02');
    assert.equal(summariseReady(command('READY')), '(no properties)');
  });

  it('names malformed READY metadata instead of throwing', () => {
    const truncated = encodeReadyData('PEER').subarray(0, 10);
    assert.match(summariseReady(command('READY', truncated)), /^malformed READY: Malformed READY metadata: .*truncated/);
    assert.match(summariseReady(new Uint8Array([9, 0x52])), /^malformed READY: Malformed command/);
  });

  it("gives PING's TTL in seconds and its context size; ERROR's reason", () => {
    assert.equal(summarisePing(command('PING', encodePingData(30))), 'TTL 3 s');
    assert.equal(summarisePing(command('PING', encodePingData(5, new Uint8Array(4)))), 'TTL 0.5 s · context 4 B');
    assert.match(summarisePing(command('PING', new Uint8Array([1]))), /^malformed PING: /);
    assert.equal(summariseError(command('ERROR', encodeErrorData('Invalid socket type'))), 'reason "Invalid socket type"');
    assert.match(summariseError(command('ERROR', new Uint8Array([40, 0x61]))), /^malformed ERROR: /);
  });

  it("names any command, or none when the body can't hold a name", () => {
    assert.equal(commandName(command('SUBSCRIBE', enc.encode('topic'))), 'SUBSCRIBE');
    assert.equal(commandName(new Uint8Array([5, 0x41])), null);
    assert.equal(commandName(new Uint8Array(0)), null);
  });

  it('shows data as quoted text or hex', () => {
    assert.equal(summariseData(enc.encode('hello')), '"hello"');
    assert.equal(summariseData(new Uint8Array([0xff, 0x00])), 'ff 00');
    assert.equal(summariseData(new Uint8Array(0)), '(empty)');
  });

  it('words the PLAIN handshake (RFC 24): the user, never the password; WELCOME; INITIATE as READY; libzmq\'s ERROR', () => {
    assert.equal(summariseHello(plainHello(enc.encode('admin'), enc.encode('hunter2'))), 'user "admin" · password hidden');
    assert.match(summariseHello(command('HELLO', new Uint8Array([9, 1]))), /^malformed HELLO: /);
    assert.equal(summariseWelcome(command('WELCOME')), 'credentials accepted');
    assert.equal(summariseInitiate(command('INITIATE', encodeReadyData('PEER'))), 'Socket-Type="PEER"');
    assert.equal(summariseError(command('ERROR', encodeErrorData('400'))), 'reason "400" · ZAP refused');
    assert.equal(summariseError(libzmqPlainErrorBody(300)), 'reason "300" · ZAP: try later');
  });

  it('describes the CURVE handshake (RFC 26): version and nonces, boxes not opened', () => {
    const hello = new Uint8Array(200);
    hello.set([5, ...enc.encode('HELLO'), 1, 0]);
    hello[119] = 1;
    assert.equal(summariseHello(hello), 'CURVE 1.0 · nonce 1');
    assert.equal(summariseWelcome(new Uint8Array(168)), 'server key and cookie, boxed');
    assert.equal(summariseWelcome(new Uint8Array(20)), '20 B (a PLAIN WELCOME is 8, a CURVE one 168)');
    assert.equal(summariseInitiate(new Uint8Array(300), 'CURVE'), 'cookie, vouch, metadata · 300 B');
    const ready = new Uint8Array(40);
    ready.set([5, ...enc.encode('READY'), 0, 0, 0, 0, 0, 0, 0, 2]);
    assert.equal(summariseReady(ready, 'CURVE'), 'metadata, boxed · nonce 2 · 40 B');
    assert.equal(summariseReady(new Uint8Array(8), 'CURVE'), 'metadata, boxed · nonce ? · 8 B');
    assert.equal(greetingMechanism(encodeGreeting({ mechanism: 'PLAIN' })), 'PLAIN');
    assert.equal(greetingMechanism(new Uint8Array(3)), null);
  });
});
