/**
 * Frame scripts in VS Code's Test Explorer (the Testing API): one test item per `.zmq` file and one
 * child per scenario, kept in step with the files on disk and the open editors. A run goes through
 * the debug session (extension/script-session.ts), so its traffic shows in the debugger panel,
 * which opens beside the script; each step's outcome is written to the run's output, and a failed
 * expectation is a test message at its line with the expected and received frames as a diff.
 *
 * The `zmqPeer.runScript` command (the language server's "Run scenario" / "Run file" code lenses
 * and the editor title button; registered from the command table with {@link ScriptTests.runCommand})
 * runs through the same controller, so its results land in the Test Explorer too.
 */
import * as vscode from 'vscode';
import { parseScript, type ScenarioResult, type StepResult } from '../zmq-script/index';
import { commandId } from './commands-table';
import { runInSession } from './script-session';
import type { ZmqSession } from './session';
import { readScriptSettings, SCRIPT_SETTINGS_SECTION } from './script-variables';

/** The language id of `.zmq` files (package.json `contributes.languages`). */
export const SCRIPT_LANGUAGE_ID = 'zmq-script';
/** The test controller's id. */
export const TEST_CONTROLLER_ID = 'zmqPeer.scripts';

const SCRIPT_GLOB = '**/*.zmq';
const EXCLUDE_GLOB = '**/node_modules/**';

/** `zmqPeer.runScript`'s argument: a file and, optionally, one scenario of it. */
interface RunScriptArgs {
  readonly uri?: vscode.Uri;
  readonly scenario?: string;
}

