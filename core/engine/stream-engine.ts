/**
 * The engine for byte streams (tcp, ipc): ZMTP 3.1's greeting and frames (RFC 23, RFC 37) over a
 * `net.Socket`, decoded by zmtp/decoder.ts and written in corked batches.
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { ZmtpDecoder, type DecoderSink } from '../zmtp/decoder';
import { FLAG_COMMAND } from '../zmtp/constants';
import { encodeFrame, frameHeaderSize, writeFrameHeader } from '../zmtp/frame';
import { encodeGreeting, zmtpVersionOf, type Greeting } from '../zmtp/greeting';
import { encodePingData } from '../zmtp/command';
import { describeAddress } from '../endpoint';
import { bufferView } from '../util/buffer-view';
import { WriteSlab } from '../util/write-slab';
import { LINUX_ERRNO } from '../errors';
import { securityOf } from '../options';
import { EngineBase, type Pong } from './engine-base';
import type { EngineSession } from './engine-host';

/** Bodies at least this large are written by reference instead of being copied into the batch. */
const COPY_LIMIT = 8192;
/** How long a connection ended after a refusal waits for the peer to hang up before it is cut. */
const END_GRACE_MS = 2000;

/**
 * ZMTP 3.1 over a byte stream (tcp, ipc): the 64-byte greeting, then `flags size body` frames
 * (RFC 23). Small frames are encoded into one buffer per batch; large bodies go by reference in
 * the same corked write.
 */
export class StreamEngine extends EngineBase implements DecoderSink {
  readonly #stream: Socket;
  readonly #decoder: ZmtpDecoder;
  readonly #mechanism: string;
  #lastErrno: number | undefined;
  /** The peer's FIN arrived. */
  #ended = false;
  readonly #slab = new WriteSlab();

  constructor(session: EngineSession, stream: Socket) {
    super(session);
    this.#stream = stream;
    this.#mechanism = securityOf(session.host.options).mechanism;
    // Bodies that span chunks are assembled in Buffers: no zero-filling, and what the application receives.
    this.#decoder = new ZmtpDecoder(this, { maxMessageSize: session.host.options.maxMessageSize, greeting: true, mechanism: this.#mechanism, allocate: Buffer.allocUnsafe, view: bufferView });
  }

  /** Sends our whole greeting at once and starts reading. */
  protected begin(): void {
    const stream = this.#stream;
    const record = this.session.record;
    stream.setNoDelay(true);
    // Unix sockets have no addresses here: keep what the session set (the ipc endpoint).
    record.localAddress = describeAddress(stream.localAddress, stream.localPort) ?? record.localAddress;
    record.remoteAddress = describeAddress(stream.remoteAddress, stream.remotePort) ?? record.remoteAddress;
    stream.on('data', (chunk: Buffer) => {
      if (!this.failed) this.guard(() => this.#decoder.push(chunk));
    });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.#lastErrno = typeof err.errno === 'number' ? -err.errno : undefined;
    });
    // The peer's FIN ends the connection at once, as libzmq's read() of 0 bytes does (EPIPE,
    // stream_engine_base_t::read): Node would otherwise end our side and fail every later write,
    // losing the messages it took from the pipe meanwhile. Bytes kept behind a full pipe are
    // decoded first.
    stream.on('end', () => {
      this.#ended = true;
      if (!this.#decoder.paused) this.fail({ kind: 'connection', errno: LINUX_ERRNO.EPIPE });
    });
    stream.on('close', () => this.fail({ kind: 'connection', errno: this.#lastErrno ?? LINUX_ERRNO.EPIPE }));
    stream.on('drain', () => this.drained());
    this.startHandshakeTimer();
    this.setState('GREETING_SIGNATURE');
    // libzmq sends its greeting in three stages and waits for our signature before sending more
    // (protocol.md §2.1); sending ours whole at once is what keeps the two from deadlocking.
    // The as-server byte stays 0, as libzmq leaves it: roles come from each side's options.
    const greeting = encodeGreeting({ mechanism: this.#mechanism });
    this.tap('out', 'greeting', greeting, false);
    stream.write(greeting);
  }

  // --- DecoderSink -----------------------------------------------------------------------------

  onGreetingSignature(): void {
    this.setState('GREETING_VERSION');
  }

  onGreetingVersion(): void {
    this.setState('GREETING_REST');
  }

  onGreeting(greeting: Greeting, raw: Uint8Array): void {
    const record = this.session.record;
    record.zmtpVersion = zmtpVersionOf(greeting);
    record.mechanism = greeting.mechanism;
    this.tap('in', 'greeting', raw, false);
    this.startMechanism();
  }

  onFrame(flags: number, body: Uint8Array): void {
    this.receiveFrame(flags, body);
  }

  // --- The wire --------------------------------------------------------------------------------

  protected writeMessages(messages: Uint8Array[]): boolean {
    const stream = this.#stream;
    let small = 0;
    for (const data of messages) small += frameHeaderSize(data.length) + (data.length < COPY_LIMIT ? data.length : 0);
    const batch = this.#slab.take(small, stream.writableLength > 0);
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
    }
    if (start < offset) parts.push(batch.subarray(start, offset));
    if (parts.length === 1) return stream.write(parts[0]);
    stream.cork();
    let ok = true;
    for (const part of parts) ok = stream.write(part);
    stream.uncork();
    return ok;
  }

  protected writeCommandFrame(body: Uint8Array): boolean {
    return this.#stream.write(encodeFrame(body, FLAG_COMMAND));
  }

  protected sendHeartbeat(): boolean {
    return this.writeCommand('PING', encodePingData(Math.floor(this.session.host.options.heartbeatTimeToLive / 100)));
  }

  protected writePong(pong: Pong): boolean {
    return this.writeCommand('PONG', pong.data);
  }

  /** The pipe is full: the decoder stops after this frame and keeps the rest, the socket stops reading. */
  protected pauseInput(): void {
    this.#decoder.pause();
    this.#stream.pause();
  }

  /** Decodes what was kept first; reading resumes only if that did not fill the pipe again. */
  protected resumeInput(): void {
    this.guard(() => this.#decoder.resume());
    if (this.failed || this.#decoder.paused) return;
    if (this.#ended) this.fail({ kind: 'connection', errno: LINUX_ERRNO.EPIPE });
    else this.#stream.resume();
  }

  protected destroyWire(): void {
    this.#decoder.stop();
    this.#stream.destroy();
  }

  protected endWire(): void {
    this.#decoder.stop();
    this.#stream.end();
    setTimeout(() => this.#stream.destroy(), END_GRACE_MS).unref();
  }

  protected get wireBacklog(): number {
    return this.#stream.writableLength;
  }
}
