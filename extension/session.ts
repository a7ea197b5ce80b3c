/**
 * The ZMQ session: the core sockets the extension drives, what they observed, and the actions
 * the debugger panel, the tree view, the commands and the public API take on them.
 *
 * No vscode import: settings, logging and the saved-messages file are injected, so the session
 * runs (and is tested) in plain Node against a real core. The saved messages live in
 * saved-messages.ts, the views of connections and monitor events in session-views.ts.
 *
 * Volume: the core's traffic tap can fire 50,000 times a second. Each frame is copied (cut to
 * `captureLimit` bytes) into a fixed-size ring buffer, and listeners get at most one batch per
 * `batchInterval` ms holding at most {@link MAX_FRAMES_PER_BATCH} frames (the newest; the batch
 * says how many it skipped). Peer updates are coalesced per connection in the same batch.
 *
 * Beside the traffic it keeps what the debugger draws as pictures: monitor events grouped so a
 * retry loop does not push out the history (webview/event-log.ts), a handshake ladder per
 * connection (handshake-ladder.ts), message rates per second (rate-history.ts), and connections
 * whose handshake failed, kept after they end so the debugger can show why.
 */
import { Peer, ZmqError, type ConnectionInfo, type Context, type FrameRecord, type MonitorEvent, type PeerOptions } from '../core/index';
import { addEvent } from '../webview/event-log';
import type { EventView, HostEvent, PayloadFormat, PeerView, SavedMessage, Snapshot, SocketView, TrafficRecord } from '../webview/protocol';
import { adviceFor } from './error-explanations';
import { HandshakeLadders } from './handshake-ladder';
import { decodePayload, hexPreview } from '../zmq-script/index';
import { RateHistory } from './rate-history';
import { RingBuffer } from './ring-buffer';
import { SavedMessagesFile } from './saved-messages';
import type { SessionApi } from './session-api';
import { isGone, toEventView, toPeerView, toTrafficView } from './session-views';
import { toNdjson } from './traffic-export';

/** The settings the session uses (`zmqPeer.*` in VS Code). */
export interface SessionSettings {
  /** Frames kept in the traffic ring buffer. */
  readonly bufferSize: number;
  readonly defaultView: 'hex' | 'utf8';
  /** ZMQ_HEARTBEAT_IVL for sockets the session creates, ms; 0 = off. */
  readonly heartbeatInterval: number;
  /** ZMQ_HEARTBEAT_TIMEOUT, ms; -1 = the interval. */
  readonly heartbeatTimeout: number;
  /** ZMQ_RECONNECT_IVL, ms; -1 = never reconnect. */
  readonly reconnectInterval: number;
  /** ZMQ_RECONNECT_IVL_MAX, ms; 0 = no back-off. */
  readonly reconnectIntervalMax: number;
}

/** Defaults of {@link SessionSettings}, as in package.json `contributes.configuration`. */
export const DEFAULT_SETTINGS: SessionSettings = Object.freeze({
  bufferSize: 10000,
  defaultView: 'hex',
  heartbeatInterval: 0,
  heartbeatTimeout: -1,
  reconnectInterval: 100,
  reconnectIntervalMax: 0,
});

/** Where the session logs; the extension passes its "ZMQ" LogOutputChannel. */
export interface SessionLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  trace(message: string): void;
  /** Frame dumps are built only when this is true. */
  readonly traceEnabled: boolean;
}

/** How a session is made. */
export interface SessionOptions {
  readonly settings?: Partial<SessionSettings>;
  readonly logger?: SessionLogger;
  /** The saved-messages JSON file (`.vscode/zmq-messages.json` of the workspace); none: saving fails. */
  readonly savedMessagesFile?: string;
  /** The core context for the session's sockets; the default context when absent. */
  readonly context?: Context;
  /** Coalescing window for events, ms. Default 50. */
  readonly batchInterval?: number;
  /** Bytes of each frame body kept. Default {@link DEFAULT_CAPTURE_LIMIT}. */
  readonly captureLimit?: number;
  /** How often message rates are sampled and sent, ms. Default 1000; 0: only by {@link ZmqSession.tickRates}. */
  readonly rateInterval?: number;
}

