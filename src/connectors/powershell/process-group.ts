// The process groups of running sessions: a kill takes pwsh and anything it started, and whatever is still running
// when this process exits (a cancelled run) is killed too.
import { spawnSync } from 'node:child_process';

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** What a kill needs from the machine; tests hand in another platform and a recording runner. */
export interface KillHost {
  platform: NodeJS.Platform;
  /** Runs a program to its end (a kill may run in the exit hook, where nothing asynchronous completes). */
  run(file: string, args: string[]): void;
  /** Signals a process (negative: its group). */
  signal(pid: number, signal: NodeJS.Signals): void;
}

const SYSTEM: KillHost = {
  platform: process.platform,
  run: (file, args) => {
    spawnSync(file, args, { stdio: 'ignore', windowsHide: true, timeout: 10_000 });
  },
  signal: (pid, signal) => process.kill(pid, signal),
};

/**
 * Kills the group led by `pid`. Windows has no process groups to signal: `taskkill /T` ends the process and every
 * process it started (a module's helper, or the `dotnet pwsh.dll` child of a launcher), which holds the pipes
 * otherwise. https://learn.microsoft.com/windows-server/administration/windows-commands/taskkill
 */
export function killGroup(pid: number, host: KillHost = SYSTEM): void {
  try {
    if (host.platform === 'win32') host.run('taskkill', ['/T', '/F', '/PID', String(pid)]);
    else host.signal(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Keeps the group on the list that is killed at exit. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const group of liveGroups) killGroup(group);
    });
  }
}

/** The group has ended: nothing to kill at exit, and its pid may be reused. */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

export function isTracked(pid: number): boolean {
  return liveGroups.has(pid);
}
