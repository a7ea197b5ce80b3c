/**
 * Plain explanations of every core ZmqError code, for error messages shown to users. The core's
 * own message is libzmq's fixed `zmq_strerror` text; this adds what it means in this extension
 * and what to do about it. No vscode import (unit-tested in plain Node).
 */
import { ERROR_MESSAGES, isZmqError, type ZmqErrorCode, type ZmtpErrorCode } from '../core/index';

/** One sentence or two per code: what happened, in the user's terms, and what to try. */
export const ERROR_EXPLANATIONS: Readonly<Record<ZmqErrorCode, string>> = {
  ENOENT: 'Nothing matches: the socket is not connected to or bound on that endpoint, or an ipc path does not exist.',
  EAGAIN: 'The peer is not reading fast enough: its queue is at the send high-water mark and the send timeout elapsed. Try again later or raise the high-water mark.',
  EFAULT: 'connectPeer cannot be used while the socket has the "immediate" option set, because no routing id would exist yet.',
  EBUSY: 'The resource is busy, for example the endpoint is in the middle of being bound or closed. Try again.',
  ENODEV: 'The network interface named in the endpoint does not exist on this machine (e.g. tcp://eth9:5555).',
  EINVAL: 'The endpoint or value is malformed. Endpoints look like tcp://127.0.0.1:5555, ipc:///tmp/sock, inproc://name or ws://host:8080/path.',
  ENAMETOOLONG: 'The ipc path is too long: Unix socket paths must be shorter than 108 bytes. Use a shorter path.',
  EMSGSIZE: 'The message is larger than the socket\'s maximum message size.',
  ENOTSOCK: 'The socket was closed. Create a new one (connect or bind again).',
  EPROTONOSUPPORT: 'The transport (the part before "://") is unknown or not implemented here. Supported: tcp, ipc, inproc, ws and wss; the scheme is case-sensitive.',
  ENOTSUP: 'The operation is not supported by this socket or connection (for example connectPeer on a socket that is not a PEER).',
  EADDRINUSE: 'Another socket or program is already listening on that address. Pick another port, or use port * to let the system choose one.',
  EADDRNOTAVAIL: 'The address is not one of this machine\'s: bind to 127.0.0.1, 0.0.0.0 (*) or one of its own interface addresses.',
  ECONNREFUSED: 'Nothing is listening at that address. Start the other side first (PEER keeps retrying in the background).',
  EHOSTUNREACH: 'No peer with that routing id is connected right now: it never existed, has disconnected, or its handshake has not completed on the bind side.',
  EFSM: 'The ZAP responder was used out of turn: like a REP socket it must receive a request before it sends a reply, and reply before it receives the next.',
  ENOCOMPATPROTO: 'This transport exists in ZeroMQ but cannot be used with PEER sockets: udp, pgm, epgm and norm are for RADIO/DISH and PUB/SUB only. Use tcp, ipc, inproc, ws or wss.',
  ETERM: 'The ZeroMQ context was terminated, so its sockets are closed. Reload the session to start again.',
  EMTHREAD: 'The context has no I/O threads, so it cannot run network transports (tcp, ipc, ws, wss). Only inproc works.',
};

/**
 * What to do about each named wire error (core ZmtpError codes), for the handshake ladder's
 * failing step. The core's message says what happened; this says what to try.
 */
