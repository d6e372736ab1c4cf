// The preflight of an undo in AD: the rights its reverses need on the OUs, groups and accounts the record names.
import { formatDn, parseDn, sameDn } from '../connectors/ldap/dn.js';
import type { AdDirectory } from '../connectors/types.js';
import type { Person, PreflightLine, Request } from '../model.js';
import { STEPS } from '../steps/index.js';
import type { StepInfo } from '../steps/types.js';
import type { UndoneUser } from '../undo/record.js';

/** At most this many missing rights are named in a line; the rest are counted. */
const NAMED = 4;

const parentOf = (dn: string): string => formatDn(parseDn(dn).slice(1));
const lower = (names: readonly string[]): Set<string> => new Set(names.map((name) => name.toLowerCase()));
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** One right a reverse needs: where, what, and for which step. */
interface Need {
  step: string;
  /** The entry the right is read on. */
  dn: string;
  /** `attributes`: write these on the entry (allowedAttributesEffective); `create`: create this class under it (allowedChildClassesEffective). */
  kind: 'attributes' | 'create';
  names: string[];
  /** How the line names the place without naming a leaver: an OU, or a group. */
  where: string;
}

/**
 * The AD writes of one user's reverses, from the record: ad-move creates the account again in the OU of the recorded
 * DN (and writes its RDN, cn); ad-groups writes `member` on every group it joins or leaves again; the steps that write
 * attributes of the account (the record holds those attributes) write them on it. Nothing is needed for a step the
 * reverse will skip because the account moved on since (a DN that is not the one the run left).
 */
function needsOf(person: Person, user: UndoneUser, list: readonly StepInfo[]): Need[] {
  const account = person.ad;
  if (!account) return [];
  const where = `the accounts in ${parentOf(account.dn)}`;
  const needs: Need[] = [];
  for (const record of user.steps) {
    const step = list.find((s) => s.name === record.step);
    if (record.status !== 'done' || !step?.reversible) continue;
    if (step.name === 'ad-move') {
      const [was, left] = [record.before?.dn, record.after?.dn];
      if (typeof was !== 'string' || typeof left !== 'string' || !sameDn(account.dn, left)) continue;
      const ou = parentOf(was);
      needs.push({ step: step.name, dn: ou, kind: 'create', names: ['user'], where: ou });
      // The move writes the RDN, cn, which allowedAttributesEffective lists; `name` follows the RDN, and the DC does not list it.
      needs.push({ step: step.name, dn: account.dn, kind: 'attributes', names: ['cn'], where });
    } else if (step.name === 'ad-groups') {
      const [was, left] = [strings(record.before?.groups), strings(record.after?.groups)];
      const changed = [...was.filter((g) => !left.some((l) => sameDn(g, l))), ...left.filter((l) => !was.some((g) => sameDn(g, l)))];
      for (const group of changed) needs.push({ step: step.name, dn: group, kind: 'attributes', names: ['member'], where: group });
    } else {
      const recorded = lower([...Object.keys(record.before ?? {}), ...Object.keys(record.after ?? {})]);
      const names = (step.permissions.adAttributes ?? []).filter((name) => recorded.has(name.toLowerCase()));
      if (names.length > 0) needs.push({ step: step.name, dn: account.dn, kind: 'attributes', names, where });
    }
  }
  return needs;
}

/**
 * An undo's AD line, in apply mode: each right its reverses need, read from the DC as the bound account holds it, on
 * the OUs and groups of the record and on the accounts where they are now. A right missing anywhere fails the
 * preflight (nothing is changed) and the line says which to delegate. Undefined when no user of the run is one of an
 * undo. The attributes are read on the account where it is: when ad-move takes it back first, they are written
 * under the OU it goes back to, which the rights inherited there decide.
 */
export async function undoAdRights(
  ad: AdDirectory,
  bindDn: string,
  people: readonly Person[],
  recordOf: (request: Request) => UndoneUser | undefined,
  list: readonly StepInfo[] = STEPS,
): Promise<PreflightLine[] | undefined> {
  const users = people.flatMap((person) => {
    const user = recordOf(person.request);
    return user ? [{ person, user }] : [];
  });
  if (users.length === 0) return undefined;
  const needs = users.flatMap(({ person, user }) => (person.stop ? [] : needsOf(person, user, list)));
  if (needs.length === 0) return [];
  const reads = new Map<string, Promise<Set<string>>>();
  const holds = (need: Need): Promise<Set<string>> => {
    const key = `${need.kind}:${need.dn.toLowerCase()}`;
    let read = reads.get(key);
    if (!read) {
      read = (need.kind === 'create' ? ad.creatableClasses(need.dn) : ad.writableAttributes(need.dn)).then(lower);
      reads.set(key, read);
    }
    return read;
  };
  const missing = new Set<string>();
  for (const need of needs) {
    const held = await holds(need);
    const lacking = need.names.filter((name) => !held.has(name.toLowerCase()));
    if (lacking.length === 0) continue;
    const what = need.kind === 'create' ? `create ${lacking.join(', ')} objects in ${need.where}` : `write ${lacking.join(', ')} on ${need.where}`;
    missing.add(`${what} (${need.step})`);
  }
  const places = new Set(needs.map((need) => need.where.toLowerCase())).size;
  if (missing.size === 0) return [{ ok: true, label: `AD: ${bindDn} holds the rights the undo needs`, detail: `on ${places} OU(s) and group(s) of the record` }];
  const named = [...missing];
  return [
    {
      ok: false,
      label: `AD: ${bindDn} lacks rights the undo needs`,
      detail: `${named.slice(0, NAMED).join('; ')}${named.length > NAMED ? ` and ${named.length - NAMED} more` : ''}`,
      fix: 'Delegate these rights to the write account (README: permissions; to undo ad-move it creates user objects in the OU each account came from), then run the undo again: nothing was changed.',
    },
  ];
}
