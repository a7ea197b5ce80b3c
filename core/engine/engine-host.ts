/**
 * The contracts around an engine: {@link EngineHost} is what an engine needs from its socket,
 * {@link EngineSession} is the session that owns it, {@link EngineFailure} is why it stopped.
 */
import type { ZmtpError } from '../errors';
import type { FrameRecord, MonitorEventType } from '../events';
import type { SocketOptions } from '../options';
import type { ConnectionRecord } from '../pipe/connection-record';
import type { Pipe } from '../pipe/pipe';
import type { ZapRequest } from '../zmtp/zap';

/**
 * Answers one ZAP request with the reply's six frames (RFC 27; checked by the engine as libzmq
 * checks them). A rejection or no answer within the handshake interval counts as status 500.
 */
export type ZapAsker = (request: ZapRequest) => Promise<readonly Uint8Array[]>;

/** What an engine needs from its socket. */
export interface EngineHost {
  readonly options: Readonly<SocketOptions>;
  /** Our Socket-Type property ("PEER", "SERVER", "CLIENT"). */
  readonly socketType: string;
  /** libzmq's compatibility matrix: PEER↔PEER, SERVER↔CLIENT. */
  isCompatible(peerSocketType: string): boolean;
  monitor(type: MonitorEventType, value: number, endpoint: string, extra?: { connectionId?: number; routingId?: number; error?: ZmtpError }): void;
  /** True while anyone listens to the traffic tap; engines build no records otherwise. */
  readonly tapping: boolean;
  tap(record: FrameRecord): void;
  /** Hands a received message to the application. False when the peer's inbound queue is full. */
  deliver(pipe: Pipe, data: Buffer): boolean;
  /**
   * Who answers ZAP for this socket now (its zapHandler, else a ZapResponder bound in its context),
   * or undefined: libzmq's "no handler at inproc://zeromq.zap.01".
   */
  zapAsker(): ZapAsker | undefined;
}

/** Why an engine stopped, in libzmq's three kinds (stream_engine_base_t::error_reason_t). */
export interface EngineFailure {
  /** connection: EOF/reset; timeout: handshake or heartbeat; protocol: the peer broke ZMTP. */
  readonly kind: 'connection' | 'timeout' | 'protocol';
  readonly error?: ZmtpError;
  readonly errno?: number;
  /** Whether the handshake had completed before the failure. */
  readonly handshakeDone: boolean;
}

/** The engine's owner: a connect-side or an accept-side session. */
export interface EngineSession {
  readonly host: EngineHost;
  readonly record: ConnectionRecord;
  /** The endpoint monitor events name (remote for connect, local for bind, as libzmq). */
  readonly monitorEndpoint: string;
  /** The handshake completed: the session gives the pipe the engine will serve. */
  handshakeSucceeded(): Pipe;
  engineFailed(failure: EngineFailure): void;
}
