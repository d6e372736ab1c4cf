// Read-back: a write the service accepts and silently loses leaves the step failed with not-verified, never done.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Person, StepName, StepResult, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { entraBlock } from '../../src/steps/entra-block.js';
import { entraDisable } from '../../src/steps/entra-disable.js';
import { entraRevoke } from '../../src/steps/entra-revoke.js';
import { licenses } from '../../src/steps/licenses.js';
import { mailboxAccess } from '../../src/steps/mailbox-access.js';
import { mailboxHide } from '../../src/steps/mailbox-hide.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import { onedriveAccess } from '../../src/steps/onedrive-access.js';
import type { Step } from '../../src/steps/types.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import type { FaultConfig } from '../stack/simulator/types.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const BLOCK_GROUP = '2d6f0b51-7c8e-4a1b-9f00-0c9a5b3e7d42';
const DELEGATE = 'salesvp@contoso.test';
/** The leaver whose write is dropped, and one whose writes all land. */
const ANN = 'ann.akerlund@contoso.test';
const BO = 'bo.nygard@contoso.test';

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  for (const [key, givenName, surname, upn] of [
    ['ann', 'Ann', 'Åkerlund', ANN],
    ['bo', 'Bo', 'Nygård', BO],
  ] as const) {
    fixture.people.push({ key, givenName, surname, displayName: `${givenName} ${surname}`, userPrincipalName: upn, mail: upn, cloud: { synced: false, licenses: [SKU_E3] } });
  }
  return fixture;
}

let graph: GraphApi;
let exchange: PowerShellService;
let sharepoint: PowerShellService;

function inputs(mode: Mode, steps: Step[]): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: steps.map((s) => s.name),
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
    mailboxAutomapping: false,
    blockGroup: BLOCK_GROUP,
  };
}

/** Ann and Bo through the steps with the engine, the delegate given in the row. */
async function run(steps: Step[], mode: Mode = 'apply'): Promise<Record<'ann' | 'bo', UserResult>> {
  const upns = [ANN, BO];
  const found = await findEntraUsers(graph, upns.map((userPrincipalName) => ({ userPrincipalName })));
  const people: Person[] = upns.map((userPrincipalName, i) => ({
    request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName } },
    entra: found[i]?.[0],
    delegate: { userPrincipalName: DELEGATE, source: 'csv' },
  }));
  const [ann, bo] = await runEngine({
    people,
    steps,
    mode,
    inputs: inputs(mode, steps),
    connectors: { graph, exchange, sharepoint },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 2,
    // A dropped write never shows: no waiting for a replica to catch up.
    readBackDelaysMs: [],
  });
  return { ann, bo };
}

const step = (result: UserResult, name: StepName): StepResult | undefined => result.steps.find((s) => s.step === name);

/** Each step's status, with `verified` when the record carries it and the error code when it failed. */
const outcomes = (result: UserResult): Record<string, string> =>
  Object.fromEntries(result.steps.map((s) => [s.step, `${s.status}${s.verified ? ' verified' : ''}${s.error?.code ? ` ${s.error.code}` : ''}`]));

async function dropping(drop: FaultConfig['drop']): Promise<void> {
  await control.faults({ drop });
}

async function simUser(upn: string) {
  const user = (await control.state()).users.find((u) => u.userPrincipalName === upn);
  if (!user) throw new Error(`no user ${upn} in the simulator`);
  return user;
}

beforeAll(async () => {
  await control.load(tenantFixture(), {});
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange', { sessions: 1 });
  sharepoint = psService(facts, 'sharepoint', { sessions: 1 });
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await control.clearFaults();
  await Promise.all([graph.close(), exchange.close(), sharepoint.close()]);
});

