import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { ZmqError } from '../errors';
import { resolveBindHost, tcpLastEndpoint, type Endpoint } from '../endpoint';
import type { SocketOptions } from '../options';
import { zmqErrorFromSystem } from './errno';
import type { StreamListener, StreamTransport } from './stream-transport';

/** tcp:// (zmq_tcp(7)). Host names are resolved at each connect attempt, as libzmq defers them. */
export const tcpTransport: StreamTransport = {
  connect(endpoint: Endpoint, options: Readonly<SocketOptions>): Socket {
    if (endpoint.transport !== 'tcp') throw new TypeError('not a tcp endpoint');
    const port = endpoint.port === '*' ? 0 : endpoint.port;
    const source = endpoint.source;
    return netConnect({
      host: endpoint.host,
      port,
      // Without ZMQ_IPV6, libzmq resolves to IPv4 only, so an IPv6 literal never connects.
      family: options.ipv6 ? 0 : 4,
      ...(source ? { localAddress: resolveBindHost(source.host, options.ipv6, source.host), localPort: source.port === '*' ? 0 : source.port } : {}),
      noDelay: true,
    });
  },

  async listen(endpoint: Endpoint, options: Readonly<SocketOptions>): Promise<StreamListener> {
    if (endpoint.transport !== 'tcp') throw new TypeError('not a tcp endpoint');
    const text = `tcp://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    // libzmq resolves a bind's `SRC;` part first (ENODEV for a name), then ignores it.
    if (endpoint.source) resolveBindHost(endpoint.source.host, options.ipv6, text);
    const host = resolveBindHost(endpoint.host, options.ipv6, text);
    const port = endpoint.port === '*' ? 0 : endpoint.port;
    const server = createServer({ noDelay: true });
    await listenOn(server, { host, port, exclusive: true, ipv6Only: false }, text);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new ZmqError('EINVAL', { address: text });
    return {
      server,
      lastEndpoint: tcpLastEndpoint(address.address, address.port),
      localAddress: address.address,
      close: () => closeServer(server),
    };
  },
};

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
