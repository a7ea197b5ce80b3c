/**
 * Message rates for the debugger's sparklines: data messages and bytes, in and out, per socket and
 * per connection, one sample a second for the last {@link RATE_HISTORY_SECONDS} seconds.
 *
 * Counted from the traffic tap as frames pass (one map look-up per frame), not from the core's
 * cumulative counters: a socket's rate then includes connections that have since gone, and a
 * second is exact however the session batches its events. No vscode import, no timers: the session
 * calls {@link RateHistory.tick} once a second.
 */
import { RATE_HISTORY_SECONDS, type RateHistory as RateHistorySnapshot, type RateSample, type RateTick } from '../webview/protocol';

/** Counts of the second under way, mutated per frame. */
interface Counting {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
}

interface Series {
  readonly socketId: string;
  readonly connectionId: number | null;
  readonly now: Counting;
  /** Oldest first, at most RATE_HISTORY_SECONDS. */
  readonly samples: RateSample[];
}

function counting(): Counting {
  return { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
}

/** Per-socket and per-connection rate series. */
export class RateHistory {
  readonly #sockets = new Map<string, Series>();
  readonly #peers = new Map<string, Series>();
  #time = 0;

  /** Counts one data frame (commands and heartbeats are not messages). */
  count(socketId: string, connectionId: number, direction: 'in' | 'out', size: number): void {
    add(this.#series(this.#sockets, socketId, socketId, null).now, direction, size);
    add(this.#series(this.#peers, `${socketId}/${connectionId}`, socketId, connectionId).now, direction, size);
  }

  /** Starts a socket's series (so an idle socket draws a flat line, not nothing). */
  addSocket(socketId: string): void {
    this.#series(this.#sockets, socketId, socketId, null);
  }

  /** Starts a connection's series. */
  addPeer(socketId: string, connectionId: number): void {
    this.#series(this.#peers, `${socketId}/${connectionId}`, socketId, connectionId);
  }

  /** Forgets a socket and its connections. */
  removeSocket(socketId: string): void {
    this.#sockets.delete(socketId);
    for (const [key, series] of this.#peers) if (series.socketId === socketId) this.#peers.delete(key);
  }

  /** Forgets a connection. */
  removePeer(socketId: string, connectionId: number): void {
    this.#peers.delete(`${socketId}/${connectionId}`);
  }

  /** Ends the second under way: each series gets its sample, returned as the `rates` event's tick. */
  tick(time: number): RateTick {
    this.#time = time;
    return {
      time,
      sockets: [...this.#sockets.values()].map((s) => ({ socketId: s.socketId, sample: close(s) })),
      peers: [...this.#peers.values()].map((s) => ({ socketId: s.socketId, connectionId: s.connectionId ?? 0, sample: close(s) })),
    };
  }

  /** The whole history, for a snapshot. */
  snapshot(): RateHistorySnapshot {
    return {
      time: this.#time,
      sockets: [...this.#sockets.values()].map((s) => ({ socketId: s.socketId, samples: [...s.samples] })),
      peers: [...this.#peers.values()].map((s) => ({ socketId: s.socketId, connectionId: s.connectionId ?? 0, samples: [...s.samples] })),
    };
  }

  #series(map: Map<string, Series>, key: string, socketId: string, connectionId: number | null): Series {
    let series = map.get(key);
    if (series === undefined) {
      series = { socketId, connectionId, now: counting(), samples: [] };
      map.set(key, series);
    }
    return series;
  }
}

function add(c: Counting, direction: 'in' | 'out', size: number): void {
  if (direction === 'in') {
    c.msgsIn++;
    c.bytesIn += size;
  } else {
    c.msgsOut++;
    c.bytesOut += size;
  }
}

/** Closes the second: appends its sample, keeps the last RATE_HISTORY_SECONDS, resets the counts. */
function close(series: Series): RateSample {
  const c = series.now;
  const sample: RateSample = [c.msgsIn, c.msgsOut, c.bytesIn, c.bytesOut];
  series.samples.push(sample);
  if (series.samples.length > RATE_HISTORY_SECONDS) series.samples.splice(0, series.samples.length - RATE_HISTORY_SECONDS);
  c.msgsIn = c.msgsOut = c.bytesIn = c.bytesOut = 0;
  return sample;
}
