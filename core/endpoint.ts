/**
 * Endpoint strings (`scheme://address`) for tcp, ipc, inproc, ws and wss: parsing, formatting and
 * the bind-side host check, with the errno codes libzmq 4.3.4 reports (protocol.md §4, §3.2).
 *
 * Everything here is pure except {@link resolveBindHost}, which reads the interface list. No
 * socket is opened and no DNS query is made: names a connect must look up are left to the
 * transport, as libzmq defers them too.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ZmqError } from './errors';

/** The transports a PEER socket can use. */
export type Transport = 'tcp' | 'ipc' | 'inproc' | 'ws' | 'wss';

/** Whether an endpoint is being bound or connected; some rules differ between the two. */
export type EndpointRole = 'bind' | 'connect';

/** `tcp://HOST:PORT`, or `tcp://SRC_HOST:SRC_PORT;HOST:PORT` on connect. */
export interface TcpEndpoint {
  transport: 'tcp';
  /** As written, without the brackets around an IPv6 literal. `*` on bind means every interface. */
  host: string;
  /** `*` only on bind. 0 on bind is an ephemeral port too; 0 on connect dials port 0. */
  port: number | '*';
  /** The local address a connect binds first (`tcp://SRC;DST`). `*` or 0: any port. A bind checks it and ignores it, as libzmq. */
  source?: { host: string; port: number | '*' };
}

/** `ipc://PATH`, `ipc://@NAME` (Linux abstract namespace) or `ipc://*` (bind only). */
export interface IpcEndpoint {
  transport: 'ipc';
  /** The filesystem path; for an abstract address the name without its `@`; `''` for a wildcard. */
  path: string;
  abstract: boolean;
  /** A bind to a fresh path in a private temporary directory. */
  wildcard: boolean;
}

/** `inproc://NAME`: any non-empty name. */
export interface InprocEndpoint {
  transport: 'inproc';
  name: string;
}

/** `ws://HOST:PORT[/path]` and `wss://HOST:PORT[/path]`. */
export interface WsEndpoint {
  transport: 'ws' | 'wss';
  /** As written, without the brackets around an IPv6 literal. */
  host: string;
  /** `*` only on bind. */
  port: number | '*';
  /** libzmq 4.3.4: from the last `/` of the address (`/a/b` → `/b`); `/` when there is none. */
  path: string;
}

/** A parsed endpoint. */
export type Endpoint = TcpEndpoint | IpcEndpoint | InprocEndpoint | WsEndpoint;

/** `sizeof(sockaddr_un.sun_path)` on Linux: an ipc path must be shorter, in UTF-8 bytes. */
export const IPC_PATH_MAX = 108;

/** Schemes libzmq knows but only allows on PUB/SUB (pgm, epgm, norm) or RADIO/DISH/DGRAM (udp). */
const INCOMPATIBLE_SCHEMES: ReadonlySet<string> = new Set(['udp', 'pgm', 'epgm', 'norm']);

/**
 * libzmq 4.3.4 `socket_base_t::connect_internal`: a tcp connect address may only hold these
 * characters, and must start with an alphanumeric, `[` or `:`.
 */
const TCP_CONNECT_CHARS = /^[A-Za-z0-9[:][A-Za-z0-9.\-:%;[\]_*]*$/;

function invalid(address: string, detail: string): ZmqError {
  return new ZmqError('EINVAL', { address, detail });
}

/**
 * How a port text is read:
 * - `bind`: `*`, `0`, or a number written as 1..65535;
 * - `connect`: `0`, or a number that is not 0 once truncated to 16 bits;
 * - `deferred`: any number, truncated to 16 bits (tcp connect, see {@link parseTcp});
 * - `source`: like `connect`, and `*` as well.
 */
type PortRule = 'bind' | 'connect' | 'deferred' | 'source';

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/**
 * glibc `atoi()`, which is `(int) strtol(text, NULL, 10)`: C-locale spaces, an optional sign and
 * the leading ASCII digits; the rest is ignored; the value clamps to the `long` range.
 */
function atoi(text: string): bigint {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text) as RegExpExecArray;
  if (match[2] === '') return 0n;
  const value = match[1] === '-' ? -BigInt(match[2]) : BigInt(match[2]);
  return value > LONG_MAX ? LONG_MAX : value < LONG_MIN ? LONG_MIN : value;
}

