// Finding leavers and delegates in Entra ID through Graph, and the Entra guards: role holders, protected people, identity check.
import { z } from 'zod';
import { isGraphError, LIST_LIMITS, type GraphApi, type GraphQuery } from '../connectors/types.js';
import type { EntraUser, Identity, RoleHolding, Stop } from '../model.js';
import { describeRole, roleHoldersByUser } from './roles.js';

// The user properties the pipeline reads, as Graph answers them (null for an empty property).
const graphUser = z.object({
  id: z.string(),
  userPrincipalName: z.string(),
  mail: z.string().nullish(),
  displayName: z.string().nullish(),
  accountEnabled: z.boolean().nullish(),
  onPremisesSyncEnabled: z.boolean().nullish(),
  onPremisesSecurityIdentifier: z.string().nullish(),
  onPremisesSamAccountName: z.string().nullish(),
  employeeId: z.string().nullish(),
  userType: z.string().nullish(),
  licenseAssignmentStates: z
    .array(z.object({ skuId: z.string().nullish(), assignedByGroup: z.string().nullish(), disabledPlans: z.array(z.string()).nullish() }))
    .nullish(),
  manager: z.object({ id: z.string().optional(), userPrincipalName: z.string().optional(), accountEnabled: z.boolean().nullish() }).nullish(),
});
type GraphUser = z.infer<typeof graphUser>;

/** `$select` keeps answers small: exactly the properties of the shape above, the manager expanded. */
const USER_QUERY: GraphQuery = {
  select: Object.keys(graphUser.shape).filter((property) => property !== 'manager'),
  expand: 'manager($select=id,userPrincipalName,accountEnabled)',
};

const directoryObject = z.object({ id: z.string(), '@odata.type': z.string().optional(), displayName: z.string().nullish() });

const isNotFound = (error: unknown): boolean => isGraphError(error, 404);
/** `CORP\jdoe` → `jdoe`: the form people copy from a logon prompt. */
const bareSam = (sam: string): string => sam.trim().slice(sam.trim().lastIndexOf('\\') + 1);

function toEntraUser(user: GraphUser, roles: Map<string, RoleHolding[]>): EntraUser {
  const manager = user.manager?.id
    ? { id: user.manager.id, userPrincipalName: user.manager.userPrincipalName ?? '', accountEnabled: user.manager.accountEnabled !== false }
    : undefined;
  const directStates = (user.licenseAssignmentStates ?? []).filter((s) => s.skuId && (s.assignedByGroup === null || s.assignedByGroup === undefined));
  const direct = directStates.map((s) => s.skuId as string);
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail ?? undefined,
    displayName: user.displayName ?? undefined,
    accountEnabled: user.accountEnabled !== false,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled === true,
    onPremisesSecurityIdentifier: user.onPremisesSecurityIdentifier ?? undefined,
    onPremisesSamAccountName: user.onPremisesSamAccountName ?? undefined,
    employeeId: user.employeeId ?? undefined,
    userType: user.userType ?? undefined,
    directLicenses: [...new Set(direct)],
    disabledPlans: Object.fromEntries(directStates.map((s) => [s.skuId as string, [...(s.disabledPlans ?? [])]])),
    directoryRoles: roles.get(user.id) ?? [],
    manager,
  };
}

