// The mailbox of a user synced from AD: converted and hidden on-premises in Samba (with the Exchange schema), never in Exchange Online; licences wait.
import { Client } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import type { AdDirectory, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { EntraUser, Person, UserResult } from '../../src/model.js';
import { licenses } from '../../src/steps/licenses.js';
import { mailboxHide } from '../../src/steps/mailbox-hide.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import type { Step } from '../../src/steps/types.js';
import { stackLdapInputs } from '../helpers/stack.js';
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import type { SimUserState } from '../stack/simulator/types.js';
import { loadStackTenant } from '../stack/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);
const EXCHANGE = ['msExchHideFromAddressLists', 'msExchRemoteRecipientType', 'msExchRecipientTypeDetails'];

let graph: GraphApi;
let exchange: PowerShellService;
let ad: AdDirectory & { close(): Promise<void> };

function inputs(steps: string[]): Inputs {
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: steps as Inputs['steps'],
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 2,
    mailboxAutomapping: false,
  };
}

async function simUser(key: string): Promise<SimUserState> {
  const user = (await control.state()).users.find((u) => u.key === key);
  if (!user) throw new Error(`no user ${key} in the simulator`);
  return user;
}

async function leaver(key: string): Promise<Person> {
  const u = await simUser(key);
  const entra: EntraUser = {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail ?? undefined,
    displayName: u.displayName,
    accountEnabled: u.accountEnabled,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
    directLicenses: u.licenses.filter((l) => l.assignedByGroup === null).map((l) => l.skuId),
    directoryRoles: [],
  };
  const [[account]] = await ad.findUsers([{ samAccountName: key }]);
  return {
    request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { samAccountName: key } },
    entra,
    ad: account,
    delegate: { source: 'none' },
  };
}

async function offboard(key: string, steps: Step[], withAd = true): Promise<UserResult['steps']> {
  const [result] = await runEngine({
    people: [await leaver(key)],
    steps,
    mode: 'apply',
    inputs: inputs(steps.map((s) => s.name)),
    connectors: withAd ? { graph, exchange, ad } : { graph, exchange },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 1,
  });
  return result.steps;
}

/** The Exchange attributes of a user as the DC holds them, read over a connection of its own as the administrator. */
async function exchangeAttributesInAd(key: string): Promise<Record<string, unknown>> {
  const client = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] } });
  try {
    await client.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
    const { searchEntries } = await client.search(facts.ldap.baseDn, { scope: 'sub', filter: `(sAMAccountName=${key})`, attributes: EXCHANGE });
    const [entry] = searchEntries;
    return Object.fromEntries(EXCHANGE.map((name) => [name, entry[name]]));
  } finally {
    await client.unbind();
  }
}

/** The base tenant, where jdoe's mailbox was converted in Exchange Online only (what synchronisation turns back). */
function convertedInCloudOnly(): Fixture {
  const fixture = baseFixture();
  const jdoe = fixture.people.find((p) => p.key === 'jdoe');
  if (!jdoe?.cloud) throw new Error('the base fixture has no hybrid jdoe');
  jdoe.cloud.mailbox = 'SharedMailbox';
  return fixture;
}

beforeAll(async () => {
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange');
  ad = createAdDirectory(stackLdapInputs(facts));
});

beforeEach(async () => {
  await loadStackTenant(facts, baseFixture());
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all([exchange.close(), graph.close(), ad.close()]);
});

