// Graph v1.0 role management over the simulated tenant: role definitions, assignments, PIM eligibilities, transitive members.
import type { SimEnv } from './env.js';
import type { Caller, GraphCall, GraphResult } from './graph-types.js';
import { evaluate, type FilterNode, ODataError, parseFilter } from './odata.js';
import type { GroupRecord, RoleAssignmentRecord, RoleDefinitionRecord, ServicePrincipalRecord, Tenant, UserRecord } from './tenant.js';

/** What these routes use of graph.ts, handed over by it (graph.ts routes here: importing it back would be a cycle). */
export interface GraphKit {
  graphError(call: GraphCall, status: number, code: string, message: string): GraphResult;
  denied(call: GraphCall): GraphResult;
  badSegment(call: GraphCall, segment: string): GraphResult;
  /** A query option, refusing one given twice. */
  option(call: GraphCall, name: string): string | undefined;
  advancedQuery(call: GraphCall): boolean;
  has(caller: Caller, anyOf: string[]): boolean;
  page<T>(env: SimEnv, call: GraphCall, collectionPath: string, items: T[], contextName: string, render?: (item: T) => unknown): GraphResult;
  parseSelect(call: GraphCall, known: string[], typeName: string): string[] | undefined;
  parseSelectLoose(call: GraphCall): string[] | undefined;
  pick(bag: Record<string, unknown>, fields: string[]): Record<string, unknown>;
  pickTyped(o: Record<string, unknown>, fields: string[]): Record<string, unknown>;
  /** An error that ends the request with this result. */
  refuse(result: GraphResult): Error;
  /** A user with Graph's default properties and its @odata.type. */
  userObject(env: SimEnv, tenant: Tenant, user: UserRecord): Record<string, unknown>;
  groupObject(group: GroupRecord): Record<string, unknown>;
  readGroups: string[];
}

// https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments (directory provider, application)
const READ_ASSIGNMENTS = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'];
// https://learn.microsoft.com/graph/api/rbacapplication-list-roledefinitions (directory provider, application)
const READ_DEFINITIONS = ['RoleManagement.Read.Directory', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'];
// https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances: Directory.Read.All is not
// among them, RoleManagement.Read.Directory is.
const READ_ELIGIBILITY = [
  'RoleEligibilitySchedule.Read.Directory',
  'RoleEligibilitySchedule.ReadWrite.Directory',
  'RoleManagement.Read.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
];

/** Which properties a resource's `$filter` may test and with which operators, as its reference page lists them. */
interface FilterRules {
  resource: string;
  operators: ReadonlySet<'eq' | 'ne' | 'in'>;
  properties: readonly string[];
}

// https://learn.microsoft.com/graph/api/resources/unifiedroledefinition: id, displayName, isBuiltIn (eq, in).
const DEFINITION_FILTER: FilterRules = { resource: 'UnifiedRoleDefinition', operators: new Set(['eq', 'in']), properties: ['id', 'displayName', 'isBuiltIn'] };
// https://learn.microsoft.com/graph/api/resources/unifiedroleassignment: the four ids (eq, in).
const ASSIGNMENT_FILTER: FilterRules = {
  resource: 'UnifiedRoleAssignment',
  operators: new Set(['eq', 'in']),
  properties: ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId'],
};
// https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityscheduleinstance: eq and ne (no `in`).
const ELIGIBILITY_FILTER: FilterRules = {
  resource: 'UnifiedRoleEligibilityScheduleInstance',
  operators: new Set(['eq', 'ne']),
  properties: ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'memberType', 'roleEligibilityScheduleId'],
};

/** The documented filter of a role management list, or 400 for anything else (other properties, operators, functions). */
function checkRoleFilter(node: FilterNode, rules: FilterRules): FilterNode {
  const refuse = (what: string): never => {
    throw new ODataError('Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for ${what} of resource '${rules.resource}'.`);
  };
  const property = (name: string): string => rules.properties.find((p) => p.toLowerCase() === name.toLowerCase()) ?? refuse(`property '${name}'`);
  switch (node.type) {
    case 'and':
    case 'or':
      return { ...node, left: checkRoleFilter(node.left, rules), right: checkRoleFilter(node.right, rules) };
    case 'not':
      return refuse("operator 'not'");
    case 'func':
      return refuse(`function '${node.name}'`);
    case 'in':
      if (!rules.operators.has('in')) refuse("operator 'in'");
      return { ...node, property: property(node.property) };
    case 'cmp':
      if (node.op !== 'eq' && node.op !== 'ne') refuse(`operator '${node.op}'`);
      if (!rules.operators.has(node.op as 'eq' | 'ne')) refuse(`operator '${node.op}'`);
      return { ...node, property: property(node.property) };
  }
}

function filtered<T extends object>(k: GraphKit, call: GraphCall, items: T[], rules: FilterRules): T[] {
  const text = k.option(call, '$filter');
  if (text === undefined) return items;
  const tree = checkRoleFilter(parseFilter(text), rules);
  return items.filter((item) => evaluate(tree, (p) => (item as Record<string, unknown>)[p]));
}

/** `$expand=a,b($select=x,y)`: each name must be one the resource documents; values are their `$select` or true. */
function parseRoleExpand(k: GraphKit, call: GraphCall, allowed: readonly string[], typeName: string): Map<string, string[] | true> {
  const raw = k.option(call, '$expand');
  const out = new Map<string, string[] | true>();
  if (raw === undefined || raw.trim() === '') return out;
  for (const part of raw.match(/[^,(]+(?:\([^)]*\))?/g) ?? []) {
    const m = /^\s*([A-Za-z]+)\s*(?:\(\s*\$select\s*=\s*([^)]*)\))?\s*$/.exec(part);
    const name = allowed.find((a) => a.toLowerCase() === (m?.[1] ?? '').toLowerCase());
    if (!m || !name) {
      throw k.refuse(k.graphError(call, 400, 'BadRequest', `Could not find a property named '${part.split('(')[0].trim()}' on type '${typeName}'.`));
    }
    out.set(name, m[2] === undefined ? true : m[2].split(',').map((f) => f.trim()).filter(Boolean));
  }
  return out;
}

