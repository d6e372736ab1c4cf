// Entra role holders that /directoryRoles does not show: PIM-eligible, custom and AU-scoped roles, roles held through groups.
import { type Fixture, type FixturePerson, SKU_E3 } from './fixture.js';

/** The role-assignable group that holds Helpdesk Administrator, with 25 people and a service principal in it. */
export const TIER1_GROUP = 'Tier 1 Support Admins';
/** A role-assignable group eligible (PIM) for Global Administrator. */
export const BREAK_GLASS_GROUP = 'Break Glass Eligible';
const TIER1_SERVICE_PRINCIPAL = 'Ticketing Automation';
export const CUSTOM_ROLE = 'Sales Helpdesk';
const SALES_UNIT = 'Sales Department';
export const TIER1_KEYS = Array.from({ length: 25 }, (_, i) => `tier1.${String(i + 1).padStart(2, '0')}`);

const hybrid = (key: string, givenName: string, surname: string, employeeId: string, cloud: FixturePerson['cloud']): FixturePerson => ({
  key,
  givenName,
  surname,
  displayName: `${givenName} ${surname}`,
  sam: key,
  userPrincipalName: `${key}@contoso.test`,
  mail: `${key}@contoso.test`,
  employeeId,
  manager: 'ceo',
  cloud: { licenses: [SKU_E3], ...cloud },
});

/** The fixture with the role holders added: `pim.admin`, `au.helpdesk`, `tier1.01`…`tier1.25`, `bg.eligible`. */
export function withRoleHolders(fixture: Fixture): Fixture {
  fixture.customRoles = [...(fixture.customRoles ?? []), CUSTOM_ROLE];
  fixture.roleGroups = [
    ...(fixture.roleGroups ?? []),
    { displayName: TIER1_GROUP, roles: [{ role: 'Helpdesk Administrator' }], servicePrincipals: [TIER1_SERVICE_PRINCIPAL] },
    { displayName: BREAK_GLASS_GROUP, roles: [{ role: 'Global Administrator', eligible: true }] },
  ];
  fixture.people.push(
    hybrid('pim.admin', 'Pia', 'Eligible', 'E9101', { roleGrants: [{ role: 'Privileged Role Administrator', eligible: true }] }),
    hybrid('au.helpdesk', 'Aurelio', 'Scoped', 'E9102', { roleGrants: [{ role: CUSTOM_ROLE, administrativeUnit: SALES_UNIT }] }),
    hybrid('bg.eligible', 'Bea', 'Glass', 'E9103', { groups: [BREAK_GLASS_GROUP] }),
    ...TIER1_KEYS.map((key, i) => hybrid(key, 'Tia', `Tier ${i + 1}`, `E92${String(i + 1).padStart(2, '0')}`, { groups: [TIER1_GROUP] })),
  );
  return fixture;
}
