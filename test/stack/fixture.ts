// The people of the test tenant, shared by the Samba DC and the Microsoft 365 simulator.
import type { FixtureMailboxItems } from './fixture-mailbox-items.js';

interface FixtureCloud {
  /** Synced from AD (hybrid). Default: true when the person has `sam`. */
  synced?: boolean;
  accountEnabled?: boolean;
  /** Directly assigned licence SKU ids. */
  licenses?: string[];
  /** Licence SKU ids inherited from a group (cannot be removed directly). */
  groupLicenses?: string[];
  /** Exchange mailbox type, or null for none. Default: UserMailbox. */
  mailbox?: 'UserMailbox' | 'SharedMailbox' | null;
  hiddenFromAddressLists?: boolean;
  /** The mailbox's mobile devices, Inbox rules and organised meetings. */
  mailboxItems?: FixtureMailboxItems;
  /** Whether the OneDrive is provisioned. Default: true. Without one, Graph answers 404 for a licensed user, 400 otherwise. */
  onedrive?: boolean;
  /** Active, tenant-wide, directly assigned built-in directory roles by display name (e.g. "Global Administrator"). */
  roles?: string[];
  /** Role assignments beyond `roles`: PIM-eligible ones, custom roles (see `Fixture.customRoles`), administrative-unit scope. */
  roleGrants?: FixtureRoleGrant[];
  /** Entra group display names. */
  groups?: string[];
  /** Explicit object id; generated from the key when absent. */
  id?: string;
  /** Overrides onPremisesSecurityIdentifier (to test identity mismatches). */
  sidOverride?: string;
  /** The cloud UPN when it differs from the AD one (a synced user whose UPN suffix is not routable, or was changed). */
  userPrincipalName?: string;
  /** Graph's userType. Default: Member. */
  userType?: 'Member' | 'Guest';
  /** Authentication methods besides the password (every user has one); the first is the default MFA method. */
  authMethods?: FixtureAuthMethod[];
}

/** One registered authentication method, as Graph's `authentication/methods` lists it. */
export type FixtureAuthMethod =
  | { type: 'microsoftAuthenticator'; displayName: string }
  | { type: 'phone'; phoneNumber: string; phoneType?: 'mobile' | 'alternateMobile' | 'office' }
  | { type: 'fido2'; displayName: string }
  | { type: 'softwareOath' }
  | { type: 'email'; emailAddress: string }
  | { type: 'windowsHelloForBusiness'; displayName: string }
  | { type: 'temporaryAccessPass' };

/** An Entra group; without `kind` a cloud security group. Members join through `cloud.groups`. */
export interface FixtureEntraGroup {
  id: string;
  displayName: string;
  /**
   * `unified`: a Microsoft 365 group; `distribution`: a distribution list; `mail-security`: a mail-enabled security
   * group; `dynamic`: a security group with dynamic membership.
   */
  kind?: 'security' | 'unified' | 'distribution' | 'mail-security' | 'dynamic';
  /** Synced from on-premises AD. */
  synced?: boolean;
  /** A Microsoft 365 group with a team. */
  team?: boolean;
  /** Owners by person key. */
  owners?: string[];
}

/** One Entra role assignment (active unless `eligible`), tenant-wide unless `administrativeUnit` names its scope. */
export interface FixtureRoleGrant {
  /** Display name of a built-in role or of one of `Fixture.customRoles`. */
  role: string;
  /** PIM-eligible (a unifiedRoleEligibilityScheduleInstance) instead of active (a unifiedRoleAssignment). */
  eligible?: boolean;
  /** Display name of the administrative unit the assignment is scoped to. */
  administrativeUnit?: string;
}

