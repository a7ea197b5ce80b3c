/**
 * The session of one connect endpoint on a wire transport: connect attempts, libzmq's reconnect
 * timing and monitor events, and the pipe that keeps its routing id across reconnects.
 */
import { LINUX_ERRNO, PROTOCOL_ERROR } from '../errors';
import type { Endpoint } from '../endpoint';
import type { Engine } from '../engine/engine-base';
import type { EngineFailure, EngineSession } from '../engine/engine-host';
import type { ConnectAttempt, EngineStarter, LinkAddresses, LinkFailure, LinkObserver, Transport } from '../transport/transport';
import type { ConnectionRecord } from '../pipe/connection-record';
import type { Pipe } from '../pipe/pipe';
import type { Connector, SessionHost } from './session-host';

/**
 * One connect endpoint (libzmq session_base_t with a connecter): it owns the pipe, and so the
 * routing id, from the moment of connect, and keeps them across reconnects. A lost connection is
 * retried after reconnectInterval plus jitter (doubling up to reconnectIntervalMax); a protocol
 * error ends the session and its id for good, with no reconnect storm (protocol.md §1.7).
 */
export class ConnectSession implements Connector, EngineSession, LinkObserver {
  readonly host: SessionHost;
  readonly record: ConnectionRecord;
  readonly endpointText: string;
  readonly #endpoint: Endpoint;
  readonly #transport: Transport;
  readonly #immediate: boolean;
  #pipe: Pipe | undefined;
  #attempt: ConnectAttempt | undefined;
  #connected = false;
  #engine: Engine | undefined;
  #timer: NodeJS.Timeout | undefined;
  #currentInterval: number;
  #ended = false;

  constructor(host: SessionHost, endpoint: Endpoint, text: string, transport: Transport, immediate: boolean) {
    this.host = host;
    this.#endpoint = endpoint;
    this.endpointText = text;
    this.#transport = transport;
    this.#immediate = immediate;
    this.record = host.createRecord('connect', endpoint.transport, text);
    this.record.close = () => this.terminate();
    this.#currentInterval = host.options.reconnectInterval;
    // Without ZMQ_IMMEDIATE the pipe exists before any connection: this is what lets
    // zmq_connect_peer return the routing id synchronously and queue messages sent to it.
    if (!immediate) this.#pipe = host.attachPipe(this.record);
  }

  get pipe(): Pipe | undefined {
    return this.#pipe;
  }

  get monitorEndpoint(): string {
    return this.endpointText;
  }

  #events(): { connectionId: number; routingId: number | undefined } {
    return { connectionId: this.record.id, routingId: this.#pipe?.routingId };
  }

  start(): void {
    this.#connect();
  }

  #connect(): void {
    if (this.#ended) return;
    this.record.resetForReconnect();
    this.#connected = false;
    this.record.enter('CONNECTING');
    this.host.monitor('CONNECT_DELAYED', LINUX_ERRNO.EINPROGRESS, this.endpointText, this.#events());
    try {
      this.#attempt = this.#transport.connect(this.#endpoint, this.host.options, this);
    } catch (err) {
      this.failed({ kind: 'connection', message: String((err as Error).message ?? err) });
    }
  }

  // --- LinkObserver ----------------------------------------------------------------------------

  connected(addresses: LinkAddresses): void {
    if (this.#ended) return;
    this.#connected = true;
    this.record.localAddress = addresses.local ?? this.record.localAddress;
    this.record.remoteAddress = addresses.remote ?? (this.#endpoint.transport === 'ipc' ? this.endpointText : this.record.remoteAddress);
    this.host.monitor('CONNECTED', this.record.id, this.endpointText, this.#events());
  }

  stage(state: 'TLS_HANDSHAKE' | 'HTTP_UPGRADE'): void {
    if (this.#ended) return;
    this.record.enter(state);
  }

  established(start: EngineStarter, addresses: LinkAddresses): void {
    this.#attempt = undefined;
    if (this.#ended) return;
    this.record.localAddress = addresses.local ?? this.record.localAddress;
    this.record.remoteAddress = addresses.remote ?? this.record.remoteAddress;
    this.#engine = start(this);
    this.#engine.start();
  }

  /**
   * The attempt failed before ZMTP started. Before the TCP connection: CLOSED and a retry. After
   * it (TLS, HTTP upgrade): libzmq's ws engine reports a handshake failure; a bad upgrade is a
   * protocol error and ends the session, a TLS failure is a connection error and is retried.
   */
  failed(failure: LinkFailure): void {
    this.#attempt = undefined;
    if (this.#ended) return;
    this.record.lastError = failure.error ? `${failure.error.code}: ${failure.error.message}` : failure.message;
    if (!this.#connected) {
      this.#scheduleReconnect('CLOSED');
      return;
    }
    const extra = { ...this.#events(), error: failure.error };
    if (failure.kind === 'protocol') this.host.monitor('HANDSHAKE_FAILED_PROTOCOL', failure.error?.protocolError ?? PROTOCOL_ERROR.WS_UNSPECIFIED, this.endpointText, extra);
    else this.host.monitor('HANDSHAKE_FAILED_NO_DETAIL', failure.errno ?? LINUX_ERRNO.EPIPE, this.endpointText, extra);
    this.host.monitor('DISCONNECTED', this.record.id, this.endpointText, extra);
    if (failure.kind === 'protocol') this.#end();
    else this.#scheduleReconnect('DISCONNECTED');
  }

  /** libzmq session_base_t::start_connecting / stream_connecter_base_t::add_reconnect_timer. */
  #scheduleReconnect(after: 'CLOSED' | 'DISCONNECTED'): void {
    if (this.#ended) return;
    if (after === 'CLOSED') this.host.monitor('CLOSED', this.record.id, this.endpointText, this.#events());
    const base = this.host.options.reconnectInterval;
    if (base < 0) {
      // ZMQ_RECONNECT_IVL -1: a failed first connect is simply never retried (the pipe stays);
      // a lost connection ends the session and its routing id.
      if (after === 'DISCONNECTED') this.#end();
      else this.record.enter('WAIT_RECONNECT');
      return;
    }
    const interval = this.#nextInterval();
    this.host.monitor('CONNECT_RETRIED', interval, this.endpointText, this.#events());
    this.record.reconnects++;
    this.record.enter('WAIT_RECONNECT');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, interval);
  }

  /** reconnect_ivl plus a random jitter of 0..ivl, with back-off when the maximum is above it (libzmq get_new_reconnect_ivl). */
  #nextInterval(): number {
    const options = this.host.options;
    const base = options.reconnectInterval;
    const interval = this.#currentInterval + (base > 0 ? Math.floor(Math.random() * base) : 0);
    if (options.reconnectIntervalMax > 0 && options.reconnectIntervalMax > base) {
      this.#currentInterval = Math.min(this.#currentInterval * 2, options.reconnectIntervalMax);
    }
    return interval;
  }

  // --- EngineSession ---------------------------------------------------------------------------

  handshakeSucceeded(): Pipe {
    this.#currentInterval = this.host.options.reconnectInterval;
    // With ZMQ_IMMEDIATE the pipe is made only now, and a new one after every reconnect.
    if (!this.#pipe) this.#pipe = this.host.attachPipe(this.record);
    return this.#pipe;
  }

  engineFailed(failure: EngineFailure): void {
    this.#engine = undefined;
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
    this.#attempt?.abort();
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pipe) this.host.removePipe(this.#pipe);
    this.record.enter('TERMINATED');
    this.host.forgetRecord(this.record);
    this.host.connectorEnded(this);
  }
}
