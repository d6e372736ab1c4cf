// The ad-move step: moves the account into ldap-disabled-ou; the engine runs it after every other AD change.
import { isChildOf, movedDn } from '../connectors/ldap/dn.js';
import type { Step } from './types.js';

export const adMove: Step = {
  name: 'ad-move',
  needs: ['ad'],
  // A moved account that is still enabled would look offboarded to anyone browsing the Disabled OU.
  dependsOn: ['ad-disable'],
  async observe({ person, connectors, inputs }) {
    const user = person.ad;
    const ad = connectors.ad;
    if (!user || !ad) return { kind: 'skipped', reason: 'no AD account' };
    const target = inputs.ldap?.disabledOu;
    if (!target) return { kind: 'skipped', reason: 'ldap-disabled-ou is not set' };
    const before = { dn: user.dn };
    if (isChildOf(user.dn, target)) return { kind: 'unchanged', before };
    return {
      kind: 'change',
      before,
      after: { dn: movedDn(user.dn, target) },
      apply: async () => ({ after: { dn: await ad.move(user.dn, target) } }),
    };
  },
};
