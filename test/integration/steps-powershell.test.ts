// The mailbox and OneDrive steps with real pwsh, the stand-in modules, the simulator and the Samba DC, asserting on their state.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { Connectors, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { EntraUser, Person } from '../../src/model.js';
import { mailboxAccess } from '../../src/steps/mailbox-access.js';
import { mailboxHide } from '../../src/steps/mailbox-hide.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import { onedriveAccess } from '../../src/steps/onedrive-access.js';
import type { ApplyOutcome, Decision, Step, StepContext } from '../../src/steps/types.js';
import { runEngine } from '../../src/engine.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import type { SimUserState } from '../stack/simulator/types.js';
import { loadStackTenant } from '../stack/stack.js';
import { entraInputs, INJECTION_CORPUS, psService, workerProcesses } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);
const SALESVP = 'salesvp@contoso.test';

let graph: GraphApi;
let exchange: PowerShellService;
let sharepoint: PowerShellService;

function inputs(): Inputs {
  const entra = entraInputs(facts);
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: ['mailbox-access', 'onedrive-access', 'mailbox-shared', 'mailbox-hide'],
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra,
    pwsh: facts.pwsh,
    powershellSessions: 2,
    mailboxAutomapping: false,
  };
}

function entraUser(u: SimUserState): EntraUser {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail ?? undefined,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
    directLicenses: [],
    directoryRoles: [],
  };
}

async function simUser(key: string): Promise<SimUserState> {
  const user = (await control.state()).users.find((u) => u.key === key);
  if (!user) throw new Error(`no user ${key} in the simulator`);
  return user;
}

function contextFor(person: Omit<Person, 'request'>, connectors: Connectors = { graph, exchange, sharepoint }): StepContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    person: {
      request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName: person.entra?.userPrincipalName } },
      ...person,
    },
    inputs: inputs(),
    connectors,
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    facts: {},
    shared: {
      once<T>(key: string, compute: () => Promise<T>): Promise<T> {
        if (!memo.has(key)) memo.set(key, compute());
        return memo.get(key) as Promise<T>;
      },
    },
  };
}

async function leaver(key: string, delegate?: string, connectors?: Connectors): Promise<StepContext> {
  const entra = entraUser(await simUser(key));
  return contextFor({ entra, delegate: delegate ? { userPrincipalName: delegate, source: 'csv' } : { source: 'none' } }, connectors);
}

/** Observes and, when there is a change, applies it: what the engine does in apply mode. */
async function run(step: Step, context: StepContext): Promise<{ decision: Decision; outcome?: ApplyOutcome }> {
  const decision = await step.observe(context);
  if (decision.kind !== 'change') return { decision };
  return { decision, outcome: (await decision.apply()) ?? {} };
}

async function state() {
  return control.state();
}

// A licensed cloud user whose OneDrive was not created yet: Graph answers 404 "User's mysite not found." for them,
// and 400 "Unable to retrieve user's mysite URL." for the unlicensed `nodrive` of the base fixture.
function tenantFixture(): Fixture {
  const fixture = baseFixture();
  fixture.people.push({
    key: 'unprovisioned',
    givenName: 'Una',
    surname: 'Provisioned',
    displayName: 'Una Provisioned',
    userPrincipalName: 'una.provisioned@contoso.test',
    mail: 'una.provisioned@contoso.test',
    cloud: { synced: false, onedrive: false, licenses: [SKU_E3] },
  });
  return fixture;
}

beforeAll(async () => {
  await loadStackTenant(facts, tenantFixture());
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange');
  sharepoint = psService(facts, 'sharepoint');
});

beforeEach(async () => {
  await control.reset();
  await control.clearFaults();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all([exchange.close(), sharepoint.close(), graph.close()]);
});

