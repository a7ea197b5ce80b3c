/**
 * Which transport serves a wire endpoint's scheme.
 */
import { ZmqError } from '../errors';
import type { Endpoint } from '../endpoint';
import { ipcTransport } from './ipc';
import type { Transport } from './transport';
import { tcpTransport } from './tcp';
import { wsTransport } from './ws';

/** The transport for a wire endpoint (inproc has none). */
export function transportFor(endpoint: Endpoint, address: string): Transport {
  switch (endpoint.transport) {
    case 'tcp':
      return tcpTransport;
    case 'ipc':
      return ipcTransport;
    case 'ws':
    case 'wss':
      return wsTransport;
    default:
      throw new ZmqError('EPROTONOSUPPORT', { address, detail: `${endpoint.transport}:// has no wire transport` });
  }
}
