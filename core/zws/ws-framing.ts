/**
 * Typed access to the `ws` package's frame parser and serializer, which @types/ws does not
 * describe.
 */
import type { Duplex } from 'node:stream';
import * as ws from 'ws';

/**
 * The `ws` package's frame parser and serializer (RFC 6455 §5), used on a socket whose HTTP
 * upgrade this project performs itself. Its WebSocket and WebSocketServer classes cannot serve
 * ZWS: ws 8 rejects `ZWS2.0/NULL` as a sub-protocol name ('/' is not an RFC 7230 token
 * character), which is exactly what libzmq offers and expects. `Receiver` and `Sender` are
 * exported by the package but not described by @types/ws; these are the parts used here.
 */
export interface WsReceiver {
  /**
   * Feeds received bytes; false when the receiver wants no more until 'drain'. `done` runs once
   * they were parsed (with the frame error, if they held one).
   */
  write(chunk: Buffer, done?: (err?: Error | null) => void): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  on(event: 'drain', listener: () => void): this;
}

export interface WsReceiverOptions {
  readonly isServer: boolean;
  /** Largest message accepted; 0 = no limit. */
  readonly maxPayload: number;
  readonly skipUTF8Validation?: boolean;
  readonly allowSynchronousEvents?: boolean;
}

export interface WsFrameOptions {
  readonly fin: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
  readonly rsv1: boolean;
}

export interface WsSender {
  ping(data: Buffer, mask: boolean, cb?: (err?: Error) => void): void;
  pong(data: Buffer, mask: boolean, cb?: (err?: Error) => void): void;
  close(code: number | undefined, data: Buffer | undefined, mask: boolean, cb?: (err?: Error) => void): void;
}

interface WsFramingExports {
  Receiver: new (options: WsReceiverOptions) => WsReceiver;
  Sender: (new (socket: Duplex) => WsSender) & { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
}

const framing = ws as unknown as WsFramingExports;

export const Receiver = framing.Receiver;
export const Sender = framing.Sender;

/** RFC 6455 §5.2 opcode of a binary frame. */
export const OPCODE_BINARY = 0x02;
