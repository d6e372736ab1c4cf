// Who an undo acts on: each user of the record found again by its immutable ids, and stopped when it is not the same account or is still requested.
import { sameDn } from '../connectors/ldap/dn.js';
import { IDENTITY_KEYS, type Identity, type Person, type Request } from '../model.js';
import type { UndoneUser } from './record.js';

/**
 * The identity the user is looked up by again: the Entra object id (which never changes; AD is found through the SID
 * link), else the sAMAccountName, checked against the recorded objectGUID once found (guardChanged).
 */
export function undoRequest(user: UndoneUser): Request {
  const identity: Identity = user.entra ? { objectId: user.entra.id } : { samAccountName: user.ad?.samAccountName };
  return { source: user.source, identity, reason: typeof user.request.reason === 'string' ? user.request.reason : undefined };
}

/** A person whose accounts are not the ones the record names (an account deleted and made again under the same name). */
export function replacedAccount(person: Person, user: UndoneUser): string | undefined {
  const guid = user.ad?.objectGuid;
  if (guid && person.ad && person.ad.objectGuid.toLowerCase() !== guid.toLowerCase()) {
    return `the AD account ${person.ad.samAccountName} has objectGUID ${person.ad.objectGuid}, the run changed ${guid}: it is another account now`;
  }
  return undefined;
}

type Values = Map<string, string[]>;

/** Every identity value the person and its record go by, per identity column. */
function valuesOf(person: Person, user: UndoneUser): Values {
  const values: Values = new Map(IDENTITY_KEYS.map((key) => [key, [] as string[]]));
  const add = (key: (typeof IDENTITY_KEYS)[number], value: unknown) => {
    if (typeof value === 'string' && value !== '') values.get(key)?.push(value);
  };
  for (const key of IDENTITY_KEYS) add(key, user.request[key]);
  const { ad, entra } = person;
  add('distinguishedName', ad?.dn);
  add('distinguishedName', user.ad?.dn);
  add('samAccountName', user.ad?.samAccountName);
  add('userPrincipalName', user.entra?.userPrincipalName);
  add('objectId', user.entra?.id);
  add('samAccountName', ad?.samAccountName);
  add('samAccountName', entra?.onPremisesSamAccountName);
  for (const account of [ad, entra]) {
    add('userPrincipalName', account?.userPrincipalName);
    add('mail', account?.mail);
    add('employeeId', account?.employeeId);
  }
  add('objectId', entra?.id);
  return values;
}

const bareSam = (sam: string): string => sam.slice(sam.lastIndexOf('\\') + 1);

function matches(key: string, wanted: string, known: string[]): boolean {
  if (key === 'distinguishedName') return known.some((dn) => sameDn(dn, wanted));
  const want = (key === 'samAccountName' ? bareSam(wanted) : wanted).toLowerCase();
  return known.some((value) => value.toLowerCase() === want);
}

/**
 * The row of the current CSV that the nightly run would apply to this person again (selected as `due`): an undo of a
 * user still requested would be undone by that next run.
 */
export function stillRequestedBy(person: Person, user: UndoneUser, due: readonly Request[]): Request | undefined {
  const values = valuesOf(person, user);
  return due.find((request) =>
    IDENTITY_KEYS.some((key) => {
      const wanted = request.identity[key];
      return wanted !== undefined && matches(key, wanted, values.get(key) ?? []);
    }),
  );
}
