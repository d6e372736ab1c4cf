// What a step publishes reaches the later steps of the same user, as data, once its change holds.
import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Person } from '../../src/model.js';
import type { Decision, Facts, Step } from '../../src/steps/types.js';

const DECLARED = { description: 'a fake step', byDefault: false, permissions: { notes: '' }, reversible: false, needs: [] };

const person = (upn: string): Person => ({
  request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName: upn } },
  delegate: { source: 'none' },
});

/** A stand-in for mailbox-shared whose decision per user comes from `decide` (unchanged when it gives none). */
const publisher = (decide: (upn: string) => Decision | undefined): Step => ({
  ...DECLARED,
  name: 'mailbox-shared',
  publishes: ['mailbox'],
  async observe({ person: { request } }) {
    return decide(request.identity.userPrincipalName ?? '') ?? { kind: 'unchanged' };
  },
});

/** Records the facts it sees, per user. */
function reader(seen: Map<string, Facts>): Step {
  return {
    ...DECLARED,
    name: 'licenses',
    async observe({ person: { request }, facts }) {
      seen.set(request.identity.userPrincipalName ?? '', { ...facts });
      return { kind: 'unchanged' };
    },
  };
}

async function run(steps: Step[], upns: string[], mode: Mode = 'apply'): Promise<void> {
  await runEngine({
    people: upns.map(person),
    steps,
    mode,
    inputs: { steps: [] } as unknown as Inputs, // the fake steps read nothing from the inputs
    connectors: {},
    run: { event: 'push' },
    now: new Date('2026-11-25T10:00:00Z'),
    concurrency: 2,
    readBackDelaysMs: [],
  });
}

describe('facts', () => {
  it('reach the later steps of the same user, and no other user', async () => {
    const seen = new Map<string, Facts>();
    const absent = publisher((upn) => (upn === 'nomail@contoso.test' ? { kind: 'skipped', reason: 'no mailbox', facts: { mailbox: 'absent' } } : undefined));
    await run([absent, reader(seen)], ['nomail@contoso.test', 'jdoe@contoso.test']);
    expect(Object.fromEntries(seen)).toEqual({ 'nomail@contoso.test': { mailbox: 'absent' }, 'jdoe@contoso.test': {} });
  });

  it("of a change are published when it is planned or done, and not when its apply failed or its read-back did not show it", async () => {
    const change = (upn: string): Decision => ({
      kind: 'change',
      facts: { mailbox: 'shared' },
      apply: async () => {
        if (upn === 'refused@contoso.test') throw new Error('Set-Mailbox refused');
      },
      verify: async () => (upn === 'dropped@contoso.test' ? { ok: false, expected: '"SharedMailbox"', read: '"UserMailbox"' } : { ok: true }),
    });
    const seen = new Map<string, Facts>();
    const converting = publisher(change);
    await run([converting, reader(seen)], ['done@contoso.test', 'refused@contoso.test', 'dropped@contoso.test']);
    expect(Object.fromEntries(seen)).toEqual({ 'done@contoso.test': { mailbox: 'shared' }, 'refused@contoso.test': {}, 'dropped@contoso.test': {} });

    seen.clear();
    await run([converting, reader(seen)], ['planned@contoso.test'], 'plan');
    expect(Object.fromEntries(seen)).toEqual({ 'planned@contoso.test': { mailbox: 'shared' } });
  });
});
