// Finds pwsh once, as an absolute path, so that every PowerShell child of the run starts that file and nothing on PATH later.
import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

export type PwshLocation = { ok: true; path: string } | { ok: false; detail: string; fix: string };

const SET_INPUT = 'or set the `pwsh` input to the absolute path of PowerShell 7';

const worldWritable = (stats: Stats, platform: NodeJS.Platform): boolean => platform !== 'win32' && (stats.mode & 0o002) !== 0;

function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function executable(file: string, stats: Stats | undefined): boolean {
  if (!stats?.isFile()) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file itself, refused when anyone may rewrite it; symlinks resolved, so a later swap of a link changes nothing. */
function pinned(file: string, platform: NodeJS.Platform): PwshLocation {
  const real = realpathSync(file);
  const stats = statOf(real);
  if (!stats || !executable(real, stats)) {
    return { ok: false, detail: `${file} is not an executable file`, fix: `Install PowerShell 7.4 or later on the runner ${SET_INPUT}.` };
  }
  if (worldWritable(stats, platform)) {
    return { ok: false, detail: `${real} is writable by every user of the runner`, fix: `Make it writable by its owner only (chmod o-w), ${SET_INPUT} that only administrators can change.` };
  }
  return { ok: true, path: real };
}

/**
 * `input` as given when it is an absolute path; a bare name (the default `pwsh`) looked up in `PATH` here, once. A
 * relative PATH entry (which names a folder of the working directory, the checked-out repository) or a directory every
 * user can write to, met before pwsh is found, stops the search: either would let someone else decide which pwsh runs.
 */
export function resolvePwsh(input: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): PwshLocation {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  if (/[\\/]/.test(input)) {
    if (!paths.isAbsolute(input)) {
      return { ok: false, detail: `the pwsh input ${input} is a relative path`, fix: 'Set the `pwsh` input to an absolute path, or to `pwsh` to find it on PATH.' };
    }
    if (!statOf(input)) return { ok: false, detail: `${input} was not found`, fix: `Install PowerShell 7.4 or later on the runner (https://learn.microsoft.com/powershell/scripting/install/installing-powershell) ${SET_INPUT}.` };
    return pinned(input, platform);
  }
  const names = platform === 'win32' && !/\.exe$/i.test(input) ? [`${input}.exe`] : [input];
  const pathValue = env.PATH ?? env.Path ?? '';
  for (const entry of pathValue.split(paths.delimiter)) {
    if (!paths.isAbsolute(entry)) {
      return {
        ok: false,
        detail: `PATH holds the relative entry "${entry}" ahead of any pwsh`,
        fix: `Remove relative entries from PATH on the runner, ${SET_INPUT}.`,
      };
    }
    const folder = statOf(entry);
    if (!folder?.isDirectory()) continue;
    if (worldWritable(folder, platform)) {
      return {
        ok: false,
        detail: `PATH holds ${entry}, which every user of the runner can write to, ahead of any pwsh`,
        fix: `Take ${entry} off PATH or make it writable by its owner only, ${SET_INPUT}.`,
      };
    }
    for (const name of names) {
      const candidate = paths.join(entry, name);
      if (executable(candidate, statOf(candidate))) return pinned(candidate, platform);
    }
  }
  return {
    ok: false,
    detail: `${input} was not found on PATH`,
    fix: `Install PowerShell 7.4 or later on the runner (https://learn.microsoft.com/powershell/scripting/install/installing-powershell) ${SET_INPUT}.`,
  };
}
