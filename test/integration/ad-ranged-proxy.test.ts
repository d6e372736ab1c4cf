// The AD connector against a DC that ranges values unasked, as AD past its MaxValRange: the LDAP proxy at 20 values.
//
// Samba never limits values by itself (ad-ranged.test.ts), so a connector that reads memberOf plainly passes every test
// against it and reads 1,500 of a leaver's groups on AD. Through the proxy, AD's answer shape comes back with 20
// values instead of 1,500: a leaver in 60 groups is enough.
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import type { AdDirectory } from '../../src/connectors/types.js';
import { adGuard, toProtectedAdGroups } from '../../src/resolve/ad-guards.js';
import { adGroups } from '../../src/steps/ad-groups.js';
import type { StepContext } from '../../src/steps/types.js';
import { seedManyGroups, type ManyGroups } from '../helpers/many-groups.js';
import { type LdapProxy, stackFacts, stackLdapInputs, startLdapProxy } from '../helpers/stack.js';

const facts = stackFacts();
const GROUPS = 60;
const MAX_VAL_RANGE = 20;

let admin: Client;
let seeded: ManyGroups;
let proxy: LdapProxy;
const directories: AdDirectory[] = [];

/** The product's AD connector, with its default values per range (1,000), talking to the proxy. */
function throughProxy(): AdDirectory {
  const ad = createAdDirectory({ ...stackLdapInputs(facts), url: proxy.url });
  directories.push(ad);
  return ad;
}

const lower = (dns: string[]): string[] => dns.map((dn) => dn.toLowerCase()).sort();

beforeAll(async () => {
  admin = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, timeout: 120_000 });
  await admin.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
  seeded = await seedManyGroups(admin, facts, {
    ou: 'Many Groups Behind AD',
    // Inside an OU where the service account may write `member`, as the ad-groups step needs.
    parent: 'OU=Groups',
    leaver: { cn: 'Ranged Manny', sam: 'ranged.manny' },
    groups: GROUPS,
    groupCn: (i) => `Ranged Group ${i}`,
    samPrefix: 'ranged-groups',
    protectedMembers: 25,
  });
  proxy = await startLdapProxy(facts, { maxValRange: MAX_VAL_RANGE });
}, 600_000);

afterAll(async () => {
  for (const ad of directories) await ad.close();
  await proxy?.close();
  await seeded?.remove().catch(() => undefined);
  await admin?.unbind();
}, 600_000);

describe('memberOf and member from a DC that hands out 20 values at a time', () => {
  it('reads all 60 groups of a leaver, 20 at a time, and the guard blocks the protected one among them', async () => {
    const ad = throughProxy();
    await ad.hasAttribute('msExchHideFromAddressLists');
    const searches = proxy.searches.length;
    const [[leaver]] = await ad.findUsers([{ samAccountName: 'ranged.manny' }]);

    expect(lower(leaver.memberOf)).toEqual(lower(seeded.groupDns));
    // Asked 0-999, answered 0-19; then 20-1019 → 20-39, 40-1039 → 40-* (the last range).
    expect(proxy.searches.slice(searches).map((s) => s.attributes.filter((a) => a.startsWith('memberOf')))).toEqual([
      ['memberOf;range=0-999'],
      ['memberOf;range=20-1019'],
      ['memberOf;range=40-1039'],
    ]);
    const protectedGroups = toProtectedAdGroups(await ad.findGroupMembers([seeded.protectedName]));
    expect(adGuard(leaver, { bindAccount: {}, protectedIdentities: [], protectedGroups })).toMatchObject({
      status: 'blocked',
      code: 'protected',
    });
  });

  it('finds every one of the 26 members of a protected group, more than one answer of `member` holds', async () => {
    // What the DC answers a plain read of `member`: the first 20.
    const reader = new Client({ url: proxy.url, tlsOptions: { ca: [facts.caPem] } });
    await reader.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
    const { searchEntries } = await reader.search(seeded.groupDns.at(-1) as string, { scope: 'base', attributes: ['member'] });
    await reader.unbind();
    expect(searchEntries[0]['member;range=0-19']).toHaveLength(MAX_VAL_RANGE);

    const [group] = await throughProxy().findGroupMembers([seeded.protectedName]);
    expect(lower(group.userDns)).toEqual(lower(seeded.protectedMemberDns));
    expect(group.userDns).toHaveLength(26);
  });

  it('removes the leaver from all 60 groups with the ad-groups step, as the DC shows afterwards', async () => {
    const ad = throughProxy();
    const [[leaver]] = await ad.findUsers([{ samAccountName: 'ranged.manny' }]);
    // The step alone (resolve's guard is the test above): it reads only the person and the AD connector.
    const context = { person: { ad: leaver }, connectors: { ad } } as unknown as StepContext;
    const decision = await adGroups.observe(context);
    if (decision.kind !== 'change') throw new Error(`ad-groups saw nothing to change: ${JSON.stringify(decision)}`);
    expect(lower((decision.before as { groups: string[] }).groups)).toEqual(lower(seeded.groupDns));
    await decision.apply();

    const { searchEntries } = await admin.search(seeded.leaverDn, { scope: 'base', attributes: ['memberOf'] });
    expect(searchEntries[0].memberOf).toEqual([]);
    // The other members of the protected group stay.
    const group = await admin.search(seeded.groupDns.at(-1) as string, { scope: 'base', attributes: ['member'] });
    expect(lower(group.searchEntries[0].member as string[])).toEqual(lower(seeded.protectedMemberDns.slice(1)));
  });
});
