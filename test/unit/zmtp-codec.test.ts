import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOL_ERROR, ZmtpError, type ZmtpErrorCode } from '../../core/errors';
import { FLAG_COMMAND, FLAG_MORE, GREETING_SIZE } from '../../core/zmtp/constants';
import { encodeCommandFrame, encodeFrame, frameHeaderSize, writeFrameHeader } from '../../core/zmtp/frame';
import { encodeGreeting, parseGreeting, readGreeting, zmtpVersionOf } from '../../core/zmtp/greeting';
import {
  encodeErrorData, encodePingData, encodeProperties, encodeReadyData, isCommandNamed, parseCommand, parseErrorData,
  parsePingData, parseProperties, pongDataFor,
} from '../../core/zmtp/command';
import type { DecoderOptions } from '../../core/zmtp/decoder';
import {
  ascii, collect, concat, decodeAll, describeChunking, everyChunking, feedInChunks, hex, toHex, type DecoderEvent, type RecordedFrame,
} from '../support/hex';

// Appendix A of the protocol digest: bytes as libzmq 4.3.4 sends them.
const LIBZMQ_GREETING = hex(`FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C ${'00 '.repeat(48)}`);
const READY_PEER = hex('04 1A 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52');
const PING_TTL_1S = hex('04 07 04 50 49 4E 47 00 0A');
const PONG_CTX = hex('04 08 04 50 4F 4E 47 63 74 78');
const ERROR_400 = hex('04 0A 05 45 52 52 4F 52 03 34 30 30');
const DATA_ABC = hex('00 03 61 62 63');

/** `n` bytes counting 0, 1, 2, … (mod 256), so that misplaced bytes show. */
function counting(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

/** libzmq's greeting with some bytes replaced. */
function greetingWith(patch: Readonly<Record<number, number>>): Uint8Array {
  const out = LIBZMQ_GREETING.slice();
  for (const [offset, value] of Object.entries(patch)) out[Number(offset)] = value;
  return out;
}

/** A validator for assert.throws: a ZmtpError with this code (and protocolError, when given). */
function zmtpError(code: ZmtpErrorCode, protocolError?: number): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ZmtpError, `expected a ZmtpError, got ${String(err)}`);
    assert.equal(err.name, 'ZmtpError');
    assert.equal(err.code, code);
    if (protocolError !== undefined) assert.equal(err.protocolError, protocolError);
    return true;
  };
}

interface Expected {
  readonly frames?: readonly RecordedFrame[];
  readonly events?: readonly DecoderEvent[];
  readonly error?: ZmtpErrorCode;
}

/** Decodes `bytes` whole, bytewise and split at every offset; every run must give `expected`. */
function assertDecodes(bytes: Uint8Array, expected: Expected, options: Partial<DecoderOptions> = { greeting: false }): void {
  for (const chunking of everyChunking(bytes.length)) {
    const result = decodeAll(bytes, chunking, options);
    const label = describeChunking(chunking);
    if (expected.frames) assert.deepEqual(result.frames, expected.frames, label);
    if (expected.events) assert.deepEqual(result.events, expected.events, label);
    if (expected.error) {
      assert.ok(result.error !== undefined, `${label}: expected ${expected.error}`);
      zmtpError(expected.error)(result.error);
      assert.ok(result.stopped, label);
    } else {
      assert.equal(result.error, undefined, label);
    }
  }
}

