// The run's breakers: a canary of the first users, and a failure threshold that stops new users when too many fail.
import { PASSES, type Pass } from './cut-off.js';
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
  /** Called once as a group of users is about to enter a pass, before any of them starts it. */
  enter(indexes: number[], pass: Pass): void;
  /** Runs one user's steps of a pass to their end and says how the user stands then. */
  run(index: number, pass: Pass): Promise<UserStatus>;
  /** Records a user that will not start a pass, nor any after it. */
  block(index: number, stop: Stop, pass: Pass): Promise<void>;
  /** Where a user's row is (file:line): messages name rows, never identities, so a redacted summary stays so. */
  where(index: number): string;
  signal?: AbortSignal;
}

/** Users finished, and how many of them failed: what the threshold judges. */
interface Tally {
  finished: number;
  failed: number;
}

/**
 * Runs the users with the breakers, pass by pass (PASSES: every user's cut-off before any user's handover): the canary
 * first, alone and through every pass; then the rest, pass by pass. While the threshold is on, users enter each pass
 * in waves of THRESHOLD_SAMPLE, the first wave alone and then at most two in flight, each started only while the share
 * of failed users (of those finished with the pass, and the canary) is within the threshold; once it trips, no user
 * starts that pass: in the cut-off pass they are not started at all, in the handover pass their access is cut already
 * and only their handover is held back. Users in flight when a breaker trips finish every pass: a user stopped
 * half-way would be half offboarded.
 */
export async function runWithBreakers(plan: BreakerRun): Promise<BreakerTrip | undefined> {
  const { settings, users } = plan;
  const throughEveryPass = async (indexes: number[]): Promise<UserStatus[]> => {
    let statuses: UserStatus[] = [];
    for (const pass of PASSES) {
      if (plan.signal?.aborted) break;
      plan.enter(indexes, pass);
      statuses = await Promise.all(indexes.map((index) => plan.run(index, pass)));
    }
    return statuses;
  };
  if (!settings) {
    await throughEveryPass(users);
    return undefined;
  }

  const canary = users.slice(0, settings.canary);
  const rest = users.slice(canary.length);
  const canaryTally: Tally = { finished: 0, failed: 0 };
  // A canary that takes every user has nobody to protect: they run as one group.
  if (canary.length > 0 && rest.length > 0) {
    const statuses = await throughEveryPass(canary);
    if (plan.signal?.aborted) return undefined;
    const failed = canary.filter((_, i) => statuses[i] === 'failed').map((index) => plan.where(index));
    if (failed.length > 0) {
      const why = `${failed.length} of the ${canary.length} canary users failed (${failed.join(', ')})`;
      await blockAll(plan, rest, 'canary-failed', why, 'cut-off');
      return {
        code: 'canary-failed',
        message: `Canary failed: ${why}. The other ${rest.length} users were not started (blocked, canary-failed). Fix the cause and run again; the users already done are unchanged on a re-run.`,
      };
    }
    Object.assign(canaryTally, { finished: canary.length, failed: 0 });
  } else if (canary.length > 0) {
    await throughEveryPass(canary);
    return undefined;
  }

  if (settings.failureThreshold >= 100) {
    await throughEveryPass(rest);
    return undefined;
  }
  let going = rest;
  let trip: { why: string; left: number; pass: Pass } | undefined;
  for (const pass of PASSES) {
    if (plan.signal?.aborted) break;
    plan.enter(going, pass);
    if (trip) {
      await Promise.all(going.map((index) => plan.run(index, pass)));
      continue;
    }
    const waves = await inWaves(plan, going, pass, { ...canaryTally }, settings.failureThreshold);
    going = waves.started;
    if (waves.trip) trip = { ...waves.trip, pass };
  }
  if (!trip) return undefined;
  const held =
    trip.pass === 'cut-off'
      ? `The other ${trip.left} users were not started (blocked, failure-threshold); users already running finished.`
      : `The handover of the other ${trip.left} users was not started (its steps blocked, failure-threshold); their cut-off steps ran, and users already in their handover finished it.`;
  return {
    code: 'failure-threshold',
    message: `Failure threshold: ${trip.why}. ${held} Fix the cause and run again; the users already done are unchanged on a re-run.`,
  };
}

/** Runs a pass in waves while the share of failed users is within the threshold; says who started it and why the rest did not. */
async function inWaves(
  plan: BreakerRun,
  indexes: number[],
  pass: Pass,
  tally: Tally,
  threshold: number,
): Promise<{ started: number[]; trip?: { why: string; left: number } }> {
  const waves: number[][] = [];
  for (let start = 0; start < indexes.length; start += THRESHOLD_SAMPLE) waves.push(indexes.slice(start, start + THRESHOLD_SAMPLE));
  const running: Promise<unknown>[] = [];
  const started: number[] = [];
  let trip: { why: string; left: number } | undefined;
  for (const [k, wave] of waves.entries()) {
    // The first wave is the sample the threshold first judges; later, at most two waves are in flight.
    if (k >= 1) await running[Math.max(0, k - 2)];
    if (plan.signal?.aborted) break;
    if (tally.finished >= THRESHOLD_SAMPLE && tally.failed * 100 > threshold * tally.finished) {
      const share = Math.round((tally.failed * 100) / tally.finished);
      const why = `${tally.failed} of ${tally.finished} finished users failed (${share} %), more than failure-threshold ${threshold} %`;
      const left = waves.slice(k).flat();
      await blockAll(plan, left, 'failure-threshold', why, pass);
      trip = { why, left: left.length };
      break;
    }
    started.push(...wave);
    running.push(
      Promise.all(
        wave.map(async (index) => {
          const status = await plan.run(index, pass);
          tally.finished++;
          if (status === 'failed') tally.failed++;
        }),
      ),
    );
  }
  await Promise.all(running);
  return { started, trip };
}

async function blockAll(plan: BreakerRun, indexes: number[], code: BreakerCode, why: string, pass: Pass): Promise<void> {
  const reason = `${why}; ${pass === 'cut-off' ? 'not started' : 'handover not started'}`;
  await Promise.all(indexes.map((index) => plan.block(index, { status: 'blocked', code, reason }, pass)));
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
