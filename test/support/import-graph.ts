/**
 * The source tree's import graph, for the layering test: the import, export-from, require and
 * dynamic import specifiers of every .ts file (read by TypeScript's own pre-processor, so that
 * comments and strings are never mistaken for imports), resolved to repository paths; a checker
 * that holds them against a table of forbidden arrows; a search for import circles; and which
 * globals a file names (a dependency on Node without an import).
 *
 * Everything works on a plain map of path → source text, so the unit test can run the checker
 * over a synthetic tree and see it report what it must.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { posix, join, relative, sep } from 'node:path';
import * as ts from 'typescript';

/** Repository-relative path (with `/`) → source text. */
export type SourceTree = ReadonlyMap<string, string>;

/** One import: the file it is in, the specifier as written, and what it resolves to. */
export interface ImportArrow {
  readonly from: string;
  readonly specifier: string;
  /**
   * A repository path when the specifier is relative and names a file of the tree (`core/index.ts`);
   * otherwise the specifier itself (`node:net`, `vscode`, `ws`) or, for a relative specifier that
   * names no file of the tree, the normalised path without extension.
   */
  readonly to: string;
}

/** A forbidden arrow: no file matching `from` may import anything matching `to`. */
export interface ImportRule {
  /** The rule as people say it, e.g. `core/transport/** ↛ core/socket/`. */
  readonly arrow: string;
  readonly from: RegExp;
  readonly to: RegExp;
  /** Why the arrow is forbidden. */
  readonly why: string;
}

/** An import a rule forbids. */
export interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

/** Every .ts file under `folders` of `root` (those that exist), read into a {@link SourceTree}. */
export function readSourceTree(root: string, folders: readonly string[]): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) tree.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const folder of folders) {
    const dir = join(root, folder);
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) walk(dir);
  }
  return tree;
}

/** The specifiers `source` imports, in order. */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** Where `specifier`, written in `from`, leads within `tree` (see {@link ImportArrow.to}). */
export function resolveSpecifier(tree: SourceTree, from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.d.ts`, `${base}/index.ts`]) if (tree.has(candidate)) return candidate;
  return base;
}

/** Every import of every file of the tree. */
export function importArrows(tree: SourceTree): ImportArrow[] {
  const arrows: ImportArrow[] = [];
  for (const [from, source] of tree) {
    for (const specifier of specifiersOf(source)) arrows.push({ from, specifier, to: resolveSpecifier(tree, from, specifier) });
  }
  return arrows;
}

/** The imports of `tree` that some rule forbids, one entry per rule broken. */
export function violations(tree: SourceTree, rules: readonly ImportRule[]): Violation[] {
  const found: Violation[] = [];
  for (const arrow of importArrows(tree)) {
    for (const rule of rules) {
      if (rule.from.test(arrow.from) && rule.to.test(arrow.to)) found.push({ rule: rule.arrow, from: arrow.from, to: arrow.to });
    }
  }
  return found;
}

/**
 * The import circles among the tree's files: each strongly connected group of two or more files
 * (or a file importing itself), its files sorted, the groups sorted by their first file.
 */
export function importCircles(tree: SourceTree): string[][] {
  const edges = new Map<string, string[]>();
  for (const file of tree.keys()) edges.set(file, []);
  for (const arrow of importArrows(tree)) if (tree.has(arrow.to)) edges.get(arrow.from)!.push(arrow.to);
  // Tarjan's strongly connected components, with an explicit stack of frames (no deep recursion).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let next = 0;
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const frames: Array<{ file: string; edge: number }> = [{ file: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const targets = edges.get(frame.file)!;
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++];
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          frames.push({ file: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!));
      if (low.get(frame.file) !== index.get(frame.file)) continue;
      const group: string[] = [];
      for (let file = stack.pop()!; ; file = stack.pop()!) {
        onStack.delete(file);
        group.push(file);
        if (file === frame.file) break;
      }
      if (group.length > 1 || edges.get(frame.file)!.includes(frame.file)) circles.push(group.sort());
    }
  }
  return circles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Which of `names` the source uses as identifiers (parsed, so comments and strings do not count). */
export function identifiersUsed(source: string, names: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && names.has(node.text)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('file.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return [...used].sort();
}
