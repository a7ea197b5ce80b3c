/**
 * The ws:// and wss:// transports: TCP or TLS, the HTTP upgrade with libzmq's checks, then the
 * ZWS engine.
 */
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, connect as netConnect, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, createSecureContext, rootCertificates, TLSSocket, type ConnectionOptions, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { LINUX_ERRNO, PROTOCOL_ERROR, ZmqError, ZmtpError } from '../errors';
import { formatHost, type Endpoint, type WsEndpoint } from '../endpoint';
import { WsEngine } from '../engine/ws-engine';
import type { SocketOptions } from '../options';
import { acceptFor, chooseProtocol, mechanismOfProtocol, newWebSocketKey, switchingProtocolsResponse, zwsOffer } from '../zws/handshake';
import { checkUpgradeRequest } from '../zws/upgrade-request';
import { securityOf } from '../options';
import { mechanismMismatchText } from '../zmtp/greeting';
import type { MechanismName } from '../zmtp/mechanism';
import { closeServer, listenTcp } from './tcp';
import { streamAddresses } from './stream-link';
import type { ConnectAttempt, LinkAddresses, LinkFailure, LinkObserver, Listener, Transport } from './transport';

/**
 * ws:// and wss:// (zmq_ws(7), RFC 45 ZWS 2.0). The HTTP upgrade is Node's http parser plus the
 * checks libzmq makes; frames are the `ws` package's. As a client we offer `ZWS2.0/NULL,ZWS2.0`,
 * as a server we prefer `ZWS2.0/NULL` and accept bare `ZWS2.0` (browser libraries speak it).
 */
export const wsTransport: Transport = {
  connect(endpoint: Endpoint, options: Readonly<SocketOptions>, observer: LinkObserver): ConnectAttempt {
    if (endpoint.transport !== 'ws' && endpoint.transport !== 'wss') throw new TypeError('not a ws endpoint');
    return connectWs(endpoint, options, observer);
  },
  listen(endpoint, options, accept): Promise<Listener> {
    if (endpoint.transport !== 'ws' && endpoint.transport !== 'wss') throw new TypeError('not a ws endpoint');
    return listenWs(endpoint, options, accept);
  },
};

function badUpgrade(detail: string): ZmtpError {
  return new ZmtpError('ERR_ZWS_BAD_UPGRADE', `WebSocket upgrade failed: ${detail}`, PROTOCOL_ERROR.WS_UNSPECIFIED);
}

function tlsFailure(err: NodeJS.ErrnoException): LinkFailure {
  const message = `TLS handshake failed: ${err.message}${err.code ? ` (${err.code})` : ''}`;
  return { kind: 'connection', message, error: new ZmtpError('ERR_ZWS_TLS', message) };
}

// --- Connecting --------------------------------------------------------------------------------

/** Where a client attempt is, to tell a refused connection, a TLS failure and a bad upgrade apart. */
type Phase = 'tcp' | 'tls' | 'http' | 'done';

