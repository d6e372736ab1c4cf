// The ad-stamp step: writes who offboarded the account, when, and why into its AD description.
import { dayIn } from '../util/time.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, holds, notRecorded } from './reverse-record.js';
import type { StepContext } from './types.js';

/** rangeUpper of `description` in the AD schema. */
const MAX_DESCRIPTION = 1024;
const STAMP = /^Offboarded \d{4}-\d{2}-\d{2} by /;

/** The run's date as YYYY-MM-DD in the configured time zone. */
function runDate(now: Date, timeZone: string): string {
  return dayIn(now, timeZone);
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

function stampFor(context: Pick<StepContext, 'now' | 'run' | 'inputs'>, reason: string | undefined): string {
  const by = context.run.url ?? 'GitHub Actions';
  const text = `Offboarded ${runDate(context.now, context.inputs.timeZone)} by ${by}${reason ? ` — ${reason}` : ''}`;
  return truncate(text, MAX_DESCRIPTION);
}

export const adStamp = defineStep({
  name: 'ad-stamp',
  description: 'writes `description`: offboarding date, workflow run URL, `reason`',
  byDefault: false,
  needs: ['ad'],
  permissions: { ad: 'write `description`', adAttributes: ['description'], reads: {}, notes: 'AD: write description on the user objects.' },
  // The record keeps the description it replaced.
  reversible: true,
  async observe(context) {
    const user = context.person.ad;
    const ad = context.connectors.ad;
    const reason = context.person.request.reason;
    const description = stampFor(context, reason);
    const before = { description: user.description ?? null };
    if (user.description === description) return { kind: 'unchanged', before };
    // A later scheduled run for the same request keeps the first stamp: it records when the account was offboarded.
    const old = user.description ?? '';
    const sameRequest = reason ? old.endsWith(` — ${reason}`) : !old.includes(' — ');
    if (STAMP.test(old) && sameRequest) {
      return { kind: 'unchanged', before, reason: 'stamped by an earlier run' };
    }
    return {
      kind: 'change',
      before,
      after: { description },
      apply: () => ad.modify(user.dn, [{ operation: 'replace', attribute: 'description', values: [description] }]),
      verify: async () => expectState({ description }, { description: (await readBackAdUser(context.shared, ad, user.dn))?.description }),
    };
  },
  async reverse({ person, connectors, shared, record }) {
    const user = person.ad;
    const ad = connectors.ad;
    if (!holds(record.before, 'description') || !holds(record.after, 'description')) return notRecorded('description');
    const [was, left] = [record.before?.description ?? null, record.after?.description ?? null];
    const current = user.description ?? null;
    if (current !== left) return changedSince('description', current, left, was);
    const description = typeof was === 'string' ? was : null;
    return {
      kind: 'change',
      before: { description: current },
      after: { description },
      // An account that had no description gets none again, not an empty one.
      apply: () =>
        ad.modify(user.dn, [description === null ? { operation: 'delete', attribute: 'description', values: [] } : { operation: 'replace', attribute: 'description', values: [description] }]),
      verify: async () => expectState({ description }, { description: (await readBackAdUser(shared, ad, user.dn))?.description ?? null }),
    };
  },
});
