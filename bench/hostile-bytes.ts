/**
 * The bytes the soak benchmark's hostile peers write, built by hand (as the tests' raw peers
 * build theirs, independently of core/zmtp and core/zws): a ZMTP greeting and READY, PING
 * commands and empty messages, a ZWS upgrade request, masked WebSocket pings and messages.
 */
import { randomBytes } from 'node:crypto';

/** 64-byte ZMTP 3.1 greeting, NULL mechanism, then READY with Socket-Type PEER (RFC 23). */
export function zmtpHandshake(): Buffer {
  const greeting = Buffer.alloc(64);
  greeting[0] = 0xff;
  greeting[9] = 0x7f;
  greeting[10] = 3;
  greeting[11] = 1;
  greeting.write('NULL', 12, 'latin1');
  const property = Buffer.concat([Buffer.from([11]), Buffer.from('Socket-Type', 'latin1'), Buffer.from([0, 0, 0, 4]), Buffer.from('PEER', 'latin1')]);
  const body = Buffer.concat([Buffer.from([5]), Buffer.from('READY', 'latin1'), property]);
  return Buffer.concat([greeting, Buffer.from([0x04, body.length]), body]);
}

/** `unit` repeated to about 64 KiB: the block an attacker writes at a time. */
export function block(unit: Buffer): Buffer {
  return Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65536 / unit.length)) }, () => unit));
}

/** ZMTP PING, TTL 0, no context: `04 07 04 PING 00 00`. */
export const ZMTP_PING = Buffer.from('04070450494e470000', 'hex');
/** An empty ZMTP message: `00 00`. */
export const ZMTP_EMPTY = Buffer.from('0000', 'hex');

/** A ZWS 2.0 upgrade request as libzmq sends it; `key` may be made invalid on purpose. */
export function upgradeRequest(key = randomBytes(16).toString('base64')): Buffer {
  return Buffer.from(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

/** One masked client frame (RFC 6455 §5.2) with a payload under 126 bytes. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const key = randomBytes(4);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), key, masked]);
}

/** READY as a ZWS command message (flags 02), masked. */
export function zwsReady(): Buffer {
  const property = Buffer.concat([Buffer.from([11]), Buffer.from('Socket-Type', 'latin1'), Buffer.from([0, 0, 0, 4]), Buffer.from('PEER', 'latin1')]);
  return maskedFrame(0x2, Buffer.concat([Buffer.from([0x02, 5]), Buffer.from('READY', 'latin1'), property]));
}

/** A masked, empty WebSocket ping. */
export const wsPing = (): Buffer => maskedFrame(0x9, Buffer.alloc(0));
/** A masked ZWS message with no body (just the flags byte). */
export const wsEmpty = (): Buffer => maskedFrame(0x2, Buffer.from([0]));
