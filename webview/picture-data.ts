/**
 * What the debugger's pictures draw from, as the webview keeps it: message-rate series (one sample
 * a second, the last {@link RATE_HISTORY_SECONDS}, keyed by `socketRateKey` and by `peerKey`) and
 * handshake ladders by `peerKey`; taken from the host's snapshot, then grown by its `rates` and
 * `ladder` events. Pure: each function returns new maps.
 */

import { RATE_HISTORY_SECONDS, type LadderView, type RateHistory, type RateSample, type RateTick } from './protocol';
import { peerKey, socketRateKey } from './state-keys';

export type RateSeries = ReadonlyMap<string, readonly RateSample[]>;
export type Ladders = ReadonlyMap<string, LadderView>;

/** The rate series of a snapshot, each cut to the last RATE_HISTORY_SECONDS. */
export function ratesOf(history: RateHistory | undefined): RateSeries {
  const rates = new Map<string, readonly RateSample[]>();
  for (const r of history?.sockets ?? []) rates.set(socketRateKey(r.socketId), r.samples.slice(-RATE_HISTORY_SECONDS));
  for (const r of history?.peers ?? []) rates.set(peerKey(r.socketId, r.connectionId), r.samples.slice(-RATE_HISTORY_SECONDS));
  return rates;
}

/** The rate series after one tick: each listed series gains a sample (at most RATE_HISTORY_SECONDS); unlisted ones are gone. */
export function ratesAfter(rates: RateSeries, tick: RateTick): RateSeries {
  const next = new Map<string, readonly RateSample[]>();
  const add = (key: string, sample: RateSample): void => {
    const old = rates.get(key) ?? [];
    next.set(key, old.length >= RATE_HISTORY_SECONDS ? [...old.slice(old.length - RATE_HISTORY_SECONDS + 1), sample] : [...old, sample]);
  };
  for (const s of tick.sockets) add(socketRateKey(s.socketId), s.sample);
  for (const p of tick.peers) add(peerKey(p.socketId, p.connectionId), p.sample);
  return next;
}

/** The ladders of a snapshot, by `peerKey`. */
export function laddersOf(views: readonly LadderView[] | undefined): Ladders {
  const ladders = new Map<string, LadderView>();
  for (const l of views ?? []) ladders.set(peerKey(l.socketId, l.connectionId), l);
  return ladders;
}

/** The ladders with one connection's replaced (or added). */
export function withLadder(ladders: Ladders, ladder: LadderView): Ladders {
  const next = new Map(ladders);
  next.set(peerKey(ladder.socketId, ladder.connectionId), ladder);
  return next;
}

/** The ladders without one connection's. */
export function withoutLadder(ladders: Ladders, key: string): Ladders {
  if (!ladders.has(key)) return ladders;
  const next = new Map(ladders);
  next.delete(key);
  return next;
}