async function getUser(graph: GraphApi, key: string): Promise<GraphUser[]> {
  try {
    return [await graph.call({ method: 'GET', path: '/users/{id}', params: { id: key }, query: USER_QUERY, schema: graphUser })];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

async function filterUsers(graph: GraphApi, property: string, value: string): Promise<GraphUser[]> {
  return graph.list('/users', { query: { filter: { [property]: value }, ...USER_QUERY }, schema: graphUser, maxItems: LIST_LIMITS.matches });
}

/**
 * onPremisesSamAccountName can be filtered only in an advanced query (ConsistencyLevel: eventual and $count=true),
 * which does not support $expand (https://learn.microsoft.com/graph/aad-advanced-queries): the ids are found that way,
 * then each user is read as by every other lookup, manager included.
 */
async function filterUsersBySam(graph: GraphApi, sam: string): Promise<GraphUser[]> {
  const found = await graph.list('/users', {
    query: { filter: { onPremisesSamAccountName: bareSam(sam) }, select: ['id'], count: true },
    headers: { ConsistencyLevel: 'eventual' },
    schema: directoryObject,
    maxItems: LIST_LIMITS.matches,
  });
  return (await Promise.all(found.map((user) => getUser(graph, user.id)))).flat();
}

// A UPN that starts with `$` reads as a system query option in a key segment: look it up by filter instead.
const lookupByUpn = (graph: GraphApi, upn: string): Promise<GraphUser[]> =>
  upn.startsWith('$') ? filterUsers(graph, 'userPrincipalName', upn) : getUser(graph, upn);

/** The lookups for one identity, most specific first; the next one is tried only when the previous found nobody. */
function lookups(graph: GraphApi, identity: Identity): (() => Promise<GraphUser[]>)[] {
  const steps: (() => Promise<GraphUser[]>)[] = [];
  const { objectId, userPrincipalName, mail, employeeId, samAccountName } = identity;
  if (objectId) steps.push(() => getUser(graph, objectId));
  if (userPrincipalName) steps.push(() => lookupByUpn(graph, userPrincipalName));
  if (mail) steps.push(() => filterUsers(graph, 'mail', mail));
  if (employeeId) steps.push(() => filterUsers(graph, 'employeeId', employeeId));
  if (samAccountName) steps.push(() => filterUsersBySam(graph, samAccountName));
  return steps;
}

/**
 * Finds the Entra users of many identities: one entry per identity, in order, with every match (0, 1 or more).
 * Every lookup goes through the batching `call()`, so lookups made together share $batch requests.
 * An identity with only a distinguishedName has no Entra lookup and finds nobody.
 */
export async function findEntraUsers(graph: GraphApi, identities: Identity[]): Promise<EntraUser[][]> {
  const rolesPromise = identities.length > 0 ? roleHoldersByUser(graph) : Promise.resolve(new Map<string, RoleHolding[]>());
  const found = await Promise.all(
    identities.map(async (identity) => {
      for (const lookup of lookups(graph, identity)) {
        const users = await lookup();
        if (users.length > 0) return users;
      }
      return [];
    }),
  );
  const roles = await rolesPromise;
  return found.map((users) => users.map((u) => toEntraUser(u, roles)));
}

/**
 * Finds the Entra users synced from these AD objectSids (onPremisesSecurityIdentifier): the link from an AD account
 * to its cloud account, independent of the UPNs, which may differ. One entry per SID, with every match.
 */
export async function findEntraUsersBySid(graph: GraphApi, sids: string[]): Promise<EntraUser[][]> {
  const rolesPromise = sids.length > 0 ? roleHoldersByUser(graph) : Promise.resolve(new Map<string, RoleHolding[]>());
  const found = await Promise.all(sids.map((sid) => filterUsers(graph, 'onPremisesSecurityIdentifier', sid)));
  const roles = await rolesPromise;
  return found.map((users) => users.map((u) => toEntraUser(u, roles)));
}

/** Entra groups named in `protected`, with their members (nested groups followed), read once per run. */
export interface ProtectedEntraGroup {
  id: string;
  displayName: string;
  memberIds: ReadonlySet<string>;
}

/** Every member of a group, following nested groups (each group read once). */
async function allMembers(graph: GraphApi, groupId: string, seen: Set<string>): Promise<string[]> {
  if (seen.has(groupId)) return [];
  seen.add(groupId);
  const members = await graph.list('/groups/{id}/members', {
    params: { id: groupId },
    query: { select: ['id'], top: 999 },
    schema: directoryObject,
    maxItems: LIST_LIMITS.directory,
  });
  const nested = await Promise.all(
    members.filter((m) => m['@odata.type'] === '#microsoft.graph.group').map((m) => allMembers(graph, m.id, seen)),
  );
  return [...members.map((m) => m.id), ...nested.flat()];
}

/**
 * Reads the Entra groups among `names` (the `protected` input mixes people and groups; names that are not an
 * Entra group are ignored) and their members. Needs GroupMember.Read.All when `names` is not empty.
 */
export async function findProtectedEntraGroups(graph: GraphApi, names: readonly string[]): Promise<ProtectedEntraGroup[]> {
  // UPNs and other e-mail-like names are people, never group display names.
  const candidates = [...new Set(names.map((n) => n.trim()).filter((n) => n !== '' && !n.includes('@')))];
  const groups = (
    await Promise.all(candidates.map((name) => graph.list('/groups', { query: { filter: { displayName: name }, select: ['id', 'displayName'] }, schema: directoryObject, maxItems: LIST_LIMITS.matches })))
  ).flat();
  return Promise.all(
    groups.map(async (group) => ({
      id: group.id,
      displayName: group.displayName ?? group.id,
      memberIds: new Set(await allMembers(graph, group.id, new Set())),
    })),
  );
}

const sameText = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * The Entra guards: a directory role holder is never touched (`directory-role`), nor is anyone named in `protected`
 * by UPN, mail, sAMAccountName (`DOMAIN\sam` too) or object id, nor a member of a protected Entra group (`protected`).
 */
export function entraGuard(
  user: EntraUser,
  protectedIdentities: readonly string[],
  protectedGroups: readonly ProtectedEntraGroup[] = [],
): Stop | undefined {
  if (user.directoryRoles.length > 0) {
    return {
      status: 'blocked',
      code: 'directory-role',
      reason: `holds the Entra role ${user.directoryRoles.map(describeRole).join(', ')}: remove the role first if this person really leaves`,
    };
  }
  const named = protectedIdentities.find(
    (p) => [user.userPrincipalName, user.mail, user.id].some((v) => sameText(v, p.trim())) || sameText(user.onPremisesSamAccountName, bareSam(p)),
  );
  if (named) {
    return { status: 'blocked', code: 'protected', reason: `${named} is listed in the protected input` };
  }
  const group = protectedGroups.find((g) => g.memberIds.has(user.id));
  if (group) {
    return { status: 'blocked', code: 'protected', reason: `member of the protected Entra group ${group.displayName}` };
  }
  return undefined;
}

/**
 * Both directories must describe the same person: an Entra user synced from AD carries the AD objectSid in
 * onPremisesSecurityIdentifier. A different SID means the UPN or mail points at someone else.
 */
export function identityCheck(adSid: string, entraUser: EntraUser): Stop | undefined {
  const sid = entraUser.onPremisesSecurityIdentifier;
  if (!sid || sid.toUpperCase() === adSid.toUpperCase()) return undefined;
  return {
    status: 'failed',
    code: 'identity-mismatch',
    reason: `the Entra user ${entraUser.userPrincipalName} is synced from SID ${sid}, but the AD account has SID ${adSid}: they are not the same person`,
  };
}
