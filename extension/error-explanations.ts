/**
 * Plain explanations of every core ZmqError code, for error messages shown to users. The core's
 * own message is libzmq's fixed `zmq_strerror` text; this adds what it means in this extension
 * and what to do about it. No vscode import (unit-tested in plain Node).
 */
import { ERROR_MESSAGES, isZmqError, type ZmqErrorCode } from '../core/index';

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
