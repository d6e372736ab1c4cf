// Read-back of the AD steps against Samba: a write the directory connector drops (answers success, changes nothing) fails its step with not-verified.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { movedDn } from '../../src/connectors/ldap/dn.js';
import type { AdDirectory, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { Person, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { adDisable } from '../../src/steps/ad-disable.js';
import { adGroups } from '../../src/steps/ad-groups.js';
import { adMove } from '../../src/steps/ad-move.js';
import { adStamp } from '../../src/steps/ad-stamp.js';
import { mailboxHide } from '../../src/steps/mailbox-hide.js';
import { mailboxShared } from '../../src/steps/mailbox-shared.js';
import type { Step } from '../../src/steps/types.js';
import { baseFixture } from '../stack/fixture.js';
import { loadStackTenant, stackFacts, stackLdapInputs } from '../helpers/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const fixture = baseFixture();
const JDOE = 'jdoe@contoso.test';

type Write = 'modify' | 'move' | 'removeGroupMember';

/**
 * The real directory, with the writes named answering as a success and changing nothing: what a DC that loses a write
 * looks like to the action. Every read goes to Samba.
 */
function dropping(ad: AdDirectory, writes: Write[]): AdDirectory {
  return {
    ...ad,
    modify: writes.includes('modify') ? async () => undefined : ad.modify,
    move: writes.includes('move') ? async (dn, parent) => movedDn(dn, parent) : ad.move,
    removeGroupMember: writes.includes('removeGroupMember') ? async () => undefined : ad.removeGroupMember,
  };
}

let graph: GraphApi;
let exchange: PowerShellService;
let ad: ReturnType<typeof createAdDirectory>;

function inputs(steps: Step[]): Inputs {
  return {
    mode: 'apply',
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
    ldap: stackLdapInputs(facts),
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
    mailboxAutomapping: false,
  };
}

async function run(steps: Step[], directory: AdDirectory): Promise<UserResult> {
  const [[account]] = await ad.findUsers([{ userPrincipalName: JDOE }]);
  const [[entra]] = await findEntraUsers(graph, [{ userPrincipalName: JDOE }]);
  const person: Person = {
    request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName: JDOE }, reason: 'Left the company' },
    ad: account,
    entra,
    delegate: { source: 'none' },
  };
  const [result] = await runEngine({
    people: [person],
    steps,
    mode: 'apply',
    inputs: inputs(steps),
    connectors: { ad: directory, graph, exchange },
    run: { url: 'https://github.com/contoso/it-offboarding/actions/runs/4242', event: 'workflow_dispatch' },
    now: new Date('2026-11-25T10:00:00Z'),
    concurrency: 1,
    // A dropped write never shows: no waiting for a replica to catch up.
    readBackDelaysMs: [],
  });
  return result;
}

const outcomes = (result: UserResult): Record<string, string> =>
  Object.fromEntries(result.steps.map((s) => [s.step, `${s.status}${s.verified ? ' verified' : ''}${s.error?.code ? ` ${s.error.code}` : ''}`]));

const AD_STEPS = [adDisable, adStamp, adGroups, mailboxShared, mailboxHide, adMove];

beforeAll(async () => {
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange', { sessions: 1 });
});

beforeEach(async () => {
  await loadStackTenant(facts, fixture);
  ad = createAdDirectory(stackLdapInputs(facts));
});

afterEach(async () => {
  await ad.close();
});

afterAll(async () => {
  await Promise.all([graph.close(), exchange.close()]);
});

describe('read-back of the AD steps', () => {
  it('records every AD change as verified, the hybrid mailbox attributes included', async () => {
    const result = await run(AD_STEPS, ad);
    expect(outcomes(result)).toEqual({
      'ad-disable': 'done verified',
      'ad-stamp': 'done verified',
      'ad-groups': 'done verified',
      'mailbox-shared': 'done verified',
      'mailbox-hide': 'done verified',
      'ad-move': 'done verified',
    });
  });

  it('fails every step whose modify was dropped with not-verified, blocks ad-move behind ad-disable, and changes nothing', async () => {
    const [[before]] = await ad.findUsers([{ userPrincipalName: JDOE }]);
    const result = await run(AD_STEPS, dropping(ad, ['modify']));
    expect(outcomes(result)).toEqual({
      'ad-disable': 'failed not-verified',
      'ad-stamp': 'failed not-verified',
      'ad-groups': 'done verified',
      'mailbox-shared': 'failed not-verified',
      'mailbox-hide': 'failed not-verified',
      'ad-move': 'blocked',
    });
    const disable = result.steps.find((s) => s.step === 'ad-disable');
    expect(disable?.error?.message).toBe(
      'The server accepted the change, but reading it back does not show it: expected {"userAccountControl":514}, read {"userAccountControl":512}.',
    );
    // Samba holds the account as it was, but for the group removals, which were not dropped.
    const [[after]] = await ad.findUsers([{ userPrincipalName: JDOE }]);
    expect({ ...after, memberOf: before.memberOf }).toEqual(before);
    expect(after.memberOf).toEqual([]);
  });

  it('fails ad-groups when a removal from a group was dropped', async () => {
    const result = await run([adDisable, adGroups], dropping(ad, ['removeGroupMember']));
    expect(outcomes(result)).toEqual({ 'ad-disable': 'done verified', 'ad-groups': 'failed not-verified' });
    expect(result.steps[1].error?.message).toMatch(/expected \{"groups":\[\]\}, read \{"groups":\["CN=Sales,.*","CN=VPN Users,.*"\]\}/i);
  });

  it('fails ad-move when the move was dropped: the account is not at its new DN', async () => {
    const result = await run([adDisable, adMove], dropping(ad, ['move']));
    expect(outcomes(result)).toEqual({ 'ad-disable': 'done verified', 'ad-move': 'failed not-verified' });
    expect(result.steps[1].error?.message).toContain('read {"dn":null,"objectGuid":null}');
  });
});
