/**
 * Small helpers for codec tests: hex literals, and a ZmtpDecoder wired to a sink that records
 * everything it is told, so that tests can compare whole event sequences.
 */
import { ZmtpDecoder, type DecoderOptions, type DecoderSink } from '../../core/zmtp/decoder';
import type { Greeting } from '../../core/zmtp/greeting';

/** Bytes from hex text; whitespace is ignored ("04 07 04 50 49 4E 47 00 0A"). */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) throw new Error(`Not a hex string: ${JSON.stringify(text)}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Upper-case hex with one space between bytes, the form fixtures are written in. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

/** Bytes of an ASCII string (command names, property names). */
export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Concatenates byte arrays into a new one. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One thing the decoder told its sink, in order. */
export type DecoderEvent =
  | { readonly type: 'signature' }
  | { readonly type: 'version'; readonly major: number }
  | { readonly type: 'greeting'; readonly greeting: Greeting }
  | { readonly type: 'frame'; readonly flags: number; readonly body: Uint8Array };

export interface RecordedFrame {
  readonly flags: number;
  readonly body: Uint8Array;
}

export interface Collector {
  readonly decoder: ZmtpDecoder;
  /** Every sink call so far, in order. */
  readonly events: DecoderEvent[];
  /** Just the frames, in order. */
  readonly frames: RecordedFrame[];
  /** The greeting once it has been parsed. */
  readonly greeting: Greeting | undefined;
}

/**
 * A decoder with a recording sink. Bodies are recorded as given (not copied), so comparing them
 * after later pushes also checks that the decoder never reuses memory it handed out.
 *
 * `after` is called after each event is recorded; a test uses it to throw from the sink or to
 * stop the decoder from inside a callback.
 */
export function collect(options: Partial<DecoderOptions> = {}, after?: (event: DecoderEvent, decoder: ZmtpDecoder) => void): Collector {
  const events: DecoderEvent[] = [];
  const frames: RecordedFrame[] = [];
  let greeting: Greeting | undefined;
  const record = (event: DecoderEvent): void => {
    events.push(event);
    if (event.type === 'frame') frames.push({ flags: event.flags, body: event.body });
    if (event.type === 'greeting') greeting = event.greeting;
    after?.(event, decoder);
  };
  const sink: DecoderSink = {
    onGreetingSignature: () => record({ type: 'signature' }),
    onGreetingVersion: (major) => record({ type: 'version', major }),
    onGreeting: (g) => record({ type: 'greeting', greeting: g }),
    onFrame: (flags, body) => record({ type: 'frame', flags, body }),
  };
  // The sink is only called from push(), by which time `decoder` is initialised.
  const decoder = new ZmtpDecoder(sink, { maxMessageSize: -1, greeting: true, ...options });
  return {
    decoder,
    events,
    frames,
    get greeting() {
      return greeting;
    },
  };
}

/**
 * How a byte stream is cut into pushes:
 * - `'bytewise'`: one push per byte;
 * - `{ sizes }`: chunks of these sizes, the list repeated until the bytes run out (a 0 pushes an
 *   empty chunk);
 * - `{ splitAt }`: cut at these offsets (any order, duplicates and out-of-range values allowed).
 */
export type Chunking = 'bytewise' | { readonly sizes: readonly number[] } | { readonly splitAt: readonly number[] };

/** The chunks `chunking` cuts `bytes` into: views into `bytes`, in order. */
export function chunksOf(bytes: Uint8Array, chunking: Chunking): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  if (chunking === 'bytewise') {
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  } else if ('sizes' in chunking) {
    let pos = 0;
    while (pos < bytes.length) {
      const start = pos;
      for (const size of chunking.sizes) {
        if (pos >= bytes.length) break;
        chunks.push(bytes.subarray(pos, pos + size));
        pos = Math.min(bytes.length, pos + size);
      }
      // Sizes that are all zero (or an empty list) make no progress: send the rest at once.
      if (pos === start) {
        chunks.push(bytes.subarray(pos));
        pos = bytes.length;
      }
    }
  } else {
    const cuts = [...new Set(chunking.splitAt)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
    let pos = 0;
    for (const cut of cuts) {
      chunks.push(bytes.subarray(pos, cut));
      pos = cut;
    }
    chunks.push(bytes.subarray(pos));
  }
  return chunks;
}

/** Pushes `bytes` into `decoder` cut as `chunking` says. Whatever push() throws propagates. */
export function feedInChunks(decoder: ZmtpDecoder, bytes: Uint8Array, chunking: Chunking): void {
  for (const chunk of chunksOf(bytes, chunking)) decoder.push(chunk);
}

export interface DecodeResult {
  readonly events: DecoderEvent[];
  readonly frames: RecordedFrame[];
  readonly greeting: Greeting | undefined;
  /** What push() threw, if anything. */
  readonly error: unknown;
  /** Whether the decoder ended up stopped. */
  readonly stopped: boolean;
}

/** Decodes a whole stream with a fresh collector and returns what it saw, including the error. */
export function decodeAll(bytes: Uint8Array, chunking: Chunking = { splitAt: [] }, options: Partial<DecoderOptions> = {}): DecodeResult {
  const c = collect(options);
  let error: unknown;
  try {
    feedInChunks(c.decoder, bytes, chunking);
  } catch (err) {
    error = err;
  }
  return { events: c.events, frames: c.frames, greeting: c.greeting, error, stopped: c.decoder.stopped };
}

/** Every way of cutting a stream this test suite tries for a fixture: whole, bytewise, and each single split. */
export function everyChunking(length: number): Chunking[] {
  const out: Chunking[] = [{ splitAt: [] }, 'bytewise'];
  for (let cut = 1; cut < length; cut++) out.push({ splitAt: [cut] });
  return out;
}

/** A short label for a chunking, for assertion messages. */
export function describeChunking(chunking: Chunking): string {
  if (chunking === 'bytewise') return 'bytewise';
  return 'sizes' in chunking ? `sizes ${chunking.sizes.join(',')}` : `split at ${chunking.splitAt.join(',') || 'nothing'}`;
}
