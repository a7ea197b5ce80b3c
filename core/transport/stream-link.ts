/**
 * What tcp and ipc share: reporting a connecting or accepted stream to its observer and starting
 * the ZMTP stream engine on it.
 */
import type { Server, Socket } from 'node:net';
import { describeAddress } from '../endpoint';
import { StreamEngine } from '../engine/stream-engine';
import type { ConnectAttempt, LinkAddresses, LinkObserver } from './transport';

/** The addresses of a connected tcp or ipc stream (ipc streams have none). */
export function streamAddresses(stream: Socket): LinkAddresses {
  return { local: describeAddress(stream.localAddress, stream.localPort), remote: describeAddress(stream.remoteAddress, stream.remotePort) };
}

/** Reports a connecting tcp/ipc stream to `observer` and starts ZMTP on it once connected. */
export function watchConnectingStream(stream: Socket, observer: LinkObserver): ConnectAttempt {
  let connected = false;
  let aborted = false;
  let lastError: NodeJS.ErrnoException | undefined;
  const onError = (err: NodeJS.ErrnoException): void => {
    lastError = err;
  };
  const onClose = (): void => {
    if (aborted) return;
    observer.failed({ kind: 'connection', message: lastError ? `${lastError.code ?? 'error'}: ${lastError.message}` : 'connection closed', errno: lastError?.errno === undefined ? undefined : -lastError.errno });
  };
  stream.on('error', onError);
  stream.once('close', onClose);
  stream.once('connect', () => {
    connected = true;
    stream.off('close', onClose);
    stream.off('error', onError);
    if (aborted) return;
    const addresses = streamAddresses(stream);
    observer.connected(addresses);
    observer.established((session) => new StreamEngine(session, stream), addresses);
  });
  return {
    abort(): void {
      aborted = true;
      if (!connected) stream.destroy();
    },
  };
}

/** Starts ZMTP on every stream `server` accepts. */
export function acceptStreams(server: Server, accept: (addresses: LinkAddresses) => LinkObserver): void {
  server.on('connection', (stream: Socket) => {
    const addresses = streamAddresses(stream);
    accept(addresses).established((session) => new StreamEngine(session, stream), addresses);
  });
}
