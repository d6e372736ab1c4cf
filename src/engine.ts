// Plan and apply: the same path for every user — observe, decide, and (in apply mode) act — step by step, in order.
import pLimit from 'p-limit';
import { runWithBreakers, type BreakerSettings, type BreakerTrip } from './breakers.js';
import type { Connectors } from './connectors/types.js';
import { cutOffEnd, type Pass } from './cut-off.js';
import type { Inputs, Mode } from './inputs-types.js';
import type { Person, Request, RunInfo, StepName, StepResult, Stop, UserResult, UserStatus } from './model.js';
import { stepsOfRequest } from './sources/stages.js';
import { STEP_ORDER } from './steps/index.js';
import type { Decision, Facts, RunShared, Step, StepContext, Verification } from './steps/types.js';

export interface EngineOptions {
  people: Person[];
  /** Enabled steps, in the contract's order. */
  steps: Step[];
  mode: Mode;
  inputs: Inputs;
  connectors: Connectors;
  run: RunInfo;
  now: Date;
  /** How many users are in flight at once. */
  concurrency: number;
  /** Called whenever a user's record changes (a step started or finished), for the results file. */
  onProgress?: (index: number, result: UserResult) => void;
  /** Once aborted, no new step starts; steps not started stay so. */
  signal?: AbortSignal;
  /** The canary and the failure threshold; they act in apply mode only. Absent: none. */
  breakers?: BreakerSettings;
  /** Called once when a breaker stopped the run, after every user in flight finished. */
  onBreaker?: (trip: BreakerTrip) => void;
  /** The waits before re-reading a change that does not show yet (default READ_BACK_DELAYS_MS). */
  readBackDelaysMs?: readonly number[];
}

/** A step or user the run has not come to yet; the finished record of a run cut short says why it never did. */
export const NOT_STARTED = 'not started';
const INTERRUPTED = 'interrupted while running: the change may or may not have been made; a re-run checks and completes it';

/**
 * Runs every user through the enabled steps; one user's failure never stops another, unless it trips a breaker. Each
 * user's steps run in the contract's order, in two passes (cut-off.ts): every user's cut-off pass finishes before any
 * user's handover pass starts, so that in a large run nobody's access waits behind another's handover in PowerShell.
 */
export async function runEngine(options: EngineOptions): Promise<UserResult[]> {
  const results = options.people.map((person) => initialResult(person, options.steps));
  const shared = createRunShared();
  results.forEach((result, index) => options.onProgress?.(index, result));
  const users = options.people.map((person, index) => userRun(person, options.steps, results[index], (r) => options.onProgress?.(index, r)));
  const limit = pLimit(Math.max(1, options.concurrency));
  const indexes = options.people.map((_, index) => index);
  // A guarded user is on record at once; it never counts for a breaker, nor waits for one.
  for (const index of indexes.filter((index) => options.people[index].stop)) recordStop(options, users[index], options.people[index].stop as Stop);
  const trip = await runWithBreakers({
    users: indexes.filter((index) => !options.people[index].stop),
    settings: options.mode === 'apply' ? options.breakers : undefined,
    enter: (entering, pass) => {
      for (const step of options.steps) {
        const people = entering.filter((index) => passSteps(users[index], pass).some((s) => s.step === step)).map((index) => users[index].person);
        if (people.length > 0) step.prepare?.({ people, inputs: options.inputs, connectors: options.connectors, shared });
      }
    },
    run: async (index, pass) => {
      await limit(() => runPass(options, shared, users[index], pass));
      return results[index].status;
    },
    block: async (index, stop, pass) => {
      if (pass === 'cut-off') recordStop(options, users[index], stop);
      else holdHandover(users[index], `${stop.code}: ${stop.reason}`);
    },
    where: (index) => `${results[index].source.file}:${results[index].source.line}`,
    signal: options.signal,
  });
  if (trip) options.onBreaker?.(trip);
  return results;
}

/** One user's way through the run: its steps, where its cut-off pass ends, and what its earlier steps left. */
interface UserRun {
  person: Person;
  result: UserResult;
  progress: (result: UserResult) => void;
  steps: { step: Step; stage?: string }[];
  cutOffEnd: number;
  earlier: Map<StepName, StepResult>;
  facts: Facts;
}

function userRun(person: Person, steps: Step[], result: UserResult, progress: (result: UserResult) => void): UserRun {
  const own = stepsOfRequest(person.request, steps);
  return { person, result, progress, steps: own, cutOffEnd: cutOffEnd(own.map(({ step }) => step)), earlier: new Map(), facts: {} };
}

/** The user's steps of a pass, with their places in the user's record. */
function passSteps(user: UserRun, pass: Pass): { step: Step; stage?: string; index: number }[] {
  const all = user.steps.map((entry, index) => ({ ...entry, index }));
  return pass === 'cut-off' ? all.slice(0, user.cutOffEnd) : all.slice(user.cutOffEnd);
}

