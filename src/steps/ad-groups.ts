// The ad-groups step: removes the account from every AD group it is a direct member of, except its primary group.
import { rdnValue, sameDn } from '../connectors/ldap/dn.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, notRecorded, recordedStrings, sameSet, without } from './reverse-record.js';

const groupName = (dn: string): string => {
  try {
    return rdnValue(dn);
  } catch {
    return dn;
  }
};

export const adGroups = defineStep({
  name: 'ad-groups',
  description: 'removes the user from every AD group except the primary group',
  byDefault: false,
  needs: ['ad'],
  permissions: { ad: 'write `member` on the groups', reads: {}, notes: 'AD: write member on the groups.' },
  reversible: true,
  async observe({ person, connectors, shared }) {
    const user = person.ad;
    const ad = connectors.ad;
    // memberOf never lists the primary group (primaryGroupID), so every group in it can go.
    const groups = [...user.memberOf];
    if (groups.length === 0) return { kind: 'unchanged', before: { groups } };
    return {
      kind: 'change',
      before: { groups },
      after: { groups: [] },
      apply: async () => {
        const removed: string[] = [];
        const failures: { group: string; error: unknown }[] = [];
        // Every group is tried, so that one refusal does not leave the others in place.
        for (const group of groups) {
          try {
            await ad.removeGroupMember(group, user.dn);
            removed.push(group);
          } catch (error) {
            failures.push({ group, error });
          }
        }
        if (failures.length === 0) return { after: { groups: [] } };
        const named = failures
          .map(({ group, error }) => `${groupName(group)} (${error instanceof Error ? error.message : String(error)})`)
          .join('; ');
        const code = failures
          .map(({ error }) => (error instanceof Error ? (error as Error & { code?: unknown }).code : undefined))
          .find((c): c is string => typeof c === 'string');
        const message =
          `Could not remove ${user.samAccountName} from ${failures.length} group(s): ${named}` +
          (removed.length > 0 ? `. Removed from: ${removed.map(groupName).join(', ')}` : '');
        throw Object.assign(new Error(message), { code: code ?? 'group-removal-failed' });
      },
      // memberOf is the back link of every group's member: a removal the server dropped leaves the group in it.
      verify: async () => expectState({ groups: [] }, { groups: (await readBackAdUser(shared, ad, user.dn))?.memberOf }),
    };
  },
  // Back to the recorded memberships: the groups the run removed are joined again, any it joined are left.
  async reverse({ person, connectors, shared, record }) {
    const user = person.ad;
    const ad = connectors.ad;
    const [was, left] = [recordedStrings(record.before, 'groups'), recordedStrings(record.after, 'groups')];
    if (!was || !left) return notRecorded('groups');
    const current = [...user.memberOf];
    if (!sameSet(current, left, sameDn)) return changedSince('the groups', current, left, sameSet(current, was, sameDn) ? current : undefined);
    const join = without(was, current, sameDn);
    const leave = without(current, was, sameDn);
    return {
      kind: 'change',
      before: { groups: current },
      after: { groups: was },
      apply: async () => {
        const failures: string[] = [];
        for (const group of join) {
          try {
            await ad.modify(group, [{ operation: 'add', attribute: 'member', values: [user.dn] }]);
          } catch (error) {
            failures.push(`${groupName(group)} (${error instanceof Error ? error.message : String(error)})`);
          }
        }
        for (const group of leave) {
          try {
            await ad.removeGroupMember(group, user.dn);
          } catch (error) {
            failures.push(`${groupName(group)} (${error instanceof Error ? error.message : String(error)})`);
          }
        }
        if (failures.length > 0) {
          throw Object.assign(new Error(`Could not restore ${user.samAccountName}'s membership of ${failures.length} group(s): ${failures.join('; ')}`), { code: 'group-restore-failed' });
        }
      },
      verify: async () => {
        const read = (await readBackAdUser(shared, ad, user.dn))?.memberOf ?? [];
        return sameSet(read, was, sameDn) ? { ok: true } : expectState(was, read);
      },
    };
  },
});