export const ZMTP_EXPLANATIONS: Readonly<Record<ZmtpErrorCode, string>> = {
  ERR_ZMTP_BAD_SIGNATURE: 'The other side does not speak ZMTP: check that the port belongs to a ZeroMQ socket and not to an HTTP server or another protocol.',
  ERR_ZMTP_UNSUPPORTED_VERSION: 'The peer speaks ZMTP 1.0 or 2.0 (libzmq before 3.x). PEER needs ZMTP 3.x: upgrade the other side to libzmq 4.x.',
  ERR_ZMTP_MECHANISM_MISMATCH: 'Both sides must use the same security mechanism (NULL, PLAIN or CURVE): pick the security profile that matches the other side, or change its settings.',
  ERR_ZMTP_UNEXPECTED_COMMAND: 'The peer sent a command that does not belong at this point of the handshake: it may be a different ZMTP implementation or a security mechanism this debugger does not speak.',
  ERR_ZMTP_MALFORMED_COMMAND: 'The peer sent a command whose bytes do not parse: check the other side\'s ZMTP implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_HELLO: 'The peer\'s HELLO command does not parse: check that both sides use the same mechanism (PLAIN or CURVE) and the other side\'s ZMTP implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_WELCOME: 'The server\'s WELCOME command does not parse: check that both sides use the same mechanism (PLAIN or CURVE) and the other side\'s ZMTP implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_INITIATE: 'The client\'s INITIATE command does not parse: check that both sides use the same mechanism (PLAIN or CURVE) and the other side\'s ZMTP implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_READY: 'The peer\'s READY command does not parse: check the other side\'s ZMTP implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_MESSAGE: 'A CURVE MESSAGE is too short to hold its nonce and box: check the other side\'s CURVE implementation.',
  ERR_ZMTP_MALFORMED_COMMAND_ERROR: 'The peer\'s ERROR command does not parse: check the other side\'s ZMTP implementation.',
  ERR_ZMTP_INVALID_METADATA: 'A READY property is malformed (name or length): check the properties the other side sets.',
  ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE: 'A PEER talks only to PEER sockets (RFC 51). Make the other side a ZMQ_PEER, or use a socket type that matches it.',
  ERR_ZMTP_AUTH_REJECTED: 'The server\'s authentication (ZAP) refused our credentials: for PLAIN check the user name and password, for CURVE add our public key to the server\'s allowed keys.',
  ERR_ZMTP_HANDSHAKE_CLOSED: 'The server hung up during the security handshake without saying why: a libzmq PLAIN server without a ZAP handler does this to every client, as does a ZAP 300 answer or a CURVE server that cannot open our HELLO (a wrong server key). Check the server\'s security settings.',
  ERR_ZMTP_CRYPTOGRAPHIC: 'A CURVE box did not open: the keys do not match (check the server public key we use against the server\'s) or the bytes were altered on the way.',
  ERR_ZMTP_KEY_EXCHANGE: 'The CURVE client\'s vouch names another short-term key than its HELLO: the client is broken or someone is in between.',
  ERR_ZMTP_INVALID_SEQUENCE: 'A CURVE message arrived with a nonce that was not above the last one: a replayed or reordered message, so the connection was closed to protect it.',
  ERR_CURVE_WRONG_SERVER_KEY: 'The server public key configured for this connection is not the server\'s: copy the server\'s public key (zmq_curve_public of its secret key) into the security profile.',
  ERR_ZAP_NO_HANDLER: 'This socket is a PLAIN server (or enforces a ZAP domain) but has no ZAP handler, so it refuses every client, as libzmq does: set a zapHandler or bind a ZAP responder at inproc://zeromq.zap.01.',
  ERR_ZAP_DENIED: 'Our ZAP handler refused the client (its status is shown): check the handler\'s rules for that user or key.',
  ERR_ZAP_MALFORMED_REPLY: 'The ZAP responder\'s reply is not the six frames RFC 27 asks for: fix the responder.',
  ERR_ZAP_BAD_VERSION: 'The ZAP responder\'s reply does not start with version "1.0": fix the responder.',
  ERR_ZAP_BAD_REQUEST_ID: 'The ZAP responder answered with another request id than the request\'s: fix the responder.',
  ERR_ZAP_INVALID_STATUS_CODE: 'The ZAP responder answered with a status other than 200, 300, 400 or 500: fix the responder.',
  ERR_ZAP_INVALID_METADATA: 'The ZAP responder\'s metadata is not in ZMTP property encoding: fix the responder.',
  ERR_ZMTP_ERROR_RECEIVED: 'The peer refused the handshake with an ERROR command; its reason is shown. Usually authentication (ZAP) or a security setting on the other side.',
  ERR_ZMTP_MESSAGE_TOO_LARGE: 'A message was larger than the maximum message size: raise maxMessageSize, or send smaller messages.',
  ERR_ZMTP_HANDSHAKE_TIMEOUT: 'The handshake did not finish in time: the other side accepted the connection but did not answer with ZMTP. Check that it is a ZeroMQ socket and not busy or stopped in a debugger.',
  ERR_ZMTP_HEARTBEAT_TIMEOUT: 'The peer stopped answering heartbeats: it is gone, stuck, or the network dropped. It reconnects by itself when it can.',
  ERR_ZWS_BAD_UPGRADE: 'The HTTP upgrade to ZWS 2.0 failed: check the ws:// path and that the server speaks ZeroMQ over WebSocket (subprotocol ZWS2.0).',
  ERR_ZWS_TLS: 'The TLS handshake failed: check the certificate, the host name in the wss:// endpoint and the trusted certificate authorities.',
  ERR_ZWS_TEXT_FRAME: 'The WebSocket peer sent a text frame; ZWS 2.0 carries binary frames only.',
  ERR_ZWS_EMPTY_MESSAGE: 'The WebSocket peer sent an empty binary frame, which ZWS 2.0 does not allow.',
  ERR_ZWS_FRAGMENTED: 'The WebSocket peer sent a fragmented message, which ZWS 2.0 does not allow.',
  ERR_ZWS_UNMASKED_FRAME: 'A WebSocket client sent an unmasked frame (RFC 6455 requires masking from clients).',
  ERR_ZWS_MASKED_FRAME: 'A WebSocket server sent a masked frame (RFC 6455 forbids masking from servers).',
  ERR_ZWS_PROTOCOL: 'The WebSocket peer broke RFC 6455 framing: check the other side\'s WebSocket implementation.',
};

