// The bundled action against the stack, its results files compared with committed ones: a refactor changes nothing a
// reader of the record would see. `UPDATE_GOLDEN=1` rewrites the files under test/e2e/golden/ from the current bundle.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { STEP_ORDER } from '../../src/steps/index.js';
import { CONTRACT_CASES, uncovered } from '../contract/index.js';
import { EVERY_STEP_ROLES, stackApps } from '../helpers/app-roles.js';
import { loadStackTenant, SimulatorControl, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from './run-action.js';

const GOLDEN_DIR = path.resolve(import.meta.dirname, 'golden');
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/offboarding');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const facts = stackFacts();
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const DEMO_STEPS = 'ad-disable, ad-stamp, entra-disable, entra-revoke, mailbox-access, onedrive-access';
/** Every step of the step list, so that a new step joins the golden runs (and their contract coverage) at once. */
const ALL_STEPS = STEP_ORDER.join(', ');
/** The inputs every step needs besides the connection: the group entra-block uses, the texts rename and mailbox-autoreply write. */
const ALL_STEP_INPUTS = {
  steps: ALL_STEPS,
  'block-group': 'Offboarding Block',
  'display-name-format': 'zz {displayName} (left {effectiveDate})',
  'autoreply-message': '{displayName} has left. Please write to {delegateName} at {delegateMail}.',
};

/** An action run takes seconds alone, much longer on a loaded machine; the rerun scenario runs the action twice. */
const TIMEOUT_MS = 600_000;

const workspaces: string[] = [];

/** The signature of every call the action made in these scenarios (the simulator's request log). */
const signatures = new Set<string>();
const control = new SimulatorControl(facts.simulator.url);

/** A workspace holding the demo's CSVs where the example workflows keep them, or one given leavers CSV. */
function workspace(leavers?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'golden-workspace-'));
  workspaces.push(dir);
  mkdirSync(path.join(dir, 'offboarding'));
  mkdirSync(path.join(dir, 'hr'));
  if (leavers === undefined) {
    copyFileSync(path.join(EXAMPLES, 'leavers.csv'), path.join(dir, 'offboarding', 'leavers.csv'));
  } else {
    writeFileSync(path.join(dir, 'offboarding', 'leavers.csv'), leavers);
  }
  copyFileSync(path.join(EXAMPLES, 'roster.csv'), path.join(dir, 'hr', 'roster.csv'));
  return dir;
}

const without = (inputs: Record<string, string>, names: string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(inputs).filter(([name]) => !names.includes(name)));

/** A run of every step, by an app holding the permissions of every step; the stack's own app afterwards. */
async function runEveryStep(dir: string, inputs: Record<string, string>): Promise<ActionRun> {
  await control.apps(stackApps(facts, EVERY_STEP_ROLES));
  try {
    return await run(dir, { ...inputs, ...ALL_STEP_INPUTS });
  } finally {
    await control.apps(stackApps(facts));
  }
}

async function run(dir: string, inputs: Record<string, string>): Promise<ActionRun> {
  await control.clearLog();
  const result = await runAction({
    workspace: dir,
    inputs: { csv: 'offboarding/*.csv', roster: 'hr/roster.csv', select: 'all', ...inputs },
    eventName: 'workflow_dispatch',
    payload: { inputs: {}, ref: 'refs/heads/main', repository },
    env: stackActionEnv(facts),
  });
  for (const entry of (await control.log()).entries) signatures.add(entry.signature ?? `${entry.op} (no signature)`);
  return result;
}

/**
 * The record with what differs from one run to the next replaced: the run's start and end, and the moments the
 * servers stamp (a revocation time, the date in the AD description). Everything else, order included, must match.
 */
