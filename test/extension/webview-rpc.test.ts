import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebviewToHost } from '../../webview/protocol';
import { RpcClient, RpcError, type RpcTimers } from '../../webview/rpc';

/** Manual timers: `fire()` runs every pending timeout. */
function manualTimers(): RpcTimers & { fire(): void; count(): number } {
  let next = 1;
  const pending = new Map<number, () => void>();
  return {
    setTimeout: (fn) => {
      const id = next++;
      pending.set(id, fn);
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: (h) => void pending.delete(h as unknown as number),
    fire: () => {
      const fns = [...pending.values()];
      pending.clear();
      for (const fn of fns) fn();
    },
    count: () => pending.size,
  };
}

function setup(): { rpc: RpcClient; posted: WebviewToHost[]; timers: ReturnType<typeof manualTimers> } {
  const posted: WebviewToHost[] = [];
  const timers = manualTimers();
  return { rpc: new RpcClient((m) => posted.push(m), { timers, timeoutMs: 1000 }), posted, timers };
}

describe('webview rpc', () => {
  it('posts requests with increasing ids and resolves on ok', async () => {
    const { rpc, posted, timers } = setup();
    const a = rpc.request('peer/send', { socketId: 's1', routingId: 5, format: 'text', payload: 'hi' });
    const b = rpc.request('traffic/clear', {});
    assert.equal(posted.length, 2);
    const [ra, rb] = posted as Extract<WebviewToHost, { kind: 'request' }>[];
    assert.equal(ra.method, 'peer/send');
    assert.ok(rb.id > ra.id);
    assert.equal(rpc.handle({ kind: 'response', id: rb.id, ok: true, result: null }), true);
    assert.equal(rpc.handle({ kind: 'response', id: ra.id, ok: true, result: { bytes: 2 } }), true);
    assert.deepEqual(await a, { bytes: 2 });
    assert.equal(await b, null);
    assert.equal(rpc.pending, 0);
    assert.equal(timers.count(), 0, 'timers are cleared once settled');
  });

  it('rejects ok:false with the host error code rebuilt', async () => {
    const { rpc, posted } = setup();
    const p = rpc.request('peer/send', { socketId: 's1', routingId: 9, format: 'text', payload: 'x' });
    rpc.handle({ kind: 'response', id: (posted[0] as { id: number }).id, ok: false, error: { code: 'EHOSTUNREACH', message: 'Host unreachable' } });
    await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.code === 'EHOSTUNREACH' && err.message === 'Host unreachable');
  });

  it('rejects with ETIMEDOUT when no response comes, and ignores the late one', async () => {
    const { rpc, posted, timers } = setup();
    const p = rpc.request('traffic/export', {});
    timers.fire();
    await assert.rejects(p, { code: 'ETIMEDOUT' });
    assert.equal(rpc.pending, 0);
    assert.equal(rpc.handle({ kind: 'response', id: (posted[0] as { id: number }).id, ok: true, result: null }), true);
  });

  it('rejects pending and later requests with EDISPOSED on dispose', async () => {
    const { rpc, timers } = setup();
    const p = rpc.request('traffic/clear', {});
    rpc.dispose();
    await assert.rejects(p, { code: 'EDISPOSED' });
    await assert.rejects(rpc.request('traffic/clear', {}), { code: 'EDISPOSED' });
    assert.equal(timers.count(), 0);
  });

  it('leaves non-response messages to the caller', () => {
    const { rpc } = setup();
    assert.equal(rpc.handle({ kind: 'event', event: { type: 'trafficCleared' } }), false);
  });

  it('rejects when posting throws', async () => {
    const rpc = new RpcClient(() => {
      throw new Error('gone');
    }, { timers: manualTimers() });
    await assert.rejects(rpc.request('traffic/clear', {}), { code: 'EPOST' });
    assert.equal(rpc.pending, 0);
  });
});
