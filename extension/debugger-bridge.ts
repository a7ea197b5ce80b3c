/**
 * The host end of the debugger webview's protocol, without vscode: it checks every message from
 * the webview (`isWebviewToHost`), answers `ready` with `init`, runs requests against the session
 * and answers each with exactly one `response`, and forwards session events as they come.
 * `debugger-panel.ts` wires it to a real WebviewPanel; unit tests wire it to a fake one.
 *
 * Traffic is batched once per layer, and not here: the session coalesces its events every 50 ms
 * (at most 1000 frames each) and the webview folds what arrived into one redraw per animation
 * frame. A third batch in between would only add latency.
 */

import { isZmqError } from '../core/index';
import { isWebviewToHost, PROTOCOL_VERSION, type HostEvent, type HostToWebview, type WebviewToHost } from '../webview/protocol';
import type { SessionApi } from './session-api';

/** What to show when the panel opens: a socket, optionally one routing id on it; or all the traffic. */
export interface DebuggerFocus {
  readonly socketId?: string;
  readonly routingId?: number;
  /** Lift any peer filter (a script run: its sockets come and go, its frames must not be hidden). */
  readonly showAll?: boolean;
}

/** What the bridge needs from the panel it serves: where to post, where to log, how to save an export. */
export interface PanelPort {
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
  readonly #port: PanelPort;
  readonly #unsubscribe: () => void;
  #ready = false;
  #disposed = false;
  #pendingFocus: HostEvent | null = null;

  constructor(session: SessionApi, port: PanelPort) {
    this.#session = session;
    this.#port = port;
    this.#unsubscribe = session.onEvent((event) => this.#onSessionEvent(event));
  }

  /** True between the webview's `ready` and it going away (hidden without retained context, disposed). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * The webview's content went away (hidden without `retainContextWhenHidden`): stop posting until
   * it sends `ready` again; `init` will carry what it missed.
   */
  detach(): void {
    this.#ready = false;
  }

  /** Focuses a socket or routing id: posted now when the webview is ready, else right after `init`. */
  focus(focus: DebuggerFocus): void {
    let event: HostEvent;
    if (focus.socketId !== undefined) event = { type: 'focus', socketId: focus.socketId, routingId: focus.routingId ?? null };
    else if (focus.showAll === true) event = { type: 'focus', socketId: null, routingId: null };
    else return;
    if (this.#ready) this.#post({ kind: 'event', event });
    else this.#pendingFocus = event;
  }

  /** Handles one message from the webview. Never throws; malformed messages are logged and dropped. */
  receive(raw: unknown): void {
    if (this.#disposed) return;
    if (!isWebviewToHost(raw)) {
      this.#port.log(`Debugger view: ignored an invalid message: ${describe(raw)}`);
      return;
    }
    this.#dispatch(raw);
  }

  /** Unsubscribes from the session and stops posting. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#ready = false;
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
      this.#port.log(`Debugger view: protocol version ${version}, expected ${PROTOCOL_VERSION}; answering anyway`);
    }
    let snapshot;
    try {
      snapshot = this.#session.snapshot();
    } catch (err) {
      this.#port.log(`Debugger view: could not take a snapshot: ${toWireError(err).message}`);
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
        return { path: await this.#port.saveExport(s.exportTraffic()) };
      case 'messages/save':
        await s.saveMessage(msg.params.message);
        return null;
      default:
        return assertNever(msg);
    }
  }

  #onSessionEvent(event: HostEvent): void {
    if (!this.#ready || this.#disposed) return;
    this.#post({ kind: 'event', event });
  }

  #post(msg: HostToWebview): void {
    try {
      const r = this.#port.post(msg);
      if (typeof r === 'object' && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(undefined, (err: unknown) => this.#port.log(`Debugger view: postMessage failed: ${toWireError(err).message}`));
      }
    } catch (err) {
      this.#port.log(`Debugger view: postMessage failed: ${toWireError(err).message}`);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
