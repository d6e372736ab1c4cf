// AD read-backs share searches: those asked for while a search runs go out together in the next one.
import { describe, expect, it } from 'vitest';
import type { AdDirectory } from '../../src/connectors/types.js';
import type { AdUser } from '../../src/model.js';
import { readBackAdUser } from '../../src/steps/read-back.js';
import type { RunShared } from '../../src/steps/types.js';

function runShared(): RunShared {
  const values = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!values.has(key)) values.set(key, compute());
      return values.get(key) as Promise<T>;
    },
  };
}

/** A directory whose searches end only when the test says so, recording the DNs of each. */
function directory(): { ad: AdDirectory; searches: string[][]; finish: () => void } {
  const searches: string[][] = [];
  const waiting: (() => void)[] = [];
  const readUsers = (dns: string[]): Promise<(AdUser | undefined)[]> => {
    searches.push(dns);
    return new Promise((resolve) => waiting.push(() => resolve(dns.map((dn) => ({ dn }) as AdUser))));
  };
  return { ad: { readUsers } as unknown as AdDirectory, searches, finish: () => waiting.splice(0).forEach((end) => end()) };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const dn = (i: number): string => `CN=u${i},OU=Staff,DC=corp,DC=contoso,DC=test`;

describe('readBackAdUser', () => {
  it('sends the read-backs asked for while a search runs together in one search once it ends', async () => {
    const { ad, searches, finish } = directory();
    const shared = runShared();
    const first = readBackAdUser(shared, ad, dn(0));
    await tick();
    await tick();
    expect(searches).toEqual([[dn(0)]]);
    // Three writes end one after another while the first search is on the wire.
    const later: Promise<AdUser | undefined>[] = [];
    for (const i of [1, 2, 3]) {
      later.push(readBackAdUser(shared, ad, dn(i)));
      await tick();
    }
    expect(searches).toEqual([[dn(0)]]);
    finish();
    expect((await first)?.dn).toBe(dn(0));
    await tick();
    await tick();
    expect(searches).toEqual([[dn(0)], [dn(1), dn(2), dn(3)]]);
    finish();
    expect((await Promise.all(later)).map((user) => user?.dn)).toEqual([dn(1), dn(2), dn(3)]);
  });

  it('fails every read-back of a search that failed, and searches again for the next', async () => {
    let calls = 0;
    const ad = {
      readUsers: async (dns: string[]) => {
        calls++;
        if (calls === 1) throw new Error('connection reset');
        return dns.map((d) => ({ dn: d }) as AdUser);
      },
    } as unknown as AdDirectory;
    const shared = runShared();
    await expect(Promise.all([readBackAdUser(shared, ad, dn(0)), readBackAdUser(shared, ad, dn(1))])).rejects.toThrow('connection reset');
    expect((await readBackAdUser(shared, ad, dn(2)))?.dn).toBe(dn(2));
    expect(calls).toBe(2);
  });
});
