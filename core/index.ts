/**
 * ZMQ Peer Debugger's core: libzmq's ZMQ_PEER socket and zmq_connect_peer in pure TypeScript,
 * speaking ZMTP 3.1 over tcp, ipc and inproc, and ZWS 2.0 over ws and wss. A plain Node library:
 * nothing here imports vscode.
 *
 * This file is the core's whole public surface: code outside core/ (the frame-script language in
 * zmq-script/, the extension, its language server) imports the core through it and nothing deeper.
 * Besides the sockets, it hands out what a client needs to check input the way the sockets will:
 * `parseEndpoint` (and `EndpointRole`) for endpoints, `isOptionName` and `checkOption` for socket
 * options, each failing with the same `ZmqError` a socket call would throw.
 *
 * And it hands out the ZMTP codec's readers of handshake bodies (`readGreeting`, `parseCommand`,
 * `parseProperties`, `parsePingData`, `parseErrorData`), so that a client showing what a `frame`
 * event carried (the extension's handshake ladder) decodes those bytes with the parsers the
 * sockets use, not with a second copy. They are pure and strict: malformed bytes throw `ZmtpError`.
 */
export { Context, getDefaultContext, type ContextOptions } from './context';
export { Peer, type PeerOptions } from './socket/peer';
export { Server, type SendOptions } from './socket/server';
export { Client } from './socket/client';
export type { SocketBase, ReceivedMessage, SocketConstructorOptions, SocketEvents } from './socket/socket-base';
export { DEFAULT_OPTIONS, HEARTBEAT_TTL_MAX, checkOption, isOptionName, type SocketOptions } from './options';
export { ZmqError, ZmtpError, isZmqError, ERRNO, ERROR_MESSAGES, PROTOCOL_ERROR, type ZmqErrorCode, type ZmtpErrorCode } from './errors';
export { parseEndpoint, formatEndpoint, type Endpoint, type EndpointRole, type Transport } from './endpoint';
export * as zmq from './zmq';
export { GREETING_SIZE } from './zmtp/constants';
export { readGreeting, type Greeting } from './zmtp/greeting';
export { parseCommand, parseErrorData, parsePingData, parseProperties, type Command, type Ping } from './zmtp/command';
export { MONITOR_EVENT_VALUES, type MonitorEvent, type MonitorEventType, type ConnectionInfo, type ConnectionState, type FrameRecord, type FrameKind } from './events';
