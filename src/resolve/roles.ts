// Who holds an Entra role, from role assignments: active and PIM-eligible, built-in and custom, any scope, direct or through groups.
import { z } from 'zod';
import { isGraphError, LIST_LIMITS, type GraphApi } from '../connectors/types.js';
import type { RoleHolding } from '../model.js';

const principal = z.object({ id: z.string(), '@odata.type': z.string().optional(), displayName: z.string().nullish() });
/** unifiedRoleAssignment and unifiedRoleEligibilityScheduleInstance share these properties. */
const assignment = z.object({
  principalId: z.string(),
  roleDefinitionId: z.string(),
  directoryScopeId: z.string().nullish(),
  principal: principal.nullish(),
});
const definition = z.object({ id: z.string(), displayName: z.string().nullish(), isBuiltIn: z.boolean().nullish() });
const member = z.object({ id: z.string(), '@odata.type': z.string().optional() });
type Assignment = z.infer<typeof assignment>;

const USER = '#microsoft.graph.user';
const GROUP = '#microsoft.graph.group';

/**
 * The whole tenant's assignments are read once per run, whatever the number of leavers: a role can be held through a
 * group, which a per-user query cannot see without the user's group memberships. Each list is paged by nextLink
 * (graph.list); the cost grows with the tenant's role assignments (one request per 100), plus one members list per
 * group that holds a role (at most 500 role-assignable groups per tenant), not with the run's size.
 */
async function readAssignments(graph: GraphApi): Promise<{ active: Assignment[]; eligible: Assignment[] }> {
  const query = { expand: 'principal' };
  const [active, eligible] = await Promise.all([
    graph.list('/roleManagement/directory/roleAssignments', { query, schema: assignment, maxItems: LIST_LIMITS.directory }),
    graph.list('/roleManagement/directory/roleEligibilityScheduleInstances', { query, schema: assignment, maxItems: LIST_LIMITS.directory }).catch((error: unknown) => {
      // PIM needs Entra ID P2: a tenant without it answers 400 AadPremiumLicenseRequired and can hold no eligibility.
      if (isGraphError(error, 400) && error.code === 'AadPremiumLicenseRequired') return [];
      throw error;
    }),
  ]);
  return { active, eligible };
}

/** Users among a group's members, nested groups followed by Graph (`transitiveMembers`); service principals are not people. */
async function usersIn(graph: GraphApi, groupId: string): Promise<string[]> {
  const members = await graph.list('/groups/{id}/transitiveMembers', {
    params: { id: groupId },
    query: { select: ['id'], top: 999 },
    schema: member,
    maxItems: LIST_LIMITS.directory,
  });
  return members.filter((m) => m['@odata.type'] === USER).map((m) => m.id);
}

async function loadRoleHolders(graph: GraphApi): Promise<Map<string, RoleHolding[]>> {
  const [{ active, eligible }, definitions] = await Promise.all([
    readAssignments(graph),
    graph.list('/roleManagement/directory/roleDefinitions', { schema: definition, maxItems: LIST_LIMITS.directory }),
  ]);
  const roleOf = new Map(definitions.map((d) => [d.id, d]));
  const entries = [...active.map((a) => ({ a, eligible: false })), ...eligible.map((a) => ({ a, eligible: true }))];
  const groups = [...new Set(entries.filter(({ a }) => a.principal?.['@odata.type'] === GROUP).map(({ a }) => a.principalId))];
  const groupUsers = new Map(await Promise.all(groups.map(async (id) => [id, await usersIn(graph, id)] as const)));

  const byUser = new Map<string, RoleHolding[]>();
  const add = (userId: string, holding: RoleHolding): void => {
    const held = byUser.get(userId) ?? [];
    if (!held.some((h) => JSON.stringify(h) === JSON.stringify(holding))) held.push(holding);
    byUser.set(userId, held);
  };
  for (const { a, eligible: isEligible } of entries) {
    const role = roleOf.get(a.roleDefinitionId);
    const holding: RoleHolding = {
      role: role?.displayName ?? a.roleDefinitionId,
      builtIn: role?.isBuiltIn !== false,
      eligible: isEligible,
      scope: a.directoryScopeId ?? '/',
    };
    const type = a.principal?.['@odata.type'];
    if (type === GROUP) {
      for (const userId of groupUsers.get(a.principalId) ?? []) add(userId, { ...holding, group: a.principal?.displayName ?? a.principalId });
    } else if (type === USER || type === undefined) {
      // Without its type (a principal Graph could not expand) the id is kept: it only ever matches a user's id.
      add(a.principalId, holding);
    }
  }
  return byUser;
}

// Read once per run (per Graph connector), not once per user.
const holders = new WeakMap<GraphApi, Promise<Map<string, RoleHolding[]>>>();

/** User id → the Entra roles the user holds, in every form an assignment can take. */
export function roleHoldersByUser(graph: GraphApi): Promise<Map<string, RoleHolding[]>> {
  let map = holders.get(graph);
  if (!map) {
    map = loadRoleHolders(graph);
    holders.set(graph, map);
    // A failed read is not cached: the next run of resolve tries again and reports its own error.
    map.catch(() => holders.delete(graph));
  }
  return map;
}

/** `Helpdesk Administrator (eligible, custom, scoped to administrative unit …, through the group …)`. */
export function describeRole(holding: RoleHolding): string {
  const unit = /^\/administrativeUnits\/(.+)$/.exec(holding.scope);
  const notes = [
    holding.eligible ? 'eligible' : undefined,
    holding.builtIn ? undefined : 'custom',
    holding.scope === '/' ? undefined : unit ? `scoped to administrative unit ${unit[1]}` : `scoped to ${holding.scope}`,
    holding.group === undefined ? undefined : `through the group ${holding.group}`,
  ].filter((n) => n !== undefined);
  return notes.length > 0 ? `${holding.role} (${notes.join(', ')})` : holding.role;
}
