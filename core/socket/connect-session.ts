import type { Socket } from 'node:net';
import type { Endpoint } from '../endpoint';
import type { EngineFailure, EngineSession } from '../engine/engine-host';
import { StreamEngine } from '../engine/stream-engine';
import type { StreamTransport } from '../transport/stream-transport';
import type { ConnectionRecord } from './connection-record';
import type { Pipe } from './pipe';
import type { SocketBase } from './socket-base';

/** errno libzmq reports with CONNECT_DELAYED (EINPROGRESS on Linux). */
const EINPROGRESS = 115;

/**
 * One connect endpoint (libzmq session_base_t with a connecter): it owns the pipe, and so the
 * routing id, from the moment of connect, and keeps them across reconnects. A lost connection is
 * retried after reconnectInterval plus jitter (doubling up to reconnectIntervalMax); a protocol
 * error ends the session and its id for good, with no reconnect storm (protocol.md §1.7).
 */
export class ConnectSession implements EngineSession {
  readonly host: SocketBase;
  readonly record: ConnectionRecord;
  readonly endpointText: string;
  readonly #endpoint: Endpoint;
  readonly #transport: StreamTransport;
  readonly #immediate: boolean;
  #pipe: Pipe | undefined;
  #stream: Socket | undefined;
  #engine: StreamEngine | undefined;
  #timer: NodeJS.Timeout | undefined;
  #currentInterval: number;
  #ended = false;

  constructor(socket: SocketBase, endpoint: Endpoint, text: string, transport: StreamTransport, immediate: boolean) {
    this.host = socket;
    this.#endpoint = endpoint;
    this.endpointText = text;
    this.#transport = transport;
    this.#immediate = immediate;
    this.record = socket.createRecord('connect', endpoint.transport, text);
    this.#currentInterval = socket.options.reconnectInterval;
    // Without ZMQ_IMMEDIATE the pipe exists before any connection: this is what lets
    // zmq_connect_peer return the routing id synchronously and queue messages sent to it.
    if (!immediate) this.#pipe = socket.attachPipe(this.record);
  }

  get pipe(): Pipe | undefined {
    return this.#pipe;
  }

  get monitorEndpoint(): string {
    return this.endpointText;
  }

  start(): void {
    this.#connect();
  }

  #connect(): void {
    if (this.#ended) return;
    this.record.state = 'CONNECTING';
    this.host.stateChanged(this.record);
    let stream: Socket;
    try {
      stream = this.#transport.connect(this.#endpoint, this.host.options);
    } catch (err) {
      this.record.lastError = String((err as Error).message ?? err);
      this.#scheduleReconnect('CLOSED');
      return;
    }
    this.#stream = stream;
    this.host.monitor('CONNECT_DELAYED', EINPROGRESS, this.endpointText, { connectionId: this.record.id, routingId: this.#pipe?.routingId });
    const onError = (err: NodeJS.ErrnoException): void => {
      this.record.lastError = `${err.code ?? 'error'}: ${err.message}`;
    };
    const onClose = (): void => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      this.#scheduleReconnect('CLOSED');
    };
    stream.on('error', onError);
    stream.once('close', onClose);
    stream.once('connect', () => {
      stream.off('close', onClose);
      stream.off('error', onError);
      if (this.#ended) {
        stream.destroy();
        return;
      }
      this.host.monitor('CONNECTED', this.record.id, this.endpointText, { connectionId: this.record.id, routingId: this.#pipe?.routingId });
      this.record.resetForReconnect();
      if (this.#endpoint.transport === 'ipc') this.record.remoteAddress = this.endpointText;
      this.#engine = new StreamEngine(this, stream);
      this.#engine.start();
    });
  }

  /** libzmq session_base_t::start_connecting / stream_connecter_base_t::add_reconnect_timer. */
  #scheduleReconnect(after: 'CLOSED' | 'DISCONNECTED'): void {
    if (this.#ended) return;
    if (after === 'CLOSED') this.host.monitor('CLOSED', this.record.id, this.endpointText, { connectionId: this.record.id, routingId: this.#pipe?.routingId });
    const base = this.host.options.reconnectInterval;
    if (base < 0) {
      // ZMQ_RECONNECT_IVL -1: a failed first connect is simply never retried (the pipe stays);
      // a lost connection ends the session and its routing id.
      if (after === 'DISCONNECTED') this.#end();
      else {
        this.record.state = 'WAIT_RECONNECT';
        this.host.stateChanged(this.record);
      }
      return;
    }
    const interval = this.#nextInterval();
    this.host.monitor('CONNECT_RETRIED', interval, this.endpointText, { connectionId: this.record.id, routingId: this.#pipe?.routingId });
    this.record.state = 'WAIT_RECONNECT';
    this.record.reconnects++;
    this.host.stateChanged(this.record);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, interval);
  }

  /** reconnect_ivl plus a random jitter of 0..ivl, with optional exponential back-off. */
  #nextInterval(): number {
    const options = this.host.options;
    const base = options.reconnectInterval;
    const interval = this.#currentInterval + (base > 0 ? Math.floor(Math.random() * base) : 0);
    // libzmq backs off only when the maximum is above the base interval; otherwise it keeps it.
    if (options.reconnectIntervalMax > 0 && options.reconnectIntervalMax > base) this.#currentInterval = Math.min(this.#currentInterval * 2, options.reconnectIntervalMax);
    return interval;
  }

  handshakeSucceeded(): Pipe {
    this.#currentInterval = this.host.options.reconnectInterval;
    // With ZMQ_IMMEDIATE the pipe is made only now, and a new one after every reconnect.
    if (!this.#pipe) this.#pipe = this.host.attachPipe(this.record);
    return this.#pipe;
  }

  engineFailed(failure: EngineFailure): void {
    this.#engine = undefined;
    this.#stream = undefined;
    if (failure.kind === 'protocol') {
      this.#end();
      return;
    }
    const pipe = this.#pipe;
    const hiccup = this.host.options.hiccupMessage;
    if (failure.handshakeDone && pipe && hiccup !== undefined) this.host.deliverLocal(pipe.routingId, hiccup);
    if (this.#immediate && pipe) {
      this.host.removePipe(pipe);
      this.#pipe = undefined;
    }
    this.#scheduleReconnect('DISCONNECTED');
  }

  /** Resolves when the messages queued for this peer were written (see SocketOptions.linger). */
  async flushPending(linger: number): Promise<void> {
    await this.#engine?.flushPending(linger);
  }

  /** zmq_disconnect or close: ends the connection, the retries and the routing id. */
  terminate(): void {
    if (this.#ended) return;
    this.#engine?.close();
    this.#stream?.destroy();
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pipe) this.host.removePipe(this.#pipe);
    this.record.state = 'TERMINATED';
    this.host.stateChanged(this.record);
    this.host.forgetRecord(this.record);
    this.host.sessionEnded(this);
  }
}

