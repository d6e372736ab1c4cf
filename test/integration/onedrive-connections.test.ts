// onedrive-access over several sessions: a OneDrive's read, its write and its read-back share one site connection.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { Person } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { onedriveAccess } from '../../src/steps/onedrive-access.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);
const DELEGATE = 'salesvp@contoso.test';
/** More leavers than sessions, so that the sessions take turns at them. */
const LEAVERS = Array.from({ length: 8 }, (_, i) => `od.leaver${i + 1}@contoso.test`);

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  LEAVERS.forEach((upn, i) => {
    const n = String(i + 1);
    fixture.people.push({ key: `od${n}`, givenName: 'Leaver', surname: n, displayName: `Leaver ${n}`, userPrincipalName: upn, mail: upn, cloud: { synced: false, licenses: [SKU_E3] } });
  });
  return fixture;
}

let graph: GraphApi;
let sharepoint: PowerShellService;

function inputs(): Inputs {
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: ['onedrive-access'],
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

beforeAll(async () => {
  await control.load(tenantFixture(), {});
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
  sharepoint = psService(facts, 'sharepoint', { sessions: 2 });
});

afterAll(async () => {
  await Promise.all([graph.close(), sharepoint.close()]);
});

describe('onedrive-access with two SharePoint sessions', () => {
  it('connects to each OneDrive once: the read, Set-PnPTenantSite and the read-back of a leaver go out together', async () => {
    const found = await findEntraUsers(graph, LEAVERS.map((userPrincipalName) => ({ userPrincipalName })));
    const people: Person[] = LEAVERS.map((userPrincipalName, i) => ({
      request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName } },
      entra: found[i]?.[0],
      delegate: { userPrincipalName: DELEGATE, source: 'csv' },
    }));
    const results = await runEngine({
      people,
      steps: [onedriveAccess],
      mode: 'apply',
      inputs: inputs(),
      connectors: { graph, sharepoint },
      run: { event: 'workflow_dispatch' },
      now: new Date(),
      concurrency: LEAVERS.length,
      readBackDelaysMs: [],
    });
    expect(results.map((r) => r.steps.map((s) => `${s.status}${s.verified ? ' verified' : ''}`))).toEqual(LEAVERS.map(() => ['done verified']));
    const state = await control.state();
    for (const upn of LEAVERS) expect(state.sites.find((s) => s.owner === upn)?.admins).toEqual([upn, DELEGATE]);

    const log = await control.log();
    // At most one connect per session. The second session starts once a second command waits; on a loaded machine
    // the first may have done every leaver before the second's connect reaches the server.
    expect(log.counts['spo.connect']).toBeGreaterThanOrEqual(1);
    expect(log.counts['spo.connect']).toBeLessThanOrEqual(2);
    expect(log.counts['spo.cmdlet.Get-PnPSiteCollectionAdmin']).toBe(2 * LEAVERS.length);
    expect(log.counts['spo.cmdlet.Set-PnPTenantSite']).toBe(LEAVERS.length);
    // One connection per OneDrive, opened for the read and used again for the read-back.
    const siteConnects = log.entries.filter((e) => e.op === 'spo.site-connect').map((e) => e.user);
    expect(siteConnects.toSorted()).toEqual([...LEAVERS].sort());
  });
});
