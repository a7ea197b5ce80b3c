/**
 * The versioned API returned from `activate()` (types in extension/api.d.ts, shipped as
 * dist/api.d.ts), built on the ZMQ session (session.ts) so API sockets show in the debugger. No vscode import.
 */
import type { HostEvent, PeerView, TrafficView } from '../webview/protocol';
import type { ZmqApiPeer, ZmqDisposable, ZmqPeerApi, ZmqPeerEvent, ZmqPeerInfo, ZmqPeerOptions, ZmqTrafficFrame } from './api';
import type { ZmqSession } from './session';

/** The API's version; api.d.ts declares `apiVersion: 1`. */
export const API_VERSION = 1;

function toPeerInfo(peer: PeerView): ZmqPeerInfo {
  return {
    socketId: peer.socketId,
    connectionId: peer.connectionId,
    role: peer.role,
    transport: peer.transport,
    endpoint: peer.endpoint,
    state: peer.state,
    routingId: peer.routingId,
    remoteAddress: peer.remoteAddress,
    mechanism: peer.mechanism,
    securityRole: peer.securityRole,
    peerProperties: { ...peer.peerProperties },
    messagesIn: peer.messagesIn,
    messagesOut: peer.messagesOut,
    lastError: peer.lastError,
  };
}

function toFrame(view: TrafficView): ZmqTrafficFrame {
  return {
    seq: view.seq,
    time: view.time,
    socketId: view.socketId,
    connectionId: view.connectionId,
    routingId: view.routingId,
    direction: view.direction,
    kind: view.kind,
    size: view.size,
    data: new Uint8Array(Buffer.from(view.data, 'base64')),
    truncated: view.truncated,
  };
}

/**
 * The API's connections are those that exist now: one the debugger keeps after a failed handshake (`ended`, to show
 * why) is gone for the API, as its contract (api.d.ts, published) has always said.
 */
function livePeers(session: ZmqSession, socketId: string): ZmqPeerInfo[] {
  return session.peers(socketId).filter((p) => !p.ended).map(toPeerInfo);
}

function subscribePeers(session: ZmqSession, socketId: string | undefined, listener: (event: ZmqPeerEvent) => void): ZmqDisposable {
  // Connections already reported gone when they ended: their later removal is not a second 'gone'.
  const endedKeys = new Set<string>();
  const off = session.onEvent((event: HostEvent) => {
    if (event.type === 'peer' && (socketId === undefined || event.peer.socketId === socketId)) {
      const key = `${event.peer.socketId}/${event.peer.connectionId}`;
      if (!event.peer.ended) listener({ type: 'changed', peer: toPeerInfo(event.peer) });
      else if (!endedKeys.has(key)) {
        endedKeys.add(key);
        listener({ type: 'gone', socketId: event.peer.socketId, connectionId: event.peer.connectionId });
      }
    } else if (event.type === 'peerGone' && (socketId === undefined || event.socketId === socketId)) {
      if (!endedKeys.delete(`${event.socketId}/${event.connectionId}`)) listener({ type: 'gone', socketId: event.socketId, connectionId: event.connectionId });
    }
  });
  return { dispose: off };
}

function subscribeTraffic(session: ZmqSession, socketId: string | undefined, listener: (frames: readonly ZmqTrafficFrame[]) => void): ZmqDisposable {
  const off = session.onEvent((event: HostEvent) => {
    if (event.type !== 'traffic') return;
    const frames = (socketId === undefined ? event.frames : event.frames.filter((f) => f.socketId === socketId)).map(toFrame);
    if (frames.length > 0) listener(frames);
  });
  return { dispose: off };
}

/**
 * Builds the API object. `openDebugger` is the extension's way to show the panel (the
 * `zmqPeer.openDebugger` command); the session owns every socket made here and closes them on
 * deactivation.
 */
export function createPublicApi(session: ZmqSession, openDebugger: (target?: { socketId: string; routingId?: number }) => Promise<void>): ZmqPeerApi {
  return Object.freeze({
    apiVersion: API_VERSION,
    createPeer(options: ZmqPeerOptions = {}): ZmqApiPeer {
      const { label, ...coreOptions } = options;
      const { socketId, socket } = session.createSocket({ ...(label !== undefined ? { label } : {}), options: coreOptions, drain: false });
      const resolvedLabel = session.sockets().find((s) => s.socketId === socketId)?.label ?? socketId;
      return Object.freeze({
        socketId,
        label: resolvedLabel,
        bind: (endpoint: string) => session.bind(socketId, endpoint),
        connectPeer: (endpoint: string) => session.connectPeer(socketId, endpoint),
        // Through the session, as bind and connectPeer: the debugger's socket list must lose the endpoint too.
        disconnect: (endpoint: string) => session.disconnect(socketId, endpoint),
        // The core's own calls, not wrappers: an async wrapper costs a receive loop one more
        // promise turn per message (see README, Benchmarks).
        send: (routingId: number, data: Uint8Array | string) => socket.send(routingId, data),
        receive: () => socket.receive(),
        routingIds: () => socket.routingIds,
        peers: () => livePeers(session, socketId),
        onPeerEvent: (listener: (event: ZmqPeerEvent) => void) => subscribePeers(session, socketId, listener),
        onTraffic: (listener: (frames: readonly ZmqTrafficFrame[]) => void) => subscribeTraffic(session, socketId, listener),
        close: () => session.closeSocket(socketId),
      });
    },
    sockets: () => session.sockets().map((s) => ({ socketId: s.socketId, label: s.label, bound: s.bound, connected: s.connected, security: { ...s.security } })),
    openDebugger: (target?: { socketId: string; routingId?: number }) => openDebugger(target),
    onPeerEvent: (listener: (event: ZmqPeerEvent) => void) => subscribePeers(session, undefined, listener),
    onTraffic: (listener: (frames: readonly ZmqTrafficFrame[]) => void) => subscribeTraffic(session, undefined, listener),
  });
}
