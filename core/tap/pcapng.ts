/**
 * pcapng blocks (draft-ietf-opsawg-pcapng: Section Header, Interface Description and Enhanced
 * Packet blocks, little-endian) and the two packet encodings a tap capture uses:
 * - Wireshark's EXPORTED_PDU link type (252): tag/length/value headers that name the dissector
 *   ("zmtp") and the addresses, then the PDU — what Wireshark 4.4 decodes as ZMTP without any
 *   configuration (tap-and-pcapng.md §1, §2 "pcapng recipe");
 * - synthesized Ethernet/IPv4/TCP (link type 1) for older Wireshark and other tools.
 * Pure: Uint8Array in, Uint8Array out.
 */

/** Link types (tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_WIRESHARK_UPPER_PDU = 252;

/** The largest EXPORTED_PDU record tshark accepts: a bigger one makes it refuse the whole file. */
export const UPPER_PDU_CAPTURE_MAX = 262_144;

/** EXPORTED_PDU tags (Wireshark's `exported_pdu.h`). */
const TAG_END = 0;
const TAG_DISSECTOR_NAME = 12;
const TAG_IPV4_SRC = 20;
const TAG_IPV4_DST = 21;
const TAG_PORT_TYPE = 24;
const TAG_SRC_PORT = 25;
const TAG_DST_PORT = 26;
const TAG_COL_PROT_TEXT = 33;
const TAG_COL_INFO_TEXT = 36;
/** `EXP_PDU_PT_TCP`. */
const PORT_TYPE_TCP = 2;

const encoder = new TextEncoder();

const pad4 = (n: number): number => (n + 3) & ~3;

/** A little-endian writer into a fixed buffer. */
class Bytes {
  readonly out: Uint8Array;
  readonly view: DataView;
  pos = 0;
  constructor(size: number) {
    this.out = new Uint8Array(size);
    this.view = new DataView(this.out.buffer);
  }
  u16(value: number, littleEndian = true): this {
    this.view.setUint16(this.pos, value, littleEndian);
    this.pos += 2;
    return this;
  }
  u32(value: number, littleEndian = true): this {
    this.view.setUint32(this.pos, value >>> 0, littleEndian);
    this.pos += 4;
    return this;
  }
  bytes(bytes: Uint8Array, padTo4 = false): this {
    this.out.set(bytes, this.pos);
    this.pos += padTo4 ? pad4(bytes.length) : bytes.length;
    return this;
  }
}

/** Options of a block: code, value (padded to 4 bytes), then opt_endofopt. */
function options(entries: ReadonlyArray<readonly [number, Uint8Array]>): Uint8Array {
  if (entries.length === 0) return new Uint8Array(0);
  const size = entries.reduce((sum, [, value]) => sum + 4 + pad4(value.length), 0) + 4;
  const b = new Bytes(size);
  for (const [code, value] of entries) b.u16(code).u16(value.length).bytes(value, true);
  return b.u16(0).u16(0).out;
}

/** A block: type, total length, body, total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + body.length;
  return new Bytes(total).u32(type).u32(total).bytes(body).u32(total).out;
}

/** The Section Header Block, with the writing application (`shb_userappl`) named. */
export function sectionHeader(application: string): Uint8Array {
  const opts = options([[4, encoder.encode(application)]]);
  const body = new Bytes(16 + opts.length).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).bytes(opts).out;
  return block(0x0a0d0d0a, body);
}

/** An Interface Description Block: link type, no snap length, microsecond timestamps (`if_tsresol` 6). */
export function interfaceDescription(linkType: number, name: string): Uint8Array {
  const opts = options([
    [2, encoder.encode(name)],
    [9, Uint8Array.of(6)],
  ]);
  return block(0x00000001, new Bytes(8 + opts.length).u16(linkType).u16(0).u32(0).bytes(opts).out);
}

/**
 * An Enhanced Packet Block on interface 0: `data` is what was captured, `originalLength` the
 * packet's real length (more when the capture was cut), `comment` an `opt_comment`.
 */
export function enhancedPacket(timeMs: number, data: Uint8Array, originalLength: number, comment?: string): Uint8Array {
  const micros = Math.round(timeMs * 1000);
  const opts = options(comment ? [[1, encoder.encode(comment)]] : []);
  const body = new Bytes(20 + pad4(data.length) + opts.length)
    .u32(0)
    .u32(Math.floor(micros / 0x100000000))
    .u32(micros % 0x100000000)
    .u32(data.length)
    .u32(originalLength)
    .bytes(data, true)
    .bytes(opts).out;
  return block(0x00000006, body);
}

