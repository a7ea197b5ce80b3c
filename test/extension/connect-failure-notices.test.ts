/**
 * One warning per failing connect (extension/connect-failure-notices.ts), against a real core:
 * a connect to a port nothing listens on warns once however long it retries, not at all for
 * sockets the user did not make from the debugger, and again only after it was ACTIVE in between;
 * a connect that ends for good (refused by ZAP) warns once, at once, as not retried.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { Context, Peer } from '../../core/index';
import { ConnectFailureNotices, NOTIFY_AFTER_RECONNECTS, type ConnectFailure } from '../../extension/connect-failure-notices';
import { ZmqSession } from '../../extension/session';
import { waitForTrue } from '../support/wait';

const waitFor = (check: () => boolean, what: string, timeout = 8000): Promise<void> => waitForTrue(check, what, timeout);

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}


function setup(): { session: ZmqSession; context: Context; notices: ConnectFailure[] } {
  const context = new Context();
  const session = new ZmqSession({ context, batchInterval: 10, rateInterval: 0, settings: { reconnectInterval: 30 } });
  const notices: ConnectFailure[] = [];
  const watcher = new ConnectFailureNotices(session, (f) => notices.push(f));
  cleanups.push(() => context.term(), () => session.dispose(), () => watcher.dispose());
  return { session, context, notices };
}

describe('connect failure notices', () => {
  it('warns once, with the last error, however long a connect keeps failing', async () => {
    const { session, notices } = setup();
    const socketId = session.defaultSocketId();
    const endpoint = `tcp://127.0.0.1:${await closedPort()}`;
    const routingId = session.connectPeer(socketId, endpoint);
    await waitFor(() => (session.peers(socketId)[0]?.reconnects ?? 0) >= NOTIFY_AFTER_RECONNECTS * 4, 'many retries');
    session.flush();
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.deepEqual([notices[0].endpoint, notices[0].routingId], [endpoint, routingId]);
    assert.match(notices[0].lastError, /ECONNREFUSED/);
    assert.ok(notices[0].attempts >= NOTIFY_AFTER_RECONNECTS);
    assert.equal(notices[0].retrying, true);
  });

  it('warns once, at once, when a connect ends for good: refused by the server\'s ZAP handler (400)', async () => {
    const { session, context, notices } = setup();
    // A NULL server with a ZAP domain asks its handler (RFC 27); 400 sends an ERROR, and the client gives up.
    const server = new Peer({ context, linger: 0, zapDomain: 'global' });
    server.zapHandler = () => ({ status: 400, statusText: 'not on the list' });
    cleanups.push(() => server.close());
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const socketId = session.defaultSocketId();
    const routingId = session.connectPeer(socketId, endpoint);
    await waitFor(() => notices.length === 1, 'the warning');
    assert.deepEqual([notices[0].endpoint, notices[0].routingId, notices[0].retrying], [endpoint, routingId, false]);
    assert.match(notices[0].lastError, /^ERR_ZMTP_ERROR_RECEIVED: .*ERROR "400"/);
    // The ended connection is kept (and sent again as it changes): still one warning.
    await new Promise((r) => setTimeout(r, 200));
    session.flush();
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.equal(session.peers(socketId)[0]?.ended, true);
  });

  it('warns again only after the connection was ACTIVE in between', async () => {
    const { session, context, notices } = setup();
    const port = await closedPort();
    const socketId = session.defaultSocketId();
    session.connectPeer(socketId, `tcp://127.0.0.1:${port}`);
    await waitFor(() => notices.length === 1, 'the first warning');
    const server = new Peer({ context, linger: 0 });
    await server.bind(`tcp://127.0.0.1:${port}`);
    await waitFor(() => session.peers(socketId)[0]?.state === 'ACTIVE', 'ACTIVE');
    session.flush();
    await server.close();
    await waitFor(() => notices.length === 2, 'a second warning for the second run of failures');
  });

  it('leaves sockets made through the API or by scripts to their owners', async () => {
    const { session, notices } = setup();
    const { socketId } = session.createSocket({ label: 'api', drain: false });
    session.connectPeer(socketId, `tcp://127.0.0.1:${await closedPort()}`);
    await waitFor(() => (session.peers(socketId)[0]?.reconnects ?? 0) >= NOTIFY_AFTER_RECONNECTS + 2, 'retries');
    session.flush();
    assert.deepEqual(notices, []);
  });
});
