/**
 * The tap's pcapng writer (core/tap/pcapng.ts, pcapng-capture.ts) at the byte level: the block
 * layout, the EXPORTED_PDU tags of the tested recipe (tap-and-pcapng.md §2), the seed record,
 * the 262 144-byte cut, ZWS transcoding, and the synthesized TCP variant's sequence numbers and
 * checksums. What Wireshark makes of the files is tested with a real tshark in
 * test/interop/tap-pcapng.interop.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngCapture } from '../../core/tap/pcapng-capture';
import { enhancedPacket, sectionHeader, tcpSegment, upperPduTags, UPPER_PDU_CAPTURE_MAX } from '../../core/tap/pcapng';
import type { TapRecord } from '../../core/tap/records';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { ascii, hex, toHex } from '../support/hex';

/** The blocks of a pcapng file: type and body (between the two length fields). */
function blocks(bytes: Uint8Array): Array<{ type: number; body: Uint8Array }> {
  const out: Array<{ type: number; body: Uint8Array }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 0; pos < bytes.length; ) {
    const type = view.getUint32(pos, true);
    const length = view.getUint32(pos + 4, true);
    assert.equal(length % 4, 0, 'block lengths are multiples of 4');
    assert.equal(view.getUint32(pos + length - 4, true), length, 'the trailing length repeats the leading one');
    out.push({ type, body: bytes.subarray(pos + 8, pos + length - 4) });
    pos += length;
  }
  return out;
}

/** An EPB's captured data and original length. */
function packet(body: Uint8Array): { data: Uint8Array; captured: number; original: number; micros: number } {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const captured = view.getUint32(12, true);
  return { data: body.subarray(20, 20 + captured), captured, original: view.getUint32(16, true), micros: view.getUint32(4, true) * 2 ** 32 + view.getUint32(8, true) };
}

function capture(format: 'zmtp' | 'tcp', records: TapRecord[]): Uint8Array[] {
  const written: Uint8Array[] = [];
  const cap = new PcapngCapture(format, (b) => written.push(b));
  for (const r of records) cap.add(r);
  const file = new Uint8Array(written.reduce((n, b) => n + b.length, 0));
  let pos = 0;
  for (const b of written) {
    file.set(b, pos);
    pos += b.length;
  }
  return blocks(file).filter((b) => b.type === 6).map((b) => packet(b.body).data);
}

const T = 1_700_000_000_000;
const opening: TapRecord[] = [
  { kind: 'event', time: T, connection: 1, name: 'accepted', severity: 'info', text: 'app connected', address: '127.0.0.1:49112' },
  { kind: 'event', time: T, connection: 1, name: 'upstream-connected', severity: 'info', text: 'relaying', address: '127.0.0.1:5599' },
];
const greetingFrom = (from: 'app' | 'upstream'): TapRecord => ({ kind: 'greeting', time: T + 1, connection: 1, from, name: 'ZMTP', version: '3.1', mechanism: 'NULL', asServer: false, raw: encodeGreeting() });

describe('tap: pcapng blocks', () => {
  it('writes a section header with the byte-order magic and the application name', () => {
    const [shb] = blocks(sectionHeader('zmq tap'));
    assert.equal(shb.type, 0x0a0d0d0a);
    assert.equal(toHex(shb.body.subarray(0, 4)), toHex(hex('4D 3C 2B 1A')));
    assert.match(Buffer.from(shb.body).toString('latin1'), /zmq tap/);
  });

  it('pads packet data and comments to 4 bytes and keeps microsecond timestamps', () => {
    const [epb] = blocks(enhancedPacket(1.5, ascii('abcde'), 9, 'hi'));
    const p = packet(epb.body);
    assert.deepEqual([p.captured, p.original, p.micros], [5, 9, 1500]);
    assert.equal(epb.body.length, 20 + 8 + (4 + 4) + 4);
  });

  it("lays out EXPORTED_PDU tags as the tested recipe: big-endian, padded, 'zmtp' without NUL, an end tag", () => {
    const flow = { srcIp: Uint8Array.of(127, 0, 0, 1), dstIp: Uint8Array.of(127, 0, 0, 1), srcPort: 0xbfd8, dstPort: 0x15df };
    assert.equal(toHex(upperPduTags({ dissector: 'tcp', flow })), toHex(hex('000c 0004 74637000 0014 0004 7f000001 0015 0004 7f000001 0018 0004 00000002 0019 0004 0000bfd8 001a 0004 000015df 0000 0000')));
    assert.equal(toHex(upperPduTags({ dissector: 'zmtp', flow }).subarray(0, 8)), toHex(hex('000c 0004 7a6d7470')));
  });
});

