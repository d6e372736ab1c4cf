// Offboarding in stages from one row, run in process on an injected clock: which stages each run applies, on the servers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { runInProcess } from '../helpers/in-process-run.js';
import { loadStackTenant, SimulatorControl, snapshotStack, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const DAY = 24 * 60 * 60 * 1000;
/** The first nightly run's clock: ten days after the row's date. */
const T = new Date('2026-11-25T02:23:00Z');
const later = (days: number): Date => new Date(T.getTime() + days * DAY);
const JDOE = 'jdoe@contoso.test';
const DELEGATE = 'salesvp@contoso.test';
const STAGES = '0d: ad-disable\n7d: mailbox-access, onedrive-access\n30d: mailbox-hide, ad-move';

const workspaces: string[] = [];
function workspaceWith(csv: string): string {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'stages-workspace-'));
  workspaces.push(workspace);
  mkdirSync(path.join(workspace, 'offboarding'));
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), csv);
  return workspace;
}

/** A nightly run (schedule → due) of the row's CSV in apply mode, at `now`. */
function nightly(workspace: string, now: Date): Promise<ActionRun> {
  return runInProcess({
    workspace,
    inputs: { mode: 'apply', stages: STAGES, ...stackActionInputs(facts) },
    eventName: 'schedule',
    payload: { schedule: '23 2 * * *', repository },
    env: stackActionEnv(facts),
    now,
  });
}

const detail = (run: ActionRun): string => `exit ${run.exitCode}\n${run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(-3000)}`;
/** The user's step records as `stage step status`. */
const records = (run: ActionRun): string[] => (run.results?.users[0]?.steps ?? []).map((s) => `${s.stage} ${s.step} ${s.status}`);

/** jdoe on the servers: AD account (DN, disabled bit, hidden from address lists), the delegate's mailbox and OneDrive grants. */
async function jdoeOnServers(): Promise<{ dn: string; disabled: boolean; hidden: boolean; fullAccess: boolean; siteAdmin: boolean }> {
  const { directory, sim } = await snapshotStack(facts);
  const [dn, attributes] = Object.entries(directory).find(([, a]) => a.sAMAccountName?.[0] === 'jdoe') ?? ['', {}];
  const mailbox = sim.mailboxes.find((m) => m.userPrincipalName === JDOE);
  const site = sim.sites.find((s) => s.owner === JDOE);
  return {
    dn,
    disabled: (Number(attributes.userAccountControl?.[0]) & 2) === 2,
    hidden: attributes.msExchHideFromAddressLists?.[0] === 'TRUE',
    fullAccess: mailbox?.permissions.some((p) => p.user === DELEGATE && p.accessRights.includes('FullAccess')) ?? false,
    siteAdmin: site?.admins.includes(DELEGATE) ?? false,
  };
}

beforeEach(async () => {
  await loadStackTenant(facts, baseFixture());
  await control.clearFaults();
});

afterAll(async () => {
  for (const workspace of workspaces) rmSync(workspace, { recursive: true, force: true });
  await control.clearFaults();
  await loadStackTenant(facts, baseFixture());
});

