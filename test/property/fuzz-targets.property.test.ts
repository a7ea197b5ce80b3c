/**
 * Fuzz targets for everything a remote peer or the webview can feed the project: the ZMTP
 * decoder after the greeting, the ZWS upgrade parser, ZWS frames, the frame-script parser, and
 * webview messages on the host (the guard `isWebviewToHost` and the session behind the bridge).
 * Each target asserts: no crash (nothing thrown but the target's named error, nothing unhandled),
 * named errors (`ERR_ZMTP_*`/`ERR_ZWS_*` on the wire, errno codes from the host), and no memory or
 * descriptor growth past a bound once the campaign is over.
 *
 * In the test suite each target runs a bounded number of cases from a fixed seed, in seconds.
 * A long campaign: `npm run fuzz` (this file with `--fuzz-long`: 100 times the cases, a fresh seed
 * printed first), or `--fuzz-seed N` to replay one. Network traffic goes to loopback only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { Context, Peer, type MonitorEvent } from '../../core';
import { parseEndpoint } from '../../core/endpoint';
import { ZmtpError } from '../../core/errors';
import { ZmtpDecoder } from '../../core/zmtp/decoder';
import { encodeGreeting } from '../../core/zmtp/greeting';
import { DataFrameReader } from '../../core/zws/data-frames';
import { checkScript, parseScript } from '../../zmq-script';
import { DebuggerBridge } from '../../extension/debugger-bridge';
import { ZmqSession } from '../../extension/session';
import { isWebviewToHost, PROTOCOL_VERSION, type HostToWebview } from '../../webview/protocol';
import { upgradeRequest, wsFrame, zwsPayload, rawReadyBody, WS_OPCODE } from '../support/raw-ws';
import { rawReady } from '../support/raw-zmtp';

// --- The campaign's size ---------------------------------------------------------------------------

const LONG = process.argv.includes('--fuzz-long');
const SEED_ARG = process.argv.indexOf('--fuzz-seed');
const SEED = SEED_ARG >= 0 ? Number(process.argv[SEED_ARG + 1]) : LONG ? Date.now() % 2 ** 31 : 14;
if (LONG) process.stderr.write(`fuzz: long campaign, seed ${SEED} (replay with --fuzz-seed ${SEED})\n`);
const runs = (inSuite: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: LONG ? inSuite * 100 : inSuite });

// --- Bounds ----------------------------------------------------------------------------------------

/** Heap and Buffers after a full GC (the flag is set at run time: the test runner starts us without it). */
function liveMemory(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

/** What a whole campaign may leave behind in live memory (one decoder's worth, not one per case). */
const MEMORY_BOUND = 16 * 1024 * 1024;

/** Runs `campaign` and checks that live memory and descriptors come back within bounds afterwards. */
async function bounded(campaign: () => Promise<void>): Promise<void> {
  const memoryBefore = liveMemory();
  const descriptorsBefore = openDescriptors();
  await campaign();
  const deadline = Date.now() + 5000;
  while (openDescriptors() > descriptorsBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(openDescriptors() <= descriptorsBefore, `descriptors: ${descriptorsBefore} before, ${openDescriptors()} after`);
  const grown = liveMemory() - memoryBefore;
  assert.ok(grown < MEMORY_BOUND, `live memory grew by ${(grown / 1048576).toFixed(1)} MiB`);
}

/** Nothing may escape as an unhandled rejection or exception while a target runs. */
function noUnhandled(): void {
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => void escaped.push(err);
  before(() => {
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  after(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
    assert.deepEqual(escaped, []);
  });
}

const WIRE_CODE = /^ERR_Z(MTP|WS)_[A-Z_]+$/;

// --- Raw bytes over the network ----------------------------------------------------------------------

/** Cuts `bytes` at the given sizes (cycled), so that a case also decides how reads split. */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** Connects to 127.0.0.1:`port`, writes `chunks`, lingers `lingerMs` (reading), then destroys the socket. */
function probe(port: number, chunks: Uint8Array[], lingerMs = 15): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port }, () => {
      for (const chunk of chunks) socket.write(chunk);
      setTimeout(() => socket.destroy(), lingerMs);
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

const portOf = (endpoint: string): number => Number(/:(\d+)(\/.*)?$/.exec(endpoint)![1]);

/** A bound PEER in this process, its monitor events, and a well-behaved peer proven to still work afterwards. */
async function fuzzServer(transport: 'tcp' | 'ws'): Promise<{ port: number; assertNamedErrors(): void; stillWorks(): Promise<void>; close(): Promise<void> }> {
  const context = new Context();
  const server = new Peer({ context, linger: 0, maxMessageSize: 4096, handshakeInterval: 500, receiveTimeout: 3000 });
  // Checked as they come rather than kept: a long campaign makes millions of them.
  const unnamed: string[] = [];
  let failures = 0;
  server.on('monitor', (event: MonitorEvent) => {
    if (!event.error) return;
    failures++;
    if (!WIRE_CODE.test(event.error.code) && unnamed.length < 10) unnamed.push(`${event.type}: ${event.error.code} ${event.error.message}`);
  });
  const endpoint = await server.bind(`${transport}://127.0.0.1:*`);
  // Well-formed messages from fuzzed connections are not kept either.
  const drain = setInterval(() => server.receiveAvailable(), 20);
  return {
    port: portOf(endpoint),
    /** Every monitor event that named an error named it with a wire code (and some did). */
    assertNamedErrors() {
      assert.deepEqual(unnamed, []);
      assert.ok(failures > 0, 'the campaign made the server report failures');
    },
    async stillWorks() {
      clearInterval(drain);
      const client = new Peer({ context, linger: 0, receiveTimeout: 3000 });
      await client.send(client.connectPeer(endpoint), 'still there?');
      // Fuzzed connections may have delivered well-formed messages of their own before this one.
      let message = await server.receive();
      while (message.data.toString() !== 'still there?') message = await server.receive();
      const { routingId } = message;
      await server.send(routingId, 'yes');
      assert.equal((await client.receive()).data.toString(), 'yes');
      await client.close();
    },
    close: () => {
      clearInterval(drain);
      return context.term();
    },
  };
}

const GREETING = encodeGreeting();
const READY = rawReady('PEER');
const chunkSizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 });

// --- 1. The ZMTP decoder after the greeting -------------------------------------------------------

interface Decoded {
  readonly frames: string[];
  readonly error: string | undefined;
}

/** Decodes `chunks`, pausing after the frames `pauseAt` names and resuming at once; frames as hex. */
function decode(chunks: Uint8Array[], pauseAt: ReadonlySet<number>): Decoded {
  const frames: string[] = [];
  let pushed = 0;
  const decoder: ZmtpDecoder = new ZmtpDecoder(
    {
      onGreetingSignature: () => undefined,
      onGreetingVersion: () => undefined,
      onGreeting: () => undefined,
      onFrame: (flags, body) => {
        frames.push(`${flags.toString(16)}:${Buffer.from(body).toString('hex')}`);
        if (pauseAt.has(frames.length)) decoder.pause();
      },
    },
    { maxMessageSize: 4096, greeting: true },
  );
  try {
    for (const chunk of chunks) {
      pushed += chunk.length;
      decoder.push(chunk);
      while (decoder.paused) decoder.resume();
      assert.ok(decoder.bufferedBytes <= pushed, 'the decoder keeps no more than it was given');
    }
  } catch (err) {
    if (!(err instanceof ZmtpError)) throw err;
    assert.match(err.code, /^ERR_ZMTP_[A-Z_]+$/);
    return { frames, error: err.code };
  }
  return { frames, error: undefined };
}

describe('fuzz: the ZMTP decoder after the greeting', () => {
  noUnhandled();

  it('turns any bytes into frames or a named ZmtpError, the same ones however reads are cut and wherever it is paused', async () => {
    await bounded(async () => {
      fc.assert(
        fc.property(fc.boolean(), fc.uint8Array({ maxLength: 2000 }), chunkSizes, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 }), (withReady, noise, sizes, pauses) => {
          const stream = Buffer.concat([GREETING, ...(withReady ? [READY] : []), noise]);
          const whole = decode([stream], new Set());
          const cutAndPaused = decode(cut(stream, sizes), new Set(pauses));
          assert.deepEqual(cutAndPaused, whole);
        }),
        runs(400),
      );
    });
  });

  it('closes only the connections that sent such bytes over tcp, with named errors, and leaks nothing', async () => {
    const server = await fuzzServer('tcp');
    try {
      await bounded(async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 1500 }), chunkSizes, async (prefix, noise, sizes) => {
            const head = [Buffer.alloc(0), GREETING, Buffer.concat([GREETING, READY])][prefix];
            await probe(server.port, cut(Buffer.concat([head, noise]), sizes));
          }),
          runs(40),
        );
      });
      server.assertNamedErrors();
      await server.stillWorks();
    } finally {
      await server.close();
    }
  });
});

