// Resolve: find each requested person in AD and in Entra ID, check both are the same person, guard, find the delegate.
import { sameDn } from '../connectors/ldap/dn.js';
import type { Connectors } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import type { AdUser, EntraUser, Identity, Person, Request, RosterEntry, Stop } from '../model.js';
import { adGuard } from './ad-guards.js';
import { resolveDelegates } from './delegate.js';
import { entraGuard, findEntraUsers, findProtectedEntraGroups, identityCheck } from './entra.js';

export interface ResolveOptions {
  requests: Request[];
  roster: RosterEntry[];
  inputs: Inputs;
  connectors: Connectors;
}

/** The one identity used to look a request up in Entra ID: the most specific column the request has. */
function entraLookupIdentity(identity: Identity, ad?: AdUser): Identity | undefined {
  if (identity.objectId) return { objectId: identity.objectId };
  if (identity.userPrincipalName) return { userPrincipalName: identity.userPrincipalName };
  if (identity.mail) return { mail: identity.mail };
  if (identity.employeeId) return { employeeId: identity.employeeId };
  if (identity.samAccountName) return { samAccountName: identity.samAccountName };
  if (ad?.userPrincipalName) return { userPrincipalName: ad.userPrincipalName };
  return undefined;
}

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
/** `CORP\jdoe` → `jdoe`: the form people copy from a logon prompt. */
const bareSam = (sam: string): string => sam.slice(sam.lastIndexOf('\\') + 1);

/**
 * Every identity column of the request must fit the account that was found: a row that names one person by UPN
 * and another by employeeId must not act on either. When the Entra user is proven to be the AD account (its
 * onPremisesSecurityIdentifier is the AD objectSid), a column needs to fit one of the two, since a cloud UPN may
 * differ from the on-premises one. Without that proof, the two accounts are linked only by the row, so each must
 * fit every column it carries a value for: otherwise one person's AD account and another's Entra account are acted on.
 */
function identityConflict(identity: Identity, ad?: AdUser, entra?: EntraUser, sameSid = false): Stop | undefined {
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
    const conflict = sameSid ? known.length > 0 && fitting.length === 0 : fitting.length < known.length;
    if (conflict) {
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

  const adMatches: AdUser[][] | undefined = ad ? await ad.findUsers(requests.map((r) => r.identity)) : undefined;
  const bindAccount = ad ? await ad.whoami() : {};

  const entraIdentities = requests.map((request, i) => {
    const adUsers = adMatches?.[i];
    return entraLookupIdentity(request.identity, adUsers?.length === 1 ? adUsers[0] : undefined);
  });
  const protectedEntraGroups = graph && protectedNames.length > 0 ? await findProtectedEntraGroups(graph, protectedNames) : [];
  let entraMatches: EntraUser[][] | undefined;
  if (graph) {
    const wanted = entraIdentities.flatMap((identity, i) => (identity ? [{ identity, i }] : []));
    const found = await findEntraUsers(graph, wanted.map((w) => w.identity));
    entraMatches = requests.map(() => []);
    wanted.forEach((w, k) => {
      (entraMatches as EntraUser[][])[w.i] = found[k];
    });
  }

  const people: Person[] = requests.map((request, i) => {
    const person: Person = { request, delegate: { source: 'none' } };
    const adUsers = adMatches?.[i] ?? [];
    const entraUsers = entraMatches?.[i] ?? [];
    if (!ad) person.adMissing = 'AD not configured (ldap-url)';
    else if (adUsers.length === 0) person.adMissing = 'no AD account';
    if (!graph) person.entraMissing = 'Entra ID not configured (tenant-id)';
    else if (entraUsers.length === 0) person.entraMissing = 'no Entra account';

    if (adUsers.length > 1) {
      person.stop = adMatchesStop(request.identity, adUsers);
      return person;
    }
    if (entraUsers.length > 1) {
      person.stop = {
        status: 'failed',
        code: 'ambiguous',
        reason: `${entraUsers.length} Entra users match: ${entraUsers.map((u) => u.userPrincipalName).join('; ')}`,
      };
      return person;
    }
    person.ad = adUsers[0];
    person.entra = entraUsers[0];
    if ((ad || graph) && !person.ad && !person.entra) {
      person.stop = { status: 'failed', code: 'not-found', reason: 'found in none of the configured directories' };
      return person;
    }
    const sameSid = Boolean(
      person.ad && person.entra?.onPremisesSecurityIdentifier && person.entra.onPremisesSecurityIdentifier.toUpperCase() === person.ad.objectSid.toUpperCase(),
    );
    person.stop =
      (person.ad && person.entra ? identityCheck(person.ad.objectSid, person.entra) : undefined) ??
      identityConflict(request.identity, person.ad, person.entra, sameSid) ??
      (person.ad
        ? adGuard(person.ad, { bindAccount, protectedIdentities: protectedNames, protectedGroups: protectedNames })
        : undefined) ??
      (person.entra ? entraGuard(person.entra, protectedNames, protectedEntraGroups) : undefined);
    return person;
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