describe('a row with stages 0d, 7d and 30d, dated 10 days before the first nightly run', () => {
  it('is offboarded stage by stage: 0d and 7d at once with 30d shown with its date, 30d 25 days later, then nothing', async () => {
    const workspace = workspaceWith(`userPrincipalName,effective\n${JDOE},2026-11-15\n`);

    const first = await nightly(workspace, T);
    expect(first.exitCode, detail(first)).toBe(0);
    expect(records(first)).toEqual(['0d ad-disable done', '7d mailbox-access done', '7d onedrive-access done']);
    expect(first.results?.selection?.later).toEqual([
      { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName: JDOE }, stages: [{ stage: '30d', at: '2026-12-15T00:00:00Z', steps: ['mailbox-hide', 'ad-move'] }] },
    ]);
    expect(first.summary).toContain('### Later stages (1 row)');
    expect(first.summary).toContain('<b>30d</b> on 2026-12-15T00&#58;00&#58;00Z: mailbox-hide, ad-move');
    const afterFirst = await jdoeOnServers();
    expect(afterFirst).toMatchObject({ disabled: true, fullAccess: true, siteAdmin: true, hidden: false });
    expect(afterFirst.dn).toMatch(/,OU=Staff,/);

    const second = await nightly(workspace, later(25));
    expect(second.exitCode, detail(second)).toBe(0);
    // 0d came due 35 days before: outside lookback-days (30), it is not selected again.
    expect(records(second)).toEqual(['7d mailbox-access unchanged', '7d onedrive-access unchanged', '30d mailbox-hide done', '30d ad-move done']);
    expect(second.results?.selection?.later).toEqual([]);
    const afterSecond = await jdoeOnServers();
    expect(afterSecond).toMatchObject({ disabled: true, fullAccess: true, siteAdmin: true, hidden: true });
    expect(afterSecond.dn).toMatch(/,OU=Disabled Users,/);

    const servers = await snapshotStack(facts);
    for (const now of [later(25), later(26)]) {
      const again = await nightly(workspace, now);
      expect(again.exitCode, detail(again)).toBe(0);
      expect(again.results?.users[0]?.steps.map((s) => s.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    }
    expect(await snapshotStack(facts)).toEqual(servers);
  }, 600_000);

  it('retries a stage whose step failed in the next nightly run, within lookback-days', async () => {
    const workspace = workspaceWith(`userPrincipalName,effective\n${JDOE},2026-11-15\n`);
    // Exchange accepts the grant and loses it: the step reads it back, finds nothing, and fails (not-verified).
    await control.faults({ drop: { ops: ['exo.cmdlet.Add-MailboxPermission'], users: [JDOE] } });
    const failed = await nightly(workspace, T);
    expect(failed.exitCode, detail(failed)).toBe(1);
    expect(records(failed)).toEqual(['0d ad-disable done', '7d mailbox-access failed', '7d onedrive-access done']);
    expect(failed.results?.users[0]?.steps[1]?.error?.code).toBe('not-verified');
    expect((await jdoeOnServers()).fullAccess).toBe(false);

    await control.clearFaults();
    const retried = await nightly(workspace, later(1));
    expect(retried.exitCode, detail(retried)).toBe(0);
    expect(records(retried)).toEqual(['0d ad-disable unchanged', '7d mailbox-access done', '7d onedrive-access unchanged']);
    expect(await jdoeOnServers()).toMatchObject({ disabled: true, fullAccess: true, siteAdmin: true, hidden: false });
  }, 300_000);
});

describe('a row dated in the future, merged with a push', () => {
  it('applies nothing on select: changed, and shows the date of every stage', async () => {
    const workspace = workspaceWith('userPrincipalName,effective\n');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=HR', '-c', 'user.email=hr@contoso.test', '-c', 'commit.gpgsign=false', ...args], { cwd: workspace, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'Leavers');
    const before = git('rev-parse', 'HEAD');
    writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), `userPrincipalName,effective\n${JDOE},2026-12-01\n`);
    git('commit', '-qam', 'Jane Doe leaves on 1 December');
    const after = git('rev-parse', 'HEAD');

    const servers = await snapshotStack(facts);
    const run = await runInProcess({
      workspace,
      inputs: { mode: 'apply', stages: STAGES, ...stackActionInputs(facts) },
      eventName: 'push',
      payload: { before, after, ref: 'refs/heads/main', repository },
      env: stackActionEnv(facts),
      now: T,
    });
    expect(run.exitCode, detail(run)).toBe(0);
    expect(run.results?.selection?.mode).toBe('changed');
    expect(run.results?.users).toEqual([]);
    expect(run.results?.selection?.later?.[0]?.stages.map((s) => `${s.stage} ${s.at}`)).toEqual([
      '0d 2026-12-01T00:00:00Z',
      '7d 2026-12-08T00:00:00Z',
      '30d 2026-12-31T00:00:00Z',
    ]);
    for (const date of ['2026-12-01', '2026-12-08', '2026-12-31']) expect(run.summary).toContain(`on ${date}T00&#58;00&#58;00Z`);
    expect(await snapshotStack(facts)).toEqual(servers);
  }, 300_000);
});
