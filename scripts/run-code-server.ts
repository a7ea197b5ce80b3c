/**
 * `npm start`: the extension in a real VS Code (code-server, in the browser) with something to talk to.
 *
 *   1. installs the packaged extension (dist/zmq-peer-debugger.vsix, made by `npm run package`) into a fresh
 *      extensions folder under ${ZMQ_PEER_CACHE:-~/.cache/zmq-peer-debugger}/run;
 *   2. starts a demo PEER echo with the core (every message comes back to its sender) and prints its endpoint;
 *   3. starts code-server on 127.0.0.1:8080 with a workspace folder holding the example frame scripts
 *      (docs/examples; `{{echo}}` set to the echo through the settings) and prints the URL to open.
 *
 *   node out/scripts/run-code-server.js [--port 8080] [--host 127.0.0.1] [--echo tcp://127.0.0.1:5555]
 *                                      [--no-echo] [--folder DIR] [--vsix FILE]
 *
 * Ctrl-C stops both. In the workbench: F1 → "ZMQ: Connect Peer" → Enter (the endpoint is prefilled with the echo's).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Context, Peer } from '../core';
import { CodeServer, PROJECT_ROOT, VSIX_PATH, cacheDir, installVsix } from '../test/support/code-server';

interface RunOptions {
  port: number;
  host: string;
  echo: string | null;
  folder: string;
  vsix: string;
}

function usage(): never {
  console.log(
    'usage: node out/scripts/run-code-server.js [--port 8080] [--host 127.0.0.1] [--echo tcp://127.0.0.1:5555] [--no-echo] [--folder DIR] [--vsix FILE]',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): RunOptions {
  const options: RunOptions = {
    port: Number(process.env.ZMQ_PEER_PORT || 8080),
    host: process.env.ZMQ_PEER_HOST || '127.0.0.1',
    echo: process.env.ZMQ_PEER_ECHO || 'tcp://127.0.0.1:5555',
    folder: join(cacheDir(), 'run', 'workspace'),
    vsix: VSIX_PATH,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage();
      return v;
    };
    switch (arg) {
      case '--port':
        options.port = Number(value());
        break;
      case '--host':
        options.host = value();
        break;
      case '--echo':
        options.echo = value();
        break;
      case '--no-echo':
        options.echo = null;
        break;
      case '--folder':
        options.folder = resolve(value());
        break;
      case '--vsix':
        options.vsix = resolve(value());
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        console.error(`unknown argument: ${arg}`);
        usage();
    }
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    console.error(`invalid port: ${options.port}`);
    usage();
  }
  return options;
}

/** A PEER that sends every message back to the peer it came from. */
async function startEcho(context: Context, endpoint: string): Promise<string> {
  const echo = new Peer({ context, linger: 0 });
  echo.on('monitor', (event) => {
    if (event.type === 'HANDSHAKE_SUCCEEDED' || event.type === 'DISCONNECTED' || event.type.endsWith('FAILED')) {
      const extra = event.error ? ` ${event.error.code}: ${event.error.message}` : '';
      console.log(`[echo] ${event.type} ${event.endpoint}${extra}`);
    }
  });
  const bound = await echo.bind(endpoint);
  void (async () => {
    for await (const { routingId, data } of echo) {
      console.log(`[echo] ${data.length} B from routing id ${routingId}, sent back`);
      await echo.send(routingId, data).catch((err: unknown) => console.log(`[echo] send to ${routingId} failed: ${String(err)}`));
    }
  })();
  return bound;
}

/** The example scripts (docs/examples), copied into the workspace unless it has them already: edits there are kept. */
function copyExamples(folder: string): void {
  const examples = join(PROJECT_ROOT, 'docs', 'examples');
  for (const file of ['echo.zmq', 'self-contained.zmq', join('payloads', 'sample.bin')]) {
    const target = join(folder, file);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(examples, file), target);
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const runDir = join(cacheDir(), 'run');
  // A fresh run folder each time (user data, extensions, logs); the workspace folder is kept.
  for (const part of ['ud', 'ext', 'xdg', 'config.yaml']) rmSync(join(runDir, part), { recursive: true, force: true });
  mkdirSync(options.folder, { recursive: true });

  console.log(`Installing ${options.vsix} into ${join(runDir, 'ext')}`);
  installVsix(runDir, options.vsix);

  const context = new Context();
  let echoEndpoint: string | null = null;
  if (options.echo !== null) {
    try {
      echoEndpoint = await startEcho(context, options.echo);
    } catch (err) {
      console.error(`Could not start the demo PEER echo on ${options.echo}: ${String(err)} (use --echo ENDPOINT or --no-echo)`);
      process.exit(1);
    }
    writeFileSync(
      join(options.folder, 'README-zmq-peer-demo.md'),
      `# ZMQ Peer Debugger demo\n\nA PEER echo (the core's) listens on \`${echoEndpoint}\`: every message comes back to its sender.\n\n` +
        '- F1 → **ZMQ: Connect Peer** → Enter, then send a frame from the debugger panel.\n' +
        '- Open `echo.zmq` (a frame script; `{{echo}}` is the echo, from the setting `zmqPeer.script.variables`) and click ' +
        '**▶ Run scenario**: the result shows in the Test Explorer, the traffic in the debugger panel.\n',
    );
  }
  copyExamples(options.folder);

  const server = await CodeServer.start({
    runDir,
    port: options.port,
    host: options.host,
    workspace: options.folder,
    settings: echoEndpoint !== null ? { 'zmqPeer.defaultEndpoint': echoEndpoint, 'zmqPeer.script.variables': { echo: echoEndpoint } } : {},
    inheritOutput: true,
    handleSignals: false,
  }).catch((err: unknown) => {
    console.error(String(err instanceof Error ? err.message : err));
    console.error(`Is port ${options.port} taken? Use --port N (or ZMQ_PEER_PORT=N).`);
    process.exit(1);
  });

  console.log('');
  if (echoEndpoint !== null) console.log(`  Demo PEER echo (core) listening on ${echoEndpoint}`);
  console.log(`  VS Code (code-server) with ZMQ Peer Debugger: open ${server.workbenchUrl}`);
  console.log('  Then F1 → "ZMQ: Connect Peer". Ctrl-C stops everything.');
  console.log('');

  const stop = async (): Promise<void> => {
    await server.stop();
    await context.term();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
