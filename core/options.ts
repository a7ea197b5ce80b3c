/**
 * Socket options under readable names (each mirroring a libzmq option), their libzmq 4.3.4
 * defaults, and the checks `setOption` and the constructors apply (EINVAL outside libzmq's ranges);
 * and which security mechanism and role the PLAIN/CURVE options select ({@link securityOf}).
 */
import { ZmqError } from './errors';
import { curveKeyBytes } from './zmtp/z85';
import type { MechanismName } from './zmtp/mechanism';

/**
 * Socket options, under readable names. Each one's doc starts with the libzmq option it mirrors;
 * defaults are libzmq 4.3.4's.
 */
export interface SocketOptions {
  /** ZMQ_SNDHWM: messages queued per peer before `send` waits. 0 = no limit. Default 1000. */
  sendHighWaterMark: number;
  /** ZMQ_RCVHWM: messages received per peer and not yet read before reading from it pauses. 0 = no limit. Default 1000. */
  receiveHighWaterMark: number;
  /** ZMQ_SNDTIMEO: ms `send` waits at the high-water mark before EAGAIN. -1 = forever, 0 = not at all. Default -1. */
  sendTimeout: number;
  /** ZMQ_RCVTIMEO: ms `receive` waits for a message before EAGAIN. -1 = forever. Default -1. */
  receiveTimeout: number;
  /**
   * ZMQ_LINGER: ms `close` keeps delivering queued messages to connected peers. -1 = until
   * delivered or the connection ends, 0 = drop them at once. Default -1.
   */
  linger: number;
  /** ZMQ_IMMEDIATE: queue only to completed connections. `connectPeer` refuses it (EFAULT). Default false. */
  immediate: boolean;
  /** ZMQ_RECONNECT_IVL: ms before reconnecting, plus a random 0..interval jitter. -1 = never reconnect. Default 100. */
  reconnectInterval: number;
  /** ZMQ_RECONNECT_IVL_MAX: when > 0, the interval doubles per failed attempt up to this. Default 0. */
  reconnectIntervalMax: number;
  /** ZMQ_HEARTBEAT_IVL: ms between PINGs (WebSocket pings over ws). 0 = off. Default 0. */
  heartbeatInterval: number;
  /** ZMQ_HEARTBEAT_TIMEOUT: ms without any frame after a PING before the connection is dropped. -1 = heartbeatInterval. */
  heartbeatTimeout: number;
  /** ZMQ_HEARTBEAT_TTL: ms the peer should wait for traffic after our PING (sent in deciseconds, 0..6553599). Default 0. */
  heartbeatTimeToLive: number;
  /** ZMQ_HANDSHAKE_IVL: ms allowed for greeting and READY exchange on tcp/ipc. 0 = no limit. Default 30000. */
  handshakeInterval: number;
  /** ZMQ_MAXMSGSIZE: largest frame accepted, checked before allocating; larger ends the connection. -1 = no limit. */
  maxMessageSize: number;
  /** ZMQ_HELLO_MSG: sent to each peer as an ordinary message right after every handshake. */
  helloMessage: Uint8Array | undefined;
  /** ZMQ_DISCONNECT_MSG: delivered locally, with the dead peer's routing id, when an accepted peer disconnects. */
  disconnectMessage: Uint8Array | undefined;
  /** ZMQ_HICCUP_MSG: delivered locally, with the routing id, when a connected peer's link drops and will be retried. */
  hiccupMessage: Uint8Array | undefined;
  /** ZMQ_IPV6: allow IPv6 addresses for tcp and ws binds and connects. Default false. */
  ipv6: boolean;
  /** ZMQ_WSS_KEY_PEM: the private key (PEM) a wss bind presents. */
  wssKey: string | undefined;
  /** ZMQ_WSS_CERT_PEM: the certificate chain (PEM) a wss bind presents. */
  wssCert: string | undefined;
  /** ZMQ_WSS_TRUST_PEM: the trust anchors (PEM) a wss connect verifies the server against, instead of the system store. */
  wssTrust: string | undefined;
  /** ZMQ_WSS_TRUST_SYSTEM: with wssTrust, also trust the system's certificate authorities. Default false. */
  wssTrustSystem: boolean;
  /** ZMQ_WSS_HOSTNAME: the name a wss connect sends (SNI) and expects in the server's certificate. Default: the endpoint's host. */
  wssHostname: string | undefined;
  /**
   * Accept any server certificate on wss connects: no chain and no name check. For debugging
   * against servers with throw-away certificates only; it makes wss no safer than ws. Default false.
   */
  wssInsecureSkipVerify: boolean;
  /**
   * ZMQ_PLAIN_SERVER: act as the PLAIN server (RFC 24) on this socket's connections, whichever side
   * connects. Every client is then checked by the ZAP handler; without one, every client is
   * refused (libzmq's rule). Default false.
   */
  plainServer: boolean;
  /** ZMQ_PLAIN_USERNAME: act as a PLAIN client with this user name (1 to 255 bytes). */
  plainUsername: Uint8Array | undefined;
  /** ZMQ_PLAIN_PASSWORD: the PLAIN client's password (1 to 255 bytes). */
  plainPassword: Uint8Array | undefined;
  /** ZMQ_CURVE_SERVER: act as the CURVE server (RFC 26) on this socket's connections; needs curveSecretKey. Default false. */
  curveServer: boolean;
  /** ZMQ_CURVE_PUBLICKEY: our long-term public key (32 bytes, or 40 Z85 characters when set). A CURVE client needs it. */
  curvePublicKey: Uint8Array | undefined;
  /** ZMQ_CURVE_SECRETKEY: our long-term secret key (32 bytes or 40 Z85 characters). Zeroed when the socket closes. */
  curveSecretKey: Uint8Array | undefined;
  /** ZMQ_CURVE_SERVERKEY: the server's public key; setting it makes this socket a CURVE client. */
  curveServerKey: Uint8Array | undefined;
  /** ZMQ_ZAP_DOMAIN: the domain sent in ZAP requests (RFC 27); with NULL, setting one makes ZAP run at all. Default ''. */
  zapDomain: string;
  /**
   * ZMQ_ZAP_ENFORCE_DOMAIN: a CURVE server with a ZAP domain but no ZAP handler refuses clients
   * instead of accepting any client that knows its key. Default false.
   */
  zapEnforceDomain: boolean;
}

