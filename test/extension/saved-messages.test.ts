/**
 * The saved-messages file's limits: a save that would make it hold more than
 * SAVED_MESSAGES_LIMITS messages or bytes is refused with a SavedMessagesLimitError (code
 * ESAVEDLIMIT, the code the webview is shown), and the file is left as it was.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAVED_MESSAGES_LIMITS, SavedMessagesFile } from '../../extension/saved-messages';
import { toWireError } from '../../extension/debugger-bridge';

function fileIn(dir: string): { path: string; saved: SavedMessagesFile } {
  const path = join(dir, '.vscode', 'zmq-messages.json');
  return { path, saved: new SavedMessagesFile(path, undefined, () => undefined) };
}

describe('saved messages: limits', () => {
  it(`refuses message number ${SAVED_MESSAGES_LIMITS.count + 1} with ESAVEDLIMIT, and still replaces one by name`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zmq-saved-'));
    try {
      const { path, saved } = fileIn(dir);
      for (let i = 0; i < SAVED_MESSAGES_LIMITS.count; i++) await saved.save({ name: `m${i}`, format: 'text', payload: 'x' });
      const before = readFileSync(path, 'utf8');
      const refusal = saved.save({ name: 'one too many', format: 'text', payload: 'x' });
      await assert.rejects(refusal, { name: 'SavedMessagesLimitError', code: 'ESAVEDLIMIT', message: `Cannot save: at most ${SAVED_MESSAGES_LIMITS.count} messages can be saved; delete some first` });
      assert.equal(readFileSync(path, 'utf8'), before, 'the file is left as it was');
      assert.deepEqual(toWireError(await refusal.catch((err: unknown) => err)), { code: 'ESAVEDLIMIT', message: `Cannot save: at most ${SAVED_MESSAGES_LIMITS.count} messages can be saved; delete some first` });
      await saved.save({ name: 'm0', format: 'text', payload: 'replaced' });
      assert.equal(saved.messages.length, SAVED_MESSAGES_LIMITS.count);
      await saved.delete('m1');
      await saved.save({ name: 'room again', format: 'text', payload: 'x' });
      assert.equal(saved.messages.length, SAVED_MESSAGES_LIMITS.count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a save that would make the file larger than its byte limit, naming both sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zmq-saved-'));
    try {
      const { path, saved } = fileIn(dir);
      const half = 'a'.repeat(SAVED_MESSAGES_LIMITS.bytes / 2);
      await saved.save({ name: 'first half', format: 'text', payload: half });
      await assert.rejects(saved.save({ name: 'second half', format: 'text', payload: half }), {
        code: 'ESAVEDLIMIT',
        message: /^Cannot save: the saved messages would take 1025 KiB, above the limit of 1024 KiB; delete some or save a shorter payload$/,
      });
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).messages.map((m: { name: string }) => m.name), ['first half']);
      await assert.rejects(saved.save({ name: 'huge', format: 'base64', payload: 'A'.repeat(2 * SAVED_MESSAGES_LIMITS.bytes) }), { code: 'ESAVEDLIMIT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
