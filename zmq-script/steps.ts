/**
 * What each step of a scenario does: one small handler per kind of step, looked up in the
 * {@link STEPS} table (as ws's receiver calls one small method per state). A handler works on the
 * scenario's sockets, peers and variables through {@link StepRun}, the narrow contract the runner
 * implements, so it can be read without the runner.
 *
 * A handler resolves when its step passed, and throws when it failed: a ScriptStepError for the
 * script's own reasons (a timeout, a mismatch, a bad value), the core's ZmqError when a socket call
 * refused. `repeat` has no handler: it is control flow (it runs other steps and reports its
 * iterations), which is the runner's job.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { PeerOptions } from '../core/index';
import type { Matcher, Step, Template } from './ast';
import { SCRIPT_CODES } from './diagnostics';
import { formatDuration } from './duration';
import { matchBytes, matchJson, matchJsonSubset, matchRegex, type MatchResult } from './matchers';
import { decodePayload, type PayloadFormat } from './payload';
import { RUN_CODES } from './results';
import { ScriptStepError } from './script-error';
import type { ScriptSocket } from './script-socket';
import { isOptionName, optionValue } from './socket-options';

/** Largest `file` payload read, bytes. */
export const MAX_FILE_PAYLOAD = 64 * 1024 * 1024;

/** A routing id a step named (`connect … as PEER`, `accept PEER`), with the socket it belongs to. */
export interface NamedPeer {
  readonly name: string;
  readonly socket: ScriptSocket;
  readonly routingId: number;
}

/** The steps that have a handler: every kind but `repeat`. */
export type SimpleStep = Exclude<Step, { kind: 'repeat' }>;

/** What a step handler may use of the scenario that runs it. */
export interface StepRun {
  /** Aborting it cancels the step. */
  readonly signal: AbortSignal | undefined;
  /** Where relative `file` payloads are found. */
  readonly baseDir: string;
  /** The `within` of later steps that give none, ms; the `timeout` step sets it. */
  timeout: number;
  /** A template's text with its `{{variables}}` expanded (run-time ones first). */
  expand(template: Template): string;
  /** A duration written in the step, in ms; without one, {@link timeout}. */
  duration(template: Template | undefined): number;
  /** Sets a run-time variable (`SOCKET.endpoint`, `PEER.routingId`). */
  setVariable(name: string, value: string): void;
  /** The socket a step names (without a name, the implicit one), made on first use unless `create` is false. */
  socket(name: string | undefined, create?: boolean): ScriptSocket;
  /** Whether the scenario has made a socket of that name. */
  hasSocket(name: string): boolean;
  /** Makes a socket with the options written on its `socket` line. */
  openSocket(name: string, options: PeerOptions): ScriptSocket;
  /** The peer a step names; a ZMQS_UNDEFINED_NAME failure when no step named it. */
  peer(name: string): NamedPeer;
  /** The peers named so far. */
  namedPeers(): Iterable<NamedPeer>;
  /** Names a routing id on a socket, and sets `{{PEER.routingId}}`. */
  namePeer(name: string, socket: ScriptSocket, routingId: number): void;
}

/** Runs one kind of step. */
export type StepHandler<S extends SimpleStep> = (run: StepRun, step: S) => Promise<void>;

