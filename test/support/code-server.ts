/**
 * A real VS Code for end-to-end tests and `npm start`: code-server 4.100.3 (VS Code 1.100.3, installed by
 * scripts/install-code-server.sh into the project's cache folder) driven by playwright-core with Debian's
 * chromium.
 *
 *   const server = await CodeServer.start({ vsix: 'dist/zmq-peer-debugger.vsix', workspace: dir });
 *   const browser = await launchBrowser();
 *   const page = await openWorkbench(browser, server);
 *   await runCommand(page, 'ZMQ: Connect Peer');
 *   await answerInputBox(page, 'tcp://127.0.0.1:5555');
 *   const view = webviewFrame(page);
 *   await screenshot(page, 'connected');
 *   await browser.close(); await server.stop();
 *
 * Every code-server run gets fresh user-data, extensions, XDG and config folders under one run folder, runs in
 * its own process group (ended as a whole by `stop()`, and on exit of the test process), and is ready when
 * GET /healthz answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';

/** Root of the project (this file is compiled to out/test/support/). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');

/** Where screenshots go: git-ignored, kept as test artifacts. */
export const ARTIFACTS_DIR = join(PROJECT_ROOT, 'test-artifacts', 'e2e');

/** The packaged extension made by `npm run package` (ZMQ_PEER_VSIX points elsewhere). */
export const VSIX_PATH = process.env.ZMQ_PEER_VSIX ? resolve(process.env.ZMQ_PEER_VSIX) : join(PROJECT_ROOT, 'dist', 'zmq-peer-debugger.vsix');

export function cacheDir(): string {
  return process.env.ZMQ_PEER_CACHE || join(homedir(), '.cache', 'zmq-peer-debugger');
}

