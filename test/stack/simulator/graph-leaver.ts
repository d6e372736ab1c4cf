// Graph v1.0 for the leaver's sign-in methods and group ownership: authentication methods, ownedObjects (refused), group owners.
import type { FixtureAuthMethod } from '../fixture.js';
import type { SimEnv } from './env.js';
import type { GraphKit } from './graph-roles.js';
import type { Caller, GraphCall, GraphResult } from './graph-types.js';
import { isObject } from './jwt.js';
import type { AuthMethodRecord, GroupRecord, Tenant, UserRecord } from './tenant.js';

// https://learn.microsoft.com/en-us/graph/api/authentication-list-methods (application permissions).
const READ_METHODS = ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
// The delete pages of each method type, e.g. https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete.
const WRITE_METHODS = ['UserAuthenticationMethod.ReadWrite.All'];
// https://learn.microsoft.com/en-us/graph/api/group-post-owners and group-delete-owners: Group.ReadWrite.All, Directory.ReadWrite.All.
const WRITE_OWNERS = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];

/** The password method's id, the same for every user (authentication-list-methods, passwordauthenticationmethod). */
const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';

/** The collection below `/users/{id}/authentication/` that holds each method type, and its @odata.type. */
const COLLECTIONS: Record<FixtureAuthMethod['type'], string> = {
  microsoftAuthenticator: 'microsoftAuthenticatorMethods',
  phone: 'phoneMethods',
  fido2: 'fido2Methods',
  softwareOath: 'softwareOathMethods',
  email: 'emailMethods',
  windowsHelloForBusiness: 'windowsHelloForBusinessMethods',
  temporaryAccessPass: 'temporaryAccessPassMethods',
};

/** The operation kind of the routes here, or undefined for another path. */
export function classifyLeaver(method: string, s: string[]): string | undefined {
  const [root, , rel, sub, item] = s;
  if (root === 'users' && rel === 'authentication') {
    if (s.length === 4 && sub === 'methods' && method === 'GET') return 'graph.list.authMethods';
    if (s.length === 5 && method === 'DELETE') return 'graph.delete.authMethod';
  }
  if (root === 'users' && rel === 'ownedObjects' && (s.length === 3 || s.length === 4) && method === 'GET') return 'graph.list.ownedObjects';
  if (root === 'groups' && rel === 'owners') {
    if (s.length === 3 && method === 'GET') return 'graph.list.groupOwners';
    if (s.length === 4 && sub === '$ref' && method === 'POST') return 'graph.post.groupOwner';
    if (s.length === 5 && item === '$ref' && method === 'DELETE') return 'graph.delete.groupOwner';
  }
  return undefined;
}

/** Handles the routes of classifyLeaver; undefined for any other operation. */
export function leaverRoute(k: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, caller: Caller, op: string, s: string[]): GraphResult | undefined {
  const [, id] = s;
  switch (op) {
    case 'graph.list.authMethods':
      return withUser(k, tenant, call, id, READ_METHODS, caller, (user) =>
        k.page(env, call, `users/${user.id}/authentication/methods`, [passwordMethod(user), ...user.authMethods.map(methodObject)], `users('${user.id}')/authentication/methods`),
      );
    case 'graph.delete.authMethod':
      return withUser(k, tenant, call, id, WRITE_METHODS, caller, (user) => deleteMethod(k, call, user, s[3], s[4]));
    case 'graph.list.ownedObjects':
      // https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects lists the permissions as "Application: Not
      // supported.": every caller here holds an app-only token, so no role lets it through. The page shows no body for
      // the refusal: Graph's own for a token without the permission (403 Authorization_RequestDenied, "Insufficient
      // privileges to complete the operation.", as microsoftgraph/microsoft-graph-docs#5678 quotes it for this call).
      return { ...k.denied(call), user: tenant.findUser(id)?.userPrincipalName ?? id };
    case 'graph.list.groupOwners':
      return withGroup(k, tenant, call, id, k.readGroups, caller, (group) => {
        const owners = group.owners.map((o) => tenant.userById(o)).filter((u): u is UserRecord => u !== undefined).map((u) => k.userObject(env, tenant, u));
        const select = k.parseSelectLoose(call);
        return k.page(env, call, `groups/${group.id}/owners`, owners, 'directoryObjects', (o) => (select ? k.pickTyped(o, select) : o));
      });
    case 'graph.post.groupOwner':
      return withGroup(k, tenant, call, id, WRITE_OWNERS, caller, (group) => addOwner(k, tenant, call, group));
    case 'graph.delete.groupOwner':
      return withGroup(k, tenant, call, id, WRITE_OWNERS, caller, (group) => removeOwner(k, tenant, call, group, s[3]));
    default:
      return undefined;
  }
}

