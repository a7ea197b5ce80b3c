/**
 * Socket options under readable names (each mirroring a libzmq option), their libzmq 4.3.4
 * defaults, and the checks `setOption` and the constructors apply (EINVAL outside libzmq's ranges).
 */
import { ZmqError } from './errors';

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
};

/** Options that may be unset (undefined). */
const UNSETTABLE = new Set<keyof SocketOptions>(['helloMessage', 'disconnectMessage', 'hiccupMessage', 'wssKey', 'wssCert', 'wssTrust', 'wssHostname']);

export function isOptionName(name: string): name is keyof SocketOptions {
  return Object.prototype.hasOwnProperty.call(CHECKS, name);
}

/** Checks one option value and returns it normalised; EINVAL when out of range or of the wrong type. */
export function checkOption<K extends keyof SocketOptions>(name: K, value: unknown): SocketOptions[K] {
  const checked = CHECKS[name](value);
  const unsetAllowed = UNSETTABLE.has(name);
  if (checked === INVALID || (checked === undefined && !(unsetAllowed && (value === undefined || value === null)))) {
    throw new ZmqError('EINVAL', { detail: `option ${name} cannot be ${describe(value)}` });
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

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}
