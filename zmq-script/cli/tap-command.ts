/**
 * `zmq-peer tap LISTEN UPSTREAM`: runs a tap until Ctrl-C, printing one line per greeting,
 * command, message and event, and optionally writing every record as NDJSON and as a pcapng
 * capture. The terminal may fall behind (its lines are then dropped and counted); the files never
 * do (they are written synchronously, in batches).
 */
import { EventEmitter, once } from 'node:events';
import { parseArgs } from 'node:util';
import { isZmqError, PcapngCapture, RecordFeed, Tap, TAP_DEFAULTS, type CaptureFormat, type TapPolicy } from '../../core/index';
import { BufferedFile } from './buffered-file';
import { style } from './console-reporter';
import { formatLine, toJson } from './tap-format';

export const TAP_USAGE = `Usage: zmq-peer tap [options] LISTEN UPSTREAM

Listens on LISTEN; for every app that connects there, connects to UPSTREAM and relays every byte
unchanged both ways, printing what it decodes: greetings, commands, messages, and what they mean
(socket types that cannot talk, mechanism mismatches, heartbeat timeouts…), until Ctrl-C.
LISTEN and UPSTREAM are both tcp:// or ipc://, or both ws:// (any socket type, any libzmq).

Options:
  --ndjson FILE             also write every record to FILE, one JSON object per line
  --pcapng FILE             also write a capture Wireshark opens as ZMTP (4.4 or later, no setup)
  --pcapng-format FORMAT    zmtp (default: Wireshark's exported PDUs) or tcp (synthesized TCP, for
                            Wireshark before 4.4: Decode As… ZMTP)
  --policy POLICY           while the upstream is down: mirror (default; the tap stops listening, so
                            apps see "connection refused" as if they connected directly) or hold
                            (apps' connections wait up to --hold-timeout for the upstream)
  --hold-timeout DURATION   hold: how long an app's connection waits (default ${TAP_DEFAULTS.holdTimeout / 1000}s)
  --snaplen BYTES           bytes of each frame kept for display and capture (default ${TAP_DEFAULTS.snaplen})
  --show-passwords          show PLAIN passwords (hidden by default)
  --quiet                   print nothing but errors (with --ndjson or --pcapng)
  --no-color                no colours (also when NO_COLOR is set or stdout is not a terminal)
`;

