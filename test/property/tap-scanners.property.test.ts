/**
 * Properties of the tap's scanners: for any frames, any capture limit and any way of cutting the
 * stream, the ZMTP scanner and the ZWS scanner (masked or not) report every frame with its flags,
 * its size and the first bytes of its body up to the limit — and the same frames for the same
 * messages, so that ZMTP and ZWS traffic read alike.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from '../../core/zmtp/constants';
import { encodeFrame } from '../../core/zmtp/frame';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { chunksOf, concat, toHex, type Chunking } from '../support/hex';
import { wsFrame, zwsPayload } from '../support/raw-ws';
import { recordingScanner } from '../support/tap-units';

const params = (seed: number, numRuns = 60): fc.Parameters<unknown> => ({ seed, numRuns });

interface FrameSpec {
  readonly flags: number;
  readonly body: Uint8Array;
}

const frameArb: fc.Arbitrary<FrameSpec> = fc.record({
  flags: fc.constantFrom(0, FLAG_MORE, FLAG_COMMAND),
  body: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 250, max: 260 }), fc.integer({ min: 65_530, max: 65_540 })).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
});

function chunkingArb(length: number): fc.Arbitrary<Chunking> {
  return fc.oneof(
    fc.record({ sizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }) }),
    fc.record({ sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ splitAt: fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 }) }),
  );
}

/** What a scanner should report for a frame, with `limit` bytes kept of data frames (all of commands). */
function expected(frames: readonly FrameSpec[], limit: number): unknown[] {
  return frames.map(({ flags, body }) => ({
    unit: 'frame',
    flags: flags | (body.length > 255 ? FLAG_LONG : 0),
    size: body.length,
    head: toHex(body.subarray(0, flags & FLAG_COMMAND ? body.length : limit)),
  }));
}

describe('tap scanners: properties', () => {
  it('the ZMTP scanner reports every frame, however the stream is cut', () => {
    const case_ = fc.tuple(fc.array(frameArb, { maxLength: 8 }), fc.integer({ min: 0, max: 300 })).chain(([frames, limit]) => {
      const stream = concat(encodeGreeting(), ...frames.map((f) => encodeFrame(f.body, f.flags)));
      return fc.tuple(fc.constant(frames), fc.constant(limit), fc.constant(stream), chunkingArb(stream.length));
    });
    fc.assert(
      fc.property(case_, ([frames, limit, stream, chunking]) => {
        const { scanner, units } = recordingScanner('zmtp', limit);
        for (const chunk of chunksOf(stream, chunking)) scanner.push(chunk);
        assert.deepEqual(units.slice(1), expected(frames, limit));
      }),
      params(0x7a9),
    );
  });

  it('the ZWS scanner reports the same frames for the same messages, masked or not', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), (frames, limit, masked) => {
        const zwsFlags = (flags: number): number => (flags & FLAG_MORE ? 1 : 0) | (flags & FLAG_COMMAND ? 2 : 0);
        const stream = concat(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'), ...frames.map((f) => wsFrame({ payload: zwsPayload(f.body, zwsFlags(f.flags)), mask: masked })));
        const { scanner, units } = recordingScanner('zws', limit);
        for (const chunk of chunksOf(stream, { sizes: [1, 7, 300, 65_536] })) scanner.push(chunk);
        assert.deepEqual(units.slice(1), expected(frames, limit));
      }),
      params(0x5e5),
    );
  });
});
