/**
 * The outline of a ZMQ Peer Script (documentSymbol): file variables, then each scenario with the
 * sockets and peers it names.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { Scenario, Script, VariableDefinition } from '../../zmq-script/index';
import { flattenSteps, rangeOf, splitLines } from './position';

/** The document symbols of a parsed script; `source` gives the line lengths for the scenarios' ranges. */
export function documentSymbols(script: Script, source: string): DocumentSymbol[] {
  const lines = splitLines(source);
  return [...script.variables.map(variableSymbol), ...script.scenarios.map((s) => scenarioSymbol(s, lines))];
}

function variableSymbol(definition: VariableDefinition): DocumentSymbol {
  const { line } = definition.name.span;
  // The whole definition, from its `@` to the end of the value.
  const end = Math.max(definition.value.span.end, definition.name.span.end);
  return {
    name: `@${definition.name.text}`,
    detail: definition.value.text,
    kind: SymbolKind.Variable,
    range: { start: { line, character: definition.name.span.start - 1 }, end: { line, character: end } },
    selectionRange: rangeOf(definition.name.span),
  };
}

function scenarioSymbol(scenario: Scenario, lines: readonly string[]): DocumentSymbol {
  const children: DocumentSymbol[] = [];
  const seen = new Set<string>();
  for (const step of flattenSteps(scenario.steps)) {
    if (step.kind === 'socket' && !seen.has(`socket ${step.socket.text}`)) {
      seen.add(`socket ${step.socket.text}`);
      children.push({ name: step.socket.text, detail: 'socket', kind: SymbolKind.Object, range: rangeOf(step.span), selectionRange: rangeOf(step.socket.span) });
    } else if ((step.kind === 'connect' || step.kind === 'accept') && !seen.has(`peer ${step.peer.text}`)) {
      seen.add(`peer ${step.peer.text}`);
      children.push({ name: step.peer.text, detail: `peer (${step.kind})`, kind: SymbolKind.Field, range: rangeOf(step.span), selectionRange: rangeOf(step.peer.span) });
    }
  }
  const endLine = Math.min(scenario.endLine, lines.length - 1);
  return {
    name: scenario.name.text || '(unnamed scenario)',
    detail: 'scenario',
    // Method: a scenario is a test that runs on its own, as a test method is; the outline then reads like a test class.
    kind: SymbolKind.Method,
    range: { start: { line: scenario.startLine, character: scenario.keyword.start }, end: { line: endLine, character: (lines[endLine] ?? '').length } },
    selectionRange: rangeOf(scenario.name.span),
    children,
  };
}