describe('a synced user’s mailbox, with the Exchange schema in AD', () => {
  it('is converted to shared and hidden in AD, never in Exchange Online, and licenses waits for synchronisation', async () => {
    const licensesBefore = (await simUser('jsmith')).licenses;
    expect(licensesBefore.length).toBeGreaterThan(0);
    // ldapts lists a requested attribute that has no value as [].
    expect(await exchangeAttributesInAd('jsmith')).toEqual({ msExchHideFromAddressLists: [], msExchRemoteRecipientType: [], msExchRecipientTypeDetails: [] });

    const first = await offboard('jsmith', [mailboxShared, mailboxHide, licenses]);

    expect(first).toEqual([
      {
        step: 'mailbox-shared',
        status: 'done',
        before: { msExchRemoteRecipientType: null, msExchRecipientTypeDetails: null, recipientTypeDetails: 'UserMailbox' },
        after: { msExchRemoteRecipientType: 100, msExchRecipientTypeDetails: 34359738368 },
        verified: true,
      },
      { step: 'mailbox-hide', status: 'done', before: { msExchHideFromAddressLists: null }, after: { msExchHideFromAddressLists: true }, verified: true },
      {
        step: 'licenses',
        status: 'blocked',
        reason:
          'the mailbox was converted on-premises, and Exchange Online holds it as a user mailbox until the next directory synchronisation: removing the licence would delete it after 30 days; a later run removes the licence',
      },
    ]);
    expect(await exchangeAttributesInAd('jsmith')).toEqual({ msExchHideFromAddressLists: 'TRUE', msExchRemoteRecipientType: '100', msExchRecipientTypeDetails: '34359738368' });
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'exo.cmdlet.Set-Mailbox')).toEqual([]);
    expect(log.entries.filter((e) => e.op.includes('assignLicense'))).toEqual([]);
    const after = await control.state();
    expect(after.mailboxes.find((m) => m.userPrincipalName === 'jsmith@contoso.test')).toMatchObject({ recipientTypeDetails: 'UserMailbox', hiddenFromAddressListsEnabled: false });
    expect((await simUser('jsmith')).licenses).toEqual(licensesBefore);

    // A second run before synchronisation changes nothing and still waits.
    const second = await offboard('jsmith', [mailboxShared, mailboxHide, licenses]);
    expect(second.map((s) => [s.step, s.status])).toEqual([
      ['mailbox-shared', 'unchanged'],
      ['mailbox-hide', 'unchanged'],
      ['licenses', 'blocked'],
    ]);
    expect(second[0].reason).toBe('converted on-premises; Exchange Online shows it as shared after the next directory synchronisation');
    expect((await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Set-Mailbox')).toEqual([]);
    expect((await simUser('jsmith')).licenses).toEqual(licensesBefore);
  });

  it('is not converted at all when AD is not configured, and keeps its licence', async () => {
    const licensesBefore = (await simUser('jsmith')).licenses;
    const steps = await offboard('jsmith', [mailboxShared, licenses], false);
    expect(steps).toEqual([
      { step: 'mailbox-shared', status: 'skipped', reason: 'convert on-premises: the user is synced from AD, and AD is not configured' },
      {
        step: 'licenses',
        status: 'blocked',
        reason:
          'the mailbox is a UserMailbox: removing the licence would delete it after 30 days; the user is synced from AD, so the mailbox is converted on-premises (mailbox-shared) first',
      },
    ]);
    expect((await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Set-Mailbox')).toEqual([]);
    expect((await simUser('jsmith')).licenses).toEqual(licensesBefore);
  });

  it('keeps its licence while Exchange Online shows it shared and AD a user mailbox, and loses it once AD agrees', async () => {
    await loadStackTenant(facts, convertedInCloudOnly());
    const licensesBefore = (await simUser('jdoe')).licenses;

    const alone = await offboard('jdoe', [licenses]);
    expect(alone).toEqual([
      {
        step: 'licenses',
        status: 'blocked',
        reason:
          'Exchange Online shows a shared mailbox, but AD holds a user mailbox and directory synchronisation would turn it back: removing the licence would delete it after 30 days; convert it on-premises (mailbox-shared) first',
      },
    ]);
    expect((await simUser('jdoe')).licenses).toEqual(licensesBefore);

    const withConversion = await offboard('jdoe', [mailboxShared, licenses]);
    expect(withConversion.map((s) => [s.step, s.status, s.verified])).toEqual([
      ['mailbox-shared', 'done', true],
      ['licenses', 'done', true],
    ]);
    expect(await exchangeAttributesInAd('jdoe')).toMatchObject({ msExchRemoteRecipientType: '100', msExchRecipientTypeDetails: '34359738368' });
    expect((await simUser('jdoe')).licenses.filter((l) => l.assignedByGroup === null)).toEqual([]);
    expect((await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Set-Mailbox')).toEqual([]);
  });
});
