/**
 * A zmq.h-shaped facade over {@link Peer}, {@link Server} and {@link Client}, for people porting C
 * code. Names, constants, return values and errno numbers follow libzmq (zmq.h, Linux numbers);
 * the differences are where JavaScript forces them:
 *
 * - Calls that block in C (`zmq_bind`, `zmq_unbind`, `zmq_msg_send`, `zmq_msg_recv`, `zmq_close`,
 *   `zmq_ctx_term`) return a Promise of the C return value. None of them rejects.
 * - `zmq_msg_init*` return the message instead of filling a `zmq_msg_t *`.
 * - The I/O thread count is fixed when the context is made: use `zmq_ctx_new({ ioThreads: n })`.
 *   `zmq_ctx_set(ctx, ZMQ_IO_THREADS, n)` only accepts the value the context already has.
 * - `zmq_ctx_term` closes the context's sockets itself (libzmq waits for the application to).
 *   Their handles then report ETERM until `zmq_close` releases them.
 *
 * - `zmq_curve_keypair` and `zmq_curve_public` load libsodium on first use, so they return a
 *   Promise (of the keys, or of null with errno).
 * - ZMQ_REP exists only as the ZAP handler C code binds at inproc://zeromq.zap.01 (a
 *   {@link ZapResponder}): it binds nothing else (ENOTSUP), and its requests and replies are
 *   received and sent frame by frame with ZMQ_RCVMORE / ZMQ_SNDMORE, as in C.
 * - Security options keep libzmq's "last one set wins": setting one clears those that would
 *   select another mechanism or role (the core's option object refuses such contradictions).
 *
 * errno is one module-level "last error", like C's thread-local errno: every failing call sets
 * it, successful calls leave it alone. Errors that are not ZmqErrors are bugs and are rethrown.
 */
import { Context, type ContextOptions } from './context';
import { curveKeypair, curvePublic, type CurveKeyPairText } from './crypto/keys';
import { ERRNO, ERROR_MESSAGES, ZmqError, codeOfErrno, type ZmqErrorCode } from './errors';
import { DEFAULT_OPTIONS, checkOption, securityOf, type SocketOptions } from './options';
import { MECHANISMS } from './zmtp/constants';
import { z85Decode, z85Encode } from './zmtp/z85';
import { Client } from './socket/client';
import { Peer } from './socket/peer';
import { Server } from './socket/server';
import { ZapResponder } from './socket/zap-responder';

// --- Constants (zmq.h) ---------------------------------------------------------------------------

/** Socket types (ZMQ_REP: only as the ZAP handler). */
export const ZMQ_REP = 4, ZMQ_SERVER = 12, ZMQ_CLIENT = 13, ZMQ_PEER = 19;
/** Context option. */
export const ZMQ_IO_THREADS = 1;
/** Socket options. */
export const ZMQ_TYPE = 16, ZMQ_LINGER = 17, ZMQ_RECONNECT_IVL = 18, ZMQ_RECONNECT_IVL_MAX = 21, ZMQ_MAXMSGSIZE = 22;
export const ZMQ_SNDHWM = 23, ZMQ_RCVHWM = 24, ZMQ_RCVTIMEO = 27, ZMQ_SNDTIMEO = 28, ZMQ_LAST_ENDPOINT = 32;
export const ZMQ_IMMEDIATE = 39, ZMQ_IPV6 = 42, ZMQ_HANDSHAKE_IVL = 66, ZMQ_HEARTBEAT_IVL = 75, ZMQ_HEARTBEAT_TTL = 76;
export const ZMQ_HEARTBEAT_TIMEOUT = 77, ZMQ_HELLO_MSG = 110, ZMQ_DISCONNECT_MSG = 111, ZMQ_HICCUP_MSG = 114;
export const ZMQ_RCVMORE = 13, ZMQ_MECHANISM = 43, ZMQ_PLAIN_SERVER = 44, ZMQ_PLAIN_USERNAME = 45, ZMQ_PLAIN_PASSWORD = 46;
export const ZMQ_CURVE_SERVER = 47, ZMQ_CURVE_PUBLICKEY = 48, ZMQ_CURVE_SECRETKEY = 49, ZMQ_CURVE_SERVERKEY = 50;
export const ZMQ_ZAP_DOMAIN = 55, ZMQ_ZAP_ENFORCE_DOMAIN = 93;
/** Security mechanisms (ZMQ_MECHANISM's values). */
export const ZMQ_NULL = 0, ZMQ_PLAIN = 1, ZMQ_CURVE = 2;
/** Send and receive flags. */
export const ZMQ_DONTWAIT = 1, ZMQ_SNDMORE = 2;