export interface FixturePerson {
  /** Stable short key used to refer to the person in tests and as `manager`. */
  key: string;
  givenName: string;
  surname: string;
  /** The AD cn and the display name. May contain commas, apostrophes, accents. */
  displayName: string;
  /** sAMAccountName: present when the person has an AD account. */
  sam?: string;
  /** OU relative to the base DN, e.g. "OU=Staff". Default: OU=Staff. */
  ou?: string;
  userPrincipalName: string;
  mail?: string;
  employeeId?: string;
  /** Key of the manager. */
  manager?: string;
  /** Default 512 (normal account); 66048 adds DONT_EXPIRE_PASSWORD; 514 is disabled. */
  userAccountControl?: number;
  adminCount?: number;
  /** AD group names. */
  groups?: string[];
  /** An AD group (one of `groups`) made the primary group: primaryGroupID is its RID. */
  primaryGroup?: string;
  /** Present: the person has an Entra account. */
  cloud?: FixtureCloud;
  hr?: { positionId: string; reportsToPositionId?: string };
}

export interface Fixture {
  domain: {
    realm: string; // CORP.CONTOSO.TEST
    netbios: string; // CORP
    baseDn: string; // DC=corp,DC=contoso,DC=test
    upnSuffix: string; // contoso.test
  };
  tenant: {
    id: string;
    organization: string; // contoso.onmicrosoft.com
    sharepointAdminUrl: string; // https://contoso-admin.sharepoint.com
    oneDriveHost: string; // https://contoso-my.sharepoint.com
    /**
     * The Entra sign-in host of the cloud the tenant lives in. Default: login.microsoftonline.com, where worldwide and
     * GCC (moderate) tenants sign in; GCC High and DoD tenants sign in at login.microsoftonline.us (Microsoft Graph
     * national cloud deployments, learn.microsoft.com/graph/deployments).
     */
    loginHost?: string;
  };
  /** OUs relative to the base DN, created in order. */
  ous: string[];
  /** AD groups: name, OU, and the groups it is itself a member of (nesting). */
  groups: { name: string; ou: string; groups?: string[] }[];
  /** Entra groups (security groups; e.g. a Conditional Access block group). */
  entraGroups: FixtureEntraGroup[];
  skus: { skuId: string; skuPartNumber: string }[];
  people: FixturePerson[];
  /** Custom Entra role definitions (isBuiltIn false), by display name. */
  customRoles?: string[];
  /**
   * Role-assignable Entra groups (isAssignableToRole) and the roles assigned to them; people join through
   * `cloud.groups`, service principals (by display name) through `servicePrincipals`.
   */
  roleGroups?: { displayName: string; roles: FixtureRoleGrant[]; servicePrincipals?: string[] }[];
  /** Whether the tenant has Entra ID P2 (PIM). Default true; without it the eligibility APIs answer 400. */
  pimLicensed?: boolean;
}

export const SKU_E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
export const SKU_EMS = 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e';

const base: Omit<Fixture, 'people'> = {
  domain: {
    realm: 'CORP.CONTOSO.TEST',
    netbios: 'CORP',
    baseDn: 'DC=corp,DC=contoso,DC=test',
    upnSuffix: 'contoso.test',
  },
  tenant: {
    id: '8f3c1c2e-5a4b-4c7e-9d1f-2b6a7e9c0d11',
    organization: 'contoso.onmicrosoft.com',
    sharepointAdminUrl: 'https://contoso-admin.sharepoint.com',
    oneDriveHost: 'https://contoso-my.sharepoint.com',
  },
  ous: ['OU=Staff', 'OU=Admins', 'OU=Disabled Users', 'OU=Groups'],
  groups: [
    { name: 'Sales', ou: 'OU=Groups' },
    { name: 'Finance', ou: 'OU=Groups' },
    { name: 'VPN Users', ou: 'OU=Groups' },
  ],
  entraGroups: [{ id: '2d6f0b51-7c8e-4a1b-9f00-0c9a5b3e7d42', displayName: 'Offboarding Block' }],
  skus: [
    { skuId: SKU_E3, skuPartNumber: 'ENTERPRISEPACK' },
    { skuId: SKU_EMS, skuPartNumber: 'EMS' },
  ],
};

const person = (
  key: string,
  givenName: string,
  surname: string,
  extra: Partial<FixturePerson> = {},
): FixturePerson => ({
  key,
  givenName,
  surname,
  displayName: `${givenName} ${surname}`,
  sam: key,
  userPrincipalName: `${key}@contoso.test`,
  mail: `${key}@contoso.test`,
  cloud: { licenses: [SKU_E3] },
  ...extra,
});

