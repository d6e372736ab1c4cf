// The ad-disable step: sets the ACCOUNTDISABLE bit of userAccountControl and keeps every other bit.
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, notRecorded } from './reverse-record.js';

const ACCOUNTDISABLE = 0x2;

export const adDisable = defineStep({
  name: 'ad-disable',
  description: 'sets the ACCOUNTDISABLE bit: `userAccountControl = old | 0x2` (other bits kept; never a blind 514)',
  byDefault: true,
  needs: ['ad'],
  permissions: { ad: 'write `userAccountControl`', adAttributes: ['userAccountControl'], reads: {}, notes: 'AD: write userAccountControl on the user objects.' },
  reversible: true,
  async observe({ person, connectors, shared }) {
    const user = person.ad;
    const ad = connectors.ad;
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
      verify: async () => expectState({ userAccountControl }, { userAccountControl: (await readBackAdUser(shared, ad, user.dn))?.userAccountControl }),
    };
  },
  // Only the bit: whatever else changed in userAccountControl since (a password flag set by hand) stays as it is now.
  async reverse({ person, connectors, shared, record }) {
    const user = person.ad;
    const ad = connectors.ad;
    const [was, left] = [record.before?.userAccountControl, record.after?.userAccountControl];
    if (typeof was !== 'number' || typeof left !== 'number') return notRecorded('userAccountControl');
    const current = user.userAccountControl;
    const before = { userAccountControl: current };
    if ((current & ACCOUNTDISABLE) !== (left & ACCOUNTDISABLE)) return changedSince('userAccountControl', current, left, was);
    const userAccountControl = (current & ~ACCOUNTDISABLE) | (was & ACCOUNTDISABLE);
    return {
      kind: 'change',
      before,
      after: { userAccountControl },
      apply: () =>
        ad.modify(user.dn, [{ operation: 'replace', attribute: 'userAccountControl', values: [String(userAccountControl)] }]),
      verify: async () => expectState({ userAccountControl }, { userAccountControl: (await readBackAdUser(shared, ad, user.dn))?.userAccountControl }),
    };
  },
});
