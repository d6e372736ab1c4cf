// Read-back of the AD steps against Samba: a write the LDAP proxy in front of the DC drops (answers success, changes nothing) fails its step with not-verified.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
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
import { type LdapProxy, loadStackTenant, startLdapProxy, stackFacts, stackLdapInputs } from '../helpers/stack.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const fixture = baseFixture();
const JDOE = 'jdoe@contoso.test';

/** Which writes the proxy answers as a success without passing them to Samba: modifies of the leaver's own entry, removals of a member from a group, moves. */
type Write = 'modify' | 'move' | 'removeGroupMember';

let proxy: LdapProxy;
let proxied: ReturnType<typeof createAdDirectory> | undefined;
let dropped: { stop(): void } | undefined;
/** The leaver's DN as Samba holds it before each test. */
let leaverDn: string;

/**
 * The product's directory connector through the LDAP proxy, with the writes named answered as a success and never
 * made: what a DC that loses a write looks like on the wire. Every read reaches Samba.
 */
function dropping(writes: Write[]): AdDirectory {
  dropped = proxy.dropWrites((dn, changes, write) => {
    if (write.operation === 'modifyDN') return writes.includes('move');
    const isUser = dn.toLowerCase() === leaverDn.toLowerCase();
    const removesMember = changes.some((c) => c.operation === 'delete' && c.attribute.toLowerCase() === 'member');
    return isUser ? writes.includes('modify') : removesMember && writes.includes('removeGroupMember');
  });
  proxied = createAdDirectory({ ...stackLdapInputs(facts), url: proxy.url });
  return proxied;
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
  proxy = await startLdapProxy(facts);
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange', { sessions: 1 });
});

beforeEach(async () => {
  await loadStackTenant(facts, fixture);
  ad = createAdDirectory(stackLdapInputs(facts));
  [[{ dn: leaverDn }]] = await ad.findUsers([{ userPrincipalName: JDOE }]);
});

afterEach(async () => {
  await Promise.all([ad.close(), proxied?.close()]);
  proxied = undefined;
  dropped?.stop();
  dropped = undefined;
});

afterAll(async () => {
  await Promise.all([graph.close(), exchange.close(), proxy.close()]);
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
    const result = await run(AD_STEPS, dropping(['modify']));
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
    const result = await run([adDisable, adGroups], dropping(['removeGroupMember']));
    expect(outcomes(result)).toEqual({ 'ad-disable': 'done verified', 'ad-groups': 'failed not-verified' });
    expect(result.steps[1].error?.message).toMatch(/expected \{"groups":\[\]\}, read \{"groups":\["CN=Sales,.*","CN=VPN Users,.*"\]\}/i);
  });

  it('fails ad-move when the move was dropped: the account is not at its new DN', async () => {
    const result = await run([adDisable, adMove], dropping(['move']));
    expect(outcomes(result)).toEqual({ 'ad-disable': 'done verified', 'ad-move': 'failed not-verified' });
    expect(result.steps[1].error?.message).toContain('read {"dn":null,"objectGuid":null}');
  });
});
