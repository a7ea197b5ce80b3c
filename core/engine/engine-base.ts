/**
 * The wire-independent half of a connection engine: the NULL mechanism's READY exchange and
 * Socket-Type check, heartbeats, moving messages between a pipe and the wire with back-pressure,
 * libzmq's failure classification and the traffic tap. stream-engine.ts and ws-engine.ts add
 * the framing of their wire.
 */
import { LINUX_ERRNO, PROTOCOL_ERROR, ZmtpError } from '../errors';
import type { ConnectionState, FrameKind } from '../events';
import type { Pipe, PipeReader, PipeWriter } from '../pipe/pipe';
import { FLAG_COMMAND, FLAG_MORE, SOCKET_TYPE_PROPERTY } from '../zmtp/constants';
import { encodeReadyData, isCommandNamed, parseCommand, parseErrorData, parsePingData, parseProperties, pongDataFor, propertyText } from '../zmtp/command';
import type { EngineFailure, EngineSession } from './engine-host';
import { asBuffer } from '../util/buffer-view';

/**
 * Messages pulled from a pipe per write, by total size. Fewer, larger writes cost the kernel far
 * less per byte (over loopback tcp, 64 KiB messages went from about 30 to 13 µs of system time
 * each when this went from 64 KiB to 256 KiB).
 */
const BATCH_SIZE = 262144;

/** What every connection engine offers its session. */
export interface Engine {
  readonly handshakeDone: boolean;
  start(): void;
  /** Closes from our side (disconnect, unbind, close): no failure is reported. */
  close(): void;
  /** Resolves once everything queued for this peer was handed to the OS, or after `linger` ms (-1: no limit). */
  flushPending(linger: number): Promise<void>;
}

/** Which wire commands an engine writes; data frames go through {@link EngineBase.writeMessages}. */
export type WireCommand = 'READY' | 'PING' | 'PONG';

/** The answer owed to a PING: a ZMTP PONG with its context, or a WebSocket pong with its payload. */
export interface Pong {
  readonly websocket: boolean;
  readonly data: Uint8Array;
}

/**
 * The part of a connection that does not depend on the wire: the NULL mechanism's READY exchange
 * and Socket-Type check, PEER's multipart discard, heartbeat timers, moving messages between the
 * pipe and the wire with back-pressure, libzmq's failure classification, and the traffic tap.
 * Subclasses frame bytes for ZMTP streams (tcp, ipc) or for ZWS 2.0 (ws, wss).
 *
 * Like libzmq it never sends a data frame before the peer's READY has arrived (protocol.md §7,
 * pitfall 2): libzmq 4.3.4 would fail the handshake with UNEXPECTED_COMMAND.
 */
