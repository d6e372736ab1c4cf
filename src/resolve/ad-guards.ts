// Built-in and configured protection for AD accounts: who must never be offboarded by this action.
import { normalizeDn, sameDn } from '../connectors/ldap/dn.js';
import type { AdGroupMembers } from '../connectors/types.js';
import type { AdUser, Stop } from '../model.js';

/** An AD group named in `protected`, with every user in it (nested members and primary-group members). */
export interface ProtectedAdGroup {
  name: string;
  /** Lower-cased canonical DNs. */
  memberDns: ReadonlySet<string>;
}

export interface AdGuardContext {
  /** The account the action binds as. */
  bindAccount: { dn?: string; objectSid?: string };
  /** UPNs and sAMAccountNames from the `protected` input. */
  protectedIdentities: string[];
  /** The AD groups among the `protected` input, read once per run. */
  protectedGroups: readonly ProtectedAdGroup[];
}

/** Well-known relative ids: 500 is the domain's Administrator, 502 is krbtgt. */
const BUILTIN_RIDS: Record<string, string> = { '500': 'the built-in Administrator', '502': 'krbtgt' };

const blocked = (code: string, reason: string): Stop => ({ status: 'blocked', code, reason });
const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();
/** `CORP\jdoe` → `jdoe`. */
const bare = (name: string): string => name.trim().slice(name.trim().lastIndexOf('\\') + 1);

function dnKey(dn: string): string {
  try {
    return normalizeDn(dn).toLowerCase();
  } catch {
    return dn.toLowerCase();
  }
}

/** The groups as the guard checks them: each member DN in one spelling. */
export function toProtectedAdGroups(groups: readonly AdGroupMembers[]): ProtectedAdGroup[] {
  return groups.map((group) => ({ name: group.name, memberDns: new Set(group.userDns.map(dnKey)) }));
}

/** Why this AD account must not be touched, or undefined when nothing protects it. */
export function adGuard(user: AdUser, context: AdGuardContext): Stop | undefined {
  const { bindAccount } = context;
  if ((bindAccount.dn && sameDn(user.dn, bindAccount.dn)) || (bindAccount.objectSid && same(user.objectSid, bindAccount.objectSid))) {
    return blocked('bind-account', `${user.samAccountName} is the account this action binds as (ldap-bind-dn)`);
  }
  const rid = /^S-1-5-21-(?:\d+-){3}(\d+)$/.exec(user.objectSid)?.[1];
  if (rid && BUILTIN_RIDS[rid]) {
    return blocked('builtin-rid', `${user.samAccountName} is ${BUILTIN_RIDS[rid]} (RID ${rid})`);
  }
  if (user.adminCount === 1) {
    return blocked('admin-count', `${user.samAccountName} has adminCount=1: it is or was in a protected admin group`);
  }
  const identity = context.protectedIdentities.find(
    (name) => same(user.samAccountName, bare(name)) || same(user.userPrincipalName, name.trim()),
  );
  if (identity) return blocked('protected', `${user.samAccountName} is listed in protected (${identity})`);
  const key = dnKey(user.dn);
  const group = context.protectedGroups.find((g) => g.memberDns.has(key));
  if (group) return blocked('protected', `${user.samAccountName} is a member of the protected group ${group.name}`);
  return undefined;
}
