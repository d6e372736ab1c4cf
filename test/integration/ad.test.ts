// The AD connector, steps and guards against the Samba DC, asserting on the directory as an administrator reads it.
import { Attribute, Change, Client, type Entry } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdDirectory, type AdDirectoryOptions, type AdDirectoryStats } from '../../src/connectors/ldap.js';
import { escapeDnValue, sameDn } from '../../src/connectors/ldap/dn.js';
import type { AdDirectory } from '../../src/connectors/types.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { AdUser, Identity, Person } from '../../src/model.js';
import { adGuard, toProtectedAdGroups } from '../../src/resolve/ad-guards.js';
import { adDisable } from '../../src/steps/ad-disable.js';
import { adGroups } from '../../src/steps/ad-groups.js';
import { adMove } from '../../src/steps/ad-move.js';
import { adStamp } from '../../src/steps/ad-stamp.js';
import type { ApplyOutcome, Decision, Step, StepContext } from '../../src/steps/types.js';
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { loadStackTenant, stackFacts, stackLdapInputs } from '../helpers/stack.js';

const facts = stackFacts();
const { ldap } = facts;
const fixture: Fixture = baseFixture();
const staff = `OU=Staff,${ldap.baseDn}`;
const dnOf = (displayName: string, ou = staff): string => `CN=${escapeDnValue(displayName)},${ou}`;

// ---- the administrator's view of the directory ------------------------------------------------------------------

let admin: Client;

async function adminEntry(dn: string, attributes: string[]): Promise<Entry | undefined> {
  try {
    const { searchEntries } = await admin.search(dn, { scope: 'base', attributes });
    return searchEntries[0];
  } catch {
    return undefined;
  }
}

async function userAccountControl(dn: string): Promise<number | undefined> {
  const entry = await adminEntry(dn, ['userAccountControl']);
  return entry ? Number(entry.userAccountControl) : undefined;
}

const values = (value: Entry[string] | undefined): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));

/** Every user, group and OU of the tenant with the attributes the steps write and its change number. */
async function snapshot(): Promise<string> {
  const { searchEntries } = await admin.search(ldap.baseDn, {
    scope: 'sub',
    filter: '(|(objectClass=user)(objectClass=group)(objectClass=organizationalUnit))',
    attributes: ['userAccountControl', 'description', 'member', 'memberOf', 'uSNChanged'],
    paged: { pageSize: 500 },
  });
  const tenantOus = fixture.ous.map((ou) => `${ou},${ldap.baseDn}`.toLowerCase());
  return searchEntries
    .filter((entry) => tenantOus.some((ou) => entry.dn.toLowerCase().endsWith(ou)))
    .map((entry) => JSON.stringify([entry.dn, ...['userAccountControl', 'description', 'member', 'memberOf', 'uSNChanged'].map((a) => values(entry[a]).sort())]))
    .sort()
    .join('\n');
}

// ---- the action's side ------------------------------------------------------------------------------------------

type Directory = AdDirectory & { connect(): Promise<void>; readonly stats: AdDirectoryStats };

function directory(overrides: Partial<AdDirectoryOptions> = {}): Directory {
  return createAdDirectory({ ...stackLdapInputs(facts), ...overrides });
}

function inputs(): Inputs {
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: ['ad-disable', 'ad-stamp', 'ad-groups', 'ad-move'],
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    ldap: stackLdapInputs(facts),
    pwsh: 'pwsh',
    powershellSessions: 2,
    mailboxAutomapping: true,
  };
}

function contextFor(ad: AdDirectory, user: AdUser, reason?: string): StepContext {
  const person: Person = {
    request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { samAccountName: user.samAccountName }, reason },
    ad: user,
    delegate: { source: 'none' },
  };
  return {
    person,
    inputs: inputs(),
    connectors: { ad },
    run: { url: 'https://github.com/contoso/it-offboarding/actions/runs/4242', event: 'workflow_dispatch' },
    now: new Date('2026-11-25T10:00:00Z'),
    facts: {},
    shared: { once: (_key, compute) => compute() },
  };
}

