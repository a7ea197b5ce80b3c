/**
 * The run buttons above a ZMQ Peer Script: "▶ Run file" on the first line and "▶ Run scenario" on
 * each scenario. They call the extension's `zmqPeer.runScript`, which reports any diagnostics
 * itself, so the lenses stay even when the file has errors.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { Script } from '../../zmq-script/index';
import { rangeOf, splitLines } from './position';

/** The command the lenses run. */
export const RUN_SCRIPT_COMMAND = 'zmqPeer.runScript';

/** What `zmqPeer.runScript` is given: the document, and the scenario when only one should run. */
export interface RunScriptArguments {
  readonly uri: string;
  readonly scenario?: string;
}

/** The code lenses of a parsed script. A file without scenarios has nothing to run, so it gets none. */
export function codeLenses(script: Script, source: string, uri: string): CodeLens[] {
  if (script.scenarios.length === 0) return [];
  const first = splitLines(source)[0] ?? '';
  const runFile: RunScriptArguments = { uri };
  const lenses: CodeLens[] = [
    { range: { start: { line: 0, character: 0 }, end: { line: 0, character: first.length } }, command: { title: '▶ Run file', command: RUN_SCRIPT_COMMAND, arguments: [runFile] } },
  ];
  for (const scenario of script.scenarios) {
    const args: RunScriptArguments = { uri, scenario: scenario.name.text };
    lenses.push({ range: rangeOf({ ...scenario.keyword, end: scenario.name.span.end }), command: { title: '▶ Run scenario', command: RUN_SCRIPT_COMMAND, arguments: [args] } });
  }
  return lenses;
}