/**
 * Graph refuses to change the members (and owners) of a distribution list or a mail-enabled security group: those are
 * managed in Exchange Online (https://learn.microsoft.com/en-us/graph/api/resources/groups-overview, "can't be managed
 * through Microsoft Graph"); the service's answer as microsoftgraph/microsoft-graph-docs#14827 and #2547 quote it.
 * A group synced from on-premises AD is refused as every directory-synced object is.
 */
export function membershipRefused(k: GraphKit, call: GraphCall, group: GroupRecord | undefined): GraphResult | undefined {
  if (group?.kind === 'distribution' || group?.kind === 'mail-security') {
    return k.graphError(call, 400, 'Request_BadRequest', 'Cannot Update a mail-enabled security groups and or distribution list.');
  }
  if (group?.synced) {
    return k.graphError(call, 400, 'Request_BadRequest', 'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.');
  }
  return undefined;
}

function withUser(k: GraphKit, tenant: Tenant, call: GraphCall, id: string, anyOf: string[], caller: Caller, then: (user: UserRecord) => GraphResult): GraphResult {
  const user = tenant.findUser(id);
  const who = user?.userPrincipalName ?? id;
  if (!k.has(caller, anyOf)) return { ...k.denied(call), user: who };
  if (!user) return { ...k.graphError(call, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`), user: who };
  return { ...then(user), user: who };
}

function withGroup(k: GraphKit, tenant: Tenant, call: GraphCall, id: string, anyOf: string[], caller: Caller, then: (group: GroupRecord) => GraphResult): GraphResult {
  if (!k.has(caller, anyOf)) return k.denied(call);
  const group = tenant.groups.get(id.toLowerCase());
  if (!group) return k.graphError(call, 404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  return then(group);
}

function passwordMethod(user: UserRecord): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: PASSWORD_METHOD_ID, password: null, createdDateTime: user.createdDateTime };
}

/** A method as the list returns it, with the properties its resource page names. */
function methodObject(record: AuthMethodRecord): Record<string, unknown> {
  const m = record.method;
  const base = { '@odata.type': `#microsoft.graph.${m.type}AuthenticationMethod`, id: record.id };
  switch (m.type) {
    case 'microsoftAuthenticator':
      return { ...base, displayName: m.displayName, deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.8.7', createdDateTime: record.createdDateTime };
    case 'phone':
      return { ...base, phoneNumber: m.phoneNumber, phoneType: m.phoneType ?? 'mobile', smsSignInState: 'notAllowedByPolicy' };
    case 'fido2':
      return { ...base, displayName: m.displayName, model: 'YubiKey 5 NFC', aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', attestationLevel: 'attested', createdDateTime: record.createdDateTime };
    case 'softwareOath':
      return { ...base, secretKey: null };
    case 'email':
      return { ...base, emailAddress: m.emailAddress };
    case 'windowsHelloForBusiness':
      return { ...base, displayName: m.displayName, keyStrength: 'normal', createdDateTime: record.createdDateTime };
    case 'temporaryAccessPass':
      return { ...base, isUsable: true, lifetimeInMinutes: 60, isUsableOnce: false, methodUsabilityReason: 'EnabledByPolicy', createdDateTime: record.createdDateTime };
  }
}

function deleteMethod(k: GraphKit, call: GraphCall, user: UserRecord, collection: string, methodId: string): GraphResult {
  const type = (Object.keys(COLLECTIONS) as FixtureAuthMethod['type'][]).find((t) => COLLECTIONS[t] === collection);
  // The password method has no delete (passwordauthenticationmethod: list and get only).
  if (collection === 'passwordMethods') return k.graphError(call, 405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  if (!type) return k.badSegment(call, collection);
  const record = user.authMethods.find((m) => m.id.toLowerCase() === methodId.toLowerCase() && m.method.type === type);
  if (!record) return k.graphError(call, 404, 'itemNotFound', `The requested ${type} authentication method '${methodId}' was not found.`);
  // "If the phone number is the user's default Azure multi-factor authentication (MFA) authentication method, it can't
  // be deleted" (https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete); the service refuses any
  // default method while others remain, with the text quoted on
  // https://learn.microsoft.com/en-us/answers/questions/1337439/microsoft-graph-api-deleting-authentication-method.
  if (record.id === user.defaultMethodId && user.authMethods.length > 1) {
    return k.graphError(call, 400, 'badRequest', 'Cannot delete default method with other methods configured. Please change default method before deletion.');
  }
  user.authMethods = user.authMethods.filter((m) => m !== record);
  if (record.id === user.defaultMethodId) user.defaultMethodId = null;
  return { status: 204 };
}

/** The object id an `@odata.id` reference names (`…/directoryObjects/{id}` or `…/users/{id}`). */
function referencedId(body: unknown): string | undefined {
  const ref = isObject(body) ? body['@odata.id'] : undefined;
  const m = typeof ref === 'string' ? /\/(?:directoryObjects|users)(?:\/|\(')([^/')]+)'?\)?\/?$/.exec(ref) : null;
  return m ? decodeURIComponent(m[1]) : undefined;
}

function addOwner(k: GraphKit, tenant: Tenant, call: GraphCall, group: GroupRecord): GraphResult {
  const refId = referencedId(call.body);
  const user = refId ? tenant.findUser(refId) : undefined;
  if (!refId) return k.graphError(call, 400, 'Request_BadRequest', `Invalid URL format specified in @odata.id for owners: '${String(isObject(call.body) ? call.body['@odata.id'] : '')}'.`);
  if (!user) return k.graphError(call, 404, 'Request_ResourceNotFound', `Resource '${refId}' does not exist or one of its queried reference-property objects are not present.`);
  const refused = membershipRefused(k, call, { ...group, synced: false });
  if (refused) return { ...refused, user: user.userPrincipalName };
  // "This method returns a 400 Bad Request response code when the object is already a member of the group"
  // (group-post-owners); the text as for members.
  if (group.owners.includes(user.id)) {
    return { ...k.graphError(call, 400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'owners'."), user: user.userPrincipalName };
  }
  group.owners.push(user.id);
  return { status: 204, user: user.userPrincipalName };
}

function removeOwner(k: GraphKit, tenant: Tenant, call: GraphCall, group: GroupRecord, ownerId: string): GraphResult {
  const user = tenant.findUser(ownerId);
  const who = user?.userPrincipalName ?? ownerId;
  if (!user || !group.owners.includes(user.id)) {
    return { ...k.graphError(call, 404, 'Request_ResourceNotFound', `Resource '${ownerId}' does not exist or one of its queried reference-property objects are not present.`), user: who };
  }
  // "Once owners are assigned to a group, the last owner (a user object) of the group cannot be removed"
  // (https://learn.microsoft.com/en-us/graph/api/group-delete-owners); the text as microsoftgraph/microsoft-graph-docs#12054 quotes it.
  if (group.owners.length === 1) {
    return { ...k.graphError(call, 400, 'Request_BadRequest', 'The group must have at least one owner, hence this owner cannot be removed.'), user: who };
  }
  group.owners = group.owners.filter((o) => o !== user.id);
  return { status: 204, user: who };
}