/** What the engine does for one step in apply mode: observe, then apply a change. */
async function applyStep(step: Step, context: StepContext): Promise<{ decision: Decision; outcome?: ApplyOutcome | void }> {
  const decision = await step.observe(context);
  if (decision.kind !== 'change') return { decision };
  return { decision, outcome: await decision.apply() };
}

async function findOne(ad: AdDirectory, identity: Identity): Promise<AdUser> {
  const [matches] = await ad.findUsers([identity]);
  expect(matches, JSON.stringify(identity)).toHaveLength(1);
  return matches[0];
}

beforeAll(async () => {
  admin = new Client({ url: ldap.url, tlsOptions: { ca: [facts.caPem] } });
  await admin.bind(ldap.adminDn, ldap.adminPassword);
});

afterAll(async () => {
  await admin?.unbind();
});

let ad: Directory;
beforeEach(async () => {
  await loadStackTenant(facts, fixture);
  ad = directory();
});
afterEach(async () => {
  await ad.close();
});

// ---- tests ------------------------------------------------------------------------------------------------------

describe('ad-disable', () => {
  it('keeps DONT_EXPIRE_PASSWORD when disabling: 66048 becomes 66050', async () => {
    const user = await findOne(ad, { samAccountName: 'noexpire' });
    expect(user.userAccountControl).toBe(66048);

    const { decision } = await applyStep(adDisable, contextFor(ad, user));

    expect(decision).toMatchObject({ kind: 'change', before: { userAccountControl: 66048 }, after: { userAccountControl: 66050 } });
    expect(await userAccountControl(user.dn)).toBe(66050);
  });

  it('reports unchanged on a second pass and writes nothing', async () => {
    await applyStep(adDisable, contextFor(ad, await findOne(ad, { samAccountName: 'noexpire' })));
    const writes = ad.stats.modifies;
    const before = await snapshot();

    const again = await findOne(ad, { samAccountName: 'noexpire' });
    const { decision } = await applyStep(adDisable, contextFor(ad, again));

    expect(decision).toEqual({ kind: 'unchanged', before: { userAccountControl: 66050 } });
    expect(ad.stats.modifies).toBe(writes);
    expect(await snapshot()).toBe(before);
  });

  it('turns a normal account 512 into 514', async () => {
    const user = await findOne(ad, { userPrincipalName: 'jdoe@contoso.test' });
    await applyStep(adDisable, contextFor(ad, user));
    expect(await userAccountControl(user.dn)).toBe(514);
  });
});

describe('awkward names', () => {
  const people = [
    { identity: { distinguishedName: dnOf('Smith, John') }, displayName: 'Smith, John', uac: 66048 },
    { identity: { mail: "sean.o'brien@contoso.test" }, displayName: "Seán O'Brien", uac: 512 },
    { identity: { employeeId: 'E1004' }, displayName: 'Zoë Ångström-Müller', uac: 512 },
  ];

  it.each(people)('finds, disables and moves $displayName', async ({ identity, displayName, uac }) => {
    const user = await findOne(ad, identity);
    expect(sameDn(user.dn, dnOf(displayName))).toBe(true);
    expect(user.displayName).toBe(displayName);

    await applyStep(adDisable, contextFor(ad, user));
    const { outcome } = await applyStep(adMove, contextFor(ad, user));

    const moved = dnOf(displayName, ldap.disabledOu);
    expect(outcome).toEqual({ after: { dn: expect.any(String) } });
    expect(sameDn((outcome as ApplyOutcome).after?.dn as string, moved)).toBe(true);
    expect(await adminEntry(user.dn, ['cn'])).toBeUndefined();
    const entry = await adminEntry(moved, ['cn', 'userAccountControl']);
    expect(values(entry?.cn)).toEqual([displayName]);
    expect(Number(entry?.userAccountControl)).toBe(uac | 2);
  });

  it('finds the user by a DN typed with spaces after the commas and another escaping style', async () => {
    const user = await findOne(ad, { distinguishedName: `CN=Smith\\2C John, OU=Staff, ${ldap.baseDn}` });
    expect(user.samAccountName).toBe('jsmith');
  });

  it('reports ad-move unchanged for an account already in the disabled OU', async () => {
    const user = await findOne(ad, { samAccountName: 'jsmith' });
    await applyStep(adMove, contextFor(ad, user));
    const writes = ad.stats.modifies;

    const moved = await findOne(ad, { samAccountName: 'jsmith' });
    const { decision } = await applyStep(adMove, contextFor(ad, moved));

    expect(decision.kind).toBe('unchanged');
    expect(ad.stats.modifies).toBe(writes);
  });
});

