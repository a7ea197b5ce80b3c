/**
 * What a tap reports: one record per greeting, command, message or event it sees on a relayed
 * connection, as plain data that a terminal, an NDJSON file, a pcapng writer or a debugger view
 * can each render. Types only. A record's bytes may be views of the bytes the tap relayed, shared by
 * every listener: read them, never change them.
 */

/** Which end of a relayed connection sent something: the application that connected to the tap, or the upstream it relays to. */
export type TapSide = 'app' | 'upstream';

/** What happens when the upstream cannot be reached (README "The tap"). */
export type TapPolicy = 'mirror' | 'hold';

/** Fields every record has. */
interface RecordBase {
  /** Milliseconds since the epoch, with microseconds in the fraction. */
  readonly time: number;
  /** The relayed connection (1, 2, …); 0 for events of the tap itself (its listener, the upstream probe). */
  readonly connection: number;
  /** The sender; absent for events about the connection or the tap as a whole. */
  readonly from?: TapSide;
  /** The sender's socket type, once its READY (or PLAIN INITIATE) named it. */
  readonly socketType?: string;
}

/**
 * A greeting: ZMTP's 64 bytes (RFC 23 §"Greeting"), the WebSocket upgrade request or its 101
 * response (RFC 45), or the first bytes of a ZMTP 1.0/2.0 peer, which the tap relays undecoded.
 */
export interface GreetingRecord extends RecordBase {
  readonly kind: 'greeting';
  readonly name: 'ZMTP' | 'HTTP-UPGRADE' | 'HTTP-RESPONSE' | 'ZMTP-LEGACY';
  /** "3.1", "3.0"; "2.0" or "1.0" for a legacy peer. */
  readonly version?: string;
  /** NULL, PLAIN, CURVE… (ZWS: from the sub-protocol, "NULL" for `ZWS2.0/NULL`, none for bare `ZWS2.0`). */
  readonly mechanism?: string;
  readonly asServer?: boolean;
  /** ZWS: the sub-protocols offered (request) or the one chosen (response). */
  readonly protocols?: readonly string[];
  /** ZWS request: the path; response: the status line. */
  readonly path?: string;
  readonly status?: number;
  /** The greeting's bytes as sent (64 for ZMTP; the HTTP head for ZWS, up to its blank line). */
  readonly raw: Uint8Array;
}

/** A command frame (RFC 23 §"Commands", RFC 37, RFC 24 PLAIN, RFC 26 CURVE), or a WebSocket control frame on ZWS. */
export interface CommandRecord extends RecordBase {
  readonly kind: 'command';
  /**
   * READY, ERROR, PING, PONG, SUBSCRIBE, CANCEL, JOIN, LEAVE, HELLO, WELCOME, INITIATE,
   * MESSAGE…; `WS-PING`, `WS-PONG`, `WS-CLOSE` for WebSocket control frames (ZWS heartbeats).
   */
  readonly name: string;
  /** Metadata (READY, PLAIN INITIATE) in wire order, values as text. */
  readonly properties?: ReadonlyArray<readonly [string, string]>;
  /** PING: time-to-live in milliseconds (the wire carries deciseconds). */
  readonly ttl?: number;
  /** PING / PONG: the context bytes. */
  readonly context?: Uint8Array;
  /** ERROR: the reason. */
  readonly reason?: string;
  /** SUBSCRIBE / CANCEL: the topic. JOIN / LEAVE: the group (as bytes; usually text). */
  readonly topic?: Uint8Array;
  readonly group?: string;
  /** PLAIN HELLO: the user name, and the password only when the tap was asked to show it. */
  readonly username?: string;
  readonly password?: string;
  /** Size of the command's body in bytes. */
  readonly size: number;
  /** A word on what the tap could not decode (CURVE's encrypted boxes) or how it read it (a ZMTP 3.0 subscription message). */
  readonly note?: string;
  /** The command frame's flags byte (ZMTP; ZWS frames are given the ZMTP flags they stand for). */
  readonly flags: number;
  /** The first bytes of the body (the whole body up to the tap's command limit). */
  readonly data: Uint8Array;
}

/** One frame of a message. */
export interface TapFrame {
  /** Body size in bytes. */
  readonly size: number;
  readonly more: boolean;
  /** The first bytes of the body, up to the tap's snapshot length (`snaplen`). */
  readonly data: Uint8Array;
  /** The flags byte (ZMTP; for ZWS the ZMTP flags the frame stands for). */
  readonly flags: number;
}

/** A message: its frames, MORE-linked (RFC 23 §"Framing"). */
export interface MessageRecord extends RecordBase {
  readonly kind: 'message';
  readonly frames: readonly TapFrame[];
  /** Frames past the record's frame limit: counted, not kept. */
  readonly framesOmitted: number;
  /** Body bytes of all frames. */
  readonly size: number;
  /** The sender's routing id where the wire shows one (READY's Identity / Routing-Id), as text. */
  readonly routingId?: string;
  /** How the tap read it (the routing-id message bare ZWS2.0 starts with). */
  readonly note?: string;
}

/** How much an event matters to someone debugging. */
export type Severity = 'info' | 'warning' | 'error';

/** Something about a connection or the tap, in words. */
export interface EventRecord extends RecordBase {
  readonly kind: 'event';
  /** A stable name (accepted, upstream-connected, closed, incompatible-socket-types, …). */
  readonly name: string;
  readonly severity: Severity;
  /** The sentence a person reads: what happened and what it means. */
  readonly text: string;
  /** Addresses, for `accepted` and `upstream-connected`. */
  readonly address?: string;
}

/** Anything a tap reports. */
export type TapRecord = GreetingRecord | CommandRecord | MessageRecord | EventRecord;