describe('ZMTP frame encoding', () => {
  it('encodes "abc" as libzmq does', () => {
    assert.equal(toHex(encodeFrame(ascii('abc'))), toHex(DATA_ABC));
  });

  it('encodes an empty body as a two-byte frame, with or without MORE', () => {
    assert.equal(toHex(encodeFrame(new Uint8Array(0))), '00 00');
    assert.equal(toHex(encodeFrame(new Uint8Array(0), FLAG_MORE)), '01 00');
  });

  it('uses the short form up to 255 bytes and the long form from 256', () => {
    const short = encodeFrame(counting(255));
    assert.equal(toHex(short.subarray(0, 2)), '00 FF');
    assert.equal(short.length, 2 + 255);
    const long = encodeFrame(counting(256));
    assert.equal(toHex(long.subarray(0, 9)), '02 00 00 00 00 00 00 01 00');
    assert.equal(long.length, 9 + 256);
    assert.deepEqual(long.subarray(9), counting(256));
    assert.equal(frameHeaderSize(255), 2);
    assert.equal(frameHeaderSize(256), 9);
  });

  it('encodes a 300-byte message with the 8-byte size libzmq sends', () => {
    assert.equal(toHex(encodeFrame(counting(300)).subarray(0, 9)), '02 00 00 00 00 00 00 01 2C');
  });

  it('keeps MORE next to LONG', () => {
    assert.equal(toHex(encodeFrame(counting(256), FLAG_MORE).subarray(0, 2)), '03 00');
  });

  it('writes sizes beyond 32 bits big-endian', () => {
    const header = new Uint8Array(9);
    assert.equal(writeFrameHeader(header, 0, 0, 2 ** 40), 9);
    assert.equal(toHex(header), '02 00 00 01 00 00 00 00 00');
    assert.equal(writeFrameHeader(header, 0, FLAG_COMMAND, 2 ** 53 - 1), 9);
    assert.equal(toHex(header), '06 00 1F FF FF FF FF FF FF');
  });

  it('encodes short and long command frames', () => {
    assert.equal(toHex(encodeCommandFrame('PING', encodePingData(10))), toHex(PING_TTL_1S));
    const long = encodeCommandFrame('READY', encodeReadyData('PEER', [['X-Big', counting(300)]]));
    assert.equal(toHex(long.subarray(0, 9)), '06 00 00 00 00 00 00 01 50');
    assert.equal(long.length, 9 + 1 + 5 + 1 + 11 + 4 + 4 + 1 + 5 + 4 + 300);
  });
});

describe('ZMTP frame decoding', () => {
  const fixtures: ReadonlyArray<readonly [string, Uint8Array, readonly RecordedFrame[]]> = [
    ['a short data frame', DATA_ABC, [{ flags: 0, body: ascii('abc') }]],
    ['an empty frame', hex('00 00'), [{ flags: 0, body: new Uint8Array(0) }]],
    ['a MORE frame and its last frame', hex('01 01 61 00 01 62'), [{ flags: 1, body: ascii('a') }, { flags: 0, body: ascii('b') }]],
    ['a 255-byte short frame', encodeFrame(counting(255)), [{ flags: 0, body: counting(255) }]],
    ['a 256-byte long frame', encodeFrame(counting(256)), [{ flags: 2, body: counting(256) }]],
    ['a long-form frame of 3 bytes', hex('02 00 00 00 00 00 00 00 03 61 62 63'), [{ flags: 2, body: ascii('abc') }]],
    ['an empty long-form frame with MORE', hex('03 00 00 00 00 00 00 00 00'), [{ flags: 3, body: new Uint8Array(0) }]],
    ['a short command', READY_PEER, [{ flags: FLAG_COMMAND, body: READY_PEER.subarray(2) }]],
    ['a long command', hex('06 00 00 00 00 00 00 00 06 04 50 4F 4E 47 21'), [{ flags: 6, body: hex('04 50 4F 4E 47 21') }]],
    ['a frame with reserved flag bits set', hex('F8 01 7A'), [{ flags: 0xf8, body: ascii('z') }]],
    [
      'READY, PING, data and PONG back to back',
      concat(READY_PEER, PING_TTL_1S, DATA_ABC, PONG_CTX),
      [
        { flags: 4, body: READY_PEER.subarray(2) },
        { flags: 4, body: PING_TTL_1S.subarray(2) },
        { flags: 0, body: ascii('abc') },
        { flags: 4, body: PONG_CTX.subarray(2) },
      ],
    ],
  ];
  for (const [name, bytes, frames] of fixtures) {
    it(`decodes ${name} whole, bytewise and split at every offset`, () => assertDecodes(bytes, { frames }));
  }

  it('decodes libzmq greeting, READY and data whole, bytewise and split at every offset', () => {
    assertDecodes(concat(LIBZMQ_GREETING, READY_PEER, DATA_ABC), {
      events: [
        { type: 'signature' },
        { type: 'version', major: 3 },
        { type: 'greeting', greeting: { major: 3, minor: 1, mechanism: 'NULL', asServer: false } },
        { type: 'frame', flags: 4, body: READY_PEER.subarray(2) },
        { type: 'frame', flags: 0, body: ascii('abc') },
      ],
    }, { greeting: true });
  });

  it('keeps bodies intact after later pushes', () => {
    const c = collect({ greeting: false });
    const stream = concat(encodeFrame(counting(300)), DATA_ABC, encodeFrame(counting(40)));
    feedInChunks(c.decoder, stream, { sizes: [7, 100, 3] });
    assert.deepEqual(c.frames, [{ flags: 2, body: counting(300) }, { flags: 0, body: ascii('abc') }, { flags: 0, body: counting(40) }]);
  });

  it('reports the bytes held for an incomplete frame', () => {
    const c = collect({ greeting: false });
    c.decoder.push(hex('02 00 00 00 00'));
    assert.equal(c.decoder.bufferedBytes, 4);
    c.decoder.push(hex('00 00 01 00 61 62'));
    assert.equal(c.decoder.bufferedBytes, 2);
    c.decoder.stop();
    assert.equal(c.decoder.bufferedBytes, 0);
  });
});