/** errno values, with the numbers libzmq reports on Linux. */
export const {
  ENOENT, EAGAIN, EFAULT, EBUSY, ENODEV, EINVAL, ENAMETOOLONG, EMSGSIZE, ENOTSOCK, EPROTONOSUPPORT, ENOTSUP,
  EADDRINUSE, EADDRNOTAVAIL, ECONNREFUSED, EHOSTUNREACH, EFSM, ENOCOMPATPROTO, ETERM, EMTHREAD,
} = ERRNO;

/** Socket option numbers and the {@link SocketOptions} each maps to. */
const OPTION_NAMES: Readonly<Record<number, keyof SocketOptions>> = {
  [ZMQ_LINGER]: 'linger', [ZMQ_RECONNECT_IVL]: 'reconnectInterval', [ZMQ_RECONNECT_IVL_MAX]: 'reconnectIntervalMax',
  [ZMQ_MAXMSGSIZE]: 'maxMessageSize', [ZMQ_SNDHWM]: 'sendHighWaterMark', [ZMQ_RCVHWM]: 'receiveHighWaterMark',
  [ZMQ_RCVTIMEO]: 'receiveTimeout', [ZMQ_SNDTIMEO]: 'sendTimeout', [ZMQ_IMMEDIATE]: 'immediate', [ZMQ_IPV6]: 'ipv6',
  [ZMQ_HANDSHAKE_IVL]: 'handshakeInterval', [ZMQ_HEARTBEAT_IVL]: 'heartbeatInterval',
  [ZMQ_HEARTBEAT_TTL]: 'heartbeatTimeToLive', [ZMQ_HEARTBEAT_TIMEOUT]: 'heartbeatTimeout',
  [ZMQ_HELLO_MSG]: 'helloMessage', [ZMQ_DISCONNECT_MSG]: 'disconnectMessage', [ZMQ_HICCUP_MSG]: 'hiccupMessage',
  [ZMQ_PLAIN_SERVER]: 'plainServer', [ZMQ_PLAIN_USERNAME]: 'plainUsername', [ZMQ_PLAIN_PASSWORD]: 'plainPassword',
  [ZMQ_CURVE_SERVER]: 'curveServer', [ZMQ_CURVE_PUBLICKEY]: 'curvePublicKey', [ZMQ_CURVE_SECRETKEY]: 'curveSecretKey',
  [ZMQ_CURVE_SERVERKEY]: 'curveServerKey', [ZMQ_ZAP_DOMAIN]: 'zapDomain', [ZMQ_ZAP_ENFORCE_DOMAIN]: 'zapEnforceDomain',
};

/** Options libzmq only lets you set (options_t::getsockopt does not know them). */
const WRITE_ONLY: ReadonlySet<number> = new Set([ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG]);

const PLAIN_OPTIONS: ReadonlyArray<keyof SocketOptions> = ['plainServer', 'plainUsername', 'plainPassword'];
const CURVE_OPTIONS: ReadonlyArray<keyof SocketOptions> = ['curveServer', 'curvePublicKey', 'curveSecretKey', 'curveServerKey'];

/**
 * What setting a security option clears first, so that the last option set selects the mechanism
 * and role as in libzmq's options_t::setsockopt: PLAIN options clear CURVE's and the other PLAIN
 * role's; CURVE keys clear PLAIN's; the server flags and curveServerKey also flip the role; a
 * server flag set to 0 (or a PLAIN credential unset) selects NULL, clearing both.
 */