export const DEFAULT_OPTIONS: Readonly<SocketOptions> = Object.freeze({
  sendHighWaterMark: 1000,
  receiveHighWaterMark: 1000,
  sendTimeout: -1,
  receiveTimeout: -1,
  linger: -1,
  immediate: false,
  reconnectInterval: 100,
  reconnectIntervalMax: 0,
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  heartbeatTimeToLive: 0,
  handshakeInterval: 30000,
  maxMessageSize: -1,
  helloMessage: undefined,
  disconnectMessage: undefined,
  hiccupMessage: undefined,
  ipv6: false,
  wssKey: undefined,
  wssCert: undefined,
  wssTrust: undefined,
  wssTrustSystem: false,
  wssHostname: undefined,
  wssInsecureSkipVerify: false,
  plainServer: false,
  plainUsername: undefined,
  plainPassword: undefined,
  curveServer: false,
  curvePublicKey: undefined,
  curveSecretKey: undefined,
  curveServerKey: undefined,
  zapDomain: '',
  zapEnforceDomain: false,
});

/** Largest ZMQ_HEARTBEAT_TTL libzmq accepts: 0xffff deciseconds, in ms. */
export const HEARTBEAT_TTL_MAX = 6553599;

type Check = (value: unknown) => unknown;

const intAtLeast = (min: number, max = 0x7fffffff): Check => (value) =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
const bool: Check = (value) => (typeof value === 'boolean' ? value : typeof value === 'number' && (value === 0 || value === 1) ? value === 1 : undefined);
const bytesOrUnset: Check = (value) => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  return INVALID;
};
const INVALID = Symbol('invalid');
/** libzmq's PLAIN credentials: 1 to 255 bytes (ZMQ_PLAIN_USERNAME / _PASSWORD); unset with undefined. */
const credentialOrUnset: Check = (value) => {
  const bytes = bytesOrUnset(value);
  if (bytes === undefined || bytes === INVALID) return bytes;
  return (bytes as Uint8Array).length >= 1 && (bytes as Uint8Array).length <= 255 ? bytes : INVALID;
};
/** A CURVE key: 32 bytes or 40 Z85 characters, kept as our own 32-byte copy (so it can be zeroed). */
const curveKeyOrUnset: Check = (value) => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) return INVALID;
  try {
    return curveKeyBytes(value);
  } catch {
    return INVALID;
  }
};
/** ZMQ_ZAP_DOMAIN: up to 255 bytes of text, empty allowed. */
const domain: Check = (value) => (typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= 255 ? value : undefined);
const textOrUnset: Check = (value) => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return INVALID;
};

