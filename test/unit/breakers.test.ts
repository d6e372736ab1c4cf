// The breakers' ordering and counting rules, through the engine with in-memory steps.
import { describe, expect, it } from 'vitest';
import { describeBreakers, type BreakerTrip } from '../../src/breakers.js';
import { runEngine, type EngineOptions } from '../../src/engine.js';
import type { Inputs } from '../../src/inputs-types.js';
import type { Person, StepName, UserResult } from '../../src/model.js';
import { escapeCell, renderSummary } from '../../src/report/summary.js';
import type { Step } from '../../src/steps/types.js';

const inputs = { steps: [] } as unknown as Inputs; // the fake steps read nothing from the inputs

/** Leaver `u<i>` on line i + 2 of the CSV. */
const leaver = (i: number, extra: Partial<Person> = {}): Person => ({
  request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { samAccountName: `u${i}` } },
  delegate: { source: 'none' },
  ...extra,
});
const leavers = (count: number): Person[] => Array.from({ length: count }, (_, i) => leaver(i));
const sam = (person: Person): string => person.request.identity.samAccountName as string;

/**
 * What the fake steps did, in order; how many users were between their first and last step at most; and per step, how
 * many users were in it at once at most.
 */
interface Trace {
  events: string[];
  inFlight: number;
  most: number;
  inStep: Record<string, number>;
  mostInStep: Record<string, number>;
}

const newTrace = (): Trace => ({ events: [], inFlight: 0, most: 0, inStep: {}, mostInStep: {} });

/** Which step fails for which users: the cut-off step (`ad-disable`) or the handover step (`ad-move`). */
type Fails = (sam: string, step: StepName) => boolean;

/**
 * Two steps that change every user: `ad-disable`, a cut-off step, and `ad-move`, which the engine runs in the handover
 * pass; each fails for the users `fails` names. Each waits a turn of the event loop, so users in flight side by side
 * overlap as real ones do.
 */
function steps(fails: Fails, trace: Trace): Step[] {
  const declared = { description: 'a fake step', byDefault: false, permissions: { notes: '' }, reversible: false, needs: [] };
  const step = (name: StepName, last: boolean): Step => ({
    ...declared,
    name,
    async observe({ person }) {
      const who = sam(person);
      if (!last) {
        trace.inFlight++;
        trace.most = Math.max(trace.most, trace.inFlight);
        trace.events.push(`start ${who}`);
      }
      trace.inStep[name] = (trace.inStep[name] ?? 0) + 1;
      trace.mostInStep[name] = Math.max(trace.mostInStep[name] ?? 0, trace.inStep[name]);
      await new Promise((resolve) => setImmediate(resolve));
      return {
        kind: 'change',
        apply: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          trace.inStep[name]--;
          if (last) {
            trace.inFlight--;
            trace.events.push(`end ${who}`);
          }
          if (fails(who, name)) throw new Error('write refused');
        },
        verify: async () => ({ ok: true }),
      };
    },
  });
  return [step('ad-disable', false), step('ad-move', true)];
}

/** The handover step fails for the users `fails` names. */
const atHandover =
  (fails: (sam: string) => boolean): Fails =>
  (who, step) =>
    step === 'ad-move' && fails(who);
/** The cut-off step fails for the users `fails` names. */
const atCutOff =
  (fails: (sam: string) => boolean): Fails =>
  (who, step) =>
    step === 'ad-disable' && fails(who);

