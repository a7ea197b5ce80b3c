import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DefinitionRequest,
  DocumentSymbolRequest,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type MarkupContent,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';

/** The compiled server; ZMQ_PEER_LANGUAGE_SERVER points the tests at another build (dist/language-server.js). */
const SERVER = process.env.ZMQ_PEER_LANGUAGE_SERVER ?? join(__dirname, '..', '..', 'extension', 'language-server', 'server.js');
const WAIT_MS = 10_000;

/** An LSP client over the server's stdio, recording what the server publishes and logs. */
class Client {
  readonly #diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly #waiters: Array<() => void> = [];
  readonly errors: string[] = [];
  readonly exited: Promise<number | null>;
  #stderr = '';

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.#diagnostics.set(params.uri, params);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      if (params.type === MessageType.Error) this.errors.push(params.message);
    });
  }

  static async start(rootDir: string, capabilities: ClientCapabilities = {}, setup: (connection: ProtocolConnection) => void = () => {}): Promise<Client> {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { env: { ...process.env, fromProcessEnv: 'set by the test' } });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new Client(child, connection);
    setup(connection);
    connection.listen();
    const rootUri = pathToFileURL(rootDir).href;
    const result = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri, capabilities, workspaceFolders: [{ uri: rootUri, name: 'root' }] });
    assert.ok(result.capabilities.hoverProvider);
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** The next diagnostics of `uri` that satisfy `ready` (the latest already received counts). */
  async diagnostics(uri: string, ready: (params: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const latest = this.#diagnostics.get(uri);
      if (latest && ready(latest)) return latest;
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no matching diagnostics for ${uri}; latest: ${JSON.stringify(latest)}; stderr: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async open(uri: string, text: string): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'zmq-peer-script', version: 1, text } });
  }

  async stop(): Promise<number | null> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    return this.exited;
  }
}

/** mulberry32: a tiny seeded PRNG, so that the garbage document is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random printable ASCII with the script's own words mixed in, so the parser gets past the first token. */
function garbage(random: () => number, lines: number): string {
  const words = ['scenario x', 'end', 'connect ', 'bind ', 'send a ', 'expect a ', 'socket s ', 'repeat ', 'hex ', 'json {', '{{', '}}', '"', '@v = ', 'tcp://', ' as a', ' on s', ' within '];
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    let line = '';
    const length = Math.floor(random() * 60);
    for (let i = 0; i < length; i++) line += random() < 0.15 ? words[Math.floor(random() * words.length)] : String.fromCharCode(32 + Math.floor(random() * 95));
    out.push(random() < 0.3 ? `  ${line}` : line);
  }
  return out.join('\n');
}

/** LSP 3.18 lets a diagnostic's message be Markdown; this server sends plain strings. */
const messageOf = (message: string | MarkupContent): string => (typeof message === 'string' ? message : message.value);

const itemsOf = (result: CompletionItem[] | CompletionList | null): CompletionItem[] => (Array.isArray(result) ? result : (result?.items ?? []));

const BAD = `scenario bad
  connect foo://x as a
  send a hex 01 zz
  send a hex 01 02 ff
end
scenario good
  sleep 1ms
end
`;

const USES_ENV = `scenario uses env
  connect {{zmqTestEndpoint}} as a
  send a "{{fromProcessEnv}}"
end
`;

