// Finds the termination CSV files named by the `csv` input (a path or a glob) inside the workspace, and reads them safely.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Expands `pattern` relative to `workspace` and returns the matching files as workspace-relative paths with
 * `/` separators, sorted. Directories and anything outside the workspace are left out.
 */
export async function findCsvFiles(workspace: string, pattern: string): Promise<string[]> {
  const root = path.resolve(workspace);
  const found = new Set<string>();
  for await (const entry of fs.glob(pattern, { cwd: root, withFileTypes: true })) {
    // A symbolic link is never a file here; a file reached through a linked directory is checked when it is read.
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name));
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    found.add(relative.split(path.sep).join('/'));
  }
  return [...found].sort();
}

/** A path as it can be shown: control characters (a line break in a file name) written as JSON escapes. */
export const printablePath = (file: string): string => JSON.stringify(file).slice(1, -1);

/**
 * Reads a file named relative to the workspace. Anyone who can open a pull request chooses these files, so only a
 * regular file whose real path (symlinks resolved) lies inside the workspace is read: a symlink to
 * `/proc/self/environ` would otherwise put the runner's secrets into the summary. A FIFO or device is refused
 * without blocking on it, and a path with a control character is refused before it reaches any log line.
 */
export async function readWorkspaceFile(workspace: string, relative: string): Promise<string> {
  if (/\p{Cc}/u.test(relative)) throw new Error('the file name contains a control character (a line break or tab): rename the file');
  const root = await fs.realpath(workspace);
  const real = await fs.realpath(path.resolve(root, relative));
  const inside = path.relative(root, real);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new Error('the path leads outside the workspace (a symbolic link?): only files inside the workspace are read');
  }
  const handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw new Error('not a regular file: only regular files are read');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
