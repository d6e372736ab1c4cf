// The process table, read from /proc: the action run by this process and the PowerShell sessions it started.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  parent: number;
  /** Clock ticks after boot when it started: orders processes by age. */
  startTicks: number;
  command: string;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

function describe(pid: number): ProcessInfo | undefined {
  const stat = read(`/proc/${pid}/stat`);
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (!stat || cmdline === undefined) return undefined;
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return undefined; // a zombie has already exited
  return { pid, parent: Number(fields[1]), startTicks: Number(fields[19]), command: cmdline.split('\0').join(' ').trim() };
}

function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => describe(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined);
}

/** The action (`node <entry>`) that this process started, if it runs. */
export function actionProcess(entry: string): ProcessInfo | undefined {
  return processes().find((p) => p.parent === process.pid && p.command.includes(entry));
}

/**
 * Live pwsh processes started with `PSModulePath` = the stack's stand-in modules: the action's sessions and probes for
 * this stack, and nobody else's (other stacks on the machine have their own module folder). Oldest first.
 */
export function stackPowerShells(psModulePath: string): ProcessInfo[] {
  const wanted = `PSModulePath=${psModulePath}`;
  return processes()
    .filter((p) => /(^|\/)pwsh(\s|$)/.test(p.command.split(' ')[0] ?? '') || / -File \S*worker\.ps1/.test(p.command))
    .filter((p) => (read(`/proc/${p.pid}/environ`) ?? '').split('\0').includes(wanted))
    .sort((a, b) => a.startTicks - b.startTicks);
}

/**
 * The long-lived sessions (worker.ps1), oldest first, each as the process that runs PowerShell: pwsh installed as a
 * .NET tool is a launcher with `dotnet pwsh.dll` as its child, and the child is what a crash or the OOM killer ends.
 */
export function stackSessions(psModulePath: string): ProcessInfo[] {
  const workers = stackPowerShells(psModulePath).filter((p) => p.command.includes('worker.ps1'));
  const pids = new Set(workers.map((p) => p.pid));
  const launchers = workers.filter((p) => !pids.has(p.parent));
  return launchers.map((launcher) => workers.find((p) => p.parent === launcher.pid) ?? launcher);
}