const OPTIONS = {
  ndjson: { type: 'string' },
  pcapng: { type: 'string' },
  'pcapng-format': { type: 'string' },
  policy: { type: 'string' },
  'hold-timeout': { type: 'string' },
  snaplen: { type: 'string' },
  'show-passwords': { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where the tap command reads and writes (the process's own by default). */
export interface TapIO {
  /** A stream's write returning false means "wait for drain"; plain writers just write. */
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** Aborting stops the tap (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** A mistake on the command line (exit status 2). */
export class TapUsageError extends Error {
  override readonly name = 'TapUsageError';
}

interface TapArgs {
  readonly listen: string;
  readonly upstream: string;
  readonly ndjson?: string;
  readonly pcapng?: string;
  readonly format: CaptureFormat;
  readonly policy: TapPolicy;
  readonly holdTimeout?: number;
  readonly snaplen?: number;
  readonly showPasswords: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
}

function parse(argv: readonly string[], io: TapIO): TapArgs | 'help' {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (err) {
    throw new TapUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return 'help';
  if (positionals.length !== 2) throw new TapUsageError(`tap needs LISTEN and UPSTREAM endpoints, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  const format = values['pcapng-format'] ?? 'zmtp';
  if (format !== 'zmtp' && format !== 'tcp') throw new TapUsageError(`--pcapng-format ${format}: zmtp or tcp`);
  const policy = values.policy ?? 'mirror';
  if (policy !== 'mirror' && policy !== 'hold') throw new TapUsageError(`--policy ${policy}: mirror or hold`);
  const holdTimeout = values['hold-timeout'] === undefined ? undefined : duration(values['hold-timeout']);
  const snaplen = values.snaplen === undefined ? undefined : Number(values.snaplen);
  if (snaplen !== undefined && !(Number.isInteger(snaplen) && snaplen >= 0)) throw new TapUsageError(`--snaplen ${values.snaplen}: a whole number of bytes`);
  if (values.quiet && values.ndjson === undefined && values.pcapng === undefined) throw new TapUsageError('--quiet without --ndjson or --pcapng would record nothing');
  const noColor = values['no-color'] === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.stdout.isTTY !== true;
  return {
    listen: positionals[0],
    upstream: positionals[1],
    ...(values.ndjson !== undefined ? { ndjson: values.ndjson } : {}),
    ...(values.pcapng !== undefined ? { pcapng: values.pcapng } : {}),
    format,
    policy,
    ...(holdTimeout !== undefined ? { holdTimeout } : {}),
    ...(snaplen !== undefined ? { snaplen } : {}),
    showPasswords: values['show-passwords'] === true,
    quiet: values.quiet === true,
    color: !noColor,
  };
}

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!match) throw new TapUsageError(`--hold-timeout ${text}: write 500ms or 20s`);
  return Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1));
}

/** Runs `zmq-peer tap …` (argv without "tap"); resolves to the exit status. */
export async function tapMain(argv: readonly string[], io: TapIO): Promise<number> {
  let args: TapArgs | 'help';
  try {
    args = parse(argv, io);
  } catch (err) {
    if (!(err instanceof TapUsageError)) throw err;
    io.stderr.write(`zmq-peer tap: ${err.message}\n\n${TAP_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(TAP_USAGE);
    return 0;
  }
  let tap: Tap;
  try {
    tap = new Tap({ listen: args.listen, upstream: args.upstream, policy: args.policy, holdTimeout: args.holdTimeout, snaplen: args.snaplen, showPasswords: args.showPasswords });
  } catch (err) {
    if (!isZmqError(err)) throw err;
    io.stderr.write(`zmq-peer tap: ${err.message}\n`);
    return 2;
  }
  const files: BufferedFile[] = [];
  try {
    if (args.ndjson !== undefined) {
      const ndjson = new BufferedFile(args.ndjson);
      files.push(ndjson);
      tap.on('record', (record) => ndjson.write(`${JSON.stringify(toJson(record))}\n`));
    }
    if (args.pcapng !== undefined) {
      const pcapng = new BufferedFile(args.pcapng);
      files.push(pcapng);
      const capture = new PcapngCapture(args.format, (block) => pcapng.write(block));
      tap.on('record', (record) => capture.add(record));
    }
  } catch (err) {
    for (const file of files) file.close();
    io.stderr.write(`zmq-peer tap: cannot write ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const feed = args.quiet ? undefined : new RecordFeed(tap);
  const printing = feed ? print(feed, io, args.color) : Promise.resolve();
  try {
    await tap.start();
  } catch (err) {
    feed?.close();
    for (const file of files) file.close();
    if (!isZmqError(err)) throw err;
    io.stderr.write(`zmq-peer tap: cannot listen on ${args.listen}: ${err.message}\n`);
    return 1;
  }
  if (io.signal && !io.signal.aborted) await once(io.signal, 'abort');
  const connections = tap.connections().length;
  await tap.close();
  feed?.close();
  await printing;
  for (const file of files) file.close();
  io.stderr.write(`zmq-peer tap: stopped after ${connections} connection${connections === 1 ? '' : 's'}${feed && feed.dropped > 0 ? `; ${feed.dropped} records were not shown (the terminal fell behind)` : ''}\n`);
  return 0;
}

/** Prints records as lines, in batches, waiting for the terminal when it is full (the feed drops meanwhile). */
async function print(feed: RecordFeed, io: TapIO, color: boolean): Promise<void> {
  const styles = style(color);
  const stdout = io.stdout;
  for (let batch = await feed.nextBatch(256); batch.length > 0; batch = await feed.nextBatch(256)) {
    const text = batch.map((record) => `${formatLine(record, styles)}\n`).join('');
    if (stdout.write(text) === false && stdout instanceof EventEmitter) await once(stdout, 'drain');
  }
}