/**
 * libzmq 4.3.4 `ip_resolver_t::resolve`: `*` is port 0 where bindable (else EINVAL), `0` is port
 * 0, anything else is `(uint16_t) atoi(text)` and must not come out as 0. So `65537` is port 1
 * and `5555/x` is port 5555. One departure: on bind we reject a number outside 1..65535 where
 * libzmq would silently wrap it and bind another port.
 */
function readPort(text: string, rule: PortRule, address: string): number | '*' {
  if (text === '*') {
    if (rule === 'bind' || rule === 'source') return '*';
    throw invalid(address, 'a connect needs a port number, not "*"');
  }
  if (text === '0') return 0;
  const value = atoi(text);
  if (rule === 'bind') {
    if (value < 1n || value > 65535n) throw invalid(address, `bad port "${text}"`);
    return Number(value);
  }
  const port = Number(BigInt.asUintN(16, value));
  if (port === 0 && rule !== 'deferred') throw invalid(address, `bad port "${text}"`);
  return port;
}

/** libzmq strips one pair of enclosing brackets, and only when both are there. */
function unbracket(host: string): string {
  return host.length >= 2 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The host as it must be written in an endpoint: IPv6 literals (any host with a `:`) in
 * brackets, so that the port still follows the last `:`. A host that itself looks bracketed gets
 * a second pair, which parsing removes again.
 */
export function formatHost(host: string): string {
  return host.includes(':') || (host.startsWith('[') && host.endsWith(']')) ? `[${host}]` : host;
}

/**
 * A connected stream's address as `host:port`, with brackets for IPv6 (for ConnectionInfo's
 * local and remote addresses); undefined when the stream has no address (ipc).
 */
export function describeAddress(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (port === undefined) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Splits `HOST:PORT` at the last `:`. */
function hostPort(part: string, rule: PortRule, address: string): { host: string; port: number | '*' } {
  const colon = part.lastIndexOf(':');
  if (colon < 0) throw invalid(address, `"${part}" has no ":port"`);
  return { host: unbracket(part.slice(0, colon)), port: readPort(part.slice(colon + 1), rule, address) };
}

/**
 * tcp. On connect libzmq 4.3.4 only runs a character check synchronously and resolves the rest
 * at every connection attempt, so a connect to an unknown name or to port 0 succeeds and then
 * never connects; we keep that. The parts of the deferred resolution that decide what the
 * endpoint *means* are checked here, and give EINVAL where libzmq would retry forever: a
 * `SRC;DST` part without `:port`, and a source port that is neither `*`, `0` nor a number.
 */
function parseTcp(address: string, role: EndpointRole, text: string): TcpEndpoint {
  if (role === 'bind') {
    // libzmq 4.3.4 splits off a `SRC;` part on bind too (tcp_address_t::resolve runs for both):
    // it must be a valid bindable address, and is then ignored. `tcp://127.0.0.1:5555;` is EINVAL.
    const semi = address.lastIndexOf(';');
    const target = hostPort(address.slice(semi + 1), 'bind', text);
    if (semi < 0) return { transport: 'tcp', ...target };
    return { transport: 'tcp', ...target, source: hostPort(address.slice(0, semi), 'source', text) };
  }
  const lastColon = address.lastIndexOf(':');
  if (!TCP_CONNECT_CHARS.test(address) || lastColon < 0 || !/^[0-9]/.test(address.slice(lastColon + 1))) {
    throw invalid(text, 'a tcp connect address is HOST:PORT with a numeric port, using only letters, digits and . - : % ; [ ] _ *');
  }
  // libzmq 4.3.4 tcp_address_t::resolve: the source address ends at the last ';'.
  const semi = address.lastIndexOf(';');
  const target = hostPort(address.slice(semi + 1), 'deferred', text);
  if (semi < 0) return { transport: 'tcp', ...target };
  return { transport: 'tcp', ...target, source: hostPort(address.slice(0, semi), 'source', text) };
}

/**
 * ipc. libzmq 4.3.4 `ipc_listener_t::set_local_address` treats any bind address that *starts*
 * with `*` as a wildcard (the rest is ignored); a connect to `ipc://*` uses a file named `*`.
 */
function parseIpc(address: string, role: EndpointRole, text: string): IpcEndpoint {
  if (role === 'bind' && address.startsWith('*')) return { transport: 'ipc', path: '', abstract: false, wildcard: true };
  // libzmq 4.3.4 ipc_address_t::resolve: the whole text, `@` included, must fit sun_path with its NUL.
  const bytes = Buffer.byteLength(address, 'utf8');
  if (bytes >= IPC_PATH_MAX) {
    throw new ZmqError('ENAMETOOLONG', { address: text, detail: `ipc path is ${bytes} bytes, the limit is ${IPC_PATH_MAX - 1}` });
  }
  if (address === '@') throw invalid(text, 'an abstract ipc address needs a name after "@"');
  if (address.startsWith('@')) return { transport: 'ipc', path: address.slice(1), abstract: true, wildcard: false };
  return { transport: 'ipc', path: address, abstract: false, wildcard: false };
}

/**
 * ws and wss, as libzmq 4.3.4 `ws_address_t::resolve` reads them: the path runs from the last
 * `/` of the whole address, HOST:PORT is what precedes it, split at its last `:`, and the host is
 * cut at its first `/`. Hence `ws://h:1/a/b` has path `/b`, and a bind with port `*` and a
 * two-segment path is EINVAL: its port text is `*` followed by the first segment.
 */
function parseWs(scheme: 'ws' | 'wss', address: string, role: EndpointRole, text: string): WsEndpoint {
  const slash = address.lastIndexOf('/');
  const path = slash < 0 ? '/' : address.slice(slash);
  const beforePath = slash < 0 ? address : address.slice(0, slash);
  const colon = beforePath.lastIndexOf(':');
  if (colon < 0) throw invalid(text, 'a ws address is HOST:PORT[/path]');
  const port = readPort(beforePath.slice(colon + 1), role === 'bind' ? 'bind' : 'connect', text);
  const rawHost = beforePath.slice(0, colon);
  const cut = rawHost.indexOf('/');
  const host = unbracket(cut < 0 ? rawHost : rawHost.slice(0, cut));
  // A ws connect resolves its host at once; these two can never resolve.
  if (role === 'connect' && (host === '' || host === '*')) throw invalid(text, `cannot connect to host "${host}"`);
  return { transport: scheme, host, port, path };
}

/**
 * Parses an endpoint string for a bind or a connect.
 *
 * @throws {ZmqError} with libzmq's code: EINVAL (malformed; also for a NUL character, which the
 *   C API cannot even pass), EPROTONOSUPPORT (unknown scheme; matching is case-sensitive),
 *   ENOCOMPATPROTO (udp, pgm, epgm, norm: not for PEER), ENAMETOOLONG (ipc path of 108+ bytes).
 */
export function parseEndpoint(text: string, role: EndpointRole): Endpoint {
  if (typeof text !== 'string') throw invalid(String(text), 'an endpoint must be a string');
  if (text.includes('\0')) throw invalid(text, 'an endpoint cannot contain a NUL character');
  // libzmq 4.3.4 socket_base_t::parse_uri: split at the first "://".
  const sep = text.indexOf('://');
  if (sep < 0) throw invalid(text, 'expected scheme://address');
  const scheme = text.slice(0, sep);
  const address = text.slice(sep + 3);
  if (scheme === '') throw invalid(text, 'the scheme is empty');
  if (address === '') throw invalid(text, 'the address is empty');
  switch (scheme) {
    case 'tcp':
      return parseTcp(address, role, text);
    case 'ipc':
      return parseIpc(address, role, text);
    case 'inproc':
      return { transport: 'inproc', name: address };
    case 'ws':
    case 'wss':
      return parseWs(scheme, address, role, text);
    default:
      if (INCOMPATIBLE_SCHEMES.has(scheme)) {
        throw new ZmqError('ENOCOMPATPROTO', { address: text, detail: `${scheme} cannot be used with a PEER socket` });
      }
      throw new ZmqError('EPROTONOSUPPORT', { address: text, detail: `unknown transport "${scheme}"` });
  }
}

/**
 * The canonical text of an endpoint: `parseEndpoint(formatEndpoint(e), role)` deep-equals `e`
 * for every `e` that `parseEndpoint(…, role)` returns. Ports are written in decimal, IPv6 hosts
 * in brackets, ws paths always (`ws://h:1/`).
 */
export function formatEndpoint(ep: Endpoint): string {
  switch (ep.transport) {
    case 'tcp': {
      const source = ep.source ? `${formatHost(ep.source.host)}:${ep.source.port};` : '';
      return `tcp://${source}${formatHost(ep.host)}:${ep.port}`;
    }
    case 'ipc':
      return `ipc://${ep.wildcard ? '*' : ep.abstract ? `@${ep.path}` : ep.path}`;
    case 'inproc':
      return `inproc://${ep.name}`;
    case 'ws':
    case 'wss':
      return `${ep.transport}://${formatHost(ep.host)}:${ep.port}${ep.path}`;
  }
}

/** Whether `host` (brackets and a `%zone` allowed) is an IPv6 address literal. */
export function isIPv6Literal(host: string): boolean {
  const bare = unbracket(host);
  const pct = bare.indexOf('%');
  if (pct === bare.length - 1) return false;
  return isIP(pct < 0 ? bare : bare.slice(0, pct)) === 6;
}

/**
 * glibc `inet_aton`, as `getaddrinfo(AI_NUMERICHOST)` uses it: 1 to 4 parts, each decimal, octal
 * (leading 0) or hex (0x), the last filling the remaining bytes. So `127.1` is `127.0.0.1`.
 * Returns the dotted quad, or undefined.
 */
function parseIPv4(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const values = parts.map((part) => {
    if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
    return /^[1-9][0-9]*$/.test(part) ? Number(part) : NaN;
  });
  const last = values.pop() as number;
  if (Number.isNaN(last) || values.some((v) => Number.isNaN(v) || v > 255)) return undefined;
  if (last >= 2 ** (8 * (4 - values.length))) return undefined;
  const n = values.reduce((sum, v, i) => sum + v * 2 ** (8 * (3 - i)), last);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The interface list; empty where the OS will not give one (libzmq then reports ENODEV too). */
function listInterfaces(): ReturnType<typeof networkInterfaces> {
  try {
    return networkInterfaces();
  } catch {
    return {};
  }
}

/**
 * The numeric address a tcp or ws bind listens on, found the way libzmq 4.3.4
 * `ip_resolver_t::resolve` does for a bindable address:
 * - a `%zone` suffix must name an interface or be a non-zero number (else EINVAL); it is kept on
 *   IPv6 results;
 * - `*` → `0.0.0.0`, or `::` with `ipv6`;
 * - an interface name (`lo`, `eth0`) → its first IPv4 address, or with `ipv6` its first IPv6
 *   address (libzmq looks for the socket's family only, so an interface without one is ENODEV);
 * - a numeric IPv4 address (any `inet_aton` form, also with `ipv6`) → its dotted quad;
 * - a numeric IPv6 address with `ipv6` → as written.
 *
 * Anything else is ENODEV: DNS names (`localhost`; libzmq 4.3.4 resolves bind addresses with
 * `AI_NUMERICHOST`), and IPv6 literals without `ipv6`.
 *
 * @param host the host of a parsed bind endpoint (no brackets)
 * @param address the endpoint text, for the error
 * @throws {ZmqError} ENODEV or EINVAL
 */
export function resolveBindHost(host: string, ipv6: boolean, address: string): string {
  const interfaces = listInterfaces();
  let addr = host;
  let zone: string | undefined;
  const pct = host.lastIndexOf('%');
  if (pct >= 0) {
    zone = host.slice(pct + 1);
    addr = host.slice(0, pct);
    const known = /^[A-Za-z]/.test(zone) ? Object.hasOwn(interfaces, zone) : BigInt.asUintN(32, atoi(zone)) !== 0n;
    if (!known) throw invalid(address, `unknown zone id "${zone}"`);
  }
  const withZone = (ip: string, fallback?: string): string => {
    const scope = zone ?? fallback;
    return scope !== undefined && isIP(ip) === 6 ? `${ip}%${scope}` : ip;
  };
  if (addr === '*') return withZone(ipv6 ? '::' : '0.0.0.0');
  if (Object.hasOwn(interfaces, addr)) {
    const family = ipv6 ? 'IPv6' : 'IPv4';
    const entry = (interfaces[addr] ?? []).find((info) => info.family === family);
    if (entry) return withZone(entry.address, entry.family === 'IPv6' && entry.scopeid ? addr : undefined);
  }
  const v4 = parseIPv4(addr);
  if (v4 !== undefined) return v4;
  if (ipv6 && isIP(addr) === 6) return withZone(addr);
  const why = isIP(addr) === 6 ? 'an IPv6 address needs the ipv6 option' : 'not a numeric address or an interface name';
  throw new ZmqError('ENODEV', { address, detail: `cannot bind to "${host}": ${why}` });
}

/**
 * `ZMQ_LAST_ENDPOINT` after a tcp bind, from the address and port actually bound:
 * `tcp://127.0.0.1:41233`, `tcp://[::1]:41233`.
 */
export function tcpLastEndpoint(address: string, port: number): string {
  return `tcp://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
