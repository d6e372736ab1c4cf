// What a step is: one module that observes the current state, decides the change, and applies it.
import type { Connectors } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import type { Person, RunInfo, StepName, StepResult } from '../model.js';

/** Facts computed once per run and shared by every user (e.g. the block group's id). */
export interface RunShared {
  /** Computes a value once per run under `key` and hands the same promise to every caller. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export interface StepContext {
  person: Person;
  inputs: Inputs;
  connectors: Connectors;
  run: RunInfo;
  /** The run's clock, fixed at its start. */
  now: Date;
  /** Results of this user's earlier steps. */
  earlier: ReadonlyMap<StepName, StepResult>;
  shared: RunShared;
}

export type Decision =
  /** The target state holds already. */
  | { kind: 'unchanged'; before?: Record<string, unknown>; reason?: string }
  /** The step does not apply to this user (with the reason). */
  | { kind: 'skipped'; reason: string }
  /** The step must not run for this user (a guard, e.g. licences on a user mailbox). */
  | { kind: 'blocked'; reason: string }
  /** The change to make: shown as `planned` in plan mode, made by `apply` in apply mode. */
  | {
      kind: 'change';
      before?: Record<string, unknown>;
      after?: Record<string, unknown>;
      apply: () => Promise<ApplyOutcome | void>;
    };

export interface ApplyOutcome {
  /** The state after the change, when it is only known then (e.g. a new DN). */
  after?: Record<string, unknown>;
  /** Commands that ran again after a lost PowerShell session. */
  retried?: string[];
}

/** Which account and connector a step needs; the engine skips the step with the reason when it is missing. */
export type StepNeeds = 'ad' | 'entra' | 'exchange' | 'sharepoint';

/** What `Step.prepare` sees: every user of the run who is not stopped by a guard. */
export interface PrepareContext {
  people: readonly Person[];
  inputs: Inputs;
  connectors: Connectors;
  shared: RunShared;
}

export interface Step {
  name: StepName;
  /** What must be there for the step to apply; checked by the engine before `observe`. */
  needs: StepNeeds[];
  /** Earlier steps whose failure (or block) blocks this one. */
  dependsOn?: StepName[];
  observe(context: StepContext): Promise<Decision>;
  /**
   * Starts, once and before any user, the reads that `observe` needs for every user, so that they go out together
   * (e.g. in full Graph batches) instead of one at a time at the pace of slower steps. Results go into `shared`, as
   * promises that never reject: `observe` turns a failed read into that user's failure.
   */
  prepare?(context: PrepareContext): void;
}
