import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpointPickItems, readRecentEndpoints, rememberEndpoint, RECENT_ENDPOINTS_MAX, validateEndpointInput } from '../../extension/endpoint-input';

describe('validateEndpointInput', () => {
  it('accepts valid endpoints for connect and bind', () => {
    for (const ep of ['tcp://127.0.0.1:5555', 'ipc:///tmp/x.sock', 'inproc://name', 'ws://127.0.0.1:8080/zmq', '  tcp://localhost:1  ']) {
      assert.equal(validateEndpointInput(ep, 'connect'), undefined, ep);
    }
    assert.equal(validateEndpointInput('tcp://*:5555', 'bind'), undefined);
    assert.equal(validateEndpointInput('tcp://127.0.0.1:*', 'bind'), undefined);
  });

  it('asks for an endpoint when the input is empty', () => {
    assert.match(validateEndpointInput('   ', 'connect')!, /Enter an endpoint/);
  });

  it('names EPROTONOSUPPORT with an explanation for an unknown scheme', () => {
    const message = validateEndpointInput('foo://bar', 'connect')!;
    assert.match(message, /^EPROTONOSUPPORT: Protocol not supported/);
    assert.match(message, /tcp, ipc, inproc, ws and wss/);
  });

  it('names ENOCOMPATPROTO for udp and pgm', () => {
    assert.match(validateEndpointInput('udp://127.0.0.1:5555', 'connect')!, /^ENOCOMPATPROTO: The protocol is not compatible with the socket type.*RADIO\/DISH/);
    assert.match(validateEndpointInput('pgm://eth0;239.1.1.1:5555', 'connect')!, /^ENOCOMPATPROTO/);
  });

  it('names EINVAL for a malformed endpoint', () => {
    assert.match(validateEndpointInput('tcp:/127.0.0.1', 'connect')!, /^EINVAL: Invalid argument/);
    assert.match(validateEndpointInput('tcp://127.0.0.1', 'connect')!, /^EINVAL/);
    assert.match(validateEndpointInput('tcp://*:5555', 'connect')!, /^EINVAL/);
  });
});

describe('recent endpoints', () => {
  it('puts the newest first without duplicates', () => {
    assert.deepEqual(rememberEndpoint(['a', 'b', 'c'], 'b'), ['b', 'a', 'c']);
    assert.deepEqual(rememberEndpoint([], 'x'), ['x']);
  });

  it('keeps at most the maximum', () => {
    let list: string[] = [];
    for (let i = 0; i < 25; i++) list = rememberEndpoint(list, `tcp://h:${i}`);
    assert.equal(list.length, RECENT_ENDPOINTS_MAX);
    assert.equal(list[0], 'tcp://h:24');
  });

  it('reads stored state defensively', () => {
    assert.deepEqual(readRecentEndpoints(undefined), []);
    assert.deepEqual(readRecentEndpoints('tcp://x:1'), []);
    assert.deepEqual(readRecentEndpoints(['a', 3, null, 'b']), ['a', 'b']);
  });
});

describe('endpointPickItems', () => {
  const recent = ['tcp://127.0.0.1:5555', 'ipc:///tmp/a.sock'];

  it('lists the recent endpoints while nothing is typed', () => {
    assert.deepEqual(endpointPickItems(recent, '  ', 'connect').map((i) => [i.source, i.endpoint]), [['recent', recent[0]], ['recent', recent[1]]]);
  });

  it('puts a typed new endpoint first, always shown, so Enter picks it', () => {
    const [first, ...rest] = endpointPickItems(recent, ' tcp://127.0.0.1:5601 ', 'connect');
    assert.deepEqual([first.source, first.endpoint, first.alwaysShow, first.detail], ['typed', 'tcp://127.0.0.1:5601', true, undefined]);
    assert.equal(first.description, 'Connect to this endpoint');
    assert.equal(rest.length, 2);
  });

  it('shows the problem of a typed endpoint under it', () => {
    const [first] = endpointPickItems(recent, 'foo://x', 'connect');
    assert.equal(first.source, 'typed');
    assert.match(first.detail ?? '', /^EPROTONOSUPPORT/);
  });

  it('does not repeat a recent endpoint that is typed out in full', () => {
    assert.deepEqual(endpointPickItems(recent, recent[1], 'connect').map((i) => i.source), ['recent', 'recent']);
  });
});
