import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ZmqError, type ZmqErrorCode } from '../../core/errors';
import { formatEndpoint, parseEndpoint, type Endpoint, type EndpointRole } from '../../core/endpoint';

// Fixed seeds keep CI reproducible; a failure report prints the seed and path to replay it.
const params = (seed: number, numRuns = 500): fc.Parameters<unknown> => ({ seed, numRuns });

/** The only codes parsing may report. */
const PARSE_CODES: ReadonlySet<ZmqErrorCode> = new Set(['EINVAL', 'EPROTONOSUPPORT', 'ENOCOMPATPROTO', 'ENAMETOOLONG']);

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,9}$/);
const dnsName = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const zone = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), fc.integer({ min: 1, max: 99 }).map(String));
const ipv6 = fc.tuple(fc.ipV6(), fc.option(zone, { nil: undefined })).map(([ip, z]) => (z === undefined ? ip : `${ip}%${z}`));
/** Hosts libzmq accepts in both roles; names fail only later, at resolution. */
const host = fc.oneof(dnsName, fc.ipV4(), ipv6);

const connectPort = fc.integer({ min: 0, max: 65535 });
const bindPort = fc.oneof(fc.constant<'*'>('*'), fc.integer({ min: 0, max: 65535 }));

const noNul = (s: string): boolean => !s.includes('\0');
const text = (maxLength: number) => fc.string({ unit: 'binary', minLength: 1, maxLength }).filter(noNul);

const tcpArb = (role: EndpointRole): fc.Arbitrary<Endpoint> =>
  role === 'bind'
    ? fc.record({ transport: fc.constant<'tcp'>('tcp'), host: fc.oneof(fc.constant('*'), host), port: bindPort })
    : fc
        .tuple(host, connectPort, fc.option(fc.record({ host, port: bindPort }).map((src) => ({ ...src })), { nil: undefined }))
        .map(([h, port, source]): Endpoint => (source ? { transport: 'tcp', host: h, port, source } : { transport: 'tcp', host: h, port }));

const ipcArb = (role: EndpointRole): fc.Arbitrary<Endpoint> => {
  const file = text(40)
    .filter((p) => !p.startsWith('@') && !(role === 'bind' && p.startsWith('*')) && utf8Length(p) < 108)
    .map((path): Endpoint => ({ transport: 'ipc', path, abstract: false, wildcard: false }));
  const abstract = text(40)
    .filter((name) => utf8Length(name) < 107)
    .map((path): Endpoint => ({ transport: 'ipc', path, abstract: true, wildcard: false }));
  const wildcard = fc.constant<Endpoint>({ transport: 'ipc', path: '', abstract: false, wildcard: true });
  return role === 'bind' ? fc.oneof(file, abstract, wildcard) : fc.oneof(file, abstract);
};

const inprocArb: fc.Arbitrary<Endpoint> = text(30).map((name) => ({ transport: 'inproc', name }));

const wsArb = (role: EndpointRole): fc.Arbitrary<Endpoint> =>
  fc.record({
    transport: fc.constantFrom<'ws' | 'wss'>('ws', 'wss'),
    host: role === 'bind' ? fc.oneof(fc.constant('*'), host) : host,
    port: role === 'bind' ? bindPort : connectPort,
    path: fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => noNul(s) && !s.includes('/')).map((s) => `/${s}`),
  });

/** fc.record builds null-prototype objects; deepEqual also compares prototypes, so copy them. */
const endpointArb = (role: EndpointRole): fc.Arbitrary<Endpoint> =>
  fc.oneof(tcpArb(role), ipcArb(role), inprocArb, wsArb(role)).map((ep) => ({ ...ep }));

/** Parses `input`; a ZmqError must carry a parse code, anything else thrown fails the property. */
function parseOrCode(input: string, role: EndpointRole): Endpoint | ZmqErrorCode {
  try {
    return parseEndpoint(input, role);
  } catch (err) {
    assert.ok(err instanceof ZmqError, `not a ZmqError: ${String(err)}`);
    assert.ok(PARSE_CODES.has(err.code), `unexpected code ${err.code}`);
    assert.equal(err.address, input);
    return err.code;
  }
}

/** Whatever parses once formats to a text that parses to the same endpoint. */
function checkAnyText(input: string): void {
  for (const role of ['bind', 'connect'] as const) {
    const result = parseOrCode(input, role);
    if (typeof result !== 'string') assert.deepEqual(parseEndpoint(formatEndpoint(result), role), result);
  }
}

const SCHEMES = ['tcp', 'ipc', 'inproc', 'ws', 'wss', 'udp', 'pgm', 'epgm', 'norm', 'tipc', 'foo', 'TCP', ''];
/** Characters that matter to the parsers, so that the tails hit their branches. */
const TAIL_CHARS = [...'[]:;*%/@.-_ 0123456789abcxé', '\0', '\u{1F600}'];
const tail = fc.string({ unit: fc.constantFrom(...TAIL_CHARS), maxLength: 24 });
const longTail = fc.string({ unit: fc.constantFrom('a', 'é', '/'), minLength: 100, maxLength: 120 });
const schemeText = fc.tuple(fc.constantFrom(...SCHEMES), fc.oneof(tail, tail, longTail)).map(([s, t]) => `${s}://${t}`);

describe('endpoint properties', () => {
  for (const role of ['bind', 'connect'] as const) {
    it(`parses the formatted text of any valid ${role} endpoint back to the same endpoint`, () => {
      fc.assert(
        fc.property(endpointArb(role), (ep) => {
          assert.deepEqual(parseEndpoint(formatEndpoint(ep), role), ep);
        }),
        params(42, 1000),
      );
    });
  }

  it('gives an endpoint or a ZmqError with a parse code for any ASCII string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), checkAnyText), params(42));
  });

  it('gives an endpoint or a ZmqError with a parse code for any Unicode string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), checkAnyText), params(43));
  });

  it('gives an endpoint or a ZmqError with a parse code for scheme:// and a random tail', () => {
    fc.assert(fc.property(schemeText, checkAnyText), params(44, 3000));
  });
});