function servicePrincipalObject(sp: ServicePrincipalRecord): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, appId: sp.appId, displayName: sp.displayName, accountEnabled: true, servicePrincipalType: 'Application' };
}

/** A directory object by id as Graph renders it in a mixed collection (with its @odata.type), or undefined. */
export function directoryObject(k: GraphKit, env: SimEnv, tenant: Tenant, id: string): Record<string, unknown> | undefined {
  const user = tenant.userById(id);
  if (user) return k.userObject(env, tenant, user);
  const group = tenant.groups.get(id.toLowerCase());
  if (group) return k.groupObject(group);
  const sp = tenant.servicePrincipals.get(id.toLowerCase());
  return sp ? servicePrincipalObject(sp) : undefined;
}

function definitionObject(d: RoleDefinitionRecord): Record<string, unknown> {
  return { id: d.id, description: d.description, displayName: d.displayName, isBuiltIn: d.isBuiltIn, isEnabled: true, templateId: d.templateId, version: '1', rolePermissions: [] };
}

function scopeObject(tenant: Tenant, directoryScopeId: string): Record<string, unknown> | null {
  const unit = /^\/administrativeUnits\/(.+)$/.exec(directoryScopeId);
  const au = unit ? tenant.administrativeUnits.get(unit[1]) : undefined;
  return au ? { '@odata.type': '#microsoft.graph.administrativeUnit', id: au.id, displayName: au.displayName } : null;
}

function assignmentObject(a: RoleAssignmentRecord): Record<string, unknown> {
  if (!a.eligible) return { id: a.id, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId, directoryScopeId: a.directoryScopeId, appScopeId: null };
  return {
    id: a.id,
    principalId: a.principalId,
    roleDefinitionId: a.roleDefinitionId,
    directoryScopeId: a.directoryScopeId,
    appScopeId: null,
    startDateTime: '2024-03-01T09:00:00Z',
    endDateTime: null,
    memberType: 'Direct',
    roleEligibilityScheduleId: a.id.replace(/-1-e$/, ''),
  };
}

/** Renders assignments or eligibilities with `$select` and the expanded relationships. */
function renderAssignments(k: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, items: Record<string, unknown>[], typeName: string, expand: Map<string, string[] | true>): Record<string, unknown>[] {
  const select = k.parseSelect(call, Object.keys(items[0] ?? assignmentObject({ id: '', principalId: '', roleDefinitionId: '', directoryScopeId: '/', eligible: typeName.includes('Eligibility') })), typeName);
  return items.map((item) => {
    const out: Record<string, unknown> = select ? k.pick(item, [...new Set(['id', ...select])]) : { ...item };
    for (const [name, fields] of expand) {
      let related: Record<string, unknown> | null = null;
      if (name === 'principal') related = directoryObject(k, env, tenant, String(item.principalId)) ?? null;
      if (name === 'roleDefinition') {
        const d = tenant.roleDefinitions.get(String(item.roleDefinitionId));
        related = d ? definitionObject(d) : null;
      }
      if (name === 'directoryScope') related = scopeObject(tenant, String(item.directoryScopeId));
      out[name] = related && fields !== true ? k.pickTyped(related, fields) : related;
    }
    return out;
  });
}

/** Every member of a group, nested groups followed (each once): users, groups and service principals. */
function transitiveMemberIds(tenant: Tenant, group: GroupRecord, seen = new Set<string>([group.id])): string[] {
  const out: string[] = [];
  for (const id of group.members) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    const nested = tenant.groups.get(id);
    if (nested) out.push(...transitiveMemberIds(tenant, nested, seen));
  }
  return out;
}

