/**
 * The tcp:// transport: listening (wildcards, interface names, IPv6) and connecting, with names
 * resolved at each attempt.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { ZmqError } from '../errors';
import { resolveBindHost, tcpLastEndpoint, type Endpoint, type TcpEndpoint } from '../endpoint';
import type { SocketOptions } from '../options';
import { zmqErrorFromSystem } from './errno';
import { acceptStreams, watchConnectingStream } from './stream-link';
import type { ConnectAttempt, LinkObserver, Listener, Transport } from './transport';

/** tcp:// (zmq_tcp(7)). Host names are resolved at each connect attempt, as libzmq defers them. */
export const tcpTransport: Transport = {
  connect(endpoint: Endpoint, options: Readonly<SocketOptions>, observer: LinkObserver): ConnectAttempt {
    if (endpoint.transport !== 'tcp') throw new TypeError('not a tcp endpoint');
    return watchConnectingStream(connectTcp(endpoint, options.ipv6), observer);
  },

  async listen(endpoint, options, accept): Promise<Listener> {
    if (endpoint.transport !== 'tcp') throw new TypeError('not a tcp endpoint');
    const text = `tcp://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    // libzmq resolves a bind's `SRC;` part first (ENODEV for a name), then ignores it.
    if (endpoint.source) resolveBindHost(endpoint.source.host, options.ipv6, text);
    const server = await listenTcp(endpoint.host, endpoint.port, options.ipv6, text);
    acceptStreams(server, accept);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new ZmqError('EINVAL', { address: text });
    return { lastEndpoint: tcpLastEndpoint(address.address, address.port), close: () => closeServer(server) };
  },
};

/**
 * Opens a TCP stream to `target` (a tcp:// endpoint, or a ws:// endpoint's host and port), from
 * its source address when it names one, with Nagle off.
 */
export function connectTcp(target: Pick<TcpEndpoint, 'host' | 'port' | 'source'>, ipv6: boolean): Socket {
  const source = target.source;
  return netConnect({
    host: target.host,
    port: target.port === '*' ? 0 : target.port,
    // Without ZMQ_IPV6, libzmq resolves to IPv4 only, so an IPv6 literal never connects.
    family: ipv6 ? 0 : 4,
    ...(source ? { localAddress: resolveBindHost(source.host, ipv6, source.host), localPort: source.port === '*' ? 0 : source.port } : {}),
    noDelay: true,
  });
}

/** A listening TCP server for a bind host (`*`, numeric, interface name) and port (`*`/0: any). */
export async function listenTcp(host: string, port: number | '*', ipv6: boolean, address: string, server: Server = createServer({ noDelay: true })): Promise<Server> {
  const resolved = resolveBindHost(host, ipv6, address);
  await listenOn(server, { host: resolved, port: port === '*' ? 0 : port, exclusive: true, ipv6Only: false }, address);
  return server;
}

export function listenOn(server: Server, options: Parameters<Server['listen']>[0], address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(zmqErrorFromSystem(err, address));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
