/**
 * The ipc:// transport: Unix domain sockets carrying ZMTP streams.
 */
import { createServer, connect as netConnect } from 'node:net';
import { lstatSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { ZmqError } from '../errors';
import type { Endpoint } from '../endpoint';
import { zmqErrorFromSystem } from './errno';
import { closeServer, listenOn } from './tcp';
import { acceptStreams, watchConnectingStream } from './stream-link';
import type { ConnectAttempt, LinkObserver, Listener, Transport } from './transport';
import type { Server, Socket } from 'node:net';
import type { IpcEndpoint } from '../endpoint';

/** A bound ipc:// listener and the path it bound (a wildcard's is the fresh one). */
export interface IpcListener extends Listener {
  readonly path: string;
}

/** What the ipc transport offers beyond {@link Transport}, for a relay that handles raw streams itself (the tap). */
export interface IpcStreams {
  /** Binds `server` as {@link Transport.listen} binds; what to do with its connections is the caller's. */
  listenServer(endpoint: IpcEndpoint, server: Server): Promise<IpcListener>;
  /** Opens a Unix stream to the endpoint, as {@link Transport.connect} does before ZMTP starts. */
  connectStream(endpoint: IpcEndpoint): Socket;
}

/**
 * ipc:// (zmq_ipc(7)): Unix domain sockets. `ipc://@name` uses Linux's abstract namespace; Node
 * pads abstract names to the full sun_path, so these reach only this library's own sockets, never
 * libzmq's (protocol.md §4.3).
 */
export const ipcTransport: Transport & IpcStreams = {
  connect(endpoint: Endpoint, _options, observer: LinkObserver): ConnectAttempt {
    if (endpoint.transport !== 'ipc') throw new TypeError('not an ipc endpoint');
    return watchConnectingStream(ipcTransport.connectStream(endpoint), observer);
  },

  connectStream(endpoint: IpcEndpoint): Socket {
    return netConnect({ path: endpoint.abstract ? `\0${endpoint.path}` : endpoint.path });
  },

  async listen(endpoint: Endpoint, _options, accept): Promise<Listener> {
    if (endpoint.transport !== 'ipc') throw new TypeError('not an ipc endpoint');
    const server = createServer();
    const listener = await ipcTransport.listenServer(endpoint, server);
    acceptStreams(server, accept);
    return listener;
  },

  async listenServer(endpoint: IpcEndpoint, server: Server): Promise<IpcListener> {
    let path = endpoint.path;
    let tempDir: string | undefined;
    if (endpoint.wildcard) {
      // libzmq: a private mkdtemp folder under $TMPDIR holding "socket".
      tempDir = mkdtempSync(join(tmpdir(), 'tmp'));
      path = join(tempDir, 'socket');
    }
    const text = endpoint.abstract ? `ipc://@${path}` : `ipc://${path}`;
    if (!endpoint.abstract) {
      if (!isDirectory(dirname(path))) throw new ZmqError('ENOENT', { address: text, detail: `folder ${dirname(path)} does not exist` });
      removeStaleSocket(path, text);
    }
    await listenOn(server, { path: endpoint.abstract ? `\0${path}` : path, exclusive: true }, text);
    return {
      lastEndpoint: text,
      path,
      close: async () => {
        await closeServer(server);
        if (tempDir) rmSync(tempDir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * Takes the path over from a dead process, as libzmq does by unlinking it first, but only when
 * what is there is a Unix socket: libzmq (ipc_listener_t::set_local_address) unlinks any file,
 * so a mistyped endpoint could delete a user's file. Anything else (a file, a folder, a symbolic
 * link, even one to a socket) is left alone and the bind fails with EADDRINUSE.
 */
function removeStaleSocket(path: string, address: string): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stats.isSocket()) throw new ZmqError('EADDRINUSE', { address, detail: `${path} exists and is not a socket; it is left alone` });
  try {
    unlinkSync(path);
  } catch (err) {
    throw zmqErrorFromSystem(err, address);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