function clearedBy(name: keyof SocketOptions, value: unknown): ReadonlyArray<keyof SocketOptions> {
  const off = value === 0 || value === false || value === null || value === undefined;
  switch (name) {
    case 'plainServer':
    case 'curveServer':
      return off ? [...PLAIN_OPTIONS, ...CURVE_OPTIONS] : name === 'plainServer' ? ['plainUsername', 'plainPassword', ...CURVE_OPTIONS] : [...PLAIN_OPTIONS, 'curveServerKey'];
    case 'plainUsername':
    case 'plainPassword':
      return off ? [...PLAIN_OPTIONS, ...CURVE_OPTIONS] : ['plainServer', ...CURVE_OPTIONS];
    case 'curveServerKey':
      return ['curveServer', ...PLAIN_OPTIONS];
    case 'curvePublicKey':
    case 'curveSecretKey':
      return PLAIN_OPTIONS;
    default:
      return [];
  }
}

// --- errno ---------------------------------------------------------------------------------------

let lastErrno = 0;

function fail(code: ZmqErrorCode): -1 {
  lastErrno = ERRNO[code];
  return -1;
}

/** Records a ZmqError's errno; anything else is a bug and is rethrown. */
function failWith(err: unknown): -1 {
  if (!(err instanceof ZmqError)) throw err;
  lastErrno = err.errno;
  return -1;
}

/** 0 when `call` returns, -1 with errno when it throws a ZmqError. */
function attempt(call: () => unknown): number {
  try {
    call();
    return 0;
  } catch (err) {
    return failWith(err);
  }
}

/** {@link attempt} for calls that wait. */
async function attemptAsync(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 0;
  } catch (err) {
    return failWith(err);
  }
}

/** `int zmq_errno (void);` — the errno of the last failed call. */
export function zmq_errno(): number {
  return lastErrno;
}

/** `const char *zmq_strerror (int errnum);` — "Unknown error N" for numbers the core does not know. */
export function zmq_strerror(errnum: number): string {
  const code = codeOfErrno(errnum);
  return code ? ERROR_MESSAGES[code] : `Unknown error ${errnum}`;
}

// --- Contexts ------------------------------------------------------------------------------------

/**
 * `void *zmq_ctx_new (void);` — `options.ioThreads` stands in for `zmq_ctx_set(ctx,
 * ZMQ_IO_THREADS, n)` (0 makes tcp and ipc fail with EMTHREAD). Throws EINVAL for a bad count.
 */
export function zmq_ctx_new(options?: ContextOptions): Context {
  return new Context(options);
}

/** `int zmq_ctx_set (void *context, int option, int optval);` — ZMQ_IO_THREADS, and only its current value. */
export function zmq_ctx_set(ctx: Context, option: number, optval: number): number {
  if (!(ctx instanceof Context)) return fail('EFAULT');
  if (option !== ZMQ_IO_THREADS || optval !== ctx.ioThreads) return fail('EINVAL');
  return 0;
}

/** `int zmq_ctx_get (void *context, int option);` — ZMQ_IO_THREADS. */
export function zmq_ctx_get(ctx: Context, option: number): number {
  if (!(ctx instanceof Context)) return fail('EFAULT');
  return option === ZMQ_IO_THREADS ? ctx.ioThreads : fail('EINVAL');
}

/** `int zmq_ctx_term (void *context);` — closes the context's sockets (pending calls fail ETERM). */
export async function zmq_ctx_term(ctx: Context): Promise<number> {
  if (!(ctx instanceof Context)) return fail('EFAULT');
  await ctx.term();
  return 0;
}

// --- Sockets -------------------------------------------------------------------------------------

type AnySocket = Peer | Server | Client | ZapResponder;

/** The opaque `void *socket` of the C API. It has no members; pass it to the zmq_* functions. */
export type SocketHandle = { readonly __zmqSocketHandle: never };

