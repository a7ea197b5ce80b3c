/**
 * For the tap's scanner and reader tests: a sink that records every unit a scanner finds, with
 * its capture limits set by the test, and a reader host that collects records.
 */
import { ZmtpScanner } from '../../core/tap/zmtp-scanner';
import { ZwsScanner } from '../../core/tap/zws-scanner';
import { TrafficReader, type ReaderHost } from '../../core/tap/traffic-reader';
import type { TapRecord, TapSide } from '../../core/tap/records';
import type { WireScanner, WireUnits } from '../../core/tap/wire-units';
import { toHex } from './hex';

/** One unit as a scanner reported it, bytes in hex so that deepEqual shows them. */
export type Unit =
  | { readonly unit: 'greeting'; readonly raw: string; readonly end: number }
  | { readonly unit: 'httpHead'; readonly raw: string; readonly end: number }
  | { readonly unit: 'frame'; readonly flags: number; readonly size: number; readonly head: string }
  | { readonly unit: 'control'; readonly opcode: number; readonly payload: string }
  | { readonly unit: 'undecodable'; readonly reason: string; readonly raw: string };

/** A scanner of the given kind feeding a recorder; `limit` bytes of each data frame are kept (commands: `commandLimit`). */
export function recordingScanner(kind: 'zmtp' | 'zws', limit = Infinity, commandLimit = Infinity): { scanner: WireScanner; units: Unit[] } {
  const units: Unit[] = [];
  const sink: WireUnits = {
    greeting: (raw, end) => units.push({ unit: 'greeting', raw: toHex(raw), end }),
    httpHead: (raw, end) => units.push({ unit: 'httpHead', raw: Buffer.from(raw).toString('latin1'), end }),
    frame: (flags, size, head) => units.push({ unit: 'frame', flags, size, head: toHex(head) }),
    control: (opcode, payload) => units.push({ unit: 'control', opcode, payload: toHex(payload) }),
    undecodable: (reason, raw) => units.push({ unit: 'undecodable', reason, raw: toHex(raw) }),
  };
  const limits = { bytesFor: (flags: number) => (flags & 0x04 ? commandLimit : limit) };
  return { scanner: kind === 'zmtp' ? new ZmtpScanner(sink, limits) : new ZwsScanner(sink, limits), units };
}

/** The units a scanner of `kind` finds in `chunks` pushed in turn (limits as {@link recordingScanner}). */
export function scan(kind: 'zmtp' | 'zws', chunks: Iterable<Uint8Array>, limit = Infinity, commandLimit = Infinity): Unit[] {
  const { scanner, units } = recordingScanner(kind, limit, commandLimit);
  for (const chunk of chunks) scanner.push(chunk);
  return units;
}

/** Units with the chunk-relative `end` offsets left out (they differ by chunking by design). */
export function withoutOffsets(units: readonly Unit[]): unknown[] {
  return units.map((u) => ('end' in u ? { ...u, end: undefined } : u));
}

/** A reader for one side, collecting its records; options as a tap would set them. */
export function recordingReader(side: TapSide = 'app', options: { snaplen?: number; showPasswords?: boolean; mechanism?: string } = {}): { reader: TrafficReader; records: TapRecord[]; greetingEnds: number[] } {
  const records: TapRecord[] = [];
  const greetingEnds: number[] = [];
  let clock = 1000;
  const host: ReaderHost = {
    side,
    connection: 1,
    showPasswords: options.showPasswords ?? false,
    snaplen: () => options.snaplen ?? 65536,
    now: () => clock++,
    emit: (record) => records.push(record),
    greetingEnded: (end) => greetingEnds.push(end),
  };
  const reader = new TrafficReader(host);
  if (options.mechanism !== undefined) reader.mechanism = options.mechanism;
  return { reader, records, greetingEnds };
}
