/**
 * Reading one direction of a relayed connection: turns the units a scanner finds (greeting, HTTP
 * head, frames, WebSocket control frames) into records — greetings, commands with their fields
 * decoded by mechanism (NULL, PLAIN, CURVE), and messages as MORE-linked groups of frames. It
 * knows the wire, not the connection: what the records mean together is the diagnosis's job.
 */
import { ZmtpError } from '../errors';
import { parseCommand, parseErrorData, parsePingData, parseProperties, propertyText } from '../zmtp/command';
import { FLAG_COMMAND, FLAG_MORE, MECHANISM_SIZE, SOCKET_TYPE_PROPERTY } from '../zmtp/constants';
import { listValues, parseHttpHead } from './http-head';
import type { CommandRecord, EventRecord, GreetingRecord, MessageRecord, TapFrame, TapRecord, TapSide } from './records';
import type { WireUnits } from './wire-units';

/** Commands are small (READY, PING…); a body up to this size is kept whole to decode it. */
export const COMMAND_CAPTURE = 64 * 1024;
/** A message record keeps this many frames; further frames are only counted. */
export const MESSAGE_FRAME_LIMIT = 1000;
/** A message record keeps at most this many body bytes over all its frames (at least one snapshot length). */
export const MESSAGE_CAPTURE_BUDGET = 1024 * 1024;

/** What a reader needs from the tap it works for. */
export interface ReaderHost {
  /** The sender this reader reads. */
  readonly side: TapSide;
  readonly connection: number;
  /** Body bytes kept per data frame. */
  snaplen(): number;
  /** Whether PLAIN passwords appear in records. */
  readonly showPasswords: boolean;
  now(): number;
  emit(record: TapRecord): void;
  /**
   * The greeting (ZMTP) or HTTP head (ZWS) ended at offset `end` of the chunk being scanned: what
   * follows is the security handshake, which the relay may hold back (READY, with NULL).
   */
  greetingEnded(end: number): void;
}

/** Socket types whose data messages starting with 0x01 / 0x00 are subscriptions (libzmq xsub_t, xpub_t). */
const SUBSCRIBERS: ReadonlySet<string> = new Set(['SUB', 'XSUB']);

/** Reads one direction; the relay feeds it through a scanner. */
export class TrafficReader implements WireUnits {
  readonly #host: ReaderHost;
  /**
   * The security mechanism in force: from this side's ZMTP greeting, or for ZWS from the
   * sub-protocol the server chose (set by the connection, which sees the response).
   */
  mechanism: string | undefined;
  /** ZMTP 3.0 or 3.1, from the greeting (ZWS: 3.1 framing rules). */
  version: string | undefined;
  /** Whether bare `ZWS2.0` was chosen: no handshake, a routing-id message first (RFC 45). */
  bareZws = false;
  #socketType: string | undefined;
  #routingId: string | undefined;
  #messages = 0;
  /** The message being assembled. */
  #frames: TapFrame[] = [];
  #framesOmitted = 0;
  #messageSize = 0;
  #captured = 0;

  constructor(host: ReaderHost) {
    this.#host = host;
  }

  /** The sender's socket type, once its READY or INITIATE named it. */
  get socketType(): string | undefined {
    return this.#socketType;
  }

  get routingId(): string | undefined {
    return this.#routingId;
  }

  greeting(raw: Uint8Array, end: number): void {
    let nul = 12;
    while (nul < 12 + MECHANISM_SIZE && raw[nul] !== 0) nul++;
    let mechanism = '';
    for (let i = 12; i < nul; i++) mechanism += String.fromCharCode(raw[i] & 0x7f);
    // libzmq's classification (zmtp_engine_t::handshake): 3.0 exactly, everything newer is 3.1.
    this.version = raw[10] === 3 && raw[11] === 0 ? '3.0' : '3.1';
    this.mechanism = mechanism;
    this.#emit<GreetingRecord>({ kind: 'greeting', name: 'ZMTP', version: this.version, mechanism, asServer: raw[32] !== 0, raw });
    this.#host.greetingEnded(end);
  }

  httpHead(raw: Uint8Array, end: number): void {
    const head = parseHttpHead(raw);
    if (head === undefined) {
      this.undecodable('an HTTP head that is not HTTP/1.1', raw);
      return;
    }
    const protocols = listValues(head.headers.get('sec-websocket-protocol'));
    if (head.startLine[0].startsWith('HTTP/')) {
      const status = Number(head.startLine[1]);
      this.#emit<GreetingRecord>({ kind: 'greeting', name: 'HTTP-RESPONSE', status, path: head.startLine.join(' '), protocols, raw, ...mechanismOf(protocols[0]) });
    } else {
      this.#emit<GreetingRecord>({ kind: 'greeting', name: 'HTTP-UPGRADE', path: head.startLine[1], protocols, raw });
    }
    this.#host.greetingEnded(end);
  }

