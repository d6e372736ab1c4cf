// The order of the whole step list as the servers see it, for many leavers at once: wipes before sessions are cut, cancellations while the mailbox can still send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { Person, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { STEP_ORDER, stepsFor } from '../../src/steps/index.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import type { LogEntry } from '../stack/simulator/types.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const BLOCK_GROUP = '2d6f0b51-7c8e-4a1b-9f00-0c9a5b3e7d42';
const LEAVERS = Array.from({ length: 12 }, (_, i) => `order.leaver${String(i + 1).padStart(2, '0')}@contoso.test`);

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  LEAVERS.forEach((upn, i) => {
    fixture.people.push({
      key: `order${i + 1}`,
      givenName: 'Order',
      surname: `Leaver ${i + 1}`,
      displayName: `Order Leaver ${i + 1}`,
      userPrincipalName: upn,
      mail: upn,
      manager: 'salesvp',
      cloud: {
        synced: false,
        licenses: [SKU_E3],
        mailboxItems: {
          mobileDevices: [
            { friendlyName: `Phone ${i + 1}`, deviceModel: 'iPhone15,2', deviceType: 'iPhone' },
            { friendlyName: `Tablet ${i + 1}`, deviceModel: 'Galaxy Tab', deviceType: 'Android' },
          ],
          inboxRules: [{ name: 'Out', forwardTo: [`private${i + 1}@gmail.test`] }],
          meetings: [{ subject: `1:1 ${i + 1}`, startInDays: 4 + i, attendees: ['salesvp@contoso.test'] }],
        },
      },
    });
  });
  return fixture;
}

let graph: GraphApi;
let exchange: PowerShellService;
let sharepoint: PowerShellService;

beforeAll(async () => {
  await control.load(tenantFixture(), {});
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange');
  sharepoint = psService(facts, 'sharepoint');
});

afterAll(async () => {
  await Promise.all([exchange.close(), sharepoint.close(), graph.close()]);
});

async function runAll(): Promise<UserResult[]> {
  const steps = stepsFor(STEP_ORDER);
  const inputs: Inputs = {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: [...STEP_ORDER],
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 2,
    mailboxAutomapping: false,
    blockGroup: BLOCK_GROUP,
  };
  const found = await findEntraUsers(graph, LEAVERS.map((userPrincipalName) => ({ userPrincipalName })));
  const people: Person[] = LEAVERS.map((userPrincipalName, i) => ({
    request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName } },
    entra: found[i]?.[0],
    delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'csv' },
  }));
  return runEngine({
    people,
    steps,
    mode: 'apply',
    inputs,
    connectors: { graph, exchange, sharepoint },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 6,
    readBackDelaysMs: [],
  });
}

describe('the step order as the servers log it', () => {
  it('with every step on and 12 leavers at once: each leaver’s Clear-MobileDevice comes before their session revocation, every revocation before any handover, and Remove-CalendarEvents before the conversion to shared and the licence removal', async () => {
    await control.reset();
    await control.clearLog();
    const results = await runAll();
    const entries = (await control.log()).entries;
    const ids = new Map((await control.state()).users.map((u) => [u.id, u.userPrincipalName.toLowerCase()]));
    const about = (entry: LogEntry): string => {
      const user = (entry.user ?? '').toLowerCase();
      return ids.get(user) ?? user;
    };
    const at = (upn: string, match: (entry: LogEntry) => boolean): number[] =>
      entries.flatMap((entry, index) => (about(entry) === upn && entry.status < 300 && match(entry) ? [index] : []));

    for (const [i, upn] of LEAVERS.entries()) {
      const statuses = Object.fromEntries(results[i].steps.map((s) => [s.step, s.status]));
      expect(statuses, upn).toMatchObject({ 'mobile-wipe': 'done', 'entra-revoke': 'done', 'cancel-meetings': 'done', 'mailbox-shared': 'done', licenses: 'done' });
      const wipes = at(upn, (e) => e.op === 'exo.cmdlet.Clear-MobileDevice');
      const revocations = at(upn, (e) => e.path.includes('/revokeSignInSessions'));
      const cancellations = at(upn, (e) => e.signature === 'exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -QueryWindowInDays');
      const conversions = at(upn, (e) => e.signature === 'exchange Set-Mailbox -Identity -Type');
      const licenceRemovals = at(upn, (e) => e.path.includes('/assignLicense'));
      expect([wipes.length, revocations.length, cancellations.length, conversions.length, licenceRemovals.length], upn).toEqual([2, 1, 1, 1, 1]);
      expect(Math.max(...wipes), `${upn}: wipes before the revocation`).toBeLessThan(Math.min(...revocations));
      expect(cancellations[0], `${upn}: cancellations before the conversion`).toBeLessThan(conversions[0]);
      expect(cancellations[0], `${upn}: cancellations before the licence removal`).toBeLessThan(licenceRemovals[0]);
    }
    // The leavers ran side by side: some leaver's wipe came after another leaver's revocation.
    const firstRevocation = entries.findIndex((e) => e.path.includes('/revokeSignInSessions'));
    const lastWipe = entries.findLastIndex((e) => e.op === 'exo.cmdlet.Clear-MobileDevice');
    expect(lastWipe).toBeGreaterThan(firstRevocation);
    // Every leaver's access was cut before any leaver's handover went to PowerShell.
    const lastRevocation = entries.findLastIndex((e) => e.path.includes('/revokeSignInSessions'));
    const firstHandover = entries.findIndex((e) => e.op === 'exo.cmdlet.Add-MailboxPermission' || e.op === 'exo.cmdlet.Get-MailboxPermission' || e.op.startsWith('spo.cmdlet'));
    expect(firstHandover).toBeGreaterThan(-1);
    expect(lastRevocation).toBeLessThan(firstHandover);
  });
});
