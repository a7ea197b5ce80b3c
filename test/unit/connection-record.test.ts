/**
 * ConnectionRecord.enter: the one owner of a connection's state. Every move CONNECTION_TRANSITIONS
 * lists is taken and reported once; every other move throws and leaves the record as it was, so
 * a session or engine that tries an impossible move fails the suites instead of showing the
 * debugger an impossible story.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_TRANSITIONS, type ConnectionState } from '../../core/events';
import { ConnectionRecord } from '../../core/pipe/connection-record';

const STATES = Object.keys(CONNECTION_TRANSITIONS) as ConnectionState[];

/** The shortest listed path from CONNECTING to every state (breadth first over the table). */
function pathsFromStart(): Map<ConnectionState, ConnectionState[]> {
  const paths = new Map<ConnectionState, ConnectionState[]>([['CONNECTING', []]]);
  const queue: ConnectionState[] = ['CONNECTING'];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of CONNECTION_TRANSITIONS[state]) {
      if (paths.has(next)) continue;
      paths.set(next, [...paths.get(state)!, next]);
      queue.push(next);
    }
  }
  return paths;
}

const PATHS = pathsFromStart();

/** A record driven along listed moves to `state`, and the states it reported on the way. */
function recordIn(state: ConnectionState): { record: ConnectionRecord; reported: ConnectionState[] } {
  const reported: ConnectionState[] = [];
  const record = new ConnectionRecord(7, 'connect', 'tcp', 'tcp://127.0.0.1:5555', (r) => reported.push(r.state));
  for (const step of PATHS.get(state)!) record.enter(step);
  reported.length = 0;
  return { record, reported };
}

describe('ConnectionRecord.enter', () => {
  it('starts in CONNECTING, from which every state can be reached', () => {
    assert.equal(recordIn('CONNECTING').record.state, 'CONNECTING');
    assert.deepEqual([...PATHS.keys()].sort(), [...STATES].sort());
  });

  it('makes DISCONNECTED and TERMINATED final', () => {
    assert.deepEqual(CONNECTION_TRANSITIONS.DISCONNECTED, []);
    assert.deepEqual(CONNECTION_TRANSITIONS.TERMINATED, []);
  });

  it('clears the last error when the connection becomes ACTIVE, and keeps it on the way there', () => {
    const refused = 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5555';
    const seen: Array<[ConnectionState, string | undefined]> = [];
    const record = new ConnectionRecord(7, 'connect', 'tcp', 'tcp://127.0.0.1:5555', (r) => seen.push([r.state, r.snapshot().lastError]));
    record.enter('WAIT_RECONNECT');
    record.lastError = refused;
    for (const step of ['CONNECTING', 'GREETING_SIGNATURE', 'GREETING_VERSION', 'GREETING_REST', 'READY_EXCHANGE', 'ACTIVE'] as const) record.enter(step);
    // Every state before ACTIVE still says why the last attempt failed; the report of ACTIVE carries no error.
    assert.deepEqual(seen.slice(1), [
      ['CONNECTING', refused], ['GREETING_SIGNATURE', refused], ['GREETING_VERSION', refused], ['GREETING_REST', refused], ['READY_EXCHANGE', refused], ['ACTIVE', undefined],
    ]);
    // A reconnect straight to ACTIVE (inproc, ws after its upgrade) clears it too.
    record.enter('WAIT_RECONNECT');
    record.lastError = refused;
    record.enter('ACTIVE');
    assert.equal(record.snapshot().lastError, undefined);
  });

  for (const from of STATES) {
    for (const to of STATES) {
      if (CONNECTION_TRANSITIONS[from].includes(to)) {
        it(`moves from ${from} to ${to} and reports it once`, () => {
          const { record, reported } = recordIn(from);
          record.enter(to);
          assert.equal(record.state, to);
          assert.equal(record.snapshot().state, to);
          assert.deepEqual(reported, [to]);
        });
      } else {
        it(`refuses to move from ${from} to ${to}`, () => {
          const { record, reported } = recordIn(from);
          assert.throws(() => record.enter(to), { message: `connection 7 cannot go from ${from} to ${to}` });
          assert.equal(record.state, from);
          assert.deepEqual(reported, []);
        });
      }
    }
  }
});