describe('the language server over stdio, with a client that has no workspace/configuration', () => {
  let root: string;
  let client: Client;
  let badUri: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'zmq-ls-'));
    mkdirSync(join(root, 'scripts'));
    badUri = pathToFileURL(join(root, 'bad.zmq')).href;
    client = await Client.start(root);
  });

  after(() => {
    client.child.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes the bad endpoint as EPROTONOSUPPORT and the bad hex as ZMQS_BAD_PAYLOAD, where they are', async () => {
    await client.open(badUri, BAD);
    const { diagnostics, version } = await client.diagnostics(badUri);
    assert.equal(version, 1);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range, d.severity, d.source]),
      [
        ['EPROTONOSUPPORT', { start: { line: 1, character: 10 }, end: { line: 1, character: 17 } }, 1, 'zmq-peer'],
        ['ZMQS_BAD_PAYLOAD', { start: { line: 2, character: 13 }, end: { line: 2, character: 18 } }, 1, 'zmq-peer'],
      ],
    );
    assert.match(messageOf(diagnostics[0].message), /unknown transport "foo"/);
  });

  it('re-publishes on change, with the new version', async () => {
    const fixed = BAD.replace('foo://x', 'tcp://127.0.0.1:5555');
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: badUri, version: 2 }, contentChanges: [{ text: fixed }] });
    const { diagnostics } = await client.diagnostics(badUri, (p) => p.version === 2);
    assert.deepEqual(diagnostics.map((d) => d.code), ['ZMQS_BAD_PAYLOAD']);
    // Back to the bad endpoint with an incremental edit of just those characters.
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: badUri, version: 3 },
      contentChanges: [{ range: { start: { line: 1, character: 10 }, end: { line: 1, character: 30 } }, text: 'foo://x' }],
    });
    const again = await client.diagnostics(badUri, (p) => p.version === 3);
    assert.deepEqual(again.diagnostics.map((d) => d.code), ['EPROTONOSUPPORT', 'ZMQS_BAD_PAYLOAD']);
  });

  it('offers tcp:// after connect', async () => {
    const result = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: badUri }, position: { line: 1, character: 10 } });
    const labels = itemsOf(result).map((i) => i.label);
    assert.ok(labels.includes('tcp://'), labels.join(', '));
  });

  it('shows the hex dump of a hex payload on hover', async () => {
    const result = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: badUri }, position: { line: 3, character: 14 } });
    assert.ok(result);
    const contents = result.contents as MarkupContent;
    assert.equal(contents.kind, 'markdown');
    assert.match(contents.value, /3 bytes/);
    assert.match(contents.value, /0000 {2}01 02 ff/);
    assert.deepEqual(result.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 21 } });
  });

  it('goes from a peer name to the step that names it', async () => {
    const location = await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: badUri }, position: { line: 3, character: 7 } });
    assert.deepEqual(location, { uri: badUri, range: { start: { line: 1, character: 21 }, end: { line: 1, character: 22 } } });
  });

  it('lists the scenarios as document symbols', async () => {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: badUri } })) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => s.name), ['bad', 'good']);
    assert.deepEqual(symbols[0].children?.map((c) => c.name), ['a']);
  });

  it('gives Run scenario lenses running zmqPeer.runScript with the scenario name, despite the errors', async () => {
    const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: badUri } })) ?? [];
    const scenarios = lenses.filter((l) => l.command?.title === '▶ Run scenario');
    assert.deepEqual(
      scenarios.map((l) => [l.range.start.line, l.command!.command, l.command!.arguments]),
      [
        [0, 'zmqPeer.runScript', [{ uri: badUri, scenario: 'bad' }]],
        [5, 'zmqPeer.runScript', [{ uri: badUri, scenario: 'good' }]],
      ],
    );
    assert.ok(lenses.some((l) => l.command?.title === '▶ Run file' && l.range.start.line === 0));
  });

  it("takes variables from the workspace's .env, the document folder's .env first, and the environment", async () => {
    const uri = pathToFileURL(join(root, 'scripts', 'env.zmq')).href;
    await client.open(uri, USES_ENV);
    const first = await client.diagnostics(uri);
    // fromProcessEnv comes from the server's environment; only the .env variable is missing yet.
    assert.deepEqual(first.diagnostics.map((d) => [d.code, d.range.start.line]), [['ZMQS_UNDEFINED_VARIABLE', 1]]);

    writeFileSync(join(root, '.env'), 'zmqTestEndpoint=tcp://127.0.0.1:5555\n');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(root, '.env')).href, type: FileChangeType.Created }] });
    await client.diagnostics(uri, (p) => p.diagnostics.length === 0);

    writeFileSync(join(root, 'scripts', '.env'), 'zmqTestEndpoint=foo://from-scripts\n');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(root, 'scripts', '.env')).href, type: FileChangeType.Created }] });
    const overridden = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(overridden.diagnostics.map((d) => d.code), ['EPROTONOSUPPORT']);
    assert.match(messageOf(overridden.diagnostics[0].message), /foo:\/\/from-scripts/);

    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 14 } });
    assert.match((hover!.contents as MarkupContent).value, /from \.env \(.*scripts.*\.env\)/);
  });

  it('clears the diagnostics of a closed document', async () => {
    const uri = pathToFileURL(join(root, 'closing.zmq')).href;
    await client.open(uri, 'scenario c\n  connect foo://x as a\nend\n');
    await client.diagnostics(uri, (p) => p.diagnostics.length === 1);
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await client.diagnostics(uri, (p) => p.diagnostics.length === 0);
  });

  it('keeps answering, and logs no error, on a document of random garbage and random edits', async () => {
    const random = prng(20240611);
    const uri = pathToFileURL(join(root, 'garbage.zmq')).href;
    let text = garbage(random, 200);
    await client.open(uri, text);
    await client.diagnostics(uri);
    let version = 1;
    for (let edit = 0; edit < 20; edit++) {
      const lines = text.split('\n');
      const line = Math.floor(random() * lines.length);
      const character = Math.floor(random() * (lines[line].length + 1));
      const inserted = garbage(random, 1 + Math.floor(random() * 2));
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text: inserted }],
      });
      lines[line] = lines[line].slice(0, character) + inserted + lines[line].slice(character);
      text = lines.join('\n');
    }
    await client.diagnostics(uri, (p) => p.version === version);
    const lines = text.split('\n');
    for (let i = 0; i < 100; i++) {
      const line = Math.floor(random() * (lines.length + 2));
      const position = { line, character: Math.floor(random() * ((lines[line]?.length ?? 0) + 3)) };
      const [completion, hover] = await Promise.all([
        client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
        client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
      ]);
      assert.ok(Array.isArray(itemsOf(completion)));
      assert.ok(hover === null || typeof (hover.contents as MarkupContent).value === 'string');
    }
    assert.ok(Array.isArray(await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })));
    assert.ok(Array.isArray(await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })));
    // Still the same server, still right about the first document.
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: badUri }, position: { line: 3, character: 14 } });
    assert.match((hover!.contents as MarkupContent).value, /01 02 ff/);
    assert.deepEqual(client.errors, []);
  });

  it('exits with code 0 after shutdown and exit', async () => {
    assert.equal(await client.stop(), 0);
  });
});

