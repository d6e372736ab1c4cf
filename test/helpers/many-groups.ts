// A leaver in many AD groups, the last one protected, seeded in an OU of its own on the stack's DC and removed with it.
import { randomBytes } from 'node:crypto';
import { Attribute, type Client, Control } from 'ldapts';
import type { StackFacts } from '../stack/stack.js';

export interface ManyGroupsOptions {
  /** Name of the OU everything is created in. */
  ou: string;
  /** Where that OU goes, e.g. `OU=Groups` to inherit the service account's delegation there. Default: the base DN. */
  parent?: string;
  /** The leaver's cn and sAMAccountName. */
  leaver: { cn: string; sam: string };
  groups: number;
  /** cn of group i (the last one's gets ` (protected)`); sAMAccountNames are `<samPrefix>-<i>`. Unique in the domain. */
  groupCn: (i: number) => string;
  samPrefix: string;
  /** Users besides the leaver in the protected group. Default 0. */
  protectedMembers?: number;
}

export interface ManyGroups {
  ouDn: string;
  leaverDn: string;
  /** Every group's DN, the protected one last. */
  groupDns: string[];
  /** cn of the protected group, as the `protected-groups` input names it. */
  protectedName: string;
  /** DNs of the protected group's members: the leaver and the other users. */
  protectedMemberDns: string[];
  /** Deletes the OU and all in it. */
  remove(): Promise<void>;
}

async function inParallel(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) await work(next++);
  }));
}

const password = (): Buffer => Buffer.from(`"${randomBytes(12).toString('base64url')}aZ7!"`, 'utf16le');

/** Seeds the OU with `admin` (bound as a domain administrator): one request per user and per group. */
export async function seedManyGroups(admin: Client, facts: StackFacts, options: ManyGroupsOptions): Promise<ManyGroups> {
  const ouDn = `OU=${options.ou},${options.parent ? `${options.parent},` : ''}${facts.ldap.baseDn}`;
  const leaverDn = `CN=${options.leaver.cn},${ouDn}`;
  const last = options.groups - 1;
  const protectedName = `${options.groupCn(last)} (protected)`;
  const groupDns = Array.from({ length: options.groups }, (_, i) => `CN=${i === last ? protectedName : options.groupCn(i)},${ouDn}`);
  const user = (cn: string, sam: string) => [
    new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
    new Attribute({ type: 'sAMAccountName', values: [sam] }),
    new Attribute({ type: 'userPrincipalName', values: [`${sam}@${facts.ldap.upnSuffix}`] }),
    new Attribute({ type: 'unicodePwd', values: [password()] }),
    new Attribute({ type: 'userAccountControl', values: ['512'] }),
  ];
  await admin.add(ouDn, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
  await admin.add(leaverDn, user(options.leaver.cn, options.leaver.sam));
  const others = Array.from({ length: options.protectedMembers ?? 0 }, (_, i) => `CN=${options.samPrefix} member ${i},${ouDn}`);
  await inParallel(others.length, (i) => admin.add(others[i], user(`${options.samPrefix} member ${i}`, `${options.samPrefix}-m${i}`)));
  // Each group is created with its members: one request per group.
  await inParallel(options.groups, (i) =>
    admin.add(groupDns[i], [
      new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
      new Attribute({ type: 'sAMAccountName', values: [`${options.samPrefix}-${i}`] }),
      new Attribute({ type: 'member', values: i === last ? [leaverDn, ...others] : [leaverDn] }),
    ]),
  );
  return {
    ouDn,
    leaverDn,
    groupDns,
    protectedName,
    protectedMemberDns: [leaverDn, ...others],
    // Tree delete: the next files' directory snapshots stay as small as before.
    remove: () => admin.del(ouDn, new Control('1.2.840.113556.1.4.805', { critical: true })),
  };
}