/** Validation per option. Ranges are libzmq's (options_t::setsockopt). */
const CHECKS: Record<keyof SocketOptions, Check> = {
  sendHighWaterMark: intAtLeast(0),
  receiveHighWaterMark: intAtLeast(0),
  sendTimeout: intAtLeast(-1),
  receiveTimeout: intAtLeast(-1),
  linger: intAtLeast(-1),
  immediate: bool,
  reconnectInterval: intAtLeast(-1),
  reconnectIntervalMax: intAtLeast(0),
  heartbeatInterval: intAtLeast(0),
  heartbeatTimeout: intAtLeast(-1),
  heartbeatTimeToLive: intAtLeast(0, HEARTBEAT_TTL_MAX),
  handshakeInterval: intAtLeast(0),
  maxMessageSize: (value) => (typeof value === 'number' && Number.isInteger(value) && value >= -1 ? value : typeof value === 'bigint' && value >= -1n ? Number(value) : undefined),
  helloMessage: bytesOrUnset,
  disconnectMessage: bytesOrUnset,
  hiccupMessage: bytesOrUnset,
  ipv6: bool,
  wssKey: textOrUnset,
  wssCert: textOrUnset,
  wssTrust: textOrUnset,
  wssTrustSystem: bool,
  wssHostname: textOrUnset,
  wssInsecureSkipVerify: bool,
  plainServer: bool,
  plainUsername: credentialOrUnset,
  plainPassword: credentialOrUnset,
  curveServer: bool,
  curvePublicKey: curveKeyOrUnset,
  curveSecretKey: curveKeyOrUnset,
  curveServerKey: curveKeyOrUnset,
  zapDomain: domain,
  zapEnforceDomain: bool,
};

/** Options that may be unset (undefined). */
const UNSETTABLE = new Set<keyof SocketOptions>([
  'helloMessage',
  'disconnectMessage',
  'hiccupMessage',
  'wssKey',
  'wssCert',
  'wssTrust',
  'wssHostname',
  'plainUsername',
  'plainPassword',
  'curvePublicKey',
  'curveSecretKey',
  'curveServerKey',
]);

/** Options that hold secrets: never shown in full, and zeroed when the socket closes. */
export const SECRET_OPTIONS: ReadonlySet<keyof SocketOptions> = new Set<keyof SocketOptions>(['plainPassword', 'curveSecretKey']);

export function isOptionName(name: string): name is keyof SocketOptions {
  return Object.prototype.hasOwnProperty.call(CHECKS, name);
}

/** Checks one option value and returns it normalised; EINVAL when out of range or of the wrong type. */
export function checkOption<K extends keyof SocketOptions>(name: K, value: unknown): SocketOptions[K] {
  const checked = CHECKS[name](value);
  const unsetAllowed = UNSETTABLE.has(name);
  if (checked === INVALID || (checked === undefined && !(unsetAllowed && (value === undefined || value === null)))) {
    throw new ZmqError('EINVAL', { detail: `option ${name} cannot be ${SECRET_OPTIONS.has(name) ? 'that value (a secret, not shown)' : describe(value)}` });
  }
  // libzmq stores the TTL in deciseconds, so 99 ms reads back as 0 and 6553599 as 6553500.
  if (name === 'heartbeatTimeToLive') return (Math.floor((checked as number) / 100) * 100) as SocketOptions[K];
  return checked as SocketOptions[K];
}

