// Preflight for Active Directory: the LDAP connector, bound once before any change.
import { createAdDirectory } from '../connectors/ldap.js';
import type { LdapInputs } from '../inputs-types.js';
import { messageOf, type Opening } from './checklist.js';

/** Opens the directory and says whether the bind worked, and as whom. */
export async function openAd(ldap: LdapInputs, warn: (message: string) => void, opening: Opening): Promise<void> {
  const ad = createAdDirectory({ ...ldap, onWarning: warn });
  opening.connectors.ad = ad;
  opening.closers.push(() => ad.close());
  try {
    await ad.connect();
    const self = await ad.whoami();
    opening.preflight.push({ ok: true, label: `AD: bound to ${ldap.url}`, detail: self.dn ? `as ${self.dn}` : undefined });
  } catch (error) {
    opening.preflight.push({
      ok: false,
      label: `AD: bind to ${ldap.url}`,
      detail: messageOf(error),
      fix: 'Check ldap-url, ldap-bind-dn, ldap-password and ldap-ca; the runner must reach the DC on 636 (LDAPS) or 389 (StartTLS).',
    });
  }
}
