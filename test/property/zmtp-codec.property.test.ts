import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ZmtpError, type ZmtpErrorCode } from '../../core/errors';
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, GREETING_SIZE } from '../../core/zmtp/constants';
import { encodeFrame } from '../../core/zmtp/frame';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { encodeProperties, parseCommand, parseErrorData, parsePingData, parseProperties, type Properties } from '../../core/zmtp/command';
import { chunksOf, collect, concat, decodeAll, describeChunking, toHex, type Chunking, type DecodeResult } from '../support/hex';

// Fixed seeds keep CI reproducible; a failure report prints the seed and path to replay it.
const params = (seed: number, numRuns = 150): fc.Parameters<unknown> => ({ seed, numRuns });

const GREETING = encodeGreeting();

interface FrameSpec {
  readonly flags: number;
  readonly body: Uint8Array;
}

/** Bodies of 0..600 bytes, with extra weight on the 255/256 boundary and on tiny bodies. */
const bodyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.integer({ min: 0, max: 600 }),
  fc.integer({ min: 250, max: 260 }),
  fc.integer({ min: 0, max: 3 }),
).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));

const frameArb: fc.Arbitrary<FrameSpec> = fc.record({
  flags: fc.constantFrom(0, FLAG_MORE, FLAG_COMMAND, FLAG_MORE | FLAG_COMMAND),
  body: bodyArb,
});

/** Any way of cutting a stream of `length` bytes. */
function chunkingArb(length: number): fc.Arbitrary<Chunking> {
  return fc.oneof(
    fc.constant<Chunking>('bytewise'),
    fc.record({ sizes: fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 8 }) }),
    fc.record({ sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ splitAt: fc.array(fc.integer({ min: 0, max: length }), { maxLength: 12 }) }),
  );
}

/** A stream and a chunking for it. */
function streamWithChunking(streamArb: fc.Arbitrary<Uint8Array>): fc.Arbitrary<[Uint8Array, Chunking]> {
  return streamArb.chain((bytes) => fc.tuple(fc.constant(bytes), chunkingArb(bytes.length)));
}

/** The flags the decoder reports for an encoded frame: the encoder adds LONG above 255 bytes. */
function wireFlags(frame: FrameSpec): number {
  return frame.flags | (frame.body.length > 255 ? FLAG_LONG : 0);
}

/** maxMessageSize values: unlimited, tiny, and around the short/long boundary. */
const maxMessageSizeArb = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 250, max: 700 }));

/** Bytes that are partly well-formed frames and partly noise, so that both paths get exercised. */
const noisyFramesArb: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      { arbitrary: frameArb.map((f) => encodeFrame(f.body, f.flags)), weight: 3 },
      { arbitrary: fc.uint8Array({ maxLength: 8 }), weight: 1 },
    ),
    { maxLength: 8 },
  )
  .map((parts) => concat(...parts));

function errorCodeOf(result: DecodeResult): ZmtpErrorCode | undefined {
  if (result.error === undefined) return undefined;
  assert.ok(result.error instanceof ZmtpError, `not a ZmtpError: ${String(result.error)}`);
  return result.error.code;
}