/** How a socket is added to the session. */
export interface CreateSocketOptions {
  readonly label?: string;
  /** Core options; heartbeat and reconnect default to the session's settings. */
  readonly options?: PeerOptions;
  /**
   * Whether the session reads and discards what the socket receives (the tap has recorded it).
   * True for sockets made by commands, so peers are never throttled by a full receive queue;
   * false for API sockets, whose owner calls receive().
   */
  readonly drain?: boolean;
  /**
   * Whether a connect of this socket that keeps failing is worth a notification (sockets the user
   * drives from commands and the debugger; API and script sockets report failures to their owners).
   */
  readonly watchConnects?: boolean;
}

/** Bytes of each frame kept by default. */
export const DEFAULT_CAPTURE_LIMIT = 4096;
/** Frames in one `traffic` event at most. */
export const MAX_FRAMES_PER_BATCH = 1000;
/** Event groups kept for the snapshot. */
export const EVENT_LOG_SIZE = 1000;
/** Labels of closed sockets kept for the snapshot (their frames may outlive them in the buffer). */
export const CLOSED_SOCKETS_KEPT = 100;
/** Connections with a failed handshake kept per socket after they end (the oldest go first). */
export const MAX_ENDED_PER_SOCKET = 20;

interface SocketEntry {
  readonly socketId: string;
  readonly label: string;
  readonly socket: Peer;
  readonly detach: () => void;
  readonly watchConnects: boolean;
}

