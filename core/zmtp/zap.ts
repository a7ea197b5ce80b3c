/**
 * ZAP, the ZeroMQ Authentication Protocol (RFC 27), as libzmq 4.3.4 speaks it
 * (src/zap_client.cpp): the request a server's mechanism makes, the reply frames and libzmq's
 * checks of them, each failing with its `ZMQ_PROTOCOL_ERROR_ZAP_*` value. The handler itself is
 * an application callback or a REP-like responder (core/socket/zap-responder.ts). Part of the pure
 * codec (see constants.ts).
 */
import { PROTOCOL_ERROR, ZmtpError, type ZmtpErrorCode } from '../errors';
import { encodeProperties, parseProperties } from './command';
import type { MechanismName } from './constants';
import { z85Encode } from './z85';

/** RFC 27: the only version. */
export const ZAP_VERSION = '1.0';
/** libzmq sends "1" as every request id, and checks the reply's against it. */
export const ZAP_REQUEST_ID = '1';
/** The endpoint a ZAP handler binds in the server's context (RFC 27). */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A ZAP request (RFC 27 §"Request"), as the handler sees it. */
export interface ZapRequest {
  /** ZMQ_ZAP_DOMAIN of the server socket ('' when unset). */
  readonly domain: string;
  /** The client's IP address as text (libzmq sends no port); '' where there is none (ipc). */
  readonly address: string;
  /** The server socket's own ZMQ_ROUTING_ID, not the client's (libzmq's choice): empty for PEER. */
  readonly routingId: Uint8Array;
  readonly mechanism: MechanismName;
  /** NULL: none. PLAIN: user name and password. CURVE: the client's 32-byte long-term public key. */
  readonly credentials: readonly Uint8Array[];
}

/** A ZAP reply (RFC 27 §"Reply") as the engine uses it, after libzmq's checks. */
export interface ZapReply {
  /** 200 (accepted), 300 (temporary failure), 400 (authentication failure) or 500 (internal error). */
  readonly status: number;
  readonly statusText: string;
  /** Becomes the peer's `User-Id` property (empty: none). */
  readonly userId: Uint8Array;
  /** Merged into the peer's properties, ahead of what its READY/INITIATE said. */
  readonly metadata: ReadonlyArray<readonly [string, Uint8Array]>;
}

/** The request's frames after REP's envelope: version, request id, domain, address, identity, mechanism, credentials. */
export function zapRequestFrames(request: ZapRequest): Uint8Array[] {
  return [
    encoder.encode(ZAP_VERSION),
    encoder.encode(ZAP_REQUEST_ID),
    encoder.encode(request.domain),
    encoder.encode(request.address),
    request.routingId,
    encoder.encode(request.mechanism),
    ...request.credentials,
  ];
}

/** The request `zapRequestFrames` made, read back (the responder hands frames, handlers objects). */
export function parseZapRequest(frames: readonly Uint8Array[]): ZapRequest {
  return {
    domain: decoder.decode(frames[2]),
    address: decoder.decode(frames[3]),
    routingId: frames[4],
    mechanism: decoder.decode(frames[5]) as MechanismName,
    credentials: frames.slice(6),
  };
}

/** A request as a {@link ZapHandler} gets it: the frames' contents, and the credentials read for it. */
export interface ZapHandlerRequest extends ZapRequest {
  /** PLAIN: the user name, as UTF-8 text. */
  readonly username?: string;
  /** PLAIN: the password, as UTF-8 text. */
  readonly password?: string;
  /** CURVE: the client's long-term public key in Z85 (40 characters). */
  readonly clientKey?: string;
}

/**
 * An in-process ZAP handler: decides about one client per handshake. 200 lets it in (`userId`
 * becomes its `User-Id` property, `metadata` joins its properties); 300 (temporary failure) closes
 * the connection without a word; 400 and 500 send the client an ERROR with the code first. A
 * handler that throws, or does not answer within the socket's handshakeInterval, counts as 500.
 */
