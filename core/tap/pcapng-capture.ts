/**
 * A tap's records written as a pcapng capture that Wireshark opens as ZMTP.
 *
 * - `zmtp` (default): EXPORTED_PDU records naming the "zmtp" dissector, one ZMTP frame each, which
 *   Wireshark ≥ 4.4 decodes with no configuration. Its ZMTP dissector looks its conversation up
 *   and never creates one, so each connection starts with one "tcp" seed record (a bare SYN)
 *   that makes the TCP dissector create it (tap-and-pcapng.md §1). Records are cut at 262 144
 *   bytes, the most tshark accepts. Events (a diagnosis, a WebSocket ping) are "data" records
 *   whose Protocol and Info columns carry the text.
 * - `tcp`: synthesized Ethernet/IPv4/TCP with a three-way handshake, real sequence numbers and a
 *   FIN at the end, for Wireshark < 4.4 and other tools ("Decode As… ZMTP"); events become packet
 *   comments. A frame cut by the snapshot length continues in segments that carry no bytes.
 *
 * ZWS connections are transcoded in both formats, since Wireshark decodes ZMTP but not ZMTP over
 * WebSocket: a greeting is synthesized for each side from the negotiated sub-protocol (and says
 * so in a comment), each WebSocket message becomes the ZMTP frame it stands for, and the HTTP
 * upgrade and WebSocket control frames are shown as text. ipc and IPv6 connections get made-up
 * IPv4 addresses (named in the seed's comment).
 */
import { encodeGreeting } from '../zmtp/greeting';
import { FLAG_LONG } from '../zmtp/constants';
import { writeFrameHeader } from '../zmtp/frame';
import * as pcap from './pcapng';
import type { CommandRecord, GreetingRecord, TapRecord, TapSide } from './records';

/** The two encodings of a capture. */
export type CaptureFormat = 'zmtp' | 'tcp';

/** A made-up port for an upstream with none (ipc): clear of 5555 (SigComp) and 6000 (X11), which Wireshark would claim. */
const SYNTHETIC_UPSTREAM_PORT = 47_000;
const SYNTHETIC_APP_PORT_BASE = 40_000;

/** One end of a connection as the capture shows it. */
interface Endpoint {
  readonly ip: Uint8Array;
  readonly port: number;
  /** The real address, or undefined when made up. */
  readonly real: string | undefined;
}

interface Connection {
  readonly id: number;
  app: Endpoint;
  upstream: Endpoint;
  started: boolean;
  /** tcp: the next sequence number of each sender. */
  readonly seq: Record<TapSide, number>;
  /** tcp: comments waiting for the connection's next packet. */
  comments: string[];
  /** ZWS: the upgrade request, until the response says which mechanism to put in the greetings. */
  upgrade: GreetingRecord | undefined;
  closed: boolean;
}

/** Writes records as pcapng blocks to `write`, in the order given. */
export class PcapngCapture {
  readonly #format: CaptureFormat;
  readonly #write: (block: Uint8Array) => void;
  readonly #connections = new Map<number, Connection>();

  constructor(format: CaptureFormat, write: (block: Uint8Array) => void, application = 'zmq-peer-debugger tap') {
    this.#format = format;
    this.#write = write;
    write(pcap.sectionHeader(application));
    write(format === 'zmtp' ? pcap.interfaceDescription(pcap.LINKTYPE_WIRESHARK_UPPER_PDU, 'zmq tap (exported ZMTP PDUs)') : pcap.interfaceDescription(pcap.LINKTYPE_ETHERNET, 'zmq tap (synthesized TCP)'));
  }

  /** Adds one record. */
  add(record: TapRecord): void {
    if (record.connection === 0) {
      if (this.#format === 'zmtp' && record.kind === 'event') this.#text(record.time, blankFlow(), 'ZMQ tap', record.text);
      return;
    }
    const connection = this.#connection(record.connection);
    if (record.kind === 'event') {
      this.#event(connection, record.time, record.name, record.text, record.address);
      return;
    }
    const from = record.from ?? 'app';
    switch (record.kind) {
      case 'greeting':
        this.#greeting(connection, from, record);
        break;
      case 'command':
        if (record.name.startsWith('WS-')) this.#note(connection, from, record.time, 'ZWS', `WebSocket ${record.name.slice(3).toLowerCase()}${record.reason ? ` ${record.reason}` : ''}`, record.data);
        else this.#frame(connection, from, record.time, record.flags, record.size, record.data, commandComment(record));
        break;
      case 'message':
        record.frames.forEach((frame, i) => {
          const last = i === record.frames.length - 1;
          const comment = last && record.framesOmitted > 0 ? `${record.framesOmitted} more frames of this message were not kept` : record.note;
          this.#frame(connection, from, record.time, frame.flags, frame.size, frame.data, comment);
        });
        break;
    }
  }

  #connection(id: number): Connection {
    let connection = this.#connections.get(id);
    if (connection === undefined) {
      connection = {
        id,
        app: { ip: Uint8Array.of(10, 1, 0, 1), port: SYNTHETIC_APP_PORT_BASE + (id % 20_000), real: undefined },
        upstream: { ip: Uint8Array.of(10, 2, 0, 1), port: SYNTHETIC_UPSTREAM_PORT, real: undefined },
        started: false,
        seq: { app: (id * 0x10000) >>> 0, upstream: (id * 0x10000 + 0x8000) >>> 0 },
        comments: [],
        upgrade: undefined,
        closed: false,
      };
      this.#connections.set(id, connection);
    }
    return connection;
  }

