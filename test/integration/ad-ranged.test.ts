// A leaver in more groups than a DC hands out in one answer: memberOf is read by range, every value, against Samba.
import { randomBytes } from 'node:crypto';
import { Attribute, Client, Control } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { adGuard } from '../../src/resolve/ad-guards.js';
import { stackLdapInputs } from '../helpers/stack.js';

const facts = inject('stack');
// Past AD's default MaxValRange (1,500) and the connector's 1,000 values per request.
const GROUPS = 1600;
const OU = `OU=Many Groups,${facts.ldap.baseDn}`;
const LEAVER = `CN=Manny Groups,${OU}`;
const PROTECTED = 'Group 1599 (protected)';
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
  it('reads every group of a leaver in 1,600 groups, asking for the ranges after the first 1,000', async () => {
    const ad = createAdDirectory(stackLdapInputs(facts));
    try {
      await ad.hasAttribute('msExchHideFromAddressLists');
      const searches = ad.stats.searches;
      const [[leaver]] = await ad.findUsers([{ samAccountName: 'manny.groups' }]);

      expect(leaver.memberOf).toHaveLength(GROUPS);
      expect(new Set(leaver.memberOf.map((dn) => dn.toLowerCase()))).toEqual(
        new Set(Array.from({ length: GROUPS }, (_, i) => groupDn(i).toLowerCase())),
      );
      // The user search (values 0-999) and one base search for the range 1000-1999, which the DC closes with `*`.
      expect(ad.stats.searches - searches).toBe(2);
      // The protected group may be any one of the 1,600: the guard sees it.
      expect(adGuard(leaver, { bindAccount: {}, protectedIdentities: [], protectedGroups: [PROTECTED] })).toMatchObject({
        status: 'blocked',
        code: 'protected',
      });
    } finally {
      await ad.close();
    }
  });

  it('follows as many ranges as the values need, and reads the same groups', async () => {
    const ad = createAdDirectory({ ...stackLdapInputs(facts), valuesPerRange: 300 });
    try {
      await ad.hasAttribute('msExchHideFromAddressLists');
      const searches = ad.stats.searches;
      const [[leaver]] = await ad.findUsers([{ samAccountName: 'manny.groups' }]);
      expect(new Set(leaver.memberOf).size).toBe(GROUPS);
      // 0-299 with the user, then 300-599 … 1500-1799 (the DC answers 1500-*).
      expect(ad.stats.searches - searches).toBe(6);
    } finally {
      await ad.close();
    }
  });
});
