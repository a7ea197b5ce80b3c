/**
 * The tap's reader (core/tap/traffic-reader.ts): the records it makes of a scanner's units —
 * greetings, commands decoded by mechanism (READY metadata, PLAIN credentials, CURVE boxes, PING
 * TTLs, subscriptions, groups), WebSocket control frames, and messages as MORE-linked groups.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { encodeProperties, encodeReadyData } from '../../core/zmtp/command';
import type { CommandRecord, GreetingRecord, MessageRecord } from '../../core/tap/records';
import { MESSAGE_FRAME_LIMIT } from '../../core/tap/traffic-reader';
import { ascii, concat, hex } from '../support/hex';
import { switchingProtocols, upgradeRequest } from '../support/raw-ws';
import { recordingReader } from '../support/tap-units';

const COMMAND = 0x04;
const MORE = 0x01;
const body = (name: string, data: Uint8Array = new Uint8Array(0)): Uint8Array => concat(Uint8Array.of(name.length), ascii(name), data);

describe('tap: traffic reader', () => {
  it('reads a ZMTP greeting: version, mechanism, as-server, and says where it ended', () => {
    const { reader, records, greetingEnds } = recordingReader('upstream');
    reader.greeting(encodeGreeting({ mechanism: 'PLAIN', asServer: true }), 64);
    const greeting = records[0] as GreetingRecord;
    assert.deepEqual([greeting.kind, greeting.name, greeting.from, greeting.version, greeting.mechanism, greeting.asServer], ['greeting', 'ZMTP', 'upstream', '3.1', 'PLAIN', true]);
    assert.deepEqual(greetingEnds, [64]);
    assert.equal(reader.mechanism, 'PLAIN');
  });

  it('reads READY metadata, takes the Socket-Type and Identity, and tags later records with them', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'NULL' });
    const ready = body('READY', encodeReadyData('DEALER', [['Identity', ascii('worker-1')], ['X-Lang', ascii('C')]]));
    reader.frame(COMMAND, ready.length, ready);
    reader.frame(0, 2, ascii('hi'));
    const [command, message] = records as [CommandRecord, MessageRecord];
    assert.deepEqual(command.properties, [['Socket-Type', 'DEALER'], ['Identity', 'worker-1'], ['X-Lang', 'C']]);
    assert.equal(command.socketType, 'DEALER');
    assert.equal(message.socketType, 'DEALER');
    assert.equal(message.routingId, 'worker-1');
    assert.equal(reader.socketType, 'DEALER');
  });

  it('shows a PLAIN user name and hides the password unless asked', () => {
    const hello = body('HELLO', concat(Uint8Array.of(5), ascii('admin'), Uint8Array.of(6), ascii('secret')));
    const hidden = recordingReader('app', { mechanism: 'PLAIN' });
    hidden.reader.frame(COMMAND, hello.length, hello);
    const shown = recordingReader('app', { mechanism: 'PLAIN', showPasswords: true });
    shown.reader.frame(COMMAND, hello.length, hello);
    const h = hidden.records[0] as CommandRecord;
    const s = shown.records[0] as CommandRecord;
    assert.deepEqual([h.username, h.password, h.note], ['admin', undefined, 'password of 6 bytes not shown']);
    assert.equal(Buffer.from(h.data).toString('latin1'), '\x05HELLO\x05admin\x06******', 'the record keeps no copy of the password');
    assert.deepEqual([s.username, s.password], ['admin', 'secret']);
  });

  it('takes the client Socket-Type from PLAIN INITIATE', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'PLAIN' });
    const initiate = body('INITIATE', encodeReadyData('REQ'));
    reader.frame(COMMAND, initiate.length, initiate);
    assert.equal((records[0] as CommandRecord).socketType, 'REQ');
  });

  it('names CURVE handshake commands and says their contents are encrypted', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'CURVE' });
    for (const name of ['HELLO', 'WELCOME', 'INITIATE', 'READY', 'MESSAGE']) {
      const command = body(name, new Uint8Array(40));
      reader.frame(COMMAND, command.length, command);
    }
    assert.deepEqual(records.map((r) => [(r as CommandRecord).name, /CURVE/.test((r as CommandRecord).note ?? '')]), [
      ['HELLO', true],
      ['WELCOME', true],
      ['INITIATE', true],
      ['READY', true],
      ['MESSAGE', true],
    ]);
    assert.equal(reader.socketType, undefined);
  });

  it('reads PING TTL in milliseconds and context, PONG context, ERROR reason', () => {
    const { reader, records } = recordingReader('upstream', { mechanism: 'NULL' });
    for (const frame of [body('PING', hex('00 0A 63 74 78')), body('PONG', ascii('ctx')), body('ERROR', concat(Uint8Array.of(3), ascii('400')))]) reader.frame(COMMAND, frame.length, frame);
    const [ping, pong, error] = records as CommandRecord[];
    assert.deepEqual([ping.ttl, Buffer.from(ping.context!).toString()], [1000, 'ctx']);
    assert.equal(Buffer.from(pong.context!).toString(), 'ctx');
    assert.equal(error.reason, '400');
  });

  it('reads SUBSCRIBE and CANCEL commands, and the 01/00 subscription messages of SUB and XSUB', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'NULL' });
    const ready = body('READY', encodeReadyData('SUB'));
    reader.frame(COMMAND, ready.length, ready);
    const subscribe = body('SUBSCRIBE', ascii('weather'));
    reader.frame(COMMAND, subscribe.length, subscribe);
    reader.frame(0, 6, concat(Uint8Array.of(1), ascii('sport')));
    reader.frame(0, 6, concat(Uint8Array.of(0), ascii('sport')));
    const names = records.slice(1).map((r) => [(r as CommandRecord).name, Buffer.from((r as CommandRecord).topic!).toString()]);
    assert.deepEqual(names, [
      ['SUBSCRIBE', 'weather'],
      ['SUBSCRIBE', 'sport'],
      ['CANCEL', 'sport'],
    ]);
  });

  it('reads DISH JOIN and LEAVE groups', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'NULL' });
    for (const frame of [body('JOIN', ascii('news')), body('LEAVE', ascii('news'))]) reader.frame(COMMAND, frame.length, frame);
    assert.deepEqual(records.map((r) => [(r as CommandRecord).name, (r as CommandRecord).group]), [
      ['JOIN', 'news'],
      ['LEAVE', 'news'],
    ]);
  });

  it('groups MORE-linked frames into one message record', () => {
    const { reader, records } = recordingReader('upstream', { mechanism: 'NULL' });
    reader.frame(MORE, 0, new Uint8Array(0));
    reader.frame(MORE, 3, ascii('abc'));
    reader.frame(0, 5, ascii('hello'));
    assert.equal(records.length, 1);
    const message = records[0] as MessageRecord;
    assert.deepEqual(
      message.frames.map((f) => [f.size, f.more, Buffer.from(f.data).toString()]),
      [
        [0, true, ''],
        [3, true, 'abc'],
        [5, false, 'hello'],
      ],
    );
    assert.equal(message.size, 8);
  });

  it('keeps a bounded number of frames per message and counts the rest', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'NULL' });
    for (let i = 0; i < MESSAGE_FRAME_LIMIT + 5; i++) reader.frame(MORE, 1, ascii('x'));
    reader.frame(0, 1, ascii('y'));
    const message = records[0] as MessageRecord;
    assert.equal(message.frames.length, MESSAGE_FRAME_LIMIT);
    assert.equal(message.framesOmitted, 6);
    assert.equal(message.size, MESSAGE_FRAME_LIMIT + 6);
  });

  it('asks the scanner for whole commands, data up to the snapshot length, and nothing with snaplen 0', () => {
    assert.equal(recordingReader('app', { snaplen: 100 }).reader.bytesFor(0), 100);
    assert.equal(recordingReader('app', { snaplen: 100 }).reader.bytesFor(COMMAND), 64 * 1024);
    assert.equal(recordingReader('app', { snaplen: 0 }).reader.bytesFor(0), 0);
  });

  it('reads the ZWS upgrade request and response with their sub-protocols and mechanism', () => {
    const client = recordingReader('app');
    client.reader.httpHead(ascii(upgradeRequest({ path: '/zmq' })), 10);
    const server = recordingReader('upstream');
    server.reader.httpHead(ascii(switchingProtocols('dGhlIHNhbXBsZSBub25jZQ==')), 20);
    const request = client.records[0] as GreetingRecord;
    const response = server.records[0] as GreetingRecord;
    assert.deepEqual([request.name, request.path, request.protocols], ['HTTP-UPGRADE', '/zmq', ['ZWS2.0/NULL', 'ZWS2.0']]);
    assert.deepEqual([response.name, response.status, response.protocols, response.mechanism], ['HTTP-RESPONSE', 101, ['ZWS2.0/NULL'], 'NULL']);
    assert.deepEqual([client.greetingEnds, server.greetingEnds], [[10], [20]]);
  });

  it('names WebSocket pings, pongs and the close code', () => {
    const { reader, records } = recordingReader('app');
    reader.control(9, new Uint8Array(0));
    reader.control(10, new Uint8Array(0));
    reader.control(8, concat(hex('03 E8'), ascii('bye')));
    assert.deepEqual(records.map((r) => [(r as CommandRecord).name, (r as CommandRecord).reason]), [
      ['WS-PING', undefined],
      ['WS-PONG', undefined],
      ['WS-CLOSE', '1000 bye'],
    ]);
  });

  it('marks a malformed READY and keeps going', () => {
    const { reader, records } = recordingReader('app', { mechanism: 'NULL' });
    const bad = body('READY', encodeProperties([['Socket-Type', ascii('PEER')]]).subarray(0, 10));
    reader.frame(COMMAND, bad.length, bad);
    reader.frame(0, 1, ascii('z'));
    assert.match((records[0] as CommandRecord).note ?? '', /^malformed: Malformed READY metadata/);
    assert.equal(records[1].kind, 'message');
  });

  it('reports a ZMTP 2.0 peer as a legacy greeting and an event', () => {
    const { reader, records } = recordingReader('app');
    reader.undecodable('ZMTP 2.0', hex('FF 00 00 00 00 00 00 00 01 7F 01'));
    assert.deepEqual(
      records.map((r) => [r.kind, r.kind === 'greeting' ? r.version : r.kind === 'event' ? r.name : '']),
      [
        ['greeting', '2.0'],
        ['event', 'not-decoded'],
      ],
    );
  });
});
