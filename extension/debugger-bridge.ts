/**
 * The host end of the debugger webview's protocol, without vscode: it checks every message from
 * the webview (`isWebviewToHost`), answers `ready` with `init`, runs requests against the session
 * and answers each with exactly one `response`, and forwards session events, coalescing traffic.
 * `debugger-panel.ts` wires it to a real WebviewPanel; unit tests wire it to a fake one.
 */

import { isZmqError } from '../core/index';
import { isWebviewToHost, PROTOCOL_VERSION, type HostEvent, type HostToWebview, type TrafficView, type WebviewToHost } from '../webview/protocol';
import type { SessionApi } from './session-api';

/** How often coalesced traffic is flushed to the webview (the webview draws once per frame anyway). */
export const TRAFFIC_FLUSH_MS = 33;
/** At most this many frames go out in one flush; older ones in a burst would fall out of the ring anyway. */
export const MAX_FRAMES_PER_FLUSH = 20_000;

/** What to focus when the panel opens: a socket, optionally one routing id on it. */
export interface DebuggerFocus {
  readonly socketId?: string;
  readonly routingId?: number;
}

/** The panel side the bridge needs. */
export interface BridgeHost {
  /** `webview.postMessage`. */
  post(msg: HostToWebview): unknown;
  /** Where rejected messages and failures are reported (an output channel). */
  log(message: string): void;
  /** Asks where to write `ndjson` and writes it; resolves with the path, or null when cancelled. */
  saveExport(ndjson: string): Promise<string | null>;
}

/** The `{ code, message }` an error crosses the boundary as: ZmqError's errno code, else the error's own code, else EINTERNAL. */
export function toWireError(err: unknown): { code: string; message: string } {
  if (isZmqError(err)) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' && code.length <= 64 ? code : 'EINTERNAL', message: err.message };
  }
  return { code: 'EINTERNAL', message: String(err) };
}

/** Describes a rejected message for the log without dumping a huge payload. */
function describe(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = Object.prototype.toString.call(raw);
  }
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

