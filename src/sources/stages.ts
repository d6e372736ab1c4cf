// Offboarding in stages: when each stage of a row comes due, which stages a run selects, and which steps a user runs.
import { DateTime } from 'luxon';
import type { LaterStages, Request, Stage, StepName } from '../model.js';
import { toIso } from '../util/time.js';

/**
 * The instants a run selects stages in: due at or before `until`, and, for `due`, not before `from` (lookback-days).
 * Without `from` (`changed`, `all`), a row without `effective` is effective at once: its 0d stages run.
 */
export interface StageWindow {
  until: number;
  from?: number;
}

export interface StagedSelection {
  selected: Request[];
  /** The stages not due yet, per row: of every row considered, or only of the rows selected (`due`). */
  later: LaterStages[];
  /** How many stages the selected rows run. */
  due: number;
}

// The same few dates repeat down a CSV; each (zone, effective, days) is worked out once.
const dueCache = new Map<string, number>();

/**
 * When a row's stage comes due: `effective` plus the offset in calendar days of the time zone, so that 30d after a
 * bare date is midnight there 30 days later, across a change of the clocks too.
 */
export function stageDueAt(effective: string, days: number, timeZone: string): number {
  const key = `${timeZone}\u0000${effective}\u0000${days}`;
  let at = dueCache.get(key);
  if (at === undefined) {
    at = DateTime.fromISO(effective, { zone: timeZone }).plus({ days }).toMillis();
    dueCache.set(key, at);
  }
  return at;
}

/**
 * Splits each row's stages into those the window selects and those still ahead; a stage that came due before the
 * window (outside lookback-days) is neither, so a stage whose steps failed is retried by every run until it leaves
 * the window. `listLater`: `considered` lists the later stages of every row given, `selected` only of rows selected.
 */
export function selectStages(
  rows: readonly Request[],
  stages: readonly Stage[],
  window: StageWindow,
  timeZone: string,
  listLater: 'considered' | 'selected',
): StagedSelection {
  const result: StagedSelection = { selected: [], later: [], due: 0 };
  for (const row of rows) {
    const due: Stage[] = [];
    const later: LaterStages['stages'] = [];
    for (const stage of stages) {
      if (row.effective === undefined) {
        if (stage.days === 0 && window.from === undefined) due.push(stage);
        else if (window.from === undefined) later.push({ stage: stage.offset, steps: stage.steps });
        continue;
      }
      const at = stageDueAt(row.effective, stage.days, timeZone);
      if (at > window.until) later.push({ stage: stage.offset, at: toIso(at), steps: stage.steps });
      else if (window.from === undefined || at >= window.from) due.push(stage);
    }
    if (due.length > 0) {
      result.selected.push({ ...row, stages: due });
      result.due += due.length;
    }
    if (later.length > 0 && (listLater === 'considered' || due.length > 0)) {
      result.later.push({ source: row.source, identity: row.identity, stages: later });
    }
  }
  return result;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** `2 stages of 1 row due; 1 stage later`: what a staged selection adds to the selection's note. */
export function stagesNote(selection: StagedSelection): string {
  const later = selection.later.reduce((sum, row) => sum + row.stages.length, 0);
  return `${count(selection.due, 'stage')} of ${count(selection.selected.length, 'row')} due${later > 0 ? `; ${count(later, 'stage')} later` : ''}`;
}

/** A user's steps, in the order given, with the offset of each one's stage; every step without `stages`. */
export function stepsOfRequest<S extends { name: StepName }>(request: Request, steps: readonly S[]): { step: S; stage?: string }[] {
  const { stages } = request;
  if (!stages) return steps.map((step) => ({ step }));
  return steps.flatMap((step) => {
    const stage = stages.find((s) => s.steps.includes(step.name));
    return stage ? [{ step, stage: stage.offset }] : [];
  });
}
