/**
 * What a terminating CURVE tap records, and how its capture writes it: the reader, told that the
 * boxes are opened, shows INITIATE and READY with their metadata and the plaintext frames as
 * messages (a frame starting with `\x07MESSAGE` is then data like any other); the pcapng writer
 * turns a terminated connection into NULL-mechanism ZMTP — a NULL greeting per side with the
 * wire's minor version, the CURVE HELLO and WELCOME as text, INITIATE and READY metadata as READY
 * commands — and writes its messages unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngCapture } from '../../core/tap/pcapng-capture';
import type { CommandRecord, MessageRecord, TapRecord } from '../../core/tap/records';
import { encodeProperties } from '../../core/zmtp/command';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { ascii, concat } from '../support/hex';
import { recordingReader } from '../support/tap-units';

const COMMAND = 0x04;
const body = (name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array => concat(Uint8Array.of(name.length), ascii(name), data);
const metadata = (socketType: string): Uint8Array => encodeProperties([['Socket-Type', ascii(socketType)], ['Identity', ascii('w1')]]);

describe('tap: records of a terminated CURVE connection', () => {
  it('shows opened INITIATE and READY metadata, and plaintext frames as messages', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'CURVE' });
    const hello = body('HELLO', new Uint8Array(194));
    reader.frame(COMMAND, hello.length, hello);
    reader.opened = true;
    const initiate = body('INITIATE', metadata('DEALER'));
    reader.frame(COMMAND, initiate.length, initiate);
    const looksLikeABox = body('MESSAGE', ascii('plaintext'));
    reader.frame(0, looksLikeABox.length, looksLikeABox);
    const [helloRecord, initiateRecord, message] = records as [CommandRecord, CommandRecord, MessageRecord];
    assert.equal(helloRecord.note, "the client's short-term key and a signature box (CURVE)");
    assert.deepEqual(initiateRecord.properties, [['Socket-Type', 'DEALER'], ['Identity', 'w1']]);
    assert.equal(initiateRecord.note, 'metadata of the CURVE INITIATE box, opened by the terminating tap');
    assert.equal(message.kind, 'message', 'an opened frame is data even when it starts like a MESSAGE box');
    assert.equal(message.socketType, 'DEALER');
    assert.equal(message.routingId, 'w1');
  });

  it('is written to pcapng as NULL-mechanism ZMTP', () => {
    const T = 1_700_000_000_000;
    const curveGreeting = encodeGreeting({ mechanism: 'CURVE' });
    curveGreeting[11] = 0;
    const command = (from: 'app' | 'upstream', name: string, data: Uint8Array, properties?: Array<[string, string]>): TapRecord => {
      const b = body(name, data);
      return { kind: 'command', time: T, connection: 1, from, name, size: b.length, flags: COMMAND, data: b, ...(properties ? { properties } : {}) };
    };
    const records: TapRecord[] = [
      { kind: 'greeting', time: T, connection: 1, from: 'app', name: 'ZMTP', version: '3.0', mechanism: 'CURVE', asServer: false, raw: curveGreeting, terminated: true },
      command('app', 'HELLO', new Uint8Array(194)),
      command('app', 'INITIATE', metadata('DEALER'), [['Socket-Type', 'DEALER'], ['Identity', 'w1']]),
      { kind: 'message', time: T, connection: 1, from: 'app', frames: [{ size: 5, more: false, data: ascii('hello'), flags: 0 }], framesOmitted: 0, size: 5 },
    ];
    const written: Uint8Array[] = [];
    const capture = new PcapngCapture('zmtp', (block) => written.push(block));
    for (const record of records) capture.add(record);
    const file = Buffer.concat(written);
    const nullGreeting = encodeGreeting({ mechanism: 'NULL' });
    nullGreeting[11] = 0;
    assert.ok(file.includes(Buffer.from(nullGreeting)), 'a NULL greeting with the wire minor version (3.0)');
    assert.ok(!file.includes(Buffer.from(curveGreeting)), 'not the CURVE greeting');
    assert.ok(file.includes(Buffer.from(concat(Uint8Array.of(COMMAND, 6 + metadata('DEALER').length), body('READY', metadata('DEALER'))))), 'INITIATE metadata as a READY command frame');
    assert.ok(!file.includes(Buffer.from(body('HELLO').subarray(0, 6))), 'no HELLO frame');
    assert.ok(file.includes(Buffer.from('CURVE HELLO (200 bytes), terminated by the tap')), 'HELLO named as text');
    assert.ok(file.includes(Buffer.from(concat(Uint8Array.of(0, 5), ascii('hello')))), 'the message as a ZMTP frame');
    assert.ok(file.includes(Buffer.from('decrypted stream is written as NULL-mechanism ZMTP')), 'a comment says so');
  });
});