describe('injection', () => {
  const attacks = ['*', 'x)(cn=*', 'jdoe)(|(sAMAccountName=*', '*)(objectClass=*', 'E1001)(|(employeeID=*'];
  const identities: Identity[] = attacks.flatMap((value) => [
    { samAccountName: value },
    { userPrincipalName: value },
    { mail: value },
    { employeeId: value },
    { distinguishedName: value },
    { distinguishedName: `CN=${value},${staff}` },
  ]);

  it('matches nobody for identities that carry filter syntax, and changes nothing', async () => {
    const before = await snapshot();
    await ad.hasAttribute('msExchHideFromAddressLists');
    const entriesBefore = ad.stats.entries;

    const matches = await ad.findUsers(identities);

    expect(matches).toEqual(identities.map(() => []));
    // The DC itself matched nothing: no value widened the filter.
    expect(ad.stats.entries).toBe(entriesBefore);
    expect(await snapshot()).toBe(before);
  });
});

describe('lookups', () => {
  it('returns one entry per identity in order, with the attributes read once', async () => {
    const [kim, doe, nobody, cloud] = await ad.findUsers([
      { samAccountName: 'admin.kim' },
      { samAccountName: 'CORP\\jdoe' },
      { samAccountName: 'nobody' },
      { objectId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' },
    ]);
    expect(kim.map((u) => u.samAccountName)).toEqual(['admin.kim']);
    expect(nobody).toEqual([]);
    expect(cloud).toEqual([]);
    const [jdoe] = doe;
    expect(jdoe).toMatchObject({
      samAccountName: 'jdoe',
      userPrincipalName: 'jdoe@contoso.test',
      mail: 'jdoe@contoso.test',
      employeeId: 'E1001',
      displayName: 'Jane Doe',
      userAccountControl: 512,
      adminCount: 0,
      primaryGroupId: 513,
      manager: dnOf('Priya Raman'),
    });
    expect(jdoe.objectSid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
    expect(jdoe.objectGuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(jdoe.memberOf.map((g) => g.split(',')[0]).sort()).toEqual(['CN=Sales', 'CN=VPN Users']);
    // The stack's DC has the Exchange schema extension (test/stack/exchange-schema.ldif); jdoe has none of them set.
    // A DC without it: ad-without-exchange-schema.test.ts.
    expect(jdoe.msExchHideFromAddressLists).toBeNull();
    expect(jdoe.msExchRemoteRecipientType).toBeUndefined();
    expect(jdoe.msExchRecipientTypeDetails).toBeUndefined();
    expect(await ad.hasAttribute('msExchHideFromAddressLists')).toBe(true);
    expect(await ad.hasAttribute('msExchRemoteRecipientType')).toBe(true);
    expect(await ad.hasAttribute('msExchRecipientTypeDetails')).toBe(true);
    expect(await ad.hasAttribute('msExchNoSuchAttribute')).toBe(false);
    expect(await ad.hasAttribute('employeeID')).toBe(true);
  });

  it('reads the objectSid and GUID the DC holds', async () => {
    const { sids } = await loadStackTenant(facts, fixture);
    const user = await findOne(ad, { samAccountName: 'jsmith' });
    expect(user.objectSid).toBe(sids.jsmith);
  });

  it('finds accounts by objectSid in the whole domain, outside the search base too', async () => {
    const { sids } = await loadStackTenant(facts, fixture);
    const staffOnly = directory({ baseDn: `OU=Staff,${facts.ldap.baseDn}` });
    try {
      const [kim, jsmith, unknown, junk] = await staffOnly.findUsersBySid([
        sids['admin.kim'].toLowerCase(),
        sids.jsmith,
        `${sids.jsmith.slice(0, sids.jsmith.lastIndexOf('-'))}-99999`,
        'jsmith)(objectSid=*',
      ]);
      expect(kim?.dn).toMatch(/^CN=Kim Admin,OU=Admins,/);
      expect(kim?.adminCount).toBe(1);
      expect(jsmith?.samAccountName).toBe('jsmith');
      expect(unknown).toBeUndefined();
      expect(junk).toBeUndefined();
      // The search base still bounds the lookups by the row's columns.
      const [byColumn] = await staffOnly.findUsers([{ samAccountName: 'admin.kim' }]);
      expect(byColumn).toEqual([]);
    } finally {
      await staffOnly.close();
    }
  });

  it('returns both accounts when one identity matches two of them', async () => {
    const twin = dnOf('Jane Doe (second account)');
    await admin.add(twin, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: 'jdoe2',
      userPrincipalName: 'jdoe2@contoso.test',
      mail: 'jdoe@contoso.test',
      employeeID: 'E1001',
    });

    const [byMail, byEmployeeId, bySam] = await ad.findUsers([
      { mail: 'JDoe@Contoso.test' },
      { employeeId: 'E1001' },
      { samAccountName: 'jdoe' },
    ]);

    expect(byMail.map((u) => u.samAccountName).sort()).toEqual(['jdoe', 'jdoe2']);
    expect(byEmployeeId.map((u) => u.samAccountName).sort()).toEqual(['jdoe', 'jdoe2']);
    expect(bySam.map((u) => u.samAccountName)).toEqual(['jdoe']);
  });

  it('finds a user by a secondary smtp address in proxyAddresses', async () => {
    await admin.modify(
      dnOf('Jane Doe'),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'proxyAddresses', values: ['SMTP:jdoe@contoso.test', 'smtp:jane.doe@contoso.test'] }) }),
    );
    const user = await findOne(ad, { mail: 'Jane.Doe@contoso.test' });
    expect(user.samAccountName).toBe('jdoe');
  });

  it('reads managers by DN, undefined where the DN does not exist or is not a DN', async () => {
    const [ceo, gone, junk] = await ad.readUsers([dnOf('Amara Okafor'), dnOf('Nobody Here'), 'not a dn']);
    expect(ceo?.samAccountName).toBe('ceo');
    expect(gone).toBeUndefined();
    expect(junk).toBeUndefined();
  });

  it('names the bind account with its DN and SID', async () => {
    const self = await ad.whoami();
    expect(sameDn(self.dn ?? '', ldap.bindDn)).toBe(true);
    expect(self.objectSid).toMatch(/^S-1-5-21-/);
  });

  it('names the bind account when it binds by UPN', async () => {
    const upn = values((await adminEntry(ldap.bindDn, ['userPrincipalName']))?.userPrincipalName)[0];
    expect(upn).toMatch(/@/);
    const byUpn = directory({ bindDn: upn });
    try {
      const self = await byUpn.whoami();
      expect(sameDn(self.dn ?? '', ldap.bindDn)).toBe(true);
      expect(self.objectSid).toBe((await ad.whoami()).objectSid);
    } finally {
      await byUpn.close();
    }
  });
});

