/**
 * The session's log of monitor events: grouped as they come (webview/event-log.ts's addEvent, the
 * grouping the webview applies too), so that a retry loop counts into `CONNECT_RETRIED ×42` instead
 * of pushing the history out; at most {@link EVENT_LOG_SIZE} groups; and the groups new or grown
 * since the last batch, for the session to send. No vscode import.
 */
import type { MonitorEvent } from '../core/index';
import { addEvent } from '../webview/event-log';
import type { EventView } from '../webview/protocol';
import { toEventView } from './session-views';

/** Event groups kept for the snapshot. */
export const EVENT_LOG_SIZE = 1000;

export class SessionEventLog {
  /** Oldest first. */
  readonly #groups: EventView[] = [];
  #nextId = 1;
  /** Groups new or grown since the last {@link takeChanged}, by id, in the order they last changed. */
  readonly #changed = new Map<number, EventView>();

  /** Logs one event; returns its view (the error text as the debugger shows it). */
  add(socketId: string, event: MonitorEvent): EventView {
    const view = toEventView(socketId, event, this.#nextId++);
    const group = addEvent(this.#groups, view, EVENT_LOG_SIZE);
    // A group that grew replaces its earlier version in the pending batch.
    this.#changed.delete(group.id);
    this.#changed.set(group.id, group);
    return view;
  }

  /** Every group, oldest first (a copy). */
  groups(): EventView[] {
    return [...this.#groups];
  }

  /** The groups new or grown since the last call. */
  takeChanged(): EventView[] {
    const changed = [...this.#changed.values()];
    this.#changed.clear();
    return changed;
  }
}
