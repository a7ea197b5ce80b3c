/**
 * Where something stands in a ZMQ Peer Script: one stretch of one line, in the Language Server
 * Protocol's terms (0-based line, UTF-16 columns), so diagnostics and hovers need no conversion.
 * Its own module because both the syntax tree and the diagnostics need it and neither needs the
 * other for it.
 */

/** A stretch of one line: `[start, end)` columns. */
export interface Span {
  readonly line: number;
  readonly start: number;
  readonly end: number;
}