describe('ZMTP greeting', () => {
  it('encodes our greeting as the exact 64 bytes libzmq sends', () => {
    const ours = encodeGreeting();
    assert.equal(ours.length, GREETING_SIZE);
    assert.equal(toHex(ours), toHex(LIBZMQ_GREETING));
  });

  it('writes the mechanism and the as-server byte when asked', () => {
    const plain = encodeGreeting({ mechanism: 'PLAIN', asServer: true });
    assert.equal(toHex(plain.subarray(10, 18)), '03 01 50 4C 41 49 4E 00');
    assert.equal(plain[32], 1);
  });

  it("parses libzmq's greeting as ZMTP 3.1 with NULL", () => {
    const greeting = parseGreeting(LIBZMQ_GREETING);
    assert.deepEqual(greeting, { major: 3, minor: 1, mechanism: 'NULL', asServer: false });
    assert.equal(zmtpVersionOf(greeting), '3.1');
  });

  it('parses minor version 0 as ZMTP 3.0', () => {
    assert.equal(zmtpVersionOf(parseGreeting(greetingWith({ 11: 0 }))), '3.0');
  });

  it('treats majors 2 and 4 as ZMTP 3.1, as libzmq does', () => {
    for (const major of [2, 4, 255]) {
      const result = decodeAll(greetingWith({ 10: major, 11: 0 }));
      assert.equal(result.error, undefined);
      assert.ok(result.greeting);
      assert.equal(result.greeting.major, major);
      assert.equal(zmtpVersionOf(result.greeting), '3.1');
    }
  });

  it('ignores the padding bytes and reports the as-server byte', () => {
    const greeting = parseGreeting(greetingWith({ 1: 0xaa, 8: 0x00, 32: 1 }));
    assert.equal(greeting.asServer, true);
  });

  it('rejects majors 0 and 1 as soon as byte 10 arrives', () => {
    for (const major of [0, 1]) {
      const bytes = greetingWith({ 10: major });
      assert.throws(() => parseGreeting(bytes), zmtpError('ERR_ZMTP_UNSUPPORTED_VERSION'));
      const c = collect();
      c.decoder.push(bytes.subarray(0, 10));
      assert.throws(() => c.decoder.push(bytes.subarray(10, 11)), zmtpError('ERR_ZMTP_UNSUPPORTED_VERSION'));
      assert.deepEqual(c.events, [{ type: 'signature' }]);
      assertDecodes(bytes, { events: [{ type: 'signature' }], error: 'ERR_ZMTP_UNSUPPORTED_VERSION' }, { greeting: true });
    }
  });

  it('rejects a bad signature after 10 bytes, before any version byte', () => {
    for (const bad of [greetingWith({ 0: 0x00 }), greetingWith({ 9: 0x7e }), ascii('GET / HTTP/1.1\r\n')]) {
      const c = collect();
      c.decoder.push(bad.subarray(0, 9));
      assert.throws(() => c.decoder.push(bad.subarray(9, 10)), zmtpError('ERR_ZMTP_BAD_SIGNATURE'));
      assert.deepEqual(c.events, []);
      assert.ok(c.decoder.stopped);
      assertDecodes(bad, { events: [], error: 'ERR_ZMTP_BAD_SIGNATURE' }, { greeting: true });
    }
  });

  it("rejects PLAIN when NULL is expected, with libzmq's MECHANISM_MISMATCH value", () => {
    const plain = encodeGreeting({ mechanism: 'PLAIN' });
    assert.throws(() => parseGreeting(plain), zmtpError('ERR_ZMTP_MECHANISM_MISMATCH', 0x11000002));
    assert.equal(PROTOCOL_ERROR.ZMTP_MECHANISM_MISMATCH, 0x11000002);
    const c = collect();
    c.decoder.push(plain.subarray(0, 63));
    assert.deepEqual(c.events, [{ type: 'signature' }, { type: 'version', major: 3 }]);
    assert.throws(() => c.decoder.push(plain.subarray(63)), zmtpError('ERR_ZMTP_MECHANISM_MISMATCH', 0x11000002));
    assertDecodes(plain, { events: [{ type: 'signature' }, { type: 'version', major: 3 }], error: 'ERR_ZMTP_MECHANISM_MISMATCH' }, { greeting: true });
  });

  it('compares all 20 mechanism bytes, so junk after the NUL is a mismatch', () => {
    assert.throws(() => parseGreeting(greetingWith({ 17: 0x41 })), zmtpError('ERR_ZMTP_MECHANISM_MISMATCH'));
    assert.throws(() => parseGreeting(greetingWith({ 15: 0x00 })), zmtpError('ERR_ZMTP_MECHANISM_MISMATCH'));
  });

  it('reads a greeting without judging its mechanism (readGreeting), but still checks signature and version', () => {
    assert.deepEqual(readGreeting(encodeGreeting({ mechanism: 'CURVE', asServer: true })), { major: 3, minor: 1, mechanism: 'CURVE', asServer: true });
    assert.throws(() => readGreeting(greetingWith({ 0: 0x00 })), zmtpError('ERR_ZMTP_BAD_SIGNATURE'));
    assert.throws(() => readGreeting(greetingWith({ 10: 1 })), zmtpError('ERR_ZMTP_UNSUPPORTED_VERSION'));
  });

  it('accepts PLAIN when the decoder is configured for PLAIN', () => {
    const result = decodeAll(encodeGreeting({ mechanism: 'PLAIN' }), 'bytewise', { mechanism: 'PLAIN' });
    assert.equal(result.error, undefined);
    assert.equal(result.greeting?.mechanism, 'PLAIN');
  });
});

