import type { Socket } from 'node:net';
import { PROTOCOL_ERROR, ZmtpError } from '../errors';
import type { FrameKind } from '../events';
import type { Pipe, PipeReader, PipeWriter } from '../socket/pipe';
import { FLAG_COMMAND, FLAG_MORE, SOCKET_TYPE_PROPERTY } from '../zmtp/constants';
import { isCommandNamed, parseCommand, parseErrorData, parsePingData, parseProperties, pongDataFor, propertyText, encodeReadyData, encodePingData } from '../zmtp/command';
import { ZmtpDecoder, type DecoderSink } from '../zmtp/decoder';
import { encodeCommandFrame, frameHeaderSize, writeFrameHeader } from '../zmtp/frame';
import { encodeGreeting, zmtpVersionOf, type Greeting } from '../zmtp/greeting';
import type { EngineFailure, EngineSession } from './engine-host';

/** Bodies at least this large are written by reference instead of being copied into the batch. */
const COPY_LIMIT = 8192;
/** Size of a batch buffer that small frames are encoded into before one write. */
const BATCH_SIZE = 65536;
/** errno values libzmq puts in HANDSHAKE_FAILED_NO_DETAIL (Linux). */
const EPIPE = 32;
const ETIMEDOUT = 110;

/**
 * One ZMTP 3.1 connection over a byte stream (tcp or ipc), NULL mechanism: greeting, READY
 * exchange, then data frames and heartbeats. Like libzmq's zmtp_engine_t it never sends a data
 * frame before the peer's READY has arrived (protocol.md §7, pitfall 2), since libzmq 4.3.4 would
 * fail the handshake with UNEXPECTED_COMMAND.
 */
export class StreamEngine implements DecoderSink, PipeWriter, PipeReader {
  readonly #session: EngineSession;
  readonly #stream: Socket;
  readonly #decoder: ZmtpDecoder;
  #pipe: Pipe | undefined;
  #handshakeDone = false;
  #failed = false;
  #discardingMultipart = false;
  #flushScheduled = false;
  #waitingForDrain = false;
  #readingPaused = false;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #heartbeatTimeoutTimer: NodeJS.Timeout | undefined;
  #ttlTimer: NodeJS.Timeout | undefined;
  #lastErrno: number | undefined;

  constructor(session: EngineSession, stream: Socket) {
    this.#session = session;
    this.#stream = stream;
    const options = session.host.options;
    this.#decoder = new ZmtpDecoder(this, { maxMessageSize: options.maxMessageSize, greeting: true });
  }