async function run(
  people: Person[],
  fails: Fails,
  extra: Partial<EngineOptions> = {},
): Promise<{ statuses: string[]; reasons: (string | undefined)[]; trace: Trace; trips: BreakerTrip[]; stepsRun: number[]; results: UserResult[] }> {
  const trace = newTrace();
  const trips: BreakerTrip[] = [];
  const results = await runEngine({
    people,
    steps: steps(fails, trace),
    mode: 'apply',
    inputs,
    connectors: {},
    run: { event: 'push' },
    now: new Date('2026-11-25T10:00:00Z'),
    concurrency: 1000,
    onBreaker: (trip) => trips.push(trip),
    ...extra,
  });
  return {
    statuses: results.map((r) => r.status),
    reasons: results.map((r) => r.reason),
    trace,
    trips,
    stepsRun: results.map((r) => r.steps.filter((s) => s.status !== 'blocked').length),
    results,
  };
}

const odd = (who: string): boolean => Number(who.slice(1)) % 2 === 1;
const never = (): boolean => false;
const times = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);

describe('canary', () => {
  it('finishes the first N users completely before any other user starts', async () => {
    const { statuses, trace } = await run(leavers(6), never, { breakers: { canary: 3, failureThreshold: 100 } });
    expect(statuses).toEqual(times(6, 'done'));
    const lastCanaryEnd = Math.max(...['u0', 'u1', 'u2'].map((u) => trace.events.indexOf(`end ${u}`)));
    const firstOtherStart = Math.min(...['u3', 'u4', 'u5'].map((u) => trace.events.indexOf(`start ${u}`)));
    expect(lastCanaryEnd).toBeLessThan(firstOtherStart);
  });

  it('starts nobody else when a canary user failed, and blocks them with canary-failed naming the failed row', async () => {
    const { statuses, reasons, trace, trips } = await run(leavers(6), atHandover((who) => who === 'u0'), { breakers: { canary: 3, failureThreshold: 25 } });
    expect(statuses).toEqual(['failed', 'done', 'done', 'blocked', 'blocked', 'blocked']);
    expect(trace.events.filter((e) => e.startsWith('start'))).toEqual(['start u0', 'start u1', 'start u2']);
    for (const reason of reasons.slice(3)) {
      expect(reason).toBe('canary-failed: 1 of the 3 canary users failed (offboarding/leavers.csv:2); not started');
    }
    expect(trips).toEqual([{ code: 'canary-failed', message: expect.stringContaining('The other 3 users were not started') }]);
  });

  it('takes its users from those that reach the steps: a guarded user is neither canary nor held back', async () => {
    const guarded = leaver(0, { stop: { status: 'blocked', code: 'protected', reason: 'named in protected' } });
    const people = [guarded, leaver(1), leaver(2), leaver(3)];
    const { statuses, reasons, trace } = await run(people, atHandover((who) => who === 'u1'), { breakers: { canary: 1, failureThreshold: 25 } });
    expect(statuses).toEqual(['blocked', 'failed', 'blocked', 'blocked']);
    expect(reasons[0]).toBe('protected: named in protected');
    expect(reasons[2]).toMatch(/^canary-failed: 1 of the 1 canary users failed \(offboarding\/leavers\.csv:3\)/);
    expect(trace.events.filter((e) => e.startsWith('start'))).toEqual(['start u1']);
  });

  it('larger than the selection makes every user a canary user: all run, and a failure holds nobody back', async () => {
    const { statuses, trips } = await run(leavers(4), atHandover((who) => who === 'u0'), { breakers: { canary: 10, failureThreshold: 25 } });
    expect(statuses).toEqual(['failed', 'done', 'done', 'done']);
    expect(trips).toEqual([]);
  });

  it('does not act in plan mode: every user is planned after a first user that failed', async () => {
    const throwing = (who: string) => who === 'u0';
    const trace = newTrace();
    const planSteps = steps(never, trace).map((step) => ({
      ...step,
      observe: async (context: Parameters<Step['observe']>[0]) => {
        if (throwing(sam(context.person))) throw new Error('read refused');
        return step.observe(context);
      },
    }));
    const trips: BreakerTrip[] = [];
    const results = await runEngine({
      people: leavers(4),
      steps: planSteps,
      mode: 'plan',
      inputs,
      connectors: {},
      run: { event: 'push' },
      now: new Date('2026-11-25T10:00:00Z'),
      concurrency: 1000,
      breakers: { canary: 1, failureThreshold: 25 },
      onBreaker: (trip) => trips.push(trip),
    });
    expect(results.map((r) => r.status)).toEqual(['failed', 'planned', 'planned', 'planned']);
    expect(trips).toEqual([]);
  });
});

