/**
 * The ZMQ session: the core sockets the extension drives, what they observed, and the actions
 * the debugger panel, the tree view, the commands and the public API take on them.
 *
 * No vscode import: settings, logging and the saved-messages file are injected, so the session
 * runs (and is tested) in plain Node against a real core. Its parts live beside it: how it is
 * configured (session-settings.ts), its connections as the debugger shows them (session-peers.ts),
 * the monitor events grouped (session-event-log.ts), the handshake ladders and message rates
 * (session-pictures.ts), saved messages (saved-messages.ts), and the views of core records
 * (session-views.ts). This file routes the core's events to them and sends what changed.
 *
 * Volume: the core's traffic tap can fire 50,000 times a second. Each frame is copied (cut to
 * `captureLimit` bytes) into a fixed-size ring buffer, and listeners get at most one batch per
 * `batchInterval` ms holding at most {@link MAX_FRAMES_PER_BATCH} frames (the newest; the batch
 * says how many it skipped). Peer updates are coalesced per connection in the same batch.
 */
import { Peer, ZmqError, type ConnectionInfo, type Context, type FrameRecord, type MonitorEvent, type PeerOptions } from '../core/index';
import type { HostEvent, PayloadFormat, PeerView, SavedMessage, Snapshot, SocketView, TrafficRecord } from '../webview/protocol';
import { decodePayload, hexPreview } from '../zmq-script/index';
import { RingBuffer } from './ring-buffer';
import { SavedMessagesFile } from './saved-messages';
import type { SessionApi } from './session-api';
import { SessionEventLog } from './session-event-log';
import { SessionPeers } from './session-peers';
import { SessionPictures } from './session-pictures';
import { DEFAULT_CAPTURE_LIMIT, DEFAULT_SETTINGS, socketDefaults, type CreateSocketOptions, type SessionLogger, type SessionOptions, type SessionSettings } from './session-settings';
import { toTrafficView } from './session-views';
import { toNdjson } from './traffic-export';

/** Frames in one `traffic` event at most. */
export const MAX_FRAMES_PER_BATCH = 1000;
/** Labels of closed sockets kept for the snapshot (their frames may outlive them in the buffer). */
export const CLOSED_SOCKETS_KEPT = 100;

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
  readonly #pictures = new SessionPictures();
  readonly #peers = new SessionPeers(this.#pictures);
  readonly #events = new SessionEventLog();
  readonly #traffic: RingBuffer<TrafficRecord>;
  readonly #savedMessages: SavedMessagesFile;
  readonly #listeners = new Set<(event: HostEvent) => void>();

  #seq = 0;
  #emittedSeq = 0;
  #socketsDirty = false;
  /** Sockets with traffic since the last flush: their peers' counters are re-read then. */
  readonly #busySockets = new Set<string>();
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
    const peerOptions: PeerOptions = { ...socketDefaults(this.#settings), ...(this.#context ? { context: this.#context } : {}), ...options.options };
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
    this.#pictures.socketAdded(socketId);
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
    return this.#peers.list(socketId);
  }

  /** Closes a socket and forgets it and its peers. */
  async closeSocket(socketId: string): Promise<void> {
    const entry = this.#sockets.get(socketId);
    if (!entry) throw new ZmqError('ENOTSOCK', { detail: `no socket "${socketId}" in this session` });
    this.#peers.closeSocket(socketId);
    try {
      await entry.socket.close();
    } finally {
      entry.detach();
      this.#sockets.delete(socketId);
      if (this.#defaultSocketId === socketId) this.#defaultSocketId = undefined;
      this.#peers.removeSocket(socketId);
      this.#pictures.socketRemoved(socketId);
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
      events: this.#events.groups(),
      rates: this.#pictures.rates(),
      ladders: this.#pictures.ladders((socketId, connectionId) => this.#peers.has(socketId, connectionId)),
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
    if (this.#peers.isEnded(socketId, connectionId)) {
      // A failed handshake kept to show why: dismissing it forgets it.
      this.#peers.remove(socketId, connectionId);
      this.#schedule();
      return;
    }
    const info = socket.connections().find((c) => c.id === connectionId);
    if (!info) throw new ZmqError('EHOSTUNREACH', { detail: `no connection ${connectionId} on ${socketId}` });
    this.#peers.closedByUser(socketId, connectionId);
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
    for (const c of socket.connections()) if (c.role === 'connect' && c.endpoint === text) this.#peers.closedByUser(socketId, c.id);
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
    this.#emit({ type: 'rates', tick: this.#pictures.tickRates(now) });
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
    const { updated, gone } = this.#peers.takeChanges();
    for (const peer of updated) this.#emit({ type: 'peer', peer });
    for (const peer of gone) this.#emit({ type: 'peerGone', socketId: peer.socketId, connectionId: peer.connectionId });
    const events = this.#events.takeChanged();
    if (events.length > 0) this.#emit({ type: 'monitor', events });
    for (const ladder of this.#pictures.takeChangedLadders((socketId, connectionId) => this.#peers.has(socketId, connectionId))) this.#emit({ type: 'ladder', ladder });
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
    const view = this.#events.add(socketId, event);
    this.#pictures.onMonitor(socketId, event);
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
    // The pictures first: whether a gone connection is kept depends on its ladder's last attempt.
    this.#pictures.onConnection(socketId, info);
    this.#peers.onConnection(socketId, info);
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
    this.#pictures.onFrame(socketId, frame);
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
    if (entry && !entry.socket.closed) this.#peers.refreshCounters(socketId, entry.socket.connections());
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