interface HandleState {
  readonly socket: AnySocket;
  readonly type: number;
  /** ZMQ_REP: the frames of the request being received, and of the reply being sent. */
  received?: Buffer[];
  replying?: Buffer[];
}

/** Open handles; zmq_close removes them, so a closed handle is as invalid as `{}`. */
const handles = new WeakMap<object, HandleState>();

/** The handle's state, or a ZmqError: ENOTSOCK for no open handle, ETERM once the context ended it. */
function stateOf(s: unknown): HandleState {
  const state = typeof s === 'object' && s !== null ? handles.get(s) : undefined;
  if (!state) throw new ZmqError('ENOTSOCK');
  if (state.socket.closed) throw new ZmqError(state.socket.context.terminated ? 'ETERM' : 'ENOTSOCK');
  return state;
}

/** `void *zmq_socket (void *context, int type);` — ZMQ_PEER, ZMQ_SERVER, ZMQ_CLIENT or ZMQ_REP (ZAP only); null + errno on failure. */
export function zmq_socket(ctx: Context, type: number): SocketHandle | null {
  const make = type === ZMQ_PEER ? Peer : type === ZMQ_SERVER ? Server : type === ZMQ_CLIENT ? Client : type === ZMQ_REP ? ZapResponder : undefined;
  const error = !(ctx instanceof Context) ? 'EFAULT' : ctx.terminated ? 'ETERM' : make ? undefined : 'EINVAL';
  if (error || !make) {
    fail(error ?? 'EINVAL');
    return null;
  }
  const handle = Object.freeze(Object.create(null)) as SocketHandle;
  handles.set(handle, { socket: new make({ context: ctx }), type });
  return handle;
}

/** `int zmq_close (void *socket);` — waits for the socket's linger. */
export async function zmq_close(s: SocketHandle | null): Promise<number> {
  const state = typeof s === 'object' && s !== null ? handles.get(s) : undefined;
  if (!s || !state) return fail('ENOTSOCK');
  handles.delete(s);
  await state.socket.close();
  return 0;
}

/** The handle's socket unless it is the ZAP-only REP, which cannot connect, send to peers or take options (ENOTSUP). */
function wireSocketOf(s: unknown): Peer | Server | Client {
  const { socket } = stateOf(s);
  if (socket instanceof ZapResponder) throw new ZmqError('ENOTSUP', { detail: 'ZMQ_REP serves ZAP only' });
  return socket;
}

/** `int zmq_bind (void *socket, const char *endpoint);` — ZMQ_REP binds inproc://zeromq.zap.01 only. */
export function zmq_bind(s: SocketHandle | null, endpoint: string): Promise<number> {
  return attemptAsync(async () => stateOf(s).socket.bind(endpoint));
}

/** `int zmq_unbind (void *socket, const char *endpoint);` */
export function zmq_unbind(s: SocketHandle | null, endpoint: string): Promise<number> {
  return attemptAsync(async () => stateOf(s).socket.unbind(endpoint));
}

/** `int zmq_connect (void *socket, const char *endpoint);` */
export function zmq_connect(s: SocketHandle | null, endpoint: string): number {
  return attempt(() => wireSocketOf(s).connect(endpoint));
}

/**
 * `uint32_t zmq_connect_peer (void *socket, const char *endpoint);` — the new peer's routing id,
 * or 0 with errno: ENOTSOCK, ETERM, ENOTSUP (not a PEER), EFAULT (ZMQ_IMMEDIATE set), or the
 * endpoint's EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO, EMTHREAD, ENAMETOOLONG.
 */
export function zmq_connect_peer(s: SocketHandle | null, endpoint: string): number {
  try {
    const socket = wireSocketOf(s);
    if (!(socket instanceof Peer)) throw new ZmqError('ENOTSUP');
    return socket.connectPeer(endpoint);
  } catch (err) {
    failWith(err);
    return 0;
  }
}

/** `int zmq_disconnect (void *socket, const char *endpoint);` */
export function zmq_disconnect(s: SocketHandle | null, endpoint: string): number {
  return attempt(() => wireSocketOf(s).disconnect(endpoint));
}