describe('failure threshold', () => {
  it('stops after the 20th user whose cut-off finished when half of 40 fail there: 20 ran, the other 20 are blocked', async () => {
    const { statuses, reasons, trips, stepsRun } = await run(leavers(40), atCutOff(odd), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'failed' : 'done')));
    expect(statuses.slice(20)).toEqual(times(20, 'blocked'));
    expect(stepsRun.slice(20)).toEqual(times(20, 0));
    for (const reason of reasons.slice(20)) {
      expect(reason).toBe('failure-threshold: 10 of 20 finished users failed (50 %), more than failure-threshold 25 %; not started');
    }
    expect(trips).toEqual([{ code: 'failure-threshold', message: expect.stringContaining('The other 20 users were not started') }]);
  });

  it('when the handovers fail, cuts every user off first and stops only the handover of the users after the 20th finished', async () => {
    const { statuses, reasons, trips, stepsRun, results } = await run(leavers(40), atHandover(odd), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 ? 'failed' : 'done')));
    expect(stepsRun).toEqual([...times(20, 2), ...times(20, 1)]);
    const why = 'failure-threshold: 10 of 20 finished users failed (50 %), more than failure-threshold 25 %; handover not started';
    for (const [i, result] of results.slice(20).entries()) {
      expect(result.steps.map((s) => [s.step, s.status, s.reason]), `u${20 + i}`).toEqual([
        ['ad-disable', 'done', undefined],
        ['ad-move', 'blocked', why],
      ]);
      expect(reasons[20 + i]).toBe(why);
      expect(result.status).toBe('blocked');
    }
    expect(trips).toEqual([
      {
        code: 'failure-threshold',
        message: expect.stringContaining('The handover of the other 20 users was not started (its steps blocked, failure-threshold); their cut-off steps ran'),
      },
    ]);
  });

  it('lets a share equal to the threshold through: 5 of 20 failed is not more than 25 %', async () => {
    const fails = (who: string) => ['u1', 'u5', 'u9', 'u13', 'u17'].includes(who);
    const { statuses, trips } = await run(leavers(40), atHandover(fails), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.filter((s) => s === 'blocked')).toEqual([]);
    expect(trips).toEqual([]);
  });

  it('is off at 100: every user starts at once and all run, half of them failing', async () => {
    const { statuses, trace, trips } = await run(leavers(40), atHandover(odd), { breakers: { canary: 0, failureThreshold: 100 } });
    expect(statuses.filter((s) => s === 'blocked')).toEqual([]);
    expect(trace.most).toBe(40);
    expect(trips).toEqual([]);
  });

  it('lets the users in flight when it trips at the cut-off finish every step, and keeps at most two waves of 20 in the cut-off pass', async () => {
    // The first 20 are fine; from the 21st on everyone fails: waves 2 and 3 are in flight together when it trips.
    const fails = (who: string) => Number(who.slice(1)) >= 20;
    const { statuses, stepsRun, trace, trips } = await run(leavers(100), atCutOff(fails), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.slice(0, 20)).toEqual(times(20, 'done'));
    expect(statuses.slice(20, 60)).toEqual(times(40, 'failed'));
    expect(stepsRun.slice(0, 60)).toEqual(times(60, 2));
    expect(statuses.slice(60)).toEqual(times(40, 'blocked'));
    expect(stepsRun.slice(60)).toEqual(times(40, 0));
    // The 60 that started the cut-off go through the handover together: the threshold has tripped already.
    expect(trace.mostInStep).toEqual({ 'ad-disable': 40, 'ad-move': 60 });
    expect(trips.map((t) => t.code)).toEqual(['failure-threshold']);
  });

  it('lets the users in flight when it trips at the handover finish it, and keeps at most two waves of 20 in each pass', async () => {
    const fails = (who: string) => Number(who.slice(1)) >= 20;
    const { statuses, stepsRun, trace, trips } = await run(leavers(100), atHandover(fails), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.slice(0, 20)).toEqual(times(20, 'done'));
    expect(statuses.slice(20, 60)).toEqual(times(40, 'failed'));
    expect(stepsRun).toEqual([...times(60, 2), ...times(40, 1)]);
    expect(statuses.slice(60)).toEqual(times(40, 'blocked'));
    expect(trace.mostInStep).toEqual({ 'ad-disable': 40, 'ad-move': 40 });
    // Every user's cut-off came before any user's handover.
    expect(trace.events.findLastIndex((e) => e.startsWith('start'))).toBeLessThan(trace.events.findIndex((e) => e.startsWith('end')));
    expect(trips.map((t) => t.code)).toEqual(['failure-threshold']);
  });

  it('counts only users who reached the steps: failed guards and lookups are not in the share', async () => {
    const notFound = Array.from({ length: 30 }, (_, i) => leaver(i, { stop: { status: 'failed', code: 'not-found', reason: 'in no directory' } }));
    const people = [...notFound, ...Array.from({ length: 30 }, (_, i) => leaver(30 + i))];
    const { statuses, trips } = await run(people, atHandover((who) => who === 'u31'), { breakers: { canary: 0, failureThreshold: 25 } });
    expect(statuses.slice(0, 30)).toEqual(times(30, 'failed'));
    expect(statuses.slice(30).filter((s) => s === 'blocked')).toEqual([]);
    expect(trips).toEqual([]);
  });

  it('counts the canary users among the finished', async () => {
    // 10 canary users pass; then the first wave of 20 finishes with 6 failed: 6 of 30 (20 %) is within 25 %, while
    // 6 of the wave's 20 alone (30 %) would not be.
    const fails = (who: string) => ['u10', 'u11', 'u12', 'u13', 'u14', 'u15'].includes(who);
    const { statuses } = await run(leavers(45), atHandover(fails), { breakers: { canary: 10, failureThreshold: 25 } });
    expect(statuses.filter((s) => s === 'blocked')).toEqual([]);
  });
});