  get handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  /** Sends our whole greeting at once and starts reading. */
  start(): void {
    const stream = this.#stream;
    const record = this.#session.record;
    stream.setNoDelay(true);
    // Unix sockets have no addresses here: keep what the session set (the ipc endpoint).
    record.localAddress = describeAddress(stream.localAddress, stream.localPort) ?? record.localAddress;
    record.remoteAddress = describeAddress(stream.remoteAddress, stream.remotePort) ?? record.remoteAddress;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.#lastErrno = typeof err.errno === 'number' ? -err.errno : undefined;
    });
    stream.on('close', () => this.#fail({ kind: 'connection', errno: this.#lastErrno ?? EPIPE }));
    stream.on('drain', () => {
      this.#waitingForDrain = false;
      this.#flush();
    });
    const interval = this.#session.host.options.handshakeInterval;
    if (interval > 0) {
      this.#handshakeTimer = setTimeout(() => {
        this.#fail({ kind: 'timeout', errno: ETIMEDOUT, error: new ZmtpError('ERR_ZMTP_HANDSHAKE_TIMEOUT', `Handshake not completed within ${interval} ms (handshakeInterval)`) });
      }, interval);
    }
    this.#setState('GREETING_SIGNATURE');
    const greeting = encodeGreeting();
    this.#tapOut('greeting', greeting, false);
    stream.write(greeting);
  }

  // --- DecoderSink -----------------------------------------------------------------------------

  onGreetingSignature(): void {
    this.#setState('GREETING_VERSION');
  }

  onGreetingVersion(): void {
    this.#setState('GREETING_REST');
  }

  onGreeting(greeting: Greeting, raw: Uint8Array): void {
    const record = this.#session.record;
    record.zmtpVersion = zmtpVersionOf(greeting);
    record.mechanism = greeting.mechanism;
    this.#tapIn('greeting', raw, false);
    // RFC 23 NULL mechanism: each side sends READY as soon as the greetings are exchanged; libzmq
    // does not wait for the peer's READY first.
    this.#writeCommand('READY', encodeReadyData(this.#session.host.socketType));
    record.readySent = true;
    this.#setState('READY_EXCHANGE');
  }

  onFrame(flags: number, body: Uint8Array): void {
    const record = this.#session.record;
    if (!this.#handshakeDone) {
      this.#handshakeFrame(body);
      return;
    }
    // libzmq cancels the heartbeat timeout and the TTL timer on every received frame.
    if (this.#heartbeatTimeoutTimer !== undefined) this.#heartbeatTimeoutTimer = clear(this.#heartbeatTimeoutTimer);
    if (this.#ttlTimer !== undefined) this.#ttlTimer = clear(this.#ttlTimer);
    if (flags & FLAG_COMMAND) {
      this.#command(body);
      return;
    }
    const more = (flags & FLAG_MORE) !== 0;
    if (this.#session.host.tapping) this.#tapIn('data', body, more);
    // RFC 51: a PEER "MUST discard any part of a multipart message" — every part up to and
    // including the last one (libzmq server_t::xrecv).
    if (more || this.#discardingMultipart) {
      this.#discardingMultipart = more;
      return;
    }
    // Counted like bytesOut (and inproc): bytes of messages, not of commands or discarded parts.
    record.messagesIn++;
    record.bytesIn += body.length;
    const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (!this.#session.host.deliver(this.#pipe!, data) && !this.#readingPaused) {
      this.#readingPaused = true;
      this.#stream.pause();
    }
  }

  #handshakeFrame(body: Uint8Array): void {
    const record = this.#session.record;
    // During the NULL handshake libzmq treats every frame as a command and checks only the name
    // prefix, not the COMMAND flag (null_mechanism_t::process_handshake_command).
    if (isCommandNamed(body, 'READY')) {
      const { data } = parseCommand(body);
      this.#tapIn('READY', body, false);
      if (record.readyReceived) throw unexpected('a second READY');
      const properties = parseProperties(data);
      for (const [name, value] of properties) record.peerProperties[name] = propertyText(value);
      const socketType = properties.find(([name]) => name === SOCKET_TYPE_PROPERTY);
      // The check happens only when the peer sends Socket-Type, exactly and case-sensitively.
      if (socketType && !this.#session.host.isCompatible(propertyText(socketType[1]))) {
        throw new ZmtpError(
          'ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE',
          `Peer socket type ${JSON.stringify(propertyText(socketType[1]))} is not compatible with ${this.#session.host.socketType}`,
        );
      }
      record.readyReceived = true;
      this.#completeHandshake();
      return;
    }
    if (isCommandNamed(body, 'ERROR')) {
      this.#tapIn('ERROR', body, false);
      const reason = parseErrorData(parseCommand(body).data);
      throw new ZmtpError('ERR_ZMTP_ERROR_RECEIVED', `Peer refused the handshake: ERROR ${JSON.stringify(reason)}`, undefined, reason);
    }
    this.#tapIn('command', body, false);
    throw unexpected(body.length > 0 && body[0] < body.length ? `command ${JSON.stringify(parseCommand(body).name)}` : 'a data frame');
  }

  #completeHandshake(): void {
    const session = this.#session;
    this.#handshakeDone = true;
    if (this.#handshakeTimer !== undefined) this.#handshakeTimer = clear(this.#handshakeTimer);
    const pipe = session.handshakeSucceeded();
    this.#pipe = pipe;
    session.record.state = 'ACTIVE';
    session.host.monitor('HANDSHAKE_SUCCEEDED', 0, session.monitorEndpoint, { connectionId: session.record.id, routingId: pipe.routingId });
    session.host.stateChanged(session.record);
    const hello = session.host.options.helloMessage;
    // ZMQ_HELLO_MSG: the first message after every handshake (libzmq hello_msg_session_t).
    if (hello !== undefined) this.#writeFrames([hello]);
    this.#startHeartbeats();
    pipe.writer = this;
    pipe.reader = this;
    if (pipe.hasOutbound) this.pipeReadable();
  }

  #command(body: Uint8Array): void {
    const record = this.#session.record;
    const { name, data } = parseCommand(body);
    if (name === 'PING') {
      const ping = parsePingData(data);
      this.#tapIn('PING', body, false);
      record.lastPingReceived = Date.now();
      this.#writeCommand('PONG', pongDataFor(ping));
      // RFC 37: the TTL is how long the peer will wait for traffic before closing; honour it.
      if (ping.ttl > 0 && this.#ttlTimer === undefined) {
        this.#ttlTimer = setTimeout(() => this.#heartbeatExpired('TTL'), ping.ttl * 100);
      }
    } else if (name === 'PONG') {
      this.#tapIn('PONG', body, false);
      record.lastPongReceived = Date.now();
    } else {
      // Other commands after the handshake (a late READY, ERROR, SUBSCRIBE…) are ignored, as libzmq.
      this.#tapIn(name === 'READY' || name === 'ERROR' ? name : 'command', body, false);
    }
  }

  #startHeartbeats(): void {
    const options = this.#session.host.options;
    if (options.heartbeatInterval <= 0) return;
    this.#pingTimer = setInterval(() => {
      this.#writeCommand('PING', encodePingData(Math.floor(options.heartbeatTimeToLive / 100)));
      this.#session.record.lastPingSent = Date.now();
      if (this.#heartbeatTimeoutTimer === undefined) {
        const timeout = options.heartbeatTimeout === -1 ? options.heartbeatInterval : options.heartbeatTimeout;
        this.#heartbeatTimeoutTimer = setTimeout(() => this.#heartbeatExpired('timeout'), timeout);
      }
    }, options.heartbeatInterval);
  }

  #heartbeatExpired(which: 'timeout' | 'TTL'): void {
    const detail = which === 'TTL' ? 'the TTL announced in its PING' : 'heartbeatTimeout';
    this.#fail({ kind: 'timeout', errno: ETIMEDOUT, error: new ZmtpError('ERR_ZMTP_HEARTBEAT_TIMEOUT', `No traffic from the peer within ${detail}`) });
  }

  // --- Writing ---------------------------------------------------------------------------------

  /** PipeWriter: new messages are queued; flush them on a microtask so that sends batch up. */
  pipeReadable(): void {
    if (this.#flushScheduled || this.#failed || this.#waitingForDrain) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** PipeReader: the application read enough to go below the receive HWM. */
  resumeReading(): void {
    if (!this.#readingPaused || this.#failed) return;
    this.#readingPaused = false;
    this.#stream.resume();
  }

  #flush(): void {
    const pipe = this.#pipe;
    if (!pipe || this.#failed) return;
    while (pipe.hasOutbound && !this.#waitingForDrain) {
      const batch: Uint8Array[] = [];
      let bytes = 0;
      while (bytes < BATCH_SIZE) {
        const data = pipe.read();
        if (data === undefined) break;
        batch.push(data);
        bytes += data.length + 9;
      }
      if (!this.#writeFrames(batch)) this.#waitingForDrain = true;
    }
  }

  /**
   * Encodes data frames: small ones copied into one buffer, large bodies passed by reference
   * beside their header, all in one corked write. Returns false when the stream asks us to wait.
   */
  #writeFrames(messages: Uint8Array[]): boolean {
    const record = this.#session.record;
    const stream = this.#stream;
    const tapping = this.#session.host.tapping;
    let small = 0;
    for (const data of messages) small += frameHeaderSize(data.length) + (data.length < COPY_LIMIT ? data.length : 0);
    const batch = Buffer.allocUnsafe(small);
    const parts: Uint8Array[] = [];
    let start = 0;
    let offset = 0;
    for (const data of messages) {
      offset = writeFrameHeader(batch, offset, 0, data.length);
      if (data.length < COPY_LIMIT) {
        batch.set(data, offset);
        offset += data.length;
      } else {
        parts.push(batch.subarray(start, offset), data);
        start = offset;
      }
      record.messagesOut++;
      record.bytesOut += data.length;
      if (tapping) this.#tapOut('data', data, false);
    }
    if (start < offset) parts.push(batch.subarray(start, offset));
    if (parts.length === 1) return stream.write(parts[0]);
    stream.cork();
    let ok = true;
    for (const part of parts) ok = stream.write(part);
    stream.uncork();
    return ok;
  }

  #writeCommand(name: 'READY' | 'PING' | 'PONG', data: Uint8Array): void {
    const frame = encodeCommandFrame(name, data);
    if (this.#session.host.tapping) this.#tapOut(name, frame.subarray(frame.length - (1 + name.length + data.length)), false);
    this.#stream.write(frame);
  }

  // --- Lifecycle -------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#failed) return;
    try {
      this.#decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof ZmtpError)) throw err;
      this.#fail({ kind: 'protocol', error: err });
    }
  }

  /** Resolves once everything queued for this peer has been handed to the OS, or after `linger` ms (-1: no limit). */
  async flushPending(linger: number): Promise<void> {
    const pipe = this.#pipe;
    if (!pipe || this.#failed || linger === 0) return;
    const deadline = linger < 0 ? Infinity : Date.now() + linger;
    while (!this.#failed && (pipe.hasOutbound || this.#stream.writableLength > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(10, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Closes the connection from our side (disconnect, unbind, close): no failure is reported. */
  close(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopTimers();
    this.#decoder.stop();
    this.#detachPipe();
    this.#stream.destroy();
  }

  #fail(failure: Omit<EngineFailure, 'handshakeDone'>): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopTimers();
    this.#decoder.stop();
    this.#stream.destroy();
    this.#detachPipe();
    const session = this.#session;
    const record = session.record;
    const host = session.host;
    // A connect-side pipe (and id) exists before the handshake; name it in failures too.
    const extra = { connectionId: record.id, routingId: (this.#pipe ?? record.pipe)?.routingId, error: failure.error };
    record.lastError = failure.error ? `${failure.error.code}: ${failure.error.message}` : failure.kind === 'connection' ? 'connection closed by peer' : record.lastError;
    if (!this.#handshakeDone) {
      // libzmq's classification (stream_engine_base_t::error and mechanism errors, protocol.md §2.8).
      if (failure.kind !== 'protocol') host.monitor('HANDSHAKE_FAILED_NO_DETAIL', failure.errno ?? EPIPE, session.monitorEndpoint, extra);
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

  #detachPipe(): void {
    const pipe = this.#pipe;
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

  #setState(state: 'GREETING_SIGNATURE' | 'GREETING_VERSION' | 'GREETING_REST' | 'READY_EXCHANGE'): void {
    this.#session.record.state = state;
    this.#session.host.stateChanged(this.#session.record);
  }

  #tapIn(kind: FrameKind, body: Uint8Array, more: boolean): void {
    this.#tap('in', kind, body, more);
  }

  #tapOut(kind: FrameKind, body: Uint8Array, more: boolean): void {
    this.#tap('out', kind, body, more);
  }

  #tap(direction: 'in' | 'out', kind: FrameKind, body: Uint8Array, more: boolean): void {
    const host = this.#session.host;
    if (!host.tapping) return;
    host.tap({ time: Date.now(), direction, connectionId: this.#session.record.id, routingId: (this.#pipe ?? this.#session.record.pipe)?.routingId, kind, more, size: body.length, body });
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

function describeAddress(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (port === undefined) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