describe('the language server with a client that has workspace/configuration', () => {
  it('takes zmqPeer.script.variables from the settings and re-checks when they change', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zmq-ls-config-'));
    let endpoint = 'tcp://127.0.0.1:5555';
    const asked: unknown[] = [];
    const client = await Client.start(root, { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } } }, (connection) =>
      connection.onRequest(ConfigurationRequest.type, (params) => {
        asked.push(...params.items);
        return params.items.map(() => ({ variables: { zmqTestEndpoint: endpoint, ignored: { not: 'a string' } } }));
      }),
    );
    try {
      const uri = pathToFileURL(join(root, 'settings.zmq')).href;
      await client.open(uri, USES_ENV);
      assert.deepEqual((await client.diagnostics(uri)).diagnostics, []);
      assert.deepEqual(asked[0], { scopeUri: uri, section: 'zmqPeer.script' });

      endpoint = 'udp://127.0.0.1:5555';
      await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      const changed = await client.diagnostics(uri, (p) => p.diagnostics.length > 0);
      assert.deepEqual(changed.diagnostics.map((d) => d.code), ['ENOCOMPATPROTO']);

      const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 14 } });
      assert.match((hover!.contents as MarkupContent).value, /from settings \(zmqPeer\.script\.variables\)/);
      assert.deepEqual(client.errors, []);
      assert.equal(await client.stop(), 0);
    } finally {
      client.child.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
