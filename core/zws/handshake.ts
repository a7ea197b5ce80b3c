/**
 * The WebSocket opening handshake as ZWS uses it (RFC 6455 §4, RFC 45): keys, the accept hash,
 * sub-protocol choice and the 101 response libzmq's client expects.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 6455 §1.3: the GUID appended to the client's key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The sub-protocols we speak, in order of preference (RFC 45; protocol.md §3.7). */
export const ZWS_NULL = 'ZWS2.0/NULL';
export const ZWS_BARE = 'ZWS2.0';
/** What a client offers, exactly as libzmq does (no space after the comma). */
export const ZWS_OFFER = `${ZWS_NULL},${ZWS_BARE}`;

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

/** The sub-protocol a server picks from a client's offer: ZWS2.0/NULL first, else bare ZWS2.0. */
export function chooseProtocol(offer: string | undefined): string | undefined {
  const offered = (offer ?? '').split(',').map((token) => token.trim());
  if (offered.includes(ZWS_NULL)) return ZWS_NULL;
  if (offered.includes(ZWS_BARE)) return ZWS_BARE;
  return undefined;
}