/** The handler of every kind of step but `repeat`. */
export const STEPS: { readonly [K in SimpleStep['kind']]: StepHandler<Extract<SimpleStep, { kind: K }>> } = {
  async socket(run, step) {
    if (run.hasSocket(step.socket.text)) throw new ScriptStepError(`socket "${step.socket.text}" already exists`, SCRIPT_CODES.ZMQS_DUPLICATE);
    const options: Record<string, unknown> = {};
    for (const setting of step.options) {
      if (!isOptionName(setting.name.text)) throw new ScriptStepError(`unknown socket option "${setting.name.text}"`, SCRIPT_CODES.ZMQS_UNKNOWN_OPTION);
      options[setting.name.text] = optionValue(setting.name.text, run.expand(setting.value));
    }
    run.openSocket(step.socket.text, options as PeerOptions);
  },

  async bind(run, step) {
    const socket = run.socket(step.socket?.text);
    const bound = await socket.peer.bind(run.expand(step.endpoint));
    run.setVariable(`${socket.name}.endpoint`, bound);
  },

  async connect(run, step) {
    const socket = run.socket(step.socket?.text);
    run.namePeer(step.peer.text, socket, socket.peer.connectPeer(run.expand(step.endpoint)));
  },

  async accept(run, step) {
    const socket = run.socket(step.socket?.text);
    const timeout = run.duration(step.within);
    const named = new Set([...run.namedPeers()].filter((p) => p.socket === socket).map((p) => p.routingId));
    const routingId = await socket.waitConnection(
      () => {
        const fresh = socket.peer.connections().filter((c) => c.role === 'bind' && c.state === 'ACTIVE' && c.routingId !== undefined && !named.has(c.routingId));
        return fresh.length > 0 ? fresh.sort((a, b) => a.id - b.id)[0].routingId : undefined;
      },
      timeout,
      run.signal,
      () => new ScriptStepError(`no peer completed a handshake with socket "${socket.name}" (${socket.peer.boundEndpoints.join(', ') || 'not bound'}) within ${formatDuration(timeout)}`, RUN_CODES.ZMQS_TIMEOUT),
    );
    run.namePeer(step.peer.text, socket, routingId);
  },

  async wait(run, step) {
    const peer = run.peer(step.peer.text);
    const timeout = run.duration(step.within);
    const wanted = step.condition;
    await peer.socket.waitConnection(
      () => ((wanted === 'connected') === (peer.socket.connectionOf(peer.routingId)?.state === 'ACTIVE') ? true : undefined),
      timeout,
      run.signal,
      () => {
        const what = wanted === 'connected' ? 'did not complete its handshake' : 'did not disconnect';
        return new ScriptStepError(`${describePeer(peer)} ${what} within ${formatDuration(timeout)}: ${connectionState(peer)}`, RUN_CODES.ZMQS_TIMEOUT);
      },
    );
  },

  async send(run, step) {
    const peer = run.peer(step.peer.text);
    const bytes = await payloadBytes(run, step.payload.format, step.payload.value);
    await abortable(peer.socket.peer.send(peer.routingId, bytes), run.signal);
  },

  async expect(run, step) {
    const peer = run.peer(step.peer.text);
    const timeout = run.duration(step.within);
    // Resolve what is expected first, so that a bad value fails before a frame is taken.
    const check = await matcherFor(run, step.matcher);
    const frame = await peer.socket.nextFrame(peer.routingId, timeout, run.signal, () => `no frame from ${describePeer(peer)} within ${formatDuration(timeout)}; ${connectionState(peer)}`);
    const result = check(frame);
    if (!result.ok) throw new ScriptStepError(result.message, RUN_CODES.ZMQS_MISMATCH, result.expected, result.actual);
  },

  async sleep(run, step) {
    await sleep(run.duration(step.duration), run.signal);
  },

  async timeout(run, step) {
    run.timeout = run.duration(step.duration);
  },

  async disconnect(run, step) {
    if (step.peer) {
      const peer = run.peer(step.peer.text);
      peer.socket.peer.disconnectPeer(peer.routingId);
      return;
    }
    run.socket(step.socket?.text, false).peer.disconnect(run.expand(step.endpoint!));
  },

  async close(run, step) {
    await run.socket(step.socket?.text, false).close();
  },
};

/** Runs a step with its handler from {@link STEPS}; a cancelled run fails it before it starts. */
export function runStep(run: StepRun, step: SimpleStep): Promise<void> {
  if (run.signal?.aborted) return Promise.reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
  // TypeScript cannot tie STEPS[step.kind] to step's own kind; the table's type does.
  const handler = STEPS[step.kind] as StepHandler<SimpleStep>;
  return handler(run, step);
}

function describePeer(peer: NamedPeer): string {
  return `peer "${peer.name}" (routing id ${peer.routingId})`;
}

/** The state of a peer's connection, for a step that timed out waiting on it. */
function connectionState(peer: NamedPeer): string {
  const info = peer.socket.connectionOf(peer.routingId);
  return info ? `its connection is ${info.state}${info.lastError ? ` (last error: ${info.lastError})` : ''}` : 'it has no connection';
}

/** The bytes of a payload: decoded as its format says, or read from its file. */
async function payloadBytes(run: StepRun, format: PayloadFormat | 'file', value: Template): Promise<Uint8Array> {
  const text = run.expand(value);
  if (format !== 'file') {
    try {
      return decodePayload(format, text);
    } catch (err) {
      throw new ScriptStepError(err instanceof Error ? err.message : String(err), SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
    }
  }
  const path = isAbsolute(text) ? text : resolvePath(run.baseDir, text);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ScriptStepError(`cannot read payload file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, SCRIPT_CODES.ZMQS_MISSING_FILE);
  }
  if (bytes.byteLength > MAX_FILE_PAYLOAD) throw new ScriptStepError(`payload file ${path} is larger than ${MAX_FILE_PAYLOAD} bytes`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
  return bytes;
}

/** How an `expect` step judges the frame it takes. */
async function matcherFor(run: StepRun, matcher: Matcher): Promise<(frame: Uint8Array) => MatchResult> {
  switch (matcher.kind) {
    case 'any':
      return () => ({ ok: true });
    case 'matches': {
      const pattern = run.expand(matcher.value!);
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, matcher.flags);
      } catch (err) {
        throw new ScriptStepError(`invalid regular expression: ${err instanceof Error ? err.message : String(err)}`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
      }
      return (frame) => matchRegex(regex, frame);
    }
    case 'json':
    case 'json-subset': {
      const text = run.expand(matcher.value!);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new ScriptStepError(`Invalid JSON: ${err instanceof Error ? err.message : String(err)}`, SCRIPT_CODES.ZMQS_BAD_PAYLOAD);
      }
      return matcher.kind === 'json' ? (frame) => matchJson(value, frame) : (frame) => matchJsonSubset(value, frame);
    }
    default: {
      const expected = await payloadBytes(run, matcher.kind, matcher.value!);
      return (frame) => matchBytes(expected, frame);
    }
  }
}

/**
 * `promise`, or a cancellation when `signal` aborts first. A send waiting at the high-water mark
 * goes on waiting; closing the scenario's sockets then ends it with the close reason.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ScriptStepError('cancelled', RUN_CODES.ZMQS_CANCELLED));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
