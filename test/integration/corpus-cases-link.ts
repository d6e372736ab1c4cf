// Corpus cases for the SID link between AD and Entra ID: the union of both directories' guards, whichever column a row uses.
import type { CorpusCase } from './corpus-cases.js';
import type { Fixture } from '../stack/fixture.js';

// Only types come from corpus-cases.ts, which imports this file: its values are not initialised yet when this one runs.
const STOPPED = ['blocked', 'blocked', 'blocked', 'blocked', 'blocked'] as const;
const blocked = (code: string, line = 2) => ({ line, status: 'blocked' as const, code, steps: [...STOPPED] });
const STAFF_ONLY = 'OU=Staff,DC=corp,DC=contoso,DC=test';

/** The people the link cases aim at, added to the base fixture (variant `link`). */
export function addLinkPeople(fixture: Fixture): void {
  // A new array: baseFixture() shares its groups between calls.
  fixture.groups = [
    ...fixture.groups,
    { name: 'Tier Zero', ou: 'OU=Groups' },
    { name: 'IT Admins', ou: 'OU=Groups', groups: ['Tier Zero'] },
    { name: 'Helpdesk', ou: 'OU=Groups', groups: ['IT Admins'] },
    { name: 'Payroll', ou: 'OU=Groups' },
  ];
  const hybrid = (key: string, givenName: string, surname: string, extra: Partial<Fixture['people'][number]> = {}): Fixture['people'][number] => ({
    key,
    sam: key,
    givenName,
    surname,
    displayName: `${givenName} ${surname}`,
    userPrincipalName: `${key}@contoso.test`,
    mail: `${key}@contoso.test`,
    manager: 'cfo',
    cloud: {},
    ...extra,
  });
  fixture.people.push(
    // A Domain Admin synced to the cloud: AD protects it, Entra knows nothing of that.
    hybrid('dadmin', 'Dag', 'Admin', { adminCount: 1 }),
    // A Global Administrator whose cloud UPN is not the AD one.
    hybrid('cga', 'Cora', 'Global', { cloud: { userPrincipalName: 'cora.global@contoso.onmicrosoft.com', roles: ['Global Administrator'] } }),
    hybrid('deep', 'Dee', 'Nest', { groups: ['Helpdesk'] }),
    hybrid('prim', 'Pri', 'Mary', { groups: ['Payroll'], primaryGroup: 'Payroll' }),
    // Accounts outside OU=Staff, for runs whose ldap-base-dn is OU=Staff.
    hybrid('faradm', 'Far', 'Admin', { ou: 'OU=Admins', adminCount: 1 }),
    hybrid('faraway', 'Far', 'Away', { ou: 'OU=Admins' }),
    // Synced from an AD account that does not exist (deleted, or in a domain this action does not reach).
    {
      key: 'ghost',
      givenName: 'Gus',
      surname: 'Host',
      displayName: 'Gus Host',
      userPrincipalName: 'ghost@contoso.test',
      mail: 'ghost@contoso.test',
      manager: 'cfo',
      cloud: { synced: true, sidOverride: 'S-1-5-21-1111111111-2222222222-3333333333-5555' },
    },
  );
}

export const LINK_CASES: CorpusCase[] = [
  {
    name: 'an objectId-only row of a synced Domain Admin is blocked by its AD adminCount, and neither account changes',
    fixture: 'link',
    csv: 'objectId\n{{id:dadmin}}\n',
    exitCode: 0,
    users: [blocked('admin-count')],
  },
  {
    name: 'the AD UPN of a synced Global Administrator with another cloud UPN is blocked by the Entra role',
    fixture: 'link',
    csv: 'userPrincipalName\ncga@contoso.test\n',
    exitCode: 0,
    users: [blocked('directory-role')],
  },
  {
    name: 'a member of a group nested two levels inside a protected AD group is blocked',
    fixture: 'link',
    csv: 'userPrincipalName\ndeep@contoso.test\n',
    inputs: { protected: 'Tier Zero' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'a user whose primary group is a protected AD group is blocked',
    fixture: 'link',
    csv: 'sam\nprim\n',
    inputs: { protected: 'Payroll' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'CORP\\ceo in protected blocks a row that names the CEO’s cloud account by objectId',
    csv: 'objectId\n{{id:ceo}}\n',
    inputs: { protected: 'CORP\\ceo' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'a synced Entra user whose AD account is outside ldap-base-dn is still blocked by its adminCount',
    fixture: 'link',
    csv: 'userPrincipalName\nfaradm@contoso.test\n',
    inputs: { 'ldap-base-dn': STAFF_ONLY },
    exitCode: 0,
    users: [blocked('admin-count')],
  },
  {
    name: 'a synced Entra user whose unguarded AD account is outside ldap-base-dn is not half offboarded',
    fixture: 'link',
    csv: 'userPrincipalName\nfaraway@contoso.test\n',
    inputs: { 'ldap-base-dn': STAFF_ONLY },
    exitCode: 0,
    users: [blocked('outside-base-dn')],
  },
  {
    name: 'a synced Entra user whose AD account cannot be found is blocked as unverifiable',
    fixture: 'link',
    csv: 'userPrincipalName\nghost@contoso.test\n',
    exitCode: 0,
    users: [blocked('guard-unverifiable')],
  },
  {
    name: "a row with Jane Doe's DN and a cloud-only user's objectId names two people across the link and touches neither",
    csv: 'distinguishedName,objectId\n"CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test",{{id:cloudy}}\n',
    exitCode: 1,
    users: [{ line: 2, status: 'failed', code: 'identity-conflict', steps: [...STOPPED] }],
  },
  {
    name: 'a sAMAccountName-only row is offboarded in both directories through the link',
    csv: 'sam\njsmith\n',
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done', 'skipped', 'done', 'done', 'done'] }],
    effects: [{ offboarded: 'jsmith', delegate: 'salesvp@contoso.test' }],
  },
];
