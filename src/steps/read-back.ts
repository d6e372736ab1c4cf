// Reading a change back after it was made: the verdict on a value, and AD reads that many leavers share.
import type { AdDirectory } from '../connectors/types.js';
import type { AdUser } from '../model.js';
import { createQueuedBatcher } from '../util/batcher.js';
import type { RunShared, Verification } from './types.js';

/** The read-back's verdict on one value: equal (as JSON) to the expected one or not, both shown in the message. */
export function expectState(expected: unknown, read: unknown): Verification {
  const [want, got] = [JSON.stringify(expected), JSON.stringify(read ?? null)];
  return want === got ? { ok: true } : { ok: false, expected: want, read: got };
}

/**
 * The account at `dn` as AD holds it now, undefined when no entry is there. The read-backs of the leavers share
 * searches (an OR of their DNs, in chunks): those asked for while a search runs go out together once it ended, so
 * that many leavers whose writes end one after another cost a few searches, not one each.
 */
export function readBackAdUser(shared: RunShared, ad: AdDirectory, dn: string): Promise<AdUser | undefined> {
  return shared.once('read-back:ad', async () => createQueuedBatcher((dns: string[]) => ad.readUsers(dns))).then((read) => read(dn));
}
