// The canary and the failure threshold through the bundled action: who ran, who was held back, and the servers after.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Control } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_ENTRY, runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotDirectory, stackFacts } from '../helpers/stack.js';
import { baseFixture, type Fixture, type FixturePerson } from '../stack/fixture.js';
import type { LogEntry, SimState } from '../stack/simulator/types.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };

/**
 * An OU the stack's start did not delegate: the service account reads its users (Authenticated Users may) but every
 * write there is refused with insufficientAccessRights, so `ad-disable` fails for them, as it does in a domain
 * where the delegation was forgotten for one OU.
 */
const LOCKED_OU = 'OU=Contractors';
const TREE_DELETE = '1.2.840.113556.1.4.805';

/** An AD-only account (no Entra user): its one step that applies is `ad-disable`. */
const adOnly = (key: string, ou: string): FixturePerson => ({
  key,
  givenName: 'Lee',
  surname: key,
  displayName: `Lee ${key}`,
  sam: key,
  ou,
  userPrincipalName: `${key}@contoso.test`,
});

/** The base tenant, plus 20 AD-only leavers in OU=Staff (`staff01`…) and 20 in the undelegated OU (`locked01`…). */
function breakersFixture(): Fixture {
  const fixture = baseFixture();
  fixture.ous.push(LOCKED_OU);
  for (let i = 1; i <= 20; i++) {
    const n = String(i).padStart(2, '0');
    fixture.people.push(adOnly(`staff${n}`, 'OU=Staff'), adOnly(`locked${n}`, LOCKED_OU));
  }
  return fixture;
}
const fixture = breakersFixture();

type Directory = Record<string, Record<string, string[]>>;
interface Servers {
  directory: Directory;
  sim: SimState;
}

async function servers(): Promise<Servers> {
  return { directory: await snapshotDirectory(facts), sim: await control.state() };
}

/** The servers' state with every trace of these people (AD account, Entra user, mailbox, OneDrive) left out. */
function without(state: Servers, keys: string[]): Servers {
  const people = fixture.people.filter((p) => keys.includes(p.key));
  const sams = new Set(people.flatMap((p) => (p.sam ? [p.sam.toLowerCase()] : [])));
  const upns = new Set(people.map((p) => p.userPrincipalName.toLowerCase()));
  const directory = Object.fromEntries(
    Object.entries(state.directory).filter(([, attributes]) => !sams.has(attributes.sAMAccountName?.[0]?.toLowerCase() ?? '')),
  );
  const users = state.sim.users.filter((u) => !keys.includes(u.key));
  const ids = new Set(state.sim.users.filter((u) => keys.includes(u.key)).map((u) => u.id));
  return {
    directory,
    sim: {
      ...state.sim,
      users,
      mailboxes: state.sim.mailboxes.filter((m) => !ids.has(m.userId)),
      sites: state.sim.sites.filter((s) => !upns.has(s.owner.toLowerCase())),
    },
  };
}

const uacOf = (state: Servers, sam: string): number =>
  Number(Object.values(state.directory).find((a) => a.sAMAccountName?.[0] === sam)?.userAccountControl?.[0]);

async function apply(csv: string, inputs: Record<string, string>): Promise<ActionRun> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'breakers-workspace-'));
  try {
    mkdirSync(path.join(workspace, 'offboarding'));
    writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), csv);
    const run = await runAction({
      workspace,
      inputs: { mode: 'apply', select: 'all', ...stackActionInputs(facts), ...inputs },
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, ref: 'refs/heads/main', repository },
      env: stackActionEnv(facts),
      timeoutMs: 200_000,
    });
    rmSync(run.runnerTemp, { recursive: true, force: true });
    return run;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

const detail = (run: ActionRun): string => `exit ${run.exitCode}\n${run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(-4000)}`;
const upnOf = (key: string): string => fixture.people.find((p) => p.key === key)?.userPrincipalName ?? `(no person ${key})`;
const rows = (keys: string[]): string => ['userPrincipalName', ...keys.map(upnOf)].join('\n');
const reasonCode = (reason: string | undefined): string | undefined => reason?.split(':')[0];

/**
 * The Exchange and SharePoint commands and Graph writes about a person (by UPN or object id): what only the steps
 * send, since resolve only reads Graph.
 */
function stepRequestsAbout(log: LogEntry[], state: Servers, key: string): LogEntry[] {
  const user = state.sim.users.find((u) => u.key === key);
  const names = new Set([user?.userPrincipalName.toLowerCase(), user?.id.toLowerCase()]);
  return log.filter((e) => names.has(e.user?.toLowerCase()) && (e.resource !== 'graph' || e.method !== 'GET'));
}

beforeAll(() => {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run \`npm run bundle\` first (these tests run the bundled action).`);
});

beforeEach(async () => {
  await loadStackTenant(facts, fixture);
  await control.clearLog();
});

afterAll(async () => {
  // The undelegated OU is this file's own: gone, and the next file finds the base tenant as the global setup left it.
  const client = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] } });
  try {
    await client.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
    await client.del(`${LOCKED_OU},${facts.ldap.baseDn}`, new Control(TREE_DELETE, { critical: true }));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  await loadStackTenant(facts, baseFixture());
});

