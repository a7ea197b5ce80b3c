/**
 * Wire constants of ZMTP 3.x (RFC 23/ZMTP 3.0 and RFC 37/ZMTP 3.1).
 *
 * This folder is a pure codec over Uint8Array: no `node:*` imports, no Node globals such as
 * Buffer (the decoder's allocator is given by the engine), no I/O, so that it can run anywhere
 * (the extension host, a worker, the webview's hex inspector). The layering test checks it.
 */

/** RFC 23 §"Framing": bit 0 of the flags byte, more frames follow. */
export const FLAG_MORE = 0x01;
/** RFC 23: bit 1, the size field is 8 bytes (big-endian) instead of 1. */
export const FLAG_LONG = 0x02;
/** RFC 23: bit 2, the frame is a command. */
export const FLAG_COMMAND = 0x04;

/** RFC 23 §"Greeting": signature (10) + version (2) + mechanism (20) + as-server (1) + filler (31). */
export const GREETING_SIZE = 64;
/** Bytes of the greeting's signature: FF, 8 bytes of padding, 7F. */
export const SIGNATURE_SIZE = 10;
/** Length of the mechanism field, NUL padded. */
export const MECHANISM_SIZE = 20;

/** Bodies up to this many bytes use the 1-byte size form (libzmq's encoder does the same). */
export const SHORT_FRAME_MAX = 255;

/** RFC 37: a PING's context, and so a PONG's, carries at most 16 bytes. */
export const PING_CONTEXT_MAX = 16;

/** The property name libzmq validates in READY (compared case-sensitively, libzmq mechanism_t). */
export const SOCKET_TYPE_PROPERTY = 'Socket-Type';

/**
 * The security mechanisms libzmq knows, as greetings (RFC 23 §"Greeting") and ZWS sub-protocols
 * name them; ZMQ_MECHANISM numbers them ZMQ_NULL 0, ZMQ_PLAIN 1, ZMQ_CURVE 2 in this order.
 */
export const MECHANISMS = ['NULL', 'PLAIN', 'CURVE'] as const;
export type MechanismName = (typeof MECHANISMS)[number];
