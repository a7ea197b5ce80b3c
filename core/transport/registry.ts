import { ZmqError } from '../errors';
import type { Endpoint } from '../endpoint';
import { ipcTransport } from './ipc';
import type { StreamTransport } from './stream-transport';
import { tcpTransport } from './tcp';

/**
 * The byte-stream transport for an endpoint. ws and wss are not built into this version, which
 * libzmq reports the same way when built without them: EPROTONOSUPPORT.
 */
export function streamTransportFor(endpoint: Endpoint, address: string): StreamTransport {
  switch (endpoint.transport) {
    case 'tcp':
      return tcpTransport;
    case 'ipc':
      return ipcTransport;
    default:
      throw new ZmqError('EPROTONOSUPPORT', { address, detail: `${endpoint.transport}:// is not available in this build` });
  }
}
