/**
 * Where a tap listens and what it connects to: plain streams for tcp://, ipc:// and ws:// (a ws
 * tap relays the HTTP upgrade itself, so both of its legs are TCP streams), bound and connected
 * by the core's own transport functions (wildcards, interface names, ipc files), and which
 * endpoint pairs a byte-for-byte relay can serve.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { describeAddress, formatHost, parseEndpoint, resolveBindHost, tcpLastEndpoint, type Endpoint } from '../endpoint';
import { ZmqError } from '../errors';
import { ipcTransport } from '../transport/ipc';
import { closeServer, connectTcp, listenTcp } from '../transport/tcp';
import type { Framing } from './tap-connection';

/** A listen and an upstream endpoint the tap can relay between. */
export interface TapRoute {
  readonly listen: Endpoint;
  readonly upstream: Endpoint;
  readonly framing: Framing;
}

/**
 * Parses and checks a tap's two endpoints. Both legs must carry the same framing (tcp and ipc
 * carry ZMTP and mix freely; ws carries ZWS), since every byte is relayed unchanged. inproc has no
 * wire to tap, and wss would need the tap to terminate TLS with a certificate the app trusts.
 * @throws {ZmqError} EINVAL, EPROTONOSUPPORT, ENOCOMPATPROTO (as parseEndpoint, and for the cases above)
 */
export function tapRoute(listen: string, upstream: string): TapRoute {
  const listenEndpoint = parseEndpoint(listen, 'bind');
  const upstreamEndpoint = parseEndpoint(upstream, 'connect');
  for (const [endpoint, text] of [[listenEndpoint, listen], [upstreamEndpoint, upstream]] as const) {
    if (endpoint.transport === 'inproc') throw new ZmqError('ENOCOMPATPROTO', { address: text, detail: 'inproc:// has no wire to tap: it never leaves the process' });
    if (endpoint.transport === 'wss') throw new ZmqError('EPROTONOSUPPORT', { address: text, detail: 'a tap relays wss:// only by terminating TLS, which it does not do: use ws:// on this leg' });
  }
  const framing = (endpoint: Endpoint): Framing => (endpoint.transport === 'ws' ? 'zws' : 'zmtp');
  if (framing(listenEndpoint) !== framing(upstreamEndpoint)) {
    throw new ZmqError('EPROTONOSUPPORT', { address: `${listen} → ${upstream}`, detail: 'both legs of a tap must be ws://, or both tcp:// / ipc://: the bytes are relayed unchanged, and ZWS and ZMTP frame them differently' });
  }
  return { listen: listenEndpoint, upstream: upstreamEndpoint, framing: framing(listenEndpoint) };
}

/** A listening tap: its resolved endpoint (a concrete port or path, to listen on again later) and how to stop. */
export interface TapListener {
  readonly lastEndpoint: string;
  /** The endpoint to listen on again after a close: wildcards resolved, the same port or path. */
  readonly again: Endpoint;
  close(): Promise<void>;
}

/** Listens on `endpoint`; `accept` gets every connection, paused until the tap resumes it. */
export async function listenForApps(endpoint: Endpoint, ipv6: boolean, accept: (socket: Socket) => void): Promise<TapListener> {
  const server = createServer({ noDelay: true, pauseOnConnect: true });
  server.on('connection', accept);
  switch (endpoint.transport) {
    case 'tcp':
    case 'ws': {
      const text = `${endpoint.transport}://${formatHost(endpoint.host)}:${endpoint.port}`;
      await listenTcp(endpoint.host, endpoint.port, ipv6, text, server);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new ZmqError('EINVAL', { address: text });
      const tcp = tcpLastEndpoint(address.address, address.port);
      const path = endpoint.transport === 'ws' ? endpoint.path : '';
      const lastEndpoint = endpoint.transport === 'ws' ? `ws${tcp.slice(3)}${path}` : tcp;
      return { lastEndpoint, again: { ...endpoint, host: resolveBindHost(endpoint.host, ipv6, text), port: address.port }, close: () => closeServer(server) };
    }
    case 'ipc':
      return listenIpcForApps(endpoint, server);
    default:
      throw new ZmqError('EPROTONOSUPPORT', { address: endpoint.transport });
  }
}

/** ipc:// as the transport binds it; a closed tap removes its socket file too. */
async function listenIpcForApps(endpoint: Extract<Endpoint, { transport: 'ipc' }>, server: Server): Promise<TapListener> {
  const listener = await ipcTransport.listenServer(endpoint, server);
  return {
    lastEndpoint: listener.lastEndpoint,
    again: { ...endpoint, path: listener.path, wildcard: false },
    close: async () => {
      await listener.close();
      // A closed ipc listener leaves no file, as libzmq's: an app connecting now gets ENOENT, as it would directly.
      if (!endpoint.abstract) rmSync(listener.path, { force: true });
    },
  };
}

/** Opens a stream to the upstream (a ws upstream gets the app's own HTTP upgrade, relayed). */
export function connectUpstream(endpoint: Endpoint, ipv6: boolean): Socket {
  switch (endpoint.transport) {
    case 'tcp':
    case 'ws':
      return connectTcp(endpoint, ipv6);
    case 'ipc':
      return ipcTransport.connectStream(endpoint);
    default:
      throw new ZmqError('EPROTONOSUPPORT', { address: endpoint.transport });
  }
}

/** `address:port` of a stream's far end, or undefined (ipc streams have none). */
export function remoteAddress(socket: Socket): string | undefined {
  return describeAddress(socket.remoteAddress, socket.remotePort);
}

/** `address:port` of a stream's near end. */
export function localAddress(socket: Socket): string | undefined {
  return describeAddress(socket.localAddress, socket.localPort);
}
