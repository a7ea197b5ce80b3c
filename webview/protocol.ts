/**
 * The typed messages between the extension host and the debugger webview. Both sides compile
 * against this file; it has no runtime dependencies besides the guards at the end, so the
 * webview bundle can include it. Binary payloads cross as base64 strings.
 *
 * Flow: the webview posts `ready`; the host answers `init` with a full snapshot, then streams
 * `event`s; requests from the webview carry an id and get exactly one `response`.
 *
 * One shape per thing: a wire type is derived from the host's type with {@link Wire} (as GitLens's
 * `Serialized<T>`) instead of being declared a second time. The webview compiles without core and
 * extension code (its bundle runs in a browser), so the host's frame record is declared here, and
 * `PeerView` lists the core `ConnectionInfo` fields it carries by hand; extension/session-views.ts
 * makes that list fail to compile when it parts from the core's type.
 */

import type { PayloadFormat } from '../zmq-script/payload';

export const PROTOCOL_VERSION = 1;

/** How a payload typed in the send form is to be read: a format of the grammar shared with frame scripts. */
export type { PayloadFormat };

/** One socket the debugger knows (made by a command or through the extension's API). */
export interface SocketView {
  readonly socketId: string;
  readonly label: string;
  readonly type: string;
  readonly bound: readonly string[];
  readonly connected: readonly string[];
  readonly security: SocketSecurity;
}

/** What a socket's security options make of its connections (never a secret). */
export interface SocketSecurity {
  /** The security profile the socket was made from (`zmqPeer.security.profiles`), or null. */
  readonly profile: string | null;
  /** NULL, PLAIN or CURVE. */
  readonly mechanism: string;
  /** Under PLAIN and CURVE, the side of the handshake the socket plays; null under NULL. */
  readonly role: 'client' | 'server' | null;
  /** Our CURVE public key (Z85), when the socket has one: what a server's allow-list needs. */
  readonly publicKey: string | null;
  /** A tap that terminates CURVE: its keys; absent for sockets and relaying taps. */
  readonly terminating?: TapTerminating;
}

/** What a tap that terminates CURVE shows of its keys: public keys (Z85) and the profiles they came from, never a secret. */
export interface TapTerminating {
  /** The server public key the apps must trust (the key pair of the CURVE server profile). */
  readonly serverKey: string;
  /** The client public key the upstream sees (the key pair of the CURVE client profile). */
  readonly clientKey: string;
  readonly serverProfile: string;
  readonly clientProfile: string;
}

/** A security profile as the debugger offers it (its secrets stay in the extension's SecretStorage). */
export interface ProfileSummary {
  readonly name: string;
  readonly mechanism: 'CURVE' | 'PLAIN';
  readonly role: 'client' | 'server';
  /** One line: `CURVE client · key pair "laptop" · server key rq:rM>…`. */
  readonly description: string;
}

/**
 * A host-side type as it crosses postMessage: bytes become base64 text and an absent value
 * becomes null (structured clone keeps neither a Buffer's type nor an `undefined` field reliably).
 */
export type Wire<T> = { readonly [K in keyof T]: WireValue<T[K]> };

/** One field's value on the wire (see {@link Wire}). */
export type WireValue<V> = V extends Uint8Array ? string : V extends undefined ? null : V;

/**
 * One connection of a socket: the core's `ConnectionInfo` fields as {@link Wire} values (checked
 * against the core type in extension/session-views.ts), plus `socketId`, `connectionId` (the
 * core's `id`), `lastHeartbeat` (the newest of its ping and pong times) and `ended`.
 */
