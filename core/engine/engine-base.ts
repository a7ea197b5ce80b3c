/**
 * The wire-independent half of a connection engine: the security handshake (handshake.ts runs the
 * mechanism), heartbeats, moving messages between a pipe and the wire with back-pressure (through
 * CURVE's MESSAGE boxes when the mechanism has them), libzmq's failure classification and the
 * traffic tap. stream-engine.ts and ws-engine.ts add the framing of their wire.
 */
import { LINUX_ERRNO, ZmtpError } from '../errors';
import type { ConnectionState, FrameKind, MonitorEventType } from '../events';
import type { Pipe, PipeReader, PipeWriter } from '../pipe/pipe';
import { FLAG_COMMAND, FLAG_MORE } from '../zmtp/constants';
import { parseCommand, parsePingData, pongDataFor } from '../zmtp/command';
import { commandBody, type MessageBox } from '../zmtp/mechanism';
import type { EngineFailure, EngineSession } from './engine-host';
import { Handshake } from './handshake';
import { securityLoading } from './security';
import { asBuffer } from '../util/buffer-view';

/**
 * Messages pulled from a pipe per write, by total size. Fewer, larger writes cost the kernel far
 * less per byte (over loopback tcp, 64 KiB messages went from about 30 to 13 µs of system time
 * each when this went from 64 KiB to 256 KiB).
 */
const BATCH_SIZE = 262144;
/**
 * Sends within this long of a flush that went out at once wait for the end of the turn and leave
 * together (#scheduleFlush): far longer than the gap between the sends of a loop, far shorter
 * than a round trip between two processes.
 */
const PROMPT_FLUSH_GAP_MS = 0.02;

/** What every connection engine offers its session. */
export interface Engine {
  readonly handshakeDone: boolean;
  start(): void;
  /** Closes from our side (disconnect, unbind, close): no failure is reported. */
  close(): void;
  /** Resolves once everything queued for this peer was handed to the OS, or after `linger` ms (-1: no limit). */
  flushPending(linger: number): Promise<void>;
}

/** Which commands an engine writes after the handshake; data frames go through {@link EngineBase.writeMessages}. */
export type WireCommand = 'PING' | 'PONG';

/** The answer owed to a PING: a ZMTP PONG with its context, or a WebSocket pong with its payload. */
export interface Pong {
  readonly websocket: boolean;
  readonly data: Uint8Array;
}

/**
 * The part of a connection that does not depend on the wire: the security mechanism and the
 * Socket-Type check, PEER's multipart discard, heartbeat timers, moving messages between the
 * pipe and the wire with back-pressure, libzmq's failure classification, and the traffic tap.
 * Subclasses frame bytes for ZMTP streams (tcp, ipc) or for ZWS 2.0 (ws, wss).
 *
 * Like libzmq it never sends a data frame before the peer's READY has arrived (protocol.md §7,
 * pitfall 2): libzmq 4.3.4 would fail the handshake with UNEXPECTED_COMMAND.
 */
export abstract class EngineBase implements Engine, PipeWriter, PipeReader {
  protected readonly session: EngineSession;
  protected pipe: Pipe | undefined;
  readonly #handshake: Handshake;
  /** CURVE's MESSAGE boxes once the handshake is done; undefined for NULL and PLAIN. */
  #traffic: MessageBox | undefined;
  #handshakeDone = false;
  #failed = false;
  #discardingMultipart = false;
  #flushScheduled = false;
  /** When (performance.now()) a flush last went out at once (#scheduleFlush). */
  #lastPromptFlush = -Infinity;
  #waitingForDrain = false;
  #readingPaused = false;
  /** The answer to the latest PING, until the next flush: one at most, never a queue. */
  #pendingPong: Pong | undefined;
  /** A heartbeat came due and waits for the next flush. */
  #pendingHeartbeat = false;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #heartbeatTimeoutTimer: NodeJS.Timeout | undefined;
  #ttlTimer: NodeJS.Timeout | undefined;

