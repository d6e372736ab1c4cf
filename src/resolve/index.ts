// Resolve: find each requested person in AD and in Entra ID, check both are the same person, guard, find the delegate.
import { sameDn } from '../connectors/ldap/dn.js';
import type { Connectors, GraphApi } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import type { AdUser, EntraUser, Identity, Person, Request, RosterEntry, Stop } from '../model.js';
import { adGuard, toProtectedAdGroups, type AdGuardContext } from './ad-guards.js';
import { resolveDelegates } from './delegate.js';
import { entraGuard, findEntraUsers, findProtectedEntraGroups, type ProtectedEntraGroup } from './entra.js';
import { isWithin, linkAccounts, type LinkedPair, type RowAccounts } from './link.js';

export interface ResolveOptions {
  requests: Request[];
  roster: RosterEntry[];
  inputs: Inputs;
  connectors: Connectors;
}

/**
 * The one identity used to look a request up in Entra ID: the most specific column the request has. With AD
 * configured, a sAMAccountName (and a DN) finds the AD account, and its Entra account is found through the link.
 */
function entraLookupIdentity(identity: Identity, adConfigured: boolean): Identity | undefined {
  if (identity.objectId) return { objectId: identity.objectId };
  if (identity.userPrincipalName) return { userPrincipalName: identity.userPrincipalName };
  if (identity.mail) return { mail: identity.mail };
  if (identity.employeeId) return { employeeId: identity.employeeId };
  if (identity.samAccountName && !adConfigured) return { samAccountName: identity.samAccountName };
  return undefined;
}

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
/** `CORP\jdoe` → `jdoe`: the form people copy from a logon prompt. */
const bareSam = (sam: string): string => sam.slice(sam.lastIndexOf('\\') + 1);

/**
 * Every identity column of the request must name the linked pair: a row that names one person by UPN and another by
 * employeeId must not act on either. The pair is one person (linked by SID), so a column needs to fit one of the two
 * accounts, since a cloud UPN may differ from the on-premises one.
 */
function identityConflict(identity: Identity, ad?: AdUser, entra?: EntraUser): Stop | undefined {
  const checks: [keyof Identity, [string, string | undefined][], (a: string, b: string) => boolean][] = [
    ['userPrincipalName', [['AD', ad?.userPrincipalName], ['Entra', entra?.userPrincipalName]], same],
    ['mail', [['AD', ad?.mail], ['Entra', entra?.mail]], same],
    ['employeeId', [['AD', ad?.employeeId], ['Entra', entra?.employeeId]], same],
    ['samAccountName', [['AD', ad?.samAccountName], ['Entra', entra?.onPremisesSamAccountName]], (a, b) => same(a, bareSam(b))],
    ['distinguishedName', [['AD', ad?.dn]], sameDn],
    ['objectId', [['Entra', entra?.id]], same],
  ];
  for (const [column, found, fits] of checks) {
    const wanted = identity[column];
    if (!wanted) continue;
    const known = found.filter((entry): entry is [string, string] => Boolean(entry[1]));
    const fitting = known.filter(([, value]) => fits(value, wanted));
    if (known.length > 0 && fitting.length === 0) {
      const other = known.filter((entry) => !fitting.includes(entry));
      return {
        status: 'failed',
        code: 'identity-conflict',
        reason: `the account found has ${column} ${other.map(([where, v]) => `${v} in ${where}`).join(' / ')}, but the request says ${wanted}: the row names more than one person`,
      };
    }
  }
  return undefined;
}

/**
 * Several AD accounts match one row. When each of the row's columns names a single account but the columns name
 * different ones, the row is self-contradictory (identity-conflict), which is what the administrator must fix;
 * otherwise one value matches several accounts (ambiguous).
 */
function adMatchesStop(identity: Identity, users: AdUser[]): Stop {
  const columns: [keyof Identity, (user: AdUser, wanted: string) => boolean][] = [
    ['userPrincipalName', (user, wanted) => same(user.userPrincipalName, wanted)],
    ['mail', (user, wanted) => same(user.mail, wanted)],
    ['employeeId', (user, wanted) => same(user.employeeId, wanted)],
    ['samAccountName', (user, wanted) => same(user.samAccountName, bareSam(wanted))],
    ['distinguishedName', (user, wanted) => sameDn(user.dn, wanted)],
  ];
  const named = columns.flatMap(([column, fits]) => {
    const wanted = identity[column];
    const hits = wanted ? users.filter((user) => fits(user, wanted)) : [];
    return hits.length === 1 ? [{ column, wanted, dn: hits[0].dn }] : [];
  });
  const [first, other] = named.filter((n, i) => i === 0 || n.dn.toLowerCase() !== named[0].dn.toLowerCase());
  if (first && other) {
    return {
      status: 'failed',
      code: 'identity-conflict',
      reason: `the account found has ${first.column} ${first.wanted} (${first.dn}), but the request says ${other.column} ${other.wanted}, which is ${other.dn}: the row names more than one person`,
    };
  }
  return { status: 'failed', code: 'ambiguous', reason: `${users.length} AD accounts match: ${users.map((u) => u.dn).join('; ')}` };
}

