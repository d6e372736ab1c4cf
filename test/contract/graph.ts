// Microsoft Graph v1.0 as Microsoft Learn documents it: the requests the action makes and the answers it can meet.
import { z } from 'zod';
import { collection, entity, graphError, graphErrorWith, pagedCollection } from './shapes.js';
import type { GraphCase } from './types.js';

const LEARN = 'https://learn.microsoft.com/en-us/graph';

/** The user properties the action selects when it looks a user up, and its manager expansion. */
const USER_SELECT = 'id,userPrincipalName,mail,displayName,accountEnabled,onPremisesSyncEnabled,onPremisesSecurityIdentifier,employeeId,userType,licenseAssignmentStates';
const MANAGER_EXPAND = 'manager($select=id,userPrincipalName,accountEnabled)';

// Each selected property comes back, null when empty ("Returned only on $select" for most of them,
// https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0 lists the types).
const selectedUser = {
  id: z.string(),
  userPrincipalName: z.string(),
  mail: z.string().nullable(),
  displayName: z.string().nullable(),
  accountEnabled: z.boolean(),
  onPremisesSyncEnabled: z.boolean().nullable(),
  onPremisesSecurityIdentifier: z.string().nullable(),
  employeeId: z.string().nullable(),
  userType: z.string(),
  licenseAssignmentStates: z.array(z.object({ skuId: z.string(), assignedByGroup: z.string().nullable(), state: z.string() })),
};
const managerShape = z.object({ '@odata.type': z.literal('#microsoft.graph.user'), id: z.string(), userPrincipalName: z.string(), accountEnabled: z.boolean() });

const userByFilter = (property: string, value: (t: Parameters<GraphCase['request']>[0]) => string): GraphCase['request'] => (t) => ({
  method: 'GET',
  path: ['users'],
  query: { $filter: `${property} eq '${value(t).replace(/'/g, "''")}'`, $select: USER_SELECT, $expand: MANAGER_EXPAND },
});

