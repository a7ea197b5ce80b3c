/**
 * Test-side wrapper around the libzmq helper program (test/support/libzmq-helper.c),
 * which drives ONE real libzmq 4.3.4 (draft API) socket per child process over
 * stdin/stdout. The helper is built by `npm run libzmq` (scripts/build-libzmq.sh)
 * into `${ZMQ_PEER_CACHE:-~/.cache/zmq-peer-debugger}/bin/libzmq-helper-HASH`, HASH naming
 * the helper's source (so that checkouts sharing the cache keep their own helper).
 *
 * Usage:
 *   const a = await LibzmqSocket.start('PEER', { monitor: true });
 *   const ep = await a.bind('tcp://127.0.0.1:*');
 *   const b = await LibzmqSocket.start('PEER');
 *   const id = await b.connectPeer(ep);
 *   await b.send(id, 'hello');
 *   const msg = await a.receive(2000);     // { routingId, data, more }
 *   await a.close(); await b.close();
 *
 * Commands are serialised (one in flight per helper). Monitor events arrive
 * asynchronously and are collected in `events`.
 *
 * libzmq quirk worth knowing (4.3.4): when a monitor is attached and the very
 * first monitor event of the socket is a BIND_FAILED emitted inside zmq_bind,
 * libzmq clobbers errno and zmq_bind reports EAGAIN. The BIND_FAILED event
 * carries the real errno; `bind()` rejects with what libzmq returned and the
 * error's `bindFailedErrno` holds the event value when available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type LibzmqSocketType =
  | 'PEER'
  | 'SERVER'
  | 'CLIENT'
  | 'DEALER'
  | 'ROUTER'
  | 'PAIR'
  | 'REQ'
  | 'REP'
  | 'PUB'
  | 'SUB'
  | 'XPUB'
  | 'XSUB'
  | 'PUSH'
  | 'PULL'
  | 'STREAM'
  | 'RADIO'
  | 'DISH'
  | 'GATHER'
  | 'SCATTER'
  | 'DGRAM'
  | 'CHANNEL';

/** One monitor event reported by libzmq (`zmq_socket_monitor`, ZMQ_EVENT_ALL). */
export interface LibzmqEvent {
  /** Event name without the `ZMQ_EVENT_` prefix, e.g. `HANDSHAKE_SUCCEEDED`. */
  name: string;
  /** Event value (fd, errno, interval in ms or ZMQ_PROTOCOL_ERROR_* code). */
  value: number;
  /** Endpoint string from the monitor message ('' if empty). */
  endpoint: string;
  /** Date.now() when the wrapper received the line. */
  at: number;
}

/** A ZAP request the helper's ZAP handler received (RFC 27 frames after REP's envelope). */
export interface LibzmqZapRequest {
  readonly mechanism: string;
  readonly domain: string;
  /** The client's address as libzmq gives it (IP only). */
  readonly address: string;
  /** The server socket's own routing id (libzmq sends that, not the client's). */
  readonly identity: Buffer;
  /** PLAIN: user name and password; CURVE: the client's 32-byte public key; NULL: none. */
  readonly credentials: Buffer[];
}

/** One rule of the helper's ZAP handler: the first rule whose credential matches answers. */
export interface LibzmqZapRule {
  /** The first credential to match (PLAIN user name, CURVE client key as 32 bytes); '*' = any request. */
  readonly credential: Uint8Array | string | '*';
  /** 200, 300, 400, 500 (or any text, to test libzmq's checks). */
  readonly status: number | string;
  readonly userId?: Uint8Array | string;
  /** The metadata frame, already in ZMTP property encoding. */
  readonly metadata?: Uint8Array;
}

export interface LibzmqMessage {
  /** zmq_msg_routing_id (0 for socket types without routing ids). */
  routingId: number;
  data: Buffer;
  /** ZMQ_RCVMORE (only possible for multipart-capable socket types). */
  more: boolean;
}

export interface LibzmqStartOptions {
  /** Start a monitor right after creating the socket (default false). */
  monitor?: boolean;
  /** Socket options applied (in order) before anything else. */
  options?: Record<string, number | Uint8Array | string>;
  /** Forward the helper's stderr to ours (default: captured, shown in errors). */
  inheritStderr?: boolean;
  /** Safety timeout for a single command, ms (default 30000). On expiry the helper is killed. */
  commandTimeoutMs?: number;
}

