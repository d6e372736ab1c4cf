// The planner identity (read-only app, read-only LDAP account) and the write identity, told apart in preflight by the bundled action.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { baseFixture } from '../stack/fixture.js';
import { OFFBOARD_ROLES, PLANNER_ROLES } from '../stack/stack.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotDirectory, stackFacts, stackLdapInputs } from '../helpers/stack.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const certificatePem = parseCertificate(sim.certificatePem).certPem;
// Every step that a planner can read for without SharePoint, whose site collection admins the stack serves only to
// Sites.FullControl.All.
const STEPS = 'ad-disable, ad-stamp, entra-disable, entra-revoke, mailbox-access, mailbox-shared, licenses';
const LEAVERS = 'userPrincipalName\njdoe@contoso.test\nsean.obrien@contoso.test\nchloe.nuage@contoso.test\n';
const PAYLOAD = { inputs: {}, ref: 'refs/heads/main', repository: { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' } };

const planner = { 'client-id': sim.plannerClientId, 'ldap-bind-dn': facts.ldap.plannerBindDn, 'ldap-password': facts.ldap.plannerPassword };
const plannerApp = { 'client-id': sim.plannerClientId };
const plannerLdap = { 'ldap-bind-dn': facts.ldap.plannerBindDn, 'ldap-password': facts.ldap.plannerPassword };

async function offboard(mode: 'plan' | 'apply', identity: Record<string, string>): Promise<ActionRun> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'identity-workspace-'));
  try {
    mkdirSync(path.join(workspace, 'offboarding'));
    writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), LEAVERS);
    const run = await runAction({
      workspace,
      inputs: { mode, select: 'all', steps: STEPS, ...stackActionInputs(facts), ...identity },
      eventName: 'workflow_dispatch',
      payload: PAYLOAD,
      env: stackActionEnv(facts),
      timeoutMs: 150_000,
    });
    rmSync(run.runnerTemp, { recursive: true, force: true });
    return run;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

const stateOfBoth = async () => ({ directory: await snapshotDirectory(facts), sim: await control.state() });

beforeAll(async () => {
  await control.apps([
    { clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: OFFBOARD_ROLES },
    { clientId: sim.plannerClientId, displayName: 'm365-offboard-plan', certificatesPem: [certificatePem], roles: PLANNER_ROLES },
  ]);
  await loadStackTenant(facts, baseFixture());
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
});

afterAll(async () => {
  await control.apps([
    { clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: OFFBOARD_ROLES },
    { clientId: sim.plannerClientId, displayName: 'm365-offboard-plan', certificatesPem: [certificatePem], roles: PLANNER_ROLES },
  ]);
});

describe("the DC's allowedAttributesEffective", () => {
  it('lists the delegated attributes for the write account and none for the planner, on the same leaver', async () => {
    const jdoe = 'CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test';
    const read = async (bind: { bindDn: string; password: string }): Promise<string[]> => {
      const ad = createAdDirectory({ ...stackLdapInputs(facts), ...bind });
      try {
        return (await ad.writableAttributes(jdoe)).sort();
      } finally {
        await ad.close();
      }
    };
    expect(await read({ bindDn: facts.ldap.bindDn, password: facts.ldap.bindPassword })).toEqual(
      expect.arrayContaining(['description', 'msExchHideFromAddressLists', 'msExchRecipientTypeDetails', 'msExchRemoteRecipientType', 'userAccountControl']),
    );
    expect(await read({ bindDn: facts.ldap.plannerBindDn, password: facts.ldap.plannerPassword })).toEqual([]);
  });
});

describe('the planner identity', () => {
  it('plans with read permissions only: preflight names it a plan identity and every step is observed', async () => {
    const before = await stateOfBoth();
    const run = await offboard('plan', planner);
    expect(run.stdout).toContain(`✅ Entra: app ${sim.plannerClientId} is a plan identity (read rights only)`);
    expect(run.stdout).toContain(`✅ AD: ${facts.ldap.plannerBindDn} is a plan identity (read rights only) — on the leavers in OU=Staff,DC=corp,DC=contoso,DC=test`);
    expect(run.stdout).not.toContain('❌');
    expect(run.exitCode).toBe(0);
    const jdoe = run.results?.users.find((user) => user.request.userPrincipalName === 'jdoe@contoso.test');
    expect(Object.fromEntries((jdoe?.steps ?? []).map((step) => [step.step, step.status]))).toEqual({
      'ad-disable': 'planned',
      'ad-stamp': 'planned',
      'entra-disable': 'skipped',
      'entra-revoke': 'planned',
      'mailbox-access': 'planned',
      'mailbox-shared': 'planned',
      licenses: 'blocked',
    });
    expect(run.results?.users.every((user) => user.steps.every((step) => step.status !== 'failed'))).toBe(true);
    expect(await stateOfBoth()).toEqual(before);
  });

  it('is refused for apply when the app holds read permissions only, before any change', async () => {
    const before = await stateOfBoth();
    const run = await offboard('apply', plannerApp);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`❌ Entra: app ${sim.plannerClientId} is a plan identity (read rights only): mode apply is refused`);
    expect(run.results?.outcome).toBe('failed');
    // Every step stays as it was before the run began: blocked, never started.
    expect(new Set(run.results?.users.flatMap((user) => user.steps.map((step) => step.status)))).toEqual(new Set(['blocked']));
    expect(await stateOfBoth()).toEqual(before);
  });

  it('is refused for apply when the LDAP account may write none of the attributes, before the Entra steps change anyone', async () => {
    const before = await stateOfBoth();
    const run = await offboard('apply', plannerLdap);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      `❌ AD: ${facts.ldap.plannerBindDn} is a plan identity (read rights only): mode apply is refused — on the leavers in OU=Staff,DC=corp,DC=contoso,DC=test`,
    );
    expect(run.stdout).toContain(`✅ Entra: app ${sim.clientId} may write — entra-disable, entra-revoke, licenses`);
    expect(await stateOfBoth()).toEqual(before);
  });
});

describe('the write identity', () => {
  it('may plan, and preflight says a planner identity would do', async () => {
    const before = await stateOfBoth();
    const run = await offboard('plan', {});
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`✅ Entra: app ${sim.clientId} may write (entra-disable, entra-revoke, licenses), more than a plan needs`);
    expect(run.stdout).toContain(`::notice::Entra: this plan ran with the write identity app ${sim.clientId}; a plan needs only read rights`);
    expect(run.stdout).toContain(`::notice::AD: this plan ran with the write identity ${facts.ldap.bindDn}; a plan needs only read rights`);
    expect(run.stdout).toMatch(
      new RegExp(`✅ AD: ${facts.ldap.bindDn} may write \\(userAccountControl, description, msExchRemoteRecipientType, msExchRecipientTypeDetails\\), more than a plan needs — a plan needs only read rights`),
    );
    expect(await stateOfBoth()).toEqual(before);
  });
});