describe('the job summary', () => {
  const base = { outcome: 'failed' as const, steps: [], users: [], inputErrors: [], preflight: [], redacted: false };

  it('names the breakers of an apply run, and in a plan those the apply run will use', () => {
    expect(describeBreakers({ canary: 3, failureThreshold: 25 }, 'apply')).toBe('breakers: canary 3, failure threshold 25 %');
    expect(describeBreakers({ canary: 3, failureThreshold: 25 }, 'plan')).toBe('breakers when applied: canary 3, failure threshold 25 %');
    expect(describeBreakers({ canary: 0, failureThreshold: 100 }, 'apply')).toBeUndefined();
    const plan = renderSummary({ ...base, outcome: 'completed', mode: 'plan', breakers: describeBreakers({ canary: 3, failureThreshold: 25 }, 'plan') });
    expect(plan.split('\n').slice(0, 4).join('\n')).toContain(escapeCell('breakers when applied: canary 3, failure threshold 25 %'));
  });

  it('says in its title which breaker stopped the run, and why under the header', () => {
    const markdown = renderSummary({ ...base, mode: 'apply', stoppedBy: 'stopped by the canary', error: 'Canary failed: 1 of the 3 canary users failed' });
    expect(markdown.split('\n')[0]).toBe('## Offboarding — stopped by the canary');
    expect(markdown).toContain(`> ${escapeCell('Canary failed: 1 of the 3 canary users failed')}`);
  });
});