/** A user's record before anything ran: every step not started, so that a record cut short is still complete. */
function initialResult(person: Person, steps: Step[]): UserResult {
  return {
    source: person.request.source,
    request: requestRecord(person.request),
    ad: person.ad ? { dn: person.ad.dn, samAccountName: person.ad.samAccountName, objectGuid: person.ad.objectGuid } : undefined,
    entra: person.entra
      ? { id: person.entra.id, userPrincipalName: person.entra.userPrincipalName, synced: person.entra.onPremisesSyncEnabled }
      : undefined,
    delegate: person.delegate,
    status: person.stop?.status ?? 'blocked',
    reason: person.stop ? `${person.stop.code}: ${person.stop.reason}` : NOT_STARTED,
    steps: stepsOfRequest(person.request, steps).map(({ step, stage }) => inStage({ step: step.name, status: 'blocked', reason: NOT_STARTED }, stage)),
  };
}

/** A step's record with the offset of its stage, when the run has stages. */
const inStage = (record: StepResult, stage: string | undefined): StepResult => (stage ? { ...record, stage } : record);

/** A selected user's record before it was resolved: every enabled step not started. */
export function unresolvedResult(request: Request, steps: StepName[]): UserResult {
  return {
    source: request.source,
    request: requestRecord(request),
    status: 'blocked',
    reason: NOT_STARTED,
    steps: stepsOfRequest(request, STEP_ORDER.filter((step) => steps.includes(step)).map((name) => ({ name }))).map(({ step, stage }) =>
      inStage({ step: step.name, status: 'blocked', reason: NOT_STARTED }, stage),
    ),
  };
}

/** The request as the results file records it: its identity columns, effective time, delegate and reason. */
function requestRecord(request: Request): Record<string, unknown> {
  const { identity, effective, delegate, reason } = request;
  return { ...identity, effective, delegate, reason };
}

/** Records a user that starts no step: every step blocked with the reason. */
function recordStop(options: EngineOptions, user: UserRun, stop: Stop): void {
  const reason = `${stop.code}: ${stop.reason}`;
  user.result.steps = stepsOfRequest(user.person.request, options.steps).map(({ step, stage }) => inStage({ step: step.name, status: 'blocked', reason }, stage));
  user.result.status = stop.status;
  user.result.reason = reason;
  user.progress(user.result);
}

/** Holds back a user's handover after its cut-off ran: its handover steps blocked with the reason, and so the user. */
function holdHandover(user: UserRun, reason: string): void {
  const { result } = user;
  for (const { index, stage } of passSteps(user, 'handover')) result.steps[index] = inStage({ step: result.steps[index].step, status: 'blocked', reason }, stage);
  result.status = 'blocked';
  result.reason = reason;
  user.progress(result);
}

async function runPass(options: EngineOptions, shared: RunShared, user: UserRun, pass: Pass): Promise<void> {
  if (options.signal?.aborted) return;
  const { result, person } = user;
  if (pass === 'cut-off') result.reason = undefined;
  for (const { step, stage, index } of passSteps(user, pass)) {
    if (options.signal?.aborted) break;
    // Recorded before it runs, so that a run cut short shows the step as interrupted, never as silently absent.
    result.steps[index] = inStage({ step: step.name, status: 'failed', reason: INTERRUPTED }, stage);
    result.status = aggregateStatus(result.steps);
    user.progress(result);
    const stepResult = await runStep(options, shared, person, step, user.earlier, user.facts);
    user.earlier.set(step.name, stepResult);
    result.steps[index] = inStage(stepResult, stage);
    result.status = aggregateStatus(result.steps);
    user.progress(result);
  }
}

