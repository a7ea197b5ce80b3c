/** The checks' diagnostics in LSP's shape; positions already are LSP's (0-based, UTF-16). */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic, Severity } from '../../zmq-script/index';
import { rangeOf } from './position';

/** What the diagnostics say they come from. */
export const DIAGNOSTIC_SOURCE = 'zmq-peer';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** One core diagnostic as an LSP diagnostic, its code kept (EPROTONOSUPPORT, ZMQS_BAD_PAYLOAD …). */
export function toLspDiagnostic(diagnostic: Diagnostic): LspDiagnostic {
  return { range: rangeOf(diagnostic.span), severity: SEVERITY[diagnostic.severity] ?? DiagnosticSeverity.Error, code: diagnostic.code, source: DIAGNOSTIC_SOURCE, message: diagnostic.message };
}
