// A leaver in more groups than one answer holds: memberOf is read by range, every value, against Samba.
//
// AD answers `memberOf;range=0-1499` by itself past its MaxValRange; Samba 4.17 never does (a group of 1,600 members
// comes back whole under `member`, though its Default Query Policy says MaxValRange=1500), but it answers explicit
// range requests as AD does. The connector always asks by range, so these tests run its ranged path for real, with
// fewer values per request than the default 1,000: seeding 1,600 groups took 177 s on the loaded test machine.
import { randomBytes } from 'node:crypto';
import { Attribute, Client, Control } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { adGuard, toProtectedAdGroups } from '../../src/resolve/ad-guards.js';
import { stackLdapInputs } from '../helpers/stack.js';

const facts = inject('stack');
const GROUPS = 60;
const PER_RANGE = 25;
const OU = `OU=Many Groups,${facts.ldap.baseDn}`;
const LEAVER = `CN=Manny Groups,${OU}`;
const PROTECTED = 'Group 59 (protected)';
const groupDn = (i: number): string => `CN=${i === GROUPS - 1 ? PROTECTED : `Group ${i}`},${OU}`;

let admin: Client;

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) await work(next++);
  }));
}

beforeAll(async () => {
  admin = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, timeout: 120_000 });
  await admin.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
  const began = performance.now();
  await admin.add(OU, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  await admin.add(LEAVER, [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: ['manny.groups'] }),
    new Attribute({ type: 'userPrincipalName', values: [`manny.groups@${facts.ldap.upnSuffix}`] }),
    new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${randomBytes(12).toString('base64url')}aZ7!"`, 'utf16le')] }),
    new Attribute({ type: 'userAccountControl', values: ['512'] }),
  ]);
  // Each group is created with the leaver as its member: one request per group.
  await inParallel(GROUPS, (i) =>
    admin.add(groupDn(i), [
      new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
      new Attribute({ type: 'sAMAccountName', values: [`many-groups-${i}`] }),
      new Attribute({ type: 'member', values: [LEAVER] }),
    ]),
  );
  console.info(`seeded a user in ${GROUPS} groups in ${Math.round(performance.now() - began)} ms`);
}, 600_000);

afterAll(async () => {
  const began = performance.now();
  // Tree delete: the next files' directory snapshots stay as small as before.
  await admin.del(OU, new Control('1.2.840.113556.1.4.805', { critical: true })).catch(() => undefined);
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
        new Set(Array.from({ length: GROUPS }, (_, i) => groupDn(i).toLowerCase())),
      );
      // The user search (values 0-24), then base searches for 25-49 and 50-74, which the DC answers as 50-*.
      expect(ad.stats.searches - searches).toBe(3);
      // The protected group may be any one of them: the guard, which reads the group's members, sees it.
      const protectedGroups = toProtectedAdGroups(await ad.findGroupMembers([PROTECTED]));
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
        new Set(Array.from({ length: GROUPS }, (_, i) => groupDn(i).toLowerCase())),
      );
      expect(ad.stats.searches - searches).toBe(1);
    } finally {
      await ad.close();
    }
  });
});
