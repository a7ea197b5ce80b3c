/**
 * The NDJSON export of the traffic buffer: one JSON object per line, one line per frame, raw bytes
 * in base64. The field order of {@link ExportedFrame} is a file format. No vscode import.
 */
import type { TrafficRecord } from '../webview/protocol';
import { base64Of } from './session-views';

/** One exported line's object. Field order is fixed, so exports diff well. */
export interface ExportedFrame {
  readonly seq: number;
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  /** Milliseconds since the epoch, as `timestamp`. */
  readonly time: number;
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
  readonly direction: 'in' | 'out';
  readonly kind: string;
  readonly size: number;
  readonly truncated: boolean;
  /** The captured body bytes, base64. */
  readonly data: string;
}

/** The exported object of one record. */
export function toExportedFrame(record: TrafficRecord): ExportedFrame {
  return {
    seq: record.seq,
    timestamp: new Date(record.time).toISOString(),
    time: record.time,
    socketId: record.socketId,
    connectionId: record.connectionId,
    routingId: record.routingId,
    direction: record.direction,
    kind: record.kind,
    size: record.size,
    truncated: record.truncated,
    data: base64Of(record.data),
  };
}

/** NDJSON: one object per line, each line ending with "\n"; empty for no records. */
export function toNdjson(records: Iterable<TrafficRecord>): string {
  let out = '';
  for (const record of records) out += JSON.stringify(toExportedFrame(record)) + '\n';
  return out;
}

/** A default file name for an export made at `time`, ending `suffix.extension` (e.g. `-tcp.pcapng`). */
export function exportFileName(time: number, extension = 'ndjson', suffix = ''): string {
  return `zmq-traffic-${new Date(time).toISOString().replace(/[:.]/g, '-')}${suffix}.${extension}`;
}