// --- 2. The ZWS upgrade parser ------------------------------------------------------------------------

/** An upgrade request: libzmq's with fields changed, dropped or mangled, or bytes that only look like HTTP. */
const upgradeArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .record({
      method: fc.constantFrom('GET', 'get', 'POST', 'GET ', '', 'G\0T'),
      path: fc.oneof(fc.constant('/'), fc.string({ maxLength: 40 })),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1 ', 'XYZ'),
      key: fc.oneof(fc.constant('dGhlIHNhbXBsZSBub25jZQ=='), fc.string({ maxLength: 30 })),
      protocols: fc.oneof(fc.constantFrom('ZWS2.0/NULL,ZWS2.0', 'ZWS2.0', 'ZWS2.0/NULL', 'chat', null), fc.string({ maxLength: 30 })),
      headers: fc.dictionary(fc.constantFrom('Upgrade', 'Connection', 'Sec-WebSocket-Version', 'Host', 'Content-Length', 'Transfer-Encoding', 'X-Junk'), fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }))),
      eol: fc.constantFrom('\r\n', '\n', '\r'),
    })
    .map((spec) => Buffer.from(upgradeRequest(spec).replace(/\r\n/g, spec.eol), 'latin1')),
  fc.uint8Array({ maxLength: 600 }),
  fc.string({ maxLength: 600 }).map((text) => Buffer.from(`GET / HTTP/1.1\r\n${text}`, 'utf8')),
);

