// Microsoft Graph v1.0 for a leaver's sign-in methods and groups: authentication methods, memberOf, ownedObjects (refused), owners.
import { z } from 'zod';
import { collection, graphError, graphErrorWith } from './shapes.js';
import type { ContractTenant, GraphCase } from './types.js';

const LEARN = 'https://learn.microsoft.com/en-us/graph';
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const READ_METHODS = ['User.Read.All', 'UserAuthenticationMethod.Read.All'];
const WRITE_METHODS = ['User.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
const GROUPS = ['User.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All'];

/** The method ids of a user, read from the tenant's state by the runner: the contract fixture's `lea` has one of each. */
const methodId = (t: ContractTenant, type: string): string => t.authMethod('lea', type);

/** The delete of each method type, with the page it is written from (the Authenticator is the default: see below). */
const DELETES: { type: string; collection: string; page: string }[] = [
  { type: 'phone', collection: 'phoneMethods', page: 'phoneauthenticationmethod-delete' },
  { type: 'fido2', collection: 'fido2Methods', page: 'fido2authenticationmethod-delete' },
  { type: 'softwareOath', collection: 'softwareOathMethods', page: 'softwareoathauthenticationmethod-delete' },
  { type: 'email', collection: 'emailMethods', page: 'emailauthenticationmethod-delete' },
  { type: 'windowsHelloForBusiness', collection: 'windowsHelloForBusinessMethods', page: 'windowshelloforbusinessauthenticationmethod-delete' },
  { type: 'temporaryAccessPass', collection: 'temporaryAccessPassMethods', page: 'temporaryaccesspassauthenticationmethod-delete' },
];

const groupWithOwners = z.object({
  id: z.string(),
  displayName: z.string(),
  groupTypes: z.array(z.string()),
  owners: z.array(z.object({ '@odata.type': z.string().startsWith('#microsoft.graph.'), id: z.string() })).max(20),
});

export const GRAPH_LEAVER_CASES: GraphCase[] = [
  {
    service: 'graph',
    name: "list a user's authentication methods: the password among them, each with its @odata.type",
    // "GET /users/{id | userPrincipalName}/authentication/methods"; "returns a 200 OK response code and a collection of
    // authenticationMethod objects"; the example lists a #microsoft.graph.passwordAuthenticationMethod and others.
    doc: `${LEARN}/api/authentication-list-methods?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/authentication/methods'],
    roles: READ_METHODS,
    request: (t) => ({ method: 'GET', path: ['users', t.user('lea').id, 'authentication', 'methods'] }),
    response: {
      status: 200,
      body: collection(z.object({ '@odata.type': z.string().startsWith('#microsoft.graph.'), id: z.string() })).refine(
        (b) => (b as { value: { '@odata.type': string }[] }).value.some((m) => m['@odata.type'] === '#microsoft.graph.passwordAuthenticationMethod'),
        'the password method is listed',
      ),
    },
  },
  {
    service: 'graph',
    name: "list a user's authentication methods without UserAuthenticationMethod.Read.All: 403",
    // Application permissions: "UserAuthenticationMethod.Read.All" (least), "UserAuthenticationMethod.ReadWrite.All".
    doc: `${LEARN}/api/authentication-list-methods?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/authentication/methods'],
    roles: ['User.Read.All', 'Directory.Read.All'],
    request: (t) => ({ method: 'GET', path: ['users', t.user('lea').id, 'authentication', 'methods'] }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  ...DELETES.map(
    ({ type, collection: name, page }): GraphCase => ({
      service: 'graph',
      name: `delete a ${type} authentication method: 204`,
      // "DELETE /users/{id | userPrincipalName}/authentication/<type>Methods/{id}"; "If successful, this method returns a
      // 204 No Content response code."
      doc: `${LEARN}/api/${page}?view=graph-rest-1.0`,
      covers: [`graph DELETE /users/{id}/authentication/${name}/{id}`],
      roles: WRITE_METHODS,
      request: (t) => ({ method: 'DELETE', path: ['users', t.user('lea').id, 'authentication', name, methodId(t, type)] }),
      response: { status: 204 },
    }),
  ),
  {
    service: 'graph',
    name: 'delete the default MFA method while others remain: 400',
    // "If the phone number is the user's default Azure multi-factor authentication (MFA) authentication method, it
    // can't be deleted" (phoneauthenticationmethod-delete); the service answers for any default method "Cannot delete
    // default method with other methods configured." (learn.microsoft.com/en-us/answers/questions/1337439).
    doc: `${LEARN}/api/microsoftauthenticatorauthenticationmethod-delete?view=graph-rest-1.0`,
    covers: ['graph DELETE /users/{id}/authentication/microsoftAuthenticatorMethods/{id}'],
    roles: WRITE_METHODS,
    request: (t) => ({ method: 'DELETE', path: ['users', t.user('lea').id, 'authentication', 'microsoftAuthenticatorMethods', methodId(t, 'microsoftAuthenticator')] }),
    response: { status: 400, body: z.object({ error: z.object({ message: z.string().regex(/Cannot delete default method with other methods configured/) }) }) },
  },
  {
    service: 'graph',
    name: 'delete the Authenticator once it is the only method besides the password: 204',
    doc: `${LEARN}/api/microsoftauthenticatorauthenticationmethod-delete?view=graph-rest-1.0`,
    covers: ['graph DELETE /users/{id}/authentication/microsoftAuthenticatorMethods/{id}'],
    roles: WRITE_METHODS,
    // ben has the Authenticator alone.
    request: (t) => ({ method: 'DELETE', path: ['users', t.user('ben').id, 'authentication', 'microsoftAuthenticatorMethods', t.authMethod('ben', 'microsoftAuthenticator')] }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: "list a user's direct group memberships, cast to groups, with $select",
    // "GET /users/{id | userPrincipalName}/memberOf" gets the groups … "that the user is a direct member of"; the
    // cast "/microsoft.graph.group" returns only groups (query-parameters#cast, "OData cast").
    doc: `${LEARN}/api/user-list-memberof?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/memberOf/microsoft.graph.group?$select'],
    roles: GROUPS,
    request: (t) => ({
      method: 'GET',
      path: ['users', t.user('lea').id, 'memberOf', 'microsoft.graph.group'],
      query: { $select: 'id,displayName,mail,groupTypes,mailEnabled,securityEnabled,onPremisesSyncEnabled,isAssignableToRole' },
    }),
    response: {
      status: 200,
      body: collection(
        z.object({ id: z.string(), displayName: z.string(), groupTypes: z.array(z.string()), mailEnabled: z.boolean(), securityEnabled: z.boolean(), onPremisesSyncEnabled: z.boolean().nullable() }),
      ).and(z.object({ value: z.array(z.unknown()).min(1) })),
    },
  },
  {
    service: 'graph',
    name: 'remove a member from a security group: 204',
    // "DELETE /groups/{id}/members/{id}/$ref"; "If successful, this method returns a 204 No Content response code."
    doc: `${LEARN}/api/group-delete-members?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/members/{id}/$ref'],
    roles: GROUPS,
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('Project X').id, 'members', t.user('lea').id, '$ref'] }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'remove a member from a distribution list: 400, Exchange manages it',
    // "Mail-enabled security groups and distribution groups … can't be managed through Microsoft Graph" (groups
    // overview); the service's answer as microsoftgraph/microsoft-graph-docs#14827 and #2547 quote it.
    doc: `${LEARN}/api/resources/groups-overview?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/members/{id}/$ref'],
    roles: GROUPS,
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('All Staff').id, 'members', t.user('lea').id, '$ref'] }),
    response: { status: 400, body: graphErrorWith('Request_BadRequest', /Cannot Update a mail-enabled security groups and or distribution list/) },
  },
  {
    service: 'graph',
    name: 'add a member to a mail-enabled security group: 400, Exchange manages it',
    doc: 'https://github.com/microsoftgraph/microsoft-graph-docs/issues/14827',
    covers: ['graph POST /groups/{id}/members/$ref'],
    roles: GROUPS,
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Finance Approvers').id, 'members', '$ref'],
      headers: JSON_HEADERS,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('cfo').id}` },
    }),
    response: { status: 400, body: graphErrorWith('Request_BadRequest', /Cannot Update a mail-enabled security groups and or distribution list/) },
  },
  {
    service: 'graph',
    name: 'list the groups a user owns as an application: 403, app-only is not supported',
    // Permissions: "Application | Not supported. | Not supported."; the page shows no refusal body: Graph's own for a
    // token without the permission, as microsoftgraph/microsoft-graph-docs#5678 quotes it for this call.
    doc: `${LEARN}/api/user-list-ownedobjects?view=graph-rest-1.0`,
    covers: ['graph GET /users/{id}/ownedObjects/microsoft.graph.group?$select'],
    roles: ['User.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All'],
    request: (t) => ({
      method: 'GET',
      path: ['users', t.user('lea').id, 'ownedObjects', 'microsoft.graph.group'],
      query: { $select: 'id,displayName' },
    }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'list groups with their owners expanded, $select nested: at most 20 owners each, as directory objects',
    // "GET /groups" returns "a collection of group objects"; the group resource's owners relationship "Supports $expand
    // including nested $select", e.g. "$expand=owners($select=id,userPrincipalName,displayName)"
    // (resources/group#relationships); "$expand typically returns a maximum of 20 items for the expanded relationship
    // and has no @odata.nextLink" (query-parameters#expand).
    doc: `${LEARN}/api/group-list?view=graph-rest-1.0`,
    covers: ['graph GET /groups?$expand&$select'],
    roles: ['User.Read.All', 'GroupMember.Read.All'],
    request: () => ({
      method: 'GET',
      path: ['groups'],
      query: { $select: 'id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,resourceProvisioningOptions', $expand: 'owners($select=id)' },
    }),
    response: {
      status: 200,
      body: collection(groupWithOwners).refine(
        (b) => (b as { value: { displayName: string; owners: unknown[] }[] }).value.some((g) => g.displayName === 'Shared Board' && g.owners.length === 2),
        'the owners of each group are listed',
      ),
    },
  },
  {
    service: 'graph',
    name: "list a group's owners with $select",
    // "GET /groups/{id}/owners"; application permissions from GroupMember.Read.All; a collection of directoryObject.
    doc: `${LEARN}/api/group-list-owners?view=graph-rest-1.0`,
    covers: ['graph GET /groups/{id}/owners?$select'],
    roles: ['GroupMember.Read.All'],
    request: (t) => ({ method: 'GET', path: ['groups', t.group('Shared Board').id, 'owners'], query: { $select: 'id' } }),
    response: { status: 200, body: collection(z.object({ '@odata.type': z.string(), id: z.string() })).and(z.object({ value: z.array(z.unknown()).length(2) })) },
  },
  {
    service: 'graph',
    name: 'add an owner to a group: 204',
    // "POST /groups/{id}/owners/$ref" with "@odata.id"; "If successful, this method returns a 204 No Content response code."
    doc: `${LEARN}/api/group-post-owners?view=graph-rest-1.0`,
    covers: ['graph POST /groups/{id}/owners/$ref'],
    roles: GROUPS,
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Sales EMEA').id, 'owners', '$ref'],
      headers: JSON_HEADERS,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('salesvp').id}` },
    }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'add an owner who is an owner already: 400',
    // "This method returns a 400 Bad Request response code when the object is already a member of the group."
    doc: `${LEARN}/api/group-post-owners?view=graph-rest-1.0`,
    covers: ['graph POST /groups/{id}/owners/$ref'],
    roles: GROUPS,
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Sales EMEA').id, 'owners', '$ref'],
      headers: JSON_HEADERS,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('lea').id}` },
    }),
    response: { status: 400, body: graphErrorWith('Request_BadRequest', /already exist/) },
  },
  {
    service: 'graph',
    name: 'add an owner without Group.ReadWrite.All: 403',
    // Application permissions: "Group.ReadWrite.All", "Directory.ReadWrite.All".
    doc: `${LEARN}/api/group-post-owners?view=graph-rest-1.0`,
    covers: ['graph POST /groups/{id}/owners/$ref'],
    roles: ['User.Read.All', 'GroupMember.ReadWrite.All'],
    request: (t) => ({
      method: 'POST',
      path: ['groups', t.group('Project X').id, 'owners', '$ref'],
      headers: JSON_HEADERS,
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${t.user('salesvp').id}` },
    }),
    response: { status: 403, body: graphError('Authorization_RequestDenied') },
  },
  {
    service: 'graph',
    name: 'remove one of two owners: 204',
    // "DELETE /groups/{id}/owners/{id}/$ref"; "If successful, this method returns a 204 No Content response code."
    doc: `${LEARN}/api/group-delete-owners?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/owners/{id}/$ref'],
    roles: GROUPS,
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('Shared Board').id, 'owners', t.user('ben').id, '$ref'] }),
    response: { status: 204 },
  },
  {
    service: 'graph',
    name: 'remove the last owner: 400',
    // "Once owners are assigned to a group, the last owner (a user object) of the group cannot be removed."; the text
    // as microsoftgraph/microsoft-graph-docs#12054 quotes it.
    doc: `${LEARN}/api/group-delete-owners?view=graph-rest-1.0`,
    covers: ['graph DELETE /groups/{id}/owners/{id}/$ref'],
    roles: GROUPS,
    request: (t) => ({ method: 'DELETE', path: ['groups', t.group('Project X').id, 'owners', t.user('lea').id, '$ref'] }),
    response: { status: 400, body: graphErrorWith('Request_BadRequest', /must have at least one owner/) },
  },
];