async function runStep(
  options: EngineOptions,
  shared: RunShared,
  person: Person,
  step: Step,
  earlier: ReadonlyMap<StepName, StepResult>,
  facts: Facts,
): Promise<StepResult> {
  const name = step.name;
  for (const dependency of step.dependsOn ?? []) {
    const prior = earlier.get(dependency);
    if (prior && (prior.status === 'failed' || prior.status === 'blocked')) {
      return { step: name, status: 'blocked', reason: `${dependency} ${prior.status}` };
    }
  }
  const missing = missingNeed(step, person, options);
  if (missing) return { step: name, status: 'skipped', reason: missing };

  const context: StepContext = {
    person,
    inputs: options.inputs,
    connectors: options.connectors,
    run: options.run,
    now: options.now,
    facts,
    shared,
  };
  let decision: Decision;
  try {
    decision = await step.observe(context);
  } catch (error) {
    return { step: name, status: 'failed', error: errorRecord(error) };
  }
  switch (decision.kind) {
    case 'unchanged':
      Object.assign(facts, decision.facts);
      return { step: name, status: 'unchanged', before: decision.before, reason: decision.reason };
    case 'skipped':
      Object.assign(facts, decision.facts);
      return { step: name, status: 'skipped', reason: decision.reason };
    case 'blocked':
      return { step: name, status: 'blocked', reason: decision.reason };
    case 'change': {
      if (options.mode === 'plan') {
        Object.assign(facts, decision.facts);
        return { step: name, status: 'planned', before: decision.before, after: decision.after, ...(decision.reason ? { reason: decision.reason } : {}) };
      }
      try {
        const outcome = await decision.apply();
        const [before, reason] = [outcome?.before ?? decision.before, outcome?.reason ?? decision.reason];
        if (outcome?.unchanged) {
          Object.assign(facts, decision.facts);
          return { step: name, status: 'unchanged', before, reason: outcome.reason };
        }
        const after = outcome?.after ?? decision.after;
        const verified = step.readBack === false ? {} : { verified: await readBack(decision.verify, options.readBackDelaysMs ?? READ_BACK_DELAYS_MS) };
        Object.assign(facts, decision.facts);
        return { step: name, status: 'done', before, after, retried: outcome?.retried, ...(reason ? { reason } : {}), ...verified };
      } catch (error) {
        return { step: name, status: 'failed', before: decision.before, error: errorRecord(error) };
      }
    }
  }
}

/**
 * How long to wait before each further read when a read-back does not show the change yet: Entra ID and Exchange
 * Online are eventually consistent, and "a successful write … does not guarantee that an immediate read will reflect
 * that change" (https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
 */
const READ_BACK_DELAYS_MS: readonly number[] = [2_000, 5_000, 10_000];

/**
 * Reads a change back, again after each delay while it does not show; throws `not-verified` when it never does, so
 * that a step with state is never done unverified.
 */
async function readBack(verify: (() => Promise<Verification>) | undefined, delaysMs: readonly number[]): Promise<true> {
  if (!verify) throw Object.assign(new Error('The step has no read-back for its change: it cannot be recorded as done.'), { code: 'not-verified' });
  const read = async (): Promise<Verification> => {
    try {
      return await verify();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const { code, requestId } = error as { code?: unknown; requestId?: unknown };
      throw Object.assign(new Error(`The change was sent, but reading it back failed: ${message}`), { code, requestId });
    }
  };
  let verdict = await read();
  for (const delay of delaysMs) {
    if (verdict.ok) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    verdict = await read();
  }
  if (verdict.ok) return true;
  throw Object.assign(
    new Error(`The server accepted the change, but reading it back does not show it: expected ${verdict.expected}, read ${verdict.read}.`),
    { code: 'not-verified' },
  );
}

/** Why a step cannot apply to this user, or undefined when everything it needs is there. */
function missingNeed(step: Step, person: Person, options: EngineOptions): string | undefined {
  for (const need of step.needs) {
    switch (need) {
      case 'ad':
        if (!options.connectors.ad) return 'AD not configured (ldap-url)';
        if (!person.ad) return person.adMissing ?? 'no AD account';
        break;
      case 'entra':
        if (!options.connectors.graph || !options.inputs.entra) return 'Entra ID not configured (tenant-id)';
        if (!person.entra) return person.entraMissing ?? 'no Entra account';
        break;
      case 'exchange':
        if (!options.connectors.exchange) return 'Exchange Online not configured (organization)';
        break;
      case 'sharepoint':
        if (!options.connectors.sharepoint) return 'SharePoint not configured (organization or sharepoint-admin-url)';
        break;
    }
  }
  return undefined;
}

const STATUS_RANK: Record<UserStatus, number> = {
  failed: 6,
  done: 5,
  planned: 4,
  blocked: 3,
  unchanged: 2,
  skipped: 1,
};

/** A user's status: the most telling of its steps' statuses (a failure first, then a change). */
export function aggregateStatus(steps: StepResult[]): UserStatus {
  let status: UserStatus = 'unchanged';
  let rank = 0;
  for (const s of steps) {
    if (STATUS_RANK[s.status] > rank) {
      status = s.status;
      rank = STATUS_RANK[s.status];
    }
  }
  // A user whose every step was skipped had nothing to do here: that is "unchanged" for the counts.
  return status === 'skipped' ? 'unchanged' : status;
}

function errorRecord(error: unknown): StepResult['error'] {
  if (error instanceof Error) {
    const extra = error as Error & { code?: unknown; requestId?: unknown };
    return {
      message: error.message,
      code: typeof extra.code === 'string' ? extra.code : undefined,
      requestId: typeof extra.requestId === 'string' ? extra.requestId : undefined,
    };
  }
  return { message: String(error) };
}

function createRunShared(): RunShared {
  const values = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let value = values.get(key) as Promise<T> | undefined;
      if (!value) {
        value = compute();
        values.set(key, value);
      }
      return value;
    },
  };
}
