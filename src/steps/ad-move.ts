// The ad-move step: moves the account into ldap-disabled-ou; the engine runs it after every other AD change.
import { formatDn, isChildOf, movedDn, parseDn, sameDn } from '../connectors/ldap/dn.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, notRecorded } from './reverse-record.js';

export const adMove = defineStep({
  name: 'ad-move',
  description: 'moves the account to `ldap-disabled-ou`; always the last AD change',
  byDefault: false,
  needs: ['ad'],
  permissions: {
    ad: 'delete user objects in the source OU, create user objects in `ldap-disabled-ou`, write `name` and `cn`; to undo it, the same the other way round (create user objects in the source OU, delete them in `ldap-disabled-ou`)',
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
  // Back into the container of the recorded DN, under the account's name as it is now (the run never renamed it).
  async reverse({ person, connectors, shared, record }) {
    const user = person.ad;
    const ad = connectors.ad;
    const [was, left] = [record.before?.dn, record.after?.dn];
    if (typeof was !== 'string' || typeof left !== 'string') return notRecorded('DN');
    if (!sameDn(user.dn, left)) return changedSince('the account', user.dn, left, sameDn(user.dn, was) ? user.dn : undefined);
    const container = formatDn(parseDn(was).slice(1));
    let moved = movedDn(user.dn, container);
    return {
      kind: 'change',
      before: { dn: user.dn },
      after: { dn: moved },
      apply: async () => {
        moved = await ad.move(user.dn, container);
        return { after: { dn: moved } };
      },
      verify: async () => {
        const found = await readBackAdUser(shared, ad, moved);
        const dn = found && sameDn(found.dn, moved) ? moved : (found?.dn ?? null);
        return expectState({ dn: moved, objectGuid: user.objectGuid }, { dn, objectGuid: found?.objectGuid ?? null });
      },
    };
  },
});
