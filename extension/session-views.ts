/**
 * How the session shows the core's objects to its listeners: a connection (`ConnectionInfo`) as a
 * `PeerView`, a monitor event as an `EventView`, and which connections are gone for good. Pure
 * functions, no vscode import; the shapes themselves are declared in webview/protocol.ts.
 */
import type { ConnectionInfo, MonitorEvent } from '../core/index';
import type { EventView, PeerView } from '../webview/protocol';

/** A connection as the webview, the tree view and the API see it. */
export function toPeerView(socketId: string, info: ConnectionInfo): PeerView {
  const heartbeats = [info.lastPingSent, info.lastPingReceived, info.lastPongReceived].filter((t): t is number => t !== undefined);
  return {
    socketId,
    connectionId: info.id,
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
    lastHeartbeat: heartbeats.length > 0 ? Math.max(...heartbeats) : null,
    lastError: info.lastError ?? null,
  };
}

/** A connection that will never come back: its view is dropped. */
export function isGone(info: ConnectionInfo): boolean {
  return info.state === 'TERMINATED' || (info.role === 'bind' && info.state === 'DISCONNECTED');
}

/** A monitor event for the event log; the error, when there is one, as `CODE: message`. */
export function toEventView(socketId: string, event: MonitorEvent): EventView {
  return {
    time: event.time,
    socketId,
    type: event.type,
    value: event.value,
    endpoint: event.endpoint,
    routingId: event.routingId ?? null,
    error: event.error ? `${event.error.code}: ${event.error.message}` : null,
  };
}
