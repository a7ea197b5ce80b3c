/**
 * How the session shows its objects to its listeners: a connection (`ConnectionInfo`) as a
 * `PeerView`, a monitor event as an `EventView`, a kept frame as a `TrafficView`, and which
 * connections are gone for good. Pure functions, no vscode import; the shapes are declared in
 * webview/protocol.ts.
 */
import type { ConnectionInfo, MonitorEvent } from '../core/index';
import type { EventView, PeerView, TrafficRecord, TrafficView, Wire } from '../webview/protocol';

/** PeerView's own fields; every other one is a ConnectionInfo field as it crosses the wire. */
type PeerViewOwnField = 'socketId' | 'connectionId' | 'lastHeartbeat' | 'ended';

/**
 * The ConnectionInfo fields a PeerView carries. PeerView is written out in webview/protocol.ts
 * (the webview cannot compile core code), so this is where it is held to the core's type: `Pick`
 * does not compile when PeerView names a field ConnectionInfo lacks, and `toPeerView` does not
 * when a field's type differs.
 */
type PeerViewCoreField = Exclude<keyof PeerView, PeerViewOwnField>;

/**
 * A connection as the webview, the tree view and the API see it. `ended`: the connection is over
 * and kept only to show why its handshake failed.
 */
export function toPeerView(socketId: string, info: ConnectionInfo, ended = false): PeerView {
  const heartbeats = [info.lastPingSent, info.lastPingReceived, info.lastPongReceived].filter((t): t is number => t !== undefined);
  const core: Wire<Pick<ConnectionInfo, PeerViewCoreField>> = {
    role: info.role,
    transport: info.transport,
    endpoint: info.endpoint,
    state: info.state,
    routingId: info.routingId ?? null,
    localAddress: info.localAddress ?? null,
    remoteAddress: info.remoteAddress ?? null,
    zmtpVersion: info.zmtpVersion ?? null,
    mechanism: info.mechanism ?? null,
    peerProperties: { ...info.peerProperties },
    messagesIn: info.messagesIn,
    messagesOut: info.messagesOut,
    bytesIn: info.bytesIn,
    bytesOut: info.bytesOut,
    queuedOut: info.queuedOut,
    queuedIn: info.queuedIn,
    reconnects: info.reconnects,
    // The core clears it when the connection becomes ACTIVE.
    lastError: info.lastError ?? null,
  };
  return { socketId, connectionId: info.id, ...core, lastHeartbeat: heartbeats.length > 0 ? Math.max(...heartbeats) : null, ended };
}

/** A connection that will never come back: its view is dropped. */
export function isGone(info: ConnectionInfo): boolean {
  return info.state === 'TERMINATED' || (info.role === 'bind' && info.state === 'DISCONNECTED');
}

/**
 * A monitor event for the event log, as a group of one (`id` given by the log); the error, when
 * there is one, as `CODE: message`.
 */
export function toEventView(socketId: string, event: MonitorEvent, id: number): EventView {
  return {
    id,
    time: event.time,
    firstTime: event.time,
    count: 1,
    socketId,
    type: event.type,
    value: event.value,
    endpoint: event.endpoint,
    routingId: event.routingId ?? null,
    error: event.error ? `${event.error.code}: ${event.error.message}` : null,
  };
}

/** Bytes as base64 text, the way {@link Wire} carries them (also the NDJSON export's `data`). */
export function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A kept frame as it crosses to the webview. Written out field by field: it runs for every frame. */
export function toTrafficView(record: TrafficRecord): TrafficView {
  return {
    seq: record.seq,
    time: record.time,
    socketId: record.socketId,
    connectionId: record.connectionId,
    routingId: record.routingId,
    direction: record.direction,
    kind: record.kind,
    size: record.size,
    data: base64Of(record.data),
    truncated: record.truncated,
  };
}
