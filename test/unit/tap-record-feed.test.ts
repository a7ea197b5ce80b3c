/**
 * The tap's display feed (core/tap/record-feed.ts): records for a consumer that may fall behind,
 * dropped beyond the capacity and announced where they went missing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordFeed, Tap, type EventRecord, type TapRecord } from '../../core/index';

const event = (n: number): EventRecord => ({ kind: 'event', time: n, connection: 1, name: `e${n}`, severity: 'info', text: `event ${n}` });

/** A tap that is never started: only its record events are used. */
const idleTap = (): Tap => new Tap({ listen: 'tcp://127.0.0.1:*', upstream: 'tcp://127.0.0.1:1' });

describe('tap: record feed', () => {
  it('hands records over in order, also to a reader that waits first', async () => {
    const tap = idleTap();
    const feed = new RecordFeed(tap, 10);
    const waiting = feed.next();
    tap.emit('record', event(1));
    tap.emit('record', event(2));
    assert.equal(((await waiting) as EventRecord).name, 'e1');
    assert.equal(((await feed.next()) as EventRecord).name, 'e2');
  });

  it('drops records past its capacity and says how many, where they went missing', async () => {
    const tap = idleTap();
    const feed = new RecordFeed(tap, 3);
    for (let n = 1; n <= 7; n++) tap.emit('record', event(n));
    const seen: TapRecord[] = [];
    for (let i = 0; i < 3; i++) seen.push((await feed.next())!);
    tap.emit('record', event(8));
    seen.push((await feed.next())!, (await feed.next())!);
    assert.deepEqual(seen.map((r) => (r as EventRecord).name), ['e1', 'e2', 'e3', 'records-dropped', 'e8']);
    assert.equal((seen[3] as EventRecord).text, '4 records not shown: the display fell behind (the traffic itself was relayed in full)');
    assert.equal(feed.dropped, 4);
  });

  it('hands over what is waiting in one batch, and bounds the bytes the queued records keep', async () => {
    const tap = idleTap();
    const feed = new RecordFeed(tap, 100, 2500);
    const message = (n: number): TapRecord => ({ kind: 'message', time: n, connection: 1, from: 'app', frames: [{ size: 1000, more: false, data: new Uint8Array(1000), flags: 0 }], framesOmitted: 0, size: 1000 });
    for (let n = 1; n <= 4; n++) tap.emit('record', message(n));
    const name = (r: TapRecord): string | number => (r.kind === 'event' ? r.name : r.time);
    assert.deepEqual((await feed.nextBatch()).map(name), [1, 2, 'records-dropped'], 'a third 1000-byte record would pass 2500 bytes');
    tap.emit('record', message(5));
    assert.deepEqual((await feed.nextBatch()).map(name), [5]);
  });

  it('charges records the memory their captures keep alive: a chunk shared by consecutive records once, a chunk behind a few bytes whole', async () => {
    const tap = idleTap();
    const feed = new RecordFeed(tap, 100, 3000);
    const message = (n: number, data: Uint8Array): TapRecord => ({ kind: 'message', time: n, connection: 1, from: 'app', frames: [{ size: data.length, more: false, data, flags: 0 }], framesOmitted: 0, size: data.length });
    const name = (r: TapRecord): string | number => (r.kind === 'event' ? r.name : r.time);
    // Ten 100-byte views of one 2000-byte chunk keep 2000 bytes alive, not 10 × 100 and not 10 × 2000.
    const chunk = new Uint8Array(2000);
    for (let n = 1; n <= 10; n++) tap.emit('record', message(n, chunk.subarray(n * 100, n * 100 + 100)));
    // A 10-byte view of another 2000-byte chunk would keep 4000 bytes alive: past the bound.
    tap.emit('record', message(11, new Uint8Array(2000).subarray(0, 10)));
    const firstFive: Array<string | number> = [];
    for (let i = 0; i < 5; i++) firstFive.push(name((await feed.next())!));
    assert.deepEqual(firstFive, [1, 2, 3, 4, 5]);
    // Records 6 to 10 still hold the first chunk.
    tap.emit('record', message(12, new Uint8Array(2000).subarray(0, 10)));
    const rest = await feed.nextBatch();
    assert.deepEqual(rest.map(name), [6, 7, 8, 9, 10, 'records-dropped']);
    assert.match((rest[5] as EventRecord).text, /^2 records not shown/);
    // All taken, the first chunk is no longer kept by the feed: another fits beside 900 bytes more.
    tap.emit('record', message(13, new Uint8Array(2000).subarray(0, 10)));
    tap.emit('record', message(14, new Uint8Array(900)));
    assert.deepEqual((await feed.nextBatch()).map(name), [13, 14]);
  });

  it('ends iteration once closed and drained, and stops listening to the tap', async () => {
    const tap = idleTap();
    const feed = new RecordFeed(tap);
    tap.emit('record', event(1));
    feed.close();
    tap.emit('record', event(2));
    const names: string[] = [];
    for await (const record of feed) names.push((record as EventRecord).name);
    assert.deepEqual(names, ['e1']);
    assert.equal(tap.listenerCount('record'), 0);
  });
});