function connectWs(endpoint: WsEndpoint, options: Readonly<SocketOptions>, observer: LinkObserver): ConnectAttempt {
  const secure = endpoint.transport === 'wss';
  const family = options.ipv6 ? 0 : 4;
  const port = endpoint.port === '*' ? 0 : endpoint.port;
  const socket: Socket = secure
    ? tlsConnect({ host: endpoint.host, port, family, ...clientTlsOptions(endpoint, options) } as ConnectionOptions)
    : netConnect({ host: endpoint.host, port, family });
  socket.setNoDelay(true);
  const mechanism = securityOf(options).mechanism;
  let phase: Phase = 'tcp';
  let handshake: HandshakeClock | undefined;
  const fail = (failure: LinkFailure): void => {
    if (phase === 'done') return;
    phase = 'done';
    handshake?.stop();
    socket.destroy();
    observer.failed(failure);
  };
  socket.once('connect', () => {
    if (phase === 'done') return;
    phase = secure ? 'tls' : 'http';
    handshake = HandshakeClock.start(options.handshakeInterval, fail);
    observer.connected(streamAddresses(socket));
    observer.stage(secure ? 'TLS_HANDSHAKE' : 'HTTP_UPGRADE');
  });
  if (secure) {
    socket.once('secureConnect', () => {
      if (phase === 'done') return;
      phase = 'http';
      observer.stage('HTTP_UPGRADE');
    });
  }
  const key = newWebSocketKey();
  // RFC 6455 §4.1 request; the header set libzmq's server requires (protocol.md §3.4).
  const request = httpRequest({
    host: endpoint.host,
    port,
    path: endpoint.path,
    method: 'GET',
    createConnection: () => socket,
    headers: {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': zwsOffer(mechanism),
      'Sec-WebSocket-Version': '13',
    },
  });
  request.on('upgrade', (response: IncomingMessage, upgraded: Duplex, head: Buffer) => {
    const problem = checkUpgradeResponse(response, key, mechanism);
    if (problem) return fail({ kind: 'protocol', message: problem.message, error: problem });
    if (phase === 'done') return;
    phase = 'done';
    handshake?.stop();
    const protocol = response.headers['sec-websocket-protocol'] as string;
    const handshakeDeadline = handshake?.deadline;
    observer.established((session) => new WsEngine(session, { socket: upgraded, isServer: false, protocol, head, handshakeDeadline }), streamAddresses(socket));
  });
  request.on('response', (response: IncomingMessage) => {
    const status = `${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim();
    response.resume();
    fail({ kind: 'protocol', message: status, error: badUpgrade(`server answered HTTP ${status} instead of 101 Switching Protocols`) });
  });
  request.on('error', (err: NodeJS.ErrnoException) => {
    if (phase === 'tls') fail(tlsFailure(err));
    else if (phase === 'http' && err.code === 'HPE_INVALID_CONSTANT') fail({ kind: 'protocol', message: err.message, error: badUpgrade(`malformed HTTP response (${err.code})`) });
    else {
      // libzmq's ws server hangs up without an answer when it runs another mechanism than ours.
      const hint =
        phase === 'http' && mechanism !== 'NULL' && (err.code === 'ECONNRESET' || err.message === 'socket hang up')
          ? new ZmtpError('ERR_ZMTP_HANDSHAKE_CLOSED', `The server closed the connection during the WebSocket upgrade without answering: it may not run ${mechanism} (we offered ${zwsOffer(mechanism)})`, {
              step: 'greeting',
            })
          : undefined;
      fail({ kind: 'connection', message: `${err.code ?? 'error'}: ${err.message}`, errno: typeof err.errno === 'number' ? -err.errno : undefined, error: hint });
    }
  });
  request.end();
  return {
    abort(): void {
      if (phase === 'done') return;
      phase = 'done';
      handshake?.stop();
      request.destroy();
      socket.destroy();
    },
  };
}

/** What libzmq's client checks in a 101 response (protocol.md §3.5), plus the accept key. */
function checkUpgradeResponse(response: IncomingMessage, key: string, mechanism: MechanismName): ZmtpError | undefined {
  const upgrade = response.headers.upgrade ?? '';
  if (upgrade.toLowerCase() !== 'websocket') return badUpgrade(`Upgrade header ${JSON.stringify(upgrade)} (websocket required)`);
  const connection = response.headers.connection ?? '';
  if (!connection.split(',').some((token) => token.trim().toLowerCase() === 'upgrade')) return badUpgrade(`Connection header ${JSON.stringify(connection)} (Upgrade required)`);
  const accept = response.headers['sec-websocket-accept'];
  if (accept !== acceptFor(key)) return badUpgrade(`Sec-WebSocket-Accept ${JSON.stringify(accept ?? '')} does not match our key`);
  const protocol = response.headers['sec-websocket-protocol'] ?? '';
  if (chooseProtocol(protocol, mechanism) !== protocol) {
    const theirs = mechanismOfProtocol(protocol);
    if (theirs !== undefined && theirs !== mechanism) return badUpgrade(mechanismMismatchText(mechanism, theirs));
    return badUpgrade(`server chose sub-protocol ${JSON.stringify(protocol)} (${zwsOffer(mechanism).replace(',', ' or ')} required)`);
  }
  return undefined;
}

/** TLS settings of a wss connect: trust anchors, SNI and the expected name (ZMQ_WSS_*). */
function clientTlsOptions(endpoint: WsEndpoint, options: Readonly<SocketOptions>): ConnectionOptions {
  const hostname = options.wssHostname ?? endpoint.host;
  return {
    ...(options.wssTrust !== undefined ? { ca: options.wssTrustSystem ? [...rootCertificates, options.wssTrust] : [options.wssTrust] } : {}),
    ...(isIP(hostname) ? {} : { servername: hostname }),
    rejectUnauthorized: !options.wssInsecureSkipVerify,
    // Node's own check, against the configured name rather than the address we dialled.
    checkServerIdentity: (_host, cert) => checkServerIdentity(hostname, cert),
  };
}

// --- Listening ---------------------------------------------------------------------------------

/**
 * ZMQ_HANDSHAKE_IVL over the stages before ZWS starts (TLS, the HTTP upgrade). libzmq arms no
 * handshake timer for ws at all (protocol.md §3.7), so a peer that connects and never finishes its
 * upgrade holds a connection for ever; here the interval bounds the upgrade and the READY exchange
 * together, from the TCP connection on (the engine is given the {@link deadline}).
 */
class HandshakeClock {
  readonly deadline: number;
  readonly #timer: NodeJS.Timeout;

  private constructor(interval: number, expired: (failure: LinkFailure) => void) {
    this.deadline = Date.now() + interval;
    this.#timer = setTimeout(() => {
      const message = `WebSocket upgrade not completed within ${interval} ms (handshakeInterval)`;
      expired({ kind: 'connection', message, errno: LINUX_ERRNO.ETIMEDOUT, error: new ZmtpError('ERR_ZMTP_HANDSHAKE_TIMEOUT', message) });
    }, interval);
  }

  /** A running clock, or none when handshakeInterval is 0 (no limit). */
  static start(interval: number, expired: (failure: LinkFailure) => void): HandshakeClock | undefined {
    return interval > 0 ? new HandshakeClock(interval, expired) : undefined;
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/** How long a refused client gets to take our answer before its socket is destroyed regardless. */
const REFUSAL_LINGER_MS = 1000;

/**
 * Answers a refused upgrade and lets the socket go: destroyed once the answer is written (a
 * client that never reads or closes would otherwise keep a half-closed socket, and its
 * descriptor, for ever), or after {@link REFUSAL_LINGER_MS} at the latest.
 */
function refuse(socket: Duplex, answer: string): void {
  const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.end(answer, () => socket.destroy());
}

/** One accepted connection until its upgrade completes or fails; later reports are ignored. */
class PendingUpgrade {
  readonly observer: LinkObserver;
  readonly addresses: LinkAddresses;
  readonly #unsettled: Set<PendingUpgrade>;
  readonly raw: Socket;
  readonly #handshake: HandshakeClock | undefined;
  settled = false;

  constructor(observer: LinkObserver, raw: Socket, unsettled: Set<PendingUpgrade>, handshakeInterval: number) {
    this.observer = observer;
    this.raw = raw;
    this.addresses = streamAddresses(raw);
    this.#unsettled = unsettled;
    unsettled.add(this);
    this.#handshake = HandshakeClock.start(handshakeInterval, (failure) => {
      this.fail(failure);
      raw.destroy();
    });
  }

  establish(socket: Duplex, protocol: string, head: Buffer): void {
    this.#settle();
    const handshakeDeadline = this.#handshake?.deadline;
    this.observer.established((session) => new WsEngine(session, { socket, isServer: true, protocol, head, handshakeDeadline }), this.addresses);
  }

  /** The upgrade failed: reported once; whoever saw the failure ends the socket. */
  fail(failure: LinkFailure): void {
    if (this.settled) return;
    this.#settle();
    this.observer.failed(failure);
  }

  #settle(): void {
    this.settled = true;
    this.#handshake?.stop();
    this.#unsettled.delete(this);
  }
}

async function listenWs(endpoint: WsEndpoint, options: Readonly<SocketOptions>, accept: (addresses: LinkAddresses) => LinkObserver): Promise<Listener> {
  const given = `${endpoint.transport}://${formatHost(endpoint.host)}:${endpoint.port}${endpoint.path}`;
  // The mechanism is read per upgrade: options may change after the bind, as libzmq reads them per connection.
  let mechanism: MechanismName = securityOf(options).mechanism;
  const secureContext = endpoint.transport === 'wss' ? serverSecureContext(options, given) : undefined;
  const pending = new WeakMap<Duplex, PendingUpgrade>();
  // Connections still in TLS or the upgrade; established ones belong to their sessions.
  const unsettled = new Set<PendingUpgrade>();
  // Parses the requests of the connections handed to it; it never listens itself.
  const http = createHttpServer();
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const link = pending.get(socket);
    if (!link || link.settled) return void socket.destroy();
    mechanism = securityOf(options).mechanism;
    const problem = checkUpgradeRequest(request, mechanism);
    if (problem) {
      refuse(socket, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      // libzmq's ws server refuses another mechanism's sub-protocol like any bad request (WS_UNSPECIFIED).
      const error = badUpgrade(problem.mechanisms ? mechanismMismatchText(problem.mechanisms.ours, problem.mechanisms.theirs) : problem.problem);
      return link.fail({ kind: 'protocol', message: problem.problem, error });
    }
    const protocol = chooseProtocol(request.headers['sec-websocket-protocol'], mechanism)!;
    socket.write(switchingProtocolsResponse(request.headers['sec-websocket-key']!, protocol));
    link.establish(socket, protocol, head);
  });
  http.on('request', (request: IncomingMessage, response) => {
    // Not refuse(): the response belongs to Node's HTTP server, which ends the socket after it
    // (Connection: close); the timer only makes sure it goes.
    const socket = request.socket;
    const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    response.writeHead(426, { Connection: 'close', 'Content-Length': '0', Upgrade: 'websocket' }).end(() => socket.destroy());
    pending.get(socket)?.fail({ kind: 'protocol', message: 'plain HTTP request', error: badUpgrade(`${request.method ?? '?'} request without Upgrade: websocket`) });
  });
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    pending.get(socket)?.fail({ kind: 'protocol', message: err.message, error: badUpgrade(`malformed HTTP request (${err.code ?? err.message})`) });
    socket.destroy();
  });

  const server = createNetServer({ noDelay: true });
  server.on('connection', (rawSocket: Socket) => {
    const link = new PendingUpgrade(accept(streamAddresses(rawSocket)), rawSocket, unsettled, options.handshakeInterval);
    rawSocket.on('error', () => undefined);
    rawSocket.once('close', () => link.fail({ kind: 'connection', message: 'connection closed before the upgrade completed' }));
    if (!secureContext) {
      pending.set(rawSocket, link);
      link.observer.stage('HTTP_UPGRADE');
      http.emit('connection', rawSocket);
      return;
    }
    link.observer.stage('TLS_HANDSHAKE');
    const tlsSocket = new TLSSocket(rawSocket, { isServer: true, secureContext });
    pending.set(tlsSocket, link);
    tlsSocket.once('secure', () => {
      if (link.settled) return;
      link.observer.stage('HTTP_UPGRADE');
      http.emit('connection', tlsSocket);
    });
    tlsSocket.on('error', (err: NodeJS.ErrnoException) => {
      link.fail(tlsFailure(err));
      rawSocket.destroy();
    });
  });
  await listenTcp(endpoint.host, endpoint.port, options.ipv6, given, server);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new ZmqError('EINVAL', { address: given });
  return {
    // ZMQ_LAST_ENDPOINT: numeric address, real port, the path as parsed ('/' when none).
    lastEndpoint: `${endpoint.transport}://${formatHost(address.address)}:${address.port}${endpoint.path}`,
    async close(): Promise<void> {
      const closed = closeServer(server);
      for (const link of unsettled) link.raw.destroy();
      await closed;
    },
  };
}

/** The key and certificate of a wss bind. libzmq asserts (aborts) without them; here the bind fails. */
function serverSecureContext(options: Readonly<SocketOptions>, address: string): SecureContext {
  if (options.wssKey === undefined || options.wssCert === undefined) {
    throw new ZmqError('EINVAL', { address, detail: 'a wss bind needs the wssKey and wssCert options' });
  }
  try {
    return createSecureContext({ key: options.wssKey, cert: options.wssCert });
  } catch (err) {
    throw new ZmqError('EINVAL', { address, detail: `wssKey/wssCert: ${(err as Error).message}`, cause: err });
  }
}