/** Error reported by libzmq (or by the helper for malformed commands, code `EBADCMD`). */
export class LibzmqError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly command: string;
  /** For bind(): value of a BIND_FAILED event that arrived with the failure, if any. */
  bindFailedErrno?: number;

  constructor(code: string, errno: number, command: string, detail?: string) {
    super(`libzmq ${command.split(' ')[0]} failed: ${code} (${errno})${detail ? ` ${detail}` : ''} [${shorten(command)}]`);
    this.name = 'LibzmqError';
    this.code = code;
    this.errno = errno;
    this.command = command;
  }
}

function shorten(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Cache directory used by scripts/build-libzmq.sh. */
export function libzmqCacheDir(): string {
  return process.env.ZMQ_PEER_CACHE || join(homedir(), '.cache', 'zmq-peer-debugger');
}

/** Installation prefix of the draft libzmq build. */
export function libzmqPrefix(): string {
  return join(libzmqCacheDir(), 'libzmq-4.3.4-draft');
}

/** Path of the compiled helper; throws if it has not been built. */
export function libzmqHelperPath(): string {
  // The same name scripts/build-libzmq.sh gives it: the first 16 hex digits of the source's SHA-256.
  const source = readFileSync(join(__dirname, '..', '..', '..', 'test', 'support', 'libzmq-helper.c'));
  const p = join(libzmqCacheDir(), 'bin', `libzmq-helper-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (!existsSync(p)) {
    throw new Error(
      `libzmq helper not found at ${p}. Build libzmq 4.3.4 (draft API) and the helper first: run "npm run libzmq" ` +
        '(scripts/build-libzmq.sh).',
    );
  }
  return p;
}

function toBytes(data: Uint8Array | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toHex(data: Uint8Array | string): string {
  const b = toBytes(data);
  return b.length === 0 ? '-' : b.toString('hex');
}

function fromHex(hex: string): Buffer {
  return hex === '-' ? Buffer.alloc(0) : Buffer.from(hex, 'hex');
}

function checkArg(s: string): string {
  if (/[\r\n]/.test(s)) throw new Error(`argument must not contain line breaks: ${JSON.stringify(s)}`);
  return s;
}

// --------------------------------------------------------------------------------------
// Child-process bookkeeping: never leave helpers behind when the test process exits.

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
}

interface Pending {
  line: string;
  resolve: (reply: string) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

interface EventWaiter {
  match: (e: LibzmqEvent) => boolean;
  resolve: (e: LibzmqEvent) => void;
}

/**
 * A base for the two helper modes: parses the helper's output lines, collects
 * events and echo notifications, tracks process exit.
 */
abstract class HelperProcess {
  readonly events: LibzmqEvent[] = [];
  /** Requests the helper's ZAP handler answered, in order. */
  readonly zapRequests: LibzmqZapRequest[] = [];
  /** `echoed ROUTING_ID NBYTES` / `echo_failed ...` lines, raw, in order. */
  readonly echoLog: string[] = [];
  private readonly exitedPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  protected readonly child: ChildProcess;
  protected stderrTail = '';
  protected exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private waiters = new Set<EventWaiter>();
  private eventListeners = new Set<(e: LibzmqEvent) => void>();

  protected constructor(args: string[], inheritStderr: boolean) {
    this.child = spawn(libzmqHelperPath(), args, {
      stdio: ['pipe', 'pipe', inheritStderr ? 'inherit' : 'pipe'],
    });
    track(this.child);
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.onExit();
        resolve(this.exitInfo);
      });
    });
    this.child.once('error', (err) => {
      this.stderrTail += `\n[spawn error] ${err.message}`;
    });
    this.child.stdin?.on('error', () => {
      /* EPIPE after the helper died: reported through exit handling */
    });
    // stderr is diagnostics only: never let it keep the event loop alive.
    (this.child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    const rl = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    rl.on('line', (line) => this.onLine(line));
  }

  /**
   * Resolves when the helper process has exited. Reading it keeps the event loop
   * alive until then (the helper is otherwise unref'd while idle).
   */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.ref();
    return this.exitedPromise;
  }

  /** Process id of the helper. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the helper process is still running. */
  get running(): boolean {
    return this.exitInfo === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Register a listener for monitor events (returns an unsubscribe function). */
  onEvent(listener: (e: LibzmqEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Events with the given name recorded so far. */
  eventsNamed(name: string): LibzmqEvent[] {
    return this.events.filter((e) => e.name === name);
  }

  /**
   * Resolve with the first event called `name` (and matching `predicate`) among
   * `events[since..]` — already recorded ones included — or the next one to arrive.
   * Rejects after `timeoutMs` (default 5000).
   */
  waitForEvent(
    name: string,
    timeoutMs = 5000,
    predicate?: (e: LibzmqEvent) => boolean,
    since = 0,
  ): Promise<LibzmqEvent> {
    const match = (e: LibzmqEvent): boolean => e.name === name && (!predicate || predicate(e));
    const existing = this.events.slice(since).find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.events.map((e) => `${e.name}(${e.value})`).join(' ') || 'none';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for libzmq event ${name}; events so far: ${seen}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Send a signal to the helper (default SIGKILL), e.g. for crash/restart scenarios. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }

  /** Freeze the helper (SIGSTOP): its libzmq stops reading/writing, TCP connections stay open. */
  stop(): void {
    this.kill('SIGSTOP');
  }

  /** Resume a helper frozen with stop(). */
  cont(): void {
    this.kill('SIGCONT');
  }

  protected describeExit(): string {
    const info = this.exitInfo ?? { code: this.child.exitCode, signal: this.child.signalCode };
    const tail = this.stderrTail.trim();
    return `libzmq helper exited (code ${info.code}, signal ${info.signal})${tail ? `; stderr: ${tail}` : ''}`;
  }

  protected abstract onReply(line: string): void;
  protected abstract onExit(): void;

  private onLine(line: string): void {
    if (line.startsWith('event ')) {
      const parts = line.split(' ');
      const endpoint = parts.slice(3).join(' ');
      const ev: LibzmqEvent = {
        name: parts[1],
        value: Number(parts[2]),
        endpoint: endpoint === '-' ? '' : endpoint,
        at: Date.now(),
      };
      this.events.push(ev);
      for (const l of this.eventListeners) l(ev);
      for (const w of [...this.waiters]) if (w.match(ev)) w.resolve(ev);
      return;
    }
    if (line.startsWith('zap_request ')) {
      const [, mechanism, domain, address, identity, ...credentials] = line.split(' ').map((field, i) => (i === 0 ? field : fromHex(field)));
      this.zapRequests.push({
        mechanism: (mechanism as Buffer).toString(),
        domain: (domain as Buffer).toString(),
        address: (address as Buffer).toString(),
        identity: identity as Buffer,
        credentials: credentials as Buffer[],
      });
      return;
    }
    if (line.startsWith('echoed ') || line.startsWith('echo_failed ')) {
      this.echoLog.push(line);
      return;
    }
    this.onReply(line);
  }
}

/** One real libzmq socket living in its own helper process. */
export class LibzmqSocket extends HelperProcess {
  readonly type: LibzmqSocketType;
  /** Lines that arrived while no command was pending (should stay empty). */
  readonly unexpected: string[] = [];
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private readonly commandTimeoutMs: number;

  private constructor(type: LibzmqSocketType, opts: LibzmqStartOptions) {
    super([], opts.inheritStderr ?? false);
    this.type = type;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 30000;
    this.updateRef();
  }

  /** Spawn a helper and create a socket of `type` in it. */
  static async start(type: LibzmqSocketType, options: LibzmqStartOptions = {}): Promise<LibzmqSocket> {
    const s = new LibzmqSocket(type, options);
    try {
      await s.command(`socket ${type}`);
      for (const [name, value] of Object.entries(options.options ?? {})) await s.setOption(name, value);
      if (options.monitor) await s.monitor();
    } catch (err) {
      s.kill();
      throw err;
    }
    return s;
  }

  /**
   * zmq_setsockopt. Numbers are sent as integers (int or int64 depending on the
   * option); strings/Uint8Arrays as bytes (HELLO_MSG, DISCONNECT_MSG, ROUTING_ID,
   * WSS_*_PEM, WSS_HOSTNAME, METADATA, ...). `name` with or without `ZMQ_`.
   */
  async setOption(name: string, value: number | Uint8Array | string): Promise<void> {
    const v = typeof value === 'number' ? String(Math.trunc(value)) : toHex(value);
    await this.command(`setsockopt ${checkArg(name)} ${v}`);
  }

  /** zmq_getsockopt, raw text: integers in decimal, binary options in hex ('-' = empty), LAST_ENDPOINT as text. */
  async getOption(name: string): Promise<string> {
    return (await this.command(`getsockopt ${checkArg(name)}`)).slice(3);
  }

  /** zmq_getsockopt of an integer option. */
  async getIntOption(name: string): Promise<number> {
    return Number(await this.getOption(name));
  }

  /** Start the socket monitor (ZMQ_EVENT_ALL); events then accumulate in `events`. */
  async monitor(): Promise<void> {
    await this.command('monitor');
  }

  /** zmq_bind; resolves with ZMQ_LAST_ENDPOINT. */
  async bind(endpoint: string): Promise<string> {
    const mark = this.events.length;
    try {
      return (await this.command(`bind ${checkArg(endpoint)}`)).slice(3);
    } catch (err) {
      if (err instanceof LibzmqError) {
        const failed = this.events.slice(mark).find((e) => e.name === 'BIND_FAILED');
        if (failed) err.bindFailedErrno = failed.value;
      }
      throw err;
    }
  }

  /** zmq_connect; resolves with ZMQ_LAST_ENDPOINT. */
  async connect(endpoint: string): Promise<string> {
    return (await this.command(`connect ${checkArg(endpoint)}`)).slice(3);
  }

  /** zmq_connect_peer (PEER only); resolves with the routing id assigned to the connection. */
  async connectPeer(endpoint: string): Promise<number> {
    return Number((await this.command(`connect_peer ${checkArg(endpoint)}`)).slice(3));
  }

  async unbind(endpoint: string): Promise<void> {
    await this.command(`unbind ${checkArg(endpoint)}`);
  }

  async disconnect(endpoint: string): Promise<void> {
    await this.command(`disconnect ${checkArg(endpoint)}`);
  }

  /**
   * zmq_msg_send. For PEER/SERVER the routing id is set with zmq_msg_set_routing_id
   * (0 = leave unset, libzmq then fails with EHOSTUNREACH); other types ignore it.
   * Blocks in libzmq according to ZMQ_SNDTIMEO unless `dontWait`. Resolves with the byte count.
   */
  async send(routingId: number, data: Uint8Array | string, opts: { more?: boolean; dontWait?: boolean } = {}): Promise<number> {
    if (!Number.isInteger(routingId) || routingId < 0 || routingId > 0xffffffff) {
      throw new RangeError(`routing id must be a uint32, got ${routingId}`);
    }
    let line = `send ${routingId} ${toHex(data)}`;
    if (opts.more) line += ' more';
    if (opts.dontWait) line += ' dontwait';
    return Number((await this.command(line)).slice(3));
  }

  /** zmq_join (DISH): receive the messages a RADIO sends to `group`. */
  async join(group: string): Promise<void> {
    await this.command(`join ${checkArg(group)}`);
  }

  /** zmq_leave (DISH). */
  async leave(group: string): Promise<void> {
    await this.command(`leave ${checkArg(group)}`);
  }

  /** A RADIO message to `group` (zmq_msg_set_group, then zmq_msg_send). Resolves with the byte count. */
  async sendToGroup(group: string, data: Uint8Array | string): Promise<number> {
    if (/\s/.test(group) || group === '') throw new RangeError(`a group for send_group has no spaces: ${JSON.stringify(group)}`);
    return Number((await this.command(`send_group ${group} ${toHex(data)}`)).slice(3));
  }

  /**
   * Receive one message, waiting up to `timeoutMs` (-1 = forever). Rejects with a
   * LibzmqError with code 'EAGAIN' on timeout. Monitor events keep flowing meanwhile.
   */
  async receive(timeoutMs: number): Promise<LibzmqMessage> {
    const t = Math.trunc(timeoutMs);
    const reply = await this.command(`recv ${t}`, t < 0 ? 0 : t + this.commandTimeoutMs);
    const parts = reply.split(' ');
    if (parts[0] !== 'msg' || parts.length < 3) throw new Error(`unexpected reply to recv: ${shorten(reply)}`);
    return { routingId: Number(parts[1]), data: fromHex(parts[2]), more: parts[3] === 'more' };
  }

  /**
   * Echo mode: every received message is sent back to its routing id (frame by
   * frame for multipart types). Other commands still work, except receive().
   * With `verbose`, `echoLog` gets an `echoed ID NBYTES` line per message.
   */
  async echo(opts: { verbose?: boolean } = {}): Promise<void> {
    await this.command(opts.verbose ? 'echo verbose' : 'echo');
  }

  /** Leave echo mode. */
  async stopEcho(): Promise<void> {
    await this.command('stop');
  }

  /** Let the helper idle for `ms` (events are still reported, echo mode keeps echoing). */
  async sleep(ms: number): Promise<void> {
    await this.command(`sleep ${Math.max(0, Math.trunc(ms))}`, ms + this.commandTimeoutMs);
  }

  /** zmq_close on the socket (honours its ZMQ_LINGER); the helper stays alive. */
  async closeSocket(): Promise<void> {
    await this.command('close');
  }

  /** zmq_msg_gets on the last message {@link receive} returned (User-Id, ZAP metadata, Socket-Type…). */
  async gets(property: string): Promise<string> {
    return fromHex((await this.command(`gets ${checkArg(property)}`)).slice(3)).toString('utf8');
  }

  /** zmq_z85_encode. */
  async z85Encode(data: Uint8Array): Promise<string> {
    const text = (await this.command(`z85_encode ${toHex(data)}`)).slice(3);
    return text === '-' ? '' : text;
  }

  /** zmq_z85_decode. */
  async z85Decode(text: string): Promise<Buffer> {
    return fromHex((await this.command(`z85_decode ${checkArg(text)}`)).slice(3));
  }

  /** zmq_curve_keypair: Z85 keys. */
  async curveKeypair(): Promise<{ publicKey: string; secretKey: string }> {
    const [publicKey, secretKey] = (await this.command('curve_keypair')).slice(3).split(' ');
    return { publicKey, secretKey };
  }

  /** zmq_curve_public of a Z85 secret key. */
  async curvePublic(secretKey: string): Promise<string> {
    return (await this.command(`curve_public ${checkArg(secretKey)}`)).slice(3);
  }

  /**
   * Adds a rule to the helper's ZAP handler (a REP at inproc://zeromq.zap.01 in its context,
   * bound by the first rule). Requests that no rule matches get 400.
   */
  async zap(rule: LibzmqZapRule): Promise<void> {
    const credential = rule.credential === '*' ? '*' : toHex(rule.credential);
    await this.command(`zap ${credential} ${String(rule.status)} ${toHex(rule.userId ?? '')} ${toHex(rule.metadata ?? new Uint8Array(0))}`);
  }

  /** libzmq version of the helper, e.g. '4.3.4'. */
  async version(): Promise<string> {
    return (await this.command('version')).slice(3);
  }

  /**
   * Close the socket, terminate the context and wait for the helper to exit
   * (SIGKILL after `timeoutMs`, default 5000 — e.g. when ZMQ_LINGER=-1 keeps
   * zmq_ctx_term waiting for unsendable messages). Safe to call repeatedly.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.running) {
      const quit = this.command('quit', timeoutMs).catch(() => undefined);
      const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
      try {
        await Promise.race([quit.then(() => this.exited), this.exited]);
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    await this.exited;
  }

  /**
   * Send a raw command line and resolve with the helper's reply line. Replies
   * starting with `err` reject with LibzmqError. Commands are serialised.
   */
  command(line: string, timeoutMs = this.commandTimeoutMs): Promise<string> {
    checkArg(line);
    this.inFlight++;
    this.updateRef();
    const run = (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        if (!this.running) {
          reject(new Error(`cannot run "${shorten(line)}": ${this.describeExit()}`));
          return;
        }
        const p: Pending = { line, resolve, reject };
        if (timeoutMs > 0) {
          p.timer = setTimeout(() => {
            if (this.pending !== p) return;
            this.pending = null;
            this.kill('SIGKILL'); // the reply stream can no longer be trusted
            reject(new Error(`libzmq helper did not answer "${shorten(line)}" within ${timeoutMs} ms (helper killed)`));
          }, timeoutMs);
        }
        this.pending = p;
        this.child.stdin!.write(`${line}\n`);
      });
    const result = this.queue.then(run, run).then(
      (reply) => {
        if (reply.startsWith('err ')) {
          const [, code, errno, ...rest] = reply.split(' ');
          throw new LibzmqError(code, Number(errno), line, rest.join(' ') || undefined);
        }
        return reply;
      },
    );
    const settled = result.finally(() => {
      this.inFlight--;
      this.updateRef();
    });
    this.queue = settled.catch(() => undefined);
    return settled;
  }

  protected override onReply(line: string): void {
    const p = this.pending;
    if (!p) {
      this.unexpected.push(line);
      return;
    }
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    p.resolve(line);
  }

  protected override onExit(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    if (p.line === 'quit' && this.exitInfo?.code === 0) p.resolve('ok');
    else p.reject(new Error(`no reply to "${shorten(p.line)}": ${this.describeExit()}`));
  }

  /** Keep the event loop alive only while a command is in flight, so a forgotten helper never hangs a test file. */
  private updateRef(): void {
    const stdout = this.child.stdout as unknown as { ref?: () => void; unref?: () => void } | null;
    const stdin = this.child.stdin as unknown as { ref?: () => void; unref?: () => void } | null;
    if (this.inFlight > 0) {
      this.child.ref();
      stdout?.ref?.();
      stdin?.ref?.();
    } else {
      this.child.unref();
      stdout?.unref?.();
      stdin?.unref?.();
    }
  }
}

export interface LibzmqEchoServerOptions {
  /** Connect (PEER: zmq_connect_peer) instead of bind. */
  connect?: boolean;
  /** Print monitor events into `events` (default true). */
  monitor?: boolean;
  /** Record an `echoed ID NBYTES` line per message in `echoLog` (default false). */
  verbose?: boolean;
  /** Socket options (`--set NAME=VALUE`; numbers as integers, bytes/strings as hex). ZMQ_LINGER defaults to 0. */
  options?: Record<string, number | Uint8Array | string>;
  /** Forward stderr (default: captured). */
  inheritStderr?: boolean;
  /** How long to wait for the server to come up (default 10000 ms). */
  startTimeoutMs?: number;
}

/** A standalone libzmq echo server (`libzmq-helper --echo TYPE ENDPOINT`). */
export class LibzmqEchoServer extends HelperProcess {
  /** ZMQ_LAST_ENDPOINT after bind/connect. */
  endpoint = '';
  /** Routing id returned by zmq_connect_peer (PEER + connect only). */
  routingId: number | undefined;
  private ready: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;

  private constructor(args: string[], inheritStderr: boolean) {
    super(args, inheritStderr);
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    this.child.stdin?.end();
  }

  static async start(type: LibzmqSocketType, endpoint: string, opts: LibzmqEchoServerOptions = {}): Promise<LibzmqEchoServer> {
    const args = ['--echo', type, endpoint, '--die-with-parent'];
    if (opts.connect) args.push('--connect');
    if (opts.monitor ?? true) args.push('--monitor');
    if (opts.verbose) args.push('--verbose');
    for (const [name, value] of Object.entries(opts.options ?? {})) {
      args.push('--set', `${name}=${typeof value === 'number' ? String(Math.trunc(value)) : toHex(value)}`);
    }
    const server = new LibzmqEchoServer(args, opts.inheritStderr ?? false);
    const timeoutMs = opts.startTimeoutMs ?? 10000;
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        server.kill();
        reject(new Error(`libzmq echo server did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      server.ready = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
    const parts = line.split(' ');
    if (parts[0] === 'err') {
      await server.exited;
      throw new LibzmqError(parts[1], Number(parts[2]), `echo-server ${type} ${endpoint}`);
    }
    server.endpoint = parts[1];
    if (parts[2] !== undefined) server.routingId = Number(parts[2]);
    return server;
  }

  /** SIGTERM, wait for exit (SIGKILL after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.running) {
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    await this.exited;
  }

  protected override onReply(line: string): void {
    const r = this.ready;
    if (r) {
      this.ready = null;
      r.resolve(line);
    }
  }

  protected override onExit(): void {
    const r = this.ready;
    if (r) {
      this.ready = null;
      r.reject(new Error(`libzmq echo server failed to start: ${this.describeExit()}`));
    }
  }
}
