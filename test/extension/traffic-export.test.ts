import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toTrafficView } from '../../extension/session-views';
import { exportFileName, toNdjson } from '../../extension/traffic-export';
import type { TrafficRecord } from '../../webview/protocol';

const record = (over: Partial<TrafficRecord> = {}): TrafficRecord => ({
  seq: 1,
  time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  socketId: 'socket-1',
  connectionId: 7,
  routingId: 42,
  direction: 'out',
  kind: 'data',
  size: 3,
  data: Buffer.from([0, 1, 255]),
  truncated: false,
  ...over,
});

describe('NDJSON export', () => {
  it('writes one JSON object per line with raw bytes in base64', () => {
    const text = toNdjson([record(), record({ seq: 2, direction: 'in', routingId: null, kind: 'PING', data: Buffer.from('hi'), size: 10, truncated: true })]);
    assert.ok(text.endsWith('\n'));
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], {
      seq: 1,
      timestamp: '2026-01-02T03:04:05.678Z',
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      socketId: 'socket-1',
      connectionId: 7,
      routingId: 42,
      direction: 'out',
      kind: 'data',
      size: 3,
      truncated: false,
      data: 'AAH/',
    });
    assert.equal(lines[1].direction, 'in');
    assert.equal(lines[1].routingId, null);
    assert.equal(lines[1].truncated, true);
    assert.equal(Buffer.from(lines[1].data, 'base64').toString(), 'hi');
  });

  it('is empty for no frames', () => {
    assert.equal(toNdjson([]), '');
  });

  it('has no line breaks inside a record', () => {
    const text = toNdjson([record({ data: Buffer.from('a\nb\r\n') })]);
    assert.equal(text.split('\n').length, 2);
  });

  it('makes views with base64 bodies', () => {
    assert.equal(toTrafficView(record()).data, 'AAH/');
  });

  it('names export files after the time, without characters Windows rejects', () => {
    assert.equal(exportFileName(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), 'zmq-traffic-2026-01-02T03-04-05-006Z.ndjson');
    assert.equal(exportFileName(Date.UTC(2026, 0, 2, 3, 4, 5, 6), 'pcapng', '-tcp'), 'zmq-traffic-2026-01-02T03-04-05-006Z-tcp.pcapng');
  });
});
