// PowerShell 7 for the test stack: finds pwsh, or installs the pinned version as a .NET global tool.
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** Pinned: a later 7.x may need a newer .NET than the machine has. */
const PWSH_VERSION = '7.6.9';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && executable(path.join(folder, name))) return path.join(folder, name);
  }
  return undefined;
}

const toolPath = () => path.join(homedir(), '.dotnet', 'tools', 'pwsh');

function failure(error: unknown): string {
  const e = error as { stderr?: Buffer | string; stdout?: Buffer | string; message?: string };
  return String(e.stderr || e.stdout || e.message || error).trim().split('\n').slice(-5).join('\n');
}

/** Returns the path of pwsh (PATH first, then ~/.dotnet/tools), installing PowerShell 7.6.9 when it is missing. */
export function ensurePwsh(): string {
  const found = onPath('pwsh') ?? (executable(toolPath()) ? toolPath() : undefined);
  if (found) return found;
  if (!onPath('dotnet')) {
    throw new Error('pwsh is not installed and the .NET SDK (dotnet) is missing, so it cannot be installed: run scripts/install-prereqs.sh');
  }
  try {
    execFileSync('dotnet', ['tool', 'install', '--global', 'PowerShell', '--version', PWSH_VERSION], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    throw new Error(`installing PowerShell ${PWSH_VERSION} with dotnet tool install failed: ${failure(error)}`, { cause: error });
  }
  if (!executable(toolPath())) throw new Error(`dotnet tool install reported success but ${toolPath()} is not there`);
  return toolPath();
}

/** Runs pwsh once and returns its version, so that a broken install fails at start and not in the middle of a test. */
export async function pwshVersion(pwsh: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(
      pwsh,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'],
      { timeout: 120_000 },
    );
    const version = stdout.trim();
    if (!version.startsWith('7.')) throw new Error(`it is PowerShell ${version}, not 7`);
    return version;
  } catch (error) {
    throw new Error(`${pwsh} does not run: ${failure(error)}`, { cause: error });
  }
}
