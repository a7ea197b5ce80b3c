/**
 * The script files a command line names: paths as given (the shell expands globs), a folder's
 * `.zmq` files, and, when the shell did not expand it (Windows, quotes), a simple glob of our own:
 * `*` and `?` within one path segment, `**` for any number of folders (`dir/*.zmq`, `dir/**\/*.zmq`).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** A command-line path that names no file. */
export class FileNotFoundError extends Error {
  override readonly name = 'FileNotFoundError';
  constructor(readonly path: string) {
    super(/[*?]/.test(path) ? `no files match ${path}` : `file not found: ${path}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

function segmentPattern(segment: string): RegExp {
  const source = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`);
}

/** Paths under `base` matching `segments`; `**` matches zero or more folders. Hidden entries match only a pattern starting with a dot. */
function walk(base: string, segments: readonly string[], out: string[]): void {
  if (segments.length === 0) {
    out.push(base);
    return;
  }
  const [first, ...rest] = segments;
  if (first === '**') {
    walk(base, rest, out);
    for (const entry of entries(base)) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') walk(join(base, entry.name), segments, out);
    }
    return;
  }
  if (!/[*?]/.test(first)) {
    const next = join(base, first);
    if (rest.length === 0 ? exists(next) : isDirectory(next)) walk(next, rest, out);
    return;
  }
  const pattern = segmentPattern(first);
  for (const entry of entries(base)) {
    if (entry.name.startsWith('.') && !first.startsWith('.')) continue;
    if (!pattern.test(entry.name)) continue;
    if (rest.length > 0 && !entry.isDirectory()) continue;
    walk(join(base, entry.name), rest, out);
  }
}

/** The paths a glob matches, sorted. */
export function glob(pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/');
  const absolute = normalized.startsWith('/');
  const segments = normalized.split('/').filter((s) => s !== '' && s !== '.');
  const out: string[] = [];
  walk(absolute ? '/' : '.', segments, out);
  return [...new Set(out)].filter((p) => !isDirectory(p)).sort();
}

/**
 * The files the arguments name, in order, without duplicates: a file as given, a folder's `.zmq`
 * files (recursively), a glob's matches.
 * @throws {FileNotFoundError} for an argument that names nothing.
 */
export function expandFiles(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (isDirectory(arg)) {
      const found = glob(join(arg, '**', '*.zmq'));
      if (found.length === 0) throw new FileNotFoundError(join(arg, '**', '*.zmq'));
      out.push(...found);
    } else if (exists(arg)) out.push(arg);
    else if (/[*?]/.test(arg)) {
      const found = glob(arg);
      if (found.length === 0) throw new FileNotFoundError(arg);
      out.push(...found);
    } else throw new FileNotFoundError(arg);
  }
  return [...new Set(out)];
}
