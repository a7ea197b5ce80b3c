/**
 * Removes compiled outputs whose source is gone. tsc writes out/ but never deletes from it, so a
 * renamed or deleted .ts leaves its .js (and .d.ts, maps) behind, and `node --test out/test/…`
 * would go on running a deleted test against deleted code. `npm run build` runs this after
 * `tsc -b`; on a fresh clone there is nothing to prune.
 *
 *   node out/scripts/prune-outputs.js
 */
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'out');
/** What tsc emits for one `x.ts`: `x.js`, `x.js.map`, `x.d.ts`, `x.d.ts.map`. */
const EMITTED = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

/** Deletes the stale outputs under `dir` and then the folders left empty; returns how many files went. */
function prune(dir: string): number {
  let pruned = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      pruned += prune(path);
      if (readdirSync(path).length === 0) rmdirSync(path);
      continue;
    }
    if (!EMITTED.test(entry.name)) continue;
    const source = join(ROOT, relative(OUT, path)).replace(EMITTED, '.ts');
    if (existsSync(source)) continue;
    unlinkSync(path);
    pruned++;
  }
  return pruned;
}

if (existsSync(OUT)) {
  const pruned = prune(OUT);
  if (pruned > 0) console.log(`out/: removed ${pruned} files compiled from sources that no longer exist`);
}
