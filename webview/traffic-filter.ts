/**
 * The timeline's filter: which frames it shows (text or `/regex/`, socket, routing id, direction,
 * commands), the one-line preview the text filter searches, and the check of a filter read back
 * from saved view state. Pure: no DOM, no vscode.
 */

import { base64ToBytes, previewText } from './payload';
import type { TrafficView } from './protocol';

/** Which way the direction filter lets frames through. */
export type DirectionFilter = 'all' | 'in' | 'out';

/** The timeline filter. */
export interface TrafficFilter {
  /** Plain substring (case-insensitive), or `/regex/flags`. Empty: no text filter. */
  readonly text: string;
  /** Only frames of this socket; null: all. */
  readonly socketId: string | null;
  /** Only frames of this routing id on `socketId` (never set without it); null: all of the socket. */
  readonly routingId: number | null;
  readonly direction: DirectionFilter;
  /** Show ZMTP commands (greeting, READY, PING…) and WebSocket control frames, not only data. */
  readonly showCommands: boolean;
}

/** No filter: every data frame, both ways. */
export const DEFAULT_FILTER: TrafficFilter = { text: '', socketId: null, routingId: null, direction: 'all', showCommands: false };

/** Compiles the text filter: a case-insensitive substring, or `/source/flags`. */
export function compileTextFilter(text: string): { test: ((s: string) => boolean) | null; error: string | null } {
  if (text === '') return { test: null, error: null };
  const m = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (m) {
    try {
      // 'g' and 'y' make test() stateful (lastIndex), which would skip matches between rows.
      const re = new RegExp(m[1], m[2].replace(/[gy]/g, ''));
      return { test: (s) => re.test(s), error: null };
    } catch (err) {
      return { test: null, error: err instanceof Error ? err.message : String(err) };
    }
  }
  const needle = text.toLowerCase();
  return { test: (s) => s.toLowerCase().includes(needle), error: null };
}

const previewCache = new WeakMap<TrafficView, string>();

/** The frame's one-line preview (cached per frame object). */
export function framePreview(frame: TrafficView): string {
  let p = previewCache.get(frame);
  if (p === undefined) {
    const bytes = base64ToBytes(frame.data);
    p = bytes === null ? '' : previewText(bytes);
    if (frame.truncated) p += ' [truncated]';
    previewCache.set(frame, p);
  }
  return p;
}

/** True when a frame is a ZMTP or WebSocket command rather than a data message. */
export function isCommand(frame: TrafficView): boolean {
  return frame.kind !== 'data';
}

/**
 * Builds the timeline predicate for a filter. The text filter looks at the preview, the kind and
 * the routing id, so `/^PING/` and `42` both find what a user sees in the row.
 */
export function trafficPredicate(filter: TrafficFilter): (frame: TrafficView) => boolean {
  const { test } = compileTextFilter(filter.text);
  return (f) => {
    if (!filter.showCommands && isCommand(f)) return false;
    if (filter.direction !== 'all' && f.direction !== filter.direction) return false;
    if (filter.socketId !== null && f.socketId !== filter.socketId) return false;
    if (filter.routingId !== null && f.routingId !== filter.routingId) return false;
    if (test !== null && !test(framePreview(f)) && !test(f.kind) && !(f.routingId !== null && test(String(f.routingId)))) return false;
    return true;
  };
}

/** The frames the timeline shows, oldest first. */
export function visibleTraffic(state: { readonly traffic: readonly TrafficView[]; readonly filter: TrafficFilter }): TrafficView[] {
  return state.traffic.filter(trafficPredicate(state.filter));
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 100;
}

/** A filter read back from saved view state (older or tampered): every field checked, defaults otherwise. */
export function sanitizeFilter(value: unknown): TrafficFilter {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const socketId = isId(v.socketId) ? v.socketId : null;
  return {
    text: typeof v.text === 'string' ? v.text.slice(0, 1000) : '',
    socketId,
    // A routing id means something only on its socket.
    routingId: socketId !== null && typeof v.routingId === 'number' && Number.isInteger(v.routingId) && v.routingId > 0 && v.routingId <= 0xffffffff ? v.routingId : null,
    direction: v.direction === 'in' || v.direction === 'out' ? v.direction : 'all',
    showCommands: v.showCommands === true,
  };
}