export const GRAPH_CASES: GraphCase[] = [
  {
    service: 'graph',
    name: 'get a user by userPrincipalName with $select, the manager expanded',
    // "GET /users/{id | userPrincipalName}"; $select "to retrieve specific properties"; the manager relationship is
    // expanded with "GET /users/{id | userPrincipalName}/?$expand=manager" (user-list-manager), and $expand takes a
    // nested $select ("$expand=members($select=id,displayName)", query-parameters#expand).
    doc: `${LEARN}/api/user-get?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}?$expand&$select'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('jdoe').userPrincipalName], query: { $select: USER_SELECT, $expand: MANAGER_EXPAND } }),
    response: { status: 200, body: entity({ ...selectedUser, manager: managerShape }) },
  },
  {
    service: 'graph',
    name: 'get a user by object id with $select: only the selected properties come back',
    // "By default, only a limited set of properties are returned … To return an alternative property set, you must
    // specify the desired set of user properties using the OData $select query parameter."
    doc: `${LEARN}/api/user-get?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}?$select'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('cloudy').id], query: { $select: 'id,accountEnabled,employeeId' } }),
    response: {
      status: 200,
      body: entity({ id: z.string(), accountEnabled: z.boolean(), employeeId: z.string() }).refine((b) => !('displayName' in (b as object)), 'no property beyond the selected ones'),
    },
  },
  {
    service: 'graph',
    name: 'get a user who does not exist: 404 Request_ResourceNotFound',
    // "404 Not Found: The requested resource doesn't exist." Directory lookups answer with the code
    // Request_ResourceNotFound, "Resource '…' does not exist or one of its queried reference-property objects are not present."
    doc: `${LEARN}/errors`,
    covers: ['graph GET /users/{id}?$expand&$select'],
    request: () => ({ method: 'GET', path: ['users', 'nobody@contoso.test'], query: { $select: USER_SELECT, $expand: MANAGER_EXPAND } }),
    response: { status: 404, body: graphErrorWith('Request_ResourceNotFound', /does not exist or one of its queried reference-property objects are not present/) },
  },
  {
    service: 'graph',
    name: 'get a user without a permission that reads users: 403 Authorization_RequestDenied',
    // Application permissions for GET /users/{id}: "User.Read.All, User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All".
    doc: `${LEARN}/api/user-get?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}?$expand&$select'],
    roles: ['Group.Read.All'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('jdoe').userPrincipalName], query: { $select: USER_SELECT, $expand: MANAGER_EXPAND } }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'list users filtered on mail',
    // mail: "Supports $filter (eq, ne, not, ge, le, in, startsWith, endsWith, and eq on null values)" (user resource);
    // the list is "a collection of user objects in the response body" (user-list).
    doc: `${LEARN}/api/user-list?view=graph-rest-1.0`,
    covers: ['graph GET /users?$expand&$filter(mail)&$select'],
    request: userByFilter('mail', (t) => t.user('sobrien').mail),
    response: { status: 200, body: collection(z.object({ ...selectedUser, manager: managerShape })).and(z.object({ value: z.array(z.unknown()).length(1) })) },
  },
  {
    service: 'graph',
    name: 'list users filtered on employeeId',
    // employeeId: "Supports $filter (eq, ne, not, ge, le, in, startsWith, and eq on null values)".
    doc: `${LEARN}/api/resources/user?view=graph-rest-1.0`,
    covers: ['graph GET /users?$expand&$filter(employeeId)&$select'],
    request: userByFilter('employeeId', () => 'E1001'),
    response: { status: 200, body: collection(z.object(selectedUser)).and(z.object({ value: z.array(z.unknown()).length(1) })) },
  },
  {
    service: 'graph',
    name: 'list users filtered on userPrincipalName',
    // userPrincipalName: "Supports $filter (eq, ne, not, ge, le, in, startsWith, endsWith)".
    doc: `${LEARN}/api/resources/user?view=graph-rest-1.0`,
    covers: ['graph GET /users?$expand&$filter(userPrincipalName)&$select'],
    request: userByFilter('userPrincipalName', (t) => t.user('jsmith').userPrincipalName),
    response: { status: 200, body: collection(z.object(selectedUser)).and(z.object({ value: z.array(z.unknown()).length(1) })) },
  },
  {
    service: 'graph',
    name: 'list users filtered on onPremisesSecurityIdentifier',
    // onPremisesSecurityIdentifier: "Supports $filter (eq including on null values)".
    doc: `${LEARN}/api/resources/user?view=graph-rest-1.0`,
    covers: ['graph GET /users?$expand&$filter(onPremisesSecurityIdentifier)&$select'],
    request: userByFilter('onPremisesSecurityIdentifier', () => 'S-1-5-21-1004336348-1177238915-682003330-99999'),
    response: { status: 200, body: collection(z.object(selectedUser)).and(z.object({ value: z.array(z.unknown()).length(0) })) },
  },
  {
    service: 'graph',
    name: 'filter with an operator that needs advanced query capabilities, without them: 400 Request_UnsupportedQuery',
    // "the ne operator is only supported in advanced queries. Therefore, you must add the ConsistencyLevel header set
    // to eventual and use the $count=true query string"; endsWith is listed with ne and not.
    doc: `${LEARN}/aad-advanced-queries`,
    covers: ['graph GET /users?$filter(mail)'],
    request: () => ({ method: 'GET', path: ['users'], query: { $filter: "endswith(mail,'@contoso.test')" } }),
    response: { status: 400, body: graphError('Request_UnsupportedQuery') },
  },
  {
    service: 'graph',
    name: 'the same filter as an advanced query: ConsistencyLevel eventual and $count=true',
    // "GET …/users?$filter=endswith(mail,'a@contoso.com')&$count=true … ConsistencyLevel: eventual"; with $count=true the
    // answer carries "@odata.count".
    doc: `${LEARN}/aad-advanced-queries`,
    covers: ['graph GET /users?$count&$filter(mail) ConsistencyLevel:eventual'],
    request: () => ({ method: 'GET', path: ['users'], query: { $filter: "endswith(mail,'@contoso.test')", $count: 'true' }, headers: { ConsistencyLevel: 'eventual' } }),
    response: { status: 200, body: collection(z.object({ id: z.string() })).and(z.object({ '@odata.count': z.number().int() })) },
  },
  {
    service: 'graph',
    name: 'onPremisesSamAccountName is filterable only in an advanced query: 400 Request_UnsupportedQuery',
    // The advanced-queries page lists onPremisesSamAccountName among the properties whose $filter needs the advanced
    // query parameters; without them Graph answers "Unsupported or invalid query filter clause specified for property
    // 'onPremisesSamAccountName' of resource 'User'." (Microsoft Q&A 577870, answer citing that page).
    doc: `${LEARN}/aad-advanced-queries`,
    covers: ['graph GET /users?$expand&$filter(onPremisesSamAccountName)&$select'],
    request: userByFilter('onPremisesSamAccountName', () => 'jsmith'),
    response: { status: 400, body: graphErrorWith('Request_UnsupportedQuery', /onPremisesSamAccountName/) },
  },
  {
    service: 'graph',
    name: 'onPremisesSamAccountName filtered in an advanced query',
    doc: `${LEARN}/aad-advanced-queries`,
    covers: ['graph GET /users?$count&$filter(onPremisesSamAccountName)&$select ConsistencyLevel:eventual'],
    request: () => ({
      method: 'GET',
      path: ['users'],
      query: { $filter: "onPremisesSamAccountName eq 'jsmith'", $select: 'id,userPrincipalName', $count: 'true' },
      headers: { ConsistencyLevel: 'eventual' },
    }),
    response: { status: 200, body: collection(z.object({ id: z.string(), userPrincipalName: z.string() })).and(z.object({ '@odata.count': z.literal(1) })) },
  },
  {
    service: 'graph',
    name: 'disable a cloud user: PATCH accountEnabled false answers 204',
    // "If successful, this method returns a 204 No Content response code."
    doc: `${LEARN}/api/user-update?view=graph-rest-1.0`,
    covers: ['graph PATCH /users/{id}'],
    request: (t) => ({ method: 'PATCH', path: ['users', t.user('cloudy').id], headers: { 'Content-Type': 'application/json' }, body: { accountEnabled: false } }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'disable a user with only User.Read.All: 403 Authorization_RequestDenied',
    // accountEnabled: "Only users with the … role can update this property"; the app needs
    // "User.EnableDisableAccount.All and User.Read.All" or User.ReadWrite.All ("Permissions for specific scenarios").
    doc: `${LEARN}/api/user-update?view=graph-rest-1.0`,
    covers: ['graph PATCH /users/{id}'],
    roles: ['User.Read.All'],
    request: (t) => ({ method: 'PATCH', path: ['users', t.user('cloudy').id], headers: { 'Content-Type': 'application/json' }, body: { accountEnabled: false } }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'revoke sign-in sessions: 200 with value true',
    // Response: "HTTP/1.1 200 OK … { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": true }".
    doc: `${LEARN}/api/user-revokesigninsessions?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/revokeSignInSessions'],
    request: (t) => ({ method: 'POST', path: ['users', t.user('jdoe').id, 'revokeSignInSessions'] }),
    response: { status: 200, body: z.object({ '@odata.context': z.string().regex(/\$metadata#Edm\.Boolean$/), value: z.literal(true) }) },
  },
  {
    service: 'graph',
    name: 'revoke sign-in sessions without User.RevokeSessions.All: 403 Authorization_RequestDenied',
    // Application permissions: "User.RevokeSessions.All" (least privileged), "User.ReadWrite.All".
    doc: `${LEARN}/api/user-revokesigninsessions?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/revokeSignInSessions'],
    roles: ['User.Read.All'],
    request: (t) => ({ method: 'POST', path: ['users', t.user('jdoe').id, 'revokeSignInSessions'] }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'remove a directly assigned licence: 200 with the user',
    // Body: "addLicenses: assignedLicense collection", "removeLicenses: Guid collection"; "If successful, this method
    // returns 200 OK response code and a user object in the response body."
    doc: `${LEARN}/api/user-assignlicense?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/assignLicense'],
    request: (t) => ({
      method: 'POST',
      path: ['users', t.user('jdoe').id, 'assignLicense'],
      headers: { 'Content-Type': 'application/json' },
      body: { addLicenses: [], removeLicenses: ['05e9a617-0261-4cee-bb44-138d3ef5d965'] },
    }),
    response: { status: 200, body: entity({ id: z.string(), userPrincipalName: z.string() }) },
  },
  {
    service: 'graph',
    name: 'check a user against a list of groups: 200 with the ids of those it is a member of',
    // "POST /users/{id | userPrincipalName}/checkMemberGroups", body "groupIds: String collection" (up to 20); "If
    // successful, this method returns a 200 OK response code and a String collection in the response body that
    // contains the IDs of the groups where the user is a member". The function is transitive.
    doc: `${LEARN}/api/user-checkmembergroups?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/checkMemberGroups'],
    request: (t) => ({
      method: 'POST',
      path: ['users', t.user('cloudy').id, 'checkMemberGroups'],
      headers: { 'Content-Type': 'application/json' },
      body: { groupIds: [t.group('Licensing - EMS').id, t.group('Offboarding Block').id] },
    }),
    response: {
      status: 200,
      // cloudy is in 'Licensing - EMS' and not in 'Offboarding Block': one id of the two comes back.
      body: collection(z.string()).refine((b) => (b as { value: string[] }).value.length === 1, 'only the group the user is in'),
    },
  },
  {
    service: 'graph',
    name: 'check group memberships without a permission that reads groups: 403 Authorization_RequestDenied',
    // Application permissions: "User.Read.All and GroupMember.Read.All, User.Read.All and Group.Read.All, Directory.Read.All".
    doc: `${LEARN}/api/user-checkmembergroups?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/checkMemberGroups'],
    roles: ['User.Read.All'],
    request: (t) => ({
      method: 'POST',
      path: ['users', t.user('cloudy').id, 'checkMemberGroups'],
      headers: { 'Content-Type': 'application/json' },
      body: { groupIds: [t.group('Offboarding Block').id] },
    }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: "get a user's OneDrive with $select=webUrl",
    // "GET /users/{idOrUserPrincipalName}/drive"; "These methods support the $select query parameter"; a drive has
    // webUrl: "URL that displays the resource in the browser" (drive resource).
    doc: `${LEARN}/api/drive-get?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/drive?$select'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('jdoe').id, 'drive'], query: { $select: 'webUrl' } }),
    response: { status: 200, body: entity({ webUrl: z.string().url() }) },
  },
  {
    service: 'graph',
    name: 'the drive of a user who has no mysite: 400 "Unable to retrieve user\'s mysite URL."',
    // Graph answers 400 with this message for a user without a OneDrive site to find (never licensed for one):
    // reported in the Graph docs' own tracker and kept open as the service's behaviour.
    doc: 'https://github.com/microsoftgraph/microsoft-graph-docs/issues/1354',
    covers: ['graph GET /users/{id}/drive?$select'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('nodrive').id, 'drive'], query: { $select: 'webUrl' } }),
    response: { status: 400, body: z.object({ error: z.object({ code: z.string(), message: z.literal("Unable to retrieve user's mysite URL.") }) }) },
  },
  {
    service: 'graph',
    name: 'the drive of a licensed user whose OneDrive is not provisioned yet, app-only: 404',
    // "If a user's OneDrive isn't provisioned but the user has a license to use OneDrive, this request automatically
    // provisions the user's drive, when using delegated authentication" — app-only it does not, and the answer is a
    // 404 "User's mysite not found." (OneDrive/onedrive-api-docs#530).
    doc: `${LEARN}/api/drive-get?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/drive?$select'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('unprovisioned').id, 'drive'], query: { $select: 'webUrl' } }),
    response: { status: 404, body: z.object({ error: z.object({ code: z.string(), message: z.string().regex(/mysite not found/i) }) }) },
  },
  {
    service: 'graph',
    name: 'list directory roles with their members expanded',
    // "GET /directoryRoles" answers "a collection of directoryRole objects" (directoryrole-list); the members
    // relationship: "Users that are members of this directory role … Supports $expand." (directoryRole resource), each a
    // directoryObject with its @odata.type; for directory objects $expand returns at most 20 (query-parameters#expand).
    doc: `${LEARN}/api/resources/directoryrole?view=graph-rest-1.0`,
    covers: ['graph GET /directoryRoles?$expand'],
    request: () => ({ method: 'GET', path: ['directoryRoles'], query: { $expand: 'members' } }),
    response: {
      status: 200,
      body: collection(
        z.object({
          id: z.string(),
          displayName: z.string(),
          roleTemplateId: z.string(),
          members: z.array(z.object({ '@odata.type': z.string(), id: z.string() })).max(20),
        }),
      ),
    },
  },
  {
    service: 'graph',
    name: 'list directory roles without a permission that reads them: 403 Authorization_RequestDenied',
    // Application permissions: "RoleManagement.Read.Directory, Directory.Read.All, RoleManagement.ReadWrite.Directory, Directory.ReadWrite.All".
    doc: `${LEARN}/api/directoryrole-list?view=graph-rest-1.0`,
    covers: ['graph GET /directoryRoles?$expand'],
    roles: ['User.Read.All'],
    request: () => ({ method: 'GET', path: ['directoryRoles'], query: { $expand: 'members' } }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'list every role assignment with its principal expanded',
    // "GET /roleManagement/directory/roleAssignments"; "returns a 200 OK response code and a collection of
    // unifiedRoleAssignment objects"; principal "Supports $expand"; directoryScopeId "/" for tenant-wide, or an
    // administrative unit (unifiedRoleAssignment resource).
    doc: `${LEARN}/api/rbacapplication-list-roleassignments?view=graph-rest-1.0`,
    covers: ['graph GET /roleManagement/directory/roleAssignments?$expand'],
    request: () => ({ method: 'GET', path: ['roleManagement', 'directory', 'roleAssignments'], query: { $expand: 'principal' } }),
    response: {
      status: 200,
      body: collection(
        z.object({
          id: z.string(),
          roleDefinitionId: z.string(),
          principalId: z.string(),
          directoryScopeId: z.string(),
          principal: z.object({ '@odata.type': z.string(), id: z.string() }),
        }),
      ).and(z.object({ value: z.array(z.unknown()).min(1) })),
    },
  },
  {
    service: 'graph',
    name: 'list role assignments without a permission that reads them: 403 Authorization_RequestDenied',
    // Application permissions, least privileged first: "RoleManagement.Read.Directory" … "Directory.Read.All".
    doc: `${LEARN}/api/rbacapplication-list-roleassignments?view=graph-rest-1.0`,
    covers: ['graph GET /roleManagement/directory/roleAssignments?$expand'],
    roles: ['User.Read.All'],
    request: () => ({ method: 'GET', path: ['roleManagement', 'directory', 'roleAssignments'], query: { $expand: 'principal' } }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'list the PIM eligibilities with their principal expanded',
    // "GET /roleManagement/directory/roleEligibilityScheduleInstances"; "returns a 200 OK response code and a
    // collection of unifiedRoleEligibilityScheduleInstance objects"; principal "Supports $expand".
    doc: `${LEARN}/api/rbacapplication-list-roleeligibilityscheduleinstances?view=graph-rest-1.0`,
    covers: ['graph GET /roleManagement/directory/roleEligibilityScheduleInstances?$expand'],
    request: () => ({ method: 'GET', path: ['roleManagement', 'directory', 'roleEligibilityScheduleInstances'], query: { $expand: 'principal' } }),
    response: {
      status: 200,
      body: collection(z.object({ id: z.string(), roleDefinitionId: z.string(), principalId: z.string(), directoryScopeId: z.string() })),
    },
  },
  {
    service: 'graph',
    name: 'list the role definitions, built-in and custom',
    // "GET /roleManagement/directory/roleDefinitions"; unifiedRoleDefinition: displayName, isBuiltIn, templateId.
    doc: `${LEARN}/api/rbacapplication-list-roledefinitions?view=graph-rest-1.0`,
    covers: ['graph GET /roleManagement/directory/roleDefinitions'],
    request: () => ({ method: 'GET', path: ['roleManagement', 'directory', 'roleDefinitions'] }),
    response: {
      status: 200,
      body: collection(z.object({ id: z.string(), displayName: z.string(), isBuiltIn: z.boolean() })).and(
        z.object({ value: z.array(z.unknown()).min(1) }),
      ),
    },
  },
  {
    service: 'graph',
    name: "list a group's transitive members with $select and $top",
    // "GET /groups/{id}/transitiveMembers"; "returns a 200 OK response code and collection of directoryObject
    // objects"; each member carries its @odata.type; $top up to 999.
    doc: `${LEARN}/api/group-list-transitivemembers?view=graph-rest-1.0`,
    covers: ['graph GET /groups/{id}/transitiveMembers?$select&$top'],
    request: (t) => ({ method: 'GET', path: ['groups', t.group('Offboarding Block').id, 'transitiveMembers'], query: { $select: 'id', $top: '999' } }),
    response: { status: 200, body: collection(z.object({ '@odata.type': z.string(), id: z.string() })) },
  },
  {
    service: 'graph',
    name: 'find a group by displayName',
    // displayName: "Supports $filter (eq, ne, not, ge, le, in, startsWith, and eq on null values)" (group resource);
    // "GET /groups" returns "a collection of group objects".
    doc: `${LEARN}/api/group-list?view=graph-rest-1.0`,
    covers: ['graph GET /groups?$filter(displayName)&$select'],
    request: () => ({ method: 'GET', path: ['groups'], query: { $filter: "displayName eq 'Offboarding Block'", $select: 'id,displayName' } }),
    response: { status: 200, body: collection(z.object({ id: z.string(), displayName: z.literal('Offboarding Block') })).and(z.object({ value: z.array(z.unknown()).length(1) })) },
  },
  {
    service: 'graph',
    name: 'get a group by id with $select',
    // "GET /groups/{id}"; "If successful, this method returns a 200 OK response code and a group object".
    doc: `${LEARN}/api/group-get?view=graph-rest-1.0`,
    covers: ['graph GET /groups/{id}?$select'],
    request: (t) => ({ method: 'GET', path: ['groups', t.group('Offboarding Block').id], query: { $select: 'id,displayName' } }),
    response: { status: 200, body: entity({ id: z.string(), displayName: z.literal('Offboarding Block') }) },
  },
  {
    service: 'graph',
    name: 'get a group that does not exist: 404 Request_ResourceNotFound',
    doc: `${LEARN}/errors`,
    covers: ['graph GET /groups/{id}?$select'],
    request: () => ({ method: 'GET', path: ['groups', '0b7e3c10-5d2a-4f7e-9c3b-6a1d2e4f5a6b'], query: { $select: 'id,displayName' } }),
    response: { status: 404, body: graphError('Request_ResourceNotFound') },
  },
  {
    service: 'graph',
    name: "list a group's members with $select and $top",
    // "GET /groups/{id}/members"; members are directoryObjects: "the response … includes the @odata.type property";
    // users: "$top … 1 and 999" (paging).
    doc: `${LEARN}/api/group-list-members?view=graph-rest-1.0`,
    covers: ['graph GET /groups/{id}/members?$select&$top'],
    request: (t) => ({ method: 'GET', path: ['groups', t.group('Licensing - EMS').id, 'members'], query: { $select: 'id', $top: '999' } }),
    response: { status: 200, body: collection(z.object({ '@odata.type': z.string(), id: z.string() })).and(z.object({ value: z.array(z.unknown()).min(1) })) },
  },
  {
    service: 'graph',
    name: "list a group's members with $select: users and nested groups, each with its @odata.type",
    // "GET /groups/{id}/members"; "Returns a collection of directoryObject objects", members "can be users, groups,
    // devices, organizational contacts, and service principals" — a reader tells them apart by @odata.type.
    doc: `${LEARN}/api/group-list-members?view=graph-rest-1.0`,
    covers: ['graph GET /groups/{id}/members?$select'],
    request: (t) => ({ method: 'GET', path: ['groups', t.group('Licensing - EMS').id, 'members'], query: { $select: 'id' } }),
    response: { status: 200, body: collection(z.object({ '@odata.type': z.enum(['#microsoft.graph.user', '#microsoft.graph.group', '#microsoft.graph.device', '#microsoft.graph.orgContact', '#microsoft.graph.servicePrincipal']), id: z.string() })) },
  },
  {
    service: 'graph',
    name: 'a page shorter than the collection carries @odata.nextLink',
    // "When more results are available, the response contains an @odata.nextLink property with a URL to the next page."
    doc: `${LEARN}/paging`,
    covers: ['graph GET /users?$select&$top'],
    request: () => ({ method: 'GET', path: ['users'], query: { $select: 'id', $top: '2' } }),
    response: { status: 200, body: pagedCollection(z.object({ id: z.string() })).and(z.object({ value: z.array(z.unknown()).length(2) })) },
  },
  {
    service: 'graph',
    name: 'add a member to a group: 204',
    // Body: { "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}" }; "If successful, this method
    // returns a 204 No Content response code."
    doc: `${LEARN}/api/group-post-members?view=graph-rest-1.0`,
    covers: ['graph POST /groups/{id}/members/$ref'],
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Offboarding Block').id, 'members', '$ref'],
      headers: { 'Content-Type': 'application/json' },
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('jdoe').id}` },
    }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'add a member who is a member already: 400',
    // "It returns a 400 Bad Request response code when the object is already a member of the group."
    doc: `${LEARN}/api/group-post-members?view=graph-rest-1.0`,
    covers: ['graph POST /groups/{id}/members/$ref'],
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Licensing - EMS').id, 'members', '$ref'],
      headers: { 'Content-Type': 'application/json' },
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('cloudy').id}` },
    }),
    response: { status: 400, body: graphErrorWith('Request_BadRequest', /already exist/) },
  },
  {
    service: 'graph',
    name: 'remove a member from a group: 204',
    // "DELETE /groups/{id}/members/{id}/$ref"; "If successful, this method returns a 204 No Content response code."
    doc: `${LEARN}/api/group-delete-members?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/members/{id}/$ref'],
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('Licensing - EMS').id, 'members', t.user('cloudy').id, '$ref'] }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'remove a user who is no member of the group: 404',
    // The reference to remove does not exist: Graph answers 404 Request_ResourceNotFound, which an undo takes as done.
    doc: `${LEARN}/api/group-delete-members?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/members/{id}/$ref'],
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('Offboarding Block').id, 'members', t.user('jdoe').id, '$ref'] }),
    response: { status: 404, body: graphError('Request_ResourceNotFound') },
  },
  {
    service: 'graph',
    name: 'JSON batching: each response carries its id and status',
    // "POST https://graph.microsoft.com/v1.0/$batch" with "requests" (id, method, url); the answer is 200 with
    // "responses", each with "id", "status", "headers" and "body"; they "might appear in a different order".
    doc: `${LEARN}/json-batching`,
    covers: ['graph POST /$batch', 'graph GET /users/{id}?$select'],
    request: (t) => ({
      method: 'POST',
      path: ['$batch'],
      headers: { 'Content-Type': 'application/json' },
      body: {
        requests: [
          { id: '1', method: 'GET', url: `/users/${t.user('jdoe').id}?$select=id` },
          { id: '2', method: 'GET', url: '/users/nobody@contoso.test?$select=id' },
        ],
      },
    }),
    response: {
      status: 200,
      body: z.object({
        responses: z
          .array(z.object({ id: z.string(), status: z.number().int(), headers: z.record(z.string(), z.string()).optional(), body: z.unknown() }))
          .length(2)
          .refine((r) => r.find((x) => x.id === '1')?.status === 200 && r.find((x) => x.id === '2')?.status === 404, 'item 1 answers 200, item 2 404'),
      }),
    },
  },
  {
    service: 'graph',
    name: 'JSON batching refuses more than 20 requests: 400',
    // "JSON batch requests are currently limited to 20 individual requests."
    doc: `${LEARN}/json-batching`,
    covers: ['graph POST /$batch'],
    request: (t) => ({
      method: 'POST',
      path: ['$batch'],
      headers: { 'Content-Type': 'application/json' },
      body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${t.user('jdoe').id}?$select=id` })) },
    }),
    response: { status: 400, body: z.object({ error: z.object({ code: z.string(), message: z.string() }) }) },
  },
  {
    service: 'graph',
    name: 'send a mail from a mailbox: 202 Accepted, no body',
    // "POST /users/{id | userPrincipalName}/sendMail" with { "message": { subject, body { contentType, content },
    // toRecipients [{ emailAddress { address } }] }, "saveToSentItems" }; "If successful, this method returns 202
    // Accepted response code. It doesn't return anything in the response body." Application permission: Mail.Send.
    doc: `${LEARN}/api/user-sendmail?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/sendMail'],
    roles: ['User.Read.All', 'Mail.Send'],
    request: (t) => ({
      method: 'POST',
      path: ['users', t.user('jdoe').userPrincipalName, 'sendMail'],
      headers: { 'Content-Type': 'application/json' },
      body: {
        message: {
          subject: 'Offboarding: a leaver handed over to you',
          body: { contentType: 'HTML', content: '<p>Hello</p>' },
          toRecipients: [{ emailAddress: { address: t.user('cloudy').userPrincipalName } }],
        },
      },
    }),
    response: { status: 202 },
  },
  {
    service: 'graph',
    name: 'send a mail without Mail.Send: 403 ErrorAccessDenied',
    // Mail.Send is the only application permission of sendMail; Exchange refuses an app without it with
    // "ErrorAccessDenied", "Access is denied. Check credentials and try again." (microsoftgraph/microsoft-graph-docs#10880).
    doc: `${LEARN}/api/user-sendmail?view=graph-rest-1.0`,
    covers: ['graph POST /users/{id}/sendMail'],
    roles: ['User.Read.All'],
    request: (t) => ({
      method: 'POST',
      path: ['users', t.user('jdoe').userPrincipalName, 'sendMail'],
      headers: { 'Content-Type': 'application/json' },
      body: { message: { subject: 'x', body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: t.user('cloudy').userPrincipalName } }] } },
    }),
    response: { status: 403, body: graphError('ErrorAccessDenied') },
  },
  {
    service: 'graph',
    name: 'more than 4 requests to one mailbox at once: the rest 429 with Retry-After',
    // Outlook service limits: "4 concurrent requests" per app ID and mailbox, 429 with Retry-After beyond them; a
    // batch's items for one mailbox arrive together ("Application is over its MailboxConcurrency limit.",
    // https://learn.microsoft.com/answers/questions/1660054).
    doc: `${LEARN}/throttling-limits#outlook-service-limits`,
    covers: ['graph POST /$batch', 'graph POST /users/{id}/sendMail'],
    roles: ['User.Read.All', 'Mail.Send'],
    request: (t) => ({
      method: 'POST',
      path: ['$batch'],
      headers: { 'Content-Type': 'application/json' },
      body: {
        requests: Array.from({ length: 5 }, (_, i) => ({
          id: String(i + 1),
          method: 'POST',
          url: `/users/${t.user('jdoe').userPrincipalName}/sendMail`,
          headers: { 'Content-Type': 'application/json' },
          body: { message: { subject: `mail ${i + 1}`, body: { contentType: 'Text', content: 'x' }, toRecipients: [{ emailAddress: { address: t.user('cloudy').userPrincipalName } }] } },
        })),
      },
    }),
    response: {
      status: 200,
      body: z.object({
        responses: z
          .array(z.object({ id: z.string(), status: z.number().int(), headers: z.record(z.string(), z.string()).optional() }))
          .refine((r) => r.filter((x) => x.status === 202).length === 4, 'four are accepted')
          .refine((r) => r.filter((x) => x.status === 429 && x.headers?.['Retry-After'] !== undefined).length === 1, 'the fifth is throttled with Retry-After'),
      }),
    },
  },
  {
    service: 'graph',
    name: 'throttled: 429 with Retry-After',
    // "When throttling occurs, Microsoft Graph returns HTTP status code 429 (Too many requests) … Retry-After
    // header"; the error's code is "TooManyRequests".
    doc: `${LEARN}/throttling`,
    covers: ['graph GET /users/{id}?$select'],
    faults: { throttle: { next: 1, retryAfter: [7, 7] } },
    request: (t) => ({ method: 'GET', path: ['users', t.user('jdoe').id], query: { $select: 'id' } }),
    response: { status: 429, headers: ['Retry-After'], body: graphError('TooManyRequests') },
  },
];
