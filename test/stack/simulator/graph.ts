// Microsoft Graph v1.0 over the simulated tenant: users, groups, roles, licences, drives and JSON $batch.
import { type Ctx, GRAPH_JSON, type Outcome, type Reply, type Routed } from './core.js';
import { authenticate, GRAPH_APP_ID, type SimEnv } from './env.js';
import { graphDate, isoSeconds, newGuid, stableGuid } from './ids.js';
import { isObject } from './jwt.js';
import { directoryObject, type GraphKit, listRoleManagement, listTransitiveMembers, ROLE_COLLECTIONS } from './graph-roles.js';
import type { Caller, GraphCall, GraphResult } from './graph-types.js';
import { checkFilter, evaluate, type FilterSchema, ODataError, parseFilter } from './odata.js';
import { listMessages, OUTLOOK_OPS, outlookThrottle, sendMail } from './mail.js';
import { classifyLeaver, leaverRoute, membershipRefused } from './graph-leaver.js';
import { graphSignature } from './signature.js';
import { type GroupRecord, oneDriveSlug, type RoleRecord, type Tenant, type UserRecord } from './tenant.js';

const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const WRITE_USERS = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const REVOKE = ['User.RevokeSessions.All', 'User.ReadWrite.All'];
const FILES = ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'];
const DIRECTORY_ROLES = ['Directory.Read.All', 'Directory.ReadWrite.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'RoleManagement.Read.All'];
const READ_GROUPS = ['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const WRITE_MEMBERS = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const WRITE_LICENSES = ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'];
const READ_LICENSES = [...READ_USERS, 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All'];
const READ_SKUS = ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All'];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ON_PREMISES_MASTERED = 'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.';

const USER_DEFAULT_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
/** Properties a PATCH may set, and whether directory sync masters them for hybrid users. */
const PATCHABLE: Record<string, { synced: boolean; type: 'boolean' | 'string' }> = {
  accountEnabled: { synced: true, type: 'boolean' },
  displayName: { synced: true, type: 'string' },
  givenName: { synced: true, type: 'string' },
  surname: { synced: true, type: 'string' },
  employeeId: { synced: true, type: 'string' },
  jobTitle: { synced: true, type: 'string' },
  mail: { synced: true, type: 'string' },
  usageLocation: { synced: false, type: 'string' },
};

const USER_FILTER: FilterSchema = {
  typeName: 'microsoft.graph.user',
  resourceName: 'User',
  properties: {
    id: { filter: true },
    userPrincipalName: { filter: true },
    mail: { filter: true },
    employeeId: { filter: true },
    // eq on onPremisesSamAccountName needs the advanced query parameters: the user filter table included in
    // https://learn.microsoft.com/graph/aad-advanced-queries (includes/filter-directory-objects.md).
    onPremisesSamAccountName: { filter: 'advanced' },
    onPremisesSecurityIdentifier: { filter: true },
    onPremisesSyncEnabled: { filter: true },
    displayName: { filter: true },
    givenName: { filter: true },
    surname: { filter: true },
    accountEnabled: { filter: true },
    userType: { filter: true },
    usageLocation: { filter: true },
    jobTitle: { filter: true },
    businessPhones: { filter: false },
    mobilePhone: { filter: 'advanced' },
    officeLocation: { filter: 'advanced' },
    preferredLanguage: { filter: true },
    signInSessionsValidFromDateTime: { filter: false },
  },
};

const GROUP_FILTER: FilterSchema = {
  typeName: 'microsoft.graph.group',
  resourceName: 'Group',
  properties: {
    id: { filter: true },
    displayName: { filter: true },
    mailNickname: { filter: true },
    mail: { filter: true },
    securityEnabled: { filter: true },
    mailEnabled: { filter: true },
    description: { filter: 'advanced' },
    isAssignableToRole: { filter: true },
  },
};

/** Routes `/v1.0/…`; undefined for other paths. */
export function routeGraph(env: SimEnv, ctx: Ctx): Routed | undefined {
  const pathname = ctx.url.pathname;
  if (pathname !== '/v1.0' && !pathname.startsWith('/v1.0/')) return undefined;
  const sub = pathname.slice('/v1.0'.length) || '/';
  const headers = lowerHeaders(ctx.req.headers);
  const faultReply = (kind: 'throttle' | 'unavailable', retryAfter: number | undefined): Reply => {
    const r = kind === 'throttle' ? throttled(ctx.requestId, ctx.clientRequestId, retryAfter ?? 1) : unavailable(ctx.requestId, ctx.clientRequestId, retryAfter);
    return { status: r.status, headers: r.headers, json: r.body, contentType: GRAPH_JSON };
  };
  if (sub === '/$batch') {
    return {
      resource: 'graph',
      op: 'graph.batch',
      signature: graphSignature(ctx.method, ['$batch'], ctx.url.searchParams, headers.consistencylevel),
      latency: 'graph.batch',
      faultReply,
      run: () => batch(env, ctx, headers),
    };
  }
  const op = classify(ctx.method, segmentsOf(sub));
  return {
    resource: 'graph',
    op,
    signature: graphSignature(ctx.method, segmentsOf(sub), ctx.url.searchParams, headers.consistencylevel),
    latency: op.startsWith('graph.get.') || op.startsWith('graph.list.') ? 'graph.read' : 'graph.write',
    faultReply,
    run: () => {
      const auth = authenticate(env, headers.authorization, ['https://graph.microsoft.com', GRAPH_APP_ID]);
      if (!auth.ok) return { reply: toReply(unauthenticated(ctx, auth.message)) };
      let body: unknown;
      let badBody = false;
      const text = ctx.body.toString('utf8');
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          badBody = true;
        }
      }
      const call: GraphCall = { method: ctx.method, path: sub, query: ctx.url.searchParams, headers, body, badBody, requestId: ctx.requestId, clientRequestId: ctx.clientRequestId };
      const caller: Caller = { appId: auth.appId, roles: auth.roles };
      const mailbox = OUTLOOK_OPS.has(op) ? segmentsOf(sub)[1] : undefined;
      const limited = mailbox === undefined ? undefined : outlookThrottle(KIT, env, call, caller, env.tenant().findUser(mailbox)?.id ?? mailbox, 1);
      const result = limited ?? execute(env, call, caller);
      return { reply: toReply(result), user: result.user, appId: auth.appId };
    },
  };
}

function toReply(r: GraphResult): Reply {
  return { status: r.status, headers: r.headers, json: r.body, contentType: r.body === undefined ? undefined : GRAPH_JSON };
}

function lowerHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Path segments, URL-decoded, with `users('…')` key syntax (quotes doubled) turned into two segments. */
function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('/').filter(Boolean)) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      seg = raw;
    }
    const keyed = /^([A-Za-z]+)\('(.*)'\)$/s.exec(seg);
    if (keyed) out.push(keyed[1], keyed[2].replace(/''/g, "'"));
    else out.push(seg);
  }
  return out;
}

/** The stable operation kind of a Graph request, decided from its method and path alone. */
function classify(method: string, s: string[]): string {
  const verb = method.toLowerCase();
  const [root, , rel, relId, ref] = s;
  const leaver = classifyLeaver(method, s);
  if (leaver) return leaver;
  if (root === 'users') {
    if (s.length === 1 && method === 'GET') return 'graph.list.users';
    if (s.length === 2 && method === 'GET') return 'graph.get.user';
    if (s.length === 2 && method === 'PATCH') return 'graph.patch.user';
    if (s.length === 3 && rel === 'revokeSignInSessions' && method === 'POST') return 'graph.post.revoke';
    if (s.length === 3 && rel === 'manager' && method === 'GET') return 'graph.get.manager';
    if (s.length === 3 && rel === 'drive' && method === 'GET') return 'graph.get.drive';
    if ((s.length === 3 || s.length === 4) && rel === 'memberOf' && method === 'GET') return 'graph.list.memberOf';
    if (s.length === 3 && rel === 'assignLicense' && method === 'POST') return 'graph.post.assignLicense';
    if (s.length === 3 && rel === 'checkMemberGroups' && method === 'POST') return 'graph.post.checkMemberGroups';
    if (s.length === 3 && rel === 'licenseDetails' && method === 'GET') return 'graph.list.licenseDetails';
    if (s.length === 3 && rel === 'sendMail' && method === 'POST') return 'graph.post.sendMail';
    if (s.length === 3 && rel === 'messages' && method === 'GET') return 'graph.list.messages';
  }
  if (root === 'groups') {
    if (s.length === 1 && method === 'GET') return 'graph.list.groups';
    if (s.length === 2 && method === 'GET') return 'graph.get.group';
    if (s.length === 3 && rel === 'members' && method === 'GET') return 'graph.list.groupMembers';
    if ((s.length === 3 || s.length === 4) && rel === 'transitiveMembers' && method === 'GET') return 'graph.list.transitiveMembers';
    if (s.length === 4 && rel === 'members' && relId === '$ref' && method === 'POST') return 'graph.post.groupMember';
    if (s.length === 5 && rel === 'members' && ref === '$ref' && method === 'DELETE') return 'graph.delete.groupMember';
  }
  if (root === 'directoryRoles' && s.length === 1 && method === 'GET') return 'graph.list.directoryRoles';
  if (root === 'roleManagement' && s.length === 3 && s[1] === 'directory' && ROLE_COLLECTIONS.includes(s[2]) && method === 'GET') return `graph.list.${s[2]}`;
  if (root === 'subscribedSkus' && s.length === 1 && method === 'GET') return 'graph.list.subscribedSkus';
  return `graph.${verb}.unknown`;
}

function graphError(call: Pick<GraphCall, 'requestId' | 'clientRequestId'>, status: number, code: string, message: string, headers?: Record<string, string>): GraphResult {
  return {
    status,
    headers,
    body: { error: { code, message, innerError: { date: graphDate(), 'request-id': call.requestId, 'client-request-id': call.clientRequestId } } },
  };
}

// A user without a OneDrive: Graph answers 404 "User's mysite not found." when the user is licensed but the site is
// not created yet (app-only, OneDrive/onedrive-api-docs#530), and 400 BadRequest "Unable to retrieve user's mysite
// URL." when there is no mysite to find, as for a user never licensed for one (microsoft-graph-docs#1354,
// skilion/onedrive#276, onedrive-api-docs#822; clients such as alcionai/corso treat both as "no drive").
function noDrive(call: GraphCall, licensed: boolean): GraphResult {
  return licensed
    ? graphError(call, 404, 'ResourceNotFound', "User's mysite not found.")
    : graphError(call, 400, 'BadRequest', "Unable to retrieve user's mysite URL.");
}

function throttled(requestId: string, clientRequestId: string, retryAfter: number): GraphResult {
  return graphError({ requestId, clientRequestId }, 429, 'TooManyRequests', 'Too many requests. Please retry after the number of seconds in the Retry-After header.', { 'Retry-After': String(retryAfter) });
}

function unavailable(requestId: string, clientRequestId: string, retryAfter: number | undefined): GraphResult {
  const headers = retryAfter === undefined ? undefined : { 'Retry-After': String(retryAfter) };
  return graphError({ requestId, clientRequestId }, 503, 'serviceNotAvailable', 'The service is temporarily unavailable. Please retry later.', headers);
}

