import type { Socket } from 'node:net';
import type { EngineFailure, EngineSession } from '../engine/engine-host';
import { StreamEngine } from '../engine/stream-engine';
import type { ConnectionRecord } from './connection-record';
import type { Pipe } from './pipe';
import type { SocketBase } from './socket-base';

/**
 * One accepted connection (bind side). It has no pipe and so no routing id until the handshake
 * succeeds (libzmq session_base_t::engine_ready), and its id dies with the connection: a peer
 * that reconnects gets a new one.
 */
export class AcceptSession implements EngineSession {
  readonly host: SocketBase;
  readonly record: ConnectionRecord;
  readonly monitorEndpoint: string;
  readonly engine: StreamEngine;
  readonly #onEnd: (session: AcceptSession) => void;

  constructor(socket: SocketBase, stream: Socket, record: ConnectionRecord, localEndpoint: string, onEnd: (session: AcceptSession) => void) {
    this.host = socket;
    this.record = record;
    this.monitorEndpoint = localEndpoint;
    this.#onEnd = onEnd;
    this.engine = new StreamEngine(this, stream);
  }

  start(): void {
    this.engine.start();
  }

  handshakeSucceeded(): Pipe {
    return this.host.attachPipe(this.record);
  }

  engineFailed(failure: EngineFailure): void {
    const pipe = this.record.pipe;
    if (pipe) this.host.removePipe(pipe, { disconnectMessage: failure.handshakeDone });
    this.record.state = 'DISCONNECTED';
    this.host.stateChanged(this.record);
    this.host.forgetRecord(this.record);
    this.#onEnd(this);
  }

  /** Closes from our side (unbind, close): the pipe ends without a disconnect message. */
  close(): void {
    this.engine.close();
    const pipe = this.record.pipe;
    if (pipe) this.host.removePipe(pipe);
    this.record.state = 'TERMINATED';
    this.host.stateChanged(this.record);
    this.host.forgetRecord(this.record);
  }
}
