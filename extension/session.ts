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
import { Peer, ZmqError, type CaptureFormat, type ConnectionInfo, type Context, type FrameRecord, type MonitorEvent, type PeerOptions, type TapCurveKeys } from '../core/index';
import type { HostEvent, PayloadFormat, PeerView, ProfileSummary, SavedMessage, Snapshot, SocketView, TrafficRecord } from '../webview/protocol';
import { decodePayload, hexPreview } from '../zmq-script/index';
import { maskPlainHello } from './credential-mask';
import { RingBuffer } from './ring-buffer';
import { SavedMessagesFile } from './saved-messages';
import type { SessionApi } from './session-api';
import { SessionEventLog } from './session-event-log';
import { SessionPeers } from './session-peers';
import { SessionPictures } from './session-pictures';
import { SessionTaps, type StartTapOptions, type TapSummary, type TerminateProfiles } from './session-taps';
import { SecurityProfileError, type ResolvedProfile } from './security-profiles';
import { DEFAULT_CAPTURE_LIMIT, DEFAULT_SETTINGS, socketDefaults, type CreateSocketOptions, type ProfileResolver, type SessionLogger, type SessionOptions, type SessionSettings } from './session-settings';
import { securityView, toTrafficView } from './session-views';
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
  /** The security profile the socket was made from, and the fingerprint of what it resolved to. */
  readonly profile: { readonly name: string; readonly fingerprint: string } | null;
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
  readonly #profiles: ProfileResolver | undefined;
  /** Profile sockets being made (resolving a profile reads SecretStorage): a second ask waits for the first. */
  readonly #profileSockets = new Map<string, Promise<string>>();
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
  readonly #taps: SessionTaps;

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
    this.#profiles = options.profiles;
    this.#savedMessages = new SavedMessagesFile(options.savedMessagesFile, this.#logger, (messages) => this.#emit({ type: 'savedMessages', messages }));
    this.#batchInterval = options.batchInterval ?? 50;
    this.#captureLimit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
    this.#traffic = new RingBuffer<TrafficRecord>(this.#settings.bufferSize);
    this.#taps = new SessionTaps({
      pushTraffic: (record) => {
        this.#traffic.push({ seq: ++this.#seq, ...record });
        this.#schedule();
      },
      event: (tapId, name, endpoint, time, text) => {
        this.#events.addOther(tapId, name, endpoint, time, text);
        this.#schedule();
      },
      changed: (socketsToo) => (socketsToo ? this.#markSockets() : this.#schedule()),
      rates: this.#pictures,
      captureLimit: this.#captureLimit,
      bufferSize: () => this.#settings.bufferSize,
    });
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
    if (this.#traffic.capacity !== this.#settings.bufferSize) {
      this.#traffic.resize(this.#settings.bufferSize);
      this.#taps.resize(this.#settings.bufferSize);
    }
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
    const entry: SocketEntry = {
      socketId,
      label: options.label ?? `PEER ${socketId.slice('socket-'.length)}`,
      socket,
      detach,
      watchConnects: options.watchConnects ?? false,
      profile: options.profile ?? null,
    };
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
      security: securityView(entry.socket.options, entry.profile?.name ?? null),
    }));
  }

  // --- Security profiles ---------------------------------------------------------------------------

  /** The security profiles the settings list now (empty without a resolver). */
  profiles(): readonly ProfileSummary[] {
    return this.#profiles?.summaries() ?? [];
  }

  /** The settings' profiles changed: the debugger's form offers the new list. */
  profilesChanged(): void {
    this.#emit({ type: 'profiles', profiles: this.profiles() });
  }

  /**
   * The socket of a security profile: the one made from it before, while the profile and its
   * secrets are unchanged; else a new PEER (`PEER · <name>`) with the profile's options, which the
   * session drains and watches as it does its own. A security profile is a socket's options, as in
   * libzmq, so each profile gets a socket of its own and the session's default socket stays NULL.
   * Rejects with a SecurityProfileError (EPROFILE) for an unknown profile or a missing secret.
   */
  socketForProfile(name: string): Promise<string> {
    const pending = this.#profileSockets.get(name);
    if (pending !== undefined) return pending;
    const made = this.#makeProfileSocket(name).finally(() => this.#profileSockets.delete(name));
    this.#profileSockets.set(name, made);
    return made;
  }

  async #makeProfileSocket(name: string): Promise<string> {
    this.#checkOpen();
    if (this.#profiles === undefined || !this.#profiles.summaries().some((p) => p.name === name)) {
      throw new SecurityProfileError(`no security profile "${name}" in the zmqPeer.security.profiles setting`);
    }
    const resolved = await this.#profiles.resolve(name);
    for (const entry of this.#sockets.values()) {
      if (entry.profile?.name === name && entry.profile.fingerprint === resolved.fingerprint && !entry.socket.closed) return entry.socketId;
    }
    const { socketId } = this.createSocket({
      label: `PEER · ${name}`,
      options: resolved.options,
      drain: true,
      watchConnects: true,
      profile: { name, fingerprint: resolved.fingerprint },
    });
    return socketId;
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

  // --- Taps --------------------------------------------------------------------------------------

  /**
   * Starts a tap (core/tap): it listens on `listen` and relays every app that connects to
   * `upstream`; the debugger shows it as a socket of type TAP with a pair per relayed connection.
   * With `terminate` it ends CURVE on both legs with the key pairs of two security profiles (a CURVE
   * server profile toward the apps, a CURVE client profile toward the upstream), their secret keys
   * read from the secret store now and handed to the core tap only.
   * Resolves with its id and the endpoint apps connect to. Throws the core's ZmqError, or a
   * SecurityProfileError (EPROFILE) for a profile that is unknown, of the wrong kind, or missing its secret.
   */
  async startTap(options: StartTapOptions): Promise<{ tapId: string; endpoint: string }> {
    this.#checkOpen();
    const curve = options.terminate === undefined ? undefined : await this.#terminatingKeys(options.terminate);
    const started = await this.#taps.start(options, curve);
    const keys = this.#taps.list().find((t) => t.tapId === started.tapId)?.terminating;
    const mode = keys ? `terminating CURVE: apps must trust server key ${keys.serverKey} (profile "${keys.serverProfile}"), the upstream sees client key ${keys.clientKey} (profile "${keys.clientProfile}"), ` : '';
    this.#logger?.info(`tap ${started.tapId}: listening on ${started.endpoint}, relaying to ${options.upstream.trim()} (${mode}policy ${options.policy ?? 'mirror'})`);
    return started;
  }

  /** The secret keys of a terminating tap's two profiles, each checked to be the CURVE role its leg needs. */
  async #terminatingKeys(terminate: TerminateProfiles): Promise<TapCurveKeys> {
    if (this.#profiles === undefined) throw new SecurityProfileError('no security profiles: add a CURVE server and a CURVE client profile with "ZMQ: Add Security Profile"');
    const [server, client] = await Promise.all([this.#profiles.resolve(terminate.serverProfile), this.#profiles.resolve(terminate.clientProfile)]);
    const wrongKind = (resolved: ResolvedProfile, role: 'server' | 'client', why: string): SecurityProfileError | undefined =>
      resolved.profile.mechanism === 'CURVE' && resolved.profile.role === role ? undefined
        : new SecurityProfileError(`profile "${resolved.profile.name}" is a ${resolved.profile.mechanism} ${resolved.profile.role} profile; terminating CURVE needs a CURVE ${role} profile ${why}`);
    const problem = wrongKind(server, 'server', 'toward the apps (the key pair of the server they trust)') ?? wrongKind(client, 'client', 'toward the upstream (a key pair it accepts)');
    if (problem !== undefined) throw problem;
    const serverSecretKey = server.options.curveSecretKey;
    const clientSecretKey = client.options.curveSecretKey;
    if (serverSecretKey === undefined || clientSecretKey === undefined) throw new SecurityProfileError('a CURVE profile resolved without its secret key');
    if (client.profile.mechanism === 'CURVE' && client.profile.role === 'client' && client.profile.serverKey !== server.security.publicKey) {
      // The tap is a client of the server profile's key upstream; the client profile's own server key is not used.
      this.#logger?.warn(`tap: client profile "${client.profile.name}" names server key ${client.profile.serverKey}, but the tap connects upstream as a client of server profile "${server.profile.name}" (public key ${server.security.publicKey}): the upstream must be that server`);
    }
    return { serverSecretKey, clientSecretKey };
  }

  /** Stops a tap; its traffic stays in the buffer. Throws ENOTSOCK for an unknown id. */
  async stopTap(tapId: string): Promise<void> {
    if (!this.#taps.has(tapId)) throw new ZmqError('ENOTSOCK', { detail: `no tap "${tapId}" in this session` });
    await this.#taps.stop(tapId);
    this.#logger?.info(`tap ${tapId} stopped`);
  }

  /** The taps now (listen → upstream, policy, state, open connections). */
  taps(): TapSummary[] {
    return this.#taps.list();
  }

  /** The tap traffic in the buffer as pcapng (`zmtp`: Wireshark ≥ 4.4 decodes it as is; `tcp`: synthesized TCP); null when there is none. */
  exportTapCapture(format: CaptureFormat): Uint8Array | null {
    return this.#taps.hasCapture() ? this.#taps.capture(format) : null;
  }

  // --- SessionApi ----------------------------------------------------------------------------------

  snapshot(): Snapshot {
    return {
      sockets: [...this.sockets(), ...this.#taps.socketViews()],
      closedSockets: [...this.#closedSockets],
      peers: [...this.peers(), ...this.#taps.pairViews()],
      traffic: this.#traffic.toArray().map(toTrafficView),
      events: this.#events.groups(),
      rates: this.#pictures.rates(),
      ladders: [...this.#pictures.ladders((socketId, connectionId) => this.#peers.has(socketId, connectionId)), ...this.#taps.ladders()],
      settings: { bufferSize: this.#settings.bufferSize, defaultView: this.#settings.defaultView },
      savedMessages: [...this.#savedMessages.messages],
      profiles: [...this.profiles()],
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
    if (this.#taps.has(socketId)) {
      // A tap's pair kept to show why it failed: dismissing it forgets it.
      this.#taps.dismiss(socketId, connectionId);
      return;
    }
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
    this.#taps.clear();
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
    if (this.#disposed || (this.#sockets.size === 0 && this.#taps.list().length === 0)) return;
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
      this.#emit({ type: 'sockets', sockets: [...this.sockets(), ...this.#taps.socketViews()] });
    }
    for (const socketId of this.#busySockets) this.#refreshCounters(socketId);
    this.#busySockets.clear();
    const { updated, gone } = this.#peers.takeChanges();
    for (const peer of updated) this.#emit({ type: 'peer', peer });
    for (const peer of gone) this.#emit({ type: 'peerGone', socketId: peer.socketId, connectionId: peer.connectionId });
    const events = this.#events.takeChanged();
    if (events.length > 0) this.#emit({ type: 'monitor', events });
    for (const ladder of this.#pictures.takeChangedLadders((socketId, connectionId) => this.#peers.has(socketId, connectionId))) this.#emit({ type: 'ladder', ladder });
    const taps = this.#taps.takeChanges();
    for (const peer of taps.updated) this.#emit({ type: 'peer', peer });
    for (const peer of taps.gone) this.#emit({ type: 'peerGone', ...peer });
    for (const ladder of taps.ladders) this.#emit({ type: 'ladder', ladder });
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
      await Promise.all([...closing, this.#taps.stopAll().catch(() => undefined)]);
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

  #onFrame(socketId: string, tapped: FrameRecord): void {
    // A PLAIN HELLO carries the password in clear: masked before anything keeps or shows it.
    const frame = tapped.kind === 'HELLO' ? { ...tapped, body: maskPlainHello(tapped.body) } : tapped;
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
