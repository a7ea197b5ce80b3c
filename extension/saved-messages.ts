/**
 * The saved-messages file (`.vscode/zmq-messages.json` of the workspace): plain, pretty JSON meant
 * to be committed, read and written here and nowhere else. The session holds one
 * {@link SavedMessagesFile} and tells its listeners when the list changes. Saves are capped
 * ({@link SAVED_MESSAGES_LIMITS}); a file edited by hand is read whatever its size.
 *
 * No vscode import: the file is a path on disk, so this runs (and is tested) in plain Node.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SavedMessage } from '../webview/protocol';

/** The saved-messages file's format version. */
export const SAVED_MESSAGES_VERSION = 1;

/**
 * How much a save may make the file hold. The webview is another process and `messages/save`
 * comes from it: without a limit, a runaway (or hostile) page could fill the disk and the
 * memory of every window that reads the file.
 */
export const SAVED_MESSAGES_LIMITS = Object.freeze({ count: 1000, bytes: 1024 * 1024 });

/** A save refused because the file would go past {@link SAVED_MESSAGES_LIMITS}; crosses to the webview with its code. */
export class SavedMessagesLimitError extends Error {
  readonly code = 'ESAVEDLIMIT';

  constructor(message: string) {
    super(message);
    this.name = 'SavedMessagesLimitError';
  }
}

/** Where the file reports a malformed content; the session passes its logger. */
export interface SavedMessagesLogger {
  warn(message: string): void;
}

/** Reads the saved-messages file's content; tolerates a bare array. Throws on malformed JSON. */
export function parseSavedMessages(text: string): SavedMessage[] {
  const value: unknown = JSON.parse(text);
  const list: unknown = Array.isArray(value) ? value : (value as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(list)) throw new Error('expected {"version": 1, "messages": [...]}');
  return list.filter(
    (m): m is SavedMessage =>
      typeof m === 'object' && m !== null && typeof m.name === 'string' && typeof m.payload === 'string' && ['text', 'hex', 'base64', 'json'].includes(m.format),
  ).map((m) => ({ name: m.name, format: m.format, payload: m.payload }));
}

/** Refuses a save that would make the file hold more than {@link SAVED_MESSAGES_LIMITS}. */
function checkLimits(count: number, bytes: number): void {
  const { count: maxCount, bytes: maxBytes } = SAVED_MESSAGES_LIMITS;
  if (count > maxCount) throw new SavedMessagesLimitError(`Cannot save: at most ${maxCount} messages can be saved; delete some first`);
  if (bytes > maxBytes) {
    const kib = (n: number): string => `${Math.ceil(n / 1024)} KiB`;
    throw new SavedMessagesLimitError(`Cannot save: the saved messages would take ${kib(bytes)}, above the limit of ${kib(maxBytes)}; delete some or save a shorter payload`);
  }
}

/** The saved-messages file's content: stable, pretty JSON that diffs well in git. */
export function formatSavedMessages(messages: readonly SavedMessage[]): string {
  return JSON.stringify({ version: SAVED_MESSAGES_VERSION, messages: messages.map((m) => ({ name: m.name, format: m.format, payload: m.payload })) }, null, 2) + '\n';
}

/**
 * The saved messages of one workspace and the file they live in. Each change re-reads the file
 * first, so edits made by hand (or by another window) are not overwritten.
 */
export class SavedMessagesFile {
  readonly #file: string | undefined;
  readonly #logger: SavedMessagesLogger | undefined;
  readonly #onChange: (messages: readonly SavedMessage[]) => void;
  #messages: SavedMessage[] = [];

  /**
   * @param file the JSON file; none (no workspace folder): saving fails, loading gives the empty list.
   * @param onChange called with the new list whenever it differs from the last one.
   */
  constructor(file: string | undefined, logger: SavedMessagesLogger | undefined, onChange: (messages: readonly SavedMessage[]) => void) {
    this.#file = file;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** The list as last read or written. */
  get messages(): readonly SavedMessage[] {
    return this.#messages;
  }

  /** Adds a message, replacing one of the same name. */
  async save(message: SavedMessage): Promise<void> {
    if (this.#file === undefined) throw new Error('Saving messages needs an open workspace folder');
    await this.load();
    const others = this.#messages.filter((m) => m.name !== message.name);
    const messages = [...others, { name: message.name, format: message.format, payload: message.payload }];
    const text = formatSavedMessages(messages);
    checkLimits(messages.length, Buffer.byteLength(text, 'utf8'));
    await fs.mkdir(path.dirname(this.#file), { recursive: true });
    await fs.writeFile(this.#file, text, 'utf8');
    this.#set(messages);
  }

  /** Removes a message by name. */
  async delete(name: string): Promise<void> {
    if (this.#file === undefined) return;
    await this.load();
    const messages = this.#messages.filter((m) => m.name !== name);
    await fs.writeFile(this.#file, formatSavedMessages(messages), 'utf8');
    this.#set(messages);
  }

  /** (Re)reads the file; a missing file is an empty list, a malformed one is logged and the list kept. */
  async load(): Promise<readonly SavedMessage[]> {
    if (this.#file === undefined) return this.#messages;
    let text: string;
    try {
      text = await fs.readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#set([]);
        return this.#messages;
      }
      throw err;
    }
    try {
      this.#set(parseSavedMessages(text));
    } catch (err) {
      this.#logger?.warn(`${this.#file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.#messages;
  }

  #set(messages: SavedMessage[]): void {
    const changed = JSON.stringify(messages) !== JSON.stringify(this.#messages);
    this.#messages = messages;
    if (changed) this.#onChange([...messages]);
  }
}
