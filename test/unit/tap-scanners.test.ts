/**
 * The tap's stream scanners (core/tap/zmtp-scanner.ts, zws-scanner.ts): what units they find in
 * ZMTP and ZWS byte streams, however the stream is cut, how little of each body they keep, and
 * where they stop decoding (ZMTP 1.0/2.0 peers, frames ZWS does not allow).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ascii, chunksOf, concat, describeChunking, everyChunking, hex, toHex } from '../support/hex';
import { rawCommandBody, rawReadyBody, switchingProtocols, upgradeRequest, wsFrame, WS_OPCODE, zwsPayload } from '../support/raw-ws';
import { recordingScanner, scan, withoutOffsets, type Unit } from '../support/tap-units';

// Bytes as libzmq 4.3.4 sends them (protocol.md Appendix A).
const GREETING = hex(`FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C ${'00 '.repeat(48)}`);
const READY_DEALER = hex('04 1C 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 06 44 45 41 4C 45 52');
const PING = hex('04 07 04 50 49 4E 47 00 0A');

function longFrame(size: number, flags = 0): Uint8Array {
  const header = new Uint8Array(9);
  header[0] = flags | 0x02;
  new DataView(header.buffer).setBigUint64(1, BigInt(size));
  return concat(header, Uint8Array.from({ length: size }, (_, i) => i & 0xff));
}

describe('tap: ZMTP scanner', () => {
  const stream = concat(GREETING, READY_DEALER, hex('01 00'), hex('00 03 61 62 63'), longFrame(300), PING);
  const expected: Unit[] = [
    { unit: 'greeting', raw: toHex(GREETING), end: 64 },
    { unit: 'frame', flags: 0x04, size: 28, head: toHex(READY_DEALER.subarray(2)) },
    { unit: 'frame', flags: 0x01, size: 0, head: '' },
    { unit: 'frame', flags: 0x00, size: 3, head: toHex(ascii('abc')) },
    { unit: 'frame', flags: 0x02, size: 300, head: toHex(longFrame(300).subarray(9)) },
    { unit: 'frame', flags: 0x04, size: 7, head: toHex(PING.subarray(2)) },
  ];

  it('finds the greeting and every frame, with the offset just past the greeting', () => {
    assert.deepEqual(scan('zmtp', [stream]), expected);
  });

  it('finds the same units however the stream is cut', () => {
    for (const chunking of everyChunking(stream.length)) {
      assert.deepEqual(withoutOffsets(scan('zmtp', chunksOf(stream, chunking))), withoutOffsets(expected), describeChunking(chunking));
    }
  });

  it('keeps only the first bytes of a data frame and all of a command, up to the limits', () => {
    assert.deepEqual(scan('zmtp', [concat(GREETING, longFrame(300), READY_DEALER)], 4, 10).slice(1), [
      { unit: 'frame', flags: 0x02, size: 300, head: toHex(hex('00 01 02 03')) },
      { unit: 'frame', flags: 0x04, size: 28, head: toHex(READY_DEALER.subarray(2, 12)) },
    ]);
  });

  it('counts a 1 GiB body pushed in 1 MiB chunks without keeping it', () => {
    const { scanner, units } = recordingScanner('zmtp', 16);
    const size = 2 ** 30;
    const header = new Uint8Array(9);
    header[0] = 0x02;
    new DataView(header.buffer).setBigUint64(1, BigInt(size));
    scanner.push(concat(GREETING, header));
    const chunk = new Uint8Array(2 ** 20).fill(0x5a);
    for (let sent = 0; sent < size; sent += chunk.length) scanner.push(chunk);
    scanner.push(hex('00 01 21'));
    assert.deepEqual(units.slice(1), [
      { unit: 'frame', flags: 0x02, size, head: toHex(new Uint8Array(16).fill(0x5a)) },
      { unit: 'frame', flags: 0x00, size: 1, head: toHex(ascii('!')) },
    ]);
  });

  it('stops at a ZMTP 1.0 peer (no signature) in the chunk with its first byte, and ignores what follows', () => {
    const { scanner, units } = recordingScanner('zmtp');
    scanner.push(hex('06 00 61 62 63 64 65'));
    scanner.push(hex('FF 00'));
    assert.deepEqual(units, [{ unit: 'undecodable', reason: 'ZMTP 1.0 (no greeting signature)', raw: toHex(hex('06 00 61 62 63 64 65')) }]);
    assert.equal(scanner.stopped, true);
  });

  it('stops at a ZMTP 2.0 peer once its version byte arrives, and ignores what follows', () => {
    const { scanner, units } = recordingScanner('zmtp');
    const v2 = hex('FF 00 00 00 00 00 00 00 01 7F 01 05');
    for (const chunk of chunksOf(v2, 'bytewise')) scanner.push(chunk);
    scanner.push(ascii('more bytes'));
    assert.deepEqual(units, [{ unit: 'undecodable', reason: 'ZMTP 2.0', raw: toHex(v2.subarray(0, 11)) }]);
  });

  it('reads version 3.0 and other majors from 2 up as ZMTP 3, as libzmq does', () => {
    for (const major of [2, 3, 4]) {
      const { scanner, units } = recordingScanner('zmtp');
      const greeting = GREETING.slice();
      greeting[10] = major;
      scanner.push(greeting);
      assert.equal(units[0].unit, 'greeting', `major ${major}`);
    }
  });
});

describe('tap: ZWS scanner', () => {
  const key = Uint8Array.of(0x11, 0x22, 0x33, 0x44);
  const request = upgradeRequest({ key: 'dGhlIHNhbXBsZSBub25jZQ==', path: '/zmq' });
  const clientStream = concat(
    ascii(request),
    wsFrame({ payload: zwsPayload(rawReadyBody('PEER'), 0x02), mask: key }),
    wsFrame({ payload: zwsPayload('part', 0x01), mask: key }),
    wsFrame({ payload: zwsPayload('x'.repeat(200)), mask: key }),
    wsFrame({ opcode: WS_OPCODE.ping, payload: '', mask: key }),
    wsFrame({ opcode: WS_OPCODE.close, payload: concat(hex('03 e8'), ascii('bye')), mask: key }),
  );
  const expected: Unit[] = [
    { unit: 'httpHead', raw: request, end: request.length },
    { unit: 'frame', flags: 0x04, size: rawReadyBody('PEER').length, head: toHex(rawReadyBody('PEER')) },
    { unit: 'frame', flags: 0x01, size: 4, head: toHex(ascii('part')) },
    { unit: 'frame', flags: 0x00, size: 200, head: toHex(ascii('x'.repeat(200))) },
    { unit: 'control', opcode: 9, payload: '' },
    { unit: 'control', opcode: 8, payload: toHex(concat(hex('03 e8'), ascii('bye'))) },
  ];

  it('finds the upgrade head, unmasked ZWS frames with the ZMTP flags they stand for, and control frames', () => {
    assert.deepEqual(scan('zws', [clientStream]), expected);
  });

  it('finds the same units however the stream is cut', () => {
    for (const chunking of everyChunking(clientStream.length)) {
      assert.deepEqual(withoutOffsets(scan('zws', chunksOf(clientStream, chunking))), withoutOffsets(expected), describeChunking(chunking));
    }
  });

  it("reads a server's unmasked frames after its 101 response, and gives a long body the LONG flag ZMTP would", () => {
    const response = switchingProtocols('dGhlIHNhbXBsZSBub25jZQ==');
    const units = scan('zws', [concat(ascii(response), wsFrame({ payload: zwsPayload(rawCommandBody('PONG')), mask: false }), wsFrame({ payload: zwsPayload('y'.repeat(70000)), mask: false }))], 3);
    assert.deepEqual(units, [
      { unit: 'httpHead', raw: response, end: response.length },
      { unit: 'frame', flags: 0x00, size: 5, head: toHex(ascii('\x04PO')) },
      { unit: 'frame', flags: 0x02, size: 70000, head: toHex(ascii('yyy')) },
    ]);
  });

  it('stops at a fragmented message, and at a text frame', () => {
    for (const frame of [wsFrame({ payload: zwsPayload('ab'), fin: false, mask: false }), wsFrame({ opcode: WS_OPCODE.text, payload: 'hi', mask: false })]) {
      const { scanner, units } = recordingScanner('zws');
      scanner.push(concat(ascii('HTTP/1.1 101 Switching Protocols\r\n\r\n'), frame, wsFrame({ payload: zwsPayload('later'), mask: false })));
      assert.equal(units.length, 2);
      const stop = units[1];
      assert.equal(stop.unit, 'undecodable');
      assert.match(stop.unit === 'undecodable' ? stop.reason : '', /fragmented WebSocket message|opcode 1/);
      assert.equal(scanner.stopped, true);
    }
  });

  it('gives up on an HTTP head longer than 16 KiB', () => {
    const units = scan('zws', [ascii(`GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(17000)}`)]);
    assert.equal(units.length, 1);
    assert.equal(units[0].unit, 'undecodable');
  });
});