  #flow(connection: Connection, from: TapSide): pcap.Flow {
    const { app, upstream } = connection;
    const forward: pcap.Flow = { srcIp: app.ip, dstIp: upstream.ip, srcPort: app.port, dstPort: upstream.port };
    return from === 'app' ? forward : pcap.reversed(forward);
  }

  #event(connection: Connection, time: number, name: string, text: string, address: string | undefined): void {
    // The addresses come with these two events, before any byte of the connection.
    if (name === 'accepted' && address !== undefined && !connection.started) connection.app = endpointOf(address) ?? connection.app;
    if (name === 'upstream-connected' && address !== undefined && !connection.started) connection.upstream = endpointOf(address) ?? connection.upstream;
    if (name === 'accepted' || name === 'upstream-connected') return;
    if (this.#format === 'zmtp') {
      if (!connection.started) return;
      this.#text(time, this.#flow(connection, 'app'), 'ZMQ tap', text);
    } else {
      connection.comments.push(text);
      if (name === 'closed') this.#finish(connection, time);
    }
  }

  /** Starts a connection in the capture: the seed record, or the TCP handshake. */
  #start(connection: Connection, time: number): void {
    if (connection.started) return;
    connection.started = true;
    const flow = this.#flow(connection, 'app');
    const names = `app ${connection.app.real ?? `(no IPv4 address: shown as ${ipText(connection.app.ip)}:${connection.app.port})`} ↔ upstream ${connection.upstream.real ?? `(no IPv4 address: shown as ${ipText(connection.upstream.ip)}:${connection.upstream.port})`}`;
    if (this.#format === 'zmtp') {
      const tags = pcap.upperPduTags({ dissector: 'tcp', flow });
      const syn = pcap.tcpHeader(flow, 999, 0, pcap.TCP_SYN);
      this.#write(pcap.enhancedPacket(time, concat(tags, syn), tags.length + syn.length, `connection ${connection.id}: ${names}; this SYN lets Wireshark's ZMTP dissector find the conversation`));
      return;
    }
    const { seq } = connection;
    const back = pcap.reversed(flow);
    this.#segment(time, flow, seq.app, 0, pcap.TCP_SYN, 0, EMPTY, true, `connection ${connection.id}: ${names}`);
    this.#segment(time, back, seq.upstream, seq.app + 1, pcap.TCP_SYN | pcap.TCP_ACK, 0, EMPTY, false);
    seq.app = (seq.app + 1) >>> 0;
    seq.upstream = (seq.upstream + 1) >>> 0;
    this.#segment(time, flow, seq.app, seq.upstream, pcap.TCP_ACK, 0, EMPTY, true);
  }

  #greeting(connection: Connection, from: TapSide, record: GreetingRecord): void {
    this.#start(connection, record.time);
    switch (record.name) {
      case 'ZMTP':
        this.#pdu(connection, from, record.time, record.raw, record.raw.length);
        break;
      case 'ZMTP-LEGACY':
        this.#note(connection, from, record.time, 'ZMTP', `ZMTP ${record.version ?? '?'} greeting: relayed, not decoded`, record.raw);
        break;
      case 'HTTP-UPGRADE':
        connection.upgrade = record;
        this.#note(connection, from, record.time, 'ZWS', `WebSocket upgrade: GET ${record.path ?? '/'}, offering ${(record.protocols ?? []).join(', ')}`, record.raw);
        break;
      case 'HTTP-RESPONSE': {
        this.#note(connection, from, record.time, 'ZWS', `WebSocket upgrade answered: ${record.path ?? record.status}${record.protocols?.length ? `, ${record.protocols[0]}` : ''}`, record.raw);
        if (record.status !== 101) break;
        const mechanism = record.mechanism ?? 'NULL';
        const comment = `synthesized: ZWS has no greeting; mechanism ${mechanism} from Sec-WebSocket-Protocol ${record.protocols?.[0] ?? '(none)'}`;
        this.#pdu(connection, 'app', record.time, encodeGreeting({ mechanism }), 64, comment);
        this.#pdu(connection, 'upstream', record.time, encodeGreeting({ mechanism, asServer: mechanism !== 'NULL' }), 64, comment);
        break;
      }
    }
  }

  /** One ZMTP frame: its header as the wire had it (ZWS: as ZMTP would have it), then the captured body. */
  #frame(connection: Connection, from: TapSide, time: number, flags: number, size: number, body: Uint8Array, comment?: string): void {
    this.#start(connection, time);
    const header = new Uint8Array(9);
    const headerLength = writeFrameHeader(header, 0, flags & ~FLAG_LONG, size);
    // A long-form size for a short body (legal, unusual) is kept as sent.
    const long = (flags & FLAG_LONG) !== 0 && size <= 255;
    const head = long ? longHeader(flags, size) : header.subarray(0, headerLength);
    this.#pdu(connection, from, time, concat(head, body), head.length + size, comment);
  }

  /** A run of ZMTP bytes from one side: captured `bytes` of a unit `length` bytes long. */
  #pdu(connection: Connection, from: TapSide, time: number, bytes: Uint8Array, length: number, comment?: string): void {
    const flow = this.#flow(connection, from);
    if (this.#format === 'zmtp') {
      const tags = pcap.upperPduTags({ dissector: 'zmtp', flow });
      const room = pcap.UPPER_PDU_CAPTURE_MAX - tags.length;
      const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
      this.#write(pcap.enhancedPacket(time, concat(tags, kept), tags.length + length, comment));
      return;
    }
    const other: TapSide = from === 'app' ? 'upstream' : 'app';
    for (let offset = 0; offset < length; offset += pcap.SEGMENT_PAYLOAD_MAX) {
      const piece = Math.min(pcap.SEGMENT_PAYLOAD_MAX, length - offset);
      const captured = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + piece, bytes.length));
      this.#segment(time, flow, connection.seq[from], connection.seq[other], pcap.TCP_ACK | pcap.TCP_PSH, piece, captured, from === 'app', this.#comments(connection, offset === 0 ? comment : undefined));
      connection.seq[from] = (connection.seq[from] + piece) >>> 0;
    }
  }

  /** Text about a connection: a "data" record with its own columns (zmtp), a comment (tcp). */
  #note(connection: Connection, from: TapSide, time: number, protocol: string, info: string, bytes: Uint8Array): void {
    this.#start(connection, time);
    if (this.#format === 'zmtp') this.#text(time, this.#flow(connection, from), protocol, info, bytes);
    else connection.comments.push(info);
  }

  #text(time: number, flow: pcap.Flow, protocol: string, info: string, payload: Uint8Array = new TextEncoder().encode(info)): void {
    const tags = pcap.upperPduTags({ dissector: 'data', flow, protocolColumn: protocol, infoColumn: info });
    const kept = payload.subarray(0, pcap.UPPER_PDU_CAPTURE_MAX - tags.length);
    this.#write(pcap.enhancedPacket(time, concat(tags, kept), tags.length + payload.length));
  }

  #comments(connection: Connection, extra: string | undefined): string | undefined {
    const all = [...connection.comments, ...(extra ? [extra] : [])];
    connection.comments = [];
    return all.length > 0 ? all.join('\n') : undefined;
  }

  #segment(time: number, flow: pcap.Flow, seq: number, ack: number, flags: number, length: number, captured: Uint8Array, fromApp: boolean, comment?: string): void {
    const { data, length: full } = pcap.tcpSegment(flow, seq, ack, flags, length, captured, fromApp);
    this.#write(pcap.enhancedPacket(time, data, full, comment));
  }

  /** tcp: both sides' FIN, carrying what was still to be said about the connection. */
  #finish(connection: Connection, time: number): void {
    if (connection.closed || !connection.started) return;
    connection.closed = true;
    const { seq } = connection;
    this.#segment(time, this.#flow(connection, 'app'), seq.app, seq.upstream, pcap.TCP_FIN | pcap.TCP_ACK, 0, EMPTY, true, this.#comments(connection, undefined));
    this.#segment(time, this.#flow(connection, 'upstream'), seq.upstream, (seq.app + 1) >>> 0, pcap.TCP_FIN | pcap.TCP_ACK, 0, EMPTY, false);
  }
}

const EMPTY = new Uint8Array(0);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function longHeader(flags: number, size: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = flags | FLAG_LONG;
  new DataView(out.buffer).setUint32(5, size);
  return out;
}

function commandComment(record: CommandRecord): string | undefined {
  return record.note;
}

/** `a.b.c.d:port` as an endpoint; undefined for anything else (IPv6, none). */
function endpointOf(address: string): Endpoint | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(address);
  if (!match) return undefined;
  return { ip: Uint8Array.of(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])), port: Number(match[5]), real: address };
}

function ipText(ip: Uint8Array): string {
  return [...ip].join('.');
}

function blankFlow(): pcap.Flow {
  return { srcIp: Uint8Array.of(0, 0, 0, 0), dstIp: Uint8Array.of(0, 0, 0, 0), srcPort: 0, dstPort: 0 };
}