describe('mailbox-access and onedrive-access', () => {
  it('give the delegate FullAccess and OneDrive site admin, and a second run finds both unchanged', async () => {
    const context = await leaver('jdoe', SALESVP);
    const mailbox = await run(mailboxAccess, context);
    // Applying, nothing is read before the grant: the state before comes from the grant's answer.
    expect(mailbox.decision).toMatchObject({
      kind: 'change',
      after: { mailbox: 'jdoe@contoso.test', delegate: SALESVP, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false },
    });
    expect(mailbox.decision).not.toHaveProperty('before');
    expect(mailbox.outcome).toEqual({ before: { mailbox: 'jdoe@contoso.test', delegate: SALESVP, accessRights: [] } });
    const onedrive = await run(onedriveAccess, context);
    const site = 'https://contoso-my.sharepoint.com/personal/jdoe_contoso_test';
    expect(onedrive.decision).toMatchObject({ kind: 'change', before: { site, siteCollectionAdmins: ['jdoe@contoso.test'] } });

    const after = await state();
    expect(after.mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test')?.permissions).toEqual([
      { user: SALESVP, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false },
    ]);
    expect(after.sites.find((s) => s.url === site)?.admins).toEqual(['jdoe@contoso.test', SALESVP]);

    const again = await leaver('jdoe', SALESVP);
    expect((await run(mailboxAccess, again)).outcome).toEqual({
      unchanged: true,
      before: { mailbox: 'jdoe@contoso.test', delegate: SALESVP, accessRights: ['FullAccess'] },
    });
    expect(await onedriveAccess.observe(again)).toEqual({
      kind: 'unchanged',
      before: { site, siteCollectionAdmins: ['jdoe@contoso.test', SALESVP] },
    });
    // Applying, the second run learns from the grant itself that the entry is there: Exchange warns and changes nothing.
    const log = await control.log();
    expect(log.counts['exo.cmdlet.Add-MailboxPermission']).toBe(2);
    expect(log.counts['spo.cmdlet.Set-PnPTenantSite']).toBe(1);
    expect((await state()).mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test')?.permissions).toEqual([
      { user: SALESVP, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false },
    ]);
  });

  it('are skipped without a delegate, and for a leaver without mailbox or OneDrive', async () => {
    const noDelegate = await leaver('jdoe');
    expect(await mailboxAccess.observe(noDelegate)).toEqual({ kind: 'skipped', reason: 'no delegate found' });
    expect(await onedriveAccess.observe(noDelegate)).toEqual({ kind: 'skipped', reason: 'no delegate found' });
    const nothing = await leaver('nodrive', SALESVP);
    expect(await mailboxAccess.observe(nothing)).toEqual({ kind: 'skipped', reason: 'no mailbox' });
    expect(await onedriveAccess.observe(nothing)).toEqual({ kind: 'skipped', reason: 'no OneDrive' });
  });

  it('skip, as "no OneDrive", leavers whose drive Graph answers 400 "Unable to retrieve user\'s mysite URL." or 404, and change nothing in SharePoint', async () => {
    const before = await state();
    const keys = ['nodrive', 'unprovisioned'];
    const people: Person[] = await Promise.all(
      keys.map(async (key, i) => {
        const entra = entraUser(await simUser(key));
        return {
          request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName: entra.userPrincipalName } },
          entra,
          delegate: { userPrincipalName: SALESVP, source: 'csv' as const },
        };
      }),
    );
    const results = await runEngine({
      people,
      steps: [onedriveAccess],
      mode: 'apply',
      inputs: { ...inputs(), steps: ['onedrive-access'] },
      connectors: { graph, sharepoint },
      run: { event: 'workflow_dispatch' },
      now: new Date(),
      concurrency: 2,
    });
    for (const result of results) {
      expect(result.steps).toEqual([{ step: 'onedrive-access', status: 'skipped', reason: 'no OneDrive' }]);
    }
    const log = await control.log();
    const drives = log.entries.filter((e) => e.op === 'graph.get.drive').map((e) => `${e.user ?? ''} ${e.status}`);
    expect(drives.sort()).toEqual(['noor.drive@contoso.test 400', 'una.provisioned@contoso.test 404']);
    expect(log.entries.filter((e) => e.resource === 'sharepoint')).toEqual([]);
    expect((await state()).sites).toEqual(before.sites);
  });

  it('record the grant that ran again after its session was lost mid-command, the state before it unknown', async () => {
    const others = new Set(workerProcesses(facts.psModulePath).map((p) => p.pid));
    const single = psService(facts, 'exchange', { sessions: 1 });
    try {
      const context = await leaver('sobrien', SALESVP, { graph, exchange: single, sharepoint });
      // The simulator holds the grant 15 s; the session dies while it is held, and the grant runs again in a new
      // session (which may take seconds to connect on a busy machine).
      await control.faults({ hang: { ops: ['exo.cmdlet.Add-MailboxPermission'], ms: 15_000 } });
      const decision = await mailboxAccess.observe(context);
      if (decision.kind !== 'change') throw new Error(`expected a change, got ${decision.kind}`);
      expect(decision).toMatchObject({ after: { accessRights: ['FullAccess'] } });
      const applying = decision.apply();
      await control.waitForHeld('exo.cmdlet.Add-MailboxPermission');
      const [session] = workerProcesses(facts.psModulePath).filter((p) => !others.has(p.pid));
      process.kill(-session.pid, 'SIGKILL');
      const outcome = (await applying) ?? {};
      // The held first grant lands before the second one runs, which then warns that the entry is there: whether it
      // was there before the run is not known, and the record says so (an undo leaves it to a person).
      expect(outcome).toEqual({
        retried: ['Add-MailboxPermission'],
        before: { mailbox: 'sean.obrien@contoso.test', delegate: SALESVP },
        reason: expect.stringContaining('whether the delegate had FullAccess before the run is not known'),
      });
      expect(single.stats).toMatchObject({ processes: 2, connects: 2, retries: 1 });
      const mailbox = (await state()).mailboxes.find((m) => m.userPrincipalName === 'sean.obrien@contoso.test');
      expect(mailbox?.permissions).toEqual([
        { user: SALESVP, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false },
      ]);
      // An undo of that record does not guess: the grant stays, and the reason says why.
      if (!mailboxAccess.reverse) throw new Error('mailbox-access has no reverse');
      expect(await mailboxAccess.reverse({ ...context, record: { before: outcome.before, after: decision.after } })).toEqual({
        kind: 'skipped',
        reason: `the record does not know whether ${SALESVP} had FullAccess before the run (the grant was sent again after a lost session): reverse it by hand if it was not there`,
      });
      expect((await state()).mailboxes.find((m) => m.userPrincipalName === 'sean.obrien@contoso.test')?.permissions).toEqual(mailbox?.permissions);
    } finally {
      await single.close();
    }
  });
});