describe('tap: pcapng capture, EXPORTED_PDU', () => {
  it('starts each connection with a tcp SYN seed, then one zmtp record per greeting and frame', () => {
    const records: TapRecord[] = [
      ...opening,
      greetingFrom('app'),
      { kind: 'command', time: T + 2, connection: 1, from: 'app', socketType: 'PEER', name: 'READY', size: 26, flags: 4, data: hex('05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52') },
      { kind: 'message', time: T + 3, connection: 1, from: 'upstream', frames: [{ size: 5, more: false, data: ascii('HELLO'), flags: 0 }], framesOmitted: 0, size: 5 },
    ];
    const packets = capture('zmtp', records);
    const seed = packets[0];
    assert.equal(toHex(seed.subarray(0, 8)), toHex(hex('000c 0004 74637000')));
    assert.equal(toHex(seed.subarray(seed.length - 20)), toHex(hex('bfd8 15df 000003e7 00000000 5002 ffff 0000 0000')));
    const tags = 52;
    assert.equal(toHex(packets[1].subarray(tags)), toHex(encodeGreeting()));
    assert.equal(toHex(packets[2].subarray(tags)), toHex(hex('04 1A 05 52 45 41 44 59 0B 53 6F 63 6B 65 74 2D 54 79 70 65 00 00 00 04 50 45 45 52')));
    assert.equal(toHex(packets[3].subarray(tags)), toHex(hex('00 05 48 45 4C 4C 4F')));
    // The upstream's record has the addresses and ports swapped.
    assert.equal(toHex(packets[3].subarray(8, 24)), toHex(hex('0014 0004 7f000001 0015 0004 7f000001')));
    assert.equal(toHex(packets[3].subarray(32, 52)), toHex(hex('0019 0004 000015df 001a 0004 0000bfd8 0000 0000')));
  });

  it('cuts a record at 262 144 bytes and keeps the full length as the original length', () => {
    const big = new Uint8Array(300_000).fill(0x41);
    const written: Uint8Array[] = [];
    const cap = new PcapngCapture('zmtp', (b) => written.push(b));
    for (const r of [...opening, greetingFrom('app')]) cap.add(r);
    cap.add({ kind: 'message', time: T + 3, connection: 1, from: 'app', frames: [{ size: big.length, more: false, data: big, flags: 0x02 }], framesOmitted: 0, size: big.length });
    const last = packet(blocks(written[written.length - 1])[0].body);
    assert.equal(last.captured, UPPER_PDU_CAPTURE_MAX);
    assert.equal(last.original, 52 + 9 + 300_000);
  });

  it('transcodes ZWS: synthesized greetings from the chosen sub-protocol, frames with ZMTP headers', () => {
    const records: TapRecord[] = [
      ...opening,
      { kind: 'greeting', time: T + 1, connection: 1, from: 'app', name: 'HTTP-UPGRADE', path: '/', protocols: ['ZWS2.0/NULL', 'ZWS2.0'], raw: ascii('GET / HTTP/1.1\r\n\r\n') },
      { kind: 'greeting', time: T + 2, connection: 1, from: 'upstream', name: 'HTTP-RESPONSE', status: 101, path: 'HTTP/1.1 101 Switching Protocols', protocols: ['ZWS2.0/NULL'], mechanism: 'NULL', raw: ascii('HTTP/1.1 101 Switching Protocols\r\n\r\n') },
      { kind: 'command', time: T + 3, connection: 1, from: 'app', name: 'WS-PING', size: 0, flags: 4, data: new Uint8Array(0) },
      { kind: 'message', time: T + 4, connection: 1, from: 'app', frames: [{ size: 300, more: false, data: new Uint8Array(300), flags: 0x02 }], framesOmitted: 0, size: 300 },
    ];
    const packets = capture('zmtp', records);
    const dissector = (p: Uint8Array): string => Buffer.from(p.subarray(4, 4 + new DataView(p.buffer, p.byteOffset).getUint16(2))).toString('latin1').replace(/\0+$/, '');
    assert.deepEqual(packets.map(dissector), ['tcp', 'data', 'data', 'zmtp', 'zmtp', 'data', 'zmtp']);
    const greeting = packets[3].subarray(packets[3].length - 64);
    assert.equal(toHex(greeting), toHex(encodeGreeting({ mechanism: 'NULL' })));
    const frame = packets[6];
    assert.equal(toHex(frame.subarray(frame.length - 309, frame.length - 300)), toHex(hex('02 00 00 00 00 00 00 01 2C')));
  });
});

