/**
 * The one payload grammar (zmq-script/payload.ts) that frame scripts, hovers, the Send Frame
 * command, the session and the debugger view's send form and inspector all read payloads with.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePayload, hexDump, hexPreview, PayloadError, PAYLOAD_FORMATS, type PayloadFormat } from '../../zmq-script/payload';

const bytes = (b: Uint8Array): number[] => [...b];
const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const root = join(__dirname, '..', '..', '..');

describe('decodePayload', () => {
  it('encodes text as UTF-8', () => {
    assert.deepEqual(bytes(decodePayload('text', 'hé')), [0x68, 0xc3, 0xa9]);
    assert.equal(decodePayload('text', '').length, 0);
  });

  it('reads hex with or without separators and 0x', () => {
    assert.deepEqual(bytes(decodePayload('hex', '01 02 ff')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('hex', '0x0102FF')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('hex', '01:02-ff,0A')), [1, 2, 255, 10]);
    assert.deepEqual(bytes(decodePayload('hex', '0x01 0x02')), [1, 2]);
    assert.deepEqual(bytes(decodePayload('hex', '0x01 02:ff,0xAB')), [1, 2, 0xff, 0xab]);
    assert.equal(decodePayload('hex', '').length, 0);
  });

  it('takes 0x at the start of any group, whichever separator came before it', () => {
    assert.deepEqual(bytes(decodePayload('hex', '01_0x02')), [1, 2]);
    assert.deepEqual(bytes(decodePayload('hex', '\t0XaB\n')), [0xab]);
  });

  it('rejects malformed hex with a clear error', () => {
    assert.throws(() => decodePayload('hex', '0g'), { name: 'PayloadError', message: /"g" is not a hex digit/ });
    assert.throws(() => decodePayload('hex', 'abc'), { message: /odd count/ });
    assert.throws(() => decodePayload('hex', 'zz'), { name: 'PayloadError', message: 'Invalid hex: "z" is not a hex digit (0-9, a-f)' });
    // A 0x inside a group is not a prefix.
    assert.throws(() => decodePayload('hex', '010x02'), { message: 'Invalid hex: "x" is not a hex digit (0-9, a-f)' });
    assert.throws(() => decodePayload('hex', '01 😀'), { message: 'Invalid hex: "😀" is not a hex digit (0-9, a-f)' });
  });

  it('reads standard and URL-safe base64, padding optional', () => {
    assert.deepEqual(bytes(decodePayload('base64', 'AQL/')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('base64', 'AQL_')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('base64', 'aGk=')), [0x68, 0x69]);
    assert.deepEqual(bytes(decodePayload('base64', 'aGk')), [0x68, 0x69]);
    assert.deepEqual(bytes(decodePayload('base64', ' aG\nk= ')), [0x68, 0x69]);
    assert.deepEqual(bytes(decodePayload('base64', '-_8')), [0xfb, 0xff]);
    // RFC 4648 §5: URL-safe base64 may keep its padding.
    assert.deepEqual(bytes(decodePayload('base64', '-_8=')), [0xfb, 0xff]);
    assert.equal(decodePayload('base64', '').length, 0);
  });

  it('rejects malformed base64 with a clear error', () => {
    assert.throws(() => decodePayload('base64', 'a*b'), { message: /"\*" is not a base64 character/ });
    assert.throws(() => decodePayload('base64', 'abcde'), { message: /length is impossible/ });
    assert.throws(() => decodePayload('base64', 'ab=c'), { message: /padding/ });
    assert.throws(() => decodePayload('base64', 'é'), { message: 'Invalid base64: "é" is not a base64 character' });
  });

  it('refuses base64 that mixes the two alphabets, or whose padding does not complete a group of four', () => {
    assert.throws(() => decodePayload('base64', 'a+b_'), { name: 'PayloadError', message: 'Invalid base64: it mixes the standard (+ /) and URL-safe (- _) alphabets' });
    assert.throws(() => decodePayload('base64', 'aGk=='), { message: 'Invalid base64: "=" padding must complete the last group of four characters' });
    assert.throws(() => decodePayload('base64', 'aG==='), { message: 'Invalid base64: "=" padding only at the end, at most two' });
    assert.throws(() => decodePayload('base64', '='), { message: /padding must complete/ });
  });

  it('re-serialises JSON compactly', () => {
    assert.equal(utf8(decodePayload('json', '{ "a": [1, 2] }')), '{"a":[1,2]}');
    assert.equal(utf8(decodePayload('json', '"x"')), '"x"');
    assert.equal(utf8(decodePayload('json', '{ "a": 1 }')), '{"a":1}');
  });

  it('rejects malformed JSON with the parser message', () => {
    assert.throws(() => decodePayload('json', '{a:1}'), (err: unknown) => err instanceof PayloadError && err.format === 'json' && /^Invalid JSON: /.test(err.message));
    assert.throws(() => decodePayload('json', '{'), { message: /^Invalid JSON/ });
  });

  it('rejects an unknown format', () => {
    assert.throws(() => decodePayload('xml' as PayloadFormat, '<a/>'), { code: 'EPAYLOAD', message: /Unknown payload format/ });
  });

  it('lists its formats for pickers, text first', () => {
    assert.deepEqual(PAYLOAD_FORMATS, ['text', 'hex', 'base64', 'json']);
  });
});

describe('hexPreview', () => {
  it('previews bytes as hex, truncated', () => {
    assert.equal(hexPreview(Buffer.from([1, 2, 255])), '01 02 ff');
    assert.equal(hexPreview(Buffer.alloc(10), 2), '00 00 …');
  });
});

describe('hexDump', () => {
  it('dumps hex with offsets, two groups of 8 and an ASCII column', () => {
    const dump = hexDump(text('Hello, ZeroMQ peer!\x00'));
    const lines = dump.split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '00000000  48 65 6c 6c 6f 2c 20 5a  65 72 6f 4d 51 20 70 65  |Hello, ZeroMQ pe|');
    assert.ok(lines[1].startsWith('00000010  65 72 21 00 '));
    assert.ok(lines[1].endsWith('|er!.|'));
  });

  it('says how many bytes the dump left out', () => {
    const dump = hexDump(new Uint8Array(40), 16);
    assert.equal(dump.split('\n').length, 2);
    assert.match(dump, /24 more bytes/);
  });
});

describe('the grammar as a browser module', () => {
  it('imports nothing and uses no Buffer, so the webview bundle compiles the same file', () => {
    const code = readFileSync(join(root, 'zmq-script', 'payload.ts'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /^\s*import\s/m);
    assert.doesNotMatch(code, /\bBuffer\b|\brequire\(|['"]node:/);
    assert.match(readFileSync(join(root, 'webview', 'tsconfig.json'), 'utf8'), /"\.\.\/zmq-script\/payload\.ts"/);
  });
});
