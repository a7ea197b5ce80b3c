/**
 * How `zmq-peer tap` shows a tap's records: one line per greeting, command, message or event,
 * like tcpdump for ZeroMQ (time, connection, who sent it with its socket type, what it is, sizes
 * and a preview), and one NDJSON object per record for files and pipes.
 */
import type { CommandRecord, GreetingRecord, MessageRecord, TapFrame, TapRecord } from '../../core/index';
import type { Style } from './console-reporter';

/** Bytes of each frame shown in a line. */
export const PREVIEW_BYTES = 32;

/** `HH:MM:SS.uuuuuu`, local time, as tcpdump prints it. */
export function clock(time: number): string {
  const date = new Date(Math.floor(time));
  const micros = Math.floor((time % 1000) * 1000) % 1_000_000;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(micros).padStart(6, '0')}`;
}

/** A short preview: quoted text when the bytes are printable, else hex; `…` when cut. */
export function preview(bytes: Uint8Array, size = bytes.length, max = PREVIEW_BYTES): string {
  const shown = bytes.subarray(0, Math.min(bytes.length, max));
  const printable = shown.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09);
  const text = printable ? JSON.stringify(String.fromCharCode(...shown)) : Buffer.from(shown).toString('hex');
  return size > shown.length ? `${text}…` : text;
}

function sender(record: TapRecord): string {
  if (record.from === undefined) return '';
  const to = record.from === 'app' ? 'upstream' : 'app';
  return `${record.from}${record.socketType ? ` ${record.socketType}` : ''} > ${to}`;
}

function greetingText(r: GreetingRecord): string {
  switch (r.name) {
    case 'ZMTP':
      return `greeting ZMTP ${r.version} ${r.mechanism}${r.asServer ? ' as-server' : ''}`;
    case 'ZMTP-LEGACY':
      return `greeting ZMTP ${r.version} (relayed, not decoded)`;
    case 'HTTP-UPGRADE':
      return `upgrade GET ${r.path} offering ${(r.protocols ?? []).join(',') || '(no sub-protocol)'}`;
    case 'HTTP-RESPONSE':
      return `upgrade answered ${r.status}${r.protocols?.length ? ` ${r.protocols[0]}` : ''}`;
  }
}

function commandText(r: CommandRecord): string {
  const parts = [r.name];
  if (r.properties) parts.push(r.properties.map(([k, v]) => `${k}=${v}`).join(' '));
  if (r.ttl !== undefined && r.ttl > 0) parts.push(`ttl=${r.ttl}ms`);
  if (r.context !== undefined && r.context.length > 0) parts.push(`context=${preview(r.context)}`);
  if (r.reason !== undefined) parts.push(JSON.stringify(r.reason));
  if (r.topic !== undefined) parts.push(`topic=${preview(r.topic)}`);
  if (r.group !== undefined) parts.push(`group=${JSON.stringify(r.group)}`);
  if (r.username !== undefined) parts.push(`username=${JSON.stringify(r.username)}`);
  if (r.password !== undefined) parts.push(`password=${JSON.stringify(r.password)}`);
  if (r.note !== undefined) parts.push(`(${r.note})`);
  return parts.join(' ');
}

function frameText(f: TapFrame, i: number): string {
  return `[${i}] ${f.size}${f.size > 0 ? ` ${preview(f.data, f.size)}` : ''}`;
}

function messageText(r: MessageRecord): string {
  const count = r.frames.length + r.framesOmitted;
  const head = `message ${count} frame${count === 1 ? '' : 's'} ${r.size} bytes${r.routingId !== undefined ? ` id=${JSON.stringify(r.routingId)}` : ''}`;
  const shown = r.frames.slice(0, 8).map(frameText).join(' ');
  const more = count > 8 ? ` … ${count - 8} more` : '';
  return `${head}: ${shown}${more}${r.note ? ` (${r.note})` : ''}`;
}

/** One line (without its newline) for a record. */
export function formatLine(record: TapRecord, style: Style): string {
  const connection = record.connection === 0 ? 'tap' : `#${record.connection}`;
  // Events are about a connection, not a message in one direction.
  const who = record.kind === 'event' ? '' : sender(record);
  const prefix = `${style.dim(clock(record.time))} ${connection}${who ? ` ${who}` : ''}`;
  switch (record.kind) {
    case 'greeting':
      return `${prefix}: ${greetingText(record)}`;
    case 'command':
      return `${prefix}: ${commandText(record)}`;
    case 'message':
      return `${prefix}: ${messageText(record)}`;
    case 'event': {
      const mark = record.severity === 'error' ? style.red('!! ') : record.severity === 'warning' ? style.yellow('! ') : '';
      return `${prefix}: ${mark}${record.text}`;
    }
  }
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * One NDJSON object for a record: `time` (ISO 8601), `connection`, `from` ("app" or "upstream"),
 * `kind` (greeting, command, message, event), `name`, `socketType` of the sender where known,
 * and the kind's own fields — for messages `frames` with `size`, `more` and `data` in base64 (the
 * first `snaplen` bytes; `truncated` when cut), for events the diagnosis in `text`.
 */
export function toJson(record: TapRecord): Record<string, unknown> {
  const common = {
    time: new Date(record.time).toISOString(),
    connection: record.connection,
    ...(record.from !== undefined ? { from: record.from } : {}),
    kind: record.kind,
    name: record.kind === 'message' ? 'message' : record.name,
    ...(record.socketType !== undefined ? { socketType: record.socketType } : {}),
  };
  switch (record.kind) {
    case 'greeting': {
      const { version, mechanism, asServer, protocols, path, status } = record;
      return { ...common, ...definedOnly({ version, mechanism, asServer, protocols, path, status }), data: base64(record.raw) };
    }
    case 'command': {
      const { properties, ttl, reason, group, username, password, note } = record;
      return {
        ...common,
        size: record.size,
        ...definedOnly({ properties: properties ? Object.fromEntries(properties) : undefined, ttl, reason, group, username, password, note }),
        ...(record.context !== undefined ? { context: base64(record.context) } : {}),
        ...(record.topic !== undefined ? { topic: base64(record.topic) } : {}),
        data: base64(record.data),
      };
    }
    case 'message':
      return {
        ...common,
        size: record.size,
        ...definedOnly({ routingId: record.routingId, note: record.note }),
        frames: record.frames.map((f) => ({ size: f.size, more: f.more, data: base64(f.data), ...(f.data.length < f.size ? { truncated: true } : {}) })),
        ...(record.framesOmitted > 0 ? { framesOmitted: record.framesOmitted } : {}),
      };
    case 'event':
      return { ...common, severity: record.severity, text: record.text, ...definedOnly({ address: record.address }) };
  }
}

function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
