/**
 * Reading the head of an HTTP/1.1 request or response (RFC 9112 §2-§5) as a tap sees a ZWS
 * upgrade go by: the start line and the header fields, lenient about case and spaces, strict about
 * size. Pure: no Node.
 */

/** The largest head the tap reads; libzmq's own request and 101 response are well under 300 bytes. */
export const HTTP_HEAD_MAX = 16 * 1024;

/** A parsed head: its start line split in three, and header fields with lower-case names. */
export interface HttpHead {
  /** Request: method, target, version. Response: version, status code, reason. */
  readonly startLine: readonly [string, string, string];
  readonly headers: ReadonlyMap<string, string>;
}

/** Where the blank line that ends a head is in `bytes` (the offset just past it), or -1. */
export function headEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(3, from); i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d) return i + 1;
  }
  return -1;
}

/** Parses a complete head (up to and including its blank line); undefined when it is not HTTP/1.x. */
export function parseHttpHead(bytes: Uint8Array): HttpHead | undefined {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  const lines = text.split('\r\n');
  const first = lines[0].split(' ');
  if (first.length < 3) return undefined;
  const startLine: [string, string, string] = [first[0], first[1], first.slice(2).join(' ')];
  if (!startLine[0].startsWith('HTTP/1.') && !startLine[2].startsWith('HTTP/1.')) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated fields are one comma-separated list (RFC 9110 §5.3).
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { startLine, headers };
}

/** The comma-separated values of a header field, trimmed, empty ones dropped. */
export function listValues(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
