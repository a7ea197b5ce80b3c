/**
 * Socket options written on a `socket` line (`heartbeatInterval=1s helloMessage="hi"`): the text
 * is read as the option's type and checked by the core's own `checkOption`, so the script accepts
 * exactly what `new Peer(options)` accepts and refuses it with the same EINVAL message.
 */
import { checkOption, DEFAULT_OPTIONS, isOptionName, type SocketOptions } from '../core/index';
import { DEFAULT_TIMEOUT_MS, parseDuration } from './duration';

/**
 * Socket defaults for scripts: libzmq's, except two that would let a peer that stopped reading
 * hold a run forever. `linger`: a script's sockets are closed when its scenario ends; one second
 * lets a last `send` reach its peer. `sendTimeout`: a send at the high-water mark fails with
 * EAGAIN after 5 s instead of waiting for ever. `socket NAME linger=-1 sendTimeout=-1` restores
 * libzmq's defaults.
 */
export const SCRIPT_SOCKET_DEFAULTS: Readonly<Partial<SocketOptions>> = Object.freeze({ linger: 1000, sendTimeout: DEFAULT_TIMEOUT_MS });

/** The option names, for completion and suggestions. */
export const OPTION_NAMES: readonly (keyof SocketOptions)[] = Object.keys(DEFAULT_OPTIONS) as (keyof SocketOptions)[];

/** Options whose value is a count, not a time: a duration suffix makes no sense for them. */
const COUNT_OPTIONS = new Set<keyof SocketOptions>(['sendHighWaterMark', 'receiveHighWaterMark', 'maxMessageSize']);

/** Whether `name` is one of the core's options. */
export { isOptionName };

/**
 * The value of `name` for the text written: numbers (and durations for time options, `1s` →
 * 1000), `true`/`false` for flags, text for the rest. Throws the core's EINVAL ZmqError.
 */
export function optionValue<K extends keyof SocketOptions>(name: K, text: string): SocketOptions[K] {
  const current = DEFAULT_OPTIONS[name];
  let value: unknown = text;
  if (typeof current === 'boolean') value = text === 'true' ? true : text === 'false' ? false : /^[01]$/.test(text) ? Number(text) : text;
  else if (typeof current === 'number') {
    // A bare number is taken as written (1.5 stays 1.5, which checkOption refuses, as new Peer does).
    const number = /^-?\d+(?:\.\d+)?$/.test(text) ? Number(text) : COUNT_OPTIONS.has(name) ? undefined : parseDuration(text);
    value = number ?? text;
  }
  return checkOption(name, value);
}

/** The default of an option in a script, written as a script would write it (libzmq's noted where it differs). */
export function describeDefault(name: keyof SocketOptions): string {
  const libzmq = DEFAULT_OPTIONS[name];
  const written = (value: unknown): string => (value === undefined ? 'unset' : String(value));
  return name in SCRIPT_SOCKET_DEFAULTS ? `${written(SCRIPT_SOCKET_DEFAULTS[name])} in scripts (libzmq: ${written(libzmq)})` : written(libzmq);
}
