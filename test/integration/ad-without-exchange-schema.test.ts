// A DC whose schema has no Exchange attributes (AD without Exchange ever installed): a Samba of its own, provisioned without the extension.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import type { AdDirectory, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Person } from '../../src/model.js';
import { licenses } from '../../src/steps/licenses.js';
import { mailboxHide } from '../../src/steps/mailbox-hide.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import { snapshotDirectory } from '../helpers/stack.js';
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { startSamba, type SambaHandle } from '../stack/samba.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import { loadStackTenant } from '../stack/stack.js';
import { createTestCa } from '../stack/tls.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);

let dir: string;
let samba: SambaHandle;
let ad: AdDirectory & { close(): Promise<void> };
let graph: GraphApi;
let exchange: PowerShellService;

/** Two hybrid users are all these tests need: a small directory provisions and seeds fast. */
function smallFixture(): Fixture {
  const fixture = baseFixture();
  fixture.people = fixture.people.filter((p) => p.key === 'jsmith' || p.key === 'jdoe');
  return fixture;
}

async function leaver(key: string): Promise<Person> {
  const u = (await control.state()).users.find((user) => user.key === key);
  if (!u) throw new Error(`no user ${key} in the simulator`);
  const [[account]] = await ad.findUsers([{ samAccountName: key }]);
  return {
    request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { samAccountName: key } },
    entra: {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      accountEnabled: u.accountEnabled,
      onPremisesSyncEnabled: u.onPremisesSyncEnabled === true,
      directLicenses: u.licenses.filter((l) => l.assignedByGroup === null).map((l) => l.skuId),
      directoryRoles: [],
    },
    ad: account,
    delegate: { source: 'none' },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'm365-offboard-plain-dc-'));
  const ca = createTestCa(path.join(dir, 'pki'));
  // FAULTS_DC_ADDRESS: test files run one after another, so this DC never meets the fault tests' one.
  const address = process.env.FAULTS_DC_ADDRESS ?? '127.0.0.21';
  samba = await startSamba({ dir: path.join(dir, 'samba'), address, ca, fixture: smallFixture(), exchangeSchema: false });
  ad = createAdDirectory({
    url: samba.url,
    bindDn: samba.serviceAccount.dn,
    password: samba.serviceAccount.password,
    baseDn: samba.baseDn,
    ca: ca.caPem,
    tlsVerify: true,
  });
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange');
}, 180_000);

beforeEach(async () => {
  await loadStackTenant(facts, baseFixture());
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all([ad?.close(), graph?.close(), exchange?.close()]);
  await samba?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('AD without the Exchange schema', () => {
  it('has none of the Exchange attributes, and reads users without them', async () => {
    expect(samba.exchangeSchema).toBe(false);
    for (const name of ['msExchHideFromAddressLists', 'msExchRemoteRecipientType', 'msExchRecipientTypeDetails']) {
      expect(await ad.hasAttribute(name)).toBe(false);
    }
    expect(await ad.hasAttribute('employeeID')).toBe(true);
    const [[jsmith]] = await ad.findUsers([{ samAccountName: 'jsmith' }]);
    expect(jsmith.samAccountName).toBe('jsmith');
    expect(jsmith.msExchHideFromAddressLists).toBeUndefined();
    expect(jsmith.msExchRemoteRecipientType).toBeUndefined();
    expect(jsmith.msExchRecipientTypeDetails).toBeUndefined();
  });

  it('skips converting and hiding a synced user’s mailbox (convert on-premises), blocks licenses, and changes nothing', async () => {
    const person = await leaver('jsmith');
    expect(person.entra?.onPremisesSyncEnabled).toBe(true);
    const directoryBefore = await snapshotDirectory(samba.admin);
    const cloudBefore = await control.state();
    const steps = [mailboxShared, mailboxHide, licenses];

    const [result] = await runEngine({
      people: [person],
      steps,
      mode: 'apply',
      inputs: {
        mode: 'apply',
        csv: 'offboarding/*.csv',
        select: 'all',
        lookbackDays: 30,
        timeZone: 'UTC',
        steps: ['mailbox-shared', 'mailbox-hide', 'licenses'],
        maxUsers: 25,
        protected: [],
        failOn: 'error',
        summary: 'full',
        resultsFile: path.join(dir, 'results.json'),
        entra: entraInputs(facts),
        pwsh: facts.pwsh,
        powershellSessions: 2,
        mailboxAutomapping: false,
      },
      connectors: { graph, exchange, ad },
      run: { event: 'workflow_dispatch' },
      now: new Date(),
      concurrency: 1,
    });

    expect(result.steps).toEqual([
      { step: 'mailbox-shared', status: 'skipped', reason: 'convert on-premises: the AD schema has no Exchange attributes' },
      { step: 'mailbox-hide', status: 'skipped', reason: 'the AD schema has no Exchange attributes' },
      {
        step: 'licenses',
        status: 'blocked',
        reason:
          'the mailbox is a UserMailbox: removing the licence would delete it after 30 days; the user is synced from AD, so the mailbox is converted on-premises (mailbox-shared) first',
      },
    ]);
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'exo.cmdlet.Set-Mailbox' || e.op === 'graph.post.assignLicense')).toEqual([]);
    expect(await control.state()).toEqual(cloudBefore);
    expect(await snapshotDirectory(samba.admin)).toEqual(directoryBefore);
  });
});
