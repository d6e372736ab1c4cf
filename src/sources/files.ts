// Finds the termination CSV files named by the `csv` input (a path or a glob) inside the workspace.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Expands `pattern` relative to `workspace` and returns the matching files as workspace-relative paths with
 * `/` separators, sorted. Directories and anything outside the workspace are left out.
 */
export async function findCsvFiles(workspace: string, pattern: string): Promise<string[]> {
  const root = path.resolve(workspace);
  const found = new Set<string>();
  for await (const entry of fs.glob(pattern, { cwd: root, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name));
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    found.add(relative.split(path.sep).join('/'));
  }
  return [...found].sort();
}