function runArgsOf(arg: unknown): RunScriptArgs {
  if (arg instanceof vscode.Uri) return { uri: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as Record<string, unknown>;
  let uri: vscode.Uri | undefined;
  if (a.uri instanceof vscode.Uri) uri = a.uri;
  else if (typeof a.uri === 'string') {
    try {
      uri = vscode.Uri.parse(a.uri, true);
    } catch {
      uri = undefined;
    }
  }
  return { ...(uri ? { uri } : {}), ...(typeof a.scenario === 'string' ? { scenario: a.scenario } : {}) };
}

function scenarioId(uri: vscode.Uri, name: string): string {
  return `${uri.toString()}#${name}`;
}

function lineRange(line: number, text = ''): vscode.Range {
  return new vscode.Range(line, 0, line, text.length);
}

/** The Test Explorer side of frame scripts. */
export class ScriptTests implements vscode.Disposable {
  readonly #controller: vscode.TestController;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    readonly session: ZmqSession,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.#controller = vscode.tests.createTestController(TEST_CONTROLLER_ID, 'ZMQ Peer Scripts');
    this.#controller.resolveHandler = async (item) => {
      if (item === undefined) await this.#discoverWorkspace();
    };
    this.#controller.refreshHandler = () => this.#discoverWorkspace();
    this.#controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);

    const watcher = vscode.workspace.createFileSystemWatcher(SCRIPT_GLOB);
    this.#disposables.push(
      this.#controller,
      watcher,
      watcher.onDidCreate((uri) => void this.#refreshFile(uri)),
      watcher.onDidChange((uri) => void this.#refreshFile(uri)),
      watcher.onDidDelete((uri) => this.#controller.items.delete(uri.toString())),
      vscode.workspace.onDidOpenTextDocument((doc) => this.#refreshDocument(doc)),
      vscode.workspace.onDidChangeTextDocument((event) => this.#refreshDocument(event.document)),
    );
    for (const doc of vscode.workspace.textDocuments) this.#refreshDocument(doc);
    void this.#discoverWorkspace();
  }

  async #discoverWorkspace(): Promise<void> {
    const files = await vscode.workspace.findFiles(SCRIPT_GLOB, EXCLUDE_GLOB);
    await Promise.all(files.map((uri) => this.#refreshFile(uri)));
  }

  #isScript(doc: vscode.TextDocument): boolean {
    return doc.languageId === SCRIPT_LANGUAGE_ID || doc.uri.path.endsWith('.zmq');
  }

  #refreshDocument(doc: vscode.TextDocument): void {
    if (this.#isScript(doc) && doc.uri.scheme !== 'git' && doc.uri.scheme !== 'output') this.#update(doc.uri, doc.getText());
  }

  async #refreshFile(uri: vscode.Uri): Promise<void> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.#refreshDocument(open);
    try {
      this.#update(uri, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    } catch (err) {
      this.log.warn(`scripts: cannot read ${uri.toString()}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The file's item with one child per scenario, as the text says now. */
  #update(uri: vscode.Uri, text: string): vscode.TestItem {
    let file = this.#controller.items.get(uri.toString());
    if (!file) {
      file = this.#controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
      this.#controller.items.add(file);
    }
    const script = parseScript(text);
    const children: vscode.TestItem[] = [];
    const seen = new Set<string>();
    for (const scenario of script.scenarios) {
      if (seen.has(scenario.name.text)) continue;
      seen.add(scenario.name.text);
      const id = scenarioId(uri, scenario.name.text);
      const item = file.children.get(id) ?? this.#controller.createTestItem(id, scenario.name.text, uri);
      item.range = new vscode.Range(scenario.startLine, 0, scenario.endLine, 0);
      children.push(item);
    }
    file.children.replace(children);
    return file;
  }

  /** The items of a request, grouped by file: the file item and the scenario names to run (undefined = all). */
  #plan(request: vscode.TestRunRequest): Map<vscode.TestItem, Set<vscode.TestItem>> {
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const plan = new Map<vscode.TestItem, Set<vscode.TestItem>>();
    const roots: vscode.TestItem[] = request.include ? [...request.include] : [];
    if (!request.include) this.#controller.items.forEach((item) => roots.push(item));
    for (const item of roots) {
      if (excluded.has(item.id)) continue;
      const file = item.parent ?? item;
      const scenarios = plan.get(file) ?? new Set<vscode.TestItem>();
      if (item.parent) scenarios.add(item);
      else item.children.forEach((child) => !excluded.has(child.id) && scenarios.add(child));
      plan.set(file, scenarios);
    }
    return plan;
  }

  /** Runs a request: every file in turn, its scenarios reported as they finish. */
  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.#controller.createTestRun(request, 'ZMQ Peer Scripts');
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    try {
      // The traffic of the run shows in the debugger panel, beside the script, whatever filter was on.
      await vscode.commands.executeCommand(commandId('openDebugger'), { beside: true, showAll: true });
      for (const [file, scenarios] of this.#plan(request)) {
        if (abort.signal.aborted) break;
        await this.#runFile(run, file, scenarios, abort.signal);
      }
    } catch (err) {
      this.log.error(`scripts: run failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      run.appendOutput(`run failed: ${err instanceof Error ? err.message : String(err)}\r\n`);
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  async #runFile(run: vscode.TestRun, file: vscode.TestItem, scenarios: Set<vscode.TestItem>, signal: AbortSignal): Promise<void> {
    const uri = file.uri!;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const source = doc ? doc.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    this.#update(uri, source);
    const byName = new Map<string, vscode.TestItem>();
    for (const item of scenarios) byName.set(item.label, item);
    for (const item of byName.values()) run.enqueued(item);
    const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
    const config = vscode.workspace.getConfiguration(SCRIPT_SETTINGS_SECTION, uri);
    const result = await runInSession({
      session: this.session,
      source,
      ...(uri.scheme === 'file' ? { file: uri.fsPath } : {}),
      ...(folder?.uri.scheme === 'file' ? { workspaceFolder: folder.uri.fsPath } : {}),
      settings: readScriptSettings((key) => config.get(key)),
      scenarios: [...byName.keys()],
      signal,
      onEvent: (event) => {
        const item = byName.get(event.scenario);
        if (!item) return;
        switch (event.type) {
          case 'scenarioStarted':
            run.started(item);
            run.appendOutput(`▶ ${event.scenario}\r\n`, undefined, item);
            return;
          case 'stepFinished':
            // No location: VS Code would draw each line beside its step in the editor, which crowds the script.
            run.appendOutput(stepLine(event.step), undefined, item);
            return;
          case 'scenarioFinished':
            this.#report(run, item, uri, event.result);
            return;
        }
      },
    });
    this.log.info(`scripts: ${vscode.workspace.asRelativePath(uri)}: ${result.scenarios.filter((s) => s.status === 'passed').length} passed, ${result.scenarios.filter((s) => s.status === 'failed').length} failed`);
  }

  #report(run: vscode.TestRun, item: vscode.TestItem, uri: vscode.Uri, result: ScenarioResult): void {
    if (result.status === 'passed') return run.passed(item, result.durationMs);
    if (result.status === 'cancelled') return run.skipped(item);
    const failure = result.failure;
    const text = failure ? `line ${failure.line + 1}: ${failure.text}\n${failure.message ?? 'failed'}` : 'failed';
    const message =
      failure?.expected !== undefined && failure.actual !== undefined ? vscode.TestMessage.diff(text, failure.expected, failure.actual) : new vscode.TestMessage(text);
    if (failure) message.location = new vscode.Location(uri, lineRange(failure.line, failure.text));
    run.appendOutput(`✗ ${result.name}: ${failure?.message ?? 'failed'}\r\n`, message.location, item);
    run.failed(item, message, result.durationMs);
  }

  /** `zmqPeer.runScript [{ uri, scenario }]`'s handler: the active script when no uri is given. */
  async runCommand(arg: unknown): Promise<void> {
    const args = runArgsOf(arg);
    const uri = args.uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.path.endsWith('.zmq')) {
      void vscode.window.showWarningMessage('ZMQ: Run Script runs a .zmq file: open one first.');
      return;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const file = this.#update(uri, doc ? doc.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    const include = args.scenario !== undefined ? file.children.get(scenarioId(uri, args.scenario)) : file;
    if (!include) {
      void vscode.window.showWarningMessage(`No scenario "${args.scenario}" in ${vscode.workspace.asRelativePath(uri)}`);
      return;
    }
    const source = new vscode.CancellationTokenSource();
    try {
      await this.run(new vscode.TestRunRequest([include]), source.token);
    } finally {
      source.dispose();
    }
  }

  dispose(): void {
    while (this.#disposables.length > 0) this.#disposables.pop()?.dispose();
  }
}

function stepLine(step: StepResult): string {
  const mark = step.status === 'passed' ? '✓' : '✗';
  const detail = step.message ? ` — ${step.message}` : '';
  return `  ${mark} ${step.line + 1}: ${step.text}${detail} (${step.durationMs} ms)\r\n`;
}