export async function resolvePeople(options: ResolveOptions): Promise<Person[]> {
  const { requests, inputs, connectors } = options;
  const { ad, graph } = connectors;
  const protectedNames = inputs.protected;

  const entraIdentities = requests.map((request) => entraLookupIdentity(request.identity, ad !== undefined));
  const [adMatches, entraMatches, bindAccount, protectedAdGroups, protectedEntraGroups] = await Promise.all([
    ad ? ad.findUsers(requests.map((r) => r.identity)) : undefined,
    graph ? findEntraMatches(graph, entraIdentities) : undefined,
    ad ? ad.whoami() : {},
    ad && protectedNames.length > 0 ? ad.findGroupMembers(protectedNames).then(toProtectedAdGroups) : [],
    graph && protectedNames.length > 0 ? findProtectedEntraGroups(graph, protectedNames) : [],
  ]);

  const people: Person[] = requests.map((request) => ({ request, delegate: { source: 'none' } }));
  const rows = requests.map((request, i): RowAccounts => {
    const person = people[i];
    const adUsers = adMatches?.[i] ?? [];
    const entraUsers = entraMatches?.[i] ?? [];
    if (adUsers.length > 1) person.stop = adMatchesStop(request.identity, adUsers);
    else if (entraUsers.length > 1) {
      person.stop = {
        status: 'failed',
        code: 'ambiguous',
        reason: `${entraUsers.length} Entra users match: ${entraUsers.map((u) => u.userPrincipalName).join('; ')}`,
      };
    }
    return person.stop ? {} : { ad: adUsers[0], entra: entraUsers[0] };
  });
  const pairs = await linkAccounts({ ad, graph, rows });

  people.forEach((person, i) => {
    const pair = pairs[i];
    const stoppedEarly = person.stop !== undefined;
    if (!ad) person.adMissing = 'AD not configured (ldap-url)';
    else if (stoppedEarly ? adMatches?.[i]?.length === 0 : !pair.ad) person.adMissing = 'no AD account';
    if (!graph) person.entraMissing = 'Entra ID not configured (tenant-id)';
    else if (stoppedEarly ? entraMatches?.[i]?.length === 0 : !pair.entra) person.entraMissing = 'no Entra account';
    if (stoppedEarly) return;
    person.ad = pair.ad;
    person.entra = pair.entra;
    if (pair.stop) {
      person.stop = pair.stop;
      return;
    }
    if ((ad || graph) && !person.ad && !person.entra) {
      person.stop = { status: 'failed', code: 'not-found', reason: 'found in none of the configured directories' };
      return;
    }
    person.stop =
      identityConflict(person.request.identity, person.ad, person.entra) ??
      guardStop(person, pair, {
        adContext: { bindAccount, protectedIdentities: protectedNames, protectedGroups: protectedAdGroups },
        protectedNames,
        protectedEntraGroups,
        baseDn: inputs.ldap?.baseDn,
      });
  });

  markDuplicates(people);
  const delegates = await resolveDelegates({
    people,
    roster: options.roster,
    defaultDelegate: inputs.defaultDelegate,
    directories: { ad, graph },
  });
  people.forEach((person, i) => {
    person.delegate = delegates[i];
  });
  return people;
}

/** Finds the Entra users of the identities that have an Entra lookup; the others find nobody. */
async function findEntraMatches(graph: GraphApi, identities: (Identity | undefined)[]): Promise<EntraUser[][]> {
  const wanted = identities.flatMap((identity, i) => (identity ? [{ identity, i }] : []));
  const found = await findEntraUsers(graph, wanted.map((w) => w.identity));
  const matches: EntraUser[][] = identities.map(() => []);
  wanted.forEach((w, k) => {
    matches[w.i] = found[k];
  });
  return matches;
}

interface GuardContext {
  adContext: AdGuardContext;
  protectedNames: string[];
  protectedEntraGroups: ProtectedEntraGroup[];
  baseDn?: string;
}

/**
 * The union of both directories' guards over the linked pair, whichever column found it. A guard that applies wins;
 * then an AD account outside ldap-base-dn (the administrator scoped what may be touched, and half an offboarding is
 * no offboarding); then a side that could not be read, since its guards are unknown.
 */
function guardStop(person: Person, pair: LinkedPair, context: GuardContext): Stop | undefined {
  const guard =
    (person.ad ? adGuard(person.ad, context.adContext) : undefined) ??
    (person.entra ? entraGuard(person.entra, context.protectedNames, context.protectedEntraGroups) : undefined);
  if (guard) return guard;
  if (person.ad && pair.adThroughLink && context.baseDn && !isWithin(person.ad.dn, context.baseDn)) {
    return {
      status: 'blocked',
      code: 'outside-base-dn',
      reason: `the AD account of this Entra user, ${person.ad.dn}, is outside ldap-base-dn (${context.baseDn}): widen ldap-base-dn to offboard it`,
    };
  }
  if (pair.unverifiable) return { status: 'blocked', code: 'guard-unverifiable', reason: `${pair.unverifiable}: its guards cannot be checked` };
  return undefined;
}

/** Two rows that resolve to the same account: the first one acts, the others are blocked and say which row acts. */
function markDuplicates(people: Person[]): void {
  const seen = new Map<string, Person>();
  for (const person of people) {
    if (person.stop) continue;
    const keys = [person.ad?.dn.toLowerCase(), person.entra?.id.toLowerCase()].filter((k): k is string => Boolean(k));
    const first = keys.map((k) => seen.get(k)).find(Boolean);
    if (first) {
      const { file, line } = first.request.source;
      person.stop = { status: 'blocked', code: 'duplicate', reason: `same account as ${file}:${line}, which is acted on instead` };
      continue;
    }
    for (const key of keys) seen.set(key, person);
  }
}
