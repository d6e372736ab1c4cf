// The ad-move step: moves the account into ldap-disabled-ou; the engine runs it after every other AD change.
import { isChildOf, movedDn, sameDn } from '../connectors/ldap/dn.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';

export const adMove = defineStep({
  name: 'ad-move',
  description: 'moves the account to `ldap-disabled-ou`; always the last AD change',
  byDefault: false,
  needs: ['ad'],
  permissions: {
    ad: 'delete user objects in the source OU, create user objects in `ldap-disabled-ou`, write `name` and `cn`',
    reads: {},
    notes: 'AD: create child objects in ldap-disabled-ou and delete them from the source OU.',
  },
  reversible: true,
  // A moved account that is still enabled would look offboarded to anyone browsing the Disabled OU.
  dependsOn: ['ad-disable'],
  async observe({ person, connectors, inputs, shared }) {
    const user = person.ad;
    const ad = connectors.ad;
    const target = inputs.ldap?.disabledOu;
    if (!target) return { kind: 'skipped', reason: 'ldap-disabled-ou is not set' };
    const before = { dn: user.dn };
    if (isChildOf(user.dn, target)) return { kind: 'unchanged', before };
    let moved = movedDn(user.dn, target);
    return {
      kind: 'change',
      before,
      after: { dn: moved },
      apply: async () => {
        moved = await ad.move(user.dn, target);
        return { after: { dn: moved } };
      },
      // The account is found at its new DN, and it is the same account (its objectGUID), not another one of that name.
      verify: async () => {
        const found = await readBackAdUser(shared, ad, moved);
        const dn = found && sameDn(found.dn, moved) ? moved : (found?.dn ?? null);
        return expectState({ dn: moved, objectGuid: user.objectGuid }, { dn, objectGuid: found?.objectGuid ?? null });
      },
    };
  },
});