function normalise(run: ActionRun): unknown {
  const today = new Date().toISOString().slice(0, 10);
  const moment = new RegExp(`${today}T\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z`, 'g');
  const walk = (value: unknown, key?: string): unknown => {
    if ((key === 'startedAt' || key === 'finishedAt') && typeof value === 'string') return '<time>';
    // Samba makes a new objectGUID for each account every time the stack starts; its form stays checked.
    if (key === 'objectGuid' && typeof value === 'string') return value.replace(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/, '<objectGUID>');
    // Samba stamps pwdLastSet (ad-password's before) when the fixture sets the password: a FILETIME, its form checked.
    if (key === 'pwdLastSet' && typeof value === 'string') return value.replace(/^\d{18}$/, '<FILETIME>');
    if (typeof value === 'string') return value.replace(moment, '<now>').split(today).join('<today>');
    if (Array.isArray(value)) return value.map((item) => walk(item));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  const { selected, changed, unchanged, failed } = run.outputs;
  return walk({ exitCode: run.exitCode, outputs: { selected, changed, unchanged, failed }, results: run.results ?? null });
}

function compareWithGolden(name: string, run: ActionRun): void {
  const file = path.join(GOLDEN_DIR, `${name}.json`);
  const actual = `${JSON.stringify(normalise(run), null, 2)}\n`;
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  // A missing file fails: goldens come only from an explicit update.
  expect(existsSync(file), `${path.relative(process.cwd(), file)} is missing: run with UPDATE_GOLDEN=1 to write it`).toBe(true);
  expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

beforeEach(async () => {
  await loadStackTenant(facts, baseFixture());
}, 300_000);

afterAll(async () => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
}, 300_000);

describe('the bundled action writes the same results files as before', () => {
  it('plans the demo CSV with the demo steps', async () => {
    compareWithGolden('demo-plan', await run(workspace(), { ...stackActionInputs(facts), mode: 'plan', steps: DEMO_STEPS }));
  }, TIMEOUT_MS);

  it('applies the demo CSV with the demo steps', async () => {
    compareWithGolden('demo-apply', await run(workspace(), { ...stackActionInputs(facts), mode: 'apply', steps: DEMO_STEPS }));
  }, TIMEOUT_MS);

  it('applies every step, optional ones included', async () => {
    compareWithGolden('all-steps-apply', await runEveryStep(workspace(), { ...stackActionInputs(facts), mode: 'apply' }));
  }, TIMEOUT_MS);

  it('applies the default steps again to leavers already offboarded', async () => {
    const dir = workspace();
    await run(dir, { ...stackActionInputs(facts), mode: 'apply' });
    compareWithGolden('default-steps-rerun', await run(dir, { ...stackActionInputs(facts), mode: 'apply' }));
  }, TIMEOUT_MS);

  it('plans the lines of the users input of a manual run', async () => {
    const users = 'jsmith\r\nsean.obrien@contoso.test, 2026-11-01, cfo@contoso.test\n# a comment\n\n  chloe.nuage@contoso.test ,,\n';
    compareWithGolden('users-input-plan', await run(workspace(), { ...stackActionInputs(facts), mode: 'plan', users }));
  }, TIMEOUT_MS);

  it('changes nothing when a row is bad', async () => {
    const leavers = 'userPrincipalName,effective\njdoe@contoso.test,2026-11-20\nsmith@contoso.test,03/04/2026\n';
    compareWithGolden('bad-row', await run(workspace(leavers), { ...stackActionInputs(facts), mode: 'apply' }));
  }, TIMEOUT_MS);

  it('applies every step with only Microsoft 365 configured', async () => {
    const ad = ['ldap-url', 'ldap-bind-dn', 'ldap-password', 'ldap-base-dn', 'ldap-ca'];
    compareWithGolden('cloud-only-apply', await runEveryStep(workspace(), { ...without(stackActionInputs(facts), ad), mode: 'apply' }));
  }, TIMEOUT_MS);

  it('applies every step with only AD configured', async () => {
    const cloud = ['tenant-id', 'client-id', 'certificate', 'organization', 'sharepoint-admin-url', 'authority-host', 'graph-endpoint', 'pwsh'];
    compareWithGolden('ad-only-apply', await runEveryStep(workspace(), { ...without(stackActionInputs(facts), cloud), mode: 'apply' }));
  }, TIMEOUT_MS);

  it('every call the action made has a contract case', () => {
    // Run alone (-t), no scenario would have called anything: that proves nothing, so it fails.
    expect(signatures.size, 'no scenario ran before this test').toBeGreaterThan(0);
    expect(uncovered([...signatures], CONTRACT_CASES), `calls without a contract case in test/contract/ (see its README):\n${[...signatures].sort().join('\n')}`).toEqual([]);
  });
});
