// Which identity a run has, the planner's (read rights only) or the write identity, and the refusal of apply with a planner.
import { formatDn, parseDn } from '../connectors/ldap/dn.js';
import type { AdDirectory } from '../connectors/types.js';
import type { Mode } from '../inputs-types.js';
import type { Person, PreflightLine, Request } from '../model.js';
import { permissionRows, setsFor } from '../permissions.js';
import { STEPS } from '../steps/index.js';
import type { StepInfo } from '../steps/types.js';
import type { UndoneUser } from '../undo/record.js';
import { undoAdRights } from './undo-rights.js';

const PLAN_ENVIRONMENT = 'offboarding-plan';
const APPLY_ENVIRONMENT = 'offboarding';
/** At most this many OUs are named in a line; the rest are counted. */
const NAMED_OUS = 3;

/** The line for an identity found in a mode: apply with a planner fails, a plan with the write identity is told so. */
function identityLine(service: string, who: string, writes: string[], mode: Mode): PreflightLine {
  if (writes.length === 0 && mode === 'apply') {
    return {
      ok: false,
      label: `${service}: ${who} is a plan identity (read rights only): mode apply is refused`,
      fix: `Run apply with the write identity, whose settings only the ${APPLY_ENVIRONMENT} environment holds; this one is for plans.`,
    };
  }
  if (writes.length === 0) return { ok: true, label: `${service}: ${who} is a plan identity (read rights only)` };
  if (mode === 'apply') return { ok: true, label: `${service}: ${who} may write`, detail: writes.join(', ') };
  const detail = `a plan needs only read rights: give the ${PLAN_ENVIRONMENT} environment the planner identity (README: the planner identity)`;
  return {
    ok: true,
    label: `${service}: ${who} may write (${writes.join(', ')}), more than a plan needs`,
    detail,
    notice: `${service}: this plan ran with the write identity ${who}; ${detail}.`,
  };
}

/**
 * The Graph side, from the token's roles: the enabled steps that change something through Graph (their write sets are
 * not their read sets), and which of them the roles let write. None: a plan identity. No such step: nothing to tell.
 */
export function graphIdentity(roles: string[], steps: readonly string[], mode: Mode, clientId: string, list: readonly StepInfo[] = STEPS): PreflightLine[] {
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  const holds = (set: string[]): boolean => set.every((p) => granted.has(p.toLowerCase()));
  const writers = permissionRows(list).filter(
    (row) => steps.includes(row.step) && JSON.stringify(setsFor(row, 'graph', 'apply')) !== JSON.stringify(setsFor(row, 'graph', 'plan')),
  );
  if (writers.length === 0) return [];
  const writes = writers.filter((row) => setsFor(row, 'graph', 'apply').some(holds)).map((row) => row.step);
  return [identityLine('Entra', `app ${clientId}`, writes, mode)];
}

const ACCOUNTDISABLE = 0x2;

const parentOf = (dn: string): string => formatDn(parseDn(dn).slice(1));

/**
 * The AD side, once the leavers are found: AD's allowedAttributesEffective on one leaver per OU (rights are delegated
 * per OU) against the attributes the enabled steps write on the user object. None writable anywhere: a plan identity.
 * The Reset Password right, a control access right that allowedAttributesEffective does not show, is read from the
 * leaver's DACL (AdDirectory.mayResetPassword) when an enabled step needs it. Only OUs are named, never a leaver, so
 * that a redacted summary shows no one. Only accounts still enabled are looked
 * at: a run that finds every leaver disabled already (a re-run, or Guest in an OU the write account was never delegated
 * on) has nothing to judge by, and refusing it would stop a run that needs no AD change for that reason. An undo
 * applied is judged by the rights its reverses need instead (undo-rights.ts).
 */
export async function adIdentity(
  ad: AdDirectory | undefined,
  bindDn: string,
  people: readonly Person[],
  steps: readonly string[],
  mode: Mode,
  undoRecordOf?: (request: Request) => UndoneUser | undefined,
  list: readonly StepInfo[] = STEPS,
): Promise<PreflightLine[]> {
  const undo = ad && undoRecordOf && mode === 'apply' ? await undoAdRights(ad, bindDn, people, undoRecordOf, list) : undefined;
  if (undo) return undo;
  const enabled = list.filter((step) => steps.includes(step.name));
  const attributes = enabled.flatMap((step) => step.permissions.adAttributes ?? []);
  const rights = [...new Set(enabled.flatMap((step) => step.permissions.adRights ?? []))];
  const targets = new Map<string, string>();
  for (const person of people) {
    const enabled = person.ad && !(person.ad.userAccountControl & ACCOUNTDISABLE);
    const ou = person.ad && enabled && !person.stop ? parentOf(person.ad.dn).toLowerCase() : undefined;
    if (person.ad && ou && !targets.has(ou)) targets.set(ou, person.ad.dn);
  }
  if (!ad || attributes.length + rights.length === 0 || targets.size === 0) return [];
  const wanted = new Map(attributes.map((name) => [name.toLowerCase(), name]));
  const writable = new Set<string>();
  for (const dn of targets.values()) {
    for (const name of attributes.length > 0 ? await ad.writableAttributes(dn) : []) {
      const known = wanted.get(name.toLowerCase());
      if (known) writable.add(known);
    }
    if (rights.includes('Reset Password') && (await ad.mayResetPassword(dn))) writable.add('Reset Password');
  }
  const ous = [...targets.values()].map(parentOf);
  const where = `${ous.slice(0, NAMED_OUS).join('; ')}${ous.length > NAMED_OUS ? ` and ${ous.length - NAMED_OUS} more OU(s)` : ''}`;
  const line = identityLine('AD', bindDn, [...new Set([...attributes, ...rights])].filter((name) => writable.has(name)), mode);
  return [{ ...line, detail: line.detail ? `${line.detail} — on the leavers in ${where}` : `on the leavers in ${where}` }];
}
