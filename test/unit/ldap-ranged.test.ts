// How the LDAP connector reads the answer shapes of range retrieval (learn.microsoft.com/windows/win32/adsi/attribute-range-retrieval).
import { describe, expect, it } from 'vitest';
import { toFoundUser } from '../../src/connectors/ldap/decode.js';
import { rangeAnswer, rangeOf, withAllValues } from '../../src/connectors/ldap/ranged.js';

const groups = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `CN=Group ${from + i},OU=Groups,DC=corp,DC=contoso,DC=test`);

describe('range retrieval answers', () => {
  it('names a range by its first and last index', () => {
    expect(rangeOf('memberOf', 0, 1000)).toBe('memberOf;range=0-999');
    expect(rangeOf('member', 1500, 1500)).toBe('member;range=1500-2999');
  });

  it('reads the values of a plain answer, and of a last range, as complete', () => {
    expect(rangeAnswer({ dn: 'x', memberOf: groups(0, 2) }, 'memberOf')).toEqual({ values: groups(0, 2) });
    expect(rangeAnswer({ dn: 'x', 'memberOf;range=1000-*': groups(1000, 1600) }, 'memberof')).toEqual({ values: groups(1000, 1600) });
    expect(rangeAnswer({ dn: 'x', 'memberOf;range=0-*': groups(0, 1).at(0) as string }, 'memberOf')).toEqual({ values: groups(0, 1) });
  });

  it('tells where the next range starts when AD held values back (member;range=0-1499)', () => {
    expect(rangeAnswer({ dn: 'x', 'memberOf;range=0-1499': groups(0, 1500) }, 'memberOf')).toEqual({ values: groups(0, 1500), next: 1500 });
  });

  it('ignores a requested name that came back without values, and other attributes', () => {
    expect(rangeAnswer({ dn: 'x', 'memberOf;range=0-999': [], member: groups(0, 3) }, 'memberOf')).toEqual({ values: [] });
  });

  it('puts every value under the plain name, so that a user entry decodes its groups', async () => {
    const entry = { dn: 'CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test', sAMAccountName: 'jdoe', 'memberOf;range=0-*': groups(0, 3) };
    const complete = await withAllValues(entry, 'memberOf', 1000, () => Promise.reject(new Error('no range is missing')));
    expect(complete).toEqual({ dn: entry.dn, sAMAccountName: 'jdoe', memberOf: groups(0, 3) });
    expect(toFoundUser(complete, new Set()).user.memberOf).toEqual(groups(0, 3));
  });
});
