/**
 * Socket fixtures and waiting for the behaviour tests: {@link usePeers} gives each test a fresh
 * Context and sockets made with the transport's options, and cleans up after it (the context,
 * and every raw peer registered with {@link destroyAfterTest}); deadlines for promises, monitor
 * event logs that can be waited on, and a guard against unhandled errors.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, Peer, Server, type MonitorEvent, type MonitorEventType, type PeerOptions, type SocketBase } from '../../core';
import { transportOptions, uniqueEndpoint, type TestTransport } from './endpoints';

// --- Socket fixtures ----------------------------------------------------------------------------

/** Raw peers and servers still open, destroyed after each test of {@link usePeers}. */
const afterTest = new Set<{ destroy(): void }>();

/** Has `resource` destroyed after the running test (raw peers register themselves). */
export function destroyAfterTest(resource: { destroy(): void }): void {
  afterTest.add(resource);
}

/** `resource` is gone already: nothing to destroy after the test. */
export function forgetAfterTest(resource: { destroy(): void }): void {
  afterTest.delete(resource);
}

/** Destroys every raw peer and server still open. */
function destroyRegistered(): void {
  for (const resource of [...afterTest]) resource.destroy();
  afterTest.clear();
}

/** What {@link usePeers} gives a test. */
export interface PeerFixture {
  /** The context of the running test, terminated after it. */
  readonly ctx: Context;
  /** A PEER in the test's context: linger 0, the transport's options, then `options`. */
  peer(options?: PeerOptions): Peer;
  /** A SERVER socket, made the same way. */
  server(options?: PeerOptions): Server;
  /** A PEER bound to a fresh endpoint of the transport, and the endpoint to connect to. */
  bound(options?: PeerOptions): Promise<{ socket: Peer; endpoint: string }>;
}

/**
 * The per-test setup every behaviour file shares: call it inside a `describe`. Each test gets a
 * new Context; after it the context is terminated (closing every socket) and raw peers are
 * destroyed. Sockets made through it get linger 0 and the transport's options.
 */
export function usePeers(transport?: TestTransport): PeerFixture {
  let current: Context | undefined;
  beforeEach(() => {
    current = new Context();
  });
  afterEach(async () => {
    const ctx = current;
    current = undefined;
    try {
      if (ctx) await withTimeout(ctx.term(), 5000, 'ctx.term()');
    } finally {
      destroyRegistered();
    }
  });
  const context = (): Context => {
    if (!current) throw new Error('usePeers: sockets can only be made while a test runs');
    return current;
  };
  const made = (options: PeerOptions): PeerOptions => ({ linger: 0, ...transportOptions(transport), ...options, context: context() });
  const fixture: PeerFixture = {
    get ctx(): Context {
      return context();
    },
    peer: (options = {}) => new Peer(made(options)),
    server: (options = {}) => new Server(made(options)),
    async bound(options = {}) {
      if (!transport) throw new Error('usePeers: bound() needs a transport');
      const socket = fixture.peer(options);
      const endpoint = await socket.bind(uniqueEndpoint(transport));
      return { socket, endpoint };
    },
  };
  return fixture;
}

// --- Waiting ----------------------------------------------------------------------------------

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return sleep(ms);
}

/** The next monitor event of `type` (and matching `predicate`) the socket emits from now on. */
export function nextEvent(socket: SocketBase, type: MonitorEventType, predicate: (event: MonitorEvent) => boolean = () => true, timeoutMs = 3000): Promise<MonitorEvent> {
  let listener: ((event: MonitorEvent) => void) | undefined;
  const seen = new Promise<MonitorEvent>((resolve) => {
    listener = (event) => {
      if (event.type === type && predicate(event)) resolve(event);
    };
    socket.on('monitor', listener);
  });
  return withTimeout(seen, timeoutMs, `monitor event ${type}`).finally(() => socket.off('monitor', listener!));
}

/**
 * Every monitor event of a socket from the moment this is called, so that a test can wait for an
 * event that may already have happened.
 */
export class EventLog {
  readonly events: MonitorEvent[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: SocketBase) {
    socket.on('monitor', (event) => {
      this.events.push(event);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** The events so far, optionally only those of some types. */
  ofType(...types: MonitorEventType[]): MonitorEvent[] {
    return types.length === 0 ? [...this.events] : this.events.filter((e) => types.includes(e.type));
  }

  /** The type names in order, optionally only for one connection. */
  types(connectionId?: number): MonitorEventType[] {
    return this.events.filter((e) => connectionId === undefined || e.connectionId === connectionId).map((e) => e.type);
  }

  /** The `count`-th event (1-based) of `type` matching `predicate`, waiting for it if needed. */
  async waitFor(type: MonitorEventType, predicate: (event: MonitorEvent) => boolean = () => true, timeoutMs = 3000, count = 1): Promise<MonitorEvent> {
    const find = (): MonitorEvent | undefined => this.events.filter((e) => e.type === type && predicate(e))[count - 1];
    const found = find();
    if (found) return found;
    let wake: (() => void) | undefined;
    const seen = new Promise<MonitorEvent>((resolve) => {
      wake = () => {
        const event = find();
        if (event) resolve(event);
      };
      this.#waiters.add(wake);
    });
    return withTimeout(seen, timeoutMs, `monitor event ${type}${count > 1 ? ` #${count}` : ''}`).finally(() => this.#waiters.delete(wake!));
  }
}

/** Starts recording a socket's monitor events. */
export function recordEvents(socket: SocketBase): EventLog {
  return new EventLog(socket);
}

// --- Unhandled errors ---------------------------------------------------------------------------

/** Tracks unhandled rejections and uncaught exceptions while a test file runs. */
export function trackUnhandled(): { readonly errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (err: unknown): void => {
    errors.push(err);
  };
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}

/** Polls `condition` every few ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** In the enclosing describe: fails the suite if anything escaped as an unhandled rejection or exception. */
export function expectNoUnhandled(): void {
  let unhandled: ReturnType<typeof trackUnhandled> | undefined;
  before(() => {
    unhandled = trackUnhandled();
  });
  after(() => {
    unhandled?.stop();
    assert.deepEqual(unhandled?.errors, [], 'no unhandled rejection or exception');
  });
}
