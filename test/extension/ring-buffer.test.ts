import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from '../../extension/ring-buffer';

describe('RingBuffer', () => {
  it('keeps items in order below capacity', () => {
    const ring = new RingBuffer<number>(3);
    assert.equal(ring.push(1), undefined);
    ring.push(2);
    assert.deepEqual(ring.toArray(), [1, 2]);
    assert.equal(ring.length, 2);
  });

  it('never holds more than its capacity and evicts the oldest', () => {
    const ring = new RingBuffer<number>(3);
    const evicted: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const out = ring.push(i);
      if (out !== undefined) evicted.push(out);
      assert.ok(ring.length <= 3);
    }
    assert.deepEqual(ring.toArray(), [8, 9, 10]);
    assert.deepEqual(evicted, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(ring.at(0), 8);
    assert.equal(ring.at(3), undefined);
    assert.deepEqual([...ring], [8, 9, 10]);
  });

  it('returns the newest items', () => {
    const ring = new RingBuffer<number>(4);
    for (let i = 1; i <= 6; i++) ring.push(i);
    assert.deepEqual(ring.last(2), [5, 6]);
    assert.deepEqual(ring.last(10), [3, 4, 5, 6]);
    assert.deepEqual(ring.last(0), []);
  });

  it('clears and resizes keeping the newest', () => {
    const ring = new RingBuffer<number>(5);
    for (let i = 1; i <= 7; i++) ring.push(i);
    ring.resize(2);
    assert.deepEqual(ring.toArray(), [6, 7]);
    ring.push(8);
    assert.deepEqual(ring.toArray(), [7, 8]);
    ring.resize(4);
    ring.push(9);
    assert.deepEqual(ring.toArray(), [7, 8, 9]);
    ring.clear();
    assert.equal(ring.length, 0);
    assert.deepEqual(ring.toArray(), []);
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(1.5), RangeError);
  });
});
