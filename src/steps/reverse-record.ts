// What the reverses share: reading one side of an earlier run's record, and the decisions when it cannot be followed.
import type { Decision } from './types.js';

export type RecordSide = Record<string, unknown> | undefined;

/** A value as the reasons show it: JSON, so that a missing value reads `null` and a string keeps its quotes. */
const shown = (value: unknown): string => JSON.stringify(value ?? null);

/** Whether both sides of the record hold `key` (null counts: it records an attribute that was not set). */
export const holds = (side: RecordSide, key: string): boolean => side !== undefined && Object.hasOwn(side, key);

/**
 * The state moved on after the earlier run (back to what it was before included: changed by hand, or undone already):
 * the reverse would overwrite someone's later change, so it is left alone.
 */
export function changedSince(what: string, now: unknown, left: unknown, was?: unknown): Decision {
  const asBefore = was !== undefined && shown(now) === shown(was) ? ' (as before the run)' : '';
  return { kind: 'skipped', reason: `changed since: ${what} is ${shown(now)}${asBefore}, the run left ${shown(left)}` };
}

/** A record that lacks what the reverse needs (written by an earlier version, or edited): nothing is guessed. */
export function notRecorded(what: string): Decision {
  return { kind: 'skipped', reason: `the record has no ${what} (written by an earlier version): reverse it by hand` };
}

/** The strings of a recorded list, or undefined when the record holds no list there. */
export function recordedStrings(side: RecordSide, key: string): string[] | undefined {
  const value = side?.[key];
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** Items of `list` not in `other`, compared by `same`. */
export function without<T>(list: readonly T[], other: readonly T[], same: (a: T, b: T) => boolean): T[] {
  return list.filter((item) => !other.some((o) => same(item, o)));
}

/** Whether two lists hold the same items, in any order, compared by `same`. */
export function sameSet<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return without(a, b, same).length === 0 && without(b, a, same).length === 0;
}

export const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