describe('guards', () => {
  const context = async (extra: { protectedIdentities?: string[]; protectedGroups?: string[] } = {}) => ({
    bindAccount: await ad.whoami(),
    protectedIdentities: extra.protectedIdentities ?? [],
    protectedGroups: toProtectedAdGroups(await ad.findGroupMembers(extra.protectedGroups ?? [])),
  });

  it('blocks an account with adminCount=1', async () => {
    const kim = await findOne(ad, { samAccountName: 'admin.kim' });
    expect(adGuard(kim, await context())).toMatchObject({ status: 'blocked', code: 'admin-count' });
  });

  it('blocks the built-in Administrator (RID 500) and krbtgt (RID 502)', async () => {
    const [[administrator], [krbtgt]] = await ad.findUsers([{ samAccountName: 'Administrator' }, { samAccountName: 'krbtgt' }]);
    expect(administrator.objectSid).toMatch(/-500$/);
    expect(adGuard(administrator, await context())).toMatchObject({ status: 'blocked', code: 'builtin-rid' });
    expect(adGuard(krbtgt, await context())).toMatchObject({ status: 'blocked', code: 'builtin-rid' });
  });

  it('blocks the bind account itself', async () => {
    const self = await ad.whoami();
    const [bound] = await ad.readUsers([self.dn ?? '']);
    expect(bound).toBeDefined();
    expect(adGuard(bound as AdUser, await context())).toMatchObject({ status: 'blocked', code: 'bind-account' });
    expect(adGuard(bound as AdUser, { bindAccount: { objectSid: self.objectSid }, protectedIdentities: [], protectedGroups: [] }))
      .toMatchObject({ code: 'bind-account' });
  });

  it('blocks protected identities and members of protected groups, and lets others through', async () => {
    const [[jdoe], [zoe], [otto]] = await ad.findUsers([
      { samAccountName: 'jdoe' },
      { samAccountName: 'zangstrom' },
      { samAccountName: 'onprem' },
    ]);
    const guards = await context({ protectedIdentities: ['JDOE@contoso.test'], protectedGroups: ['finance'] });
    expect(adGuard(jdoe, guards)).toMatchObject({ status: 'blocked', code: 'protected' });
    expect(adGuard(zoe, guards)).toMatchObject({ status: 'blocked', code: 'protected', reason: expect.stringContaining('Finance') });
    expect(adGuard(otto, guards)).toBeUndefined();
    expect(adGuard(jdoe, await context({ protectedIdentities: ['CORP\\jdoe'] }))).toMatchObject({ code: 'protected' });
  });

  it('blocks a member of a group nested two levels inside a protected group, and a user whose primary group is protected', async () => {
    const nested = baseFixture();
    // A new array: baseFixture() shares its groups between calls.
    nested.groups = [
      ...nested.groups,
      { name: 'Tier Zero', ou: 'OU=Groups' },
      { name: 'IT Admins', ou: 'OU=Groups', groups: ['Tier Zero'] },
      { name: 'Helpdesk', ou: 'OU=Groups', groups: ['IT Admins'] },
      { name: 'Payroll', ou: 'OU=Groups' },
    ];
    nested.people.push(
      { key: 'deep', sam: 'deep', givenName: 'Dee', surname: 'Nest', displayName: 'Dee Nest', userPrincipalName: 'deep@contoso.test', groups: ['Helpdesk'] },
      { key: 'prim', sam: 'prim', givenName: 'Pri', surname: 'Mary', displayName: 'Pri Mary', userPrincipalName: 'prim@contoso.test', groups: ['Payroll'], primaryGroup: 'Payroll' },
    );
    await loadStackTenant(facts, nested);
    const [[deep], [prim], [jdoe]] = await ad.findUsers([{ samAccountName: 'deep' }, { samAccountName: 'prim' }, { samAccountName: 'jdoe' }]);
    expect(deep.memberOf.map((g) => g.split(',')[0])).toEqual(['CN=Helpdesk']);
    // AD lists the old primary group as an ordinary membership now, and the new one nowhere in memberOf.
    expect(prim.memberOf.map((g) => g.split(',')[0])).toEqual(['CN=Domain Users']);
    expect(prim.primaryGroupId).not.toBe(513);
    const guards = await context({ protectedGroups: ['Tier Zero', 'CORP\\Payroll'] });
    expect(adGuard(deep, guards)).toEqual({ status: 'blocked', code: 'protected', reason: 'deep is a member of the protected group Tier Zero' });
    expect(adGuard(prim, guards)).toEqual({ status: 'blocked', code: 'protected', reason: 'prim is a member of the protected group Payroll' });
    expect(adGuard(jdoe, guards)).toBeUndefined();
  });

  it('reads each protected group in three searches, however many users it holds', async () => {
    const before = ad.stats.searches;
    const [finance] = await ad.findGroupMembers(['Finance', 'No Such Group', 'jdoe@contoso.test']);
    expect(ad.stats.searches - before).toBe(3);
    expect(finance.userDns).toHaveLength(2);
    for (const name of ["Seán O'Brien", 'Zoë Ångström-Müller']) expect(finance.userDns.some((dn) => sameDn(dn, dnOf(name)))).toBe(true);
  });
});