/** One debugger webview's protocol endpoint on the host. */
export class DebuggerBridge {
  readonly #session: SessionApi;
  readonly #host: BridgeHost;
  readonly #flushMs: number;
  readonly #unsubscribe: () => void;
  #ready = false;
  #disposed = false;
  #pendingFocus: HostEvent | null = null;
  #trafficQueue: TrafficView[] = [];
  /** Frames the session or this queue skipped since the last flush (the `dropped` of the next traffic event). */
  #trafficDropped = 0;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(session: SessionApi, host: BridgeHost, options: { flushMs?: number } = {}) {
    this.#session = session;
    this.#host = host;
    this.#flushMs = options.flushMs ?? TRAFFIC_FLUSH_MS;
    this.#unsubscribe = session.onEvent((event) => this.#onSessionEvent(event));
  }

  /** True between the webview's `ready` and it going away (hidden without retained context, disposed). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * The webview's content went away (hidden without `retainContextWhenHidden`): stop posting until
   * it sends `ready` again, and drop what was queued; `init` will carry it.
   */
  detach(): void {
    this.#ready = false;
    this.#dropQueue();
  }

  /** Focuses a socket or routing id: posted now when the webview is ready, else right after `init`. */
  focus(focus: DebuggerFocus): void {
    if (focus.socketId === undefined) return;
    const event: HostEvent = { type: 'focus', socketId: focus.socketId, routingId: focus.routingId ?? null };
    if (this.#ready) this.#post({ kind: 'event', event });
    else this.#pendingFocus = event;
  }

  /** Handles one message from the webview. Never throws; malformed messages are logged and dropped. */
  receive(raw: unknown): void {
    if (this.#disposed) return;
    if (!isWebviewToHost(raw)) {
      this.#host.log(`Debugger view: ignored an invalid message: ${describe(raw)}`);
      return;
    }
    this.#dispatch(raw);
  }

  /** Unsubscribes from the session and stops posting. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#ready = false;
    this.#dropQueue();
    this.#unsubscribe();
  }

  #dispatch(msg: WebviewToHost): void {
    switch (msg.kind) {
      case 'ready':
        this.#onReady(msg.version);
        return;
      case 'request':
        void this.#onRequest(msg);
        return;
      default:
        assertNever(msg);
    }
  }

  #onReady(version: number): void {
    if (version !== PROTOCOL_VERSION) {
      this.#host.log(`Debugger view: protocol version ${version}, expected ${PROTOCOL_VERSION}; answering anyway`);
    }
    this.#dropQueue();
    let snapshot;
    try {
      snapshot = this.#session.snapshot();
    } catch (err) {
      this.#host.log(`Debugger view: could not take a snapshot: ${toWireError(err).message}`);
      return;
    }
    this.#ready = true;
    this.#post({ kind: 'init', version: PROTOCOL_VERSION, snapshot });
    if (this.#pendingFocus !== null) {
      const event = this.#pendingFocus;
      this.#pendingFocus = null;
      this.#post({ kind: 'event', event });
    }
  }

  async #onRequest(msg: Extract<WebviewToHost, { kind: 'request' }>): Promise<void> {
    let response: HostToWebview;
    try {
      response = { kind: 'response', id: msg.id, ok: true, result: await this.#run(msg) };
    } catch (err) {
      response = { kind: 'response', id: msg.id, ok: false, error: toWireError(err) };
    }
    // A response answers a request of this page; it goes out even if the page re-sent ready since.
    if (!this.#disposed) this.#post(response);
  }

  async #run(msg: Extract<WebviewToHost, { kind: 'request' }>): Promise<unknown> {
    const s = this.#session;
    switch (msg.method) {
      case 'peer/send':
        return { bytes: await s.send(msg.params.socketId, msg.params.routingId, msg.params.format, msg.params.payload) };
      case 'peer/disconnect':
        s.disconnectPeer(msg.params.socketId, msg.params.connectionId);
        return null;
      case 'socket/connectPeer':
        return { routingId: s.connectPeer(msg.params.socketId, msg.params.endpoint) };
      case 'socket/bind':
        return { endpoint: await s.bind(msg.params.socketId, msg.params.endpoint) };
      case 'traffic/clear':
        s.clearTraffic();
        return null;
      case 'traffic/export':
        return { path: await this.#host.saveExport(s.exportTraffic()) };
      case 'messages/save':
        await s.saveMessage(msg.params.message);
        return null;
      default:
        return assertNever(msg);
    }
  }

  #onSessionEvent(event: HostEvent): void {
    if (!this.#ready || this.#disposed) return;
    if (event.type === 'traffic') {
      for (const f of event.frames) this.#trafficQueue.push(f);
      this.#trafficDropped += event.dropped ?? 0;
      if (this.#trafficQueue.length > MAX_FRAMES_PER_FLUSH * 2) {
        this.#trafficDropped += this.#trafficQueue.length - MAX_FRAMES_PER_FLUSH;
        this.#trafficQueue = this.#trafficQueue.slice(-MAX_FRAMES_PER_FLUSH);
      }
      if (this.#flushTimer === null) this.#flushTimer = setTimeout(() => this.#flush(), this.#flushMs);
      return;
    }
    // Keep order: traffic queued before this event goes first.
    this.#flush();
    this.#post({ kind: 'event', event });
  }

  #flush(): void {
    if (this.#flushTimer !== null) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = null;
    }
    if ((this.#trafficQueue.length === 0 && this.#trafficDropped === 0) || !this.#ready) return;
    const queue = this.#trafficQueue;
    const frames = queue.length > MAX_FRAMES_PER_FLUSH ? queue.slice(-MAX_FRAMES_PER_FLUSH) : queue;
    const dropped = this.#trafficDropped + (queue.length - frames.length);
    this.#trafficQueue = [];
    this.#trafficDropped = 0;
    this.#post({ kind: 'event', event: dropped > 0 ? { type: 'traffic', frames, dropped } : { type: 'traffic', frames } });
  }

  #dropQueue(): void {
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#trafficQueue = [];
    this.#trafficDropped = 0;
  }

  #post(msg: HostToWebview): void {
    try {
      const r = this.#host.post(msg);
      if (typeof r === 'object' && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#host.log(`Debugger view: postMessage failed: ${toWireError(err).message}`));
      }
    } catch (err) {
      this.#host.log(`Debugger view: postMessage failed: ${toWireError(err).message}`);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
