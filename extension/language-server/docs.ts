/**
 * The words of ZMQ Peer Script explained once, for completion (detail and documentation) and
 * hover alike: keywords, payload formats and matchers, transports, socket options.
 */
import type { SocketOptions } from '../../core/index';

/** One word's documentation: what it does in a line, and a line that uses it. */
export interface WordDoc {
  readonly summary: string;
  readonly usage: string;
}

/** Step keywords, block keywords and `@`, as a line starts with them. */
export const KEYWORD_DOCS: Readonly<Record<string, WordDoc>> = {
  socket: { summary: 'Declares a PEER socket with options; steps that name no socket use the implicit one, `peer`.', usage: 'socket server heartbeatInterval=1s' },
  bind: { summary: 'Binds a socket to an endpoint (zmq_bind); `{{SOCKET.endpoint}}` then holds the endpoint bound, with the real port for `*`.', usage: 'bind tcp://127.0.0.1:* on server' },
  connect: { summary: 'Connects to an endpoint with zmq_connect_peer and names the routing id it returns.', usage: 'connect tcp://127.0.0.1:5555 as echo' },
  accept: { summary: 'Waits for the next peer that completes a handshake with a bound endpoint, and names it.', usage: 'accept client on server within 5s' },
  wait: { summary: 'Waits until a peer has completed its handshake (connected) or lost its connection (disconnected).', usage: 'wait echo connected within 5s' },
  send: { summary: 'Sends one single-frame message to a peer, addressed by its routing id.', usage: 'send echo "hello"' },
  expect: { summary: 'Takes the next frame from a peer and checks it; fails when none comes in time (default 5 s).', usage: 'expect echo text "hello" within 2s' },
  sleep: { summary: 'Pauses the scenario.', usage: 'sleep 500ms' },
  timeout: { summary: 'Sets the default `within` of the wait, accept and expect steps after it in this scenario (otherwise 5 s).', usage: 'timeout 10s' },
  repeat: { summary: 'Runs the steps up to its `end` COUNT times; the counter (`i` unless `as` names one) counts from 0.', usage: 'repeat 3 as n' },
  disconnect: { summary: 'Drops a peer by its routing id (zmq_disconnect_peer), or an endpoint connected earlier (zmq_disconnect).', usage: 'disconnect echo' },
  close: { summary: 'Closes a socket (zmq_close): the implicit `peer` one when none is named.', usage: 'close server' },
  scenario: { summary: 'Starts a test: its steps run in order, with fresh sockets, up to `end`; each scenario can run on its own.', usage: 'scenario echo round trip' },
  end: { summary: 'Ends the innermost open `scenario` or `repeat`.', usage: 'end' },
  '@': { summary: 'Defines a file variable, used as `{{name}}`; the settings, a .env file and the environment override it.', usage: '@echo = tcp://127.0.0.1:5555' },
};

/** Words that follow a step keyword: modifiers and conditions. */
export const MODIFIER_DOCS: Readonly<Record<string, WordDoc>> = {
  as: { summary: 'Names what the step creates: the peer of a connect, the counter of a repeat.', usage: 'connect tcp://127.0.0.1:5555 as echo' },
  on: { summary: 'The socket the step runs on (default: the implicit `peer` socket).', usage: 'bind tcp://127.0.0.1:* on server' },
  within: { summary: 'How long the step may wait before it fails.', usage: 'expect echo any within 2s' },
  connected: { summary: 'The peer has completed its ZMTP handshake (its connection is ACTIVE).', usage: 'wait echo connected within 5s' },
  disconnected: { summary: 'The peer has no active connection any more.', usage: 'wait echo disconnected within 5s' },
  more: { summary: 'Refused: a PEER socket sends single-frame messages only (ZMQ_SNDMORE is EINVAL on PEER).', usage: 'send echo "one frame"' },
};

/** Payload formats of `send`, which `expect` also takes as matchers. */
export const PAYLOAD_DOCS: Readonly<Record<string, WordDoc>> = {
  text: { summary: 'UTF-8 text; a bare "quoted string" is text too.', usage: 'send echo text "hello {{name}}"' },
  hex: { summary: 'Bytes as pairs of hex digits, separated by blanks, `:`, `,`, `-` or `_`, optionally 0x-prefixed.', usage: 'send echo hex 01 02 ff' },
  base64: { summary: 'Bytes in base64, standard or URL-safe (not both in one value), padding optional.', usage: 'send echo base64 AQL/' },
  json: { summary: 'A JSON value, sent compactly as UTF-8; `expect` compares it as JSON (key order and blanks do not matter).', usage: 'send echo json {"op": "ping"}' },
  file: { summary: "The bytes of a file, its path relative to the script's folder.", usage: 'send echo file ./frame.bin' },
};