export interface PeerView {
  readonly socketId: string;
  readonly connectionId: number;
  readonly role: 'connect' | 'bind';
  readonly transport: string;
  readonly endpoint: string;
  readonly state: string;
  readonly routingId: number | null;
  readonly localAddress: string | null;
  readonly remoteAddress: string | null;
  readonly zmtpVersion: string | null;
  readonly mechanism: string | null;
  /** Under PLAIN and CURVE, the side of the handshake we play (whoever connected). */
  readonly securityRole: 'client' | 'server' | null;
  /** The peer's READY (or INITIATE) properties, with a ZAP handler's `User-Id` and metadata. */
  readonly peerProperties: Readonly<Record<string, string>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly queuedOut: number;
  readonly queuedIn: number;
  readonly lastHeartbeat: number | null;
  /** Failed attempts so far (the core's count of reconnects). */
  readonly reconnects: number;
  /** The error that ended or last interrupted the connection; null once it is ACTIVE again. */
  readonly lastError: string | null;
  /**
   * The connection is over: its handshake failed (ERR_ZMTP_…, a timeout), and the session keeps it
   * so the debugger can show where and why. It can no longer be sent to.
   */
  readonly ended: boolean;
  /**
   * Set for a connection a tap relays (its socket is the tap, type `TAP`): the app that connected to
   * the tap and the upstream the tap connected to for it. Absent on a socket's own connections.
   */
  readonly pair?: TapPairView;
}

/**
 * One relayed connection of a tap, as a pair: the app's and the upstream's socket types (known once
 * each READY named it) and the tap's diagnosis of the pair in words. In the pair's `PeerView`,
 * `out` traffic is what the app sent and `in` what the upstream sent.
 */
export interface TapPairView {
  readonly appSocketType: string | null;
  readonly upstreamSocketType: string | null;
  readonly appAddress: string | null;
  readonly upstreamAddress: string | null;
  /** The upstream endpoint the tap relays to. */
  readonly upstream: string;
  /** The tap terminates CURVE: it is the server the app talks to and the client the upstream sees. */
  readonly curveTerminated: boolean;
  /** The tap's latest warning or error about the pair (incompatible socket types, mechanism mismatch…), null when all is well. */
  readonly diagnosis: string | null;
  readonly severity: 'warning' | 'error' | null;
}

/**
 * One frame as the host keeps it in the session's ring buffer. The same fields as the API's
 * `ZmqTrafficFrame` (extension/api.d.ts, a published contract written out by hand).
 */
export interface TrafficRecord {
  /** Increasing per host session, so the webview can de-duplicate and page. */
  readonly seq: number;
  /** Date.now() when the core's tap saw it. */
  readonly time: number;
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
  readonly direction: 'in' | 'out';
  /**
   * 'data' or a command: greeting, READY, PING, PONG, ERROR, HELLO, WELCOME, INITIATE (PLAIN and
   * CURVE handshakes; a PLAIN HELLO's password is masked), command, ws-ping, ws-pong.
   */
  readonly kind: string;
  /** The frame body's full size in bytes. */
  readonly size: number;
  /** A copy of the body, cut to the session's capture limit (`truncated` says so). */
  readonly data: Uint8Array;
  /** The body was cut (`data.length < size`). */
  readonly truncated: boolean;
}

/** One frame of the traffic timeline: a {@link TrafficRecord} with its `data` in base64. */
export type TrafficView = Wire<TrafficRecord>;

/**
 * A group of equal monitor events, for the event log: a retry loop adds to `count` of its few
 * groups (`CONNECT_RETRIED ×42`) instead of pushing the rest of the history out. Groups are
 * made by webview/event-log.ts; a group that grows is sent again with the same `id`.
 */
export interface EventView {
  /** The group's id, increasing per host session. */
  readonly id: number;
  /** When the newest event of the group happened. */
  readonly time: number;
  /** When the first one did. */
  readonly firstTime: number;
  /** How many events the group holds (1 for a lone event). */
  readonly count: number;
  readonly socketId: string;
  readonly type: string;
  readonly value: number;
  readonly endpoint: string;
  readonly routingId: number | null;
  readonly error: string | null;
}

/** One second of a socket's or a connection's data traffic: messages and bytes, in and out. */
export type RateSample = readonly [msgsIn: number, msgsOut: number, bytesIn: number, bytesOut: number];

/** The seconds of rate history the host keeps and the sparklines draw. */
export const RATE_HISTORY_SECONDS = 60;