describe('fuzz: the ZWS upgrade parser', () => {
  noUnhandled();

  it('answers any upgrade request with 101 or a refusal, closes what it refused, names every failure, and leaks nothing', async () => {
    const server = await fuzzServer('ws');
    try {
      await bounded(async () => {
        await fc.assert(
          fc.asyncProperty(upgradeArb, chunkSizes, async (request, sizes) => {
            await probe(server.port, cut(request, sizes));
          }),
          runs(60),
        );
      });
      server.assertNamedErrors();
      await server.stillWorks();
    } finally {
      await server.close();
    }
  });
});

// --- 3. ZWS frames ------------------------------------------------------------------------------------

/** Frames a client might send: well-formed ones of every kind, odd ones, and plain garbage. */
const wsFrameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.record({
    payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constant(zwsPayload('hello')), fc.constant(zwsPayload(rawReadyBody(), 0x02))),
    opcode: fc.constantFrom(WS_OPCODE.binary, WS_OPCODE.binary, WS_OPCODE.ping, WS_OPCODE.pong, WS_OPCODE.text, WS_OPCODE.close, WS_OPCODE.continuation, 0x3, 0xb),
    fin: fc.boolean(),
    rsv: fc.constantFrom(0, 0, 0, 1, 4),
    mask: fc.constantFrom(true, true, false),
  }).map((spec) => wsFrame(spec)),
  fc.uint8Array({ maxLength: 40 }),
);

