/**
 * The session as the debugger panel sees it: an interface, so the bridge's unit tests can drive
 * it with a double and the panel depends on no more than it uses. No vscode import.
 */
import type { CaptureFormat } from '../core/index';
import type { HostEvent, PayloadFormat, SavedMessage, Snapshot } from '../webview/protocol';

/** The tap traffic as pcapng in a format, or null when the buffer holds none. */
export type CaptureExport = (format: CaptureFormat) => Uint8Array | null;

/**
 * What the debugger panel and the tree view need from the extension's session: the sockets it
 * drives, what they observed, and the actions a user can take. Implemented by `ZmqSession`
 * (extension/session.ts); it owns the core sockets (they live in the extension host, never in the
 * webview) and keeps a bounded ring buffer of traffic.
 */
export interface SessionApi {
  /** The whole state, for a view drawing itself from nothing. */
  snapshot(): Snapshot;
  /** Subscribes to changes; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Sends one message; rejects with the core's ZmqError (EHOSTUNREACH, EAGAIN…). Resolves with the byte count. */
  send(socketId: string, routingId: number, format: PayloadFormat, payload: string): Promise<number>;
  /** connectPeer on a socket; throws the core's ZmqError. */
  connectPeer(socketId: string, endpoint: string): number;
  bind(socketId: string, endpoint: string): Promise<string>;
  /**
   * The socket made from a security profile (made on first use, with its secrets from SecretStorage);
   * rejects with a SecurityProfileError (EPROFILE) for an unknown profile or a missing secret.
   */
  socketForProfile(name: string): Promise<string>;
  /** Ends one connection (connect side: disconnect its endpoint; bind side: close that connection). */
  disconnectPeer(socketId: string, connectionId: number): void;
  clearTraffic(): void;
  /** The traffic buffer as NDJSON: one JSON object per frame, bodies in base64. */
  exportTraffic(): string;
  saveMessage(message: SavedMessage): Promise<void>;
  /** The tap traffic in the buffer as pcapng (`zmtp` or `tcp`, core/tap's formats); null when there is none. */
  exportTapCapture?(format: CaptureFormat): Uint8Array | null;
}