/** The addresses of one direction of a (real or synthesized) TCP connection. */
export interface Flow {
  /** IPv4 addresses as 4 bytes. */
  readonly srcIp: Uint8Array;
  readonly dstIp: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** The reverse direction of a flow. */
export function reversed(flow: Flow): Flow {
  return { srcIp: flow.dstIp, dstIp: flow.srcIp, srcPort: flow.dstPort, dstPort: flow.srcPort };
}

function tag(b: Bytes, code: number, value: Uint8Array): void {
  b.u16(code, false).u16(pad4(value.length), false).bytes(value, true);
}

const u32be = (value: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
};

/** What an EXPORTED_PDU record says about its payload. */
export interface UpperPduHeader {
  /** The dissector to call: "zmtp", "tcp", "data". */
  readonly dissector: string;
  readonly flow: Flow;
  /** Protocol and Info column texts (tags 33, 36), for "data" records. */
  readonly protocolColumn?: string;
  readonly infoColumn?: string;
}

/** The EXPORTED_PDU tags before a payload: big-endian TLVs, values zero-padded to 4 bytes, an end tag. */
export function upperPduTags(header: UpperPduHeader): Uint8Array {
  const texts: Array<[number, Uint8Array]> = [[TAG_DISSECTOR_NAME, encoder.encode(header.dissector)]];
  if (header.protocolColumn !== undefined) texts.push([TAG_COL_PROT_TEXT, encoder.encode(header.protocolColumn)]);
  if (header.infoColumn !== undefined) texts.push([TAG_COL_INFO_TEXT, encoder.encode(header.infoColumn)]);
  const { flow } = header;
  const fixed: Array<[number, Uint8Array]> = [
    [TAG_IPV4_SRC, flow.srcIp],
    [TAG_IPV4_DST, flow.dstIp],
    [TAG_PORT_TYPE, u32be(PORT_TYPE_TCP)],
    [TAG_SRC_PORT, u32be(flow.srcPort)],
    [TAG_DST_PORT, u32be(flow.dstPort)],
  ];
  const all = [...texts, ...fixed];
  // A string exactly a multiple of 4 long gets no NUL (the recipe's "zmtp"); shorter ones are padded with NULs.
  const size = all.reduce((sum, [, value]) => sum + 4 + pad4(value.length), 0) + 4;
  const b = new Bytes(size);
  for (const [code, value] of all) tag(b, code, value);
  b.u16(TAG_END, false).u16(0, false);
  return b.out;
}

/** TCP flag bits. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** A bare 20-byte TCP header (no options), checksum left 0 unless given. */
export function tcpHeader(flow: Flow, seq: number, ack: number, flags: number, checksum = 0): Uint8Array {
  const b = new Bytes(20);
  b.u16(flow.srcPort, false).u16(flow.dstPort, false).u32(seq, false).u32(ack, false);
  b.out[b.pos++] = 5 << 4;
  b.out[b.pos++] = flags;
  b.u16(0xffff, false).u16(checksum, false).u16(0, false);
  return b.out;
}

/** RFC 1071 one's-complement sum of `parts` (as one byte string), folded to 16 bits. */
function internetChecksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet (14 bytes, made-up MAC addresses by direction) + IPv4 (20) + TCP (20) headers. */
export const SEGMENT_HEADERS = 54;
/** The largest TCP payload an IPv4 packet can carry without options. */
export const SEGMENT_PAYLOAD_MAX = 65_535 - 40;

/**
 * An Ethernet/IPv4/TCP packet carrying `payload` (of which only `captured` bytes are given when the
 * capture was cut: the checksum is then left 0, which Wireshark does not check by default).
 * Returns the packet bytes as captured and the packet's full length.
 */
export function tcpSegment(flow: Flow, seq: number, ack: number, flags: number, payloadLength: number, captured: Uint8Array, fromClient: boolean): { data: Uint8Array; length: number } {
  const ipLength = 40 + payloadLength;
  const ip = new Bytes(20);
  ip.out[ip.pos++] = 0x45;
  ip.out[ip.pos++] = 0;
  ip.u16(ipLength, false).u16(0, false).u16(0x4000, false);
  ip.out[ip.pos++] = 64;
  ip.out[ip.pos++] = 6;
  ip.u16(0, false).bytes(flow.srcIp).bytes(flow.dstIp);
  ip.view.setUint16(10, internetChecksum([ip.out]));
  let checksum = 0;
  if (captured.length === payloadLength) {
    const pseudo = new Bytes(12).bytes(flow.srcIp).bytes(flow.dstIp);
    pseudo.out[9] = 6;
    pseudo.view.setUint16(10, 20 + payloadLength);
    checksum = internetChecksum([pseudo.out, tcpHeader(flow, seq, ack, flags), captured]);
  }
  const ethernet = Uint8Array.of(0, 0, 0, 0, 0, fromClient ? 2 : 1, 0, 0, 0, 0, 0, fromClient ? 1 : 2, 0x08, 0x00);
  const data = new Uint8Array(SEGMENT_HEADERS + captured.length);
  data.set(ethernet, 0);
  data.set(ip.out, 14);
  data.set(tcpHeader(flow, seq, ack, flags, checksum), 34);
  data.set(captured, SEGMENT_HEADERS);
  return { data, length: SEGMENT_HEADERS + payloadLength };
}
