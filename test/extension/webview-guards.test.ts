import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isWebviewToHost, PROTOCOL_VERSION } from '../../webview/protocol';

const send = (params: Record<string, unknown>): unknown => ({ kind: 'request', id: 1, method: 'peer/send', params });
const good = { socketId: 's1', routingId: 5, format: 'text', payload: 'hi' };

describe('isWebviewToHost', () => {
  it('accepts ready and each well-formed request', () => {
    const valid: unknown[] = [
      { kind: 'ready', version: PROTOCOL_VERSION },
      send(good),
      { kind: 'request', id: 2, method: 'peer/disconnect', params: { socketId: 's1', connectionId: 3 } },
      { kind: 'request', id: 3, method: 'socket/connectPeer', params: { socketId: 's1', endpoint: 'tcp://127.0.0.1:5555' } },
      { kind: 'request', id: 4, method: 'socket/bind', params: { socketId: 's1', endpoint: 'tcp://*:0' } },
      { kind: 'request', id: 5, method: 'traffic/clear', params: {} },
      { kind: 'request', id: 6, method: 'traffic/export', params: {} },
      { kind: 'request', id: 7, method: 'messages/save', params: { message: { name: 'a', format: 'hex', payload: 'ff' } } },
    ];
    for (const msg of valid) assert.equal(isWebviewToHost(msg), true, JSON.stringify(msg));
  });

  it('rejects values that are not messages', () => {
    for (const v of [null, undefined, 0, 'ready', [], [{ kind: 'ready', version: 1 }], {}, { kind: 'init' }, { kind: 'ready' }, { kind: 'ready', version: '1' }]) {
      assert.equal(isWebviewToHost(v), false, JSON.stringify(v));
    }
  });

  it('rejects unknown methods and missing or non-integer ids', () => {
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'socket/close', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: '__proto__', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', method: 'traffic/clear', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1.5, method: 'traffic/clear', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: '1', method: 'traffic/clear', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'traffic/clear' }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'traffic/clear', params: [] }), false);
  });

  it('rejects wrong field types in peer/send', () => {
    assert.equal(isWebviewToHost(send({ ...good, socketId: 1 })), false);
    assert.equal(isWebviewToHost(send({ ...good, routingId: '5' })), false);
    assert.equal(isWebviewToHost(send({ ...good, format: 'binary' })), false);
    assert.equal(isWebviewToHost(send({ ...good, payload: new Uint8Array(2) })), false);
    assert.equal(isWebviewToHost(send({ socketId: 's1', routingId: 5, format: 'text' })), false);
  });

  it('rejects routing id 0, negative, fractional and above u32', () => {
    for (const routingId of [0, -1, 1.5, 0x1_0000_0000, Number.NaN, Infinity]) {
      assert.equal(isWebviewToHost(send({ ...good, routingId })), false, String(routingId));
    }
    assert.equal(isWebviewToHost(send({ ...good, routingId: 0xffffffff })), true);
  });

  it('rejects huge strings', () => {
    assert.equal(isWebviewToHost(send({ ...good, socketId: 'x'.repeat(101) })), false);
    assert.equal(isWebviewToHost(send({ ...good, payload: 'x'.repeat((1 << 20) + 1) })), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'socket/bind', params: { socketId: 's1', endpoint: 'x'.repeat(4097) } }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'messages/save', params: { message: { name: 'n'.repeat(201), format: 'text', payload: '' } } }), false);
  });

  it('rejects a malformed saved message and a fractional connection id', () => {
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'messages/save', params: { message: { name: 'a', format: 'exe', payload: '' } } }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'messages/save', params: {} }), false);
    assert.equal(isWebviewToHost({ kind: 'request', id: 1, method: 'peer/disconnect', params: { socketId: 's1', connectionId: 1.2 } }), false);
  });
});
