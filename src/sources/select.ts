// Chooses which requests a run acts on: rows changed since the base commit, rows now due, or all of them.
import { DateTime } from 'luxon';
import pLimit from 'p-limit';
import type { Select } from '../inputs-types.js';
import { IDENTITY_KEYS, type LaterStages, type Request, type Stage } from '../model.js';
import { toIso } from '../util/time.js';
import type { BaseReader } from './base.js';
import { loadRequests } from './requests.js';
import { selectStages, stagesNote, type StageWindow } from './stages.js';

type SelectionMode = 'changed' | 'due' | 'all';

export interface SelectOptions {
  requests: Request[];
  select: Select;
  /** GITHUB_EVENT_NAME. */
  eventName: string;
  /** The event payload (github.context.payload). */
  payload: Record<string, unknown>;
  lookbackDays: number;
  now: Date;
  /** Reads the base version of a CSV again in this zone, so that equal rows compare equal. */
  timeZone: string;
  /** Whether the requests come from the `users` input rather than CSV files. */
  fromUsersInput: boolean;
  readBase: BaseReader;
  /** The `stages` input: then each selected row carries the stages the run applies to it. */
  stages?: readonly Stage[];
}

export interface Selection {
  selected: Request[];
  mode: SelectionMode;
  note: string;
  /** With `stages`: the stages not due yet, per row, with their dates. */
  later?: LaterStages[];
}

/**
 * Base versions read at once, as many as the CSV files themselves (main.ts): each read starts up to three git
 * children one after another (or asks GitHub), and a glob may match hundreds of files.
 */
const BASE_READ_CONCURRENCY = 8;

const CHANGED_EVENTS = new Set(['pull_request', 'pull_request_target', 'push']);

function autoMode(eventName: string, fromUsersInput: boolean): SelectionMode {
  if (CHANGED_EVENTS.has(eventName)) return 'changed';
  if (eventName === 'workflow_dispatch' && fromUsersInput) return 'all';
  return 'due';
}

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** The commit a pull request or push is compared with. */
function baseSha(eventName: string, payload: Record<string, unknown>): string | undefined {
  const sha = eventName === 'push' ? field(payload, 'before') : field(payload, 'pull_request', 'base', 'sha');
  return typeof sha === 'string' && sha !== '' ? sha : undefined;
}

/** Everything that makes two rows the same request; the line they sit on does not. */
function comparable(request: Request): string {
  return JSON.stringify([
    IDENTITY_KEYS.map((key) => request.identity[key]?.toLowerCase() ?? null),
    request.effective ?? null,
    request.delegate?.toLowerCase() ?? null,
    request.reason ?? null,
    request.hrPositionId ?? null,
    request.hrReportsToPositionId ?? null,
  ]);
}

const rows = (count: number): string => `${count} row${count === 1 ? '' : 's'}`;

async function changedSince(options: SelectOptions): Promise<Omit<Selection, 'mode'>> {
  const { changed, note, waits } = await changedRows(options);
  if (options.stages) return staged(changed, options, note, { until: options.now.getTime() }, 'considered');
  if (!waits) return { selected: changed, note };
  const { now, waiting } = notYet(changed, options.now);
  return { selected: now, note: note + (waiting.length > 0 ? `; ${waitingNote(waiting)}` : '') };
}

