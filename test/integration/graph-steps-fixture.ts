// The tenant of the auth-methods, entra-groups and group-owners tests: a leaver and a bystander in every kind of group.
import { baseFixture, type Fixture, type FixtureAuthMethod } from '../stack/fixture.js';

/** A group named like an injection: an OData quote, markup and a PowerShell subexpression. */
export const HOSTILE_GROUP = "Q3 ' or 1 eq 1 <b>$(Remove-Item -Recurse /)</b>";

export const GROUP_IDS = {
  salesEmea: '5a1e5e3a-0001-4c3b-8d2a-000000000001',
  projectX: '5a1e5e3a-0001-4c3b-8d2a-000000000002',
  shared: '5a1e5e3a-0001-4c3b-8d2a-000000000003',
  hostile: '5a1e5e3a-0001-4c3b-8d2a-000000000004',
  allStaff: '5a1e5e3a-0001-4c3b-8d2a-000000000005',
  approvers: '5a1e5e3a-0001-4c3b-8d2a-000000000006',
  dynamic: '5a1e5e3a-0001-4c3b-8d2a-000000000007',
  synced: '5a1e5e3a-0001-4c3b-8d2a-000000000008',
  crowded: '5a1e5e3a-0001-4c3b-8d2a-000000000009',
} as const;

/** The Authenticator first: it is the default MFA method, which Graph deletes only once it is the last. */
const METHODS: FixtureAuthMethod[] = [
  { type: 'microsoftAuthenticator', displayName: 'iPhone 15' },
  { type: 'phone', phoneNumber: '+1 2065550142', phoneType: 'mobile' },
  { type: 'phone', phoneNumber: '+1 2065550199', phoneType: 'alternateMobile' },
  { type: 'fido2', displayName: 'YubiKey <5>' },
  { type: 'email', emailAddress: 'lea.private@example.net' },
  { type: 'temporaryAccessPass' },
];

const GROUPS = ['Sales EMEA', 'Project X', 'Shared Board', HOSTILE_GROUP, 'All Staff', 'Finance Approvers', 'Everyone Dynamic', 'On-prem Sync Group', 'Offboarding Block', 'Tier0 Helpdesk'];

/** The base tenant with `lea` (the leaver) and `ben` (a bystander in the same groups, with the same methods). */
export function graphStepsFixture(fixture: Fixture = baseFixture()): Fixture {
  fixture.entraGroups.push(
    { id: GROUP_IDS.salesEmea, displayName: 'Sales EMEA', kind: 'unified', team: true, owners: ['lea'] },
    { id: GROUP_IDS.projectX, displayName: 'Project X', owners: ['lea'] },
    { id: GROUP_IDS.shared, displayName: 'Shared Board', kind: 'unified', owners: ['lea', 'ben'] },
    { id: GROUP_IDS.hostile, displayName: HOSTILE_GROUP, kind: 'unified', owners: ['ben'] },
    { id: GROUP_IDS.allStaff, displayName: 'All Staff', kind: 'distribution', owners: ['lea'] },
    { id: GROUP_IDS.approvers, displayName: 'Finance Approvers', kind: 'mail-security' },
    { id: GROUP_IDS.dynamic, displayName: 'Everyone Dynamic', kind: 'dynamic' },
    { id: GROUP_IDS.synced, displayName: 'On-prem Sync Group', synced: true },
  );
  // Role-assignable, holding no role yet: a member holding a role would be stopped by the role guard before any step.
  fixture.roleGroups = [{ displayName: 'Tier0 Helpdesk', roles: [] }];
  for (const [key, given, surname] of [
    ['lea', 'Lea', 'Vermont'],
    ['ben', 'Ben', 'Stander'],
  ] as const) {
    fixture.people.push({
      key,
      givenName: given,
      surname,
      displayName: `${given} ${surname}`,
      userPrincipalName: `${key}@contoso.test`,
      mail: `${key}@contoso.test`,
      manager: 'salesvp',
      cloud: { synced: false, groups: [...GROUPS], authMethods: structuredClone(METHODS) },
    });
  }
  return fixture;
}

/** The contract cases' tenant: `lea` with a method of every type, `ben` with the Authenticator alone. */
export function contractGraphStepsFixture(base: Fixture): Fixture {
  const fixture = graphStepsFixture(base);
  for (const person of fixture.people) {
    if (person.key === 'lea') person.cloud?.authMethods?.push({ type: 'softwareOath' }, { type: 'windowsHelloForBusiness', displayName: 'LAPTOP-7' });
    if (person.key === 'ben' && person.cloud) person.cloud.authMethods = [{ type: 'microsoftAuthenticator', displayName: 'Pixel 8' }];
  }
  return fixture;
}

/**
 * The graph-steps tenant with more groups than a page of `GET /groups?$expand=…` holds (100), the leaver's ahead of
 * them on the second page, and a group of 21 owners, the leaver among them: more than the 20 an `$expand` returns.
 */
export function crowdedTenant(fixture: Fixture): Fixture {
  const owners = Array.from({ length: 20 }, (_, i) => `owner${String(i + 1).padStart(2, '0')}`);
  for (const key of owners) {
    fixture.people.push({ key, givenName: 'Co', surname: key, displayName: `Co-owner ${key}`, userPrincipalName: `${key}@contoso.test`, mail: `${key}@contoso.test`, cloud: { synced: false } });
  }
  const filler = Array.from({ length: 110 }, (_, i) => ({ id: `5a1e5e3a-0002-4c3b-8d2a-${String(i).padStart(12, '0')}`, displayName: `Project ${String(i).padStart(3, '0')}` }));
  fixture.entraGroups.unshift(...filler);
  fixture.entraGroups.push({ id: GROUP_IDS.crowded, displayName: 'Crowded Board', kind: 'unified', owners: [...owners, 'lea'] });
  return fixture;
}
