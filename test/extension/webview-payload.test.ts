import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64ToBytes, bytesToBase64, checkDraftPayload, isValidUtf8, jsonPretty, previewText, utf8Decode } from '../../webview/payload';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('webview payload: base64', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const s = bytesToBase64(b);
      assert.equal(s, Buffer.from(b).toString('base64'));
      assert.deepEqual(base64ToBytes(s), b);
    }), { seed: 42, numRuns: 300 });
  });

  it('accepts missing padding, whitespace and the url-safe alphabet', () => {
    assert.deepEqual(base64ToBytes('aGk'), text('hi'));
    assert.deepEqual(base64ToBytes(' aG\nk= '), text('hi'));
    assert.deepEqual(base64ToBytes('-_8'), bytes(0xfb, 0xff));
  });

  it('rejects bad characters and impossible lengths', () => {
    assert.equal(base64ToBytes('a$bc'), null);
    assert.equal(base64ToBytes('abcde'), null);
    assert.equal(base64ToBytes('ab=c'), null);
    assert.equal(base64ToBytes('é'), null);
  });
});

describe('webview payload: inspector views', () => {
  it('decodes UTF-8 with replacement characters for invalid bytes', () => {
    assert.equal(utf8Decode(text('héllo')), 'héllo');
    assert.equal(utf8Decode(bytes(0x61, 0xff, 0x62)), 'a\uFFFDb');
    assert.equal(isValidUtf8(bytes(0xc3)), false);
    assert.equal(isValidUtf8(text('ok ✓')), true);
  });

  it('pretty-prints valid JSON and returns null otherwise', () => {
    assert.equal(jsonPretty(text('{"a":[1,2]}')), '{\n  "a": [\n    1,\n    2\n  ]\n}');
    assert.equal(jsonPretty(text('{"a":')), null);
    assert.equal(jsonPretty(bytes(0xff)), null);
    assert.equal(jsonPretty(new Uint8Array(0)), null);
  });

  it('previews text on one line and binary as hex', () => {
    assert.equal(previewText(text('line1\nline2')), 'line1·line2');
    assert.equal(previewText(text('abcdef'), 3), 'abc…');
    assert.equal(previewText(bytes(0, 1, 2, 3)), '00 01 02 03');
  });
});

describe('webview payload: send form validation', () => {
  it('encodes text as UTF-8', () => {
    const r = checkDraftPayload('text', 'hé');
    assert.ok(r.ok);
    assert.deepEqual(r.bytes, text('hé'));
  });

  it('reads hex with spaces, separators and 0x prefixes', () => {
    const r = checkDraftPayload('hex', '0x01 02:ff,0xAB');
    assert.ok(r.ok);
    assert.deepEqual(r.bytes, bytes(1, 2, 0xff, 0xab));
  });

  it('explains bad hex: what hex may contain, then the problem the shared grammar names', () => {
    assert.deepEqual(checkDraftPayload('hex', 'abc'), {
      ok: false,
      message: 'Hex may contain only 0-9, a-f, 0x and separators (space : , - _). Invalid hex: 3 digits is an odd count; every byte takes two digits',
    });
    assert.deepEqual(checkDraftPayload('hex', 'hello'), {
      ok: false,
      message: 'Hex may contain only 0-9, a-f, 0x and separators (space : , - _). Invalid hex: "h" is not a hex digit (0-9, a-f)',
    });
    assert.equal(checkDraftPayload('hex', 'zz').ok, false);
  });

  it('checks base64 and JSON', () => {
    assert.equal(checkDraftPayload('base64', 'aGk=').ok, true);
    assert.equal(checkDraftPayload('base64', 'a$').ok, false);
    const j = checkDraftPayload('json', '{ "a": 1 }');
    assert.ok(j.ok);
    assert.deepEqual(j.bytes, text('{"a":1}'));
    const bad = checkDraftPayload('json', '{');
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /^JSON must be one JSON value; it is sent compact\. Invalid JSON/);
  });
});
