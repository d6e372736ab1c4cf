// The built dist/index.js run as the runner runs it, for every trigger, with no directory configured.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeCell } from '../../src/report/summary.js';
import { runAction } from './run-action.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'HR', GIT_AUTHOR_EMAIL: 'hr@contoso.test', GIT_COMMITTER_NAME: 'HR', GIT_COMMITTER_EMAIL: 'hr@contoso.test' },
  }).trim();

const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };

/** An Excel export: BOM, CRLF, a quoted name with a comma, an accent, an unknown column. */
const EXCEL_CSV =
  '\uFEFFUPN,Employee ID,Termination Date,Manager,Ticket,Display Name\r\n' +
  'jdoe@contoso.test,E1001,2026-11-20,,HR-1,"Doe, Jane"\r\n' +
  'zangstrom@contoso.test,E1004,2026-11-24,cfo@contoso.test,HR-2,Zoë Ångström-Müller\r\n' +
  'future@contoso.test,E1999,2099-01-31,,HR-3,Fut Ure\r\n';

let workspace: string;
let baseSha: string;
let headSha: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(os.tmpdir(), 'workspace-'));
  git(workspace, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(workspace, 'README.md'), 'identity team\n');
  git(workspace, 'add', '-A');
  git(workspace, 'commit', '-qm', 'base');
  baseSha = git(workspace, 'rev-parse', 'HEAD');
  mkdirSync(path.join(workspace, 'offboarding'));
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), EXCEL_CSV);
  git(workspace, 'add', '-A');
  git(workspace, 'commit', '-qm', 'leavers');
  headSha = git(workspace, 'rev-parse', 'HEAD');
});

