import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../zmq-script/duration';
import { matchBytes, matchJson, matchJsonSubset, matchRegex, spacedHex, utf8Text, type MatchResult } from '../../zmq-script/matchers';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const json = (value: unknown): Buffer => bytes(JSON.stringify(value));
const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
const OK: MatchResult = { ok: true };

describe('matchBytes', () => {
  it('matches equal bytes, also from a view into a larger buffer', () => {
    const big = Buffer.from([9, 1, 2, 3, 9]);
    assert.deepEqual(matchBytes(big.subarray(1, 4), Uint8Array.from([1, 2, 3])), OK);
    assert.deepEqual(matchBytes(new Uint8Array(0), Buffer.alloc(0)), OK);
  });

  it('tells two UTF-8 frames apart as quoted text, at the first differing byte', () => {
    assert.deepEqual(matchBytes(bytes('pong 1'), bytes('pong 2')), {
      ok: false,
      message: 'frame differs at byte 5: expected 6 bytes "pong 1", received 6 bytes "pong 2"',
      expected: 'pong 1',
      actual: 'pong 2',
    });
  });

  it('counts bytes, not characters, in UTF-8 text', () => {
    assert.deepEqual(matchBytes(bytes('éa'), bytes('éb')), {
      ok: false,
      message: 'frame differs at byte 2: expected 3 bytes "éa", received 3 bytes "éb"',
      expected: 'éa',
      actual: 'éb',
    });
  });

  it('escapes control characters in the message but not in expected and actual', () => {
    assert.deepEqual(matchBytes(bytes('a\nb'), bytes('a\tb')), {
      ok: false,
      message: 'frame differs at byte 1: expected 3 bytes "a\\nb", received 3 bytes "a\\tb"',
      expected: 'a\nb',
      actual: 'a\tb',
    });
  });

  it('shows both sides as spaced hex when either is not valid UTF-8', () => {
    assert.deepEqual(matchBytes(bytes('ab'), Buffer.from([0x61, 0xff])), {
      ok: false,
      message: 'frame differs at byte 1: expected 2 bytes 61 62, received 2 bytes 61 ff',
      expected: '61 62',
      actual: '61 ff',
    });
  });

  it('gives the shorter length as the first difference of a prefix', () => {
    assert.deepEqual(matchBytes(Buffer.from([1, 2, 0xff]), Buffer.from([1, 2])), {
      ok: false,
      message: 'frame differs at byte 2: expected 3 bytes 01 02 ff, received 2 bytes 01 02',
      expected: '01 02 ff',
      actual: '01 02',
    });
    assert.deepEqual(matchBytes(bytes('ab'), bytes('abc')), {
      ok: false,
      message: 'frame differs at byte 2: expected 2 bytes "ab", received 3 bytes "abc"',
      expected: 'ab',
      actual: 'abc',
    });
  });

  it('renders an empty frame as an empty string', () => {
    assert.deepEqual(matchBytes(bytes('x'), Buffer.alloc(0)), { ok: false, message: 'frame differs at byte 0: expected 1 bytes "x", received 0 bytes ""', expected: 'x', actual: '' });
  });
});

describe('matchers helpers', () => {
  it('reads valid UTF-8 and refuses invalid sequences', () => {
    assert.equal(utf8Text(bytes('héllo 😀')), 'héllo 😀');
    assert.equal(utf8Text(Buffer.from([0xc3])), undefined);
    assert.equal(utf8Text(Buffer.from([0xed, 0xa0, 0x80])), undefined);
  });

  it('spaces hex pairs without a trailing blank', () => {
    assert.equal(spacedHex(Buffer.from([0, 0xab, 0x10])), '00 ab 10');
    assert.equal(spacedHex(Buffer.alloc(0)), '');
  });
});

