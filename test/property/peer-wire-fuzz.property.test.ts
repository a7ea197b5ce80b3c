import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { Context, Peer, type MonitorEvent } from '../../core';

/** Our greeting and a PEER READY, so that random bytes can also land after a valid handshake. */
const GREETING = Buffer.from('ff00000000000000017f03014e554c4c' + '00'.repeat(48), 'hex');
const READY = Buffer.from('041a055245414459' + '0b536f636b65742d54797065' + '00000004' + '50454552', 'hex');

function send(endpoint: string, chunks: Uint8Array[]): Promise<void> {
  const { port } = new URL(endpoint.replace('tcp://', 'http://'));
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      for (const chunk of chunks) socket.write(chunk);
      setTimeout(() => socket.destroy(), 15);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

describe('a PEER fed random bytes from the network', () => {
  it('closes only the offending connections, with named errors, and keeps serving a well-behaved peer', async () => {
    const context = new Context();
    const server = new Peer({ context, linger: 0, maxMessageSize: 4096, handshakeInterval: 500 });
    const events: MonitorEvent[] = [];
    server.on('monitor', (event) => events.push(event));
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const client = new Peer({ context, linger: 0, receiveTimeout: 2000 });
    const id = client.connectPeer(endpoint);
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => void crashes.push(err);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    try {
      const prefix = fc.constantFrom(Buffer.alloc(0), GREETING, Buffer.concat([GREETING, READY]));
      await fc.assert(
        fc.asyncProperty(prefix, fc.uint8Array({ maxLength: 1500 }), fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 }), async (head, noise, cuts) => {
          const bytes = Buffer.concat([head, noise]);
          const chunks: Uint8Array[] = [];
          for (let offset = 0, i = 0; offset < bytes.length; i++) {
            const size = cuts[i % cuts.length];
            chunks.push(bytes.subarray(offset, offset + size));
            offset += size;
          }
          await send(endpoint, chunks);
        }),
        { seed: 7, numRuns: 60 },
      );
      // The well-behaved peer still round-trips through the same socket.
      await client.send(id, 'still there?');
      const { routingId, data } = await server.receive();
      assert.equal(data.toString(), 'still there?');
      await server.send(routingId, 'yes');
      assert.equal((await client.receive()).data.toString(), 'yes');
      // Every failure the server reported for a raw connection names what went wrong, or is a plain close.
      for (const event of events.filter((e) => e.type.startsWith('HANDSHAKE_FAILED') || e.type === 'DISCONNECTED')) {
        if (event.error) assert.match(event.error.code, /^ERR_Z(MTP|WS)_[A-Z_]+$/);
      }
      assert.ok(events.some((e) => e.error?.code === 'ERR_ZMTP_BAD_SIGNATURE'), 'random first bytes are refused as a bad signature');
      assert.deepEqual(crashes, []);
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
      await context.term();
    }
  });
});