/** One second's samples of every socket and live connection (the `rates` event). */
export interface RateTick {
  /** Date.now() at the end of the second. */
  readonly time: number;
  readonly sockets: readonly { readonly socketId: string; readonly sample: RateSample }[];
  readonly peers: readonly { readonly socketId: string; readonly connectionId: number; readonly sample: RateSample }[];
}

/** The rate history in a snapshot: samples one second apart, oldest first, the newest at `time`. */
export interface RateHistory {
  readonly time: number;
  readonly sockets: readonly { readonly socketId: string; readonly samples: readonly RateSample[] }[];
  readonly peers: readonly { readonly socketId: string; readonly connectionId: number; readonly samples: readonly RateSample[] }[];
}

/** One arrow (or note) of a handshake ladder. */
export interface LadderStep {
  readonly time: number;
  /** `out`: we send it; `in`: the peer does; `local`: something at our end (a retry, a state). */
  readonly direction: 'in' | 'out' | 'local';
  /** `security`: PLAIN's and CURVE's HELLO, WELCOME and INITIATE. */
  readonly kind: 'net' | 'greeting' | 'security' | 'command' | 'heartbeat' | 'data' | 'error' | 'note';
  /** What the arrow says: `greeting`, `HELLO`, `READY`, `PING`, `data 25 B`, `TCP connect`, `ECONNREFUSED`. */
  readonly label: string;
  /** What it carried: `ZMTP 3.1 · NULL · as-server 0`, READY's properties, a preview. */
  readonly detail: string | null;
}

/** One connection attempt as a sequence of steps. */
export interface LadderAttempt {
  /** 1 for the first attempt, then one more per reconnect. */
  readonly attempt: number;
  readonly steps: readonly LadderStep[];
  /** `pending`: under way; `active`: the handshake succeeded; `failed`: it ended with `error`. */
  readonly outcome: 'pending' | 'active' | 'failed';
  /** The named error that ended it and what to do about it. */
  readonly error: { readonly code: string; readonly message: string; readonly advice: string } | null;
}

/**
 * The handshake ladder of one connection: the attempt under way (or the last one), and the last
 * attempt that failed, so a retry loop still shows why it fails while its next attempt runs.
 */
export interface LadderView {
  readonly socketId: string;
  readonly connectionId: number;
  readonly current: LadderAttempt;
  readonly lastFailed: LadderAttempt | null;
}

/** Everything the webview needs to draw itself from nothing. */
export interface Snapshot {
  readonly sockets: readonly SocketView[];
  /** Sockets closed since (a finished script run), newest last: their frames may still be in `traffic`. */
  readonly closedSockets: readonly { readonly socketId: string; readonly label: string }[];
  readonly peers: readonly PeerView[];
  readonly traffic: readonly TrafficView[];
  readonly events: readonly EventView[];
  readonly rates: RateHistory;
  readonly ladders: readonly LadderView[];
  readonly settings: { readonly bufferSize: number; readonly defaultView: 'hex' | 'utf8' };
  readonly savedMessages: readonly SavedMessage[];
  /** The security profiles the endpoint form offers. */
  readonly profiles: readonly ProfileSummary[];
}

/** A message kept in the workspace's saved-message file. */
export interface SavedMessage {
  readonly name: string;
  readonly format: PayloadFormat;
  readonly payload: string;
}

/**
 * Requests the webview makes, with their results; each answered by extension/debugger-bridge.ts
 * with exactly one `response`.
 */
