// The results file: written as the run goes, atomically, and once more on SIGTERM/SIGINT, so a record always exists.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BreakerCode } from '../breakers.js';
import { NOT_STARTED } from '../engine.js';
import type { Mode } from '../inputs-types.js';
import type { InputError, LaterStages, NotificationRecord, RunInfo, UserResult } from '../model.js';
import { toIso } from '../util/time.js';

export interface ResultsDocument {
  /** 2: the AD account's objectGUID, licences' disabled plans, `undoOf` (an undo reads version 1 as well). */
  version: 2;
  mode: Mode;
  run: RunInfo;
  startedAt: string;
  finishedAt?: string;
  /** How the run ended: `completed`, `failed` (an error stopped it before or during the steps), `cancelled`. */
  outcome: 'running' | 'completed' | 'failed' | 'cancelled';
  /** Why the run as a whole failed, when it did. */
  error?: string;
  /** The breaker that stopped the run, when one did (`error` says why). */
  stoppedBy?: BreakerCode;
  /** With `stages`: `later` lists the stages not due yet, per row. */
  selection?: { mode: string; note: string; total: number; later?: LaterStages[] };
  inputErrors: InputError[];
  /** An undo (undo-from): the run whose record it reverses. */
  undoOf?: { run: string; sha?: string };
  users: UserResult[];
  /** With `notify: delegate`: each mail, planned, sent or failed. */
  notifications?: NotificationRecord[];
}

/** What a record that ended early says of the steps and users that had not started. */
const NOT_ATTEMPTED: Partial<Record<ResultsDocument['outcome'], string>> = {
  cancelled: 'not attempted: the run was cancelled',
  failed: 'not attempted: the run stopped before it reached this user',
};

/** Keeps the results document and writes it to disk, at most every `intervalMs` while the run goes. */
export class ResultsRecorder {
  readonly document: ResultsDocument;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    readonly file: string,
    header: { mode: Mode; run: RunInfo; startedAt: Date },
    private readonly intervalMs = 250,
  ) {
    this.document = {
      version: 2,
      mode: header.mode,
      run: header.run,
      startedAt: toIso(header.startedAt),
      outcome: 'running',
      inputErrors: [],
      users: [],
    };
  }

  /** Marks the document changed; it is written within `intervalMs`. */
  touch(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.writeNow();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Writes the document now, synchronously (safe inside a signal handler). */
  writeNow(): void {
    this.dirty = false;
    // Once the run has ended early, nothing is left waiting to start, whenever the record is written.
    const notAttempted = NOT_ATTEMPTED[this.document.outcome];
    if (notAttempted) settleNotStarted(this.document.users, notAttempted);
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.document, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  /** Ends the record: sets the outcome and the finish time and writes it. */
  finish(outcome: ResultsDocument['outcome'], error?: string): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.document.outcome = outcome;
    if (error) this.document.error = error;
    this.document.finishedAt = toIso(Date.now());
    this.writeNow();
  }
}

function settleNotStarted(users: UserResult[], reason: string): void {
  for (const user of users) {
    if (user.reason === NOT_STARTED) user.reason = reason;
    for (const step of user.steps) if (step.reason === NOT_STARTED) step.reason = reason;
  }
}
