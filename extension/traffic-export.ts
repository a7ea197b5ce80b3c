/**
 * The traffic records the session keeps, their view for the webview, and the NDJSON export: one
 * JSON object per line, one line per frame, raw bytes in base64. No vscode import.
 */
import type { TrafficView } from '../webview/protocol';

/** One frame as the session keeps it in its ring buffer. */
export interface TrafficRecord {
  readonly seq: number;
  /** Date.now() when the core's tap saw it. */
  readonly time: number;
  readonly socketId: string;
  readonly connectionId: number;
  readonly routingId: number | null;
  readonly direction: 'in' | 'out';
  readonly kind: string;
  /** The frame body's full size in bytes. */
  readonly size: number;
  /** A copy of the body, cut to the session's capture limit. */
  readonly body: Buffer;
  /** The body was cut (`body.length < size`). */
  readonly truncated: boolean;
}

/** The webview's view of a record. */
export function toTrafficView(record: TrafficRecord): TrafficView {
  return {
    seq: record.seq,
    time: record.time,
    socketId: record.socketId,
    connectionId: record.connectionId,
    routingId: record.routingId,
    direction: record.direction,
    kind: record.kind,
    size: record.size,
    body: record.body.toString('base64'),
    truncated: record.truncated,
  };
}

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
    data: record.body.toString('base64'),
  };
}

/** NDJSON: one object per line, each line ending with "\n"; empty for no records. */
export function toNdjson(records: Iterable<TrafficRecord>): string {
  let out = '';
  for (const record of records) out += JSON.stringify(toExportedFrame(record)) + '\n';
  return out;
}

/** A default file name for an export made at `time`. */
export function exportFileName(time: number): string {
  return `zmq-traffic-${new Date(time).toISOString().replace(/[:.]/g, '-')}.ndjson`;
}
