// The Entra steps (disable, revoke, block, licences) run by the engine against the simulator, asserting on its state and log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { Connectors, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Person, StepName, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { entraBlock } from '../../src/steps/entra-block.js';
import { entraDisable } from '../../src/steps/entra-disable.js';
import { entraRevoke } from '../../src/steps/entra-revoke.js';
import { licenses } from '../../src/steps/licenses.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import type { Step } from '../../src/steps/types.js';
import { baseFixture, SKU_E3, SKU_EMS, type Fixture } from '../stack/fixture.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const BLOCK_GROUP = { id: '2d6f0b51-7c8e-4a1b-9f00-0c9a5b3e7d42', displayName: 'Offboarding Block' };

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  fixture.people.push(
    {
      key: 'shared',
      givenName: 'Sam',
      surname: 'Shared',
      displayName: 'Sam Shared',
      userPrincipalName: 'sam.shared@contoso.test',
      mail: 'sam.shared@contoso.test',
      cloud: { synced: false, mailbox: 'SharedMailbox', licenses: [SKU_E3] },
    },
    {
      key: 'nomail',
      givenName: 'Nia',
      surname: 'Mailless',
      displayName: 'Nia Mailless',
      userPrincipalName: 'nia.mailless@contoso.test',
      mail: 'nia.mailless@contoso.test',
      cloud: { synced: false, mailbox: null, licenses: [SKU_E3] },
    },
    {
      key: 'grouponly',
      givenName: 'Gus',
      surname: 'Grouped',
      displayName: 'Gus Grouped',
      userPrincipalName: 'gus.grouped@contoso.test',
      mail: 'gus.grouped@contoso.test',
      cloud: { synced: false, licenses: [], groupLicenses: [SKU_EMS] },
    },
  );
  return fixture;
}
const fixture = tenantFixture();
const upn = (key: string): string => {
  const found = fixture.people.find((p) => p.key === key);
  if (!found) throw new Error(`no fixture person ${key}`);
  return found.userPrincipalName;
};

const opened: GraphApi[] = [];
let exchange: PowerShellService | undefined;

function graphApi(): GraphApi {
  const entra = entraInputs(facts);
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  opened.push(graph);
  return graph;
}

function inputs(mode: Mode, steps: StepName[], blockGroup?: string): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps,
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
    mailboxAutomapping: false,
    blockGroup,
  };
}

/** Resolves the leavers by UPN (as the resolve stage does) and runs the steps over them with the engine. */
async function run(
  keys: string[],
  steps: Step[],
  options: { mode?: Mode; blockGroup?: string; graph?: GraphApi; connectors?: Omit<Connectors, 'graph'> } = {},
): Promise<UserResult[]> {
  const graph = options.graph ?? graphApi();
  const found = await findEntraUsers(graph, keys.map((key) => ({ userPrincipalName: upn(key) })));
  const people: Person[] = keys.map((key, i) => ({
    request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName: upn(key) } },
    entra: found[i]?.[0],
    delegate: { source: 'none' },
  }));
  const mode = options.mode ?? 'apply';
  return runEngine({
    people,
    steps,
    mode,
    inputs: inputs(mode, steps.map((s) => s.name), options.blockGroup),
    connectors: { graph, ...options.connectors },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 4,
  });
}

const stepOf = (result: UserResult | undefined, name: StepName) => result?.steps.find((s) => s.step === name);

async function simUser(key: string) {
  const user = (await control.state()).users.find((u) => u.key === key);
  if (!user) throw new Error(`no user ${key} in the simulator`);
  return user;
}

beforeAll(async () => {
  await control.load(fixture, {});
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all(opened.map((g) => g.close()));
  await exchange?.close();
});

