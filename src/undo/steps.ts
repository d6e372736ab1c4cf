// The undo's steps: each step of the record turned into one whose observe is the step's reverse of that user's record.
import type { Person, Request, StepName } from '../model.js';
import { STEP_ORDER, STEPS } from '../steps/index.js';
import type { Decision, Step, StepContext } from '../steps/types.js';
import type { UndoneUser, UndoOf } from './record.js';

/** Each undone user's record, by the request the undo made for them (resolve keeps the request object). */
export type RecordsByRequest = WeakMap<Request, UndoneUser>;

/**
 * The steps to reverse, in the reverse of the order the record holds them: an apply record is in the contract's order,
 * so `ad-move` is moved back first and `ad-disable` is the last (the account signs in again only once all else is
 * back); the record of an undo is in reverse order, so undoing it runs forwards again.
 */
export function undoOrder(users: readonly UndoneUser[]): StepName[] {
  const done = new Set(users.flatMap((user) => user.steps.filter((s) => s.status === 'done').map((s) => s.step as StepName)));
  const ranks = users.find((user) => user.steps.length > 1)?.steps.map((s) => STEP_ORDER.indexOf(s.step as StepName)) ?? [];
  const forwards = ranks.length < 2 || ranks[0] < ranks[1];
  const ordered = STEP_ORDER.filter((step) => done.has(step));
  return forwards ? ordered.reverse() : ordered;
}

/** The state a user's step record holds, or why there is nothing to reverse. */
function recordOf(user: UndoneUser | undefined, step: Step, run: UndoOf): { before?: Record<string, unknown>; after?: Record<string, unknown> } | Decision {
  const record = user?.steps.find((s) => s.step === step.name);
  if (!record || record.status !== 'done') {
    return { kind: 'skipped', reason: `nothing to undo: ${record ? record.status : 'not run'} in run ${run.run}` };
  }
  if (!step.reversible || !step.reverse) return { kind: 'skipped', reason: 'cannot be undone' };
  return { before: record.before, after: record.after };
}

const isDecision = (value: object): value is Decision => 'kind' in value;

/**
 * A reverse whose change moves the account (its outcome names a new DN) leaves the later reverses of that user a stale
 * DN: the account is at the new one from then on.
 */
function followMove(person: Person, decision: Decision): Decision {
  if (decision.kind !== 'change' || !person.ad) return decision;
  const apply = decision.apply;
  const account = person.ad;
  return {
    ...decision,
    apply: async () => {
      const outcome = await apply();
      const dn = outcome?.after?.dn;
      if (typeof dn === 'string') account.dn = dn;
      return outcome;
    },
  };
}

/** The steps the engine runs for an undo: the named ones, each observing through its reverse and the user's record. */
export function undoSteps(names: readonly StepName[], records: RecordsByRequest, run: UndoOf): Step[] {
  return names.map((name) => {
    const step = STEPS.find((s) => s.name === name) as Step;
    return {
      ...step,
      // The forward order's dependencies and batched reads do not hold backwards.
      dependsOn: undefined,
      prepare: undefined,
      async observe(context: StepContext): Promise<Decision> {
        const record = recordOf(records.get(context.person.request), step, run);
        if (isDecision(record)) return record;
        const reverse = step.reverse as NonNullable<Step['reverse']>;
        return followMove(context.person, await reverse({ ...context, record }));
      },
    };
  });
}