  undecodable(reason: string, raw: Uint8Array): void {
    const legacy = /^ZMTP (1\.0|2\.0)/.exec(reason);
    if (legacy) this.#emit<GreetingRecord>({ kind: 'greeting', name: 'ZMTP-LEGACY', version: legacy[1], raw });
    this.#emit<EventRecord>({ kind: 'event', name: 'not-decoded', severity: 'warning', text: `${this.#host.side} sends ${reason}: relayed byte for byte, no longer decoded` });
  }

  control(opcode: number, payload: Uint8Array): void {
    const name = opcode === 9 ? 'WS-PING' : opcode === 10 ? 'WS-PONG' : opcode === 8 ? 'WS-CLOSE' : `WS-OPCODE-${opcode}`;
    const reason = opcode === 8 && payload.length >= 2 ? `${(payload[0] << 8) | payload[1]}${payload.length > 2 ? ` ${propertyText(payload.subarray(2))}` : ''}` : undefined;
    this.#emit<CommandRecord>({ kind: 'command', name, size: payload.length, flags: FLAG_COMMAND, data: payload, ...(opcode === 9 || opcode === 10 ? { context: payload } : {}), ...(reason ? { reason } : {}) });
  }

  frame(flags: number, size: number, head: Uint8Array): void {
    // libzmq 4.3.4 sends CURVE's MESSAGE boxes as data frames (RFC 26 makes them commands).
    if (flags & FLAG_COMMAND || (this.mechanism === 'CURVE' && isMessageBox(head))) this.#command(flags, size, head);
    else this.#dataFrame(flags, size, head);
  }

  /** Bytes a scanner should keep of a frame with these flags. */
  bytesFor(flags: number): number {
    if (flags & FLAG_COMMAND) return COMMAND_CAPTURE;
    const snaplen = this.#host.snaplen();
    return this.#frames.length >= MESSAGE_FRAME_LIMIT ? 0 : Math.min(snaplen, Math.max(0, Math.max(snaplen, MESSAGE_CAPTURE_BUDGET) - this.#captured));
  }

