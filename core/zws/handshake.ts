/**
 * The WebSocket opening handshake as ZWS uses it (RFC 6455 §4, RFC 45): keys, the accept hash,
 * sub-protocol choice (by security mechanism, as libzmq's ws_engine_t::select_protocol) and the
 * 101 response libzmq's client expects.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { MechanismName } from '../zmtp/mechanism';

/** RFC 6455 §1.3: the GUID appended to the client's key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The sub-protocols we speak, in order of preference (RFC 45; protocol.md §3.7). */
export const ZWS_NULL = 'ZWS2.0/NULL';
export const ZWS_BARE = 'ZWS2.0';
/** What a NULL client offers, exactly as libzmq does (no space after the comma). */
export const ZWS_OFFER = `${ZWS_NULL},${ZWS_BARE}`;

/** The sub-protocol of a mechanism: ZWS2.0/NULL, ZWS2.0/PLAIN, ZWS2.0/CURVE (libzmq's names; RFC 45 lists only NULL). */
export function zwsProtocol(mechanism: MechanismName): string {
  return `ZWS2.0/${mechanism}`;
}

/** What a client offers for its mechanism, as libzmq: NULL also offers bare ZWS2.0, PLAIN and CURVE only themselves. */
export function zwsOffer(mechanism: MechanismName): string {
  return mechanism === 'NULL' ? ZWS_OFFER : zwsProtocol(mechanism);
}

/** A fresh Sec-WebSocket-Key: 16 random bytes in base64. */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/**
 * The 101 response, byte for byte what libzmq's ws engine sends (protocol.md §3.4): its client
 * requires `Connection: Upgrade` alone and exactly one Sec-WebSocket-Protocol value.
 */
export function switchingProtocolsResponse(key: string, protocol: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n` +
    `Sec-WebSocket-Protocol: ${protocol}\r\n` +
    '\r\n'
  );
}

/**
 * The sub-protocol a server picks from a client's offer: for NULL, ZWS2.0/NULL first, else bare
 * ZWS2.0; for PLAIN and CURVE, their own sub-protocol only.
 */
export function chooseProtocol(offer: string | undefined, mechanism: MechanismName = 'NULL'): string | undefined {
  const offered = offeredProtocols(offer);
  if (mechanism !== 'NULL') return offered.includes(zwsProtocol(mechanism)) ? zwsProtocol(mechanism) : undefined;
  if (offered.includes(ZWS_NULL)) return ZWS_NULL;
  if (offered.includes(ZWS_BARE)) return ZWS_BARE;
  return undefined;
}

/** The sub-protocols in a Sec-WebSocket-Protocol value. */
export function offeredProtocols(offer: string | undefined): string[] {
  return (offer ?? '').split(',').map((token) => token.trim()).filter((token) => token !== '');
}

/** The mechanism a ZWS sub-protocol names ('NULL' for bare ZWS2.0), or undefined for anything else. */
export function mechanismOfProtocol(protocol: string): MechanismName | undefined {
  if (protocol === ZWS_BARE) return 'NULL';
  const match = /^ZWS2\.0\/(NULL|PLAIN|CURVE)$/.exec(protocol);
  return match ? (match[1] as MechanismName) : undefined;
}