describe('the bundled action with no directory configured', () => {
  it('on push plans the rows added since the base commit and writes summary, outputs and results', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'plan' },
      eventName: 'push',
      payload: { before: baseSha, after: headSha, ref: 'refs/heads/main', repository },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ selected: '2', changed: '0', unchanged: '2', failed: '0' });
    expect(run.outputs['results-file']).toBe(run.resultsPath);
    expect(run.results?.outcome).toBe('completed');
    expect(run.results?.selection?.mode).toBe('changed');
    // The row dated 2099 is new too, but waits for the scheduled due run.
    expect(run.results?.selection?.note).toContain('3 of 3 rows added or changed');
    expect(run.results?.selection?.note).toContain('1 row effective later (from 2099-01-31T00:00:00Z) wait for the scheduled due run');
    expect(run.results?.users.map((u) => [u.source.line, u.request.userPrincipalName])).toEqual([
      [2, 'jdoe@contoso.test'],
      [3, 'zangstrom@contoso.test'],
    ]);
    const jdoe = run.results?.users[0];
    expect(jdoe?.steps.map((s) => [s.step, s.status, s.reason])).toEqual([
      ['ad-disable', 'skipped', 'AD not configured (ldap-url)'],
      ['entra-disable', 'skipped', 'Entra ID not configured (tenant-id)'],
      ['entra-revoke', 'skipped', 'Entra ID not configured (tenant-id)'],
      ['mailbox-access', 'skipped', 'Entra ID not configured (tenant-id)'],
      ['onedrive-access', 'skipped', 'Entra ID not configured (tenant-id)'],
    ]);
    expect(run.results?.users[1].request).toMatchObject({ effective: '2026-11-24T00:00:00Z', delegate: 'cfo@contoso.test', reason: 'HR-2' });
    // What a fork's pull request gets: nothing is looked up, and the requested delegate is shown, not hidden as none.
    expect(run.results?.users[1].delegate).toEqual({ source: 'none', requested: 'cfo@contoso.test', requestedIssue: 'not looked up: no directory is configured' });
    expect(run.summary).toContain(`<td>${escapeCell('csv: cfo@contoso.test not looked up: no directory is configured')}</td></tr>`);
    expect(run.summary).toContain('## Offboarding plan');
    expect(run.summary).toContain('zangstrom@contoso.test');
    expect(run.stdout).toContain('::notice');
    expect(run.stdout).toMatch(/Display Name/);
  });

  it('on a pull request compares with the base commit of the pull request', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'plan' },
      eventName: 'pull_request',
      payload: { action: 'synchronize', number: 7, pull_request: { number: 7, base: { sha: headSha }, head: { sha: headSha } }, repository },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.selected).toBe('0');
    expect(run.results?.selection?.mode).toBe('changed');
    expect(run.summary).toContain('No termination requests selected');
  });

  it('on schedule selects only the rows that are due', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'plan', 'lookback-days': '3650' },
      eventName: 'schedule',
      payload: { schedule: '0 2 * * *', repository },
    });
    expect(run.exitCode).toBe(0);
    expect(run.results?.selection?.mode).toBe('due');
    expect(run.results?.users.map((u) => u.request.userPrincipalName)).toEqual(['jdoe@contoso.test', 'zangstrom@contoso.test']);
  });

  it('on workflow_dispatch acts on every line of the users input and not on the CSV', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'plan', users: 'jsmith\nsean.obrien@contoso.test, 2026-11-01, cfo@contoso.test' },
      eventName: 'workflow_dispatch',
      payload: { inputs: { users: '…' }, ref: 'refs/heads/main', repository },
    });
    expect(run.exitCode).toBe(0);
    expect(run.results?.users.map((u) => u.request)).toEqual([
      expect.objectContaining({ samAccountName: 'jsmith' }),
      expect.objectContaining({ userPrincipalName: 'sean.obrien@contoso.test', delegate: 'cfo@contoso.test' }),
    ]);
    expect(run.results?.users.every((u) => u.source.file === 'inputs.users')).toBe(true);
  });

  it('annotates a bad row at its file and line, changes nothing and fails', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'workspace-bad-'));
    mkdirSync(path.join(bad, 'offboarding'));
    writeFileSync(
      path.join(bad, 'offboarding', 'leavers.csv'),
      'userPrincipalName,effective\njdoe@contoso.test,2026-11-20\nsmith@contoso.test,03/04/2026\n',
    );
    const run = await runAction({
      workspace: bad,
      inputs: { mode: 'apply', select: 'all' },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error [^:]*file=offboarding\/leavers\.csv,line=3[^:]*::.*03\/04\/2026/);
    expect(run.results?.outcome).toBe('failed');
    expect(run.results?.users).toEqual([]);
    expect(run.results?.inputErrors).toEqual([expect.objectContaining({ file: 'offboarding/leavers.csv', line: 3 })]);
    expect(run.summary).toContain('Input errors (1) — nothing was changed');
  });

  it('prints data that carries workflow commands as plain log lines, and refuses a file name with a line break', async () => {
    const forged = mkdtempSync(path.join(os.tmpdir(), 'workspace-forged-'));
    mkdirSync(path.join(forged, 'offboarding'));
    writeFileSync(path.join(forged, 'offboarding', 'leavers.csv'), 'upn,delegate\njdoe@contoso.test,##[error]forged@contoso.test\n');
    const plan = await runAction({
      workspace: forged,
      inputs: { mode: 'plan', select: 'all' },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository },
    });
    expect(plan.exitCode).toBe(0);
    const planLines = plan.stdout.split(/\r\n|\r|\n/);
    expect(planLines.filter((line) => line.includes('##['))).toEqual([]);
    expect(planLines.filter((line) => line.includes('forged@contoso.test'))).toEqual([
      "::warning title=Delegate,file=offboarding/leavers.csv,line=2::The row's delegate is not used: " +
        'csv: #\u200B#[error]forged@contoso.test not looked up: no directory is configured.',
    ]);

    writeFileSync(path.join(forged, 'offboarding', 'x\n::error title=Approved::forged\n::stop-commands::pwned.csv'), 'upn\nasmith@contoso.test\n');
    const refused = await runAction({
      workspace: forged,
      inputs: { mode: 'plan', select: 'all' },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository },
    });
    expect(refused.exitCode).toBe(1);
    const lines = refused.stdout.split(/\r\n|\r|\n/);
    // Only the action's own commands start a line: none of the file name's.
    expect(lines.filter((line) => /^\s*::(error title=Approved|stop-commands)/.test(line))).toEqual([]);
    expect(lines.filter((line) => line.includes('control character'))).toEqual([
      '::error title=Offboarding input error,file=offboarding/x\\n%3A%3Aerror title=Approved%3A%3Aforged\\n%3A%3Astop-commands%3A%3Apwned.csv::' +
        'Cannot read the CSV file: the file name contains a control character (a line break or tab): rename the file',
    ]);
    expect(refused.results?.users).toEqual([]);
  });

  it('refuses a run that selects more users than max-users before changing anything', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'apply', select: 'all', 'max-users': '2' },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('This run selects 3 users, more than max-users (2)');
    expect(run.results?.outcome).toBe('failed');
    expect(run.results?.users).toEqual([]);
  });

  it('fails with one clear message per input mistake', async () => {
    const run = await runAction({
      workspace,
      inputs: { mode: 'aply', steps: 'ad-disable, ad-disabel', 'time-zone': 'Mars/Olympus' },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, repository },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('apply');
    expect(run.stdout).toContain('ad-disabel');
    expect(run.stdout).toContain('Mars/Olympus');
    expect(run.results?.inputErrors.length).toBe(3);
  });
});