/** Defaults overlaid with `given`, each checked. */
export function resolveOptions(given: { readonly [K in keyof SocketOptions]?: SocketOptions[K] | string } = {}): SocketOptions {
  const out: SocketOptions = { ...DEFAULT_OPTIONS };
  for (const [name, value] of Object.entries(given)) {
    if (!isOptionName(name)) continue;
    if (value === undefined) continue;
    (out as unknown as Record<string, unknown>)[name] = checkOption(name, value);
  }
  return out;
}

/** What a socket's options make of its connections' security. */
export interface Security {
  readonly mechanism: MechanismName;
  /** PLAIN and CURVE: which side of the handshake this socket plays (libzmq's as_server). */
  readonly role: 'client' | 'server';
}

/**
 * The mechanism and role the options select, as libzmq's options do: CURVE when curveServer or a
 * CURVE key is set (a server with curveServer, else a client), PLAIN when plainServer or a
 * credential is set, NULL otherwise. libzmq lets the last option set win; with options given as
 * one object there is no "last", so contradictory settings (curveServer with curveServerKey,
 * plainServer with a user name, PLAIN with CURVE) are EINVAL here. The zmq.h facade clears the
 * other side's options first, so that zmq_setsockopt keeps libzmq's last-wins order.
 */
export function securityOf(options: Readonly<SocketOptions>): Security {
  const curve = options.curveServer || options.curveServerKey !== undefined || options.curvePublicKey !== undefined || options.curveSecretKey !== undefined;
  const plain = options.plainServer || options.plainUsername !== undefined || options.plainPassword !== undefined;
  if (curve && plain) throw new ZmqError('EINVAL', { detail: 'both PLAIN and CURVE options are set; a socket uses one mechanism' });
  if (options.curveServer && options.curveServerKey !== undefined) {
    throw new ZmqError('EINVAL', { detail: 'curveServer and curveServerKey are both set: a socket is either the CURVE server or a client of one' });
  }
  if (options.plainServer && (options.plainUsername !== undefined || options.plainPassword !== undefined)) {
    throw new ZmqError('EINVAL', { detail: 'plainServer and a PLAIN user name or password are both set: a socket is either the PLAIN server or a client' });
  }
  if (curve) return { mechanism: 'CURVE', role: options.curveServer ? 'server' : 'client' };
  if (plain) return { mechanism: 'PLAIN', role: options.plainServer ? 'server' : 'client' };
  return { mechanism: 'NULL', role: 'client' };
}

/**
 * {@link securityOf}, also checking that everything the mechanism needs is set (bind and connect
 * call it): a CURVE server needs its secret key, a CURVE client its key pair and the server's
 * public key. libzmq would use zero keys and fail the handshake; here the call fails with EINVAL.
 */
export function checkSecurity(options: Readonly<SocketOptions>): Security {
  const security = securityOf(options);
  if (security.mechanism !== 'CURVE') return security;
  const needed: Array<keyof SocketOptions> =
    security.role === 'server' ? ['curveSecretKey'] : ['curveServerKey', 'curvePublicKey', 'curveSecretKey'];
  const missing = needed.filter((name) => options[name] === undefined);
  if (missing.length > 0) {
    throw new ZmqError('EINVAL', { detail: `a CURVE ${security.role} needs ${missing.join(' and ')}` });
  }
  return security;
}

/** Zeroes the secrets among `options` (the socket closed). */
export function wipeSecrets(options: SocketOptions): void {
  for (const name of SECRET_OPTIONS) (options[name] as Uint8Array | undefined)?.fill(0);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}