/** The base tenant: a manager chain, hybrid and cloud-only users, awkward names, protected accounts. */
export function baseFixture(): Fixture {
  // A copy of the shared parts: a test that adds a group, an OU or an Entra group changes only its own fixture.
  return {
    ...structuredClone(base),
    people: [
      person('ceo', 'Amara', 'Okafor', { employeeId: 'E0001', hr: { positionId: 'P001' } }),
      person('cfo', 'Henrik', 'Lindqvist', { employeeId: 'E0002', manager: 'ceo', hr: { positionId: 'P002', reportsToPositionId: 'P001' } }),
      person('salesvp', 'Priya', 'Raman', { employeeId: 'E0003', manager: 'ceo', hr: { positionId: 'P003', reportsToPositionId: 'P001' } }),
      person('jdoe', 'Jane', 'Doe', {
        employeeId: 'E1001',
        manager: 'salesvp',
        groups: ['Sales', 'VPN Users'],
        hr: { positionId: 'P101', reportsToPositionId: 'P003' },
      }),
      person('jsmith', 'John', 'Smith', {
        displayName: 'Smith, John',
        employeeId: 'E1002',
        manager: 'salesvp',
        groups: ['Sales'],
        userAccountControl: 66048,
      }),
      person('sobrien', 'Seán', "O'Brien", {
        displayName: "Seán O'Brien",
        userPrincipalName: 'sean.obrien@contoso.test',
        mail: "sean.o'brien@contoso.test",
        employeeId: 'E1003',
        manager: 'cfo',
        groups: ['Finance'],
      }),
      person('zangstrom', 'Zoë', 'Ångström-Müller', {
        employeeId: 'E1004',
        manager: 'cfo',
        groups: ['Finance', 'VPN Users'],
      }),
      person('noexpire', 'Nils', 'Ewig', { employeeId: 'E1005', manager: 'cfo', userAccountControl: 66048 }),
      person('admin.kim', 'Kim', 'Admin', { ou: 'OU=Admins', employeeId: 'E9001', adminCount: 1, cloud: undefined }),
      person('gadmin', 'Gloria', 'Admin', { employeeId: 'E9002', manager: 'ceo', cloud: { roles: ['Global Administrator'] } }),
      person('onprem', 'Otto', 'Premise', { employeeId: 'E1006', manager: 'cfo', cloud: undefined }),
      // Cloud-only users.
      {
        key: 'cloudy',
        givenName: 'Chloé',
        surname: 'Nuage',
        displayName: 'Chloé Nuage',
        userPrincipalName: 'chloe.nuage@contoso.test',
        mail: 'chloe.nuage@contoso.test',
        employeeId: 'E2001',
        manager: 'salesvp',
        cloud: { synced: false, licenses: [SKU_E3], groupLicenses: [SKU_EMS] },
      },
      {
        key: 'nodrive',
        givenName: 'Noor',
        surname: 'Drive',
        displayName: 'Noor Drive',
        userPrincipalName: 'noor.drive@contoso.test',
        mail: 'noor.drive@contoso.test',
        employeeId: 'E2002',
        manager: 'salesvp',
        cloud: { synced: false, onedrive: false, mailbox: null },
      },
    ],
  };
}

/**
 * A tenant with `n` generated hybrid leavers (key `leaver0001`…) reporting to `boss`, for the scale tests and the
 * benchmark. Leavers are returned by key in `leaverKeys`.
 */
export function makeTenant(n: number): { fixture: Fixture; leaverKeys: string[] } {
  const fixture = baseFixture();
  fixture.people.push(person('boss', 'Bea', 'Boss', { employeeId: 'E3000', manager: 'ceo' }));
  const leaverKeys: string[] = [];
  for (let i = 1; i <= n; i++) {
    const key = `leaver${String(i).padStart(4, '0')}`;
    leaverKeys.push(key);
    fixture.people.push(person(key, 'Lee', `Leaver ${i}`, { employeeId: `L${String(i).padStart(5, '0')}`, manager: 'boss' }));
  }
  return { fixture, leaverKeys };
}