export type ZapHandler = (request: ZapHandlerRequest) => ZapReplyFields | Promise<ZapReplyFields>;

/** The request a {@link ZapHandler} is given: the PLAIN credentials as text, the CURVE key in Z85. */
export function zapHandlerRequest(request: ZapRequest): ZapHandlerRequest {
  if (request.mechanism === 'PLAIN' && request.credentials.length === 2) {
    return { ...request, username: decoder.decode(request.credentials[0]), password: decoder.decode(request.credentials[1]) };
  }
  if (request.mechanism === 'CURVE' && request.credentials.length === 1 && request.credentials[0].length === 32) {
    return { ...request, clientKey: z85Encode(request.credentials[0]) };
  }
  return request;
}

/** A reply as an application writes it. */
export interface ZapReplyFields {
  readonly status: number;
  readonly statusText?: string;
  readonly userId?: string | Uint8Array;
  readonly metadata?: Readonly<Record<string, string | Uint8Array>>;
}

/** The six frames of a reply (version, request id, status, text, user id, metadata) for `fields`. */
export function zapReplyFrames(fields: ZapReplyFields): Uint8Array[] {
  const bytes = (value: string | Uint8Array | undefined): Uint8Array => (typeof value === 'string' ? encoder.encode(value) : (value ?? new Uint8Array(0)));
  const metadata = Object.entries(fields.metadata ?? {}).map(([name, value]) => [name, bytes(value)] as const);
  return [
    encoder.encode(ZAP_VERSION),
    encoder.encode(ZAP_REQUEST_ID),
    encoder.encode(String(fields.status)),
    encoder.encode(fields.statusText ?? ''),
    bytes(fields.userId),
    encodeProperties(metadata),
  ];
}

function zapError(code: ZmtpErrorCode, detail: string, protocolError: number): ZmtpError {
  return new ZmtpError(code, `Invalid ZAP reply: ${detail}`, { protocolError, step: 'ZAP' });
}

/**
 * Checks a reply as libzmq's `receive_and_process_zap_reply` does: six frames, version "1.0", the
 * request id "1", a status of 200, 300, 400 or 500, metadata in ZMTP property encoding.
 */
export function parseZapReply(frames: readonly Uint8Array[]): ZapReply {
  if (frames.length !== 6) throw zapError('ERR_ZAP_MALFORMED_REPLY', `${frames.length} frames instead of 6`, PROTOCOL_ERROR.ZAP_MALFORMED_REPLY);
  const [version, requestId, status, statusText, userId, metadata] = frames;
  if (decoder.decode(version) !== ZAP_VERSION) {
    throw zapError('ERR_ZAP_BAD_VERSION', `version ${JSON.stringify(decoder.decode(version))} (expected "1.0")`, PROTOCOL_ERROR.ZAP_BAD_VERSION);
  }
  if (decoder.decode(requestId) !== ZAP_REQUEST_ID) {
    throw zapError('ERR_ZAP_BAD_REQUEST_ID', `request id ${JSON.stringify(decoder.decode(requestId))} (expected "1")`, PROTOCOL_ERROR.ZAP_BAD_REQUEST_ID);
  }
  const statusCode = decoder.decode(status);
  if (!/^[2-5]00$/.test(statusCode)) {
    throw zapError('ERR_ZAP_INVALID_STATUS_CODE', `status ${JSON.stringify(statusCode)} (200, 300, 400 or 500)`, PROTOCOL_ERROR.ZAP_INVALID_STATUS_CODE);
  }
  let properties: Array<[string, Uint8Array]>;
  try {
    properties = parseProperties(metadata);
  } catch {
    throw zapError('ERR_ZAP_INVALID_METADATA', 'metadata is not in ZMTP property encoding', PROTOCOL_ERROR.ZAP_INVALID_METADATA);
  }
  return { status: Number(statusCode), statusText: decoder.decode(statusText), userId, metadata: properties };
}
