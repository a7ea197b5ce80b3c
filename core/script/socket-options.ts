/**
 * Socket options written on a `socket` line (`heartbeatInterval=1s helloMessage="hi"`): the text
 * is read as the option's type and checked by the core's own `checkOption`, so the script accepts
 * exactly what `new Peer(options)` accepts and refuses it with the same EINVAL message.
 */
import { checkOption, DEFAULT_OPTIONS, isOptionName, type SocketOptions } from '../options';
import { parseDuration } from './duration';

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

/** The default of an option, written as a script would write it. */
export function describeDefault(name: keyof SocketOptions): string {
  const value = DEFAULT_OPTIONS[name];
  return value === undefined ? 'unset' : String(value);
}
