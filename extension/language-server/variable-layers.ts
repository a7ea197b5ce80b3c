/**
 * Where a document's `{{variables}}` come from besides the file itself: the layers of an editor
 * run (extension/script-variables.ts), for the document's path and workspace folder.
 */
import { relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VariableLayer } from '../../zmq-script/index';
import { editorVariableLayers, type ScriptSettings } from '../script-variables';

/** The path of a file: URI, or undefined for other schemes (untitled, remote) and malformed URIs. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The workspace folder holding the document (the deepest one), else the first folder. */
export function workspaceFolderOf(documentPath: string | undefined, folders: readonly string[]): string | undefined {
  if (documentPath !== undefined) {
    const holding = folders.filter((folder) => {
      const rel = relative(folder, documentPath);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (holding.length > 0) return holding.sort((a, b) => b.length - a.length)[0];
  }
  return folders[0];
}

/** All layers of a document, lowest first, as an editor run of it would have them. */
export function documentVariableLayers(settings: ScriptSettings, documentUri: string, workspaceFolders: readonly string[], env: NodeJS.ProcessEnv = process.env): VariableLayer[] {
  const path = filePathOf(documentUri);
  // Without a path (untitled documents) only an explicit envFile or the workspace's .env can apply.
  return editorVariableLayers(settings, path, workspaceFolderOf(path, workspaceFolders), env);
}