describe('mailbox-shared and mailbox-hide', () => {
  it('convert a cloud user’s mailbox to shared and hide it, and a second run finds both unchanged', async () => {
    const context = await leaver('cloudy', SALESVP);
    expect((await run(mailboxShared, context)).decision).toMatchObject({
      kind: 'change',
      before: { recipientTypeDetails: 'UserMailbox' },
      after: { recipientTypeDetails: 'SharedMailbox' },
      facts: { mailbox: 'shared' },
    });
    expect((await run(mailboxHide, context)).decision).toMatchObject({
      kind: 'change',
      before: { hiddenFromAddressListsEnabled: false },
      after: { hiddenFromAddressListsEnabled: true },
    });
    const mailbox = (await state()).mailboxes.find((m) => m.userPrincipalName === 'chloe.nuage@contoso.test');
    expect(mailbox).toMatchObject({ recipientTypeDetails: 'SharedMailbox', hiddenFromAddressListsEnabled: true });
    expect(await mailboxShared.observe(context)).toEqual({ kind: 'unchanged', before: { recipientTypeDetails: 'SharedMailbox' }, facts: { mailbox: 'shared' } });
    expect(await mailboxHide.observe(context)).toEqual({ kind: 'unchanged', before: { hiddenFromAddressListsEnabled: true } });
  });

  it('are skipped for a leaver without a mailbox', async () => {
    const context = await leaver('nodrive', SALESVP);
    expect(await mailboxShared.observe(context)).toEqual({ kind: 'skipped', reason: 'no mailbox', facts: { mailbox: 'absent' } });
    expect(await mailboxHide.observe(context)).toEqual({ kind: 'skipped', reason: 'no mailbox' });
  });

  it('hide a synced user’s mailbox in AD, never through Exchange: skipped when AD is not configured', async () => {
    const context = await leaver('jsmith', SALESVP, { graph, exchange, sharepoint });
    expect(context.person.entra?.onPremisesSyncEnabled).toBe(true);
    expect(await mailboxHide.observe(context)).toEqual({ kind: 'skipped', reason: 'synced from AD, and AD is not configured' });
    expect((await control.log()).counts['exo.cmdlet.Get-EXOMailbox'] ?? 0).toBe(0);
  });
});