describe('canary', () => {
  it('with canary 3 and the first user failing, starts nobody else and leaves every other account on the servers as it was', async () => {
    const before = await servers();
    const run = await apply(rows(['locked01', 'jdoe', 'jsmith', 'sobrien', 'zangstrom', 'noexpire']), { canary: '3' });
    const after = await servers();
    const results = run.results;
    expect(results, detail(run)).toBeDefined();
    if (!results) return;
    expect(run.exitCode, detail(run)).toBe(1);
    expect(results.users.map((u) => [u.source.line, u.status, reasonCode(u.reason)])).toEqual([
      [2, 'failed', undefined],
      [3, 'done', undefined],
      [4, 'done', undefined],
      [5, 'blocked', 'canary-failed'],
      [6, 'blocked', 'canary-failed'],
      [7, 'blocked', 'canary-failed'],
    ]);
    expect(results.users[0].steps[0]).toMatchObject({ step: 'ad-disable', status: 'failed' });
    for (const user of results.users.slice(3)) {
      expect(user.reason).toBe('canary-failed: 1 of the 3 canary users failed (offboarding/leavers.csv:2); not started');
      expect(user.steps.map((s) => [s.status, s.reason])).toEqual(user.steps.map(() => ['blocked', user.reason]));
    }
    expect(results).toMatchObject({ outcome: 'failed', stoppedBy: 'canary-failed' });
    expect(results.error).toMatch(/^Canary failed: 1 of the 3 canary users failed \(offboarding\/leavers\.csv:2\)\. The other 3 users were not started/);
    expect(run.summary.split('\n')[0]).toBe('## Offboarding — stopped by the canary');
    expect(run.stdout).toContain(`::error::${results.error}`);

    // The two canary users that passed were offboarded; apart from them, nothing on either server moved.
    expect(uacOf(after, 'jdoe') & 0x2).toBe(0x2);
    expect(uacOf(after, 'jsmith') & 0x2).toBe(0x2);
    expect(uacOf(after, 'locked01')).toBe(uacOf(before, 'locked01'));
    expect(without(after, ['jdoe', 'jsmith'])).toEqual(without(before, ['jdoe', 'jsmith']));
    const log = (await control.log()).entries;
    for (const key of ['sobrien', 'zangstrom', 'noexpire']) expect(stepRequestsAbout(log, before, key), key).toEqual([]);
  }, 240_000);

  it('with canary 3 and all three fine, runs the rest after them, a later failure included', async () => {
    const run = await apply(rows(['jdoe', 'jsmith', 'sobrien', 'locked01', 'zangstrom', 'noexpire']), { canary: '3' });
    const after = await servers();
    const results = run.results;
    expect(results, detail(run)).toBeDefined();
    if (!results) return;
    expect(run.exitCode, detail(run)).toBe(1);
    expect(results.users.map((u) => u.status)).toEqual(['done', 'done', 'done', 'failed', 'done', 'done']);
    expect(results).toMatchObject({ outcome: 'completed' });
    expect(results).not.toHaveProperty('stoppedBy');
    expect(run.summary.split('\n')[0]).toBe('## Offboarding');
    expect(run.summary).toContain('breakers: canary 3, failure threshold 25 %'.replace(/:/g, '&#58;'));
    for (const sam of ['jdoe', 'jsmith', 'sobrien', 'zangstrom', 'noexpire']) expect(uacOf(after, sam) & 0x2, sam).toBe(0x2);

    // Every request the steps sent about the canary users came before the first about anyone else.
    const log = (await control.log()).entries;
    const times = (keys: string[]) => keys.flatMap((key) => stepRequestsAbout(log, after, key).map((e) => Date.parse(e.at)));
    const canary = times(['jdoe', 'jsmith', 'sobrien']);
    const rest = times(['zangstrom', 'noexpire']);
    expect(canary.length).toBeGreaterThanOrEqual(3 * 3);
    expect(rest.length).toBeGreaterThanOrEqual(2 * 3);
    expect(Math.max(...canary)).toBeLessThanOrEqual(Math.min(...rest));
  }, 240_000);
});

describe('failure threshold', () => {
  it('with 40 leavers of whom every second fails, stops after the 20th finished user and records all 40', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0')).flatMap((n) => [`staff${n}`, `locked${n}`]);
    const before = await servers();
    // AD only and one step: the run is cheap, and what fails is the write the threshold counts.
    const ad = Object.fromEntries(Object.entries(stackActionInputs(facts)).filter(([name]) => name.startsWith('ldap-') || name === 'github-token'));
    const run = await apply(rows(keys), { ...ad, 'tenant-id': '', 'client-id': '', certificate: '', steps: 'ad-disable', 'max-users': '40' });
    const after = await servers();
    const results = run.results;
    expect(results, detail(run)).toBeDefined();
    if (!results) return;
    expect(run.exitCode, detail(run)).toBe(1);
    expect(results.users).toHaveLength(40);
    const expected = keys.map((key, i) => (i >= 20 ? ['blocked', 'failure-threshold'] : key.startsWith('staff') ? ['done', undefined] : ['failed', undefined]));
    expect(results.users.map((u) => [u.status, reasonCode(u.reason)])).toEqual(expected);
    for (const user of results.users.slice(20)) {
      expect(user.reason).toBe('failure-threshold: 10 of 20 finished users failed (50 %), more than failure-threshold 25 %; not started');
      expect(user.steps).toEqual([{ step: 'ad-disable', status: 'blocked', reason: user.reason }]);
    }
    expect(results).toMatchObject({ outcome: 'failed', stoppedBy: 'failure-threshold' });
    expect(results.error).toContain('Failure threshold: 10 of 20 finished users failed (50 %), more than failure-threshold 25 %. The other 20 users were not started');
    expect(run.outputs).toMatchObject({ selected: '40', changed: '10', failed: '10' });
    expect(run.summary.split('\n')[0]).toBe('## Offboarding — stopped by the failure threshold');

    // The ten done are disabled; nobody else in the directory changed.
    const done = keys.slice(0, 20).filter((key) => key.startsWith('staff'));
    for (const sam of done) expect(uacOf(after, sam) & 0x2, sam).toBe(0x2);
    expect(without(after, done)).toEqual(without(before, done));
  }, 240_000);
});