describe('matchJson', () => {
  it('matches regardless of key order and blanks', () => {
    assert.deepEqual(matchJson({ a: 1, b: [1, { c: null }] }, bytes('{ "b" : [1, {"c": null}],\n "a": 1 }')), OK);
    assert.deepEqual(matchJson('text', bytes('"text"')), OK);
    assert.deepEqual(matchJson(null, bytes('null')), OK);
  });

  it('names the path of the first difference, and pretty-prints both sides', () => {
    const actual = { b: [1, 3], a: 1 };
    assert.deepEqual(matchJson({ a: 1, b: [1, 2] }, json(actual)), { ok: false, message: 'JSON differs at .b[1]', expected: pretty({ a: 1, b: [1, 2] }), actual: pretty(actual) });
  });

  it('names an extra key of the frame', () => {
    assert.deepEqual(matchJson({ a: 1 }, json({ a: 1, b: 2 })), { ok: false, message: 'JSON differs at .b', expected: pretty({ a: 1 }), actual: pretty({ a: 1, b: 2 }) });
  });

  it('names a missing key', () => {
    assert.deepEqual(matchJson({ a: { x: 1, y: 2 } }, json({ a: { x: 1 } })), {
      ok: false,
      message: 'JSON differs at .a.y',
      expected: pretty({ a: { x: 1, y: 2 } }),
      actual: pretty({ a: { x: 1 } }),
    });
  });

  it('names an array of another length, a type mismatch and a top-level difference', () => {
    const message = (expected: unknown, actual: unknown): string | undefined => {
      const result = matchJson(expected, json(actual));
      return result.ok ? undefined : result.message;
    };
    assert.equal(message({ a: [1, 2] }, { a: [1] }), 'JSON differs at .a');
    assert.equal(message({ a: [1] }, { a: { 0: 1 } }), 'JSON differs at .a');
    assert.equal(message({ a: '1' }, { a: 1 }), 'JSON differs at .a');
    assert.equal(message(1, 2), 'JSON differs at the top level');
    assert.equal(message([{ x: [0, { y: true }] }], [{ x: [0, { y: false }] }]), 'JSON differs at [0].x[1].y');
  });

  it('says when the frame is not JSON, or not UTF-8', () => {
    let parseMessage = '';
    try {
      JSON.parse('nope');
    } catch (err) {
      parseMessage = (err as Error).message;
    }
    assert.deepEqual(matchJson({ a: 1 }, bytes('nope')), { ok: false, message: `the frame is not JSON (${parseMessage}): "nope"`, expected: pretty({ a: 1 }), actual: 'nope' });
    assert.deepEqual(matchJson({ a: 1 }, Buffer.from([0xff, 0x00])), { ok: false, message: 'the frame is not JSON: its 2 bytes are not valid UTF-8', expected: pretty({ a: 1 }), actual: 'ff 00' });
  });
});

describe('matchJsonSubset', () => {
  const subset = (expected: unknown, actual: unknown): MatchResult => matchJsonSubset(expected, json(actual));
  const failsAt = (expected: unknown, actual: unknown, path: string): void => {
    assert.deepEqual(subset(expected, actual), { ok: false, message: `JSON does not contain the expected subset at ${path}`, expected: pretty(expected), actual: pretty(actual) });
  };

  it('accepts extra keys in the frame, at every depth', () => {
    assert.deepEqual(subset({ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }), OK);
    assert.deepEqual(subset({}, { any: 'thing' }), OK);
  });

  it('matches arrays element by element, objects in them as subsets', () => {
    assert.deepEqual(subset({ list: [{ id: 1 }, { id: 2 }] }, { list: [{ id: 1, x: 'a' }, { id: 2, y: 'b' }] }), OK);
  });

  it('requires arrays of the same length', () => {
    failsAt({ a: [{ x: 1 }] }, { a: [{ x: 1 }, { x: 2 }] }, '.a');
    failsAt([1, 2], [1], 'the top level');
  });

  it('requires every expected key, and equal scalars', () => {
    failsAt({ a: 1, b: 2 }, { a: 1 }, '.b');
    failsAt({ a: { b: 'x' } }, { a: { b: 'y', c: 1 } }, '.a.b');
    failsAt({ a: null }, { a: 0 }, '.a');
    failsAt({ a: 0 }, { a: false }, '.a');
  });

  it('refuses an array where an object is expected, and the reverse', () => {
    failsAt({ a: {} }, { a: [] }, '.a');
    failsAt({ a: [] }, { a: {} }, '.a');
  });

  it('compares scalars at the top level exactly', () => {
    assert.deepEqual(subset('x', 'x'), OK);
    failsAt(1, '1', 'the top level');
  });

  it('says when the frame is not JSON', () => {
    const result = matchJsonSubset({ a: 1 }, bytes('{'));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.expected, pretty({ a: 1 }));
    assert.equal(!result.ok && result.actual, '{');
    assert.match(!result.ok ? result.message : '', /^the frame is not JSON \(.+\): "\{"$/);
  });
});

