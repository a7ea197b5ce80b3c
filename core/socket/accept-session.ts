/**
 * The session of one accepted connection on a wire binding: it starts the engine when the
 * transport is ready and gives the connection a pipe, and so a routing id, once the handshake
 * succeeds.
 */
import { LINUX_ERRNO, PROTOCOL_ERROR } from '../errors';
import type { Engine } from '../engine/engine-base';
import type { EngineFailure, EngineSession } from '../engine/engine-host';
import type { EngineStarter, LinkAddresses, LinkFailure, LinkObserver } from '../transport/transport';
import type { ConnectionRecord } from '../pipe/connection-record';
import type { Pipe } from '../pipe/pipe';
import type { SessionHost } from './session-host';

/**
 * One accepted connection (bind side). It has no pipe and so no routing id until the handshake
 * succeeds (libzmq session_base_t::engine_ready), and its id dies with the connection: a peer
 * that reconnects gets a new one.
 */
export class AcceptSession implements EngineSession, LinkObserver {
  readonly host: SessionHost;
  readonly record: ConnectionRecord;
  readonly monitorEndpoint: string;
  #engine: Engine | undefined;
  #ended = false;
  readonly #onEnd: (session: AcceptSession) => void;

  constructor(host: SessionHost, record: ConnectionRecord, localEndpoint: string, onEnd: (session: AcceptSession) => void) {
    this.host = host;
    this.record = record;
    this.monitorEndpoint = localEndpoint;
    this.#onEnd = onEnd;
    record.close = () => this.close();
  }

  // --- LinkObserver ----------------------------------------------------------------------------

  connected(): void {}

  stage(state: 'TLS_HANDSHAKE' | 'HTTP_UPGRADE'): void {
    if (this.#ended) return;
    this.record.enter(state);
  }

  established(start: EngineStarter, addresses: LinkAddresses): void {
    if (this.#ended) return;
    if (addresses.local) this.record.localAddress = addresses.local;
    if (addresses.remote) this.record.remoteAddress = addresses.remote;
    this.#engine = start(this);
    this.#engine.start();
  }

  /** The link failed before ZMTP started (TLS, HTTP upgrade): reported as libzmq's ws engine does. */
  failed(failure: LinkFailure): void {
    if (this.#ended) return;
    const extra = { connectionId: this.record.id, error: failure.error };
    this.record.lastError = failure.error ? `${failure.error.code}: ${failure.error.message}` : failure.message;
    if (failure.kind === 'protocol') this.host.monitor('HANDSHAKE_FAILED_PROTOCOL', failure.error?.protocolError ?? PROTOCOL_ERROR.WS_UNSPECIFIED, this.monitorEndpoint, extra);
    else this.host.monitor('HANDSHAKE_FAILED_NO_DETAIL', failure.errno ?? LINUX_ERRNO.EPIPE, this.monitorEndpoint, extra);
    this.host.monitor('DISCONNECTED', this.record.id, this.monitorEndpoint, extra);
    this.#finish('DISCONNECTED');
  }

  // --- EngineSession ---------------------------------------------------------------------------

  handshakeSucceeded(): Pipe {
    return this.host.attachPipe(this.record);
  }

  engineFailed(failure: EngineFailure): void {
    const pipe = this.record.pipe;
    if (pipe) this.host.removePipe(pipe, { disconnectMessage: failure.handshakeDone });
    this.#finish('DISCONNECTED');
  }

  flushPending(linger: number): Promise<void> {
    return this.#engine ? this.#engine.flushPending(linger) : Promise.resolve();
  }

  /** Closes from our side (unbind, close): the pipe ends without a disconnect message. */
  close(): void {
    if (this.#ended) return;
    this.#engine?.close();
    const pipe = this.record.pipe;
    if (pipe) this.host.removePipe(pipe);
    this.#finish('TERMINATED');
  }

  #finish(state: 'DISCONNECTED' | 'TERMINATED'): void {
    if (this.#ended) return;
    this.#ended = true;
    this.record.enter(state);
    this.host.forgetRecord(this.record);
    this.#onEnd(this);
  }
}
