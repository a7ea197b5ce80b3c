import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, hexPreview, PayloadError } from '../../extension/payload';
import type { PayloadFormat } from '../../webview/protocol';

const bytes = (b: Buffer): number[] => [...b];

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
    assert.equal(decodePayload('hex', '').length, 0);
  });

  it('rejects malformed hex with a clear error', () => {
    assert.throws(() => decodePayload('hex', '0g'), { name: 'PayloadError', message: /"g" is not a hex digit/ });
    assert.throws(() => decodePayload('hex', 'abc'), { message: /odd count/ });
  });

  it('reads standard and URL-safe base64, padding optional', () => {
    assert.deepEqual(bytes(decodePayload('base64', 'AQL/')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('base64', 'AQL_')), [1, 2, 255]);
    assert.deepEqual(bytes(decodePayload('base64', 'aGk=')), [0x68, 0x69]);
    assert.deepEqual(bytes(decodePayload('base64', 'aGk')), [0x68, 0x69]);
  });

  it('rejects malformed base64 with a clear error', () => {
    assert.throws(() => decodePayload('base64', 'a*b'), { message: /"\*" is not a base64 character/ });
    assert.throws(() => decodePayload('base64', 'abcde'), { message: /length is impossible/ });
    assert.throws(() => decodePayload('base64', 'ab=c'), { message: /padding/ });
  });

  it('re-serialises JSON compactly', () => {
    assert.equal(decodePayload('json', '{ "a": [1, 2] }').toString('utf8'), '{"a":[1,2]}');
    assert.equal(decodePayload('json', '"x"').toString('utf8'), '"x"');
  });

  it('rejects malformed JSON with the parser message', () => {
    assert.throws(() => decodePayload('json', '{a:1}'), (err: unknown) => err instanceof PayloadError && err.format === 'json' && /^Invalid JSON: /.test(err.message));
  });

  it('rejects an unknown format', () => {
    assert.throws(() => decodePayload('xml' as PayloadFormat, '<a/>'), { code: 'EPAYLOAD', message: /Unknown payload format/ });
  });

  it('previews bytes as hex, truncated', () => {
    assert.equal(hexPreview(Buffer.from([1, 2, 255])), '01 02 ff');
    assert.equal(hexPreview(Buffer.alloc(10), 2), '00 00 …');
  });
});
