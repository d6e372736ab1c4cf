// The application permissions each step declares, as one table with resolve's, and the preflight check of a token's roles against them.
import type { PreflightLine } from './model.js';
import { STEPS } from './steps/index.js';
import type { StepInfo, StepPermissions } from './steps/types.js';

interface PermissionRow extends StepPermissions {
  step: string;
}

// Resolving people is not a step, but every run does it. Least privileged first, as for the steps.
const RESOLVE: StepPermissions = {
  graph: [
    ['User.Read.All', 'RoleManagement.Read.Directory'],
    ['User.Read.All', 'Directory.Read.All'],
    ['Directory.Read.All'],
    ['User.ReadWrite.All', 'RoleManagement.Read.Directory'],
    ['Directory.ReadWrite.All'],
  ],
  ad: "read all properties of user objects in the leavers' OUs",
  notes:
    'GET /users (User.Read.All) and GET /directoryRoles?$expand=members (RoleManagement.Read.Directory) to protect role holders. Entra group names in `protected` also need GroupMember.Read.All.',
};

/** One row for resolve, then one per step of the list, in its order. */
export function permissionRows(list: readonly StepInfo[] = STEPS): PermissionRow[] {
  return [{ step: 'resolve', ...RESOLVE }, ...list.map((step) => ({ step: step.name, ...step.permissions }))];
}

export type PermissionResource = 'graph' | 'exchange' | 'sharepoint';

const RESOURCE_NAMES: Record<PermissionResource, string> = {
  graph: 'Microsoft Graph',
  exchange: 'Office 365 Exchange Online',
  sharepoint: 'SharePoint',
};

/**
 * Checks a token's `roles` for one API against what `resolve` and the enabled steps need. One line per step that is
 * satisfied, and one failing line per missing permission naming every step that needs it and how to grant it.
 */
export function checkPermissions(
  resource: PermissionResource,
  roles: string[],
  steps: readonly string[],
  list: readonly StepInfo[] = STEPS,
): PreflightLine[] {
  const api = RESOURCE_NAMES[resource];
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  const holds = (set: string[]): boolean => set.every((p) => granted.has(p.toLowerCase()));
  const lines: PreflightLine[] = [];
  const missing = new Map<string, { steps: string[]; alternatives: Set<string> }>();
  for (const row of permissionRows(list)) {
    const sets = row[resource] ?? [];
    if (sets.length === 0 || (row.step !== 'resolve' && !steps.includes(row.step))) continue;
    const satisfied = sets.find(holds);
    if (satisfied) {
      lines.push({ ok: true, label: `${api} permissions for ${row.step}`, detail: satisfied.join(', ') });
      continue;
    }
    const least = sets[0] ?? [];
    for (const permission of least.filter((p) => !granted.has(p.toLowerCase()))) {
      const entry = missing.get(permission) ?? { steps: [], alternatives: new Set<string>() };
      entry.steps.push(row.step);
      for (const set of sets.slice(1)) entry.alternatives.add(set.join(' + '));
      missing.set(permission, entry);
    }
  }
  for (const [permission, { steps: needers, alternatives }] of missing) {
    lines.push({
      ok: false,
      label: `${api} permission ${permission} is missing`,
      detail: `needed by ${needers.join(', ')}`,
      fix: `Add the ${api} application permission ${permission} to the app registration and grant admin consent${
        alternatives.size > 0 ? ` (or one of: ${[...alternatives].join('; ')})` : ''
      }.`,
    });
  }
  return lines;
}

/** `checkPermissions` for the Graph token: what the preflight shows before any change. */
export function checkGraphPermissions(roles: string[], steps: readonly string[]): PreflightLine[] {
  return checkPermissions('graph', roles, steps);
}
