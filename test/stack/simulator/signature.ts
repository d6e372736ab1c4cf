// The signature of a request: what kind of call it was, without its values, so that calls can be matched to contract cases.
import { type FilterNode, parseFilter } from './odata.js';

/**
 * Graph collections whose next path segment is a key (`/users/{id}`, `/groups/{id}/members/{id}/$ref`). A segment
 * after one of them is `{id}` unless it is a system segment (`$ref`, `$count`) or a cast (`microsoft.graph.group`).
 */
const KEYED_COLLECTIONS = new Set([
  'users',
  'groups',
  'members',
  'transitiveMembers',
  'memberOf',
  'transitiveMemberOf',
  'directoryRoles',
  'directoryObjects',
  'administrativeUnits',
  'roleAssignments',
  'roleDefinitions',
  'roleEligibilityScheduleInstances',
  'roleAssignmentScheduleInstances',
  'licenseDetails',
  'owners',
  // Authentication method collections (/users/{id}/authentication/phoneMethods/{id}).
  ...['microsoftAuthenticator', 'phone', 'fido2', 'softwareOath', 'email', 'windowsHelloForBusiness', 'temporaryAccessPass', 'password'].map((m) => `${m}Methods`),
]);

function filterProperties(node: FilterNode, into: Set<string>): void {
  switch (node.type) {
    case 'and':
    case 'or':
      filterProperties(node.left, into);
      filterProperties(node.right, into);
      return;
    case 'not':
      filterProperties(node.operand, into);
      return;
    default:
      into.add(node.property);
  }
}

/**
 * `GET /users/{id}?$expand&$select`, `GET /users?$filter(mail)&$select`, with ` ConsistencyLevel:eventual` when
 * that header was sent. `segments` are the decoded path segments below the version root.
 */
export function graphSignature(method: string, segments: string[], query: URLSearchParams, consistencyLevel: string | undefined): string {
  const path = segments
    .map((s, i) => (i > 0 && KEYED_COLLECTIONS.has(segments[i - 1]) && !/^(\$|microsoft\.graph\.)|\)$/i.test(s) ? '{id}' : s))
    .join('/');
  const options = [...new Set([...query.keys()])].sort().map((name) => {
    if (name.toLowerCase() !== '$filter') return name;
    const properties = new Set<string>();
    try {
      filterProperties(parseFilter(query.get(name) ?? ''), properties);
    } catch {
      return `${name}(?)`;
    }
    return `${name}(${[...properties].sort().join(',')})`;
  });
  const level = consistencyLevel ? ` ConsistencyLevel:${consistencyLevel.toLowerCase()}` : '';
  return `graph ${method.toUpperCase()} /${path}${options.length > 0 ? `?${options.join('&')}` : ''}${level}`;
}

/** `exchange Add-MailboxPermission -AccessRights -Identity -User`: the cmdlet and its parameter names, sorted. */
export function cmdletSignature(service: 'exchange' | 'sharepoint', cmdlet: string, parameters: unknown): string {
  const names = parameters !== null && typeof parameters === 'object' && !Array.isArray(parameters) ? Object.keys(parameters) : [];
  return [`${service} ${cmdlet}`, ...names.map((n) => `-${n.replace(/^-/, '')}`).sort()].join(' ');
}
