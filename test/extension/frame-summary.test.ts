/**
 * The handshake ladder's one-line summaries of greeting, READY, PING and ERROR bodies: what the
 * core's ZMTP readers decode, worded; and a malformed body (the bytes come from the network)
 * summarised with the reader's reason instead of thrown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeErrorData, encodePingData, encodeProperties, encodeReadyData } from '../../core/zmtp/command';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { commandName, summariseData, summariseError, summariseGreeting, summarisePing, summariseReady } from '../../extension/frame-summary';

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
});