describe('fuzz: ZWS frames', () => {
  noUnhandled();

  it('parses any frames in the fast reader, the same ones however reads are cut and wherever it is stopped', async () => {
    await bounded(async () => {
      fc.assert(
        fc.property(fc.array(wsFrameArb, { maxLength: 12 }), chunkSizes, fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }), (frames, sizes, stops) => {
          const bytes = Buffer.concat(frames);
          const read = (chunks: Uint8Array[], stopAt: ReadonlySet<number>): { seen: string[]; rest: string } => {
            const reader = new DataFrameReader(true, 4097);
            const seen: string[] = [];
            const sink = {
              onData: (flags: number, body: Buffer): boolean => {
                seen.push(`data ${flags}:${body.toString('hex')}`);
                return !stopAt.has(seen.length);
              },
              onControl: (opcode: number, payload: Buffer): boolean => {
                seen.push(`control ${opcode}:${payload.toString('hex')}`);
                return !stopAt.has(seen.length);
              },
            };
            const rest: Buffer[] = [];
            for (const chunk of chunks) {
              let given = reader.push(Buffer.from(chunk), sink);
              while (given === undefined && reader.stopped) given = reader.resume(sink);
              if (given !== undefined) {
                rest.push(...given, ...chunks.slice(chunks.indexOf(chunk) + 1).map((c) => Buffer.from(c)));
                break;
              }
            }
            return { seen, rest: Buffer.concat(rest).toString('hex') };
          };
          assert.deepEqual(read(cut(bytes, sizes), new Set(stops)), read([bytes], new Set()));
        }),
        runs(400),
      );
    });
  });

  it('closes only the connections that sent bad frames after the upgrade, with named errors, and leaks nothing', async () => {
    const server = await fuzzServer('ws');
    try {
      await bounded(async () => {
        await fc.assert(
          fc.asyncProperty(fc.boolean(), fc.array(wsFrameArb, { maxLength: 10 }), chunkSizes, async (ready, frames, sizes) => {
            const head = Buffer.from(upgradeRequest(), 'latin1');
            const readyFrame = ready ? [wsFrame({ payload: zwsPayload(rawReadyBody(), 0x02), mask: true })] : [];
            await probe(server.port, cut(Buffer.concat([head, ...readyFrame, ...frames]), sizes), 25);
          }),
          runs(50),
        );
      });
      server.assertNamedErrors();
      await server.stillWorks();
    } finally {
      await server.close();
    }
  });
});

// --- 4. The frame-script parser -----------------------------------------------------------------------

const EXAMPLES = join(__dirname, '..', '..', '..', 'docs', 'examples');
const exampleScripts = readdirSync(EXAMPLES).filter((name) => name.endsWith('.zmq')).map((name) => readFileSync(join(EXAMPLES, name), 'utf8'));

/** An example script with random cuts, insertions and swapped lines. */
const scriptArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...exampleScripts), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 12 })), { maxLength: 8 })).map(([source, edits]) => {
    let text = source;
    for (const [at, remove, insert] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(i + remove);
    }
    return text;
  }),
  fc.tuple(fc.constantFrom(...exampleScripts), fc.nat(), fc.nat()).map(([source, a, b]) => {
    const lines = source.split('\n');
    const [i, j] = [a % lines.length, b % lines.length];
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  }),
  fc.string({ unit: 'binary', maxLength: 400 }),
);

describe('fuzz: the frame-script parser', () => {
  it('parses and checks any mangled script without throwing, with diagnostics inside the text', async () => {
    await bounded(async () => {
      fc.assert(
        fc.property(scriptArb, (source) => {
          const script = parseScript(source);
          const lineCount = source.split(/\r\n|\r|\n/).length;
          for (const d of [...script.diagnostics, ...checkScript(script)]) {
            assert.ok(d.span.line >= 0 && d.span.line < lineCount, JSON.stringify(d));
            assert.ok(typeof d.code === 'string' && d.code.length > 0 && !d.message.startsWith('internal error'), JSON.stringify(d));
          }
        }),
        runs(300),
      );
    });
  });
});

// --- 5. Webview messages on the host -------------------------------------------------------------------

