// The application permissions each step declares, as one table with resolve's, and the preflight check of a token's roles against them.
import type { Mode } from './inputs-types.js';
import type { PreflightLine } from './model.js';
import { STEPS } from './steps/index.js';
import type { ReadPermissions, StepInfo, StepPermissions } from './steps/types.js';

interface PermissionRow extends StepPermissions {
  step: string;
}

// Resolving people is not a step, but every run does it. Least privileged first, as for the steps. Role holders come
// from role assignments (RoleManagement.Read.Directory, which also reads PIM eligibilities, whose own least privileged
// permission RoleEligibilitySchedule.Read.Directory would add a grant without removing one), and from the members of
// the role-assignable groups that hold roles (GroupMember.Read.All). Directory.Read.All reads users, assignments and
// group members, but not eligibilities.
const RESOLVE_GRAPH = [
  ['User.Read.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All'],
  ['Directory.Read.All', 'RoleManagement.Read.Directory'],
  ['User.ReadWrite.All', 'RoleManagement.Read.Directory', 'GroupMember.Read.All'],
  ['Directory.ReadWrite.All', 'RoleManagement.Read.Directory'],
  ['Directory.Read.All', 'RoleManagement.ReadWrite.Directory'],
];
const RESOLVE: StepPermissions = {
  graph: RESOLVE_GRAPH,
  reads: { graph: RESOLVE_GRAPH },
  ad: "read all properties of user objects in the leavers' OUs",
  notes:
    'GET /users (User.Read.All); the role holders to protect from GET /roleManagement/directory/roleAssignments, roleEligibilityScheduleInstances and roleDefinitions (RoleManagement.Read.Directory) and GET /groups/{id}/transitiveMembers of the groups holding roles (GroupMember.Read.All). Entra group names in `protected` need GroupMember.Read.All too.',
};

/** The row of `notify: delegate`, checked only when the run notifies: it is no step, but an apply that mails needs it. */
export const NOTIFY_ROW = 'notify';
// POST /users/{notify-from}/sendMail has no other application permission (https://learn.microsoft.com/graph/api/user-sendmail).
// A plan sends nothing and so needs nothing. Mail.Send alone may send as anyone: the README scopes it to one mailbox.
const NOTIFY: StepPermissions = {
  graph: [['Mail.Send']],
  reads: {},
  remarks: { graph: 'scoped to the `notify-from` mailbox (Exchange RBAC for Applications)' },
  notes: 'With notify: delegate, POST /users/{notify-from}/sendMail after an apply (Mail.Send).',
};

/** One row for resolve, then one per step of the list, in its order, then the notification mails. */
export function permissionRows(list: readonly StepInfo[] = STEPS): PermissionRow[] {
  return [{ step: 'resolve', ...RESOLVE }, ...list.map((step) => ({ step: step.name, ...step.permissions })), { step: NOTIFY_ROW, ...NOTIFY }];
}

export type PermissionResource = 'graph' | 'exchange' | 'sharepoint';

/**
 * What a row needs of one API in a mode: apply, its own sets (reads included); plan, its read sets. A row that
 * declares no reads asks a plan for the write sets, so that a forgotten declaration can only make a plan stricter.
 */
export function setsFor(row: StepPermissions, resource: PermissionResource, mode: Mode): string[][] {
  const source: ReadPermissions = mode === 'plan' && row.reads ? row.reads : row;
  return source[resource] ?? [];
}

/** What the README adds after the least privileged set of an API in a mode. */
export function remarkFor(row: StepPermissions, resource: PermissionResource, mode: Mode): string | undefined {
  return (mode === 'plan' && row.reads ? row.reads : row).remarks?.[resource];
}

const RESOURCE_NAMES: Record<PermissionResource, string> = {
  graph: 'Microsoft Graph',
  exchange: 'Office 365 Exchange Online',
  sharepoint: 'SharePoint',
};

/**
 * The permissions to ask for when no set is granted: those the least privileged set lacks, unless another set lacks
 * only some of them, because what the app already holds covers the rest (Directory.Read.All held, say, asks only
 * for RoleManagement.Read.Directory, not for GroupMember.Read.All as well).
 */
function closestSet(sets: string[][], granted: ReadonlySet<string>): string[] {
  const lacking = (set: string[]): string[] => set.filter((p) => !granted.has(p.toLowerCase()));
  const least = lacking(sets[0] ?? []);
  let best = least;
  for (const set of sets.slice(1)) {
    const missing = lacking(set);
    if (missing.length < best.length && missing.every((p) => least.includes(p))) best = missing;
  }
  return best;
}

/**
 * Checks a token's `roles` for one API against what `resolve` and the enabled steps need. One line per step that is
 * satisfied, and one failing line per missing permission naming every step that needs it and how to grant it.
 */
export function checkPermissions(
  resource: PermissionResource,
  roles: string[],
  steps: readonly string[],
  list: readonly StepInfo[] = STEPS,
  mode: Mode = 'apply',
): PreflightLine[] {
  const api = RESOURCE_NAMES[resource];
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  const holds = (set: string[]): boolean => set.every((p) => granted.has(p.toLowerCase()));
  const lines: PreflightLine[] = [];
  const missing = new Map<string, { steps: string[]; alternatives: Set<string> }>();
  for (const row of permissionRows(list)) {
    const sets = setsFor(row, resource, mode);
    if (sets.length === 0 || (row.step !== 'resolve' && !steps.includes(row.step))) continue;
    const satisfied = sets.find(holds);
    if (satisfied) {
      lines.push({ ok: true, label: `${api} permissions for ${row.step}`, detail: satisfied.join(', ') });
      continue;
    }
    for (const permission of closestSet(sets, granted)) {
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

/** `checkPermissions` for the Graph token: what the preflight shows before any change (a plan needs only the reads). */
export function checkGraphPermissions(roles: string[], steps: readonly string[], mode: Mode = 'apply'): PreflightLine[] {
  return checkPermissions('graph', roles, steps, STEPS, mode);
}
