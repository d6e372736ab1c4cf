// The ad-move step: moves the account into ldap-disabled-ou; the engine runs it after every other AD change.
import { escapeDnValue, normalizeDn, parentDn, parseDn, sameDn } from '../connectors/ldap-escape.js';
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
    if (sameDn(parentDn(user.dn), target)) return { kind: 'unchanged', before };
    const [rdn] = parseDn(user.dn);
    const newDn = `${rdn.type}=${escapeDnValue(rdn.value)},${normalizeDn(target)}`;
    return {
      kind: 'change',
      before,
      after: { dn: newDn },
      apply: async () => ({ after: { dn: await ad.move(user.dn, target) } }),
    };
  },
};
