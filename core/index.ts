/**
 * ZMQ Peer Debugger's core: libzmq's ZMQ_PEER socket and zmq_connect_peer in pure TypeScript,
 * speaking ZMTP 3.1 over tcp, ipc and inproc, and ZWS 2.0 over ws and wss. A plain Node library:
 * nothing here imports vscode.
 */
export { Context, getDefaultContext, type ContextOptions } from './context';
export { Peer, type PeerOptions } from './socket/peer';
export { Server, type SendOptions } from './socket/server';
export { Client } from './socket/client';
export type { SocketBase, ReceivedMessage, SocketConstructorOptions, SocketEvents } from './socket/socket-base';
export { DEFAULT_OPTIONS, HEARTBEAT_TTL_MAX, type SocketOptions } from './options';
export { ZmqError, ZmtpError, isZmqError, ERRNO, ERROR_MESSAGES, PROTOCOL_ERROR, type ZmqErrorCode, type ZmtpErrorCode } from './errors';
export { parseEndpoint, formatEndpoint, type Endpoint, type Transport } from './endpoint';
export * as zmq from './zmq';
export { MONITOR_EVENT_VALUES, type MonitorEvent, type MonitorEventType, type ConnectionInfo, type ConnectionState, type FrameRecord, type FrameKind } from './events';