describe('ZMTP commands and metadata', () => {
  it("encodes READY for a PEER byte for byte as libzmq's", () => {
    assert.equal(toHex(encodeCommandFrame('READY', encodeReadyData('PEER'))), toHex(READY_PEER));
  });

  it('parses READY into its name and Socket-Type property', () => {
    const command = parseCommand(READY_PEER.subarray(2));
    assert.equal(command.name, 'READY');
    assert.ok(isCommandNamed(READY_PEER.subarray(2), 'READY'));
    assert.ok(!isCommandNamed(READY_PEER.subarray(2), 'ERROR'));
    assert.deepEqual(parseProperties(command.data), [['Socket-Type', ascii('PEER')]]);
  });

  it('appends application properties after Socket-Type', () => {
    const frame = encodeCommandFrame('READY', encodeReadyData('PEER', [['X-App', ascii('demo')]]));
    const appended = '05 58 2D 41 70 70 00 00 00 04 64 65 6D 6F';
    assert.equal(toHex(frame), `04 28 ${toHex(READY_PEER.subarray(2))} ${appended}`);
    assert.deepEqual(parseProperties(parseCommand(frame.subarray(2)).data), [['Socket-Type', ascii('PEER')], ['X-App', ascii('demo')]]);
  });

  it('round-trips empty metadata, empty values and a zero-length name', () => {
    assert.deepEqual(parseProperties(new Uint8Array(0)), []);
    assert.deepEqual(parseProperties(encodeProperties([['Empty', new Uint8Array(0)]])), [['Empty', new Uint8Array(0)]]);
    assert.deepEqual(parseProperties(hex('00 00 00 00 01 78')), [['', ascii('x')]]);
  });

  it('refuses to encode a property name that is empty, too long or not printable ASCII', () => {
    for (const name of ['', 'x'.repeat(256), 'Has Space', 'Ünicode']) {
      assert.throws(() => encodeProperties([[name, new Uint8Array(0)]]), RangeError);
    }
  });

  it('rejects metadata with a stray trailing byte or a truncated field', () => {
    const data = READY_PEER.subarray(8);
    const cases = [concat(data, hex('00')), data.subarray(0, 5), data.subarray(0, 13), data.subarray(0, 14), data.subarray(0, 19), hex('0B')];
    for (const bad of cases) {
      assert.throws(() => parseProperties(bad), (err) => zmtpError('ERR_ZMTP_INVALID_METADATA')(err) && (err as ZmtpError).protocolError === undefined, toHex(bad));
    }
  });

  it('parses metadata in a view that does not start at offset 0', () => {
    const framed = concat(hex('AA BB'), encodeProperties([['A', ascii('1')]]), hex('CC'));
    assert.deepEqual(parseProperties(framed.subarray(2, framed.length - 1)), [['A', ascii('1')]]);
  });

  it('encodes and parses PING with a TTL in deciseconds', () => {
    assert.deepEqual(parsePingData(parseCommand(PING_TTL_1S.subarray(2)).data), { ttl: 10, context: new Uint8Array(0) });
    assert.equal(toHex(encodePingData(0xfffe)), 'FF FE');
  });

  it('answers a PING carrying "ctx" with the PONG libzmq sends', () => {
    const ping = parsePingData(encodePingData(0, ascii('ctx')));
    assert.equal(toHex(encodeCommandFrame('PONG', pongDataFor(ping))), toHex(PONG_CTX));
  });

  it('truncates a PING context, and so its PONG echo, to 16 bytes', () => {
    const long = counting(58);
    assert.deepEqual(pongDataFor({ ttl: 0, context: long }), counting(16));
    assert.deepEqual(encodePingData(1, long), concat(hex('00 01'), counting(16)));
    assert.deepEqual(pongDataFor(parsePingData(concat(hex('00 00'), long))), counting(16));
  });

  it('rejects a PING shorter than its TTL', () => {
    assert.throws(() => parsePingData(hex('00')), zmtpError('ERR_ZMTP_MALFORMED_COMMAND', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED));
  });

  it('encodes and parses ERROR "400" as libzmq does', () => {
    assert.equal(toHex(encodeCommandFrame('ERROR', encodeErrorData('400'))), toHex(ERROR_400));
    assert.equal(parseErrorData(parseCommand(ERROR_400.subarray(2)).data), '400');
  });

  it('truncates an ERROR reason to 255 bytes', () => {
    const data = encodeErrorData('r'.repeat(300));
    assert.equal(data[0], 255);
    assert.equal(parseErrorData(data), 'r'.repeat(255));
  });

  it('rejects a malformed ERROR with MALFORMED_COMMAND_ERROR', () => {
    for (const bad of [hex(''), hex('04 34 30 30'), hex('FF')]) {
      assert.throws(() => parseErrorData(bad), zmtpError('ERR_ZMTP_MALFORMED_COMMAND_ERROR', 0x10000015));
    }
  });

  it('rejects a command body that cannot hold its name', () => {
    for (const bad of [hex(''), hex('05 52 45 41 44'), hex('01')]) {
      assert.throws(() => parseCommand(bad), zmtpError('ERR_ZMTP_MALFORMED_COMMAND', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED));
    }
    assert.deepEqual(parseCommand(hex('00')), { name: '', data: new Uint8Array(0) });
  });
});