/**
 * A socket option value: numbers (booleans as 0/1), strings, or bytes for the *_MSG options, the
 * PLAIN credentials and the CURVE keys (32 bytes or 40 Z85 characters).
 */
export type SockoptValue = number | boolean | string | Uint8Array | null;

/**
 * `int zmq_setsockopt (void *socket, int option, const void *optval, size_t optvallen);` — a
 * security option first clears the ones that would select another mechanism or role (libzmq's
 * last-wins order). ZMQ_REP takes ZMQ_LINGER (and ignores it) and nothing else.
 */
export function zmq_setsockopt(s: SocketHandle | null, option: number, value: SockoptValue): number {
  return attempt(() => {
    const { socket } = stateOf(s);
    const name = OPTION_NAMES[option];
    if (socket instanceof ZapResponder) {
      if (option !== ZMQ_LINGER) throw new ZmqError('EINVAL', { detail: `ZMQ_REP (ZAP only) takes no option ${option}` });
      return;
    }
    if (name === undefined) throw new ZmqError('EINVAL', { detail: `unknown or read-only option ${option}` });
    // Checked first, so that a bad value leaves the other options as they were.
    checkOption(name, value);
    for (const cleared of clearedBy(name, value)) if (cleared !== name) socket.setOption(cleared, DEFAULT_OPTIONS[cleared] as never);
    socket.setOption(name, value as SocketOptions[typeof name]);
  });
}

/**
 * `int zmq_getsockopt (void *socket, int option, void *optval, size_t *optvallen);` — the value
 * (booleans as 0/1, ZMQ_LAST_ENDPOINT a string, ZMQ_TYPE the type number), or undefined with
 * errno. The *_MSG options are write-only, as in libzmq.
 */
export function zmq_getsockopt(s: SocketHandle | null, option: number): number | string | undefined {
  try {
    const state = stateOf(s);
    const { socket, type } = state;
    if (option === ZMQ_TYPE) return type;
    if (socket instanceof ZapResponder) {
      if (option === ZMQ_RCVMORE) return state.received && state.received.length > 0 ? 1 : 0;
      throw new ZmqError('EINVAL', { detail: `ZMQ_REP (ZAP only) has no option ${option}` });
    }
    if (option === ZMQ_LAST_ENDPOINT) return socket.lastEndpoint;
    if (option === ZMQ_RCVMORE) return 0;
    const security = securityOf(socket.options);
    if (option === ZMQ_MECHANISM) return MECHANISMS.indexOf(security.mechanism);
    // libzmq answers "as_server && mechanism == PLAIN" (or CURVE) for the server flags.
    if (option === ZMQ_PLAIN_SERVER) return Number(security.mechanism === 'PLAIN' && security.role === 'server');
    if (option === ZMQ_CURVE_SERVER) return Number(security.mechanism === 'CURVE' && security.role === 'server');
    const name = OPTION_NAMES[option];
    if (name === undefined || WRITE_ONLY.has(option)) throw new ZmqError('EINVAL', { detail: `option ${option} cannot be read` });
    const value = socket.getOption(name);
    // Keys come back as Z85 (libzmq: with a 41-byte buffer), credentials as text.
    if (name === 'curvePublicKey' || name === 'curveSecretKey' || name === 'curveServerKey') return value ? z85Encode(value as Uint8Array) : '';
    if (name === 'plainUsername' || name === 'plainPassword') return value ? Buffer.from(value as Uint8Array).toString('utf8') : '';
    if (typeof value === 'string') return value;
    return typeof value === 'boolean' ? Number(value) : (value as number);
  } catch (err) {
    failWith(err);
    return undefined;
  }
}

// --- Messages ------------------------------------------------------------------------------------

/** The `zmq_msg_t` of the C API: bytes and a routing id. Use the zmq_msg_* functions on it. */
export interface ZmqMsg {
  readonly __zmqMsg: never;
}

