/**
 * ZMQ Peer Debugger's core: libzmq's ZMQ_PEER socket and zmq_connect_peer in pure TypeScript,
 * speaking ZMTP 3.1 over tcp, ipc and inproc, and ZWS 2.0 over ws and wss. A plain Node library:
 * nothing here imports vscode.
 *
 * Beside the sockets sits the tap (core/tap/): a relay that listens where apps connect, opens one
 * connection to the real endpoint per app, passes every byte on unchanged and decodes what it
 * sees, for any socket type; with it, a pcapng writer for Wireshark.
 *
 * This file is the core's whole public surface: code outside core/ (the frame-script language in
 * zmq-script/, the extension, its language server) imports the core through it and nothing deeper.
 * Besides the sockets (and ZapResponder, the REP-like ZAP handler C code expects at
 * inproc://zeromq.zap.01), it hands out CURVE keys (`curveKeypair`, `curvePublic`, Z85) and what a
 * client needs to check input the way the sockets will:
 * `parseEndpoint` (and `EndpointRole`) for endpoints, `isOptionName` and `checkOption` for socket
 * options, each failing with the same `ZmqError` a socket call would throw.
 *
 * And it hands out the ZMTP codec's readers of handshake bodies (`readGreeting`, `parseCommand`,
 * `parseProperties`, `parsePingData`, `parseErrorData`, and PLAIN's `parsePlainHello` and
 * `isLibzmqPlainError`), so that a client showing what a `frame`
 * event carried (the extension's handshake ladder) decodes those bytes with the parsers the
 * sockets use, not with a second copy. They are pure and strict: malformed bytes throw `ZmtpError`.
 */
export { Context, getDefaultContext, type ContextOptions } from './context';
export { Peer, type PeerOptions } from './socket/peer';
export { Server, type SendOptions } from './socket/server';
export { Client } from './socket/client';
export type { SocketBase, ReceivedMessage, SocketConstructorOptions, SocketEvents } from './socket/socket-base';
export { DEFAULT_OPTIONS, HEARTBEAT_TTL_MAX, SECRET_OPTIONS, checkOption, isOptionName, securityOf, type Security, type SocketOptions } from './options';
export {
  ZmqError,
  ZmtpError,
  isZmqError,
  ERRNO,
  ERROR_MESSAGES,
  PROTOCOL_ERROR,
  ZMTP_ERROR_CODES,
  type HandshakeStep,
  type ZmqErrorCode,
  type ZmtpErrorCode,
} from './errors';
export { curveKeypair, curvePublic, type CurveKeyPairText } from './crypto/keys';
export { z85Encode, z85Decode } from './zmtp/z85';
export { isLibzmqPlainError, parsePlainHello } from './zmtp/plain';
export type { MechanismName } from './zmtp/mechanism';
export { ZAP_ENDPOINT, type ZapHandler, type ZapHandlerRequest, type ZapReplyFields, type ZapRequest } from './zmtp/zap';
export { ZapResponder, type ZapResponderOptions } from './socket/zap-responder';
export { parseEndpoint, formatEndpoint, type Endpoint, type EndpointRole, type Transport } from './endpoint';
export * as zmq from './zmq';
export { GREETING_SIZE } from './zmtp/constants';
export { readGreeting, type Greeting } from './zmtp/greeting';
export { parseCommand, parseErrorData, parsePingData, parseProperties, type Command, type Ping } from './zmtp/command';
export { MONITOR_EVENT_VALUES, type MonitorEvent, type MonitorEventType, type ConnectionInfo, type ConnectionState, type FrameRecord, type FrameKind } from './events';
export { Tap, TAP_DEFAULTS, type TapOptions, type TapState, type TapEvents } from './tap/tap';
export type { TapCurveKeys, TapCurvePublicKeys } from './tap/tap-curve-keys';
export { RecordFeed, FEED_CAPACITY, FEED_BYTES } from './tap/record-feed';
export { PcapngCapture, type CaptureFormat } from './tap/pcapng-capture';
export { pairVerdict, COMPATIBLE_SOCKET_TYPES, type PairVerdict } from './tap/socket-types';
export type { TapRecord, GreetingRecord, CommandRecord, MessageRecord, EventRecord, TapFrame, TapSide, TapPolicy, Severity } from './tap/records';
export type { TapConnectionInfo, TapSideInfo } from './tap/relayed-connection';