describe('ZMTP decoder limits and failure', () => {
  const HUGE_HEADER = hex('02 00 00 01 00 00 00 00 00');

  it('rejects a frame longer than maxMessageSize right after its size field, before any body', () => {
    const c = collect({ greeting: false, maxMessageSize: 1000 });
    c.decoder.push(HUGE_HEADER.subarray(0, 8));
    assert.throws(() => c.decoder.push(HUGE_HEADER.subarray(8)), zmtpError('ERR_ZMTP_MESSAGE_TOO_LARGE'));
    assert.deepEqual(c.events, []);
    assertDecodes(HUGE_HEADER, { frames: [], error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: false, maxMessageSize: 1000 });
    assertDecodes(concat(LIBZMQ_GREETING, HUGE_HEADER), { error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: true, maxMessageSize: 1000 });
  });

  it('accepts a frame of exactly maxMessageSize and rejects one byte more', () => {
    assertDecodes(encodeFrame(counting(1000)), { frames: [{ flags: 2, body: counting(1000) }] }, { greeting: false, maxMessageSize: 1000 });
    assertDecodes(hex('00 03 61 62 63'), { frames: [{ flags: 0, body: ascii('abc') }] }, { greeting: false, maxMessageSize: 3 });
    assertDecodes(hex('00 04 61 62 63 64'), { frames: [], error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: false, maxMessageSize: 3 });
    assertDecodes(hex('00 00 00 01 61'), { frames: [{ flags: 0, body: new Uint8Array(0) }], error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: false, maxMessageSize: 0 });
  });

  it('rejects impossible sizes even without a limit', () => {
    assertDecodes(HUGE_HEADER, { error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: false, maxMessageSize: -1 });
    assertDecodes(hex('02 FF FF FF FF FF FF FF FF'), { error: 'ERR_ZMTP_MESSAGE_TOO_LARGE' }, { greeting: false, maxMessageSize: -1 });
  });

  it('stops after an error and ignores further input', () => {
    const c = collect({ greeting: false, maxMessageSize: 10 });
    assert.throws(() => c.decoder.push(concat(HUGE_HEADER, DATA_ABC)), zmtpError('ERR_ZMTP_MESSAGE_TOO_LARGE'));
    assert.ok(c.decoder.stopped);
    c.decoder.push(DATA_ABC);
    c.decoder.push(READY_PEER);
    assert.deepEqual(c.events, []);
    assert.equal(c.decoder.bufferedBytes, 0);
  });

  it('propagates a ZmtpError thrown by the sink from push() and stops', () => {
    const thrown = new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', 'unexpected', PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND);
    const c = collect({ greeting: false }, (event) => {
      if (event.type === 'frame' && event.flags & FLAG_COMMAND) throw thrown;
    });
    assert.throws(() => c.decoder.push(concat(DATA_ABC, PING_TTL_1S, DATA_ABC)), (err) => err === thrown);
    assert.ok(c.decoder.stopped);
    assert.equal(c.frames.length, 2);
    c.decoder.push(DATA_ABC);
    assert.equal(c.frames.length, 2);
  });

  it('ignores the rest of a chunk once the sink stops the decoder from a frame', () => {
    const c = collect({ greeting: false }, (event, decoder) => {
      if (event.type === 'frame') decoder.stop();
    });
    c.decoder.push(concat(DATA_ABC, DATA_ABC));
    assert.equal(c.frames.length, 1);
    assert.ok(c.decoder.stopped);
  });

  it('ignores the rest of a chunk once the sink stops the decoder from a greeting stage', () => {
    for (const stage of ['signature', 'version', 'greeting'] as const) {
      const c = collect({ greeting: true }, (event, decoder) => {
        if (event.type === stage) decoder.stop();
      });
      c.decoder.push(concat(LIBZMQ_GREETING, DATA_ABC));
      assert.equal(c.events.at(-1)?.type, stage);
      assert.equal(c.frames.length, 0, stage);
      assert.ok(c.decoder.stopped, stage);
    }
  });
});
