/**
 * ZWS data frames (core/zws/data-frames.ts) against the test's own RFC 6455 framing
 * (test/support/raw-ws.ts): masking and unmasking are unrolled four bytes at a time for small
 * bodies, so every body length around those steps is checked, with every key phase, whole and
 * cut into reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataFrameReader, encodeDataFrames } from '../../core/zws/data-frames';
import { wsFrame, zwsPayload } from '../support/raw-ws';

/** Body lengths around the small-body path (≤ 32 bytes), its 4-byte steps, and the word-wise mask (≥ 64). */
const LENGTHS = [...Array.from({ length: 72 }, (_, i) => i), 125, 126, 200, 1000];

/** A body whose bytes differ from each other and from their neighbours' lengths. */
const body = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + length * 7 + 1) & 0xff));

/** Unmasks one frame as RFC 6455 §5.3 says, byte by byte: the reference for the encoder. */
function unmaskFrame(frame: Uint8Array): { payload: Buffer; masked: boolean } {
  const len7 = frame[1] & 0x7f;
  let at = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
  const masked = (frame[1] & 0x80) !== 0;
  const key = masked ? frame.subarray(at, at + 4) : undefined;
  if (key) at += 4;
  const payload = Buffer.from(frame.subarray(at));
  if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return { payload, masked };
}

/** Feeds `bytes` to a reader in reads of `cut` bytes and returns the bodies it hands over. */
function readAll(bytes: Buffer, masked: boolean, cut: number): string[] {
  const reader = new DataFrameReader(masked, 0);
  const seen: string[] = [];
  const sink = {
    onData: (flags: number, data: Buffer): boolean => (seen.push(`${flags}:${data.toString('hex')}`), true),
    onControl: (): boolean => true,
  };
  for (let at = 0; at < bytes.length; at += cut) assert.equal(reader.push(Buffer.from(bytes.subarray(at, at + cut)), sink), undefined);
  return seen;
}

describe('ZWS data frames', () => {
  it('the encoder masks every body length as RFC 6455 says, and sets the mask bit only when asked', () => {
    for (const mask of [true, false]) {
      for (const length of LENGTHS) {
        const parts = encodeDataFrames([body(length)], mask);
        const frame = Buffer.concat(parts);
        const { payload, masked } = unmaskFrame(frame);
        assert.equal(masked, mask, `mask bit, ${length} bytes`);
        assert.deepEqual(payload, Buffer.from(zwsPayload(body(length))), `payload of a ${length}-byte body, mask ${mask}`);
      }
    }
  });

  it('the fast reader unmasks frames masked by an independent encoder, every length and key, whole and cut into reads', () => {
    const lengths = LENGTHS.filter((n) => n > 0);
    const frames = lengths.map((n, i) => wsFrame({ payload: zwsPayload(body(n)), mask: Buffer.from([i * 37, i * 11 + 3, 255 - i, i ^ 0x5a].map((b) => b & 0xff)) }));
    const expected = lengths.map((n) => `0:${body(n).toString('hex')}`);
    const bytes = Buffer.concat(frames);
    for (const cut of [bytes.length, 1, 3, 7, 64]) assert.deepEqual(readAll(bytes, true, cut), expected, `reads of ${cut} bytes`);
  });

  it('what the encoder writes, the reader gives back, many messages in one batch', () => {
    const bodies = LENGTHS.filter((n) => n > 0).map(body);
    for (const mask of [true, false]) {
      const bytes = Buffer.concat(encodeDataFrames(bodies, mask));
      assert.deepEqual(readAll(bytes, mask, bytes.length), bodies.map((b) => `0:${b.toString('hex')}`), `mask ${mask}`);
    }
  });
});