  #command(flags: number, size: number, body: Uint8Array): void {
    let name: string;
    let data: Uint8Array;
    try {
      ({ name, data } = parseCommand(body));
    } catch {
      this.#emit<CommandRecord>({ kind: 'command', name: '?', size, flags, data: body, note: 'malformed: the body cannot hold its name' });
      return;
    }
    const base = { kind: 'command' as const, name, size, flags, data: body };
    const truncated = body.length < size ? `; only the first ${body.length} bytes decoded` : '';
    try {
      this.#emit<CommandRecord>({ ...base, ...this.#decodeCommand(name, data, body), ...(truncated ? { note: truncated.slice(2) } : {}) });
    } catch (err) {
      this.#emit<CommandRecord>({ ...base, note: `malformed: ${err instanceof ZmtpError ? err.message : String(err)}${truncated}` });
    }
  }

  /** The fields of a command, by name and mechanism (RFC 23, 37; RFC 24 PLAIN; RFC 26 CURVE). */
  #decodeCommand(name: string, data: Uint8Array, body: Uint8Array): Partial<CommandRecord> {
    const curve = this.mechanism === 'CURVE';
    switch (name) {
      case 'READY':
      case 'INITIATE':
        if (curve) return { note: name === 'READY' ? 'metadata in a CURVE box (encrypted)' : 'vouch and metadata in a CURVE box (encrypted)' };
        return { properties: this.#properties(data) };
      case 'HELLO':
        return curve ? { note: "the client's short-term key and a signature box (CURVE)" } : this.#plainHello(body, data);
      case 'WELCOME':
        return curve ? { note: "the server's short-term key and cookie in a CURVE box (encrypted)" } : {};
      case 'MESSAGE':
        return { note: 'a message in a CURVE box (encrypted)' };
      case 'ERROR':
        return { reason: parseErrorData(data) };
      case 'PING': {
        const ping = parsePingData(data);
        return { ttl: ping.ttl * 100, context: ping.context };
      }
      case 'PONG':
        return { context: data };
      case 'SUBSCRIBE':
      case 'CANCEL':
        return { topic: data };
      case 'JOIN':
      case 'LEAVE':
        return { group: propertyText(data) };
      default:
        return {};
    }
  }

  #properties(data: Uint8Array): Array<[string, string]> {
    const properties = parseProperties(data).map(([key, value]): [string, string] => [key, propertyText(value)]);
    for (const [key, value] of properties) {
      if (key === SOCKET_TYPE_PROPERTY) this.#socketType = value;
      else if ((key === 'Identity' || key === 'Routing-Id') && value !== '') this.#routingId = value;
    }
    return properties;
  }

  /**
   * PLAIN HELLO: `username-len username password-len password` (RFC 24). Unless passwords are
   * to be shown, the record's copy of the body has the password's bytes replaced by `*`, so that
   * it reaches no display, file or capture.
   */
  #plainHello(body: Uint8Array, data: Uint8Array): Partial<CommandRecord> {
    const userLength = data[0] ?? 0;
    const passwordAt = 1 + userLength;
    if (data.length < passwordAt + 1 || data.length !== passwordAt + 1 + data[passwordAt]) throw new ZmtpError('ERR_ZMTP_MALFORMED_COMMAND', 'PLAIN HELLO: user name and password lengths do not match the body');
    const username = propertyText(data.subarray(1, passwordAt));
    if (this.#host.showPasswords) return { username, password: propertyText(data.subarray(passwordAt + 1)) };
    const masked = body.slice();
    masked.fill(0x2a, body.length - data.length + passwordAt + 1);
    return { username, data: masked, note: `password of ${data[passwordAt]} bytes not shown` };
  }

  #dataFrame(flags: number, size: number, head: Uint8Array): void {
    if (this.#frames.length < MESSAGE_FRAME_LIMIT) this.#frames.push({ size, more: (flags & FLAG_MORE) !== 0, data: head, flags });
    else this.#framesOmitted++;
    this.#messageSize += size;
    this.#captured += head.length;
    if (flags & FLAG_MORE) return;
    const frames = this.#frames;
    const omitted = this.#framesOmitted;
    const total = this.#messageSize;
    this.#frames = [];
    this.#framesOmitted = 0;
    this.#messageSize = 0;
    this.#captured = 0;
    const first = this.#messages++ === 0;
    const single = frames.length === 1 && omitted === 0 ? frames[0] : undefined;
    // A subscription travels as a data message `01 topic` / `00 topic` from SUB and XSUB over
    // ZMTP 3.0 and ZWS (libzmq's v2 and ws encoders); libzmq's XPUB takes it so over 3.1 too.
    if (single && this.#socketType !== undefined && SUBSCRIBERS.has(this.#socketType) && single.size > 0 && single.data.length > 0 && single.data[0] <= 1) {
      const subscribe = single.data[0] === 1;
      this.#emit<CommandRecord>({ kind: 'command', name: subscribe ? 'SUBSCRIBE' : 'CANCEL', size: single.size, flags: single.flags, data: single.data, topic: single.data.subarray(1), note: 'a subscription message (ZMTP 3.0 / ZWS form)' });
      return;
    }
    // The hot path: one literal of a fixed shape, no spreading.
    const host = this.#host;
    const record: MessageRecord = {
      kind: 'message',
      time: host.now(),
      connection: host.connection,
      from: host.side,
      socketType: this.#socketType,
      frames,
      framesOmitted: omitted,
      size: total,
      routingId: this.#routingId,
      note: first && this.bareZws ? "the sender's routing id (bare ZWS2.0 sends it first)" : undefined,
    };
    host.emit(record);
  }

  #emit<R extends TapRecord>(fields: Omit<R, 'time' | 'connection' | 'from' | 'socketType'>): void {
    const host = this.#host;
    const record = { time: host.now(), connection: host.connection, from: host.side, ...(this.#socketType !== undefined ? { socketType: this.#socketType } : {}), ...fields } as unknown as TapRecord;
    host.emit(record);
  }
}

const MESSAGE_BOX = [7, ...'MESSAGE'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0)));

/** Whether a body starts with `\x07MESSAGE`, CURVE's message box. */
function isMessageBox(body: Uint8Array): boolean {
  return body.length >= MESSAGE_BOX.length && MESSAGE_BOX.every((byte, i) => body[i] === byte);
}

/** The mechanism a ZWS sub-protocol names: `ZWS2.0/NULL` → NULL; bare `ZWS2.0` → none. */
export function mechanismOf(protocol: string | undefined): { mechanism?: string } {
  if (protocol === undefined) return {};
  const slash = protocol.indexOf('/');
  return slash < 0 ? {} : { mechanism: protocol.slice(slash + 1) };
}