function unauthenticated(ctx: Ctx, message: string): GraphResult {
  return graphError(ctx, 401, 'InvalidAuthenticationToken', message, {
    'WWW-Authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  });
}

const denied = (call: GraphCall): GraphResult => graphError(call, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
const notFound = (call: GraphCall, what: string): GraphResult =>
  graphError(call, 404, 'Request_ResourceNotFound', `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`);
const badSegment = (call: GraphCall, segment: string): GraphResult => graphError(call, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
const badJson = (call: GraphCall): GraphResult =>
  graphError(call, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');

function has(caller: Caller, anyOf: string[]): boolean {
  return caller.roles.some((r) => anyOf.includes(r));
}

function ok(body: unknown, user?: string): GraphResult {
  return { status: 200, body, user };
}

const noContent = (user?: string): GraphResult => ({ status: 204, user });

class QueryError extends Error {
  constructor(readonly result: GraphResult) {
    super('query');
  }
}

/** Query options, with Graph's rule that each may appear once. */
function option(call: GraphCall, name: string): string | undefined {
  const all = call.query.getAll(name);
  if (all.length > 1) {
    throw new QueryError(graphError(call, 400, 'BadRequest', `Query option '${name}' was specified more than once, but it must be specified at most once.`));
  }
  return all[0];
}

function execute(env: SimEnv, call: GraphCall, caller: Caller): GraphResult {
  try {
    const result = dispatch(env, call, caller);
    const [root, id] = segmentsOf(call.path);
    // Until the target resolves, the log names it as it was sent.
    if (result.user === undefined && root === 'users' && id !== undefined) return { ...result, user: id };
    return result;
  } catch (e) {
    if (e instanceof QueryError) return e.result;
    if (e instanceof ODataError) return graphError(call, 400, e.code, e.message);
    throw e;
  }
}

function dispatch(env: SimEnv, call: GraphCall, caller: Caller): GraphResult {
  const tenant = env.tenant();
  const s = segmentsOf(call.path);
  const op = classify(call.method, s);
  if (call.badBody) return badJson(call);
  for (const key of call.query.keys()) {
    if (key.startsWith('$') && !['$select', '$filter', '$expand', '$top', '$skiptoken', '$count'].includes(key)) {
      return graphError(call, 400, 'BadRequest', `The query specified in the URI is not valid. Query option '${key}' is not supported.`);
    }
  }
  if (op.endsWith('.unknown')) return unknownRoute(call, s);
  const [root, id] = s;
  const leaver = leaverRoute(KIT, env, tenant, call, caller, op, s);
  if (leaver) return leaver;

  if (root === 'users' && s.length === 1) {
    if (!has(caller, READ_USERS)) return denied(call);
    return listUsers(env, tenant, call);
  }
  if (root === 'users') {
    const user = tenant.findUser(id);
    const who = user?.userPrincipalName ?? id;
    switch (op) {
      case 'graph.get.user': {
        if (!has(caller, READ_USERS)) return denied(call);
        if (!user) return notFound(call, id);
        const select = parseSelect(call, Object.keys(userBag(env, tenant, user)), 'microsoft.graph.user');
        const expandManager = parseExpand(call);
        const body = withManager(env, tenant, user, pick(userBag(env, tenant, user), select ?? USER_DEFAULT_PROPERTIES), expandManager);
        return ok({ '@odata.context': context(env, select ? `users(${select.join(',')})/$entity` : 'users/$entity'), ...body }, who);
      }
      case 'graph.patch.user':
        return patchUser(call, caller, user, id);
      case 'graph.post.revoke': {
        if (!has(caller, REVOKE)) return denied(call);
        if (!user) return notFound(call, id);
        const now = isoSeconds();
        user.signInSessionsValidFromDateTime = now;
        user.revocations.push(new Date().toISOString());
        return ok({ '@odata.context': context(env, 'Edm.Boolean'), value: true }, who);
      }
      case 'graph.get.manager': {
        if (!has(caller, READ_USERS)) return denied(call);
        if (!user) return notFound(call, id);
        const manager = user.managerId ? tenant.userById(user.managerId) : undefined;
        if (!manager) return { ...notFound(call, 'manager'), user: who };
        const select = parseSelect(call, Object.keys(userBag(env, tenant, manager)), 'microsoft.graph.user');
        return ok({ '@odata.context': context(env, 'directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...pick(userBag(env, tenant, manager), select ?? USER_DEFAULT_PROPERTIES) }, who);
      }
      case 'graph.get.drive': {
        if (!has(caller, FILES)) return graphError(call, 403, 'accessDenied', 'Access denied');
        if (!user) return notFound(call, id);
        const site = tenant.oneDriveOf(user);
        if (!site) return { ...noDrive(call, tenant.assignedSkus(user).length > 0), user: who };
        const drive = driveOf(tenant, user, site.siteId);
        const select = parseSelect(call, Object.keys(drive), 'microsoft.graph.drive');
        return ok({ '@odata.context': context(env, `users('${user.id}')/drive${select ? `(${select.join(',')})` : ''}/$entity`), ...(select ? pick(drive, select) : drive) }, who);
      }
      case 'graph.list.memberOf': {
        if (!has(caller, DIRECTORY_ROLES)) return denied(call);
        if (!user) return notFound(call, id);
        const cast = s[3];
        if (cast !== undefined && cast !== 'microsoft.graph.group' && cast !== 'microsoft.graph.directoryRole') return badSegment(call, cast);
        const objects = [
          ...(cast === 'microsoft.graph.directoryRole' ? [] : tenant.groupsOf(user.id).map(groupObject)),
          ...(cast === 'microsoft.graph.group' ? [] : tenant.rolesOf(user.id).map(roleObject)),
        ];
        const select = parseSelectLoose(call);
        return { ...page(env, call, `users/${user.id}/memberOf${cast ? `/${cast}` : ''}`, objects.map((o) => (select ? pickTyped(o, select) : o)), 'directoryObjects'), user: who };
      }
      case 'graph.post.assignLicense':
        return assignLicense(env, call, caller, tenant, user, id);
      case 'graph.post.checkMemberGroups':
        return checkMemberGroups(env, call, caller, tenant, user, id);
      case 'graph.post.sendMail':
        return sendMail(KIT, env, tenant, call, caller, user, id);
      case 'graph.list.messages':
        return listMessages(KIT, env, tenant, call, caller, user, id);
      case 'graph.list.licenseDetails': {
        if (!has(caller, READ_LICENSES)) return denied(call);
        if (!user) return notFound(call, id);
        const details = tenant.assignedSkus(user).map((skuId) => ({
          id: stableGuid(user.id, 'licenseDetails', skuId),
          skuId,
          skuPartNumber: tenant.skus.find((k) => k.skuId === skuId)?.skuPartNumber ?? null,
          servicePlans: [],
        }));
        return { ...page(env, call, `users/${user.id}/licenseDetails`, details, `users('${user.id}')/licenseDetails`), user: who };
      }
    }
  }
  if (root === 'groups') {
    if (op === 'graph.list.groups') {
      if (!has(caller, READ_GROUPS)) return denied(call);
      const filterText = option(call, '$filter');
      let groups = [...tenant.groups.values()].map(groupObject);
      if (filterText !== undefined) {
        const tree = checkFilter(parseFilter(filterText), GROUP_FILTER, advancedQuery(call));
        groups = groups.filter((g) => evaluate(tree, (p) => g[p]));
      }
      const select = parseSelect(call, Object.keys(groupObject(firstGroup(tenant))), 'microsoft.graph.group');
      const expand = parseExpansion(call, 'microsoft.graph.group', ['members', 'owners']);
      return page(env, call, 'groups', groups.map((g) => ({ ...stripType(select ? pick(g, select) : g), ...expanded(env, tenant, expand, tenant.groups.get(String(g.id))) })), 'groups');
    }
    // Groups are addressed by object id only; anything else is not an identifier at all.
    if (!GUID.test(id)) return graphError(call, 400, 'Request_BadRequest', `Invalid object identifier '${id}'.`);
    const group = tenant.groups.get(id.toLowerCase());
    if (op === 'graph.get.group') {
      if (!has(caller, READ_GROUPS)) return denied(call);
      if (!group) return notFound(call, id);
      const select = parseSelect(call, Object.keys(groupObject(group)), 'microsoft.graph.group');
      const expand = parseExpansion(call, 'microsoft.graph.group', ['members', 'owners']);
      return ok({ '@odata.context': context(env, 'groups/$entity'), ...stripType(select ? pick(groupObject(group), select) : groupObject(group)), ...expanded(env, tenant, expand, group) });
    }
    if (op === 'graph.list.groupMembers') {
      if (!has(caller, READ_GROUPS)) return denied(call);
      if (!group) return notFound(call, id);
      // Members are users, groups and service principals (https://learn.microsoft.com/graph/api/group-list-members).
      const members = group.members.map((m) => memberObject(env, tenant, m)).filter((o): o is Record<string, unknown> => o !== undefined);
      const select = parseSelectLoose(call);
      return page(env, call, `groups/${group.id}/members`, members, 'directoryObjects', (o) => {
        if (select) return pickTyped(o, select);
        return o['@odata.type'] === '#microsoft.graph.user' ? pickTyped(o, USER_DEFAULT_PROPERTIES) : o;
      });
    }
    if (op === 'graph.list.transitiveMembers') {
      const result = listTransitiveMembers(KIT, env, tenant, call, caller, group, s[3]);
      if (result) return result;
      return notFound(call, id);
    }
    if (op === 'graph.post.groupMember') return addMember(env, call, caller, tenant, group, id);
    if (op === 'graph.delete.groupMember') {
      const memberId = s[3];
      const member = tenant.findUser(memberId);
      const who = member?.userPrincipalName ?? memberId;
      if (!has(caller, WRITE_MEMBERS) || !mayManage(caller, group)) return { ...denied(call), user: who };
      if (!group) return { ...notFound(call, id), user: who };
      const refused = membershipRefused(KIT, call, group);
      if (refused) return { ...refused, user: who };
      const idx = group.members.indexOf(member?.id ?? memberId.toLowerCase());
      if (idx < 0) return { ...notFound(call, memberId), user: who };
      group.members.splice(idx, 1);
      return noContent(who);
    }
  }
  if (root === 'roleManagement') return listRoleManagement(KIT, env, tenant, call, caller, s[2]);
  if (op === 'graph.list.directoryRoles') {
    if (!has(caller, DIRECTORY_ROLES)) return denied(call);
    const expand = parseExpansion(call, 'microsoft.graph.directoryRole', ['members']);
    const roles = [...tenant.roles.values()].map((r) => ({ ...stripType(roleObject(r)), ...expanded(env, tenant, expand, r) }));
    return page(env, call, 'directoryRoles', roles, 'directoryRoles');
  }
  if (op === 'graph.list.subscribedSkus') {
    if (!has(caller, READ_SKUS)) return denied(call);
    const skus = tenant.skus.map((k) => ({
      capabilityStatus: 'Enabled',
      consumedUnits: [...tenant.users.values()].filter((u) => tenant.assignedSkus(u).includes(k.skuId)).length,
      id: `${env.tenantId}_${k.skuId}`,
      skuId: k.skuId,
      skuPartNumber: k.skuPartNumber,
      appliesTo: 'User',
      prepaidUnits: { enabled: 10000, suspended: 0, warning: 0 },
      servicePlans: [],
    }));
    return ok({ '@odata.context': context(env, 'subscribedSkus'), value: skus });
  }
  return unknownRoute(call, s);
}

function unknownRoute(call: GraphCall, s: string[]): GraphResult {
  const known: Record<string, string[]> = {
    users: ['revokeSignInSessions', 'manager', 'drive', 'memberOf', 'assignLicense', 'licenseDetails', 'checkMemberGroups', 'sendMail', 'messages', 'authentication', 'ownedObjects'],
    groups: ['members', 'transitiveMembers', 'owners'],
  };
  const [root, , rel] = s;
  if (root === undefined) return badSegment(call, 'v1.0');
  if (root === 'roleManagement') {
    if (s[1] !== 'directory') return badSegment(call, s[1] ?? root);
    if (s[2] !== undefined && !ROLE_COLLECTIONS.includes(s[2])) return badSegment(call, s[2]);
  }
  if (!(root in known) && !['directoryRoles', 'subscribedSkus', 'roleManagement', '$batch'].includes(root)) return badSegment(call, root);
  if (rel !== undefined && root in known && !known[root].includes(rel)) return badSegment(call, rel);
  return graphError(call, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

/**
 * An advanced query needs both the ConsistencyLevel: eventual header and `$count=true`; `$expand` is "not currently
 * supported with advanced queries" (https://learn.microsoft.com/graph/aad-advanced-queries). Graph then answers as
 * for a query without them: an advanced-only filter property is refused as unsupported
 * (github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/9095 shows that answer for $expand=manager).
 */
function advancedQuery(call: GraphCall): boolean {
  const counted = (option(call, '$count') ?? '').toLowerCase() === 'true';
  return eventualConsistency(call) && counted && option(call, '$expand') === undefined;
}

function eventualConsistency(call: GraphCall): boolean {
  return (call.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
}

function context(env: SimEnv, what: string): string {
  return `${env.url}/v1.0/$metadata#${what}`;
}

function firstGroup(tenant: Tenant): GroupRecord {
  return (
    [...tenant.groups.values()][0] ?? { id: '', displayName: '', mailNickname: '', members: [], licenses: [], isAssignableToRole: false, kind: 'security', synced: false, team: false, owners: [], mail: null }
  );
}

/** An expansion asked for: the relationship and its nested `$select`, if any. */
interface Expansion {
  relation: 'members' | 'owners';
  select?: string[];
}

/**
 * `$expand=members` or `$expand=owners($select=id)` on groups (the group resource's owners "Supports $expand including
 * nested $select", https://learn.microsoft.com/graph/api/resources/group#relationships), only `members` on directory
 * roles: undefined when not asked for. One relationship at a time is modelled.
 */
function parseExpansion(call: GraphCall, typeName: string, allowed: readonly Expansion['relation'][]): Expansion | undefined {
  const raw = option(call, '$expand');
  if (raw === undefined) return undefined;
  const m = /^(\w+)(?:\(\$select=([\w,]+)\))?$/.exec(raw.replace(/\s/g, ''));
  const relation = allowed.find((r) => r === m?.[1]);
  if (!m || !relation) throw new QueryError(graphError(call, 400, 'BadRequest', `Could not find a property named '${raw.split('(')[0].trim()}' on type '${typeName}'.`));
  return { relation, select: m[2]?.split(',') };
}

/**
 * The relationship of an expansion: on directory objects `$expand` returns at most 20 items and no nextLink
 * (https://learn.microsoft.com/graph/query-parameters#expand, "typically returns a maximum of 20 items for the
 * expanded relationship and has no @odata.nextLink").
 */
function expanded(env: SimEnv, tenant: Tenant, expansion: Expansion | undefined, of: { members: string[]; owners?: string[] } | undefined): Record<string, unknown[]> {
  if (!expansion) return {};
  const ids = (expansion.relation === 'owners' ? of?.owners : of?.members) ?? [];
  const objects = ids.map((m) => directoryObject(KIT, env, tenant, m)).filter((o): o is Record<string, unknown> => o !== undefined);
  const select = expansion.select;
  return { [expansion.relation]: objects.slice(0, 20).map((o) => (select ? pickTyped(o, select) : o)) };
}

/** A member as a collection of directory objects renders it; a user with every property, for `$select`. */
function memberObject(env: SimEnv, tenant: Tenant, id: string): Record<string, unknown> | undefined {
  const user = tenant.userById(id);
  return user ? { '@odata.type': '#microsoft.graph.user', ...userBag(env, tenant, user) } : directoryObject(KIT, env, tenant, id);
}

function parseSelect(call: GraphCall, known: string[], typeName: string): string[] | undefined {
  const raw = option(call, '$select');
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const name = known.find((k) => k.toLowerCase() === p.toLowerCase());
    if (!name) throw new QueryError(graphError(call, 400, 'BadRequest', `Could not find a property named '${p}' on type '${typeName}'.`));
    return name;
  });
}

/** $select on mixed directory objects (memberOf): unknown names are simply absent, as on a base type. */
function parseSelectLoose(call: GraphCall): string[] | undefined {
  const raw = option(call, '$select');
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((p) => p.trim()).filter(Boolean);
}

/** `$expand=manager` or `$expand=manager($select=a,b)`: the manager's $select, `true` for all default properties, undefined when absent. */
function parseExpand(call: GraphCall): string[] | true | undefined {
  const raw = option(call, '$expand');
  if (raw === undefined) return undefined;
  const m = /^\s*manager\s*(?:\(\s*\$select\s*=\s*([^)]*)\))?\s*$/i.exec(raw);
  if (!m) {
    const name = raw.split('(')[0].trim();
    throw new QueryError(graphError(call, 400, 'BadRequest', `Could not find a property named '${name}' on type 'microsoft.graph.user'.`));
  }
  if (m[1] === undefined) return true;
  return m[1].split(',').map((p) => p.trim()).filter(Boolean);
}

function withManager(env: SimEnv, tenant: Tenant, user: UserRecord, body: Record<string, unknown>, expand: string[] | true | undefined): Record<string, unknown> {
  if (expand === undefined) return body;
  const manager = user.managerId ? tenant.userById(user.managerId) : undefined;
  if (!manager) return body;
  const bag = userBag(env, tenant, manager);
  const fields = expand === true ? USER_DEFAULT_PROPERTIES : expand.filter((f) => f in bag);
  return { ...body, manager: { '@odata.type': '#microsoft.graph.user', ...pick(bag, fields) } };
}

function pick(bag: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in bag) out[f] = bag[f];
  return out;
}

function pickTyped(o: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.type': o['@odata.type'] };
  for (const f of fields) if (f in o) out[f] = o[f];
  return out;
}

function stripType(o: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...o };
  delete rest['@odata.type'];
  return rest;
}

/** The scalar properties a $filter may test, without the licence lookups of the full bag. */
function userScalars(u: UserRecord): Record<string, unknown> {
  return {
    id: u.id,
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    employeeId: u.employeeId,
    onPremisesSyncEnabled: u.synced ? true : null,
    onPremisesSecurityIdentifier: u.onPremisesSecurityIdentifier,
    onPremisesSamAccountName: u.onPremisesSamAccountName,
    usageLocation: u.usageLocation,
    userType: u.userType,
  };
}

/** Every property of a user the simulator knows, in Graph's names and shapes. */
function userBag(env: SimEnv, tenant: Tenant, u: UserRecord): Record<string, unknown> {
  const states = tenant.licenseStates(u);
  return {
    ...userScalars(u),
    businessPhones: [],
    createdDateTime: u.createdDateTime,
    onPremisesUserPrincipalName: u.synced ? u.userPrincipalName : null,
    onPremisesDomainName: u.synced ? tenant.domain.realm.toLowerCase() : null,
    onPremisesImmutableId: u.synced ? Buffer.from(stableGuid(env.tenantId, 'immutable', u.key).replace(/-/g, ''), 'hex').toString('base64') : null,
    signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime ?? u.createdDateTime,
    assignedLicenses: [...new Set(states.map((s) => s.skuId))].map((skuId) => ({ disabledPlans: [], skuId })),
    licenseAssignmentStates: states.map((s) => ({
      assignedByGroup: s.assignedByGroup,
      disabledPlans: [],
      error: 'None',
      lastUpdatedDateTime: u.createdDateTime,
      skuId: s.skuId,
      state: 'Active',
    })),
  };
}

/**
 * groupTypes, mailEnabled and securityEnabled of each kind of group, as the group resource's table of group types lists
 * them (https://learn.microsoft.com/en-us/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph).
 */
const GROUP_KINDS: Record<GroupRecord['kind'], { groupTypes: string[]; mailEnabled: boolean; securityEnabled: boolean }> = {
  security: { groupTypes: [], mailEnabled: false, securityEnabled: true },
  unified: { groupTypes: ['Unified'], mailEnabled: true, securityEnabled: false },
  distribution: { groupTypes: [], mailEnabled: true, securityEnabled: false },
  'mail-security': { groupTypes: [], mailEnabled: true, securityEnabled: true },
  dynamic: { groupTypes: ['DynamicMembership'], mailEnabled: false, securityEnabled: true },
};

function groupObject(g: GroupRecord): Record<string, unknown> {
  const kind = GROUP_KINDS[g.kind];
  return {
    '@odata.type': '#microsoft.graph.group',
    id: g.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: '2024-03-01T09:00:00Z',
    description: null,
    displayName: g.displayName,
    groupTypes: kind.groupTypes,
    mail: g.mail,
    mailEnabled: kind.mailEnabled,
    mailNickname: g.mailNickname,
    securityEnabled: kind.securityEnabled,
    onPremisesSyncEnabled: g.synced ? true : null,
    resourceProvisioningOptions: g.team ? ['Team'] : [],
    visibility: null,
    isAssignableToRole: g.isAssignableToRole,
    assignedLicenses: g.licenses.map((skuId) => ({ disabledPlans: [], skuId })),
  };
}

const KIT: GraphKit = {
  graphError,
  denied,
  badSegment,
  option,
  advancedQuery,
  has,
  page,
  parseSelect,
  parseSelectLoose,
  pick,
  pickTyped,
  refuse: (result) => new QueryError(result),
  userObject: (env, tenant, user) => ({ '@odata.type': '#microsoft.graph.user', ...pick(userBag(env, tenant, user), USER_DEFAULT_PROPERTIES) }),
  groupObject,
  readGroups: READ_GROUPS,
};

function roleObject(r: RoleRecord): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: r.id,
    deletedDateTime: null,
    description: r.description,
    displayName: r.displayName,
    roleTemplateId: r.roleTemplateId,
  };
}

function driveOf(tenant: Tenant, user: UserRecord, siteId: string): Record<string, unknown> {
  const webUrl = `${tenant.info.oneDriveHost}/personal/${oneDriveSlug(user.userPrincipalName)}/Documents`;
  return {
    createdDateTime: user.createdDateTime,
    description: '',
    id: `b!${Buffer.from(siteId.replace(/-/g, '') + stableGuid(siteId, 'web').replace(/-/g, ''), 'hex').toString('base64url')}`,
    lastModifiedDateTime: user.createdDateTime,
    name: 'OneDrive',
    webUrl,
    driveType: 'business',
    createdBy: { user: { displayName: 'System Account' } },
    lastModifiedBy: { user: { email: user.mail, id: user.id, displayName: user.displayName } },
    owner: { user: { email: user.mail, id: user.id, displayName: user.displayName } },
    quota: { deleted: 0, remaining: 1099511627776, state: 'normal', total: 1099511627776, used: 0 },
  };
}

/** One page of a collection, with an @odata.nextLink to the next (default page size 100, $top 1–999). */
function page<T>(env: SimEnv, call: GraphCall, collectionPath: string, items: T[], contextName: string, render: (item: T) => unknown = (i) => i): GraphResult {
  const topRaw = option(call, '$top');
  let size = 100;
  if (topRaw !== undefined) {
    const top = Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999) {
      return graphError(call, 400, 'Request_UnsupportedQuery', `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
    }
    size = top;
  }
  // "$expand on directory objects: returns a maximum of 100 objects" a page, whatever $top asks
  // (https://developer.microsoft.com/en-us/graph/known-issues/?search=13635).
  if (option(call, '$expand') !== undefined) size = Math.min(size, 100);
  const countRaw = option(call, '$count');
  const counted = countRaw !== undefined && countRaw.toLowerCase() === 'true';
  if (counted && !eventualConsistency(call)) return graphError(call, 400, 'Request_BadRequest', '$count is not currently supported.');
  const token = option(call, '$skiptoken');
  let offset = 0;
  if (token !== undefined) {
    const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m) return graphError(call, 400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
    offset = Number(m[1]);
  }
  const slice = items.slice(offset, offset + size).map(render);
  const body: Record<string, unknown> = { '@odata.context': context(env, contextName) };
  if (counted) body['@odata.count'] = items.length;
  const linkTo = (at: number, origin = env.url): string => {
    const params = new URLSearchParams();
    for (const [k, v] of call.query) if (k !== '$skiptoken') params.append(k, v);
    params.append('$skiptoken', Buffer.from(`o${at}`).toString('base64url'));
    return `${origin}/v1.0/${collectionPath}?${params.toString().replace(/\+/g, '%20')}`;
  };
  // A paging fault (types.ts): a nextLink that loops, never ends, or names another host; a client follows each one it
  // trusts, since Graph's answer carries the URL of the next page (https://learn.microsoft.com/en-us/graph/paging).
  const fault = env.faults.paging(classify(call.method, segmentsOf(call.path)));
  if (fault?.kind === 'loop') body['@odata.nextLink'] = linkTo(offset);
  else if (fault?.kind === 'endless') body['@odata.nextLink'] = linkTo(offset + size);
  else if (fault?.kind === 'foreign') body['@odata.nextLink'] = linkTo(offset + size, fault.host);
  else if (offset + size < items.length) body['@odata.nextLink'] = linkTo(offset + size);
  body.value = slice;
  return ok(body);
}

function listUsers(env: SimEnv, tenant: Tenant, call: GraphCall): GraphResult {
  const filterText = option(call, '$filter');
  let users = [...tenant.users.values()];
  if (filterText !== undefined) {
    const tree = checkFilter(parseFilter(filterText), USER_FILTER, advancedQuery(call));
    users = users.filter((u) => {
      const scalars = userScalars(u);
      return evaluate(tree, (p) => scalars[p]);
    });
  }
  // $select is checked against the type, not against what the filter matched: an empty result is no error.
  const sample = users[0] ?? [...tenant.users.values()][0];
  const known = sample ? Object.keys(userBag(env, tenant, sample)) : Object.keys(USER_FILTER.properties);
  const select = parseSelect(call, known, 'microsoft.graph.user');
  const expand = parseExpand(call);
  const contextName = select ? `users(${select.join(',')})` : 'users';
  return page(env, call, 'users', users, contextName, (u) => withManager(env, tenant, u, pick(userBag(env, tenant, u), select ?? USER_DEFAULT_PROPERTIES), expand));
}

function patchUser(call: GraphCall, caller: Caller, user: UserRecord | undefined, id: string): GraphResult {
  const who = user?.userPrincipalName ?? id;
  const body = call.body;
  if (!isObject(body)) return { ...badJson(call), user: who };
  const keys = Object.keys(body);
  const canEnable = (has(caller, ['User.EnableDisableAccount.All']) && has(caller, READ_USERS)) || has(caller, ['User.ReadWrite.All']);
  const canWrite = has(caller, WRITE_USERS);
  if (keys.length === 0 && !canEnable && !canWrite) return { ...denied(call), user: who };
  for (const k of keys) {
    if (k === 'accountEnabled' ? !canEnable : !canWrite) return { ...denied(call), user: who };
  }
  if (!user) return notFound(call, id);
  for (const k of keys) {
    const rule = PATCHABLE[k];
    if (!rule) {
      if (k.startsWith('onPremises') || k === 'id' || k === 'createdDateTime') {
        return { ...graphError(call, 400, 'Request_BadRequest', `Property '${k}' is read-only and cannot be set.`), user: who };
      }
      return {
        ...graphError(call, 400, 'BadRequest', `Property '${k}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.`),
        user: who,
      };
    }
    const v = body[k];
    if (rule.type === 'boolean' ? typeof v !== 'boolean' : typeof v !== 'string' && v !== null) {
      return { ...graphError(call, 400, 'Request_BadRequest', `Invalid value specified for property '${k}' of resource 'User'.`), user: who };
    }
  }
  if (user.synced && keys.some((k) => PATCHABLE[k].synced)) {
    return { ...graphError(call, 400, 'Request_BadRequest', ON_PREMISES_MASTERED), user: who };
  }
  for (const k of keys) {
    const v = body[k];
    if (k === 'accountEnabled') user.accountEnabled = v as boolean;
    else if (k === 'displayName') user.displayName = String(v ?? '');
    else if (k === 'givenName') user.givenName = v === null ? null : String(v);
    else if (k === 'surname') user.surname = v === null ? null : String(v);
    else if (k === 'employeeId') user.employeeId = v === null ? null : String(v);
    else if (k === 'jobTitle') user.jobTitle = v === null ? null : String(v);
    else if (k === 'mail') user.mail = v === null ? null : String(v);
    else if (k === 'usageLocation') user.usageLocation = v === null ? null : String(v);
  }
  return noContent(who);
}

/**
 * The membership of a role-assignable group changes only with RoleManagement.ReadWrite.Directory; "The
 * Group.ReadWrite.All permission won't work" (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
 */
function mayManage(caller: Caller, group: GroupRecord | undefined): boolean {
  return !group?.isAssignableToRole || has(caller, ['RoleManagement.ReadWrite.Directory']);
}

function addMember(env: SimEnv, call: GraphCall, caller: Caller, tenant: Tenant, group: GroupRecord | undefined, groupId: string): GraphResult {
  const body = call.body;
  const ref = isObject(body) ? body['@odata.id'] : undefined;
  const m = typeof ref === 'string' ? /\/(?:directoryObjects|users)(?:\/|\(')([^/')]+)'?\)?\/?$/.exec(ref) : null;
  const memberId = m ? decodeURIComponent(m[1]) : undefined;
  const member = memberId ? tenant.findUser(memberId) : undefined;
  const other = memberId && !member ? directoryObject(KIT, env, tenant, memberId) : undefined;
  const who = member?.userPrincipalName ?? memberId;
  if (!has(caller, WRITE_MEMBERS) || !mayManage(caller, group)) return { ...denied(call), user: who };
  if (!isObject(body)) return badJson(call);
  if (!memberId) return { ...graphError(call, 400, 'Request_BadRequest', `Invalid URL format specified in @odata.id for members: '${String(ref ?? '')}'.`), user: who };
  if (!group) return { ...notFound(call, groupId), user: who };
  const refused = membershipRefused(KIT, call, group);
  if (refused) return { ...refused, user: who };
  const objectId = member?.id ?? (other ? String(other.id) : undefined);
  if (!objectId) return { ...notFound(call, memberId), user: who };
  if (group.members.includes(objectId)) {
    return { ...graphError(call, 400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'."), user: who };
  }
  // "Group nesting isn't supported. A group can't be added as a member of a role-assignable group."
  // (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept); the service's words as
  // hashicorp/terraform-provider-azuread#651 and MicrosoftDocs/azure-docs#88710 quote them.
  if (group.isAssignableToRole && other?.['@odata.type'] === '#microsoft.graph.group') {
    return { ...graphError(call, 400, 'Request_BadRequest', 'Nesting is currently not supported for groups that can be assigned to a role.'), user: who };
  }
  group.members.push(objectId);
  return noContent(who);
}

/**
 * `POST /users/{id}/checkMemberGroups {groupIds}`: "returns from that list the IDs of groups where a specified object is
 * a member", transitively, at most 20 ids per request; 200 with a collection of strings. Application permissions:
 * "User.Read.All and GroupMember.Read.All, User.Read.All and Group.Read.All, Directory.Read.All"
 * (https://learn.microsoft.com/en-us/graph/api/user-checkmembergroups?view=graph-rest-1.0).
 */
function checkMemberGroups(env: SimEnv, call: GraphCall, caller: Caller, tenant: Tenant, user: UserRecord | undefined, id: string): GraphResult {
  const who = user?.userPrincipalName ?? id;
  if (!has(caller, READ_USERS) || !has(caller, READ_GROUPS)) return { ...denied(call), user: who };
  if (!user) return notFound(call, id);
  const body = call.body;
  if (!isObject(body) || !Array.isArray(body.groupIds) || !body.groupIds.every((g) => typeof g === 'string')) return { ...badJson(call), user: who };
  const asked = body.groupIds as string[];
  if (asked.length > 20) return { ...graphError(call, 400, 'Request_BadRequest', 'The number of group ids is greater than the maximum allowed (20).'), user: who };
  const bad = asked.find((g) => !GUID.test(g));
  if (bad !== undefined) return { ...graphError(call, 400, 'Request_BadRequest', `Invalid GUID:${bad}`), user: who };
  const containing = new Set<string>();
  let frontier = [user.id];
  while (frontier.length > 0) {
    const next = [...tenant.groups.values()].filter((g) => !containing.has(g.id) && g.members.some((m) => frontier.includes(m))).map((g) => g.id);
    next.forEach((g) => containing.add(g));
    frontier = next;
  }
  const value = asked.filter((g) => containing.has(g.toLowerCase()));
  return ok({ '@odata.context': context(env, 'Collection(Edm.String)'), value }, who);
}

function assignLicense(env: SimEnv, call: GraphCall, caller: Caller, tenant: Tenant, user: UserRecord | undefined, id: string): GraphResult {
  const who = user?.userPrincipalName ?? id;
  if (!has(caller, WRITE_LICENSES)) return { ...denied(call), user: who };
  if (!user) return notFound(call, id);
  const body = call.body;
  if (!isObject(body)) return { ...badJson(call), user: who };
  const missing = ['addLicenses', 'removeLicenses'].filter((k) => !Array.isArray(body[k]));
  if (missing.length > 0) {
    return {
      ...graphError(call, 400, 'BadRequest', `One or more parameters of the function import 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(', ')}.`),
      user: who,
    };
  }
  const add = (body.addLicenses as unknown[]).map((a) => (isObject(a) && typeof a.skuId === 'string' ? a.skuId.toLowerCase() : ''));
  const remove = (body.removeLicenses as unknown[]).map((r) => (typeof r === 'string' ? r.toLowerCase() : ''));
  const companySkus = tenant.skus.map((k) => k.skuId.toLowerCase());
  for (const sku of [...add, ...remove]) {
    if (!companySkus.includes(sku)) {
      return { ...graphError(call, 400, 'Request_BadRequest', `License ${sku} does not correspond to a valid company License.`), user: who };
    }
  }
  const states = tenant.licenseStates(user);
  for (const sku of remove) {
    const direct = user.directLicenses.some((d) => d.toLowerCase() === sku);
    if (!direct && states.some((s) => s.skuId.toLowerCase() === sku)) {
      return { ...graphError(call, 400, 'Request_BadRequest', 'User license is inherited from a group membership and it cannot be removed directly from the user.'), user: who };
    }
    if (!direct) return { ...graphError(call, 400, 'Request_BadRequest', 'User does not have a corresponding license.'), user: who };
  }
  user.directLicenses = user.directLicenses.filter((d) => !remove.includes(d.toLowerCase()));
  for (const sku of add) {
    if (!user.directLicenses.some((d) => d.toLowerCase() === sku)) {
      user.directLicenses.push(tenant.skus.find((k) => k.skuId.toLowerCase() === sku)?.skuId ?? sku);
    }
  }
  return ok({ '@odata.context': context(env, 'users/$entity'), ...pick(userBag(env, tenant, user), USER_DEFAULT_PROPERTIES) }, who);
}

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

/** JSON batching: at most 20 requests, `dependsOn` ordering, per-item statuses, throttling and logging. */
function batch(env: SimEnv, ctx: Ctx, headers: Record<string, string>): Outcome {
  const envelope = (r: GraphResult, appId?: string): Outcome => ({ reply: toReply(r), appId });
  const auth = authenticate(env, headers.authorization, ['https://graph.microsoft.com', GRAPH_APP_ID]);
  if (!auth.ok) return envelope(unauthenticated(ctx, auth.message));
  if (ctx.method !== 'POST') return envelope(graphError(ctx, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'), auth.appId);
  let payload: unknown;
  try {
    payload = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return envelope(graphError(ctx, 400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), auth.appId);
  }
  const invalid = (message: string): Outcome => envelope(graphError(ctx, 400, 'BadRequest', message), auth.appId);
  if (!isObject(payload) || !Array.isArray(payload.requests)) return invalid('Invalid batch payload format.');
  if (payload.requests.length === 0) return invalid('Invalid batch payload format.');
  if (payload.requests.length > 20) return invalid(`Too many requests in the batch: ${payload.requests.length}. A batch can hold at most 20 requests.`);
  const items: BatchItem[] = [];
  for (const r of payload.requests) {
    if (!isObject(r) || typeof r.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string' || r.id === '') {
      return invalid('Invalid batch payload format.');
    }
    if (items.some((i) => i.id === r.id)) return invalid(`Request ids must be unique. Id '${r.id}' is repeated.`);
    const itemHeaders: Record<string, string> = {};
    if (isObject(r.headers)) for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') itemHeaders[k.toLowerCase()] = v;
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.filter((d): d is string => typeof d === 'string') : [];
    items.push({ id: r.id, method: r.method.toUpperCase(), url: r.url, headers: itemHeaders, body: r.body, dependsOn });
  }
  for (const item of items) {
    for (const d of item.dependsOn) if (!items.some((i) => i.id === d)) return invalid(`Request '${item.id}' depends on '${d}', which is not in the batch.`);
  }

  const results = new Map<string, GraphResult>();
  const visiting = new Set<string>();
  const caller: Caller = { appId: auth.appId, roles: auth.roles };
  // Outlook counts the items of one batch for the same mailbox as concurrent requests (see mail.ts).
  const outlookSeen = new Map<string, number>();
  const runItem = (item: BatchItem): GraphResult => {
    const done = results.get(item.id);
    if (done) return done;
    if (visiting.has(item.id)) return graphError(ctx, 400, 'BadRequest', 'Dependency cycle in the batch.');
    visiting.add(item.id);
    const deps = item.dependsOn.map((d) => runItem(items.find((i) => i.id === d) as BatchItem)); // validated above
    const itemRequestId = newGuid();
    const ids = { requestId: itemRequestId, clientRequestId: itemRequestId };
    const relative = item.url.replace(/^\/+/, '');
    const qIndex = relative.indexOf('?');
    const path = `/${qIndex < 0 ? relative : relative.slice(0, qIndex)}`;
    const query = new URLSearchParams(qIndex < 0 ? '' : relative.slice(qIndex + 1));
    const op = classify(item.method, segmentsOf(path));
    let result: GraphResult;
    let fault: 'throttle' | 'unavailable' | 'drop' | undefined;
    if (deps.some((d) => d.status >= 400)) {
      result = graphError(ids, 424, 'FailedDependency', 'The request could not be completed because a request it depends on failed.');
    } else if (item.body !== undefined && !Object.keys(item.headers).includes('content-type')) {
      result = graphError(ids, 400, 'BadRequest', `Write request id : ${item.id} does not contain Content-Type header or body.`);
    } else {
      const decision = env.faults.decide(op);
      if (decision?.kind === 'throttle') {
        fault = 'throttle';
        result = throttled(itemRequestId, itemRequestId, decision.retryAfter);
      } else if (decision?.kind === 'unavailable') {
        fault = 'unavailable';
        result = unavailable(itemRequestId, itemRequestId, decision.retryAfter);
      } else {
        const call: GraphCall = {
          method: item.method,
          path,
          query,
          headers: item.headers,
          body: item.body,
          badBody: false,
          requestId: itemRequestId,
          clientRequestId: itemRequestId,
        };
        const restore = env.faults.mayDrop(op) ? env.tenant().checkpoint() : undefined;
        const mailbox = OUTLOOK_OPS.has(op) ? (env.tenant().findUser(segmentsOf(path)[1] ?? '')?.id ?? segmentsOf(path)[1] ?? '') : undefined;
        const concurrent = mailbox === undefined ? 0 : (outlookSeen.get(mailbox) ?? 0) + 1;
        if (mailbox !== undefined) outlookSeen.set(mailbox, concurrent);
        const limited = mailbox === undefined ? undefined : outlookThrottle(KIT, env, call, caller, mailbox, concurrent);
        result = limited ?? execute(env, call, caller);
        if (restore && env.faults.drops(op, result.status, result.user)) {
          restore();
          fault = 'drop';
        }
      }
    }
    results.set(item.id, result);
    env.log.add({
      at: new Date().toISOString(),
      method: item.method,
      path: item.url,
      op,
      signature: graphSignature(item.method, segmentsOf(path), query, item.headers.consistencylevel),
      status: result.status,
      user: result.user,
      resource: 'graph',
      requestId: itemRequestId,
      batchId: ctx.requestId,
      appId: auth.appId,
      ...(fault ? { fault } : {}),
    }, false);
    return result;
  };
  for (const item of items) runItem(item);
  // Graph answers in no particular order; answering in reverse keeps clients honest about matching by id.
  const responses = [...items].reverse().map((item) => {
    const r = results.get(item.id) as GraphResult; // every item ran above
    const itemHeaders: Record<string, string> = { 'Cache-Control': 'no-cache', 'x-ms-resource-unit': '1', ...(r.headers ?? {}) };
    if (r.body !== undefined) itemHeaders['Content-Type'] = GRAPH_JSON;
    return { id: item.id, status: r.status, headers: itemHeaders, ...(r.body !== undefined ? { body: r.body } : {}) };
  });
  return { reply: { status: 200, json: { responses }, contentType: GRAPH_JSON }, appId: auth.appId };
}