describe('ad-stamp', () => {
  it('writes the date, the run URL and the reason into description, then reports unchanged', async () => {
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    const { decision } = await applyStep(adStamp, contextFor(ad, user, 'HR-1234 résignation'));
    const expected = 'Offboarded 2026-11-25 by https://github.com/contoso/it-offboarding/actions/runs/4242 — HR-1234 résignation';
    expect(decision).toMatchObject({ kind: 'change', before: { description: null }, after: { description: expected } });
    expect(values((await adminEntry(user.dn, ['description']))?.description)).toEqual([expected]);

    const writes = ad.stats.modifies;
    const again = await applyStep(adStamp, contextFor(ad, await findOne(ad, { samAccountName: 'jdoe' }), 'HR-1234 résignation'));
    expect(again.decision).toEqual({ kind: 'unchanged', before: { description: expected } });
    expect(ad.stats.modifies).toBe(writes);
  });

  it('keeps the first stamp when a later run offboards the same request again', async () => {
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    await applyStep(adStamp, contextFor(ad, user, 'HR-1234'));
    const later = { ...contextFor(ad, await findOne(ad, { samAccountName: 'jdoe' }), 'HR-1234'), now: new Date('2026-11-26T06:00:00Z') };
    const { decision } = await applyStep(adStamp, later);
    expect(decision).toMatchObject({ kind: 'unchanged', reason: 'stamped by an earlier run' });
  });

  it('truncates the description to 1,024 characters and records the old one', async () => {
    await admin.modify(dnOf('Jane Doe'), new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['Sales EMEA'] }) }));
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    const { decision } = await applyStep(adStamp, contextFor(ad, user, `HR-9 ${'é'.repeat(2000)}`));
    expect(decision).toMatchObject({ kind: 'change', before: { description: 'Sales EMEA' } });
    const written = values((await adminEntry(user.dn, ['description']))?.description)[0];
    expect(written).toHaveLength(1024);
    expect(written.startsWith('Offboarded 2026-11-25 by https://github.com/')).toBe(true);
  });
});

