// Bundles the extension host (extension/extension.ts → dist/extension.js: node, cjs, vscode
// external; `ws`, vscode-languageclient and the core are bundled, so the .vsix needs no
// node_modules), the frame-script language server (extension/language-server/server.ts →
// dist/language-server.js) and, when it exists, the webview (webview/main.ts → dist/webview.js: browser, iife, with the
// @vscode-elements/elements components it imports). Copies the API's .d.ts into dist/.
// `node esbuild.mjs --watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const dist = join(root, 'dist');

/** Files copied into dist/ as [from (relative to root), to (relative to dist)], when the source exists. */
const ASSETS = [
  ['extension/api.d.ts', 'api.d.ts'],
];

/**
 * A Node bundle (cjs, vscode external).
 * @param {string} entry the entry point, relative to root
 * @param {string} outfile the bundle's name in dist/
 * @returns {import('esbuild').BuildOptions}
 */
function nodeBundle(entry, outfile) {
  return {
    entryPoints: [join(root, entry)],
    outfile: join(dist, outfile),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  };
}

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  nodeBundle('extension/extension.ts', 'extension.js'),
  // The frame-script language server runs in its own Node process (started by the extension over
  // IPC, or by any LSP client with --stdio), so it is a bundle of its own.
  nodeBundle('extension/language-server/server.ts', 'language-server.js'),
];
if (existsSync(join(root, 'webview/main.ts'))) {
  builds.push({
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(dist, 'webview.js'),
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
  });
}

async function copyAssets() {
  for (const [from, to] of ASSETS) {
    const source = join(root, from);
    if (!existsSync(source)) {
      console.warn(`esbuild.mjs: ${from} not found, not copied`);
      continue;
    }
    await mkdir(dirname(join(dist, to)), { recursive: true });
    await copyFile(source, join(dist, to));
  }
}

if (!watch) await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await copyAssets();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
