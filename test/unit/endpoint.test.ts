import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { ERRNO, ZmqError, type ZmqErrorCode } from '../../core/errors';
import {
  describeAddress,
  formatEndpoint,
  formatHost,
  isIPv6Literal,
  parseEndpoint,
  resolveBindHost,
  tcpLastEndpoint,
  type Endpoint,
  type EndpointRole,
} from '../../core/endpoint';

type Roles = EndpointRole | 'both';

const rolesOf = (roles: Roles): EndpointRole[] => (roles === 'both' ? ['bind', 'connect'] : [roles]);

interface ValidRow {
  /** What the row shows, as the start of a test name. */
  readonly what: string;
  readonly text: string;
  readonly roles: Roles;
  readonly expected: Endpoint;
  /** What formatEndpoint gives back, when it is not `text`. */
  readonly canonical?: string;
}

const tcp = (host: string, port: number | '*', source?: { host: string; port: number | '*' }): Endpoint =>
  source ? { transport: 'tcp', host, port, source } : { transport: 'tcp', host, port };
const ipc = (path: string, abstract = false, wildcard = false): Endpoint => ({ transport: 'ipc', path, abstract, wildcard });
const ws = (host: string, port: number | '*', path: string, transport: 'ws' | 'wss' = 'ws'): Endpoint => ({ transport, host, port, path });

const LONG_NAME = 'a'.repeat(106);
/** 53 two-byte characters and one ASCII byte: 107 bytes in UTF-8. */
const WIDE_107 = 'é'.repeat(53) + 'a';