describe('tap: pcapng capture, synthesized TCP', () => {
  it('opens with a handshake, numbers the bytes of each side, and closes with FINs', () => {
    const records: TapRecord[] = [
      ...opening,
      greetingFrom('app'),
      greetingFrom('upstream'),
      { kind: 'message', time: T + 3, connection: 1, from: 'app', frames: [{ size: 5, more: false, data: ascii('HELLO'), flags: 0 }], framesOmitted: 0, size: 5 },
      { kind: 'event', time: T + 4, connection: 1, from: 'app', name: 'closed', severity: 'info', text: 'app closed the connection' },
    ];
    const packets = capture('tcp', records);
    const tcp = (p: Uint8Array): { seq: number; ack: number; flags: number; payload: number } => {
      const v = new DataView(p.buffer, p.byteOffset);
      return { seq: v.getUint32(38), ack: v.getUint32(42), flags: p[47], payload: v.getUint16(16) - 40 };
    };
    const seen = packets.map(tcp);
    const isn = 0x10000;
    const isnUp = 0x18000;
    assert.deepEqual(seen, [
      { seq: isn, ack: 0, flags: 0x02, payload: 0 },
      { seq: isnUp, ack: isn + 1, flags: 0x12, payload: 0 },
      { seq: isn + 1, ack: isnUp + 1, flags: 0x10, payload: 0 },
      { seq: isn + 1, ack: isnUp + 1, flags: 0x18, payload: 64 },
      { seq: isnUp + 1, ack: isn + 65, flags: 0x18, payload: 64 },
      { seq: isn + 65, ack: isnUp + 65, flags: 0x18, payload: 7 },
      { seq: isn + 72, ack: isnUp + 65, flags: 0x11, payload: 0 },
      { seq: isnUp + 65, ack: isn + 73, flags: 0x11, payload: 0 },
    ]);
  });

  it('writes valid IPv4 and TCP checksums', () => {
    const flow = { srcIp: Uint8Array.of(10, 0, 0, 1), dstIp: Uint8Array.of(10, 0, 0, 2), srcPort: 40001, dstPort: 5599 };
    const { data } = tcpSegment(flow, 1, 2, 0x18, 5, ascii('HELLO'), true);
    const sum = (bytes: Uint8Array): number => {
      let s = 0;
      for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      return s;
    };
    assert.equal(sum(data.subarray(14, 34)), 0xffff, 'the IPv4 header sums to all ones');
    const pseudo = Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 25);
    const all = new Uint8Array(pseudo.length + 25);
    all.set(pseudo);
    all.set(data.subarray(34), pseudo.length);
    assert.equal(sum(all), 0xffff, 'the TCP segment and pseudo-header sum to all ones');
  });
});