describe('read-back after every change', () => {
  it('records every done step with state as verified, and entra-revoke without it', async () => {
    const steps = [entraDisable, entraBlock, entraRevoke, mailboxAccess, onedriveAccess, mailboxShared, mailboxHide, licenses];
    const { ann, bo } = await run(steps);
    const expected = {
      'entra-disable': 'done verified',
      'entra-block': 'done verified',
      'entra-revoke': 'done',
      'mailbox-access': 'done verified',
      'onedrive-access': 'done verified',
      'mailbox-shared': 'done verified',
      'mailbox-hide': 'done verified',
      licenses: 'done verified',
    };
    expect(outcomes(ann)).toEqual(expected);
    expect(outcomes(bo)).toEqual(expected);
    expect(step(ann, 'entra-revoke')).not.toHaveProperty('verified');
  });

  it('costs one read per leaver and step: a $batch item for Graph, one cmdlet for Exchange and SharePoint, nothing else', async () => {
    const steps = [entraDisable, entraBlock, mailboxAccess, onedriveAccess, mailboxShared, mailboxHide, licenses];
    /** The simulator's operations for a run of the steps from the fixture's state. */
    const operations = async (list: Step[]): Promise<{ counts: Record<string, number>; batches: number }> => {
      await control.reset();
      await control.clearLog();
      await run(list);
      const log = await control.log();
      return { counts: log.counts, batches: log.counts['graph.batch'] ?? 0 };
    };
    const checked = await operations(steps);
    // The same steps with their read-back turned off, as entra-revoke's is.
    const unchecked = await operations(steps.map((s) => ({ ...s, readBack: false as const })));
    const added = Object.fromEntries(
      [...new Set([...Object.keys(checked.counts), ...Object.keys(unchecked.counts)])]
        .filter((op) => op !== 'graph.batch' && op !== 'token')
        .map((op) => [op, (checked.counts[op] ?? 0) - (unchecked.counts[op] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    // Two leavers: entra-disable and licenses read the user, entra-block checks the group, mailbox-access reads the
    // permission, mailbox-shared and mailbox-hide the mailbox, onedrive-access the site's admins. No connect, no write.
    expect(added).toEqual({
      'graph.get.user': 2 * 2,
      'graph.post.checkMemberGroups': 2,
      'exo.cmdlet.Get-MailboxPermission': 2,
      'exo.cmdlet.Get-EXOMailbox': 2 * 2,
      'spo.cmdlet.Get-PnPSiteCollectionAdmin': 2,
    });
    // Graph read-backs ride in $batch bodies: at most one more HTTP request per read-back, fewer when they share.
    expect(checked.batches - unchecked.batches).toBeLessThanOrEqual(2 * 3);
  });

  it('changes and reads nothing back in plan mode, and records no verified', async () => {
    const { ann } = await run([entraDisable, entraBlock, mailboxAccess], 'plan');
    expect(outcomes(ann)).toEqual({ 'entra-disable': 'planned', 'entra-block': 'planned', 'mailbox-access': 'planned' });
    const { entries } = await control.log();
    expect(entries.filter((e) => e.op === 'graph.post.checkMemberGroups' || e.op === 'graph.patch.user')).toEqual([]);
  });
});

describe('a write the service drops silently fails its step with not-verified', () => {
  it('Graph: a dropped PATCH of accountEnabled fails entra-disable; the other steps and leavers are done and verified', async () => {
    await dropping({ ops: ['graph.patch.user'], users: [ANN] });
    const { ann, bo } = await run([entraDisable, entraBlock, entraRevoke]);
    expect(outcomes(ann)).toEqual({ 'entra-disable': 'failed not-verified', 'entra-block': 'done verified', 'entra-revoke': 'done' });
    expect(outcomes(bo)).toEqual({ 'entra-disable': 'done verified', 'entra-block': 'done verified', 'entra-revoke': 'done' });
    expect(step(ann, 'entra-disable')?.error?.message).toBe(
      'The server accepted the change, but reading it back does not show it: expected {"accountEnabled":false}, read {"accountEnabled":true}.',
    );
    // The simulator answered the PATCH as a success and kept the state: the lie the read-back exists for.
    const patches = (await control.log()).entries.filter((e) => e.op === 'graph.patch.user');
    expect(patches.map((e) => [e.user, e.status, e.fault])).toEqual(expect.arrayContaining([[ANN, 204, 'drop'], [BO, 204, undefined]]));
    expect((await simUser(ANN)).accountEnabled).toBe(true);
    expect((await simUser(BO)).accountEnabled).toBe(false);
  });

  it('Graph: a dropped add to the block group fails entra-block', async () => {
    await dropping({ ops: ['graph.post.groupMember'], users: [BO] });
    const { ann, bo } = await run([entraDisable, entraBlock]);
    expect(outcomes(ann)).toEqual({ 'entra-disable': 'done verified', 'entra-block': 'done verified' });
    expect(outcomes(bo)).toEqual({ 'entra-disable': 'done verified', 'entra-block': 'failed not-verified' });
    expect(step(bo, 'entra-block')?.error?.message).toContain('expected {"member":true}, read {"member":false}');
    const members = (await control.state()).groups.find((g) => g.id === BLOCK_GROUP)?.members;
    expect(members).toContain((await simUser(ANN)).id);
    expect(members).not.toContain((await simUser(BO)).id);
  });

  it('Graph: a dropped assignLicense fails licenses after the mailbox was converted', async () => {
    await dropping({ ops: ['graph.post.assignLicense'], users: [ANN] });
    const { ann, bo } = await run([mailboxShared, licenses]);
    expect(outcomes(ann)).toEqual({ 'mailbox-shared': 'done verified', licenses: 'failed not-verified' });
    expect(outcomes(bo)).toEqual({ 'mailbox-shared': 'done verified', licenses: 'done verified' });
    expect(step(ann, 'licenses')?.error?.message).toContain(`expected {"directLicenses":[]}, read {"directLicenses":["${SKU_E3}"]}`);
    expect((await simUser(ANN)).licenses.map((l) => l.skuId)).toEqual([SKU_E3]);
    expect((await simUser(BO)).licenses).toEqual([]);
  });

  it('Exchange: a dropped Add-MailboxPermission fails mailbox-access; the other steps and leavers are done and verified', async () => {
    await dropping({ ops: ['exo.cmdlet.Add-MailboxPermission'], users: [ANN] });
    const { ann, bo } = await run([mailboxAccess, mailboxShared, mailboxHide]);
    expect(outcomes(ann)).toEqual({ 'mailbox-access': 'failed not-verified', 'mailbox-shared': 'done verified', 'mailbox-hide': 'done verified' });
    expect(outcomes(bo)).toEqual({ 'mailbox-access': 'done verified', 'mailbox-shared': 'done verified', 'mailbox-hide': 'done verified' });
    expect(step(ann, 'mailbox-access')?.error?.message).toContain('expected {"fullAccess":true}, read {"fullAccess":false}');
    const mailboxes = (await control.state()).mailboxes;
    expect(mailboxes.find((m) => m.userPrincipalName === ANN)?.permissions).toEqual([]);
    expect(mailboxes.find((m) => m.userPrincipalName === BO)?.permissions.map((p) => p.user)).toEqual([DELEGATE]);
  });

  it('Exchange: a dropped Set-Mailbox fails mailbox-shared and mailbox-hide, and licenses stays blocked', async () => {
    await dropping({ ops: ['exo.cmdlet.Set-Mailbox'], users: [BO] });
    const { ann, bo } = await run([mailboxShared, mailboxHide, licenses]);
    expect(outcomes(ann)).toEqual({ 'mailbox-shared': 'done verified', 'mailbox-hide': 'done verified', licenses: 'done verified' });
    expect(outcomes(bo)).toEqual({ 'mailbox-shared': 'failed not-verified', 'mailbox-hide': 'failed not-verified', licenses: 'blocked' });
    expect(step(bo, 'mailbox-shared')?.error?.message).toContain('expected {"recipientTypeDetails":"SharedMailbox"}, read {"recipientTypeDetails":"UserMailbox"}');
    const bos = (await control.state()).mailboxes.find((m) => m.userPrincipalName === BO);
    expect(bos).toMatchObject({ recipientTypeDetails: 'UserMailbox', hiddenFromAddressListsEnabled: false });
    expect((await simUser(BO)).licenses.map((l) => l.skuId)).toEqual([SKU_E3]);
  });

  it('SharePoint: a dropped Set-PnPTenantSite -Owners fails onedrive-access; the other leaver is done and verified', async () => {
    await dropping({ ops: ['spo.cmdlet.Set-PnPTenantSite'], users: [ANN] });
    const { ann, bo } = await run([onedriveAccess, mailboxAccess]);
    expect(outcomes(ann)).toEqual({ 'onedrive-access': 'failed not-verified', 'mailbox-access': 'done verified' });
    expect(outcomes(bo)).toEqual({ 'onedrive-access': 'done verified', 'mailbox-access': 'done verified' });
    expect(step(ann, 'onedrive-access')?.error?.message).toContain('expected {"siteCollectionAdmin":true}, read {"siteCollectionAdmin":false}');
    const sites = (await control.state()).sites;
    expect(sites.find((s) => s.owner === ANN)?.admins).toEqual([ANN]);
    expect(sites.find((s) => s.owner === BO)?.admins).toEqual([BO, DELEGATE]);
  });
});