describe('sessions that load only the cmdlets of the run’s steps', () => {
  it('run each Exchange step on a session connected for it alone, and fail a step whose cmdlets that session did not load', async () => {
    const forAccess = psService(facts, 'exchange', { sessions: 1 }, { steps: ['mailbox-access'] });
    const forShared = psService(facts, 'exchange', { sessions: 1 }, { steps: ['mailbox-shared'] });
    try {
      const access = await run(mailboxAccess, await leaver('jdoe', SALESVP, { graph, exchange: forAccess, sharepoint }));
      expect(access.decision).toMatchObject({ kind: 'change', after: { accessRights: ['FullAccess'] } });
      const shared = await run(mailboxShared, await leaver('cloudy', SALESVP, { graph, exchange: forShared, sharepoint }));
      expect(shared.decision).toMatchObject({ kind: 'change', after: { recipientTypeDetails: 'SharedMailbox' } });
      const after = await state();
      expect(after.mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test')?.permissions).toEqual([
        expect.objectContaining({ user: SALESVP, accessRights: ['FullAccess'] }),
      ]);
      expect(after.mailboxes.find((m) => m.userPrincipalName === 'chloe.nuage@contoso.test')?.recipientTypeDetails).toBe('SharedMailbox');
      // mailbox-access grants with Add-MailboxPermission, which a session for mailbox-shared never loaded.
      const unloaded = await mailboxAccess.observe(await leaver('cloudy', SALESVP, { graph, exchange: forShared, sharepoint }));
      if (unloaded.kind !== 'change') throw new Error(`expected a change, got ${unloaded.kind}`);
      await expect(unloaded.apply()).rejects.toMatchObject({ type: 'System.Management.Automation.CommandNotFoundException' });
      const connects = (await control.log()).entries.filter((e) => e.op === 'exo.connect').map((e) => e.commands);
      expect(connects).toEqual(expect.arrayContaining([['Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission'], ['Set-Mailbox']]));
      expect(connects).toHaveLength(2);
    } finally {
      await Promise.all([forAccess.close(), forShared.close()]);
    }
  });
});

describe('injection through the steps', () => {
  it('passes a hostile delegate and leaver to the cmdlets as data, and changes nothing', async () => {
    const before = await state();
    const jdoe = entraUser(await simUser('jdoe'));
    for (const value of INJECTION_CORPUS) {
      // A hostile delegate: Exchange and SharePoint look the value up literally and find nobody.
      const hostileDelegate = contextFor({ entra: jdoe, delegate: { userPrincipalName: value, source: 'csv' } });
      const grant = await mailboxAccess.observe(hostileDelegate);
      if (grant.kind !== 'change') throw new Error(`expected a change, got ${grant.kind}`);
      await expect(grant.apply()).rejects.toThrow(`object '${value}' couldn't be found`);
      const onedrive = await onedriveAccess.observe(hostileDelegate);
      expect(onedrive.kind).toBe('change');
      if (onedrive.kind === 'change') await expect(onedrive.apply()).rejects.toThrow('The user does not exist or is not unique.');
      // A hostile leaver: no mailbox of that name.
      const hostileLeaver = contextFor({ entra: { ...jdoe, userPrincipalName: value, onPremisesSyncEnabled: false }, delegate: { userPrincipalName: SALESVP, source: 'csv' } });
      expect(await mailboxAccess.observe(hostileLeaver)).toEqual({ kind: 'skipped', reason: 'no mailbox' });
      expect(await mailboxShared.observe(hostileLeaver)).toEqual({ kind: 'skipped', reason: 'no mailbox', facts: { mailbox: 'absent' } });
      expect(await mailboxHide.observe(hostileLeaver)).toEqual({ kind: 'skipped', reason: 'no mailbox' });
    }
    expect(await state()).toEqual(before);
  });
});
