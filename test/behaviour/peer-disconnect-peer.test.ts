import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testTransports } from '../support/endpoints';
import { usePeers, waitUntil } from '../support/peers';

for (const transport of testTransports('tcp', 'ipc', 'inproc', 'ws', 'wss')) {
  describe(`PEER over ${transport}: disconnectPeer and closeConnection`, () => {
    const peers = usePeers(transport);
    const timeout = { timeout: 10000 };

    it('ends an accepted connection by routing id; a reconnecting wire peer gets a new id', timeout, async () => {
      const { socket: server, endpoint } = await peers.bound({ receiveTimeout: 3000 });
      const client = peers.peer({ receiveTimeout: 3000 });
      const toServer = client.connectPeer(endpoint);
      await client.send(toServer, 'hello');
      const first = await server.receive();
      server.disconnectPeer(first.routingId);
      await assert.rejects(server.send(first.routingId, 'gone?'), { code: 'EHOSTUNREACH' });
      if (transport === 'inproc') {
        // inproc has no reconnect: the connector's id ends with the link.
        await assert.rejects(client.send(toServer, 'again'), { code: 'EHOSTUNREACH' });
        return;
      }
      // The connector notices, reconnects and keeps its id; the binder sees a new one. (Messages
      // written while the old connection was dying would be lost, as with libzmq.)
      await waitUntil(() => client.connections().some((c) => c.reconnects > 0 && c.state === 'ACTIVE'), 5000, 'the connector back after its reconnect');
      await client.send(toServer, 'again');
      const second = await server.receive();
      assert.equal(second.data.toString(), 'again');
      assert.notEqual(second.routingId, first.routingId);
    });

    it('ends a connect-side connection for good, leaving other connections to the same endpoint alone', timeout, async () => {
      const { socket: server, endpoint } = await peers.bound({ receiveTimeout: 3000 });
      const client = peers.peer({ receiveTimeout: 3000 });
      const a = client.connectPeer(endpoint);
      const b = client.connectPeer(endpoint);
      client.disconnectPeer(a);
      await assert.rejects(client.send(a, 'x'), { code: 'EHOSTUNREACH' });
      await client.send(b, 'still here');
      assert.equal((await server.receive()).data.toString(), 'still here');
      await waitUntil(() => client.connections().length === 1, 2000, 'one connection left');
    });

    it('refuses unknown routing ids and connection numbers', timeout, async () => {
      const socket = peers.peer();
      assert.throws(() => socket.disconnectPeer(12345), { code: 'EHOSTUNREACH' });
      assert.throws(() => socket.closeConnection(999), { code: 'ENOENT' });
    });
  });
}