/**
 * One sentence saying what to do about an error code, wire (`ERR_ZMTP_…`) or errno (`ECONNREFUSED`);
 * a general hint for codes without their own.
 */
export function adviceFor(code: string): string {
  if (code in ZMTP_EXPLANATIONS) return ZMTP_EXPLANATIONS[code as ZmtpErrorCode];
  if (code in ERROR_EXPLANATIONS) return ERROR_EXPLANATIONS[code as ZmqErrorCode];
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNCLOSED') return 'The other side closed the connection: check its logs; PEER reconnects by itself.';
  if (code === 'ETIMEDOUT' || code === 'EHOSTDOWN' || code === 'ENETUNREACH') return 'The address cannot be reached: check the host, the port, and any firewall between.';
  return 'Check the other side and the endpoint; the event log has the details.';
}

/** The code of an error: a core ZmqError's, a Node system error's (EADDRINUSE…), or undefined. */
export function errorCode(err: unknown): string | undefined {
  if (isZmqError(err)) return err.code;
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return undefined;
}

/**
 * The text shown to a user for a failed action: "<action> failed: CODE — message. Explanation".
 * Unknown errors show their message alone.
 */
export function describeError(err: unknown, action?: string): string {
  const prefix = action ? `${action} failed: ` : '';
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  if (code !== undefined && code in ERROR_EXPLANATIONS) {
    const explanation = ERROR_EXPLANATIONS[code as ZmqErrorCode];
    return `${prefix}${code} — ${message}. ${explanation}`;
  }
  return code !== undefined ? `${prefix}${code} — ${message}` : `${prefix}${message}`;
}

/** The fixed core message of a code, re-exported for callers that only have the code. */
export function coreMessage(code: ZmqErrorCode): string {
  return ERROR_MESSAGES[code];
}
