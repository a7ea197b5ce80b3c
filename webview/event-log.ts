/**
 * Grouping monitor events so that history survives a retry loop. An unreachable endpoint makes
 * the core report CONNECT_DELAYED, CLOSED and CONNECT_RETRIED ten times a second; kept one by one,
 * they would push everything else out of a bounded log within a minute. Equal events (same socket,
 * type, endpoint, routing id and error) that recur among the newest few groups are counted into
 * their group instead (`CONNECT_RETRIED ×42`), which moves to the newest place.
 *
 * Pure functions over EventView, no DOM and no Node: the host's event log (extension/session.ts)
 * groups with {@link addEvent}, the webview replaces groups by id with {@link mergeEventGroups}.
 */

import type { EventView } from './protocol';

/**
 * How many of the newest groups an event may join. A retry cycle has three event types; eight
 * covers a cycle with another connection's events interleaved, and keeps the search short.
 */
export const EVENT_GROUP_WINDOW = 8;

/** What makes two events equal for grouping (everything but the times and `value`). */
export function eventGroupKey(e: Pick<EventView, 'socketId' | 'type' | 'endpoint' | 'routingId' | 'error'>): string {
  return `${e.socketId}\u0000${e.type}\u0000${e.endpoint}\u0000${e.routingId ?? ''}\u0000${e.error ?? ''}`;
}

/**
 * Adds one event to a mutable log of groups (oldest first), at most `max` long. Returns the group
 * that now holds it: an existing one, grown and moved to the end, or `fresh` (appended).
 */
export function addEvent(log: EventView[], fresh: EventView, max: number): EventView {
  const key = eventGroupKey(fresh);
  const stop = Math.max(0, log.length - EVENT_GROUP_WINDOW);
  for (let i = log.length - 1; i >= stop; i--) {
    const group = log[i];
    if (eventGroupKey(group) !== key) continue;
    const grown: EventView = { ...group, time: fresh.time, value: fresh.value, count: group.count + fresh.count };
    log.splice(i, 1);
    log.push(grown);
    return grown;
  }
  log.push(fresh);
  if (log.length > max) log.splice(0, log.length - max);
  return fresh;
}

/**
 * The webview's side: groups from the host replace those with the same id (a group that grew
 * moves to the end), new ones are appended, and the log keeps the newest `max`.
 */
export function mergeEventGroups(log: readonly EventView[], incoming: readonly EventView[], max: number): readonly EventView[] {
  if (incoming.length === 0) return log;
  const ids = new Set(incoming.map((e) => e.id));
  // When the same group came twice in one batch, its last version wins.
  const latest = new Map<number, EventView>();
  for (const e of incoming) {
    latest.delete(e.id);
    latest.set(e.id, e);
  }
  const kept = log.filter((e) => !ids.has(e.id));
  const merged = kept.concat([...latest.values()]);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

/** The group's text as the log shows it: `CONNECT_RETRIED ×42`. */
export function eventGroupLabel(e: Pick<EventView, 'type' | 'count'>): string {
  return e.count > 1 ? `${e.type} ×${e.count}` : e.type;
}
