// How a session's processes are killed on each platform, with the machine replaced by a recording host.
import { describe, expect, it } from 'vitest';
import { killGroup, type KillHost } from '../../src/connectors/powershell/process-group.js';

function host(platform: NodeJS.Platform, fail = false): KillHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    platform,
    calls,
    run(file, args) {
      calls.push(`run ${file} ${args.join(' ')}`);
      if (fail) throw new Error('ENOENT');
    },
    signal(pid, signal) {
      calls.push(`signal ${pid} ${signal}`);
      if (fail) throw new Error('ESRCH');
    },
  };
}

describe('killGroup', () => {
  it('kills the whole tree on Windows with taskkill /T /F, not only pwsh itself', () => {
    const windows = host('win32');
    killGroup(4321, windows);
    expect(windows.calls).toEqual(['run taskkill /T /F /PID 4321']);
  });

  it.each(['linux', 'darwin'] as const)('signals the process group on %s', (platform) => {
    const unix = host(platform);
    killGroup(4321, unix);
    expect(unix.calls).toEqual(['signal -4321 SIGKILL']);
  });

  it('takes a process that is already gone quietly', () => {
    expect(() => killGroup(4321, host('win32', true))).not.toThrow();
    expect(() => killGroup(4321, host('linux', true))).not.toThrow();
  });
});