export abstract class EngineBase implements Engine, PipeWriter, PipeReader {
  protected readonly session: EngineSession;
  protected pipe: Pipe | undefined;
  #handshakeDone = false;
  #failed = false;
  #discardingMultipart = false;
  #flushScheduled = false;
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
  }

  get handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  protected get failed(): boolean {
    return this.#failed;
  }

  abstract start(): void;

  // --- What a wire provides -------------------------------------------------------------------

  /** Writes data frames. Returns false when the wire asks us to wait for {@link drained}. */
  protected abstract writeMessages(messages: Uint8Array[]): boolean;
  /** Writes one ZMTP command. Returns false when the wire asks us to wait for {@link drained}. */
  protected abstract writeCommand(name: WireCommand, data: Uint8Array): boolean;
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

  /** RFC 23 NULL mechanism: each side sends READY once greetings (or the upgrade) are done. */
  protected sendReady(): void {
    this.writeCommand('READY', encodeReadyData(this.session.host.socketType));
    this.session.record.readySent = true;
    this.setState('READY_EXCHANGE');
  }

  /** One received frame; `flags` uses ZMTP's bits (MORE 0x01, COMMAND 0x04) whatever the wire. */
  protected receiveFrame(flags: number, body: Uint8Array): void {
    if (!this.#handshakeDone) {
      this.#handshakeFrame(body);
      return;
    }
    this.trafficSeen();
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

  #handshakeFrame(body: Uint8Array): void {
    const record = this.session.record;
    // During the NULL handshake libzmq treats every frame as a command and checks only the name
    // prefix, not the COMMAND flag (null_mechanism_t::process_handshake_command).
    if (isCommandNamed(body, 'READY')) {
      const { data } = parseCommand(body);
      this.tap('in', 'READY', body, false);
      if (record.readyReceived) throw unexpected('a second READY');
      const properties = parseProperties(data);
      for (const [name, value] of properties) record.peerProperties[name] = propertyText(value);
      const socketType = properties.find(([name]) => name === SOCKET_TYPE_PROPERTY);
      // The check happens only when the peer sends Socket-Type, exactly and case-sensitively.
      if (socketType && !this.session.host.isCompatible(propertyText(socketType[1]))) {
        throw new ZmtpError(
          'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE',
          `Peer socket type ${JSON.stringify(propertyText(socketType[1]))} is not compatible with ${this.session.host.socketType}`,
        );
      }
      record.readyReceived = true;
      this.completeHandshake();
      return;
    }
    if (isCommandNamed(body, 'ERROR')) {
      this.tap('in', 'ERROR', body, false);
      const reason = parseErrorData(parseCommand(body).data);
      throw new ZmtpError('ERR_ZMTP_ERROR_RECEIVED', `Peer refused the handshake: ERROR ${JSON.stringify(reason)}`, undefined, reason);
    }
    this.tap('in', 'command', body, false);
    throw unexpected(body.length > 0 && body[0] < body.length ? `command ${JSON.stringify(parseCommand(body).name)}` : 'a data frame');
  }

  /** Both READYs seen (or no mechanism at all): attach the pipe and start the traffic. */
  protected completeHandshake(): void {
    const session = this.session;
    this.#handshakeDone = true;
    if (this.#handshakeTimer !== undefined) this.#handshakeTimer = clear(this.#handshakeTimer);
    const pipe = session.handshakeSucceeded();
    this.pipe = pipe;
    session.record.enter('ACTIVE');
    session.host.monitor('HANDSHAKE_SUCCEEDED', 0, session.monitorEndpoint, { connectionId: session.record.id, routingId: pipe.routingId });
    const hello = session.host.options.helloMessage;
    // ZMQ_HELLO_MSG: the first message after every handshake (libzmq hello_msg_session_t).
    if (hello !== undefined) this.#writeCounted([hello]);
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
   * Flushes once the current macrotask is over (setImmediate), so that everything queued meanwhile
   * leaves in one write, the way libzmq's I/O thread takes a pipe's messages in batches: the
   * sends of a loop that awaits each one (an awaited send below the high-water mark resolves at
   * once, so the whole loop runs in microtasks), the PONGs for one read. An idle socket pays one
   * turn of the event loop, a few µs, before its message leaves; a microtask would write each
   * awaited send on its own, one system call per message.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#failed || this.#waitingForDrain) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushNow);
  }

  readonly #flushNow = (): void => {
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
      while (bytes < BATCH_SIZE) {
        const data = pipe.read();
        if (data === undefined) break;
        batch.push(data);
        bytes += data.length + 9;
      }
      if (!this.#writeCounted(batch)) this.#waitingForDrain = true;
    }
  }

  #writeCounted(messages: Uint8Array[]): boolean {
    const record = this.session.record;
    const tapping = this.session.host.tapping;
    for (const data of messages) {
      record.messagesOut++;
      record.bytesOut += data.length;
      if (tapping) this.tap('out', 'data', data, false);
    }
    return this.writeMessages(messages);
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
  }

  /** Ends the connection because of `failure`, with libzmq's monitor events, and tells the session. */
  protected fail(failure: Omit<EngineFailure, 'handshakeDone'>): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopTimers();
    this.destroyWire();
    this.#detachPipe();
    const session = this.session;
    const record = session.record;
    const host = session.host;
    const extra = { connectionId: record.id, routingId: (this.pipe ?? record.pipe)?.routingId, error: failure.error };
    record.lastError = failure.error ? `${failure.error.code}: ${failure.error.message}` : failure.kind === 'connection' ? 'connection closed by peer' : record.lastError;
    if (!this.#handshakeDone) {
      // libzmq's classification (stream_engine_base_t::error and mechanism errors, protocol.md §2.8).
      if (failure.kind !== 'protocol') host.monitor('HANDSHAKE_FAILED_NO_DETAIL', failure.errno ?? LINUX_ERRNO.EPIPE, session.monitorEndpoint, extra);
      else if (failure.error?.code === 'ERR_ZMTP_ERROR_RECEIVED') {
        const status = authStatus(failure.error.reason);
        if (status !== undefined) host.monitor('HANDSHAKE_FAILED_AUTH', status, session.monitorEndpoint, extra);
      } else if (failure.error?.protocolError !== undefined) {
        host.monitor('HANDSHAKE_FAILED_PROTOCOL', failure.error.protocolError, session.monitorEndpoint, extra);
      }
    }
    host.monitor('DISCONNECTED', record.id, session.monitorEndpoint, extra);
    session.engineFailed({ ...failure, handshakeDone: this.#handshakeDone });
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

function unexpected(what: string): ZmtpError {
  return new ZmtpError('ERR_ZMTP_UNEXPECTED_COMMAND', `Unexpected ${what} during the handshake (expected READY)`, PROTOCOL_ERROR.ZMTP_UNEXPECTED_COMMAND);
}

/** libzmq reports HANDSHAKE_FAILED_AUTH only for reasons "300", "400" and "500". */
function authStatus(reason: string | undefined): number | undefined {
  return reason !== undefined && /^[345]00$/.test(reason) ? Number(reason) : undefined;
}

function clear(timer: NodeJS.Timeout): undefined {
  clearTimeout(timer);
  return undefined;
}
