/**
 * Which `.env` file a script's variables come from, the same for the editor, the language server
 * and the CLI: the one named explicitly (relative to `root`), else the one next to the script,
 * else the one in `root` (the workspace folder, or the CLI's working directory).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** The `.env` path to read, or undefined when there is none. */
export function findEnvFile(scriptFile: string | undefined, root: string | undefined, explicit = ''): string | undefined {
  if (explicit !== '') {
    const path = isAbsolute(explicit) || root === undefined ? explicit : join(root, explicit);
    return existsSync(path) ? path : undefined;
  }
  for (const folder of [scriptFile ? dirname(scriptFile) : undefined, root]) {
    if (folder === undefined) continue;
    const path = join(folder, '.env');
    if (existsSync(path)) return path;
  }
  return undefined;
}
