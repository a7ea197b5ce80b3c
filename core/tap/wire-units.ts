/**
 * The units a tap's scanners find in a relayed byte stream, and the interface through which they
 * hand them on. ZMTP (tcp, ipc) and ZWS (ws) streams are cut into the same units, so that one
 * reader interprets both: ZWS frames carry the ZMTP flags they stand for. Types only, and pure.
 */

/** Where a scanner delivers what it finds, in stream order. */
export interface WireUnits {
  /**
   * ZMTP's 64-byte greeting is complete (RFC 23 §"Greeting"). `end` is the offset just past it in
   * the chunk being scanned, so that the relay can hold back what follows.
   */
  greeting(raw: Uint8Array, end: number): void;
  /** ZWS: the HTTP upgrade request or response head is complete, up to its blank line (RFC 6455 §4). */
  httpHead(raw: Uint8Array, end: number): void;
  /**
   * A whole frame: ZMTP flags (MORE 0x01, LONG 0x02, COMMAND 0x04), the body's size, and its
   * first bytes — as many as {@link CaptureLimits} allowed: a view of the pushed chunk or a copy,
   * valid either way (see {@link WireScanner.push}); not to be changed.
   */
  frame(flags: number, size: number, head: Uint8Array): void;
  /** ZWS: a WebSocket control frame (RFC 6455 §5.5: 8 close, 9 ping, 10 pong) and its unmasked payload. */
  control(opcode: number, payload: Uint8Array): void;
  /** The stream cannot be decoded from here on (a ZMTP 1.0/2.0 peer, a bad frame); it is still relayed. */
  undecodable(reason: string, raw: Uint8Array): void;
}

/** How many body bytes a scanner copies out of each frame. */
export interface CaptureLimits {
  /** For a frame with these flags (commands are wanted whole, data frames up to the snapshot length). */
  bytesFor(flags: number): number;
}

/** A scanner: pushes chunks through, calling its {@link WireUnits}. */
export interface WireScanner {
  /**
   * Scans the next chunk of the stream. The chunk must not be changed or reused afterwards (a
   * network read gives a fresh one each time): the bytes handed on may be views of it.
   */
  push(chunk: Uint8Array): void;
  /** Stops scanning for good; later chunks are ignored (the relay goes on). */
  stop(): void;
  readonly stopped: boolean;
}
