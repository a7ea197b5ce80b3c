import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUFFER_SIZE_MAX, BUFFER_SIZE_MIN, readDefaultEndpoint, readSessionSettings } from '../../extension/settings';
import { DEFAULT_SETTINGS } from '../../extension/session-settings';

const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('settings', () => {
  it('uses the defaults when nothing is set', () => {
    assert.deepEqual(readSessionSettings(reader({})), DEFAULT_SETTINGS);
    assert.equal(readDefaultEndpoint(reader({})), 'tcp://127.0.0.1:5555');
  });

  it('reads every setting', () => {
    const settings = readSessionSettings(
      reader({ bufferSize: 500, defaultView: 'utf8', 'heartbeat.interval': 1000, 'heartbeat.timeout': 5000, 'reconnect.interval': 200, 'reconnect.max': 3000 }),
    );
    assert.deepEqual(settings, { bufferSize: 500, defaultView: 'utf8', heartbeatInterval: 1000, heartbeatTimeout: 5000, reconnectInterval: 200, reconnectIntervalMax: 3000 });
    assert.equal(readDefaultEndpoint(reader({ defaultEndpoint: ' ipc:///tmp/x ' })), 'ipc:///tmp/x');
  });

  it('clamps the buffer size and ignores values of the wrong type', () => {
    assert.equal(readSessionSettings(reader({ bufferSize: 1 })).bufferSize, BUFFER_SIZE_MIN);
    assert.equal(readSessionSettings(reader({ bufferSize: 1e12 })).bufferSize, BUFFER_SIZE_MAX);
    assert.equal(readSessionSettings(reader({ bufferSize: '20' })).bufferSize, DEFAULT_SETTINGS.bufferSize);
    assert.equal(readSessionSettings(reader({ defaultView: 'octal' })).defaultView, 'hex');
    assert.equal(readSessionSettings(reader({ 'heartbeat.interval': -5 })).heartbeatInterval, 0);
    assert.equal(readDefaultEndpoint(reader({ defaultEndpoint: '' })), 'tcp://127.0.0.1:5555');
  });
});