const VALID: readonly ValidRow[] = [
  { what: 'reads a wildcard tcp bind', text: 'tcp://*:5555', roles: 'bind', expected: tcp('*', 5555) },
  { what: 'reads a wildcard port on bind', text: 'tcp://*:*', roles: 'bind', expected: tcp('*', '*') },
  { what: 'keeps port 0 apart from * on bind', text: 'tcp://127.0.0.1:0', roles: 'both', expected: tcp('127.0.0.1', 0) },
  { what: 'reads an IPv4 tcp address', text: 'tcp://127.0.0.1:5555', roles: 'both', expected: tcp('127.0.0.1', 5555) },
  { what: 'removes the brackets of an IPv6 literal', text: 'tcp://[::1]:5555', roles: 'both', expected: tcp('::1', 5555) },
  { what: 'keeps a zone id in the host', text: 'tcp://[fe80::1%eth0]:5555', roles: 'both', expected: tcp('fe80::1%eth0', 5555) },
  { what: 'leaves name resolution to later', text: 'tcp://localhost:5555', roles: 'both', expected: tcp('localhost', 5555) },
  { what: 'accepts an interface name', text: 'tcp://eth0:5555', roles: 'bind', expected: tcp('eth0', 5555) },
  { what: 'splits an unbracketed IPv6 host at the last colon', text: 'tcp://::1:5555', roles: 'connect', expected: tcp('::1', 5555), canonical: 'tcp://[::1]:5555' },
  // libzmq 4.3.4 ip_resolver_t: port = (uint16_t) atoi(text), so the digits' value wraps.
  { what: 'truncates a connect port to 16 bits', text: 'tcp://127.0.0.1:65537', roles: 'connect', expected: tcp('127.0.0.1', 1), canonical: 'tcp://127.0.0.1:1' },
  { what: 'keeps port 0 when a connect port wraps to it', text: 'tcp://h:65536', roles: 'connect', expected: tcp('h', 0), canonical: 'tcp://h:0' },
  { what: 'reads only the leading digits of a port', text: 'tcp://h:5555abc', roles: 'both', expected: tcp('h', 5555), canonical: 'tcp://h:5555' },
  { what: 'drops leading zeros from a port', text: 'tcp://*:05555', roles: 'bind', expected: tcp('*', 5555), canonical: 'tcp://*:5555' },
  { what: 'reads a source address', text: 'tcp://127.0.0.1:0;127.0.0.1:5555', roles: 'connect', expected: tcp('127.0.0.1', 5555, { host: '127.0.0.1', port: 0 }) },
  { what: 'reads a source interface with any port', text: 'tcp://eth0:*;server:5555', roles: 'connect', expected: tcp('server', 5555, { host: 'eth0', port: '*' }) },
  { what: 'reads IPv6 source and target', text: 'tcp://[::1]:4000;[::1]:5555', roles: 'connect', expected: tcp('::1', 5555, { host: '::1', port: 4000 }) },
  { what: 'splits source and target at the last semicolon', text: 'tcp://a:1;b:2;c:3', roles: 'connect', expected: tcp('c', 3, { host: 'a:1;b', port: 2 }), canonical: 'tcp://[a:1;b]:2;c:3' },
  { what: 'reads an absolute ipc path', text: 'ipc:///tmp/peer.sock', roles: 'both', expected: ipc('/tmp/peer.sock') },
  { what: 'reads a relative ipc path', text: 'ipc://peer.sock', roles: 'both', expected: ipc('peer.sock') },
  { what: 'reads an abstract ipc name', text: 'ipc://@peer', roles: 'both', expected: ipc('peer', true) },
  { what: 'reads an ipc wildcard on bind', text: 'ipc://*', roles: 'bind', expected: ipc('', false, true) },
  // libzmq 4.3.4 ipc_listener_t only looks at the first character.
  { what: 'treats any ipc bind starting with * as a wildcard', text: 'ipc://*tail', roles: 'bind', expected: ipc('', false, true), canonical: 'ipc://*' },
  { what: 'treats ipc://* on connect as a file named *', text: 'ipc://*', roles: 'connect', expected: ipc('*') },
  { what: 'accepts a 107-byte ipc path', text: `ipc:///${LONG_NAME}`, roles: 'both', expected: ipc(`/${LONG_NAME}`) },
  { what: 'accepts a 107-byte abstract ipc address', text: `ipc://@${LONG_NAME}`, roles: 'both', expected: ipc(LONG_NAME, true) },
  { what: 'counts ipc path length in UTF-8 bytes', text: `ipc://${WIDE_107}`, roles: 'both', expected: ipc(WIDE_107) },
  { what: 'reads an inproc name', text: 'inproc://peer', roles: 'both', expected: { transport: 'inproc', name: 'peer' } },
  { what: 'takes an inproc name as is', text: 'inproc://*:x;y/z @', roles: 'both', expected: { transport: 'inproc', name: '*:x;y/z @' } },
  { what: 'gives a ws address the path / by default', text: 'ws://127.0.0.1:5555', roles: 'both', expected: ws('127.0.0.1', 5555, '/'), canonical: 'ws://127.0.0.1:5555/' },
  { what: 'reads a ws path', text: 'ws://127.0.0.1:5555/zmq', roles: 'both', expected: ws('127.0.0.1', 5555, '/zmq') },
  // libzmq 4.3.4 ws_address_t: the path starts at strrchr(address, '/').
  { what: 'keeps only the last segment of a ws path', text: 'ws://127.0.0.1:5555/a/b', roles: 'both', expected: ws('127.0.0.1', 5555, '/b'), canonical: 'ws://127.0.0.1:5555/b' },
  { what: 'reads a ws wildcard bind', text: 'ws://*:*', roles: 'bind', expected: ws('*', '*', '/'), canonical: 'ws://*:*/' },
  { what: 'accepts a wildcard ws port with a one-segment path', text: 'ws://127.0.0.1:*/a', roles: 'bind', expected: ws('127.0.0.1', '*', '/a') },
  { what: 'reads a bracketed IPv6 ws host', text: 'ws://[::1]:8080/x', roles: 'both', expected: ws('::1', 8080, '/x') },
  { what: 'reads a wss address', text: 'wss://example.com:443/path', roles: 'connect', expected: ws('example.com', 443, '/path', 'wss') },
  { what: 'keeps a colon in a ws path', text: 'ws://h:1/a:b', roles: 'both', expected: ws('h', 1, '/a:b') },
  { what: 'truncates a ws connect port to 16 bits', text: 'ws://h:65537/', roles: 'connect', expected: ws('h', 1, '/'), canonical: 'ws://h:1/' },
  { what: 'accepts ws port 0 on connect', text: 'ws://h:0/', roles: 'connect', expected: ws('h', 0, '/') },
];

interface ErrorRow {
  readonly what: string;
  readonly text: string;
  readonly roles: Roles;
  readonly code: ZmqErrorCode;
}

