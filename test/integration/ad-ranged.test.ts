// A leaver in more groups than one answer holds: memberOf is read by range, every value, against Samba.
//
// AD answers `memberOf;range=0-1499` by itself past its MaxValRange; Samba 4.17 never does (a group of 1,600 members
// comes back whole under `member`, though its Default Query Policy says MaxValRange=1500), but it answers explicit
// range requests as AD does. The connector always asks by range, so these tests run its ranged path for real, with
// fewer values per request than the default 1,000: seeding 1,600 groups took 177 s on the loaded test machine.
// ad-ranged-proxy.test.ts reads through the LDAP proxy, which limits values as AD does (test/stack/ldap-proxy.ts).
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { adGuard, toProtectedAdGroups } from '../../src/resolve/ad-guards.js';
import { seedManyGroups, type ManyGroups } from '../helpers/many-groups.js';
import { stackLdapInputs } from '../helpers/stack.js';

const facts = inject('stack');
const GROUPS = 60;
const PER_RANGE = 25;

let admin: Client;
let seeded: ManyGroups;

beforeAll(async () => {
  admin = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, timeout: 120_000 });
  await admin.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
  const began = performance.now();
  seeded = await seedManyGroups(admin, facts, {
    ou: 'Many Groups',
    leaver: { cn: 'Manny Groups', sam: 'manny.groups' },
    groups: GROUPS,
    groupCn: (i) => `Group ${i}`,
    samPrefix: 'many-groups',
  });
  console.info(`seeded a user in ${GROUPS} groups in ${Math.round(performance.now() - began)} ms`);
}, 600_000);

afterAll(async () => {
  const began = performance.now();
  await seeded?.remove().catch(() => undefined);
  console.info(`removed them in ${Math.round(performance.now() - began)} ms`);
  await admin.unbind();
}, 600_000);

describe('memberOf past the values a DC returns at once', () => {
  it('reads every group of a leaver in more groups than one answer holds, asking for the rest by range', async () => {
    const ad = createAdDirectory({ ...stackLdapInputs(facts), valuesPerRange: PER_RANGE });
    try {
      await ad.hasAttribute('msExchHideFromAddressLists');
      const searches = ad.stats.searches;
      const [[leaver]] = await ad.findUsers([{ samAccountName: 'manny.groups' }]);

      expect(leaver.memberOf).toHaveLength(GROUPS);
      expect(new Set(leaver.memberOf.map((dn) => dn.toLowerCase()))).toEqual(
        new Set(seeded.groupDns.map((dn) => dn.toLowerCase())),
      );
      // The user search (values 0-24), then base searches for 25-49 and 50-74, which the DC answers as 50-*.
      expect(ad.stats.searches - searches).toBe(3);
      // The protected group may be any one of them: the guard, which reads the group's members, sees it.
      const protectedGroups = toProtectedAdGroups(await ad.findGroupMembers([seeded.protectedName]));
      expect(adGuard(leaver, { bindAccount: {}, protectedIdentities: [], protectedGroups })).toMatchObject({
        status: 'blocked',
        code: 'protected',
      });
    } finally {
      await ad.close();
    }
  });

  it('reads the same groups in one answer when they fit in the default range', async () => {
    const ad = createAdDirectory(stackLdapInputs(facts));
    try {
      await ad.hasAttribute('msExchHideFromAddressLists');
      const searches = ad.stats.searches;
      const [[leaver]] = await ad.findUsers([{ samAccountName: 'manny.groups' }]);
      expect(new Set(leaver.memberOf.map((dn) => dn.toLowerCase()))).toEqual(
        new Set(seeded.groupDns.map((dn) => dn.toLowerCase())),
      );
      expect(ad.stats.searches - searches).toBe(1);
    } finally {
      await ad.close();
    }
  });
});