/** code-server's entry point; throws with the install command if it is missing. */
export function codeServerEntry(): string {
  const entry = join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} not found at ${entry}: run "bash scripts/install-code-server.sh" first.`);
  }
  return entry;
}

/** The settings that keep the workbench quiet (no welcome page, no port forwarding prompts, no network look-ups). */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'remote.autoForwardPorts': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
};

/** A free TCP port on 127.0.0.1 (free when this returns; taken by whoever binds first). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface CodeServerOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /** Folder opened as the workspace; default an empty folder inside the run folder. */
  workspace?: string;
  /** .vsix files installed into the fresh extensions folder before the start. */
  vsix?: string | readonly string[];
  /** Run folder (user data, extensions, XDG dirs, logs); default a new temporary folder, removed by stop(). */
  runDir?: string;
  /** Extra environment for code-server (and so for the extension host). */
  env?: Readonly<Record<string, string>>;
  /** Extra settings merged over QUIET_SETTINGS. */
  settings?: Readonly<Record<string, unknown>>;
  /** Milliseconds to wait for /healthz (default 60000). */
  startTimeoutMs?: number;
  /** Forward code-server's output to ours (default: kept in memory, shown when it fails). */
  inheritOutput?: boolean;
  /** End code-server's group and exit on SIGINT/SIGTERM of this process (default true; it is always ended on exit). */
  handleSignals?: boolean;
}

const live = new Set<CodeServer>();
let exitHookInstalled = false;

let signalHookInstalled = false;

function installExitHook(handleSignals: boolean): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const server of live) server.killGroup('SIGKILL');
    });
  }
  if (!handleSignals || signalHookInstalled) return;
  signalHookInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const server of live) server.killGroup('SIGKILL');
      process.exit(130);
    });
  }
}

export class CodeServer {
  readonly url: string;
  private output = '';
  private exited: Promise<number | null>;
  private hasExited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly host: string,
    readonly runDir: string,
    readonly workspace: string,
    private readonly ownsRunDir: boolean,
  ) {
    this.url = `http://${host}:${port}/`;
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.hasExited = true;
        live.delete(this);
        resolveExit(code ?? (signal ? -1 : null));
      });
    });
  }

  /** The last part of code-server's output (stdout and stderr), for error messages. */
  get log(): string {
    return this.output.slice(-8000);
  }

  /**
   * The tails of the extension host's logs of this run (VS Code's own and every extension's output channel), for
   * error messages: what an extension logged or threw is there, not in code-server's output.
   */
  extensionHostLogs(maxPerFile = 2000): string {
    const root = join(this.runDir, 'ud', 'logs');
    const parts: string[] = [];
    const walk = (dir: string): void => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.log') && /exthost/.test(path) && !/vscode\.(git|github)/.test(path)) {
          const text = readFileSync(path, 'utf8').trim();
          if (text !== '') parts.push(`== ${path.slice(root.length + 1)}\n${text.slice(-maxPerFile)}`);
        }
      }
    };
    walk(root);
    return parts.join('\n');
  }

  /** The URL of the workbench with the workspace folder open. */
  get workbenchUrl(): string {
    return `${this.url}?folder=${encodeURIComponent(this.workspace)}`;
  }

  static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
    const entry = codeServerEntry();
    const ownsRunDir = options.runDir === undefined;
    const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'zmq-peer-code-server-'));
    const dirs = runDirs(runDir);
    makeRunDirs(runDir);
    const workspace = options.workspace ?? join(runDir, 'workspace');
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(dirs.userData, 'User', 'settings.json'), `${JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2)}\n`);
    writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
    const env = codeServerEnv(runDir, options.env);
    const vsixes = options.vsix === undefined ? [] : typeof options.vsix === 'string' ? [options.vsix] : options.vsix;
    try {
      for (const vsix of vsixes) installVsix(runDir, vsix, env);
    } catch (error) {
      if (ownsRunDir) rmSync(runDir, { recursive: true, force: true });
      throw error;
    }

    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? (await freePort());
    const args = [
      entry,
      ...commonArgs(runDir),
      '--bind-addr',
      `${host}:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--disable-proxy',
      workspace,
    ];
    // detached: the child calls setsid(), so it leads a process group of its own that stop() ends as a whole
    // (code-server forks a server process and an extension host per workbench).
    const child = spawn(process.execPath, args, {
      cwd: workspace,
      env,
      detached: true,
      stdio: ['ignore', options.inheritOutput ? 'inherit' : 'pipe', options.inheritOutput ? 'inherit' : 'pipe'],
    });
    const server = new CodeServer(child, port, host, runDir, workspace, ownsRunDir);
    live.add(server);
    installExitHook(options.handleSignals ?? true);
    const keep = (chunk: Buffer): void => {
      server.output = (server.output + chunk.toString('utf8')).slice(-64000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await server.waitHealthy(options.startTimeoutMs ?? 60000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.hasExited) {
        throw new Error(`code-server exited before it was ready (exit ${this.child.exitCode}). Output:\n${this.log}`);
      }
      try {
        const response = await fetch(`${this.url}healthz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = String(error);
      }
      await sleep(200);
    }
    throw new Error(`code-server did not answer ${this.url}healthz within ${timeoutMs} ms (${last}). Output:\n${this.log}`);
  }

  /** Signals code-server's whole process group. */
  killGroup(signal: NodeJS.Signals): void {
    if (this.hasExited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** Ends the process group (SIGTERM, then SIGKILL after 5 s) and removes the run folder if it made it. */
  async stop(): Promise<void> {
    if (!this.hasExited) {
      this.killGroup('SIGTERM');
      const timer = setTimeout(() => this.killGroup('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    // Stragglers of the group (an extension host) get no grace period once the leader is gone.
    if (this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // nothing left
      }
    }
    live.delete(this);
    if (this.ownsRunDir) rmSync(this.runDir, { recursive: true, force: true });
  }
}

function runDirs(runDir: string): { userData: string; userSettings: string; extensions: string; xdgConfig: string; xdgData: string; xdgCache: string; config: string } {
  return {
    userData: join(runDir, 'ud'),
    userSettings: join(runDir, 'ud', 'User'),
    extensions: join(runDir, 'ext'),
    xdgConfig: join(runDir, 'xdg', 'config'),
    xdgData: join(runDir, 'xdg', 'data'),
    xdgCache: join(runDir, 'xdg', 'cache'),
    // a file, not a folder: its parent is the run folder
    config: join(runDir, 'config.yaml'),
  } as const;
}

function makeRunDirs(runDir: string): void {
  const { config: _config, ...folders } = runDirs(runDir);
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
}

function commonArgs(runDir: string): string[] {
  const dirs = runDirs(runDir);
  return ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

function codeServerEnv(runDir: string, extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const dirs = runDirs(runDir);
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  // code-server writes a config and logs under the home folder on every call unless told otherwise.
  env.XDG_CONFIG_HOME = dirs.xdgConfig;
  env.XDG_DATA_HOME = dirs.xdgData;
  env.XDG_CACHE_HOME = dirs.xdgCache;
  // A password or a port from the caller's environment would change what we asked for.
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  delete env.PORT;
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

/** `code-server --install-extension <vsix>` into the run folder's fresh extensions folder. */
export function installVsix(runDir: string, vsix: string, env?: NodeJS.ProcessEnv): void {
  const file = resolve(vsix);
  if (!existsSync(file)) throw new Error(`extension package not found: ${file} (run "npm run package" first)`);
  const dirs = runDirs(runDir);
  makeRunDirs(runDir);
  if (!existsSync(dirs.config)) writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const result = spawnSync(process.execPath, [codeServerEntry(), ...commonArgs(runDir), '--install-extension', file], {
    env: env ?? codeServerEnv(runDir),
    encoding: 'utf8',
    timeout: 120000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${file} failed (exit ${result.status}):\n${output}`);
  }
}

// --------------------------------------------------------------------------------------------------------------------
// The browser side.

/** Chromium flags for a root user on a closed network. Playwright refuses --user-data-dir here. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const CHROMIUM_PATH = process.env.ZMQ_PEER_CHROMIUM || '/usr/bin/chromium';

/** Debian's chromium with a fresh profile folder (removed when the context closes). */
export async function launchBrowser(options: { viewport?: { width: number; height: number }; headless?: boolean } = {}): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found: run "bash scripts/install-code-server.sh" first.`);
  const profile = mkdtempSync(join(tmpdir(), 'zmq-peer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS],
    viewport: options.viewport ?? { width: 1440, height: 900 },
  });
  // Chromium may still be writing into the profile as the close event fires: retry, never throw from here, and
  // try again when this process exits.
  const removeProfile = (): void => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // a leftover temporary folder is harmless
    }
  };
  context.once('close', removeProfile);
  process.once('exit', removeProfile);
  return context;
}

/**
 * Opens the workbench of `server` with its workspace folder in a page of `context` (its first page if blank) and
 * waits until the workbench is drawn.
 */
export async function openWorkbench(context: BrowserContext, server: CodeServer, timeoutMs = 60000): Promise<Page> {
  const blank = context.pages().find((p) => p.url() === 'about:blank');
  const page = blank ?? (await context.newPage());
  await page.goto(server.workbenchUrl, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await waitForWorkbench(page, timeoutMs);
  return page;
}

/** Waits until the workbench is drawn (status bar and activity bar present). */
export async function waitForWorkbench(page: Page, timeoutMs = 60000): Promise<void> {
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

const QUICK_INPUT = '.quick-input-widget';

/** The quick input (command palette, input boxes, quick picks) while it is shown. */
function quickInput(page: Page) {
  return page.locator(QUICK_INPUT).filter({ visible: true });
}

/**
 * Runs a command by its palette title ("ZMQ: Connect Peer"). The workbench draws before the extension host has
 * registered the extension's commands, and a palette opened too early says "No matching commands" without
 * refreshing; so: open the palette, type, wait up to 3 s for the row, Escape and try again until `timeoutMs`.
 */
export async function runCommand(
  page: Page,
  title: string,
  options: { timeoutMs?: number; /** called while the palette shows the command, before it runs (a screenshot) */ beforeRun?: () => Promise<unknown> } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 90000;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let target: Locator | undefined;
  while (target === undefined) {
    attempts++;
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = quickInput(page).locator('input').first();
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = quickInput(page).locator('.monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 3000 });
      // The exact title, not one that merely contains it ("ZMQ: Connect Peer" vs "ZMQ: Connect Peer (ws)").
      const rows = quickInput(page).locator('.monaco-list-row');
      const count = await rows.count();
      target = row;
      for (let i = 0; i < count; i++) {
        const label = (await rows.nth(i).locator('.label-name').first().textContent().catch(() => null))?.trim();
        if (label === title) {
          target = rows.nth(i);
          break;
        }
      }
    } catch (error) {
      if (Date.now() > deadline) {
        await screenshot(page, `run-command-failed-${slug(title)}`).catch(() => undefined);
        throw new Error(`command "${title}" did not show in the command palette within ${timeoutMs} ms (${attempts} attempts): ${String(error)}`);
      }
      await page.keyboard.press('Escape');
      await sleep(500);
    }
  }
  await options.beforeRun?.();
  await target.click();
  await waitQuickInputGoneOrReplaced(page);
}

async function waitQuickInputGoneOrReplaced(page: Page): Promise<void> {
  // After the command runs, the palette closes; the command may open an input box right away (same widget).
  // (The predicate runs in the page; it is a string because the project compiles without the DOM types.)
  await page
    .waitForFunction(
      `(() => {
        const widget = document.querySelector(${JSON.stringify(QUICK_INPUT)});
        if (!widget || widget.style.display === 'none') return true;
        const input = widget.querySelector('input');
        return !!input && !input.value.startsWith('>');
      })()`,
      undefined,
      { timeout: 10000 },
    )
    .catch(() => undefined);
}

/** Waits for an input box (or quick pick) whose prompt/placeholder/title contains `hint`, if given. */
export async function waitInputBox(page: Page, hint?: string | RegExp, timeoutMs = 20000): Promise<void> {
  const widget = quickInput(page);
  await widget.locator('input').first().waitFor({ state: 'visible', timeout: timeoutMs });
  if (hint === undefined) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await inputBoxText(page);
    if (typeof hint === 'string' ? text.includes(hint) : hint.test(text)) return;
    if (Date.now() > deadline) throw new Error(`input box with ${String(hint)} did not show within ${timeoutMs} ms; it shows: ${text}`);
    await sleep(100);
  }
}

/** Title, placeholder, prompt and message of the shown quick input, one string (for assertions). */
export async function inputBoxText(page: Page): Promise<string> {
  const widget = quickInput(page);
  if ((await widget.count()) === 0) return '';
  const placeholder = (await widget.locator('input').first().getAttribute('placeholder').catch(() => null)) ?? '';
  const title = (await widget.locator('.quick-input-title').first().textContent().catch(() => null)) ?? '';
  const message = await inputBoxMessage(page);
  return [title, placeholder, message].map((s) => s.trim()).filter(Boolean).join(' | ');
}

/** The validation message (or prompt) under the input box. */
export async function inputBoxMessage(page: Page): Promise<string> {
  const widget = quickInput(page);
  const texts = await widget.locator('.quick-input-message, .monaco-inputbox-message').allTextContents().catch(() => [] as string[]);
  return texts.map((s) => s.trim()).filter(Boolean).join(' ');
}

/**
 * Types `text` into the shown input box. With `submit` (default) presses Enter; an input box that stays open
 * afterwards rejected the value, and its validation message is what `inputBoxMessage` reads.
 */
export async function answerInputBox(page: Page, text: string, options: { submit?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const input = quickInput(page).locator('input').first();
  await input.waitFor({ state: 'visible', timeout: options.timeoutMs ?? 20000 });
  await input.fill(text);
  if (options.submit ?? true) {
    // Validation runs debounced on input; give it a moment so Enter is judged on this value.
    await sleep(300);
    await input.press('Enter');
  }
}

/** Waits until the input box shows a validation message matching `pattern`; returns the message. */
export async function waitInputBoxMessage(page: Page, pattern: RegExp, timeoutMs = 10000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await inputBoxMessage(page);
    if (pattern.test(message)) return message;
    if (Date.now() > deadline) throw new Error(`input box message ${pattern} did not show within ${timeoutMs} ms; it shows: ${JSON.stringify(message)}`);
    await sleep(100);
  }
}

/** The texts of the notification toasts shown now. */
export async function notifications(page: Page): Promise<string[]> {
  const texts = await page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allTextContents();
  return texts.map((s) => s.trim());
}

/** Waits for a notification toast whose text matches `pattern`; returns its text. */
export async function waitNotification(page: Page, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await notifications(page)).find((t) => pattern.test(t));
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`no notification matching ${pattern} within ${timeoutMs} ms; shown: ${JSON.stringify(await notifications(page))}`);
    }
    await sleep(200);
  }
}

/**
 * The content of the active webview panel: VS Code puts it two iframes deep (the outer `iframe.webview.ready`
 * hosts `iframe#active-frame`). With several webviews open, `index` picks one (in document order).
 */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  const outer = page.locator('iframe.webview.ready');
  return (index === 0 ? outer.first() : outer.nth(index)).contentFrame().frameLocator('iframe#active-frame');
}

/** Waits until a webview's content shows an element with data-testid `testId`; returns the webview. */
export async function waitWebview(page: Page, testId: string, timeoutMs = 30000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < count; i++) {
      const frame = webviewFrame(page, i);
      if ((await frame.getByTestId(testId).count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview showing [data-testid="${testId}"] within ${timeoutMs} ms (${count} webviews open)`);
    await sleep(200);
  }
}

let shotCounter = 0;

/** A full-page screenshot into test-artifacts/e2e/<NN>-<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${String(++shotCounter).padStart(2, '0')}-${slug(name)}.png`);
  await page.screenshot({ path: file, timeout: 15000 });
  return file;
}

/** Resets the numbering of screenshots (a test file calls it once with its own prefix in the names). */
export function resetScreenshotCounter(value = 0): void {
  shotCounter = value;
}

export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
