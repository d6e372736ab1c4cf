// How preflight finds pwsh: once, as an absolute path, never through a relative or world-writable PATH entry.
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePwsh } from '../../src/preflight/pwsh-path.js';

let root: string;

function folder(name: string, mode = 0o755): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode);
  return dir;
}

function executable(dir: string, name = 'pwsh', mode = 0o755): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, mode);
  return file;
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'pwsh-path-')));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('resolvePwsh', () => {
  it('finds a bare name in the first PATH folder that holds it, as an absolute path', () => {
    const first = folder('first');
    const second = folder('second');
    executable(first);
    executable(second);
    expect(resolvePwsh('pwsh', { PATH: [folder('empty'), first, second].join(':') }, 'linux')).toEqual({ ok: true, path: path.join(first, 'pwsh') });
  });

  it('skips a file that is not executable, and folders that do not exist', () => {
    const first = folder('first');
    const second = folder('second');
    executable(first, 'pwsh', 0o644);
    executable(second);
    expect(resolvePwsh('pwsh', { PATH: [path.join(root, 'missing'), first, second].join(':') }, 'linux')).toEqual({ ok: true, path: path.join(second, 'pwsh') });
  });

  it('resolves a symlink to the file it names, so that a later swap of the link changes nothing', () => {
    const real = executable(folder('opt'));
    const bin = folder('bin');
    symlinkSync(real, path.join(bin, 'pwsh'));
    expect(resolvePwsh('pwsh', { PATH: bin }, 'linux')).toEqual({ ok: true, path: real });
  });

  it('refuses a relative PATH entry met before pwsh, which names a folder of the working directory', () => {
    const bin = folder('bin');
    executable(bin);
    for (const entry of ['node_modules/.bin', '', '.']) {
      const found = resolvePwsh('pwsh', { PATH: [entry, bin].join(':') }, 'linux');
      expect(found).toMatchObject({ ok: false, detail: `PATH holds the relative entry "${entry}" ahead of any pwsh` });
    }
  });

  it('refuses a folder every user can write to, met before pwsh', () => {
    const open = folder('open', 0o777);
    const bin = folder('bin');
    executable(bin);
    expect(resolvePwsh('pwsh', { PATH: [open, bin].join(':') }, 'linux')).toMatchObject({
      ok: false,
      detail: `PATH holds ${open}, which every user of the runner can write to, ahead of any pwsh`,
      fix: expect.stringContaining('`pwsh` input'),
    });
  });

  it('does not look at PATH entries after the one that holds pwsh', () => {
    const bin = folder('bin');
    executable(bin);
    expect(resolvePwsh('pwsh', { PATH: [bin, 'relative', folder('open', 0o777)].join(':') }, 'linux')).toEqual({ ok: true, path: path.join(bin, 'pwsh') });
  });

  it('refuses a pwsh every user can rewrite', () => {
    const bin = folder('bin');
    const file = executable(bin, 'pwsh', 0o777);
    expect(resolvePwsh('pwsh', { PATH: bin }, 'linux')).toMatchObject({ ok: false, detail: `${file} is writable by every user of the runner` });
    expect(resolvePwsh(file, {}, 'linux')).toMatchObject({ ok: false, detail: `${file} is writable by every user of the runner` });
  });

  it('takes an absolute pwsh input as it is, without PATH', () => {
    const file = executable(folder('opt'));
    expect(resolvePwsh(file, { PATH: 'relative' }, 'linux')).toEqual({ ok: true, path: file });
  });

  it('refuses a relative pwsh input, and says when pwsh is nowhere', () => {
    expect(resolvePwsh('./tools/pwsh', { PATH: '/usr/bin' }, 'linux')).toMatchObject({ ok: false, detail: 'the pwsh input ./tools/pwsh is a relative path' });
    expect(resolvePwsh(path.join(root, 'nowhere', 'pwsh'), {}, 'linux')).toMatchObject({ ok: false, detail: `${path.join(root, 'nowhere', 'pwsh')} was not found` });
    expect(resolvePwsh('pwsh', { PATH: folder('empty') }, 'linux')).toMatchObject({ ok: false, detail: 'pwsh was not found on PATH', fix: expect.stringContaining('Install PowerShell 7.4') });
  });
});
