// mailbox-access's Exchange round trips: one filtered mailbox read for many leavers, the grant without a read before it,
// and the record still exact for the entries of the delegate that the grant's warning does not speak of.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { EntraUser, Person, StepResult, UserResult } from '../../src/model.js';
import { mailboxAccess } from '../../src/steps/mailbox-access.js';
import type { StepContext } from '../../src/steps/types.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import type { SimUserState } from '../stack/simulator/types.js';
import { entraInputs, INJECTION_CORPUS, psService } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const DELEGATE = 'salesvp@contoso.test';
const [AMY, BEN, CAL, DEE] = ['amy.aalto', 'ben.berg', 'cal.carr', 'dee.dahl'].map((name) => `${name}@contoso.test`);
/** A UPN with single quotation marks, which the OPATH filter must escape to find its mailbox. */
const DARCY = "d'arcy.o'neil@contoso.test";
const NODRIVE = 'noor.drive@contoso.test';

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  for (const upn of [AMY, BEN, CAL, DEE, DARCY]) {
    const key = upn.replace(/[^a-z]/g, '').slice(0, 12);
    fixture.people.push({ key, givenName: key, surname: 'Leaver', displayName: `${key} Leaver`, userPrincipalName: upn, mail: upn, cloud: { synced: false, licenses: [SKU_E3] } });
  }
  return fixture;
}

let graph: GraphApi;
let exchange: PowerShellService;

function inputs(mode: Mode): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: ['mailbox-access'],
    maxUsers: 100,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
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

async function leavers(upns: readonly string[]): Promise<Person[]> {
  const users = (await control.state()).users;
  return upns.map((upn, i) => {
    const user = users.find((u) => u.userPrincipalName === upn);
    if (!user) throw new Error(`no user ${upn} in the simulator`);
    return {
      request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName: upn } },
      entra: entraUser(user),
      delegate: { userPrincipalName: DELEGATE, source: 'csv' as const },
    };
  });
}

async function run(people: Person[], mode: Mode = 'apply'): Promise<UserResult[]> {
  return runEngine({
    people,
    steps: [mailboxAccess],
    mode,
    inputs: inputs(mode),
    connectors: { graph, exchange },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 4,
    readBackDelaysMs: [],
  });
}

/** The step's record of each leaver, by UPN. */
const records = (results: UserResult[]): Record<string, StepResult> => Object.fromEntries(results.map((r) => [String(r.request.userPrincipalName), r.steps[0]]));

/** Exchange cmdlets the simulator answered, by name. */
async function cmdlets(): Promise<Record<string, number>> {
  const { counts } = await control.log();
  return Object.fromEntries(Object.entries(counts).filter(([op]) => op.startsWith('exo.cmdlet.')).map(([op, n]) => [op.slice('exo.cmdlet.'.length), n]));
}

async function permissions(upn: string) {
  return (await control.state()).mailboxes.find((m) => m.userPrincipalName === upn)?.permissions;
}

beforeAll(async () => {
  await control.load(tenantFixture(), {});
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange', { sessions: 1 });
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await control.clearFaults();
  await Promise.all([graph.close(), exchange.close()]);
});

