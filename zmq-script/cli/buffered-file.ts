/**
 * A file written synchronously in batches: what `zmq-peer tap` writes its NDJSON and pcapng
 * captures with. Synchronous, so that a capture never drops a record and never holds more than a
 * batch in memory however fast the traffic is (a slow disk slows the relay instead); batched, so
 * that small records do not each cost a system call.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Bytes gathered before they are written. */
const BATCH_BYTES = 64 * 1024;
/** How long gathered bytes may wait when traffic is slow. */
const FLUSH_MS = 200;

export class BufferedFile {
  readonly #fd: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Creates (or truncates) `path`; throws as openSync does. */
  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#parts.push(bytes);
    this.#size += bytes.length;
    if (this.#size >= BATCH_BYTES) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#size === 0) return;
    const batch = Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    for (let offset = 0; offset < batch.length; ) offset += writeSync(this.#fd, batch, offset);
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}