/** The rows added or changed since the base commit; `waits`: whether rows dated later wait for their date. */
async function changedRows(options: SelectOptions): Promise<{ changed: Request[]; note: string; waits: boolean }> {
  const { requests, eventName } = options;
  if (options.fromUsersInput) {
    return { changed: requests, note: `changed: the users input has no earlier version, so all ${rows(requests.length)}`, waits: false };
  }
  const sha = baseSha(eventName, options.payload);
  if (!sha) {
    throw new Error(
      `select: changed needs a base commit, which a ${eventName} event does not have: use select: due or all`,
    );
  }
  if (/^0+$/.test(sha)) {
    return { changed: requests, note: `changed: a new branch, so all ${rows(requests.length)} are new`, waits: false };
  }
  const files = [...new Set(requests.map((request) => request.source.file))];
  const limit = pLimit(BASE_READ_CONCURRENCY);
  const baseTexts = await Promise.all(files.map((file) => limit(() => options.readBase(file, sha))));
  const before = new Set<string>();
  files.forEach((file, index) => {
    const text = baseTexts[index];
    if (text === undefined) return;
    // Rows that were broken at the base are not comparable; the rows that were valid still are.
    for (const request of loadRequests({ files: [{ path: file, text }], timeZone: options.timeZone }).requests) {
      before.add(comparable(request));
    }
  });
  const changed = requests.filter((request) => !before.has(comparable(request)));
  return { changed, note: `changed: ${changed.length} of ${rows(requests.length)} added or changed since ${sha.slice(0, 7)}`, waits: true };
}

/** The stages of `requests` the window selects, each selected row carrying its own, and the note says how many. */
function staged(
  requests: Request[],
  options: SelectOptions,
  note: string,
  window: StageWindow,
  listLater: 'considered' | 'selected',
): Omit<Selection, 'mode'> {
  const selection = selectStages(requests, options.stages ?? [], window, options.timeZone, listLater);
  return { selected: selection.selected, later: selection.later, note: `${note}; ${stagesNote(selection)}` };
}

/**
 * A row merged ahead of its date must not cut access early: it waits for the scheduled `due` run.
 * Rows without `effective` are effective at once.
 */
function notYet(requests: Request[], now: Date): { now: Request[]; waiting: Request[] } {
  const at = now.getTime();
  const waiting = requests.filter((request) => request.effective !== undefined && Date.parse(request.effective) > at);
  return { now: requests.filter((request) => !waiting.includes(request)), waiting };
}

function waitingNote(waiting: Request[]): string {
  const first = waiting.map((r) => r.effective as string).sort()[0];
  return `${rows(waiting.length)} effective later (from ${first}) wait for the scheduled due run`;
}

function due(options: SelectOptions): Omit<Selection, 'mode'> {
  const { requests, now, lookbackDays } = options;
  const until = DateTime.fromJSDate(now, { zone: 'utc' });
  // In UTC a day is always 24 hours, so the window is lookback-days × 24 h whatever the run's time zone.
  const from = until.minus({ days: lookbackDays });
  if (options.stages) {
    const note = `due: stages that came due between ${toIso(from)} and ${toIso(until)} (lookback-days ${lookbackDays})`;
    return staged(requests, options, note, { from: from.toMillis(), until: until.toMillis() }, 'selected');
  }
  const selected = requests.filter((request) => {
    if (request.effective === undefined) return false;
    const at = Date.parse(request.effective);
    return at <= until.toMillis() && at >= from.toMillis();
  });
  return {
    selected,
    note: `due: ${selected.length} of ${rows(requests.length)} effective between ${toIso(from)} and ${toIso(until)} (lookback-days ${lookbackDays})`,
  };
}

/** Applies the `select` input (`auto` decided by the event) to the requests. */
export async function selectRequests(options: SelectOptions): Promise<Selection> {
  const mode = options.select === 'auto' ? autoMode(options.eventName, options.fromUsersInput) : options.select;
  const prefix = options.select === 'auto' ? `auto on ${options.eventName} → ` : '';
  let result: Omit<Selection, 'mode'>;
  if (mode === 'changed') result = await changedSince(options);
  else if (mode === 'due') result = due(options);
  else if (options.stages) result = staged(options.requests, options, `all ${rows(options.requests.length)}`, { until: options.now.getTime() }, 'considered');
  else result = { selected: options.requests, note: `all ${rows(options.requests.length)}` };
  return { ...result, mode, note: prefix + result.note };
}
