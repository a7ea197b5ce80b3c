/**
 * Event groups (webview/event-log.ts): a retry loop counts into a few groups instead of pushing
 * the rest of the history out of the bounded log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addEvent, EVENT_GROUP_WINDOW, eventGroupLabel } from '../../webview/event-log';
import type { EventView } from '../../webview/protocol';

let nextId = 1;
function event(type: string, over: Partial<EventView> = {}): EventView {
  const id = nextId++;
  return { id, time: id, firstTime: id, count: 1, socketId: 's1', type, value: 0, endpoint: 'tcp://127.0.0.1:1', routingId: 1, error: null, ...over };
}

describe('event groups', () => {
  it('counts a retry loop into one group per event type, and the earlier history survives', () => {
    const log: EventView[] = [];
    addEvent(log, event('HANDSHAKE_SUCCEEDED', { endpoint: 'tcp://127.0.0.1:5555', routingId: 2 }), 10);
    for (let i = 0; i < 500; i++) {
      addEvent(log, event('CONNECT_DELAYED'), 10);
      addEvent(log, event('CLOSED'), 10);
      addEvent(log, event('CONNECT_RETRIED', { value: 100 + i }), 10);
    }
    assert.deepEqual(log.map((e) => eventGroupLabel(e)), ['HANDSHAKE_SUCCEEDED', 'CONNECT_DELAYED ×500', 'CLOSED ×500', 'CONNECT_RETRIED ×500']);
    const retried = log[3];
    assert.equal(retried.value, 599, 'the newest value');
    assert.ok(retried.firstTime < retried.time, 'first and last time');
  });

  it('keeps different errors, endpoints and routing ids apart', () => {
    const log: EventView[] = [];
    addEvent(log, event('DISCONNECTED', { error: 'ERR_ZMTP_HEARTBEAT_TIMEOUT: …' }), 10);
    addEvent(log, event('DISCONNECTED', { error: null }), 10);
    addEvent(log, event('DISCONNECTED', { routingId: 3 }), 10);
    addEvent(log, event('DISCONNECTED', { endpoint: 'tcp://127.0.0.1:2' }), 10);
    assert.equal(log.length, 4);
  });

  it('joins only among the newest groups, and bounds the log', () => {
    const log: EventView[] = [];
    addEvent(log, event('LISTENING'), 100);
    for (let i = 0; i < EVENT_GROUP_WINDOW; i++) addEvent(log, event('ACCEPTED', { routingId: 100 + i }), 100);
    addEvent(log, event('LISTENING'), 100);
    assert.equal(log.filter((e) => e.type === 'LISTENING').length, 2, 'too far back to join');
    for (let i = 0; i < 200; i++) addEvent(log, event('ACCEPTED', { routingId: 1000 + i }), 100);
    assert.equal(log.length, 100);
  });
});
