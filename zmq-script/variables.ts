/**
 * Where `{{name}}` values come from, so that one script serves several environments. From lowest
 * to highest precedence:
 *
 * 1. the file's own `@name = value` lines (defaults);
 * 2. the layers the caller passes, in order: the editor's `zmqPeer.script.variables` setting,
 *    a `.env` file, the process environment, `--var name=value` on the command line.
 *
 * The process environment sits above `.env`, as dotenv does it, so that `endpoint=… zmq-peer run`
 * overrides what the file says. File values may refer to other variables; these are expanded when
 * read, with cycles reported.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Script } from './ast';
import { expand, UndefinedVariableError } from './template';

/** One source of variables. */
export interface VariableLayer {
  /** Shown in hovers and errors: 'settings', '.env (/path/.env)', 'environment', 'command line'. */
  readonly source: string;
  readonly values: Readonly<Record<string, string>>;
}

/** A variable's value and where it came from. */
export interface ResolvedVariable {
  readonly value: string;
  readonly source: string;
  /** The line of its `@name` definition, for file variables. */
  readonly line?: number;
}

/** Thrown when file variables refer to each other in a cycle. */
export class VariableCycleError extends Error {
  override readonly name = 'VariableCycleError';
  readonly code = 'ZMQS_VARIABLE_CYCLE';
  constructor(readonly cycle: readonly string[]) {
    super(`variables refer to each other in a cycle: ${cycle.map((n) => `{{${n}}}`).join(' → ')}`);
  }
}

/** A `.env` file's variables (Node's own parser: `KEY=value`, quotes, `#` comments). */
export function readDotEnv(file: string): Record<string, string> {
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** A `.env` file as a layer. Throws the file system's error when it cannot be read. */
export function dotEnvLayer(file: string): VariableLayer {
  return { source: `.env (${file})`, values: readDotEnv(file) };
}

/** The process environment as a layer, without undefined values. */
export function environmentLayer(env: NodeJS.ProcessEnv = process.env): VariableLayer {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) values[name] = value;
  return { source: 'environment', values };
}

/** Variables of a script under the given layers (see the file comment for the order). */
export class Variables {
  readonly #raw = new Map<string, ResolvedVariable>();
  readonly #expanded = new Map<string, string>();

  constructor(script: Pick<Script, 'variables'>, layers: readonly VariableLayer[] = []) {
    for (const definition of script.variables) {
      this.#raw.set(definition.name.text, { value: definition.value.text, source: 'file', line: definition.name.span.line });
    }
    for (const layer of layers) {
      for (const [name, value] of Object.entries(layer.values)) this.#raw.set(name, { value, source: layer.source });
    }
  }

  /** Whether a variable of that name exists. */
  has(name: string): boolean {
    return this.#raw.has(name);
  }

  /** The names, for completion. */
  names(): string[] {
    return [...this.#raw.keys()];
  }

  /** Where a variable comes from and its text as written (unexpanded). */
  describe(name: string): ResolvedVariable | undefined {
    return this.#raw.get(name);
  }

  /**
   * A variable's value with its own references expanded (file values may use other variables;
   * values from other layers are taken as they are). Undefined when there is no such variable.
   * @throws {VariableCycleError} for a cycle; {@link UndefinedVariableError} for a reference to a missing one.
   */
  get(name: string, seen: readonly string[] = []): string | undefined {
    const cached = this.#expanded.get(name);
    if (cached !== undefined) return cached;
    const raw = this.#raw.get(name);
    if (raw === undefined) return undefined;
    if (seen.includes(name)) throw new VariableCycleError([...seen.slice(seen.indexOf(name)), name]);
    const value =
      raw.source === 'file'
        ? expand(raw.value, (other) => {
            const v = this.get(other, [...seen, name]);
            if (v === undefined) throw new UndefinedVariableError(other);
            return v;
          })
        : raw.value;
    this.#expanded.set(name, value);
    return value;
  }
}

/** Where a run's variables come from besides the file (each optional). */
export interface VariableSources {
  /** The editor's `zmqPeer.script.variables`, under the layer name `settingsSource`. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly settingsSource?: string;
  /** The `.env` file to read (see env-file.ts for which). */
  readonly envFile?: string;
  /** The process environment; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** `--var name=value` of the CLI. */
  readonly commandLine?: Readonly<Record<string, string>>;
}

/**
 * The layers in precedence order (see the file comment), the same for the editor, the language
 * server and the CLI. Throws when the `.env` file cannot be read; callers decide whether that is
 * a usage error (CLI) or the same as no file (editor).
 */
export function variableLayers(sources: VariableSources): VariableLayer[] {
  const layers: VariableLayer[] = [];
  if (sources.settings) layers.push({ source: sources.settingsSource ?? 'settings', values: sources.settings });
  if (sources.envFile !== undefined) layers.push(dotEnvLayer(sources.envFile));
  layers.push(environmentLayer(sources.env));
  if (sources.commandLine && Object.keys(sources.commandLine).length > 0) layers.push({ source: 'command line', values: sources.commandLine });
  return layers;
}