describe('entra-disable and entra-revoke', () => {
  it('disables and revokes a cloud-only user', async () => {
    const [cloudy] = await run(['cloudy'], [entraDisable, entraRevoke]);
    expect(stepOf(cloudy, 'entra-disable')).toMatchObject({ status: 'done', before: { accountEnabled: true }, after: { accountEnabled: false }, verified: true });
    expect(stepOf(cloudy, 'entra-revoke')?.status).toBe('done');
    expect(stepOf(cloudy, 'entra-revoke')?.verified).toBeUndefined();
    const user = await simUser('cloudy');
    expect(user.accountEnabled).toBe(false);
    expect(user.revocations).toHaveLength(1);
  });

  it('skips entra-disable for a synced user without sending a PATCH, and still revokes', async () => {
    const [jdoe] = await run(['jdoe'], [entraDisable, entraRevoke]);
    expect(stepOf(jdoe, 'entra-disable')).toEqual({ step: 'entra-disable', status: 'skipped', reason: 'disabled through AD (synced from on-premises)' });
    expect(stepOf(jdoe, 'entra-revoke')?.status).toBe('done');
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'graph.patch.user')).toEqual([]);
    const user = await simUser('jdoe');
    expect(user.accountEnabled).toBe(true);
    expect(user.revocations).toHaveLength(1);
  });

  it('finds entra-disable unchanged on a second run, and revokes again (there is no state to compare)', async () => {
    await run(['cloudy'], [entraDisable, entraRevoke]);
    await control.clearLog();
    const [second] = await run(['cloudy'], [entraDisable, entraRevoke]);
    expect(stepOf(second, 'entra-disable')).toMatchObject({ status: 'unchanged', before: { accountEnabled: false } });
    expect(stepOf(second, 'entra-revoke')?.status).toBe('done');
    const log = await control.log();
    expect(log.counts['graph.patch.user'] ?? 0).toBe(0);
    expect((await simUser('cloudy')).revocations).toHaveLength(2);
  });

  it('changes nothing in plan mode', async () => {
    const results = await run(['cloudy', 'jdoe'], [entraDisable, entraRevoke], { mode: 'plan' });
    expect(results.map((r) => r.steps.map((s) => s.status))).toEqual([
      ['planned', 'planned'],
      ['skipped', 'planned'],
    ]);
    const log = await control.log();
    expect(log.entries.filter((e) => e.method !== 'GET' && e.op !== 'token' && e.op !== 'graph.batch')).toEqual([]);
    expect((await simUser('cloudy')).accountEnabled).toBe(true);
  });

  it("records Graph's error code and request id when the app may not disable users", async () => {
    const certificatePem = parseCertificate(sim.certificatePem).certPem;
    await control.apps([
      { clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: OFFBOARD_ROLES.filter((r) => r !== 'User.EnableDisableAccount.All') },
    ]);
    try {
      const [cloudy] = await run(['cloudy'], [entraDisable, entraRevoke]);
      const disable = stepOf(cloudy, 'entra-disable');
      expect(disable?.status).toBe('failed');
      expect(disable?.error?.code).toBe('Authorization_RequestDenied');
      expect(disable?.error?.message).toContain('User.EnableDisableAccount.All');
      const log = await control.log();
      const patch = log.entries.find((e) => e.op === 'graph.patch.user');
      expect(disable?.error?.requestId).toBe(patch?.requestId);
      expect(stepOf(cloudy, 'entra-revoke')?.status).toBe('done');
      expect((await simUser('cloudy')).accountEnabled).toBe(true);
    } finally {
      await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: OFFBOARD_ROLES }]);
    }
  });
});

describe('entra-block', () => {
  const members = async (): Promise<string[]> => (await control.state()).groups.find((g) => g.id === BLOCK_GROUP.id)?.members ?? [];

  it('adds leavers to the block group named by display name, finding the group once per run', async () => {
    const results = await run(['cloudy', 'jdoe', 'jsmith'], [entraBlock], { blockGroup: BLOCK_GROUP.displayName });
    expect(results.map((r) => [stepOf(r, 'entra-block')?.status, stepOf(r, 'entra-block')?.verified])).toEqual([['done', true], ['done', true], ['done', true]]);
    expect(stepOf(results[0], 'entra-block')?.before).toEqual({ blockGroup: BLOCK_GROUP, member: false });
    const ids = await Promise.all(['cloudy', 'jdoe', 'jsmith'].map(async (k) => (await simUser(k)).id));
    expect((await members()).sort()).toEqual([...ids].sort());
    const log = await control.log();
    expect(log.counts['graph.list.groups']).toBe(1);
    expect(log.counts['graph.list.groupMembers']).toBe(1);
    expect(log.counts['graph.post.groupMember']).toBe(3);
  });

  it('finds a leaver already in the group unchanged on the next run, with the group given by id', async () => {
    await run(['cloudy'], [entraBlock], { blockGroup: BLOCK_GROUP.displayName });
    await control.clearLog();
    const [again] = await run(['cloudy'], [entraBlock], { blockGroup: BLOCK_GROUP.id });
    expect(stepOf(again, 'entra-block')).toMatchObject({ status: 'unchanged', before: { blockGroup: BLOCK_GROUP, member: true } });
    const log = await control.log();
    expect(log.counts['graph.post.groupMember'] ?? 0).toBe(0);
    expect(log.counts['graph.get.group']).toBe(1);
    expect(await members()).toEqual([(await simUser('cloudy')).id]);
  });

  it('fails with a clear message when the block group does not exist', async () => {
    const [cloudy] = await run(['cloudy'], [entraBlock], { blockGroup: "Nobody's Group" });
    expect(stepOf(cloudy, 'entra-block')).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/block-group "Nobody's Group" was not found/) } });
    expect(await members()).toEqual([]);
  });
});