/** Matchers of `expect` beyond the payload formats. */
export const MATCHER_DOCS: Readonly<Record<string, WordDoc>> = {
  ...PAYLOAD_DOCS,
  text: { summary: 'The frame is exactly this UTF-8 text; a bare "quoted string" means the same.', usage: 'expect echo "hello"' },
  hex: { summary: 'The frame is exactly these bytes, written in hex.', usage: 'expect echo hex 01 02 ff' },
  base64: { summary: 'The frame is exactly these bytes, written in base64.', usage: 'expect echo base64 AQL/' },
  file: { summary: 'The frame is exactly the bytes of this file (relative to the script).', usage: 'expect echo file ./reply.bin' },
  'json-subset': { summary: 'The frame is JSON containing this value: every key of an expected object must match, others may exist (like toMatchObject).', usage: 'expect echo json-subset {"op": "pong"}' },
  matches: { summary: 'The regular expression finds a match in the frame read as UTF-8.', usage: 'expect echo matches /^pong \\d+$/i' },
  any: { summary: 'Any frame.', usage: 'expect echo any within 1s' },
};

/** What the endpoint hover and transport completion say about each transport. */
export interface TransportDoc {
  readonly scheme: 'tcp' | 'ipc' | 'inproc' | 'ws' | 'wss';
  readonly summary: string;
  readonly connectExample: string;
  readonly bindExample: string;
  /** How libzmq treats it, for the hover. */
  readonly note: string;
}

/** The transports a PEER socket can use, in the order completion offers them. */
export const TRANSPORT_DOCS: readonly TransportDoc[] = [
  {
    scheme: 'tcp',
    summary: 'TCP',
    connectExample: 'tcp://127.0.0.1:5555',
    bindExample: 'tcp://127.0.0.1:*',
    note: 'A connect resolves its host name at every connection attempt, as libzmq defers it: an unknown name is no error, it just never connects. A bind takes a numeric address, an interface name or `*` (no DNS: `localhost` is ENODEV).',
  },
  {
    scheme: 'ipc',
    summary: 'Unix domain socket',
    connectExample: 'ipc:///tmp/zmq-peer.sock',
    bindExample: 'ipc://*',
    note: '`ipc://@name` is in the Linux abstract namespace (no file is created); a path must be under 108 bytes; `ipc://*` on bind makes a fresh path in a private temporary directory.',
  },
  {
    scheme: 'inproc',
    summary: 'In-process',
    connectExample: 'inproc://echo',
    bindExample: 'inproc://echo',
    note: 'An inproc name is seen only by sockets of the same context: in a script, the sockets of the same run.',
  },
  {
    scheme: 'ws',
    summary: 'ZMTP over WebSocket',
    connectExample: 'ws://127.0.0.1:8080/zmq',
    bindExample: 'ws://127.0.0.1:*/zmq',
    note: 'The path runs from the last `/` of the address, as libzmq reads it (`ws://h:1/a/b` has path `/b`); `/` when there is none.',
  },
  {
    scheme: 'wss',
    summary: 'ZMTP over WebSocket over TLS',
    connectExample: 'wss://example.com:443/zmq',
    bindExample: 'wss://127.0.0.1:8443/zmq',
    note: "A bind needs the `wssKey` and `wssCert` options on its socket; a connect verifies the server's certificate against `wssTrust` (or the system store) for `wssHostname` (or the endpoint's host).",
  },
];

