// Built-in and configured protection for AD accounts: who must never be offboarded by this action.
import { rdnValue, sameDn } from '../connectors/ldap/dn.js';
import type { AdUser, Stop } from '../model.js';

export interface AdGuardContext {
  /** The account the action binds as. */
  bindAccount: { dn?: string; objectSid?: string };
  /** UPNs and sAMAccountNames from the `protected` input. */
  protectedIdentities: string[];
  /** AD group names (CN) or DNs from the `protected` input. */
  protectedGroups: string[];
}

/** Well-known relative ids: 500 is the domain's Administrator, 502 is krbtgt. */
const BUILTIN_RIDS: Record<string, string> = { '500': 'the built-in Administrator', '502': 'krbtgt' };

const blocked = (code: string, reason: string): Stop => ({ status: 'blocked', code, reason });
const same = (a: string | undefined, b: string): boolean => a !== undefined && a.toLowerCase() === b.toLowerCase();
/** `CORP\jdoe` → `jdoe`. */
const bare = (name: string): string => name.trim().slice(name.trim().lastIndexOf('\\') + 1);

function groupCn(dn: string): string | undefined {
  try {
    return rdnValue(dn);
  } catch {
    return undefined;
  }
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
  for (const group of user.memberOf) {
    const cn = groupCn(group);
    const match = context.protectedGroups.find((name) => same(cn, name.trim()) || sameDn(group, name));
    if (match) return blocked('protected', `${user.samAccountName} is a member of the protected group ${cn ?? group}`);
  }
  return undefined;
}