describe('mailbox-access in apply mode', () => {
  const upns = [AMY, BEN, CAL, DARCY, NODRIVE];

  it('finds the mailboxes of all leavers with one filtered Get-EXOMailbox, grants without a read before, and reads each grant back', async () => {
    const results = records(await run(await leavers(upns)));
    for (const upn of [AMY, BEN, CAL, DARCY]) {
      expect(results[upn]).toEqual({
        step: 'mailbox-access',
        status: 'done',
        before: { mailbox: upn, delegate: DELEGATE, accessRights: [] },
        after: { mailbox: upn, delegate: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false },
        verified: true,
      });
      expect(await permissions(upn)).toEqual([{ user: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
    }
    expect(results[NODRIVE]).toEqual({ step: 'mailbox-access', status: 'skipped', reason: 'no mailbox' });
    expect(await cmdlets()).toEqual({ 'Get-EXOMailbox': 1, 'Add-MailboxPermission': 4, 'Get-MailboxPermission': 4 });
    // Each leaver's first command is the grant; the permission read is the read-back after it.
    const { entries } = await control.log();
    for (const upn of [AMY, BEN, CAL, DARCY]) {
      expect(entries.filter((e) => e.resource === 'exchange' && e.user === upn).map((e) => e.op)).toEqual([
        'exo.cmdlet.Add-MailboxPermission',
        'exo.cmdlet.Get-MailboxPermission',
      ]);
    }
  });

  it('reads each grant back right after it, ahead of the grants of the other leavers waiting for the same session', async () => {
    // Four leavers at once on one session: their grants queue together, and a read-back that queued behind them would
    // hold its leaver's next step (on SharePoint, in a whole run) until every other grant had gone out.
    await run(await leavers([AMY, BEN, CAL, DARCY]));
    const sent = (await control.log()).entries
      .filter((e) => e.op === 'exo.cmdlet.Add-MailboxPermission' || e.op === 'exo.cmdlet.Get-MailboxPermission')
      .map((e) => `${e.op.slice('exo.cmdlet.'.length)} ${e.user}`);
    expect(sent).toHaveLength(8);
    const pairs = Array.from({ length: 4 }, (_, i) => sent.slice(2 * i, 2 * i + 2));
    for (const [grant, read] of pairs) {
      const upn = grant?.replace(/^Add-MailboxPermission /, '');
      expect([grant, read]).toEqual([`Add-MailboxPermission ${upn}`, `Get-MailboxPermission ${upn}`]);
    }
    expect(new Set(pairs.map(([grant]) => grant))).toEqual(new Set([AMY, BEN, CAL, DARCY].map((upn) => `Add-MailboxPermission ${upn}`)));
  });

  it('records a second run unchanged from the grant’s own warning, with no read at all', async () => {
    await run(await leavers(upns));
    await control.clearLog();
    const results = records(await run(await leavers(upns)));
    for (const upn of [AMY, BEN, CAL, DARCY]) {
      expect(results[upn]).toEqual({ step: 'mailbox-access', status: 'unchanged', before: { mailbox: upn, delegate: DELEGATE, accessRights: ['FullAccess'] } });
      expect(await permissions(upn)).toEqual([{ user: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
    }
    expect(await cmdlets()).toEqual({ 'Get-EXOMailbox': 1, 'Add-MailboxPermission': 4 });
  });

  it('still reads before it plans, and changes nothing', async () => {
    const before = await control.state();
    const results = records(await run(await leavers(upns), 'plan'));
    expect(results[AMY]).toMatchObject({ status: 'planned', before: { accessRights: [] } });
    expect(await cmdlets()).toEqual({ 'Get-EXOMailbox': 1, 'Get-MailboxPermission': 4 });
    expect(await control.state()).toEqual(before);
  });

  it('leaves each leaver to its own mailbox read when the batched read fails, with the same outcome', async () => {
    await control.faults({ malformed: { next: 1, ops: ['exo.cmdlet.Get-EXOMailbox'] } });
    const results = records(await run(await leavers(upns)));
    expect(Object.values(results).map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'skipped']);
    expect(await cmdlets()).toEqual({ 'Get-EXOMailbox': 1 + upns.length, 'Add-MailboxPermission': 4, 'Get-MailboxPermission': 4 });
  });
});

describe('mailbox-access and the delegate’s other entries', () => {
  /** The delegate's entries before the run: ReadPermission only, a Deny, FullAccess for the mailbox alone, and a Deny beside the grant. */
  const SETUP: [string, Record<string, unknown>[]][] = [
    [AMY, [{ AccessRights: ['ReadPermission'], InheritanceType: 'All' }]],
    [BEN, [{ AccessRights: ['FullAccess'], InheritanceType: 'All', Deny: true }]],
    [CAL, [{ AccessRights: ['FullAccess'], InheritanceType: 'None' }]],
    // Its grant maps the mailbox in Outlook, which the run (mailbox-automapping false) must not change.
    [DEE, [{ AccessRights: ['FullAccess'], InheritanceType: 'All', Deny: true }, { AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: true }]],
  ];

  async function setUp(): Promise<void> {
    for (const [upn, entries] of SETUP) {
      for (const entry of entries) await exchange.invoke('Add-MailboxPermission', { Identity: upn, User: DELEGATE, AutoMapping: false, ...entry });
    }
  }

  function context(person: Person): StepContext {
    const memo = new Map<string, Promise<unknown>>();
    return {
      person,
      inputs: inputs('apply'),
      connectors: { graph, exchange },
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

  it('plans and applies alike, records what it granted, and its reverse leaves exactly the entries it found', async () => {
    await setUp();
    const initial = Object.fromEntries(await Promise.all(SETUP.map(async ([upn]) => [upn, await permissions(upn)] as const)));
    const people = await leavers(SETUP.map(([upn]) => upn));
    const granted = { delegate: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false };

    const planned = records(await run(people, 'plan'));
    const applied = records(await run(people));
    for (const upn of [AMY, BEN, CAL]) {
      expect(planned[upn]).toMatchObject({ status: 'planned', before: { mailbox: upn, delegate: DELEGATE, accessRights: [] } });
      expect(applied[upn]).toEqual({ step: 'mailbox-access', status: 'done', before: { mailbox: upn, delegate: DELEGATE, accessRights: [] }, after: { mailbox: upn, ...granted }, verified: true });
    }
    // The warning proves the allow entry; the Deny beside it is not the step's to record or remove, now as before.
    for (const result of [planned[DEE], applied[DEE]]) {
      expect(result).toEqual({ step: 'mailbox-access', status: 'unchanged', before: { mailbox: DEE, delegate: DELEGATE, accessRights: ['FullAccess'] } });
    }
    expect(await permissions(AMY)).toEqual([{ user: DELEGATE, accessRights: ['ReadPermission', 'FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
    expect(await permissions(BEN)).toEqual([...(initial[BEN] ?? []), { user: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
    expect(await permissions(CAL)).toEqual([...(initial[CAL] ?? []), { user: DELEGATE, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
    expect(await permissions(DEE)).toEqual(initial[DEE]);

    for (const [i, upn] of [AMY, BEN, CAL].entries()) {
      const record = applied[upn];
      const reverse = await mailboxAccess.reverse?.({ ...context(people[i]), record: { before: record.before, after: record.after } });
      expect(reverse).toMatchObject({ kind: 'change', after: { accessRights: [] } });
      if (reverse?.kind !== 'change') continue;
      await reverse.apply();
      expect(await reverse.verify?.()).toEqual({ ok: true });
      expect(await permissions(upn)).toEqual(initial[upn]);
    }
  });
});

describe('the batched filter and hostile UPNs', () => {
  it('carries them as data, escaped as OPATH wants: one read, nobody found, nothing changed', async () => {
    const before = await control.state();
    const [jdoe] = await leavers(['jdoe@contoso.test']);
    const people = INJECTION_CORPUS.map((value, i): Person => ({
      ...jdoe,
      request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName: value } },
      entra: { ...(jdoe.entra as EntraUser), userPrincipalName: value },
    }));
    const results = await run(people);
    expect(results.map((r) => r.steps[0])).toEqual(people.map(() => ({ step: 'mailbox-access', status: 'skipped', reason: 'no mailbox' })));
    expect(await cmdlets()).toEqual({ 'Get-EXOMailbox': 1 });
    expect(await control.state()).toEqual(before);
  });
});