  constructor(session: EngineSession) {
    this.session = session;
    const engine = this;
    this.#handshake = new Handshake(session, {
      writeCommandFrame: (body) => this.writeCommandFrame(body),
      tap: (direction, kind, body, more) => this.tap(direction, kind, body, more),
      enter: (state) => this.setState(state),
      guard: (step) => this.guard(step),
      fail: (failure, flush) => this.fail(failure, flush),
      complete: () => this.completeHandshake(),
      get ended() {
        return engine.failed;
      },
    });
  }

  get handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  protected get failed(): boolean {
    return this.#failed;
  }

  /**
   * Starts the connection: at once, or once what its security mechanism needs is loaded
   * (libsodium, the first time a CURVE connection starts). Until then nothing is read.
   */
  start(): void {
    const loading = securityLoading(this.session.host.options);
    if (!loading) return this.begin();
    loading.then(
      () => {
        if (!this.#failed) this.begin();
      },
      (err: unknown) => this.fail({ kind: 'protocol', error: new ZmtpError('ERR_ZMTP_CRYPTOGRAPHIC', `CURVE is not available: libsodium did not load (${String(err)})`) }),
    );
  }

  /** Starts the wire: the greeting (tcp, ipc) or the mechanism right away (ws, wss). */
  protected abstract begin(): void;

  // --- What a wire provides -------------------------------------------------------------------

  /** Writes data frames. Returns false when the wire asks us to wait for {@link drained}. */
  protected abstract writeMessages(messages: Uint8Array[]): boolean;
  /**
   * Writes one command frame whose body (name length, name, data) is `body`. Returns false when
   * the wire asks us to wait for {@link drained}.
   */
  protected abstract writeCommandFrame(body: Uint8Array): boolean;
  /** Ends the wire after what was written so far has gone out (a refused client gets its ERROR). */
  protected abstract endWire(): void;
  /** Sends one heartbeat: a ZMTP PING, or a WebSocket ping over ZWS. False: wait for {@link drained}. */
  protected abstract sendHeartbeat(): boolean;
  /** Answers a PING (a ZMTP PONG, or a WebSocket pong). False: wait for {@link drained}. */
  protected abstract writePong(pong: Pong): boolean;
  protected abstract pauseInput(): void;
  protected abstract resumeInput(): void;
  protected abstract destroyWire(): void;
  /** Bytes written but not yet handed to the OS. */
  protected abstract get wireBacklog(): number;

  // --- Handshake --------------------------------------------------------------------------------

  /**
   * Arms ZMQ_HANDSHAKE_IVL: from now, or until `deadline` (a Date.now() time) when an earlier
   * stage (the WebSocket upgrade) already used part of it. libzmq applies it to tcp and ipc only.
   */
  protected startHandshakeTimer(deadline?: number): void {
    const interval = this.session.host.options.handshakeInterval;
    if (interval <= 0) return;
    const delay = deadline === undefined ? interval : Math.max(0, deadline - Date.now());
    this.#handshakeTimer = setTimeout(() => {
      this.fail({ kind: 'timeout', errno: LINUX_ERRNO.ETIMEDOUT, error: new ZmtpError('ERR_ZMTP_HANDSHAKE_TIMEOUT', `Handshake not completed within ${interval} ms (handshakeInterval)`) });
    }, delay);
  }

  /**
   * Runs the security handshake once the greetings (or the upgrade) are done (see handshake.ts):
   * the mechanism sends what goes first and the connection enters READY_EXCHANGE (NULL) or
   * SECURITY_HANDSHAKE.
   */
  protected startMechanism(): void {
    this.#handshake.start();
  }

  /** One received frame; `flags` uses ZMTP's bits (MORE 0x01, COMMAND 0x04) whatever the wire. */
  protected receiveFrame(flags: number, body: Uint8Array): void {
    if (!this.#handshakeDone) {
      this.#handshake.receive(body);
      return;
    }
    this.trafficSeen();
    const traffic = this.#traffic;
    if (traffic) {
      // CURVE: every frame is a MESSAGE box, whatever its flags say (libzmq decodes them all).
      body = traffic.open(body);
      flags = traffic.openedFlags;
    }
    if (flags & FLAG_COMMAND) {
      this.#command(body);
      return;
    }
    const more = (flags & FLAG_MORE) !== 0;
    if (this.session.host.tapping) this.tap('in', 'data', body, more);
    // RFC 51: a PEER "MUST discard any part of a multipart message" — every part up to and
    // including the last one (libzmq server_t::xrecv).
    if (more || this.#discardingMultipart) {
      this.#discardingMultipart = more;
      return;
    }
    const record = this.session.record;
    record.messagesIn++;
    record.bytesIn += body.length;
    // Decoders hand over Buffer views of the received chunk: wrap only what is not one already.
    if (!this.session.host.deliver(this.pipe!, asBuffer(body)) && !this.#readingPaused) {
      this.#readingPaused = true;
      this.pauseInput();
    }
  }

  /** libzmq cancels the heartbeat timeout and the TTL timer on every received frame. */
  protected trafficSeen(): void {
    if (this.#heartbeatTimeoutTimer !== undefined) this.#heartbeatTimeoutTimer = clear(this.#heartbeatTimeoutTimer);
    if (this.#ttlTimer !== undefined) this.#ttlTimer = clear(this.#ttlTimer);
  }

  /** Both READYs seen (or no mechanism at all): attach the pipe and start the traffic. */
  protected completeHandshake(): void {
    const session = this.session;
    this.#handshakeDone = true;
    if (this.#handshakeTimer !== undefined) this.#handshakeTimer = clear(this.#handshakeTimer);
    this.#traffic = this.#handshake.traffic;
    const pipe = session.handshakeSucceeded();
    this.pipe = pipe;
    session.record.enter('ACTIVE');
    session.host.monitor('HANDSHAKE_SUCCEEDED', 0, session.monitorEndpoint, { connectionId: session.record.id, routingId: pipe.routingId });
    const hello = session.host.options.helloMessage;
    // ZMQ_HELLO_MSG: the first message after every handshake (libzmq hello_msg_session_t).
    if (hello !== undefined) this.#writeCounted([hello], hello.length);
    this.#startHeartbeats();
    pipe.writer = this;
    pipe.reader = this;
    if (pipe.hasOutbound) this.pipeReadable();
  }

  #command(body: Uint8Array): void {
    const record = this.session.record;
    const { name, data } = parseCommand(body);
    if (name === 'PING') {
      const ping = parsePingData(data);
      this.tap('in', 'PING', body, false);
      record.lastPingReceived = Date.now();
      this.answerPing({ websocket: false, data: pongDataFor(ping).slice() });
      // RFC 37: the TTL is how long the peer will wait for traffic before closing; honour it.
      if (ping.ttl > 0 && this.#ttlTimer === undefined) {
        this.#ttlTimer = setTimeout(() => this.#heartbeatExpired('TTL'), ping.ttl * 100);
      }
    } else if (name === 'PONG') {
      this.tap('in', 'PONG', body, false);
      record.lastPongReceived = Date.now();
    } else {
      // Other commands after the handshake (a late READY, ERROR, SUBSCRIBE…) are ignored, as libzmq.
      this.tap('in', name === 'READY' || name === 'ERROR' ? name : 'command', body, false);
    }
  }

  #startHeartbeats(): void {
    const options = this.session.host.options;
    if (options.heartbeatInterval <= 0) return;
    this.#pingTimer = setInterval(() => {
      // Like a PONG, a PING due while the wire is blocked waits, once (libzmq sets _next_msg to
      // produce_ping_message, which the next out_event writes).
      this.#pendingHeartbeat = true;
      this.#scheduleFlush();
      this.session.record.lastPingSent = Date.now();
      if (this.#heartbeatTimeoutTimer === undefined) {
        const timeout = options.heartbeatTimeout === -1 ? options.heartbeatInterval : options.heartbeatTimeout;
        this.#heartbeatTimeoutTimer = setTimeout(() => this.#heartbeatExpired('timeout'), timeout);
      }
    }, options.heartbeatInterval);
  }

  /**
   * Writes a command after the handshake (PING, PONG): a command frame, or under CURVE a MESSAGE
   * box whose flags byte says COMMAND (RFC 26), written as libzmq writes MESSAGEs. Returns false
   * when the wire asks us to wait for {@link drained}.
   */
  protected writeCommand(name: WireCommand, data: Uint8Array): boolean {
    const body = commandBody(name, data);
    this.tap('out', name, body, false);
    if (this.#traffic) return this.writeMessages([this.#traffic.seal(FLAG_COMMAND, body)]);
    return this.writeCommandFrame(body);
  }

  #heartbeatExpired(which: 'timeout' | 'TTL'): void {
    const detail = which === 'TTL' ? 'the TTL announced in its PING' : 'heartbeatTimeout';
    this.fail({ kind: 'timeout', errno: LINUX_ERRNO.ETIMEDOUT, error: new ZmtpError('ERR_ZMTP_HEARTBEAT_TIMEOUT', `No traffic from the peer within ${detail}`) });
  }

  // --- Moving messages --------------------------------------------------------------------------

  /** PipeWriter: new messages are queued; they are written by the next {@link #flush}. */
  pipeReadable(): void {
    this.#scheduleFlush();
  }

  /**
   * A message leaves at once (in a microtask, after the code that sent it) unless one left at once
   * less than {@link PROMPT_FLUSH_GAP_MS} ago; then it waits until the current turn of the event
   * loop is over (setImmediate) and leaves in one write with everything sent meanwhile, the way
   * libzmq's I/O thread takes a pipe's messages in batches. So an idle socket adds nothing to a
   * message's latency, and a ping-pong pays no extra turn, while the sends of a loop that awaits
   * each one (an awaited send below the high-water mark resolves at once, so the loop runs in
   * microtasks, a few hundred ns apart) and the PONGs for one read go out together. Writing every
   * awaited send at once would cost a system call per message; deferring every flush cost an idle
   * socket's round trip one more turn (measured with paced round trips, `npm run bench`).
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#failed || this.#waitingForDrain) return;
    this.#flushScheduled = true;
    const now = performance.now();
    if (now - this.#lastPromptFlush < PROMPT_FLUSH_GAP_MS) {
      setImmediate(this.#flushNow);
      return;
    }
    this.#lastPromptFlush = now;
    queueMicrotask(this.#flushNow);
  }

  readonly #flushNow = (): void => {
    if (!this.#flushScheduled) return;
    this.#flushScheduled = false;
    this.#flush();
  };

  /** PipeReader: the application read enough to go below the receive HWM. */
  resumeReading(): void {
    if (!this.#readingPaused || this.#failed) return;
    this.#readingPaused = false;
    this.resumeInput();
  }

  /**
   * A PING arrived (a ZMTP PING, or a WebSocket ping over ZWS). The answer is written by the next
   * flush, and only the latest one is kept until then: PINGs that arrive together get one PONG
   * (for the latest), and while the wire asks us to wait, exactly one waits, as libzmq keeps one
   * pong message and points `_next_msg` at it (zmtp_engine_t::process_heartbeat_message,
   * ws_engine_t::process_command_message). A peer that floods PINGs and never reads so costs a
   * bounded amount of memory, and a flood costs no write per PING.
   *
   * Input goes on being read meanwhile, as libzmq's in_event does whatever its output does: two
   * peers that stopped reading while their output was blocked could each wait for the other for
   * ever under traffic both ways.
   */
  protected answerPing(pong: Pong): void {
    this.#pendingPong = pong;
    this.#scheduleFlush();
  }

  /** The wire accepted more after asking us to wait. */
  protected drained(): void {
    this.#waitingForDrain = false;
    this.#flush();
  }

  /** Writes what waits: a due heartbeat and a PONG first, then messages from the pipe, until the wire asks us to wait. */
  #flush(): void {
    if (this.#failed || this.#waitingForDrain) return;
    if (this.#pendingHeartbeat) {
      this.#pendingHeartbeat = false;
      if (!this.sendHeartbeat()) this.#waitingForDrain = true;
    }
    const pong = this.#pendingPong;
    if (pong !== undefined && !this.#waitingForDrain) {
      this.#pendingPong = undefined;
      if (!this.writePong(pong)) this.#waitingForDrain = true;
    }
    const pipe = this.pipe;
    if (!pipe) return;
    while (pipe.hasOutbound && !this.#waitingForDrain) {
      const batch: Uint8Array[] = [];
      let bytes = 0;
      let payload = 0;
      while (bytes < BATCH_SIZE) {
        const data = pipe.read();
        if (data === undefined) break;
        batch.push(data);
        payload += data.length;
        bytes += data.length + 9;
      }
      if (!this.#writeCounted(batch, payload)) this.#waitingForDrain = true;
    }
  }

  /** Writes `messages` (`payload` bytes of bodies), counted on the connection's record and shown to the tap. */
  #writeCounted(messages: Uint8Array[], payload: number): boolean {
    const record = this.session.record;
    record.messagesOut += messages.length;
    record.bytesOut += payload;
    if (this.session.host.tapping) for (const data of messages) this.tap('out', 'data', data, false);
    const traffic = this.#traffic;
    if (!traffic) return this.writeMessages(messages);
    // CURVE: each message goes as a MESSAGE box, sealed in the order it is written (nonces rise).
    const sealed = new Array<Uint8Array>(messages.length);
    for (let i = 0; i < messages.length; i++) sealed[i] = traffic.seal(0, messages[i]);
    return this.writeMessages(sealed);
  }

  async flushPending(linger: number): Promise<void> {
    const pipe = this.pipe;
    if (!pipe || this.#failed || linger === 0) return;
    const deadline = linger < 0 ? Infinity : Date.now() + linger;
    while (!this.#failed && (pipe.hasOutbound || this.wireBacklog > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(10, Math.max(1, deadline - Date.now()))));
    }
  }

  // --- Ending -----------------------------------------------------------------------------------

  close(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopTimers();
    this.#detachPipe();
    this.destroyWire();
    this.#handshake.dispose();
  }

  /**
   * Ends the connection because of `failure`, with libzmq's monitor events, and tells the session.
   * `flush`: end the wire after what was written (a refused client's ERROR) instead of cutting it.
   */
  protected fail(failure: Omit<EngineFailure, 'handshakeDone'>, flush = false): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopTimers();
    if (flush) this.endWire();
    else this.destroyWire();
    this.#detachPipe();
    this.#handshake.dispose();
    const session = this.session;
    const record = session.record;
    const host = session.host;
    // A peer that hangs up during a PLAIN or CURVE handshake usually means something; say what.
    const error = failure.error ?? (!this.#handshakeDone && failure.kind === 'connection' ? this.#handshake.explainClose() : undefined);
    const extra = { connectionId: record.id, routingId: (this.pipe ?? record.pipe)?.routingId, error };
    record.lastError = error ? `${error.code}: ${error.message}` : failure.kind === 'connection' ? 'connection closed by peer' : record.lastError;
    // libzmq reports failures of CURVE's MESSAGE boxes as handshake failures even afterwards
    // (curve_mechanism_base_t::decode).
    if (!this.#handshakeDone || error?.step === 'MESSAGE') {
      const reported = handshakeFailure(failure.kind, failure.errno, error);
      if (reported) host.monitor(reported.type, reported.value, session.monitorEndpoint, extra);
    }
    host.monitor('DISCONNECTED', record.id, session.monitorEndpoint, extra);
    session.engineFailed({ ...failure, error, handshakeDone: this.#handshakeDone });
  }

  /** Runs a step that may throw a wire error, turning it into a protocol failure of this connection. */
  protected guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (!(err instanceof ZmtpError)) throw err;
      this.fail({ kind: 'protocol', error: err });
    }
  }

  #detachPipe(): void {
    const pipe = this.pipe;
    if (pipe) {
      if (pipe.writer === this) pipe.writer = undefined;
      if (pipe.reader === this) pipe.reader = undefined;
    }
  }

  #stopTimers(): void {
    if (this.#handshakeTimer !== undefined) this.#handshakeTimer = clear(this.#handshakeTimer);
    if (this.#heartbeatTimeoutTimer !== undefined) this.#heartbeatTimeoutTimer = clear(this.#heartbeatTimeoutTimer);
    if (this.#ttlTimer !== undefined) this.#ttlTimer = clear(this.#ttlTimer);
    if (this.#pingTimer !== undefined) {
      clearInterval(this.#pingTimer);
      this.#pingTimer = undefined;
    }
  }

  protected setState(state: ConnectionState): void {
    this.session.record.enter(state);
  }

  protected tap(direction: 'in' | 'out', kind: FrameKind, body: Uint8Array, more: boolean): void {
    const host = this.session.host;
    if (!host.tapping) return;
    const routingId = (this.pipe ?? this.session.record.pipe)?.routingId;
    host.tap({ time: Date.now(), direction, connectionId: this.session.record.id, routingId, kind, more, size: body.length, body });
  }
}

/**
 * The HANDSHAKE_FAILED_* event libzmq reports for a failure (stream_engine_base_t::error and the
 * mechanisms, protocol.md §2.8), or undefined where it reports none: a lost connection or a
 * timeout is NO_DETAIL with the errno; a ZAP refusal, or an ERROR with a ZAP status, is AUTH; a
 * protocol error is PROTOCOL with its ZMQ_PROTOCOL_ERROR_* value, or NO_DETAIL with an errno
 * (EFAULT: no ZAP handler), or nothing (Socket-Type mismatch, NULL metadata).
 */
function handshakeFailure(kind: EngineFailure['kind'], errno: number | undefined, error: ZmtpError | undefined): { type: MonitorEventType; value: number } | undefined {
  if (kind !== 'protocol') return { type: 'HANDSHAKE_FAILED_NO_DETAIL', value: errno ?? LINUX_ERRNO.EPIPE };
  if (error?.zapStatus !== undefined) return { type: 'HANDSHAKE_FAILED_AUTH', value: error.zapStatus };
  if (error?.protocolError !== undefined) return { type: 'HANDSHAKE_FAILED_PROTOCOL', value: error.protocolError };
  if (error?.errno !== undefined) return { type: 'HANDSHAKE_FAILED_NO_DETAIL', value: error.errno };
  return undefined;
}

function clear(timer: NodeJS.Timeout): undefined {
  clearTimeout(timer);
  return undefined;
}