const ERRORS: readonly ErrorRow[] = [
  { what: 'rejects an endpoint without ://', text: 'tcp127.0.0.1:5555', roles: 'both', code: 'EINVAL' },
  { what: 'rejects a scheme followed by :/ only', text: 'tcp:/127.0.0.1:5555', roles: 'both', code: 'EINVAL' },
  { what: 'rejects an empty scheme', text: '://127.0.0.1:5555', roles: 'both', code: 'EINVAL' },
  { what: 'rejects an empty address', text: 'tcp://', roles: 'both', code: 'EINVAL' },
  { what: 'rejects an empty address before looking at the scheme', text: 'foo://', roles: 'both', code: 'EINVAL' },
  { what: 'rejects a NUL character', text: 'inproc://a\0b', roles: 'both', code: 'EINVAL' },
  { what: 'rejects an unknown scheme', text: 'foo://bar', roles: 'both', code: 'EPROTONOSUPPORT' },
  { what: 'rejects tipc', text: 'tipc://{5560,0,0}', roles: 'both', code: 'EPROTONOSUPPORT' },
  { what: 'rejects vmci', text: 'vmci://1:5555', roles: 'both', code: 'EPROTONOSUPPORT' },
  { what: 'rejects vsock', text: 'vsock://1:5555', roles: 'both', code: 'EPROTONOSUPPORT' },
  { what: 'matches schemes case-sensitively', text: 'TCP://127.0.0.1:5555', roles: 'both', code: 'EPROTONOSUPPORT' },
  { what: 'rejects udp for a PEER', text: 'udp://127.0.0.1:5555', roles: 'both', code: 'ENOCOMPATPROTO' },
  { what: 'rejects pgm for a PEER', text: 'pgm://eth0;239.192.1.1:5555', roles: 'both', code: 'ENOCOMPATPROTO' },
  { what: 'rejects epgm for a PEER', text: 'epgm://eth0;239.192.1.1:5555', roles: 'both', code: 'ENOCOMPATPROTO' },
  { what: 'rejects norm for a PEER', text: 'norm://1,127.0.0.1:5555', roles: 'both', code: 'ENOCOMPATPROTO' },
  { what: 'rejects a wildcard host on tcp connect', text: 'tcp://*:5555', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects tcp connect without a port', text: 'tcp://host', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects tcp connect with a wildcard port', text: 'tcp://host:*', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects tcp connect with a non-numeric port', text: 'tcp://host:abc', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects tcp connect with an empty port', text: 'tcp://host:', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a space in a tcp connect address', text: 'tcp://a b:1', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a tcp connect address starting with -', text: 'tcp://-host:1', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a slash in a tcp connect address', text: 'tcp://h/x:1', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects non-ASCII letters in a tcp connect address', text: 'tcp://hôte:1', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a tcp target without a port after a source', text: 'tcp://a:1;b', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a non-numeric tcp source port', text: 'tcp://127.0.0.1:x;127.0.0.1:5555', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects tcp bind without a port', text: 'tcp://*', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with an empty port', text: 'tcp://*:', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with a non-numeric port', text: 'tcp://*:abc', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with port 65536', text: 'tcp://*:65536', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with port 70000', text: 'tcp://127.0.0.1:70000', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with a negative port', text: 'tcp://*:-1', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects tcp bind with port 00', text: 'tcp://*:00', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects a 108-byte ipc path', text: `ipc:///${LONG_NAME}a`, roles: 'both', code: 'ENAMETOOLONG' },
  { what: 'rejects a 108-byte abstract ipc address', text: `ipc://@${LONG_NAME}a`, roles: 'both', code: 'ENAMETOOLONG' },
  { what: 'rejects an ipc path of 108 UTF-8 bytes', text: `ipc://${'é'.repeat(54)}`, roles: 'both', code: 'ENAMETOOLONG' },
  { what: 'rejects an abstract ipc address without a name', text: 'ipc://@', roles: 'both', code: 'EINVAL' },
  { what: 'rejects a ws address without a port', text: 'ws://127.0.0.1', roles: 'both', code: 'EINVAL' },
  { what: 'rejects a ws address whose only colon is in the path', text: 'ws://a/b:5', roles: 'both', code: 'EINVAL' },
  { what: 'rejects ws connect with a wildcard port', text: 'ws://127.0.0.1:*', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects ws connect to a wildcard host', text: 'ws://*:5555', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects ws connect to an empty host', text: 'ws://:5555/', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects a non-numeric ws port', text: 'wss://127.0.0.1:abc/x', roles: 'both', code: 'EINVAL' },
  { what: 'rejects ws connect with a port that wraps to 0', text: 'ws://h:65536', roles: 'connect', code: 'EINVAL' },
  { what: 'rejects ws bind with port 65536', text: 'ws://h:65536', roles: 'bind', code: 'EINVAL' },
  // libzmq 4.3.4: the port text of ws://h:*/a/b/c is "*/a/b", which is not "*".
  { what: 'rejects a wildcard ws bind with a multi-segment path', text: 'ws://127.0.0.1:*/a/b/c', roles: 'bind', code: 'EINVAL' },
  { what: 'rejects ws bind to port 0 with a multi-segment path', text: 'ws://127.0.0.1:0/a/b', roles: 'bind', code: 'EINVAL' },
];

describe('parseEndpoint and formatEndpoint, valid endpoints', () => {
  for (const row of VALID) {
    for (const role of rolesOf(row.roles)) {
      it(`${row.what} (${role} ${JSON.stringify(row.text)})`, () => {
        const parsed = parseEndpoint(row.text, role);
        assert.deepEqual(parsed, row.expected);
        assert.equal(formatEndpoint(parsed), row.canonical ?? row.text);
        assert.deepEqual(parseEndpoint(formatEndpoint(parsed), role), parsed);
      });
    }
  }
});

describe('parseEndpoint, invalid endpoints', () => {
  for (const row of ERRORS) {
    for (const role of rolesOf(row.roles)) {
      it(`${row.what} with ${row.code} (${role} ${JSON.stringify(row.text)})`, () => {
        assert.throws(() => parseEndpoint(row.text, role), { name: 'ZmqError', code: row.code, errno: ERRNO[row.code], address: row.text });
      });
    }
  }

  it('reports errno numbers as libzmq does on Linux', () => {
    assert.throws(() => parseEndpoint('tcp://*:5555', 'connect'), { code: 'EINVAL', errno: 22 });
    assert.throws(() => parseEndpoint('foo://bar', 'bind'), { code: 'EPROTONOSUPPORT', errno: 93 });
    assert.throws(() => parseEndpoint('udp://*:5555', 'bind'), { code: 'ENOCOMPATPROTO', errno: 156384764 });
    assert.throws(() => parseEndpoint(`ipc://${'x'.repeat(108)}`, 'bind'), { code: 'ENAMETOOLONG', errno: 36 });
  });

  it('throws a ZmqError whose message starts with the fixed text', () => {
    assert.throws(
      () => parseEndpoint('tcp://host', 'connect'),
      (err: unknown) => err instanceof ZmqError && err.message.startsWith('Invalid argument: '),
    );
  });

  it('accepts the same tcp text for connect that bind rejects', () => {
    assert.throws(() => parseEndpoint('tcp://*:5555', 'connect'), { code: 'EINVAL' });
    assert.deepEqual(parseEndpoint('tcp://*:5555', 'bind'), tcp('*', 5555));
  });
});

describe('resolveBindHost', () => {
  const interfaces = networkInterfaces();
  const loopback = interfaces.lo;
  const addr = 'tcp://x:1';

  it('turns * into 0.0.0.0, or :: with ipv6', () => {
    assert.equal(resolveBindHost('*', false, addr), '0.0.0.0');
    assert.equal(resolveBindHost('*', true, addr), '::');
  });

  it('keeps a numeric IPv4 address, with or without ipv6', () => {
    assert.equal(resolveBindHost('127.0.0.1', false, addr), '127.0.0.1');
    assert.equal(resolveBindHost('127.0.0.1', true, addr), '127.0.0.1');
  });

  it('reads the short and hex IPv4 forms inet_aton accepts', () => {
    assert.equal(resolveBindHost('127.1', false, addr), '127.0.0.1');
    assert.equal(resolveBindHost('0x7f.0.0.01', false, addr), '127.0.0.1');
    assert.equal(resolveBindHost('2130706433', false, addr), '127.0.0.1');
  });

  it('rejects malformed IPv4 addresses with ENODEV', () => {
    for (const host of ['256.1.1.1', '1.2.3.4.5', '08.1.1.1', '1.2.3.', '1..2']) {
      assert.throws(() => resolveBindHost(host, false, addr), { code: 'ENODEV' }, host);
    }
  });

  it('keeps an IPv6 literal when ipv6 is on', () => {
    assert.equal(resolveBindHost('::1', true, addr), '::1');
  });

  it('rejects an IPv6 literal without ipv6 with ENODEV', () => {
    assert.throws(() => resolveBindHost('::1', false, addr), { code: 'ENODEV', errno: 19, address: addr });
  });

  it('rejects DNS names with ENODEV, as libzmq 4.3.4 does', () => {
    assert.throws(() => resolveBindHost('localhost', false, addr), { code: 'ENODEV', errno: 19 });
    assert.throws(() => resolveBindHost('example.com', true, addr), { code: 'ENODEV' });
  });

  it('rejects an unknown interface and an empty host with ENODEV', () => {
    assert.throws(() => resolveBindHost('no-such-nic0', false, addr), { code: 'ENODEV' });
    assert.throws(() => resolveBindHost('', false, addr), { code: 'ENODEV' });
    assert.throws(() => resolveBindHost('__proto__', false, addr), { code: 'ENODEV' });
  });

  it('turns lo into its first IPv4 address', { skip: loopback ? false : 'no lo interface' }, () => {
    const v4 = (loopback ?? []).find((i) => i.family === 'IPv4');
    if (v4) assert.equal(resolveBindHost('lo', false, addr), v4.address);
    else assert.throws(() => resolveBindHost('lo', false, addr), { code: 'ENODEV' });
  });

  it('turns lo into its first IPv6 address with ipv6', { skip: loopback ? false : 'no lo interface' }, () => {
    const v6 = (loopback ?? []).find((i) => i.family === 'IPv6');
    if (v6) assert.equal(resolveBindHost('lo', true, addr), v6.address);
    else assert.throws(() => resolveBindHost('lo', true, addr), { code: 'ENODEV' });
  });

  it('rejects an empty, unknown or zero zone id with EINVAL', () => {
    for (const host of ['::1%', '::1%no-such-nic0', '::1%0', '::1%x']) {
      assert.throws(() => resolveBindHost(host, true, addr), { code: 'EINVAL' }, host);
    }
  });

  it('keeps a numeric zone id on an IPv6 address', () => {
    assert.equal(resolveBindHost('::1%1', true, addr), '::1%1');
  });

  it('keeps an interface zone id on an IPv6 address', { skip: loopback ? false : 'no lo interface' }, () => {
    assert.equal(resolveBindHost('fe80::1%lo', true, addr), 'fe80::1%lo');
    assert.equal(resolveBindHost('127.0.0.1%lo', false, addr), '127.0.0.1');
  });
});

describe('host helpers', () => {
  it('writes ZMQ_LAST_ENDPOINT for IPv4 and IPv6 tcp binds', () => {
    assert.equal(tcpLastEndpoint('127.0.0.1', 41233), 'tcp://127.0.0.1:41233');
    assert.equal(tcpLastEndpoint('0.0.0.0', 1), 'tcp://0.0.0.0:1');
    assert.equal(tcpLastEndpoint('::1', 41233), 'tcp://[::1]:41233');
  });

  it('recognises IPv6 literals with or without brackets and zone', () => {
    for (const host of ['::1', '[::1]', 'fe80::1%eth0', '[fe80::1%2]', '::ffff:127.0.0.1']) assert.equal(isIPv6Literal(host), true, host);
    for (const host of ['127.0.0.1', 'localhost', '*', '', '::1%', '[::1', 'a:b']) assert.equal(isIPv6Literal(host), false, host);
  });

  it('brackets hosts that contain a colon or look bracketed', () => {
    assert.equal(formatHost('::1'), '[::1]');
    assert.equal(formatHost('[x]'), '[[x]]');
    assert.equal(formatHost('example.com'), 'example.com');
  });

  it('describes a stream address as host:port, bracketing IPv6, and an ipc stream as none', () => {
    assert.equal(describeAddress('127.0.0.1', 5555), '127.0.0.1:5555');
    assert.equal(describeAddress('::1', 5555), '[::1]:5555');
    assert.equal(describeAddress('127.0.0.1', undefined), '127.0.0.1');
    assert.equal(describeAddress(undefined, undefined), undefined);
  });
});