const CASTS: Record<string, string> = {
  'microsoft.graph.user': '#microsoft.graph.user',
  'microsoft.graph.group': '#microsoft.graph.group',
  'microsoft.graph.servicePrincipal': '#microsoft.graph.servicePrincipal',
};

/** `GET /groups/{id}/transitiveMembers[/microsoft.graph.<type>]` (https://learn.microsoft.com/graph/api/group-list-transitivemembers). */
export function listTransitiveMembers(k: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, caller: Caller, group: GroupRecord | undefined, cast: string | undefined): GraphResult | undefined {
  if (!k.has(caller, k.readGroups)) return k.denied(call);
  if (!group) return undefined;
  if (cast !== undefined && !(cast in CASTS)) return k.badSegment(call, cast);
  // An OData cast on a transitive members list is an advanced query: ConsistencyLevel: eventual and $count=true
  // (https://learn.microsoft.com/graph/aad-advanced-queries, "Query scenarios that require advanced query capabilities").
  if (cast !== undefined && !(k.advancedQuery(call) && (k.option(call, '$count') ?? '').toLowerCase() === 'true')) {
    return k.graphError(call, 400, 'Request_UnsupportedQuery', 'The OData cast on transitiveMembers requires the ConsistencyLevel: eventual header and $count=true.');
  }
  const objects = transitiveMemberIds(tenant, group)
    .map((id) => directoryObject(k, env, tenant, id))
    .filter((o): o is Record<string, unknown> => o !== undefined && (cast === undefined || o['@odata.type'] === CASTS[cast]));
  const select = k.parseSelectLoose(call);
  return k.page(env, call, `groups/${group.id}/transitiveMembers${cast ? `/${cast}` : ''}`, objects, cast ? `${cast.replace('microsoft.graph.', '')}s` : 'directoryObjects', (o) =>
    select ? k.pickTyped(o, select) : o,
  );
}

/** `GET /roleManagement/directory/{roleDefinitions | roleAssignments | roleEligibilityScheduleInstances}`. */
export function listRoleManagement(k: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, caller: Caller, collection: string): GraphResult {
  const collectionPath = `roleManagement/directory/${collection}`;
  if (collection === 'roleDefinitions') {
    if (!k.has(caller, READ_DEFINITIONS)) return k.denied(call);
    // Only inheritsPermissionsFrom is a relationship of a role definition.
    parseRoleExpand(k, call, ['inheritsPermissionsFrom'], 'microsoft.graph.unifiedRoleDefinition');
    const all = [...tenant.roleDefinitions.values()].map(definitionObject);
    const select = k.parseSelect(call, Object.keys(all[0] ?? {}), 'microsoft.graph.unifiedRoleDefinition');
    return k.page(env, call, collectionPath, filtered(k, call, all, DEFINITION_FILTER), collectionPath, (d) => (select ? k.pick(d, [...new Set(['id', ...select])]) : d));
  }
  if (collection === 'roleAssignments') {
    if (!k.has(caller, READ_ASSIGNMENTS)) return k.denied(call);
    // appScope expands only for the entitlement management provider.
    const expand = parseRoleExpand(k, call, ['principal', 'roleDefinition', 'directoryScope'], 'microsoft.graph.unifiedRoleAssignment');
    const items = filtered(k, call, tenant.roleAssignments.filter((a) => !a.eligible).map(assignmentObject), ASSIGNMENT_FILTER);
    return k.page(env, call, collectionPath, renderAssignments(k, env, tenant, call, items, 'microsoft.graph.unifiedRoleAssignment', expand), collectionPath);
  }
  if (!k.has(caller, READ_ELIGIBILITY)) {
    // PIM answers a missing permission in its own shape: the code UnknownError, its reason as JSON in the message
    // (https://learn.microsoft.com/answers/questions/1656176).
    const message = JSON.stringify({ errorCode: 'PermissionScopeNotGranted', message: `Authorization failed due to missing permission scope ${READ_ELIGIBILITY.join(',')}.`, instanceAnnotations: [] });
    return k.graphError(call, 403, 'UnknownError', message);
  }
  if (!tenant.pimLicensed) {
    // What v1.0 answers in a tenant without Entra ID P2 (maester365/maester#1421).
    return k.graphError(call, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
  }
  const expand = parseRoleExpand(k, call, ['principal', 'roleDefinition', 'directoryScope', 'appScope'], 'microsoft.graph.unifiedRoleEligibilityScheduleInstance');
  const items = filtered(k, call, tenant.roleAssignments.filter((a) => a.eligible).map(assignmentObject), ELIGIBILITY_FILTER);
  return k.page(env, call, collectionPath, renderAssignments(k, env, tenant, call, items, 'microsoft.graph.unifiedRoleEligibilityScheduleInstance', expand), collectionPath);
}

export const ROLE_COLLECTIONS = ['roleDefinitions', 'roleAssignments', 'roleEligibilityScheduleInstances'];
