/**
 * One-line summaries of handshake frames for the handshake ladder: what a greeting, a READY, a
 * PING or an ERROR carried, read from the body the core's traffic tap hands over. Every byte came
 * from the network, so every read is bounds-checked and a malformed body is summarised as such,
 * never thrown. The core decodes these frames too, but keeps its decoders internal (core/zmtp);
 * this reads only what the ladder shows.
 */

const ASCII = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A 64-byte greeting (RFC 23, "ZMTP 3.1" §Greeting): signature FF, 8 padding bytes, 7F; version
 * major and minor; the mechanism, 20 bytes NUL-padded; as-server; 31 bytes of filler.
 */
export function summariseGreeting(body: Uint8Array): string {
  if (body.length < 33) return `${body.length} bytes (a greeting is 64)`;
  if (body[0] !== 0xff || body[9] !== 0x7f) return 'bad signature (not ZMTP)';
  let end = 12;
  while (end < 32 && body[end] !== 0) end++;
  const mechanism = ASCII.decode(body.subarray(12, end)) || '(none)';
  return `ZMTP ${body[10]}.${body[11]} · ${mechanism} · as-server ${body[32]}`;
}

/** The name and data of a command body: `name-size name data` (RFC 23 §Commands). */
export function splitCommand(body: Uint8Array): { name: string; data: Uint8Array } | null {
  if (body.length < 1 || body[0] + 1 > body.length) return null;
  return { name: ASCII.decode(body.subarray(1, 1 + body[0])), data: body.subarray(1 + body[0]) };
}

/**
 * READY's metadata as `Name=value, …`: each property is `name-size name value-size(4, network
 * order) value` (RFC 23 §The NULL Security Mechanism, "metadata").
 */
export function summariseReady(body: Uint8Array): string {
  const command = splitCommand(body);
  if (command === null) return 'malformed READY';
  const data = command.data;
  const parts: string[] = [];
  let at = 0;
  while (at < data.length) {
    const nameSize = data[at];
    if (at + 1 + nameSize + 4 > data.length) return [...parts, '(malformed metadata)'].join(', ');
    const name = ASCII.decode(data.subarray(at + 1, at + 1 + nameSize));
    at += 1 + nameSize;
    const valueSize = ((data[at] << 24) >>> 0) + (data[at + 1] << 16) + (data[at + 2] << 8) + data[at + 3];
    at += 4;
    if (at + valueSize > data.length) return [...parts, `${name}=(malformed)`].join(', ');
    parts.push(`${name}=${printable(data.subarray(at, at + valueSize), 40)}`);
    at += valueSize;
  }
  return parts.length > 0 ? parts.join(', ') : '(no properties)';
}

/** PING's TTL (RFC 37: 2 bytes, in tenths of a second) and whether it has a context. */
export function summarisePing(body: Uint8Array): string {
  const command = splitCommand(body);
  if (command === null || command.data.length < 2) return 'malformed PING';
  const ttl = (command.data[0] << 8) | command.data[1];
  return `TTL ${ttl / 10} s${command.data.length > 2 ? ` · context ${command.data.length - 2} B` : ''}`;
}

/** ERROR's reason: `reason-size reason` (RFC 23 §The ERROR Command). */
export function summariseError(body: Uint8Array): string {
  const command = splitCommand(body);
  if (command === null || command.data.length < 1) return 'malformed ERROR';
  const size = Math.min(command.data[0], command.data.length - 1);
  return `reason ${JSON.stringify(UTF8.decode(command.data.subarray(1, 1 + size)))}`;
}

/** A data frame's first bytes: quoted text when printable, else hex. */
export function summariseData(body: Uint8Array): string {
  return body.length === 0 ? '(empty)' : printable(body, 32);
}

/** Text in quotes when every byte of the start is printable ASCII or UTF-8, otherwise hex bytes. */
function printable(bytes: Uint8Array, max: number): string {
  const head = bytes.subarray(0, max);
  const cut = bytes.length > max ? '…' : '';
  // A cut through a multi-byte character decodes as U+FFFD at the end: not a sign of binary.
  const text = cut ? UTF8.decode(head).replace(/\ufffd$/, '') : UTF8.decode(head);
  // U+FFFD and control characters mean binary: show hex instead.
  if (!/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(text)) return `"${text}"${cut}`;
  return `${Array.from(head.subarray(0, Math.min(head.length, 12)), (b) => b.toString(16).padStart(2, '0')).join(' ')}${bytes.length > 12 ? ' …' : ''}`;
}