describe('ZMTP codec properties', () => {
  it('decodes any list of encoded frames, however the stream is cut, into exactly those frames', () => {
    const arb = fc.array(frameArb, { maxLength: 8 }).chain((frames) => {
      const stream = concat(GREETING, ...frames.map((f) => encodeFrame(f.body, f.flags)));
      return fc.tuple(fc.constant(frames), fc.constant(stream), chunkingArb(stream.length));
    });
    fc.assert(
      fc.property(arb, ([frames, stream, chunking]) => {
        const result = decodeAll(stream, chunking);
        assert.equal(result.error, undefined);
        assert.deepEqual(result.events.slice(0, 3), [
          { type: 'signature' },
          { type: 'version', major: 3 },
          { type: 'greeting', greeting: { major: 3, minor: 1, mechanism: 'NULL', asServer: false } },
        ]);
        assert.deepEqual(result.frames, frames.map((f) => ({ flags: wireFlags(f), body: f.body })));
        assert.equal(result.events.length, 3 + frames.length);
      }),
      params(0x2a0001),
    );
  });

  it('reports the same events and error whatever the split points', () => {
    const streamArb = fc
      .tuple(fc.boolean(), noisyFramesArb)
      .map(([withGreeting, tail]) => (withGreeting ? concat(GREETING, tail) : tail));
    fc.assert(
      fc.property(streamWithChunking(streamArb), maxMessageSizeArb, fc.boolean(), ([stream, chunking], maxMessageSize, greeting) => {
        const options = { maxMessageSize, greeting };
        const whole = decodeAll(stream, { splitAt: [] }, options);
        const cut = decodeAll(stream, chunking, options);
        const label = `${describeChunking(chunking)} of ${toHex(stream)}`;
        assert.deepEqual(cut.events, whole.events, label);
        assert.equal(errorCodeOf(cut), errorCodeOf(whole), label);
        assert.equal(cut.stopped, whole.stopped, label);
      }),
      params(0x2a0002),
    );
  });

  it('turns any bytes after a valid greeting into frames or a ZmtpError, never a larger body than allowed', () => {
    const streamArb = fc.oneof(noisyFramesArb, fc.uint8Array({ maxLength: 2000 }));
    fc.assert(
      fc.property(streamWithChunking(streamArb), maxMessageSizeArb, ([tail, chunking], maxMessageSize) => {
        const c = collect({ maxMessageSize, greeting: true });
        c.decoder.push(GREETING);
        let error: unknown;
        try {
          for (const chunk of chunksOf(tail, chunking)) {
            c.decoder.push(chunk);
            // What the decoder holds for a partial frame never exceeds the limit (plus a size field).
            if (maxMessageSize >= 0) assert.ok(c.decoder.bufferedBytes <= maxMessageSize + 8);
          }
        } catch (err) {
          error = err;
        }
        if (error !== undefined) {
          assert.ok(error instanceof ZmtpError, `not a ZmtpError: ${String(error)}`);
          assert.equal(error.code, 'ERR_ZMTP_MESSAGE_TOO_LARGE');
          assert.ok(c.decoder.stopped);
        }
        if (maxMessageSize >= 0) for (const frame of c.frames) assert.ok(frame.body.length <= maxMessageSize);
      }),
      params(0x2a0003, 300),
    );
  });

  it('turns any 64 bytes into a greeting or a ZmtpError', () => {
    const mutatedGreeting = fc
      .tuple(
        fc.constantFrom('NULL', 'PLAIN', 'CURVE', 'NULLX'),
        fc.array(fc.tuple(fc.integer({ min: 0, max: GREETING_SIZE - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      )
      .map(([mechanism, patches]) => {
        const bytes = encodeGreeting({ mechanism });
        for (const [offset, value] of patches) bytes[offset] = value;
        return bytes;
      });
    const greetingArb = fc.oneof(fc.uint8Array({ minLength: GREETING_SIZE, maxLength: GREETING_SIZE }), mutatedGreeting);
    const expectedCodes: readonly ZmtpErrorCode[] = ['ERR_ZMTP_BAD_SIGNATURE', 'ERR_ZMTP_UNSUPPORTED_VERSION', 'ERR_ZMTP_MECHANISM_MISMATCH'];
    fc.assert(
      fc.property(streamWithChunking(greetingArb), ([bytes, chunking]) => {
        const result = decodeAll(bytes, chunking);
        const code = errorCodeOf(result);
        assert.notEqual(result.greeting === undefined, code === undefined, 'exactly one of greeting and error');
        if (code !== undefined) {
          assert.ok(expectedCodes.includes(code), code);
          return;
        }
        assert.equal(bytes[0], 0xff);
        assert.equal(bytes[9] & 1, 1);
        assert.deepEqual(result.greeting, { major: bytes[10], minor: bytes[11], mechanism: 'NULL', asServer: bytes[32] !== 0 });
        assert.ok(bytes[10] > 1);
      }),
      params(0x2a0004, 300),
    );
  });

  const nameArb = fc
    .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 255 })
    .map((codes) => String.fromCharCode(...codes));
  const propertiesArb: fc.Arbitrary<Properties> = fc.array(fc.tuple(nameArb, fc.uint8Array({ maxLength: 300 })), { maxLength: 6 });

  it('parses encoded properties back to the same names and values', () => {
    fc.assert(
      fc.property(propertiesArb, (properties) => {
        assert.deepEqual(parseProperties(encodeProperties(properties)), properties.map(([name, value]) => [name, value]));
      }),
      params(0x2a0005),
    );
  });

  it('parses any bytes as metadata or throws INVALID_METADATA, and what parses re-encodes exactly', () => {
    const damaged = fc
      .tuple(propertiesArb, fc.integer({ min: -6, max: 0 }), fc.uint8Array({ maxLength: 6 }))
      .map(([properties, cut, extra]) => {
        const bytes = encodeProperties(properties);
        return concat(bytes.subarray(0, Math.max(0, bytes.length + cut)), extra);
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), damaged), (bytes) => {
        let parsed: Array<[string, Uint8Array]>;
        try {
          parsed = parseProperties(bytes);
        } catch (err) {
          assert.ok(err instanceof ZmtpError, `not a ZmtpError: ${String(err)}`);
          assert.equal(err.code, 'ERR_ZMTP_INVALID_METADATA');
          return;
        }
        if (parsed.every(([name]) => /^[\x21-\x7e]+$/.test(name))) assert.deepEqual(encodeProperties(parsed), bytes);
      }),
      params(0x2a0006, 300),
    );
  });

  it('parses any command body, PING data or ERROR data or throws a ZmtpError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        for (const parse of [parseCommand, parsePingData, parseErrorData]) {
          try {
            parse(bytes);
          } catch (err) {
            assert.ok(err instanceof ZmtpError, `${parse.name} threw ${String(err)}`);
          }
        }
      }),
      params(0x2a0007, 300),
    );
  });
});
