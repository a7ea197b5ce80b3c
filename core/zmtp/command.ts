/**
 * ZMTP commands (RFC 23 §"Commands", RFC 37): READY metadata, ERROR, PING and PONG bodies, parsed
 * strictly and encoded. Part of the pure codec (see constants.ts).
 */
import { PROTOCOL_ERROR, ZmtpError } from '../errors';
import { PING_CONTEXT_MAX } from './constants';

/** A command frame's body split into its name and data (RFC 23 §"Commands"). */
export interface Command {
  readonly name: string;
  readonly data: Uint8Array;
}

/** Metadata properties in wire order (RFC 23 §"The READY command"). */
export type Properties = ReadonlyArray<readonly [name: string, value: Uint8Array]>;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Splits a command body. A body too short for its own name is malformed. */
export function parseCommand(body: Uint8Array): Command {
  if (body.length < 1 || body[0] > body.length - 1) {
    throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND', `Malformed command: body of ${body.length} bytes cannot hold its name`, PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED);
  }
  const length = body[0];
  let name = '';
  for (let i = 1; i <= length; i++) name += String.fromCharCode(body[i]);
  return { name, data: body.subarray(1 + length) };
}

/** Whether a command body starts with `len name` — libzmq checks the prefix, not the COMMAND flag. */
export function isCommandNamed(body: Uint8Array, name: string): boolean {
  if (body.length < 1 + name.length || body[0] !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (body[1 + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Encodes `name-len(1) name value-len(4, BE) value` for each property. */
export function encodeProperties(properties: Properties): Uint8Array {
  const encoded = properties.map(([name, value]) => {
    if (name.length < 1 || name.length > 255 || !/^[\x21-\x7e]+$/.test(name)) {
      throw new RangeError(`Invalid metadata property name ${JSON.stringify(name)}`);
    }
    return [name, value] as const;
  });
  let size = 0;
  for (const [name, value] of encoded) size += 1 + name.length + 4 + value.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const [name, value] of encoded) {
    out[offset++] = name.length;
    for (let i = 0; i < name.length; i++) out[offset++] = name.charCodeAt(i);
    view.setUint32(offset, value.length);
    offset += 4;
    out.set(value, offset);
    offset += value.length;
  }
  return out;
}

/**
 * Parses metadata strictly, as libzmq's `mechanism_t::parse_metadata` does: a truncated field or
 * a stray trailing byte fails the handshake (libzmq then closes without a HANDSHAKE_FAILED event).
 */
export function parseProperties(data: Uint8Array): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  while (offset < data.length) {
    const nameLength = data[offset];
    if (offset + 1 + nameLength + 4 > data.length) throw invalidMetadata(`property at byte ${offset} is truncated`);
    let name = '';
    for (let i = 0; i < nameLength; i++) name += String.fromCharCode(data[offset + 1 + i]);
    offset += 1 + nameLength;
    const valueLength = view.getUint32(offset);
    offset += 4;
    if (valueLength > data.length - offset) throw invalidMetadata(`value of ${JSON.stringify(name)} is truncated`);
    out.push([name, data.subarray(offset, offset + valueLength)]);
    offset += valueLength;
  }
  return out;
}

function invalidMetadata(detail: string): ZmtpError {
  return new ZmtpError('ERR_ZMTP_INVALID_METADATA', `Malformed READY metadata: ${detail}`);
}

/** READY's data: `Socket-Type` first, then application properties (libzmq's order). */
export function encodeReadyData(socketType: string, extra: Properties = []): Uint8Array {
  return encodeProperties([['Socket-Type', textEncoder.encode(socketType)], ...extra]);
}

/** A property value as text (UTF-8, replacement characters for invalid bytes). */
export function propertyText(value: Uint8Array): string {
  return textDecoder.decode(value);
}

/** A PING's fields (RFC 37 §"The PING command"). */
export interface Ping {
  /** Time-to-live in deciseconds (the wire unit). */
  readonly ttl: number;
  readonly context: Uint8Array;
}

/** `TTL(2, BE, deciseconds) context`. libzmq sends no context. */
export function encodePingData(ttlDeciseconds: number, context: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(2 + Math.min(context.length, PING_CONTEXT_MAX));
  out[0] = (ttlDeciseconds >>> 8) & 0xff;
  out[1] = ttlDeciseconds & 0xff;
  out.set(context.subarray(0, PING_CONTEXT_MAX), 2);
  return out;
}

export function parsePingData(data: Uint8Array): Ping {
  if (data.length < 2) {
    throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND', 'Malformed PING: shorter than its 2-byte TTL', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_UNSPECIFIED);
  }
  return { ttl: (data[0] << 8) | data[1], context: data.subarray(2) };
}

/** A PONG echoes the PING's context, truncated to 16 bytes (libzmq test_heartbeats asserts this). */
export function pongDataFor(ping: Ping): Uint8Array {
  return ping.context.subarray(0, PING_CONTEXT_MAX);
}

/** ERROR's data: `reason-len(1) reason` (RFC 23 §"The ERROR command"). */
export function encodeErrorData(reason: string): Uint8Array {
  const bytes = textEncoder.encode(reason).subarray(0, 255);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function parseErrorData(data: Uint8Array): string {
  if (data.length < 1 || data[0] > data.length - 1) {
    throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND_ERROR', 'Malformed ERROR command: reason length exceeds the body', PROTOCOL_ERROR.ZMTP_MALFORMED_COMMAND_ERROR);
  }
  return textDecoder.decode(data.subarray(1, 1 + data[0]));
}
