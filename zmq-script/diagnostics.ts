/**
 * Diagnostics of frame scripts: what the parser and the checks report, with a stable code per
 * kind of problem. Endpoint problems carry the core's own errno codes (`EINVAL`,
 * `EPROTONOSUPPORT`, `ENOCOMPATPROTO` …) and messages, as `parseEndpoint` produces them, so an
 * editor squiggle says exactly what `connectPeer` would throw.
 */
import type { ZmqErrorCode } from '../core/index';
import type { Span } from './span';

export type Severity = 'error' | 'warning' | 'information';

/** Codes of the script's own problems. */
export const SCRIPT_CODES = {
  /** A line the grammar does not allow. */
  ZMQS_SYNTAX: 'ZMQS_SYNTAX',
  /** `scenario` or `repeat` without its `end`, or an `end` without a block. */
  ZMQS_UNCLOSED: 'ZMQS_UNCLOSED',
  /** A `{{name}}` no definition provides. */
  ZMQS_UNDEFINED_VARIABLE: 'ZMQS_UNDEFINED_VARIABLE',
  /** File variables that refer to each other in a cycle. */
  ZMQS_VARIABLE_CYCLE: 'ZMQS_VARIABLE_CYCLE',
  /** A peer or socket name that no earlier step defines. */
  ZMQS_UNDEFINED_NAME: 'ZMQS_UNDEFINED_NAME',
  /** A name or scenario defined twice. */
  ZMQS_DUPLICATE: 'ZMQS_DUPLICATE',
  /** A socket option the core does not have. */
  ZMQS_UNKNOWN_OPTION: 'ZMQS_UNKNOWN_OPTION',
  /** A payload that is not valid hex, base64 or JSON, or a regex that does not compile. */
  ZMQS_BAD_PAYLOAD: 'ZMQS_BAD_PAYLOAD',
  /** A file payload that cannot be read. */
  ZMQS_MISSING_FILE: 'ZMQS_MISSING_FILE',
  /** A duration or count that is not one. */
  ZMQS_BAD_NUMBER: 'ZMQS_BAD_NUMBER',
  /** A step that can never run as written (after the socket closed, outside a scenario, in `repeat 0`). */
  ZMQS_UNREACHABLE: 'ZMQS_UNREACHABLE',
  /** A scenario without steps. */
  ZMQS_EMPTY: 'ZMQS_EMPTY',
  /** A secret option (plainPassword, curveSecretKey) written into the script or its settings instead of taken from .env or the environment. */
  ZMQS_LITERAL_SECRET: 'ZMQS_LITERAL_SECRET',
} as const;

export type ScriptCode = keyof typeof SCRIPT_CODES;

/** A diagnostic's code: one of the script's own, or the errno code the core would raise. */
export type DiagnosticCode = ScriptCode | ZmqErrorCode;

/** One problem in a script. */
export interface Diagnostic {
  readonly span: Span;
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
}

/** Builds a diagnostic. */
export function diagnostic(span: Span, code: DiagnosticCode, message: string, severity: Severity = 'error'): Diagnostic {
  return { span, severity, code, message };
}

/** Diagnostics sorted by position, then severity. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, information: 2 };
  return [...list].sort((a, b) => a.span.line - b.span.line || a.span.start - b.span.start || rank[a.severity] - rank[b.severity]);
}