describe('ad-groups', () => {
  it('removes the user from every group but keeps the primary group', async () => {
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    const { decision } = await applyStep(adGroups, contextFor(ad, user));

    expect(decision).toMatchObject({
      kind: 'change',
      before: { groups: expect.arrayContaining([`CN=Sales,OU=Groups,${ldap.baseDn}`, `CN=VPN Users,OU=Groups,${ldap.baseDn}`]) },
      after: { groups: [] },
    });
    expect(user.memberOf).toHaveLength(2);
    for (const group of ['Sales', 'VPN Users']) {
      const entry = await adminEntry(`CN=${group},OU=Groups,${ldap.baseDn}`, ['member']);
      expect(values(entry?.member).some((m) => sameDn(m, user.dn))).toBe(false);
    }
    // Other members stay.
    const sales = await adminEntry(`CN=Sales,OU=Groups,${ldap.baseDn}`, ['member']);
    expect(values(sales?.member).some((m) => sameDn(m, dnOf('Smith, John')))).toBe(true);
    const after = await adminEntry(user.dn, ['memberOf', 'primaryGroupID']);
    expect(values(after?.memberOf)).toEqual([]);
    expect(Number(after?.primaryGroupID)).toBe(513);

    const again = await applyStep(adGroups, contextFor(ad, await findOne(ad, { samAccountName: 'jdoe' })));
    expect(again.decision).toEqual({ kind: 'unchanged', before: { groups: [] } });
  });

  it('treats a membership already removed by someone else as done', async () => {
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    await admin.modify(
      `CN=Sales,OU=Groups,${ldap.baseDn}`,
      new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [user.dn] }) }),
    );
    const { outcome } = await applyStep(adGroups, contextFor(ad, user));
    expect(outcome).toEqual({ after: { groups: [] } });
    expect(values((await adminEntry(user.dn, ['memberOf']))?.memberOf)).toEqual([]);
  });

  it('fails the step naming the group that could not be updated, after trying the others', async () => {
    const user = await findOne(ad, { samAccountName: 'jdoe' });
    const ghost = `CN=Deleted Group,OU=Groups,${ldap.baseDn}`;
    const withGhost: AdUser = { ...user, memberOf: [ghost, ...user.memberOf] };

    const decision = await adGroups.observe(contextFor(ad, withGhost));
    if (decision.kind !== 'change') throw new Error(`expected a change, got ${decision.kind}`);
    const failure = decision.apply();

    await expect(failure).rejects.toThrow(/Deleted Group/);
    await expect(failure).rejects.toMatchObject({ code: 'ldap-no-such-object' });
    expect(values((await adminEntry(user.dn, ['memberOf']))?.memberOf)).toEqual([]);
  });
});