describe('licenses', () => {
  it('is blocked when neither mailbox-shared nor Exchange can confirm the mailbox is shared', async () => {
    const [cloudy] = await run(['cloudy'], [licenses]);
    expect(stepOf(cloudy, 'licenses')).toMatchObject({ status: 'blocked', reason: expect.stringContaining('cannot confirm the mailbox is shared') });
    expect((await simUser('cloudy')).licenses.filter((l) => l.assignedByGroup === null).map((l) => l.skuId)).toEqual([SKU_E3]);
  });

  it('finds a user with only group licences unchanged', async () => {
    const [grouponly] = await run(['grouponly'], [licenses]);
    expect(stepOf(grouponly, 'licenses')).toMatchObject({ status: 'unchanged', before: { directLicenses: [] } });
  });

  describe('with Exchange Online', () => {
    beforeAll(() => {
      exchange = psService(facts, 'exchange', { sessions: 1 });
    });

    it('removes the direct licence once mailbox-shared has converted the mailbox, and keeps the group licence', async () => {
      const [cloudy] = await run(['cloudy'], [mailboxShared, licenses], { connectors: { exchange } });
      expect(stepOf(cloudy, 'mailbox-shared')).toMatchObject({ status: 'done', verified: true });
      expect(stepOf(cloudy, 'licenses')).toMatchObject({ status: 'done', before: { directLicenses: [SKU_E3] }, after: { directLicenses: [] }, verified: true });
      const user = await simUser('cloudy');
      expect(user.licenses).toEqual([{ skuId: SKU_EMS, assignedByGroup: expect.any(String) }]);
      const state = await control.state();
      expect(state.mailboxes.find((m) => m.userId === user.id)?.recipientTypeDetails).toBe('SharedMailbox');
    });

    it('reads the mailbox from Exchange when mailbox-shared is not enabled: shared or absent is fine, a user mailbox blocks', async () => {
      const results = await run(['shared', 'nomail', 'jdoe'], [licenses], { connectors: { exchange } });
      expect(results.map((r) => stepOf(r, 'licenses')?.status)).toEqual(['done', 'done', 'blocked']);
      // jdoe is synced from AD: the conversion is on-premises, which the reason says.
      expect(stepOf(results[2], 'licenses')?.reason).toMatch(/UserMailbox.*synced from AD, so the mailbox is converted on-premises \(mailbox-shared\) first/);
      expect((await simUser('shared')).licenses).toEqual([]);
      expect((await simUser('nomail')).licenses).toEqual([]);
      expect((await simUser('jdoe')).licenses.map((l) => l.skuId)).toEqual([SKU_E3]);
    });

    it('takes "no mailbox" from mailbox-shared without asking Exchange again, and removes the licence', async () => {
      const [nomail] = await run(['nomail'], [mailboxShared, licenses], { connectors: { exchange } });
      expect(stepOf(nomail, 'mailbox-shared')).toMatchObject({ status: 'skipped', reason: 'no mailbox' });
      expect(stepOf(nomail, 'licenses')).toMatchObject({ status: 'done', before: { directLicenses: [SKU_E3], mailbox: 'absent' }, verified: true });
      expect((await simUser('nomail')).licenses).toEqual([]);
      expect((await control.log()).counts['exo.cmdlet.Get-EXOMailbox']).toBe(1);
    });

    it('plans the licence removal when mailbox-shared plans the conversion', async () => {
      const [cloudy] = await run(['cloudy'], [mailboxShared, licenses], { mode: 'plan', connectors: { exchange } });
      expect(cloudy?.steps.map((s) => s.status)).toEqual(['planned', 'planned']);
      expect((await simUser('cloudy')).licenses.filter((l) => l.assignedByGroup === null)).toHaveLength(1);
    });
  });
});