export interface Requests {
  /** Sent by the send form's Send button (views/send-view.ts); result: the bytes sent. */
  'peer/send': { params: { socketId: string; routingId: number; format: PayloadFormat; payload: string }; result: { bytes: number } };
  /** Sent by a peer row's Disconnect button (views/peers-view.ts). */
  'peer/disconnect': { params: { socketId: string; connectionId: number }; result: null };
  /**
   * Sent by the endpoint form's Connect button (views/peers-view.ts); result: the new peer's routing
   * id, and the socket used: `socketId`'s, or with `profile` the socket made from that security profile.
   */
  'socket/connectPeer': { params: { socketId: string; endpoint: string; profile?: string }; result: { routingId: number; socketId: string } };
  /** Sent by the endpoint form's Bind button (views/peers-view.ts); result: the resolved endpoint and the socket, as for connectPeer. */
  'socket/bind': { params: { socketId: string; endpoint: string; profile?: string }; result: { endpoint: string; socketId: string } };
  /** Sent by the timeline toolbar's Clear button (views/timeline-view.ts). */
  'traffic/clear': { params: Record<string, never>; result: null };
  /** Sent by the timeline toolbar's Export button (views/timeline-view.ts); result: the file written, null when cancelled. */
  'traffic/export': { params: Record<string, never>; result: { path: string | null } };
  /** Sent by the send form's Save button (views/send-view.ts). */
  'messages/save': { params: { message: SavedMessage }; result: null };
}

export type RequestMethod = keyof Requests;

export type WebviewToHost =
  | { readonly kind: 'ready'; readonly version: number }
  | { [M in RequestMethod]: { readonly kind: 'request'; readonly id: number; readonly method: M; readonly params: Requests[M]['params'] } }[RequestMethod];

export type HostEvent =
  | { readonly type: 'sockets'; readonly sockets: readonly SocketView[] }
  | { readonly type: 'peer'; readonly peer: PeerView }
  | { readonly type: 'peerGone'; readonly socketId: string; readonly connectionId: number }
  /** `dropped`: frames seen in this batch window but not sent (only the newest are); absent = none. */
  | { readonly type: 'traffic'; readonly frames: readonly TrafficView[]; readonly dropped?: number }
  /** New event groups, and groups that grew (same `id`, a higher `count`). */
  | { readonly type: 'monitor'; readonly events: readonly EventView[] }
  | { readonly type: 'rates'; readonly tick: RateTick }
  | { readonly type: 'ladder'; readonly ladder: LadderView }
  | { readonly type: 'trafficCleared' }
  | { readonly type: 'savedMessages'; readonly messages: readonly SavedMessage[] }
  | { readonly type: 'profiles'; readonly profiles: readonly ProfileSummary[] }
  /**
   * Show this socket or routing id (Connect Peer, the tree, the API): it is selected and made the
   * send target, and a peer filter that would hide it is lifted. `socketId` null: show all the
   * traffic (a script run, whose sockets come and go).
   */
  | { readonly type: 'focus'; readonly socketId: string | null; readonly routingId: number | null };

export type HostToWebview =
  | { readonly kind: 'init'; readonly version: number; readonly snapshot: Snapshot }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string } }
  | { readonly kind: 'event'; readonly event: HostEvent };

const PAYLOAD_FORMATS: readonly string[] = ['text', 'hex', 'base64', 'json'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown, max = 1 << 20): value is string {
  return typeof value === 'string' && value.length <= max;
}

function isRoutingId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffffffff;
}

function isSavedMessage(value: unknown): value is SavedMessage {
  return isRecord(value) && isString(value.name, 200) && isString(value.payload) && PAYLOAD_FORMATS.includes(value.format as string);
}

/** Checks every field of a message from the webview: the webview is another process, never trusted. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isRecord(value)) return false;
  if (value.kind === 'ready') return typeof value.version === 'number';
  if (value.kind !== 'request' || typeof value.id !== 'number' || !Number.isInteger(value.id) || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'peer/send':
      return isString(p.socketId, 100) && isRoutingId(p.routingId) && PAYLOAD_FORMATS.includes(p.format as string) && isString(p.payload);
    case 'peer/disconnect':
      return isString(p.socketId, 100) && typeof p.connectionId === 'number' && Number.isInteger(p.connectionId);
    case 'socket/connectPeer':
    case 'socket/bind':
      return isString(p.socketId, 100) && isString(p.endpoint, 4096) && (p.profile === undefined || isString(p.profile, 64));
    case 'traffic/clear':
    case 'traffic/export':
      return true;
    case 'messages/save':
      return isSavedMessage(p.message);
    default:
      return false;
  }
}
