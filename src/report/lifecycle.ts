// A run's end: SIGTERM/SIGINT stop new steps and put the record on disk at once; the record is finished and reported once.
import type { ResultsRecorder } from './results.js';

export type Outcome = 'completed' | 'failed' | 'cancelled';

/** How long a cancelled run waits for the steps in flight before it exits. */
export const CANCEL_GRACE_MS = 5_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** The part of `process` the lifecycle listens on; tests pass an EventEmitter. */
interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface LifecycleOptions {
  recorder: ResultsRecorder;
  /** Summary, outputs and exit status of the finished record; called once. */
  report: (outcome: Outcome, error: string | undefined) => Promise<void>;
  warn: (message: string) => void;
  signals?: SignalSource;
  /** Called once a cancelled run's grace time is over and the record is reported. */
  exit?: (code: number) => void;
  graceMs?: number;
}

export interface RunLifecycle {
  /** Aborted by the first SIGTERM or SIGINT: no new step starts. */
  readonly signal: AbortSignal;
  /** Stops listening for signals and drops the grace timer: the run has come to its end by itself. */
  release(): void;
  /** Ends the record and reports, once: at the end of the run, or when a cancelled run's grace time is over. */
  finalize(outcome: Outcome, error?: string): Promise<void>;
}

export function startRunLifecycle(options: LifecycleOptions): RunLifecycle {
  const { recorder, signals = process, exit = (code) => process.exit(code), graceMs = CANCEL_GRACE_MS } = options;
  const abort = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  let finalizing: Promise<void> | undefined;

  const finalize = (outcome: Outcome, error?: string): Promise<void> => {
    finalizing ??= (async () => {
      recorder.finish(outcome, error);
      await options.report(outcome, error);
    })();
    return finalizing;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) return;
    abort.abort();
    options.warn(`Received ${signal}: no new step starts; the record is written.`);
    // On disk before anything else: the runner may kill the process at any moment from here on.
    recorder.finish('cancelled', `cancelled by ${signal}`);
    graceTimer = setTimeout(() => {
      // Steps still running did not end in the grace time: they stay on record as interrupted.
      const reason = `cancelled by ${signal}; steps still running were left as interrupted`;
      void finalize('cancelled', reason).finally(() => exit(1));
    }, graceMs);
  };
  for (const name of SIGNALS) signals.on(name, onSignal);

  return {
    signal: abort.signal,
    release() {
      if (graceTimer) clearTimeout(graceTimer);
      for (const name of SIGNALS) signals.off(name, onSignal);
    },
    finalize,
  };
}