describe('plan', () => {
  it('observes every AD step without applying and changes nothing', async () => {
    const before = await snapshot();
    const writes = ad.stats.modifies;
    const user = await findOne(ad, { samAccountName: 'jsmith' });

    const decisions = await Promise.all(
      [adDisable, adStamp, adGroups, adMove].map((step) => step.observe(contextFor(ad, user, 'HR-77'))),
    );

    expect(decisions.map((d) => d.kind)).toEqual(['change', 'change', 'change', 'change']);
    expect(decisions[3]).toMatchObject({ after: { dn: `CN=Smith\\, John,${ldap.disabledOu}` } });
    expect(ad.stats.modifies).toBe(writes);
    expect(await snapshot()).toBe(before);
  });
});

describe('write errors', () => {
  it('says the object no longer exists when it was deleted since it was read', async () => {
    const user = await findOne(ad, { samAccountName: 'onprem' });
    await admin.del(user.dn);
    const decision = await adDisable.observe(contextFor(ad, user));
    if (decision.kind !== 'change') throw new Error(`expected a change, got ${decision.kind}`);
    await expect(decision.apply()).rejects.toMatchObject({
      code: 'ldap-no-such-object',
      message: `The object ${user.dn} no longer exists (moved or deleted since it was read)`,
    });
  });

  it('names the attribute and the object when the bind account may not write them', async () => {
    const clerk = `CN=Read Only Clerk,${staff}`;
    await admin.add(clerk, [
      new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
      new Attribute({ type: 'sAMAccountName', values: ['roclerk'] }),
      new Attribute({ type: 'unicodePwd', values: [Buffer.from('"Cl3rk-Pa55!"', 'utf16le')] }),
      new Attribute({ type: 'userAccountControl', values: ['512'] }),
    ]);
    const clerkAd = directory({ bindDn: clerk, password: 'Cl3rk-Pa55!' });
    try {
      const user = await findOne(clerkAd, { samAccountName: 'jdoe' });
      const decision = await adDisable.observe(contextFor(clerkAd, user));
      if (decision.kind !== 'change') throw new Error(`expected a change, got ${decision.kind}`);
      await expect(decision.apply()).rejects.toMatchObject({
        code: 'ldap-insufficient-access',
        message: expect.stringMatching(/^CN=Read Only Clerk,.* may not write userAccountControl on CN=Jane Doe,OU=Staff,.*: delegate/),
      });
      expect(await userAccountControl(user.dn)).toBe(512);
    } finally {
      await clerkAd.close();
    }
  });
});
