// The run's breakers: a canary of the first users, and a failure threshold that stops new users when too many fail.
import type { Mode } from './inputs-types.js';
import type { Stop, UserStatus } from './model.js';

export interface BreakerSettings {
  /** The first this many users run, completely, before any other starts. 0: no canary. */
  canary: number;
  /** Percent of finished users that may fail before no new user starts. 100: off. */
  failureThreshold: number;
}

export const DEFAULT_BREAKERS: BreakerSettings = { canary: 0, failureThreshold: 25 };

/**
 * Users that must have finished before the threshold judges, and the users started together in one wave: a wave of
 * 20 also fills one Graph $batch per operation.
 */
const THRESHOLD_SAMPLE = 20;

export type BreakerCode = 'canary-failed' | 'failure-threshold';

/** A breaker that tripped: no new user started after it. */
export interface BreakerTrip {
  code: BreakerCode;
  /** For the run as a whole: what happened, how many users were left, what to do. */
  message: string;
}

export interface BreakerRun {
  /** The users that run steps (not stopped by a guard), by index, in CSV order. */
  users: number[];
  /** Absent: no breaker (plan mode). */
  settings?: BreakerSettings;
  /** Runs one user to its end and says how it ended. */
  run(index: number): Promise<UserStatus>;
  /** Records a user that will not start. */
  block(index: number, stop: Stop): Promise<void>;
  /** Where a user's row is (file:line): messages name rows, never identities, so a redacted summary stays so. */
  where(index: number): string;
  signal?: AbortSignal;
}

/**
 * Runs the users with the breakers: the canary first, alone; then, while the threshold is on, waves of
 * THRESHOLD_SAMPLE users, the first wave alone and then at most two in flight, each started only while the share of
 * failed users is within the threshold. Users in flight when a breaker trips finish: a user stopped half-way would be
 * half offboarded.
 */
export async function runWithBreakers(plan: BreakerRun): Promise<BreakerTrip | undefined> {
  const { settings, users } = plan;
  const tally = { finished: 0, failed: 0 };
  const runAll = (indexes: number[]): Promise<UserStatus[]> =>
    Promise.all(
      indexes.map(async (index) => {
        const status = await plan.run(index);
        tally.finished++;
        if (status === 'failed') tally.failed++;
        return status;
      }),
    );
  if (!settings) {
    await runAll(users);
    return undefined;
  }

  const canary = users.slice(0, settings.canary);
  const rest = users.slice(canary.length);
  // A canary that takes every user has nobody to protect: they run as one group.
  if (canary.length > 0 && rest.length > 0) {
    const statuses = await runAll(canary);
    if (plan.signal?.aborted) return undefined;
    const failed = canary.filter((_, i) => statuses[i] === 'failed').map((index) => plan.where(index));
    if (failed.length > 0) {
      const why = `${failed.length} of the ${canary.length} canary users failed (${failed.join(', ')})`;
      await blockAll(plan, rest, 'canary-failed', why);
      return {
        code: 'canary-failed',
        message: `Canary failed: ${why}. The other ${rest.length} users were not started (blocked, canary-failed). Fix the cause and run again; the users already done are unchanged on a re-run.`,
      };
    }
  } else if (canary.length > 0) {
    await runAll(canary);
    return undefined;
  }

  if (settings.failureThreshold >= 100) {
    await runAll(rest);
    return undefined;
  }
  const waves: number[][] = [];
  for (let start = 0; start < rest.length; start += THRESHOLD_SAMPLE) waves.push(rest.slice(start, start + THRESHOLD_SAMPLE));
  const running: Promise<unknown>[] = [];
  let trip: { why: string; left: number } | undefined;
  for (const [k, wave] of waves.entries()) {
    // The first wave is the sample the threshold first judges; later, at most two waves are in flight.
    if (k >= 1) await running[Math.max(0, k - 2)];
    if (plan.signal?.aborted) break;
    if (tally.finished >= THRESHOLD_SAMPLE && tally.failed * 100 > settings.failureThreshold * tally.finished) {
      const share = Math.round((tally.failed * 100) / tally.finished);
      const why = `${tally.failed} of ${tally.finished} finished users failed (${share} %), more than failure-threshold ${settings.failureThreshold} %`;
      const left = waves.slice(k).flat();
      await blockAll(plan, left, 'failure-threshold', why);
      trip = { why, left: left.length };
      break;
    }
    running.push(runAll(wave));
  }
  await Promise.all(running);
  if (!trip) return undefined;
  return {
    code: 'failure-threshold',
    message: `Failure threshold: ${trip.why}. The other ${trip.left} users were not started (blocked, failure-threshold); users already running finished. Fix the cause and run again; the users already done are unchanged on a re-run.`,
  };
}

async function blockAll(plan: BreakerRun, indexes: number[], code: BreakerCode, why: string): Promise<void> {
  await Promise.all(indexes.map((index) => plan.block(index, { status: 'blocked', code, reason: `${why}; not started` })));
}

/** The breakers as the job summary's header names them; in a plan they are only announced. */
export function describeBreakers(settings: BreakerSettings, mode: Mode): string | undefined {
  const parts: string[] = [];
  if (settings.canary > 0) parts.push(`canary ${settings.canary}`);
  if (settings.failureThreshold < 100) parts.push(`failure threshold ${settings.failureThreshold} %`);
  if (parts.length === 0) return undefined;
  return `${mode === 'plan' ? 'breakers when applied' : 'breakers'}: ${parts.join(', ')}`;
}

/** How the job summary's title says which breaker stopped the run. */
export const STOPPED_BY: Record<BreakerCode, string> = {
  'canary-failed': 'stopped by the canary',
  'failure-threshold': 'stopped by the failure threshold',
};
