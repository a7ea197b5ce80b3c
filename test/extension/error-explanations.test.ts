import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERRNO, ZMTP_ERROR_CODES, ZmqError, type ZmqErrorCode } from '../../core/index';
import { adviceFor, describeError, ERROR_EXPLANATIONS, errorCode, ZMTP_EXPLANATIONS } from '../../extension/error-explanations';
import { errorCodeOf } from '../../extension/handshake-ladder';

describe('error explanations', () => {
  const codes = Object.keys(ERRNO) as ZmqErrorCode[];

  it('explains every core ZmqError code and nothing else', () => {
    assert.deepEqual(Object.keys(ERROR_EXPLANATIONS).sort(), [...codes].sort());
  });

  for (const code of codes) {
    it(`describes ${code} with its code, the core message and the explanation`, () => {
      const err = new ZmqError(code, { detail: 'some detail' });
      const text = describeError(err, 'Connect Peer');
      assert.ok(text.startsWith(`Connect Peer failed: ${code} — ${err.message}. `), text);
      assert.ok(text.endsWith(ERROR_EXPLANATIONS[code]));
      assert.ok(ERROR_EXPLANATIONS[code].length > 20);
    });
  }

  it('shows other errors with their code or message alone', () => {
    assert.equal(describeError(new Error('boom')), 'boom');
    assert.equal(describeError(Object.assign(new Error('bad'), { code: 'EPAYLOAD' }), 'Send'), 'Send failed: EPAYLOAD — bad');
    assert.equal(describeError('text'), 'text');
    assert.equal(errorCode(new ZmqError('ETERM')), 'ETERM');
    assert.equal(errorCode(42), undefined);
  });

  it("finds every wire error's code at the start of a connection's last error, so the warning carries its advice", () => {
    for (const code of ZMTP_ERROR_CODES) {
      assert.equal(errorCodeOf(`${code}: what happened`), code);
      assert.equal(adviceFor(code), ZMTP_EXPLANATIONS[code]);
    }
    assert.equal(errorCodeOf('ECONNREFUSED: connect tcp://127.0.0.1:1'), 'ECONNREFUSED');
    assert.equal(errorCodeOf('no code here'), undefined);
  });
});
