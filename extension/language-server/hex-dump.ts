/** A classic hex dump for hovers: offset, 16 bytes in hex, the printable ASCII beside them. */

/** Bytes shown per row. */
export const BYTES_PER_ROW = 16;
/** Bytes shown at most; a hover is no place for a whole file. */
export const HEX_DUMP_LIMIT = 256;

/**
 * Rows of `0000  68 65 6c 6c 6f …  hello`, cut after `limit` bytes with a last row saying how many
 * more there are.
 */
export function hexDump(bytes: Uint8Array, limit = HEX_DUMP_LIMIT): string {
  const rows: string[] = [];
  const shown = Math.min(bytes.length, limit);
  for (let offset = 0; offset < shown; offset += BYTES_PER_ROW) {
    const row = bytes.subarray(offset, Math.min(offset + BYTES_PER_ROW, shown));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    // Only printable ASCII in the text column: anything else could break the Markdown code block or the layout.
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    rows.push(`${offset.toString(16).padStart(4, '0')}  ${hex.padEnd(BYTES_PER_ROW * 3 - 1)}  ${ascii}`);
  }
  if (bytes.length > shown) rows.push(`… ${bytes.length - shown} more bytes`);
  return rows.join('\n');
}