interface MsgState {
  data: Buffer;
  routingId: number;
  /** ZMQ_REP: more frames of the same request follow (zmq_msg_more). */
  more: boolean;
}

const messages = new WeakMap<object, MsgState>();

function msgOf(msg: unknown): MsgState {
  const state = typeof msg === 'object' && msg !== null ? messages.get(msg) : undefined;
  if (!state) throw new ZmqError('EFAULT', { detail: 'not an open message' });
  return state;
}

function newMsg(data: Buffer): ZmqMsg {
  const msg = Object.freeze(Object.create(null)) as ZmqMsg;
  messages.set(msg, { data, routingId: 0, more: false });
  return msg;
}

/** `int zmq_msg_init (zmq_msg_t *msg);` — an empty message. */
export function zmq_msg_init(): ZmqMsg {
  return newMsg(Buffer.alloc(0));
}

/** `int zmq_msg_init_data (zmq_msg_t *msg, void *data, size_t size, …);` — copies the bytes (strings as UTF-8). */
export function zmq_msg_init_data(data: Uint8Array | string): ZmqMsg {
  return newMsg(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
}

/** `int zmq_msg_set_routing_id (zmq_msg_t *message, uint32_t routing_id);` — 0 is EINVAL. */
export function zmq_msg_set_routing_id(msg: ZmqMsg, routingId: number): number {
  return attempt(() => {
    const state = msgOf(msg);
    if (!Number.isInteger(routingId) || routingId < 1 || routingId > 0xffffffff) throw new ZmqError('EINVAL');
    state.routingId = routingId;
  });
}

/** `uint32_t zmq_msg_routing_id (zmq_msg_t *message);` — 0 when unset. */
export function zmq_msg_routing_id(msg: ZmqMsg): number {
  return messages.get(msg)?.routingId ?? 0;
}

/** `void *zmq_msg_data (zmq_msg_t *msg);` — the bytes themselves, not a copy. */
export function zmq_msg_data(msg: ZmqMsg): Buffer {
  return messages.get(msg)?.data ?? Buffer.alloc(0);
}

/** `size_t zmq_msg_size (const zmq_msg_t *msg);` */
export function zmq_msg_size(msg: ZmqMsg): number {
  return messages.get(msg)?.data.length ?? 0;
}

/** `int zmq_msg_more (zmq_msg_t *message);` — 1 when more frames of the same message follow (ZMQ_REP only). */
export function zmq_msg_more(msg: ZmqMsg): number {
  return messages.get(msg)?.more ? 1 : 0;
}

/** `int zmq_msg_close (zmq_msg_t *msg);` — EFAULT for a message that is not open. */
export function zmq_msg_close(msg: ZmqMsg): number {
  return messages.delete(msg) ? 0 : fail('EFAULT');
}

/**
 * Runs `call` with `name` set to 0 (ZMQ_DONTWAIT). Sound because send and receive read their
 * timeout synchronously, before their first await.
 */
function withZero<T>(socket: Peer | Server | Client, name: 'sendTimeout' | 'receiveTimeout', on: boolean, call: () => T): T {
  if (!on) return call();
  const saved = socket.getOption(name);
  socket.setOption(name, 0);
  try {
    return call();
  } finally {
    socket.setOption(name, saved);
  }
}

/**
 * `int zmq_msg_send (zmq_msg_t *msg, void *socket, int flags);` — the byte count, after which the
 * message is empty (its bytes now belong to the socket). -1 with errno: EHOSTUNREACH (routing id
 * 0 or unknown), EINVAL (ZMQ_SNDMORE), EAGAIN (at the HWM with ZMQ_DONTWAIT, or after SNDTIMEO).
 */
export async function zmq_msg_send(msg: ZmqMsg, s: SocketHandle | null, flags = 0): Promise<number> {
  try {
    const handle = stateOf(s);
    const { socket } = handle;
    const state = msgOf(msg);
    if (socket instanceof ZapResponder) return sendReplyFrame(handle, socket, state, flags);
    // PEER, SERVER and CLIENT are all single-frame sockets.
    if (flags & ZMQ_SNDMORE) throw new ZmqError('EINVAL', { detail: 'multipart messages are not allowed' });
    const { data, routingId } = state;
    await withZero(socket, 'sendTimeout', (flags & ZMQ_DONTWAIT) !== 0, () =>
      socket instanceof Client ? socket.send(data) : socket.send(routingId, data),
    );
    state.data = Buffer.alloc(0);
    state.routingId = 0;
    return data.length;
  } catch (err) {
    return failWith(err);
  }
}

/**
 * `int zmq_msg_recv (zmq_msg_t *msg, void *socket, int flags);` — fills `msg` with the next
 * message and its routing id (0 on CLIENT); the byte count, or -1 with errno: EAGAIN (nothing
 * with ZMQ_DONTWAIT, or after RCVTIMEO), ETERM, ENOTSOCK.
 */
export async function zmq_msg_recv(msg: ZmqMsg, s: SocketHandle | null, flags = 0): Promise<number> {
  try {
    const handle = stateOf(s);
    const { socket } = handle;
    const state = msgOf(msg);
    if (socket instanceof ZapResponder) return await receiveRequestFrame(handle, socket, state);
    const dontwait = (flags & ZMQ_DONTWAIT) !== 0;
    const received = await withZero(socket, 'receiveTimeout', dontwait, () =>
      socket instanceof Client ? socket.receive().then((data) => ({ routingId: 0, data })) : socket.receive(),
    );
    state.data = received.data;
    state.routingId = received.routingId;
    return received.data.length;
  } catch (err) {
    return failWith(err);
  }
}

/** ZMQ_REP (ZAP): one frame of the reply; the last one (no ZMQ_SNDMORE) sends them all. */
function sendReplyFrame(handle: HandleState, responder: ZapResponder, state: MsgState, flags: number): number {
  const frames = (handle.replying ??= []);
  const data = state.data;
  frames.push(data);
  state.data = Buffer.alloc(0);
  if (!(flags & ZMQ_SNDMORE)) {
    handle.replying = undefined;
    responder.send(frames);
  }
  return data.length;
}

/** ZMQ_REP (ZAP): the next frame of the current request, receiving the next request when it is used up. */
async function receiveRequestFrame(handle: HandleState, responder: ZapResponder, state: MsgState): Promise<number> {
  if (!handle.received || handle.received.length === 0) handle.received = await responder.receive();
  const frame = handle.received.shift()!;
  state.data = frame;
  state.routingId = 0;
  state.more = handle.received.length > 0;
  return frame.length;
}

// --- CURVE keys and Z85 ---------------------------------------------------------------------------

/**
 * `int zmq_curve_keypair (char *z85_public_key, char *z85_secret_key);` — a fresh key pair in
 * Z85 (40 characters each). A Promise: libsodium is loaded on first use.
 */
export function zmq_curve_keypair(): Promise<CurveKeyPairText> {
  return curveKeypair();
}

/**
 * `int zmq_curve_public (char *z85_public_key, const char *z85_secret_key);` — the public key of
 * a Z85 secret key, or null with errno EINVAL for text that is not 40 Z85 characters.
 */
export async function zmq_curve_public(secretKey: string): Promise<string | null> {
  try {
    if (typeof secretKey !== 'string') throw new ZmqError('EINVAL');
    return await curvePublic(secretKey);
  } catch (err) {
    failWith(err);
    return null;
  }
}

/** `char *zmq_z85_encode (char *dest, const uint8_t *data, size_t size);` — null with errno EINVAL unless size is a multiple of 4. */
export function zmq_z85_encode(data: Uint8Array): string | null {
  try {
    return z85Encode(data);
  } catch (err) {
    failWith(err);
    return null;
  }
}

/** `uint8_t *zmq_z85_decode (uint8_t *dest, const char *string);` — null with errno EINVAL for text that is not Z85. */
export function zmq_z85_decode(text: string): Uint8Array | null {
  try {
    return z85Decode(text);
  } catch (err) {
    failWith(err);
    return null;
  }
}