describe('matchRegex', () => {
  it('finds a match anywhere in the frame read as UTF-8', () => {
    assert.deepEqual(matchRegex(/ng \d+$/, bytes('pong 42')), OK);
    assert.deepEqual(matchRegex(/^é/u, bytes('été')), OK);
  });

  it('tells a mismatch with the frame as quoted text and the regex', () => {
    assert.deepEqual(matchRegex(/^ping/i, bytes('pong')), { ok: false, message: 'frame "pong" does not match /^ping/i', expected: '/^ping/i', actual: 'pong' });
  });

  it('cuts a long frame after 200 characters in the message only', () => {
    const long = 'a'.repeat(250);
    assert.deepEqual(matchRegex(/b/, bytes(long)), { ok: false, message: `frame "${'a'.repeat(200)}…" does not match /b/`, expected: '/b/', actual: long });
  });

  it('matches every frame afresh with a global or sticky regex', () => {
    const pattern = /pong/g;
    assert.deepEqual(matchRegex(pattern, bytes('pong')), OK);
    assert.deepEqual(matchRegex(pattern, bytes('pong')), OK);
    const sticky = /p/y;
    assert.deepEqual(matchRegex(sticky, bytes('p')), OK);
    assert.deepEqual(matchRegex(sticky, bytes('p')), OK);
  });

  it('reads a frame that is not UTF-8 as Latin-1', () => {
    assert.deepEqual(matchRegex(/^\xff\x00$/, Buffer.from([0xff, 0x00])), OK);
  });
});

describe('parseDuration and formatDuration', () => {
  const DURATIONS: readonly [string, number | undefined][] = [
    ['0', 0],
    ['250', 250],
    ['250ms', 250],
    ['2s', 2000],
    ['1.5s', 1500],
    ['0.0004s', 0],
    ['1.2345s', 1235],
    ['1m', 60000],
    ['1440m', MAX_DURATION_MS],
    ['86400000', MAX_DURATION_MS],
    ['  3s  ', 3000],
    ['86400001', undefined],
    ['1441m', undefined],
    ['', undefined],
    ['s', undefined],
    ['-1s', undefined],
    ['2 s', undefined],
    ['1h', undefined],
    ['1.s', undefined],
    ['.5s', undefined],
    ['1e3', undefined],
    ['2S', undefined],
    ['1ms5', undefined],
  ];
  for (const [text, ms] of DURATIONS) {
    it(`reads ${JSON.stringify(text)} as ${ms === undefined ? 'no duration' : `${ms} ms`}`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const FORMATS: readonly [number, string][] = [
    [0, '0 ms'],
    [999, '999 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [1234, '1.234 s'],
    [60000, '60 s'],
    [MAX_DURATION_MS, '86400 s'],
  ];
  for (const [ms, text] of FORMATS) {
    it(`writes ${ms} ms as ${JSON.stringify(text)}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }
});