/** One listener's error must not stop the others nor the core's event. */
function callSafely(listener: (event: HostEvent) => void, event: HostEvent, logger: SessionLogger | undefined): void {
  try {
    listener(event);
  } catch (err) {
    logger?.error(`session listener failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}

/**
 * The session; see the file comment. Not a `vscode.DebugSession` (there is no debug adapter): it is
 * the set of ZMQ sockets one extension host drives.
 */
export class ZmqSession implements SessionApi {
  readonly #logger: SessionLogger | undefined;
  readonly #context: Context | undefined;
  readonly #batchInterval: number;
  readonly #captureLimit: number;
  #settings: SessionSettings;

  readonly #sockets = new Map<string, SocketEntry>();
  /** Closed sockets' labels, oldest first, so the debugger can name the frames they left in the buffer. */
  readonly #closedSockets: { socketId: string; label: string }[] = [];
  #defaultSocketId: string | undefined;
  #nextSocket = 1;
  readonly #peers = new Map<string, PeerView>();
  readonly #traffic: RingBuffer<TrafficRecord>;
  /** Event groups, oldest first (webview/event-log.ts). */
  readonly #events: EventView[] = [];
  #nextEventId = 1;
  readonly #rates = new RateHistory();
  readonly #ladders = new HandshakeLadders(adviceFor);
  /** Connections the user ended (disconnect, close): gone for good, never kept as failed. */
  readonly #userClosed = new Set<string>();
  readonly #savedMessages: SavedMessagesFile;
  readonly #listeners = new Set<(event: HostEvent) => void>();

  #seq = 0;
  #emittedSeq = 0;
  #socketsDirty = false;
  readonly #dirtyPeers = new Set<string>();
  /** Sockets with traffic since the last flush: their peers' counters are re-read then. */
  readonly #busySockets = new Set<string>();
  readonly #gonePeers = new Map<string, { socketId: string; connectionId: number }>();
  /** Event groups new or grown since the last flush, by id. */
  readonly #pendingEvents = new Map<number, EventView>();
  #timer: NodeJS.Timeout | undefined;
  #rateTimer: NodeJS.Timeout | undefined;
  #disposed = false;
  #disposing: Promise<void> | undefined;

  constructor(options: SessionOptions = {}) {
    this.#settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.#logger = options.logger;
    this.#context = options.context;
    this.#savedMessages = new SavedMessagesFile(options.savedMessagesFile, this.#logger, (messages) => this.#emit({ type: 'savedMessages', messages }));
    this.#batchInterval = options.batchInterval ?? 50;
    this.#captureLimit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
    this.#traffic = new RingBuffer<TrafficRecord>(this.#settings.bufferSize);
    const rateInterval = options.rateInterval ?? 1000;
    if (rateInterval > 0) {
      this.#rateTimer = setInterval(() => this.tickRates(), rateInterval);
      this.#rateTimer.unref?.();
    }
  }

  get settings(): SessionSettings {
    return this.#settings;
  }

  /** Applies new settings: resizes the buffer, and sets heartbeat/reconnect on the default socket. */
  updateSettings(settings: Partial<SessionSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
    if (this.#traffic.capacity !== this.#settings.bufferSize) this.#traffic.resize(this.#settings.bufferSize);
    const entry = this.#defaultSocketId !== undefined ? this.#sockets.get(this.#defaultSocketId) : undefined;
    if (entry && !entry.socket.closed) {
      const s = this.#settings;
      entry.socket.setOption('heartbeatInterval', s.heartbeatInterval);
      entry.socket.setOption('heartbeatTimeout', s.heartbeatTimeout);
      entry.socket.setOption('reconnectInterval', s.reconnectInterval);
      entry.socket.setOption('reconnectIntervalMax', s.reconnectIntervalMax);
    }
  }

  #socketDefaults(): PeerOptions {
    const s = this.#settings;
    return { heartbeatInterval: s.heartbeatInterval, heartbeatTimeout: s.heartbeatTimeout, reconnectInterval: s.reconnectInterval, reconnectIntervalMax: s.reconnectIntervalMax };
  }

  // --- Sockets -----------------------------------------------------------------------------------

  /** The session's own PEER socket, created on first use with the settings' defaults. */
  defaultSocketId(): string {
    const existing = this.#defaultSocketId !== undefined ? this.#sockets.get(this.#defaultSocketId) : undefined;
    if (existing && !existing.socket.closed) return existing.socketId;
    const entry = this.createSocket({ label: 'Session PEER', drain: true, watchConnects: true });
    this.#defaultSocketId = entry.socketId;
    return entry.socketId;
  }

  /** Creates a PEER socket the debugger shows; returns its id and the core socket. */
  createSocket(options: CreateSocketOptions = {}): { socketId: string; socket: Peer } {
    this.#checkOpen();
    const socketId = `socket-${this.#nextSocket++}`;
    const peerOptions: PeerOptions = { ...this.#socketDefaults(), ...(this.#context ? { context: this.#context } : {}), ...options.options };
    const socket = new Peer(peerOptions);
    const onMonitor = (event: MonitorEvent): void => this.#onMonitor(socketId, event);
    const onConnection = (info: ConnectionInfo): void => this.#onConnection(socketId, info);
    const onFrame = (frame: FrameRecord): void => this.#onFrame(socketId, frame);
    socket.on('monitor', onMonitor);
    socket.on('connection', onConnection);
    socket.on('frame', onFrame);
    const detach = (): void => {
      socket.off('monitor', onMonitor);
      socket.off('connection', onConnection);
      socket.off('frame', onFrame);
    };
    const entry: SocketEntry = { socketId, label: options.label ?? `PEER ${socketId.slice('socket-'.length)}`, socket, detach, watchConnects: options.watchConnects ?? false };
    this.#sockets.set(socketId, entry);
    this.#rates.addSocket(socketId);
    if (options.drain) void this.#drain(entry);
    this.#logger?.info(`${entry.label} (${socketId}) created`);
    this.#markSockets();
    return { socketId, socket };
  }

  async #drain(entry: SocketEntry): Promise<void> {
    try {
      // The tap has already recorded each message; reading keeps the peer from being throttled.
      for await (const message of entry.socket) void message;
    } catch (err) {
      this.#logger?.warn(`${entry.label}: receiving stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The core socket behind an id. Throws ENOTSOCK for an unknown id. */
  socket(socketId: string): Peer {
    const entry = this.#sockets.get(socketId);
    if (!entry) throw new ZmqError('ENOTSOCK', { detail: `no socket "${socketId}" in this session` });
    return entry.socket;
  }

  /** Sockets now, as the webview sees them. */
  sockets(): SocketView[] {
    return [...this.#sockets.values()].map((entry) => ({
      socketId: entry.socketId,
      label: entry.label,
      type: 'PEER',
      bound: entry.socket.closed ? [] : entry.socket.boundEndpoints,
      connected: entry.socket.closed ? [] : entry.socket.connectedEndpoints,
    }));
  }

  /** Whether a connect of this socket that keeps failing is worth a notification (see CreateSocketOptions). */
  watchesConnects(socketId: string): boolean {
    return this.#sockets.get(socketId)?.watchConnects ?? false;
  }

  /** Peers (connections) now. */
  peers(socketId?: string): PeerView[] {
    const all = [...this.#peers.values()];
    return socketId === undefined ? all : all.filter((p) => p.socketId === socketId);
  }

  /** Closes a socket and forgets it and its peers. */
  async closeSocket(socketId: string): Promise<void> {
    const entry = this.#sockets.get(socketId);
    if (!entry) throw new ZmqError('ENOTSOCK', { detail: `no socket "${socketId}" in this session` });
    for (const peer of this.#peers.values()) if (peer.socketId === socketId) this.#userClosed.add(`${socketId}/${peer.connectionId}`);
    try {
      await entry.socket.close();
    } finally {
      entry.detach();
      this.#sockets.delete(socketId);
      if (this.#defaultSocketId === socketId) this.#defaultSocketId = undefined;
      for (const [key, peer] of this.#peers) if (peer.socketId === socketId) this.#peerGone(key, peer.socketId, peer.connectionId);
      this.#rates.removeSocket(socketId);
      this.#ladders.removeSocket(socketId);
      this.#closedSockets.push({ socketId, label: entry.label });
      if (this.#closedSockets.length > CLOSED_SOCKETS_KEPT) this.#closedSockets.shift();
      this.#logger?.info(`${entry.label} (${socketId}) closed`);
      this.#markSockets();
    }
  }

  // --- SessionApi ----------------------------------------------------------------------------------

  snapshot(): Snapshot {
    return {
      sockets: this.sockets(),
      closedSockets: [...this.#closedSockets],
      peers: this.peers(),
      traffic: this.#traffic.toArray().map(toTrafficView),
      events: [...this.#events],
      rates: this.#rates.snapshot(),
      ladders: this.#ladders.views().filter((l) => this.#peers.has(`${l.socketId}/${l.connectionId}`)),
      settings: { bufferSize: this.#settings.bufferSize, defaultView: this.#settings.defaultView },
      savedMessages: [...this.#savedMessages.messages],
    };
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async send(socketId: string, routingId: number, format: PayloadFormat, payload: string): Promise<number> {
    const socket = this.socket(socketId);
    const bytes = decodePayload(format, payload);
    await socket.send(routingId, bytes);
    return bytes.length;
  }

  connectPeer(socketId: string, endpoint: string): number {
    const text = endpoint.trim();
    const routingId = this.socket(socketId).connectPeer(text);
    this.#logger?.info(`${this.#label(socketId)}: connectPeer ${text} → routing id ${routingId}`);
    this.#markSockets();
    return routingId;
  }

  async bind(socketId: string, endpoint: string): Promise<string> {
    const text = endpoint.trim();
    const bound = await this.socket(socketId).bind(text);
    this.#logger?.info(`${this.#label(socketId)}: bound ${bound}`);
    this.#markSockets();
    return bound;
  }

  disconnectPeer(socketId: string, connectionId: number): void {
    const socket = this.socket(socketId);
    const key = `${socketId}/${connectionId}`;
    if (this.#peers.get(key)?.ended) {
      // A failed handshake kept to show why: dismissing it forgets it.
      this.#peerGone(key, socketId, connectionId);
      return;
    }
    const info = socket.connections().find((c) => c.id === connectionId);
    if (!info) throw new ZmqError('EHOSTUNREACH', { detail: `no connection ${connectionId} on ${socketId}` });
    this.#userClosed.add(key);
    socket.closeConnection(connectionId);
    this.#logger?.info(`${this.#label(socketId)}: closed connection ${connectionId} (${info.role} ${info.endpoint})`);
    this.#markSockets();
  }

  /**
   * zmq_disconnect: ends the connection to `endpoint`, its retries and its routing id, and tells
   * the debugger (the socket list loses the endpoint). Throws the core's ZmqError (ENOENT when the
   * socket is not connected to it).
   */
  disconnect(socketId: string, endpoint: string): void {
    const socket = this.socket(socketId);
    const text = endpoint.trim();
    for (const c of socket.connections()) if (c.role === 'connect' && c.endpoint === text) this.#userClosed.add(`${socketId}/${c.id}`);
    socket.disconnect(text);
    this.#logger?.info(`${this.#label(socketId)}: disconnected ${text}`);
    this.#markSockets();
  }

  clearTraffic(): void {
    this.#traffic.clear();
    this.#closedSockets.length = 0;
    this.#emittedSeq = this.#seq;
    this.#emit({ type: 'trafficCleared' });
  }

  exportTraffic(): string {
    return toNdjson(this.#traffic);
  }

  /** Frames kept now, oldest first (for the API and tests). */
  trafficRecords(): TrafficRecord[] {
    return this.#traffic.toArray();
  }

  saveMessage(message: SavedMessage): Promise<void> {
    return this.#savedMessages.save(message);
  }

  /** Removes a saved message by name. */
  deleteSavedMessage(name: string): Promise<void> {
    return this.#savedMessages.delete(name);
  }

  /** (Re)reads the saved-messages file; a missing file is an empty list, a malformed one is logged and kept. */
  loadSavedMessages(): Promise<readonly SavedMessage[]> {
    return this.#savedMessages.load();
  }

  /**
   * Ends the second under way for the message rates and sends its samples (the `rates` event).
   * Called by the session's own timer once a second; tests call it directly.
   */
  tickRates(now = Date.now()): void {
    if (this.#disposed || this.#sockets.size === 0) return;
    this.#emit({ type: 'rates', tick: this.#rates.tick(now) });
  }

  /** Emits what is pending now instead of at the end of the batch window. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#socketsDirty) {
      this.#socketsDirty = false;
      this.#emit({ type: 'sockets', sockets: this.sockets() });
    }
    for (const socketId of this.#busySockets) this.#refreshCounters(socketId);
    this.#busySockets.clear();
    for (const key of this.#dirtyPeers) {
      const peer = this.#peers.get(key);
      if (peer) this.#emit({ type: 'peer', peer });
    }
    this.#dirtyPeers.clear();
    for (const gone of this.#gonePeers.values()) this.#emit({ type: 'peerGone', ...gone });
    this.#gonePeers.clear();
    if (this.#pendingEvents.size > 0) {
      const events = [...this.#pendingEvents.values()];
      this.#pendingEvents.clear();
      this.#emit({ type: 'monitor', events });
    }
    for (const ladder of this.#ladders.takeChanged()) {
      if (this.#peers.has(`${ladder.socketId}/${ladder.connectionId}`)) this.#emit({ type: 'ladder', ladder });
    }
    const fresh = this.#seq - this.#emittedSeq;
    if (fresh > 0) {
      const frames = this.#traffic.last(Math.min(fresh, MAX_FRAMES_PER_BATCH)).map(toTrafficView);
      this.#emittedSeq = this.#seq;
      const dropped = fresh - frames.length;
      this.#emit(dropped > 0 ? { type: 'traffic', frames, dropped } : { type: 'traffic', frames });
    }
  }

  /** Closes every socket and stops emitting. */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      const closing = [...this.#sockets.keys()].map((id) => this.closeSocket(id).catch(() => undefined));
      await Promise.all(closing);
      this.flush();
      if (this.#rateTimer) clearInterval(this.#rateTimer);
      this.#disposed = true;
      this.#listeners.clear();
    })();
    return this.#disposing;
  }

  // --- Core events ---------------------------------------------------------------------------------

  #onMonitor(socketId: string, event: MonitorEvent): void {
    const view = toEventView(socketId, event, this.#nextEventId++);
    const group = addEvent(this.#events, view, EVENT_LOG_SIZE);
    // A group that grew replaces its earlier version in the pending batch.
    this.#pendingEvents.delete(group.id);
    this.#pendingEvents.set(group.id, group);
    this.#ladders.onMonitor(socketId, event);
    if (this.#logger) {
      const rid = event.routingId !== undefined ? ` routing id ${event.routingId}` : '';
      const line = `${this.#label(socketId)}: ${event.type} ${event.endpoint}${rid} (value ${event.value})${view.error ? ` — ${view.error}` : ''}`;
      if (event.error || event.type.endsWith('_FAILED') || event.type.startsWith('HANDSHAKE_FAILED')) this.#logger.warn(line);
      else this.#logger.info(line);
    }
    if (event.type === 'LISTENING' || event.type === 'CLOSED') this.#socketsDirty = true;
    this.#schedule();
  }

  #onConnection(socketId: string, info: ConnectionInfo): void {
    const key = `${socketId}/${info.id}`;
    this.#ladders.onConnection(socketId, info);
    if (isGone(info)) {
      if (!this.#userClosed.delete(key) && this.#ladders.handshakeFailed(socketId, info.id) && this.#peers.has(key)) this.#keepEnded(key, socketId, info);
      else this.#peerGone(key, socketId, info.id);
    } else {
      if (!this.#peers.has(key)) this.#rates.addPeer(socketId, info.id);
      this.#peers.set(key, toPeerView(socketId, info));
      this.#gonePeers.delete(key);
      this.#dirtyPeers.add(key);
    }
    this.#schedule();
  }

  /** Keeps a connection whose handshake failed, ended, so the debugger can show why; at most MAX_ENDED_PER_SOCKET a socket. */
  #keepEnded(key: string, socketId: string, info: ConnectionInfo): void {
    // The ended connection's pipe is gone, and its routing id with it: keep the one it had.
    const view = toPeerView(socketId, info, true);
    this.#peers.set(key, { ...view, routingId: view.routingId ?? this.#peers.get(key)?.routingId ?? null });
    this.#dirtyPeers.add(key);
    this.#rates.removePeer(socketId, info.id);
    const ended = [...this.#peers].filter(([, p]) => p.socketId === socketId && p.ended);
    for (const [oldKey, old] of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_PER_SOCKET))) this.#peerGone(oldKey, socketId, old.connectionId);
  }

  #peerGone(key: string, socketId: string, connectionId: number): void {
    this.#peers.delete(key);
    this.#dirtyPeers.delete(key);
    this.#gonePeers.set(key, { socketId, connectionId });
    this.#rates.removePeer(socketId, connectionId);
    this.#ladders.remove(socketId, connectionId);
    this.#schedule();
  }

  #onFrame(socketId: string, frame: FrameRecord): void {
    const body = frame.body;
    const kept = Math.min(body.byteLength, this.#captureLimit);
    const record: TrafficRecord = {
      seq: ++this.#seq,
      time: frame.time,
      socketId,
      connectionId: frame.connectionId,
      routingId: frame.routingId ?? null,
      direction: frame.direction,
      kind: frame.kind,
      size: frame.size,
      // A copy: the tap's body is a view into the core's buffers.
      data: Buffer.from(body.subarray(0, kept)),
      truncated: kept < frame.size,
    };
    this.#traffic.push(record);
    this.#busySockets.add(socketId);
    if (frame.kind === 'data') this.#rates.count(socketId, frame.connectionId, frame.direction, frame.size);
    this.#ladders.onFrame(socketId, frame);
    if (this.#logger?.traceEnabled) {
      this.#logger.trace(
        `${socketId} #${frame.connectionId} rid ${frame.routingId ?? '-'} ${frame.direction === 'in' ? '<-' : '->'} ${frame.kind} ${frame.size} B: ${hexPreview(record.data)}`,
      );
    }
    this.#schedule();
  }

  /** Counters change with every frame but emit no 'connection' event; re-read them once per batch. */
  #refreshCounters(socketId: string): void {
    const entry = this.#sockets.get(socketId);
    if (!entry || entry.socket.closed) return;
    for (const info of entry.socket.connections()) {
      const key = `${socketId}/${info.id}`;
      if (isGone(info) || !this.#peers.has(key) || this.#peers.get(key)?.ended) continue;
      this.#peers.set(key, toPeerView(socketId, info));
      this.#dirtyPeers.add(key);
    }
  }

  // --- Plumbing ------------------------------------------------------------------------------------

  #label(socketId: string): string {
    return this.#sockets.get(socketId)?.label ?? socketId;
  }

  #markSockets(): void {
    this.#socketsDirty = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#disposed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#batchInterval);
    this.#timer.unref?.();
  }

  #emit(event: HostEvent): void {
    for (const listener of [...this.#listeners]) callSafely(listener, event, this.#logger);
  }

  #checkOpen(): void {
    if (this.#disposing) throw new ZmqError('ENOTSOCK', { detail: 'the ZMQ session was disposed' });
  }
}
