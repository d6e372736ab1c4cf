// The ad-disable step: sets the ACCOUNTDISABLE bit of userAccountControl and keeps every other bit.
import type { Step } from './types.js';

const ACCOUNTDISABLE = 0x2;

export const adDisable: Step = {
  name: 'ad-disable',
  needs: ['ad'],
  async observe({ person, connectors }) {
    const user = person.ad;
    const ad = connectors.ad;
    if (!user || !ad) return { kind: 'skipped', reason: 'no AD account' };
    const before = { userAccountControl: user.userAccountControl };
    if (user.userAccountControl & ACCOUNTDISABLE) return { kind: 'unchanged', before };
    // Built from the value read while resolving, seconds earlier in this run: reading it again would cost one more
    // search per leaver. A replace is idempotent, so the connector may resend it after a dropped connection.
    const userAccountControl = user.userAccountControl | ACCOUNTDISABLE;
    return {
      kind: 'change',
      before,
      after: { userAccountControl },
      apply: () =>
        ad.modify(user.dn, [{ operation: 'replace', attribute: 'userAccountControl', values: [String(userAccountControl)] }]),
    };
  },
};