/** Each socket option's libzmq counterpart and meaning (from core/options.ts), for completion and hover. */
export const OPTION_DOCS: Readonly<Record<keyof SocketOptions, string>> = {
  sendHighWaterMark: 'ZMQ_SNDHWM: messages queued per peer before `send` waits. 0 = no limit.',
  receiveHighWaterMark: 'ZMQ_RCVHWM: messages received per peer and not yet read before reading from it pauses. 0 = no limit.',
  sendTimeout: 'ZMQ_SNDTIMEO: ms `send` waits at the high-water mark before EAGAIN. -1 = forever, 0 = not at all. Scripts use 5000 unless set.',
  receiveTimeout: 'ZMQ_RCVTIMEO: ms `receive` waits for a message before EAGAIN. -1 = forever.',
  linger: 'ZMQ_LINGER: ms `close` keeps delivering queued messages. -1 = until delivered, 0 = drop them at once. Scripts use 1000 unless set.',
  immediate: 'ZMQ_IMMEDIATE: queue only to completed connections. `connect` refuses a socket with it (EFAULT).',
  reconnectInterval: 'ZMQ_RECONNECT_IVL: ms before reconnecting, plus a random jitter. -1 = never reconnect.',
  reconnectIntervalMax: 'ZMQ_RECONNECT_IVL_MAX: when > 0, the interval doubles per failed attempt up to this.',
  heartbeatInterval: 'ZMQ_HEARTBEAT_IVL: ms between PINGs (WebSocket pings over ws). 0 = off.',
  heartbeatTimeout: 'ZMQ_HEARTBEAT_TIMEOUT: ms without any frame after a PING before the connection is dropped. -1 = heartbeatInterval.',
  heartbeatTimeToLive: 'ZMQ_HEARTBEAT_TTL: ms the peer should wait for traffic after our PING (sent in deciseconds, 0..6553599).',
  handshakeInterval: 'ZMQ_HANDSHAKE_IVL: ms allowed for the greeting and READY exchange on tcp/ipc. 0 = no limit.',
  maxMessageSize: 'ZMQ_MAXMSGSIZE: largest frame accepted, bytes; a larger one ends the connection. -1 = no limit.',
  helloMessage: 'ZMQ_HELLO_MSG: sent to each peer as an ordinary message right after every handshake.',
  disconnectMessage: "ZMQ_DISCONNECT_MSG: delivered locally, with the dead peer's routing id, when an accepted peer disconnects.",
  hiccupMessage: "ZMQ_HICCUP_MSG: delivered locally, with the routing id, when a connected peer's link drops and will be retried.",
  ipv6: 'ZMQ_IPV6: allow IPv6 addresses for tcp and ws binds and connects.',
  wssKey: 'ZMQ_WSS_KEY_PEM: the private key (PEM) a wss bind presents.',
  wssCert: 'ZMQ_WSS_CERT_PEM: the certificate chain (PEM) a wss bind presents.',
  wssTrust: 'ZMQ_WSS_TRUST_PEM: the trust anchors (PEM) a wss connect verifies the server against, instead of the system store.',
  wssTrustSystem: "ZMQ_WSS_TRUST_SYSTEM: with wssTrust, also trust the system's certificate authorities.",
  wssHostname: "ZMQ_WSS_HOSTNAME: the name a wss connect sends (SNI) and expects in the server's certificate. Default: the endpoint's host.",
  wssInsecureSkipVerify: 'Accept any server certificate on wss connects (no chain or name check): for throw-away test certificates only.',
  plainServer: 'ZMQ_PLAIN_SERVER: be the PLAIN server (RFC 24): clients send a user name and password, which a ZAP handler checks. Without a ZAP handler every client is refused.',
  plainUsername: 'ZMQ_PLAIN_USERNAME: connect as a PLAIN client with this user name (1 to 255 bytes).',
  plainPassword: 'ZMQ_PLAIN_PASSWORD: the PLAIN client\'s password. A secret: write `{{name}}` and set it in `.env` or the environment, never in the script.',
  curveServer: 'ZMQ_CURVE_SERVER: be the CURVE server (RFC 26): encrypt and authenticate with CurveZMQ; needs `curveSecretKey`.',
  curvePublicKey: 'ZMQ_CURVE_PUBLICKEY: our long-term public key, 40 Z85 characters (a CURVE client needs it).',
  curveSecretKey: 'ZMQ_CURVE_SECRETKEY: our long-term secret key, 40 Z85 characters. A secret: write `{{name}}` and set it in `.env` or the environment, never in the script.',
  curveServerKey: "ZMQ_CURVE_SERVERKEY: the server's public key, 40 Z85 characters; setting it makes the socket a CURVE client.",
  zapDomain: 'ZMQ_ZAP_DOMAIN: the domain sent to the ZAP handler (RFC 27); on a NULL socket, setting one makes ZAP run.',
  zapEnforceDomain: 'ZMQ_ZAP_ENFORCE_DOMAIN: a CURVE server with a ZAP domain but no ZAP handler refuses clients instead of accepting any that knows its key.',
};

/** The durations completion offers after `within`, `sleep` and `timeout`. */
export const DURATION_SUGGESTIONS: readonly string[] = ['500ms', '1s', '2s', '5s', '10s'];

/** A word's documentation as Markdown: the summary, then the usage in a code block (just the word when undocumented). */
export function wordMarkdown(word: string, doc: WordDoc | undefined): string {
  return doc ? `**${word}** — ${doc.summary}\n\n${fence(doc.usage, 'zmq')}` : `**${word}**`;
}

/**
 * A fenced Markdown code block that the text cannot close early: the fence is longer than any
 * run of backticks inside (payloads are user data and may hold them).
 */
export function fence(text: string, language = ''): string {
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(text) + 1));
  return `${ticks}${language}\n${text}\n${ticks}`;
}

/** Inline code that the text cannot break out of. */
export function code(text: string): string {
  const ticks = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}
