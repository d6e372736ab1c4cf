// The process groups of running sessions: a kill takes pwsh and anything it started, and whatever is still running
// when this process exits (a cancelled run) is killed too.

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Kills the group led by `pid` (on Windows, the process itself). */
export function killGroup(pid: number): void {
  try {
    if (process.platform === 'win32') process.kill(pid, 'SIGKILL');
    else process.kill(-pid, 'SIGKILL');
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
