/**
 * The topology's endpoint labels keep what tells endpoints apart: the port of two connects to one
 * host, the end of a long ipc path; what every endpoint shares (scheme, host) gives way first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { elideMiddle, endpointLabels, type EndpointNode } from '../../webview/endpoint-label';

const connect = (endpoint: string): EndpointNode => ({ role: 'connect', endpoint });
const bind = (endpoint: string): EndpointNode => ({ role: 'bind', endpoint });

describe('topology endpoint labels', () => {
  it('keeps the whole endpoint when it fits', () => {
    assert.deepEqual(endpointLabels([connect('inproc://echo'), bind('ipc:///tmp/a')], 23), ['connect inproc://echo', 'bind ipc:///tmp/a']);
  });

  it('drops the scheme all share, so host and port show', () => {
    assert.deepEqual(endpointLabels([connect('tcp://127.0.0.1:40291'), connect('tcp://127.0.0.1:40292')], 23), ['connect 127.0.0.1:40291', 'connect 127.0.0.1:40292']);
    // One endpoint alone: the scheme goes, the host stays.
    assert.deepEqual(endpointLabels([connect('tcp://127.0.0.1:40291')], 23), ['connect 127.0.0.1:40291']);
  });

  it('then drops the host all share, for every label alike', () => {
    const labels = endpointLabels([bind('tcp://127.0.0.1:*'), connect('tcp://127.0.0.1:40291'), connect('tcp://127.0.0.1:40292')], 20);
    assert.deepEqual(labels, ['bind :*', 'connect :40291', 'connect :40292']);
    assert.deepEqual(endpointLabels([connect('ws://10.1.2.3:8080/zmq'), connect('ws://10.1.2.3:8081/zmq')], 20), ['connect :8080/zmq', 'connect :8081/zmq']);
  });

  it('cuts the middle of what is still too long, never the end', () => {
    const labels = endpointLabels([connect('tcp://192.168.100.200:5555'), connect('tcp://10.0.0.1:5556')], 23);
    assert.deepEqual(labels.map((l) => l.length <= 23), [true, true]);
    assert.ok(labels[0].startsWith('connect ') && labels[0].endsWith('.200:5555'), labels[0]);
    assert.equal(labels[1], 'connect 10.0.0.1:5556');
    const ipc = endpointLabels([connect('ipc:///run/user/1000/zmq/broker-frontend.sock')], 23)[0];
    assert.equal(ipc.length, 23);
    assert.ok(ipc.endsWith('frontend.sock'), ipc);
  });

  it('keeps IPv6 hosts whole when they are the difference', () => {
    assert.deepEqual(endpointLabels([connect('tcp://[::1]:5555'), connect('tcp://127.0.0.1:5555')], 23), ['connect [::1]:5555', 'connect 127.0.0.1:5555']);
  });

  it('elides in the middle to the exact length', () => {
    assert.equal(elideMiddle('abcdefghij', 6, 2), 'ab…hij');
    assert.equal(elideMiddle('short', 6), 'short');
  });
});