describe('fuzz: webview messages on the host', () => {
  noUnhandled();

  it('rejects or answers any message the webview could post, every answer ok or an error code, and leaks nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zmq-fuzz-webview-'));
    const context = new Context();
    const session = new ZmqSession({ context, savedMessagesFile: join(dir, '.vscode', 'zmq-messages.json') });
    const posted: HostToWebview[] = [];
    const bridge = new DebuggerBridge(session, { post: (m) => void posted.push(m), log: () => undefined, saveExport: async () => null });
    bridge.receive({ kind: 'ready', version: PROTOCOL_VERSION });
    const socketId = session.defaultSocketId();
    const ipcFolder = join(dir, 'ipc');

    /** Only endpoints on this machine's loopback, inproc, or ipc inside the campaign's folder: fuzz traffic stays local. */
    const local = (endpoint: string, role: 'bind' | 'connect'): string => {
      let parsed;
      try {
        parsed = parseEndpoint(endpoint.trim(), role);
      } catch {
        return endpoint; // refused by the parser: harmless, and worth fuzzing
      }
      const loopback = (host: string): boolean => host === '127.0.0.1' || host === '::1';
      if (parsed.transport === 'inproc') return endpoint;
      if (parsed.transport === 'ipc') return parsed.abstract || parsed.wildcard || parsed.path.startsWith(`${ipcFolder}/`) ? endpoint : `ipc://${ipcFolder}/x.sock`;
      if (parsed.transport === 'tcp' && parsed.source && !loopback(parsed.source.host)) return 'tcp://127.0.0.1:1';
      return loopback(parsed.host) ? endpoint : `${parsed.transport}://127.0.0.1:${role === 'bind' ? '*' : '1'}`;
    };
    const endpointArb = fc.oneof(fc.constantFrom('tcp://127.0.0.1:*', 'inproc://fuzz', 'ws://127.0.0.1:*', 'tcp://127.0.0.1:1', 'udp://x:1', 'ipc://*'), fc.string({ maxLength: 40 }));
    const idArb = fc.oneof(fc.constant(socketId), fc.constantFrom('', 'nope'), fc.string({ maxLength: 8 }));
    const numberArb = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1.5, 2 ** 32, NaN), fc.nat({ max: 5 }));
    const formatArb = fc.constantFrom('text', 'hex', 'base64', 'json', 'file', 'HEX');
    const requestArb = fc.oneof(
      fc.record({ method: fc.constant('peer/send'), params: fc.record({ socketId: idArb, routingId: numberArb, format: formatArb, payload: fc.string({ maxLength: 60 }) }) }),
      fc.record({ method: fc.constant('peer/disconnect'), params: fc.record({ socketId: idArb, connectionId: numberArb }) }),
      fc.record({ method: fc.constantFrom('socket/connectPeer', 'socket/bind'), params: fc.record({ socketId: idArb, endpoint: endpointArb }) }),
      fc.record({ method: fc.constantFrom('traffic/clear', 'traffic/export', 'nope/nope'), params: fc.constant({}) }),
      fc.record({ method: fc.constant('messages/save'), params: fc.record({ message: fc.record({ name: fc.string({ maxLength: 30 }), format: formatArb, payload: fc.string({ maxLength: 100 }) }) }) }),
    );
    let nextId = 1;
    const messageArb = fc.oneof(
      requestArb.map((request) => ({ kind: 'request', id: nextId++, ...request }) as Record<string, unknown>),
      fc.jsonValue(),
      fc.anything(),
      fc.record({ kind: fc.constantFrom('request', 'ready', 'REQUEST'), id: fc.anything(), method: fc.string(), params: fc.anything() }),
    );

    try {
      await bounded(async () => {
        await fc.assert(
          fc.asyncProperty(messageArb, async (raw) => {
            const message = raw as { kind?: unknown; id?: unknown; method?: unknown; params?: { endpoint?: unknown } };
            if (typeof message?.params?.endpoint === 'string' && (message.method === 'socket/bind' || message.method === 'socket/connectPeer')) {
              message.params.endpoint = local(message.params.endpoint, message.method === 'socket/bind' ? 'bind' : 'connect');
            }
            const valid = isWebviewToHost(raw);
            const before = posted.length;
            assert.doesNotThrow(() => bridge.receive(raw));
            if (!valid || message.kind !== 'request') return;
            // Every valid request gets exactly one answer: ok, or { code, message }.
            const deadline = Date.now() + 3000;
            let answer: HostToWebview | undefined;
            while (!(answer = posted.slice(before).find((m) => m.kind === 'response' && m.id === message.id)) && Date.now() < deadline) {
              await new Promise((resolve) => setImmediate(resolve));
            }
            assert.ok(answer && answer.kind === 'response', `no answer to ${JSON.stringify(raw)}`);
            if (!answer.ok) {
              assert.match(answer.error.code, /^E[A-Z0-9_]+$/, JSON.stringify(answer));
              assert.ok(answer.error.message.length > 0);
            }
          }),
          runs(200),
        );
        posted.length = 0;
        bridge.dispose();
        await session.dispose();
        await context.term();
      });
    } finally {
      bridge.dispose();
      await session.dispose();
      await context.term();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
