// What a step is: one module that declares what it needs and may do, observes the current state, decides the change, and applies it.
import type { Connectors } from '../connectors/types.js';
import type { EntraInputs, Inputs } from '../inputs-types.js';
import type { Person, RunInfo, StepName } from '../model.js';

/** Facts computed once per run and shared by every user (e.g. the block group's id). */
export interface RunShared {
  /** Computes a value once per run under `key` and hands the same promise to every caller. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** What a step tells the later steps of the same user, as data; each key is published by the step that declares it. */
export interface Facts {
  /**
   * mailbox-shared: the leaver's mailbox once the step is through (converted, or shared already), or none at all;
   * `converted-on-premises`: a synced user's mailbox converted in AD that Exchange Online shows as shared only after
   * the next directory synchronisation.
   */
  mailbox?: 'shared' | 'absent' | 'converted-on-premises';
}

export interface StepContext {
  person: Person;
  inputs: Inputs;
  connectors: Connectors;
  run: RunInfo;
  /** The run's clock, fixed at its start. */
  now: Date;
  /** What this user's earlier steps published. */
  facts: Readonly<Facts>;
  shared: RunShared;
}

export type Decision<F extends Facts = Facts> =
  /** The target state holds already. */
  | { kind: 'unchanged'; before?: Record<string, unknown>; reason?: string; facts?: F }
  /** The step does not apply to this user (with the reason). */
  | { kind: 'skipped'; reason: string; facts?: F }
  /** The step must not run for this user (a guard, e.g. licences on a user mailbox). */
  | { kind: 'blocked'; reason: string }
  /**
   * The change to make: shown as `planned` in plan mode, made by `apply` in apply mode. Its facts hold once the change
   * is made, so they are published when it is planned or done, never when it failed.
   */
  | {
      kind: 'change';
      before?: Record<string, unknown>;
      after?: Record<string, unknown>;
      /** The change in a few words for the plan and the summary (e.g. "3 devices: iPhone 15, Pixel 8, …"). */
      reason?: string;
      apply: () => Promise<ApplyOutcome | void>;
      /**
       * Reads the state back from the server once `apply` succeeded, as a second read of what observe read: a server
       * that accepts a write and keeps the old state must not end up on record as done. Every step with state has one
       * (its `readBack` is not false).
       */
      verify?: () => Promise<Verification>;
      facts?: F;
    };

/** What a read-back found: the change in place, or what was expected and what the server showed instead. */
export type Verification = { ok: true } | { ok: false; expected: string; read: string };

export interface ApplyOutcome {
  /** The state after the change, when it is only known then (e.g. a new DN). */
  after?: Record<string, unknown>;
  /** Commands that ran again after a lost PowerShell session. */
  retried?: string[];
  /**
   * The state before, when the write's own answer tells it better than observe could without a read (Exchange warns
   * when a grant is present already); with `reason`, what the record must say about it.
   */
  before?: Record<string, unknown>;
  reason?: string;
  /** The write's answer showed the state was already in place: the step is recorded `unchanged` with `before`. */
  unchanged?: true;
}

/** Which account and connector a step needs; the engine skips the step with the reason when it is missing. */
export type StepNeeds = 'ad' | 'entra' | 'exchange' | 'sharepoint';

/**
 * The application permissions a step needs, per API, as sets: the step works when the token holds every permission of
 * ANY one set. The first set is the least privileged one and is what a missing permission is reported against.
 */
export interface StepPermissions {
  /** Microsoft Graph. */
  graph?: string[][];
  /** The Office 365 Exchange Online API. */
  exchange?: string[][];
  /** The SharePoint API. */
  sharepoint?: string[][];
  /** What the README adds after the least privileged set of an API: a role the app needs as well, or why. */
  remarks?: { graph?: string; exchange?: string; sharepoint?: string };
  /** What the AD service account must be allowed to do. */
  ad?: string;
  /** The attributes of the leaver's AD object the step writes: what preflight reads in allowedAttributesEffective. */
  adAttributes?: readonly string[];
  /** The extended rights on the leaver's AD object the step uses, which preflight reads from its DACL. */
  adRights?: readonly 'Reset Password'[];
  /**
   * What `observe` alone needs, for a plan: read permissions only, in the same form. An API left out needs nothing
   * beyond what resolve reads. The planner identity is granted these; the sets above are the write identity's. Every
   * step of the list declares it (a unit test checks); without it a plan asks for the write permissions.
   */
  reads?: ReadPermissions;
  /** The calls behind these permissions. */
  notes: string;
}

export interface ReadPermissions {
  graph?: string[][];
  exchange?: string[][];
  sharepoint?: string[][];
  /** What the README adds after the least privileged set of an API: a role the app needs as well. */
  remarks?: { graph?: string; exchange?: string; sharepoint?: string };
}

/** What a step declares about itself: the step list derives the order, services, permissions and README tables from it. */
export interface StepInfo {
  name: string;
  /** One line for the README's steps table (markdown). */
  description: string;
  /** Part of the `steps` input's default. */
  byDefault: boolean;
  /** What must be there for the step to apply; checked by the engine before `observe`. */
  needs: readonly StepNeeds[];
  /** What the step talks to when it is there (e.g. Exchange to confirm a mailbox is shared); opened for it too. */
  uses?: readonly StepNeeds[];
  permissions: StepPermissions;
  /** Whether an undo can reverse its change from the record (the contract's Undo section). */
  reversible: boolean;
  /** false for a step without state to read back (revoking sessions): its changes are done without `verified`. */
  readBack?: false;
  /** The facts its decisions publish for later steps. */
  publishes?: readonly (keyof Facts)[];
  /**
   * The PowerShell cmdlets it calls, per service: the Exchange sessions load only those of the enabled steps
   * (`Connect-ExchangeOnline -CommandName`), and the step's CommandLog refuses any other.
   */
  cmdlets?: { readonly exchange?: readonly string[]; readonly sharepoint?: readonly string[] };
}

/** What `Step.prepare` sees: every user of the run who is not stopped by a guard. */
interface PrepareContext {
  people: readonly Person[];
  inputs: Inputs;
  connectors: Connectors;
  shared: RunShared;
}

export interface Step extends StepInfo {
  name: StepName;
  /** Earlier steps whose failure (or block) blocks this one. */
  dependsOn?: readonly StepName[];
  observe(context: StepContext): Promise<Decision>;
  /**
   * Starts, once for each group of users about to enter the step's pass (the canary, then the rest) and before any
   * of them, the reads that `observe` needs for every user, so that they go out together (e.g. in full Graph batches)
   * instead of one at a time at the pace of slower steps. Results go into `shared`, as
   * promises that never reject: `observe` turns a failed read into that user's failure.
   */
  prepare?(context: PrepareContext): void;
  /**
   * The reverse of this step's change in an earlier run (undo-from), for a reversible step: reads the current state
   * and decides as `observe` does — `change` back to `record.before` only while the state still equals `record.after`,
   * otherwise `skipped` with "changed since: …" (also when the before-state is back already: someone undid it by hand,
   * and the record says so). Only what the earlier run added is taken away (a grant that was there before it stays).
   */
  reverse?(context: ReverseContext): Promise<Decision>;
}

/** What the earlier run recorded for one user's step: the state before and after its change. */
interface UndoRecord {
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** A step's context when it reverses an earlier run's change. */
type ReverseContext = StepContext & { record: UndoRecord };

/** The connector each need names. */
interface NeedConnector {
  ad: 'ad';
  entra: 'graph';
  exchange: 'exchange';
  sharepoint: 'sharepoint';
}

/** A step's context with what its needs name present: the account, the connector, and for Entra its inputs. */
type NeededContext<N extends StepNeeds> = Omit<StepContext, 'person' | 'connectors' | 'inputs'> & {
  person: Person & { [K in N & keyof Person]-?: NonNullable<Person[K]> };
  connectors: Connectors & { [K in N as NeedConnector[K]]-?: NonNullable<Connectors[NeedConnector[K]]> };
  inputs: Inputs & ('entra' extends N ? { entra: EntraInputs } : unknown);
};

/** The facts a step may publish: those it declares, and no other. */
type Published<P extends keyof Facts> = { [K in keyof Facts]?: K extends P ? Facts[K] : never };

/** A step as its module writes it: `observe` sees its needs as present and publishes only the facts it declares. */
export interface StepDefinition<N extends StepNeeds, P extends keyof Facts> extends Omit<Step, 'needs' | 'publishes' | 'observe' | 'reverse'> {
  needs: readonly N[];
  publishes?: readonly P[];
  observe(context: NeededContext<N>): Promise<Decision<Published<P>>>;
  reverse?(context: NeededContext<N> & { record: UndoRecord }): Promise<Decision>;
}
