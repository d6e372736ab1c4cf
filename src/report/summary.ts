// The job summary, built under GitHub's size limit: counts, one compact line per user, then the table and the details.
import { Budget, utf8Bytes } from './budget.js';
import {
  addTable,
  changeLine,
  compactHeading,
  failureBlock,
  hasFailure,
  headLines,
  inputErrorHeading,
  inputErrorLine,
  legendLine,
  needsAttention,
  preflightParts,
  TAIL_RESERVE,
  tailLines,
  userLine,
  viewOf,
  type Cut,
} from './sections.js';
import { laterStageParts } from './stages.js';
import type { SummaryInput } from './view.js';

export { redact } from './redact.js';
export { countUsers, escapeCell, userLabel, type SummaryInput } from './view.js';

/** GitHub drops a step's summary over 1 MiB; this leaves room for whatever else the job's steps write. */
const SUMMARY_LIMIT = 900 * 1024;

/** Above this many users, the full table is folded and only users who need attention stay open. */
const OPEN_TABLE_LIMIT = 25;

export interface BuiltReport {
  markdown: string;
  cut: Cut;
}

/**
 * The summary, every block measured in UTF-8 bytes as it goes in: the head, a compact line per user, input errors,
 * preflight, the table, the failures and notices while they fit, then what was cut and where the rest is.
 */
export function buildSummary(input: SummaryInput): BuiltReport {
  const view = viewOf(input);
  const budget = new Budget(SUMMARY_LIMIT, utf8Bytes);
  const cut: Cut = { users: 0, details: 0 };
  budget.add(headLines(view));
  const { users } = input;

  if (users.length > 0 && budget.add(compactHeading(view), TAIL_RESERVE)) {
    cut.users += budget.addEach(users.map((user) => userLine(view, user)), TAIL_RESERVE);
  } else cut.users += users.length;
  const later = laterStageParts(view);
  if (later.lines.length > 0 && budget.add(later.heading, TAIL_RESERVE)) cut.details += budget.addEach(later.lines, TAIL_RESERVE);
  else cut.details += later.lines.length;

  if (input.inputErrors.length > 0) {
    budget.add(inputErrorHeading(view), TAIL_RESERVE);
    cut.details += budget.addEach(input.inputErrors.map((_, i) => inputErrorLine(view, i)), TAIL_RESERVE);
  }

  if (input.preflight.length > 0) {
    const preflight = preflightParts(view);
    const closing = preflight.close.join('\n').length + 1;
    if (budget.add(preflight.open, TAIL_RESERVE + closing)) {
      cut.details += budget.addEach(preflight.lines, TAIL_RESERVE + closing);
      if (preflight.close.length > 0) budget.add(preflight.close);
    } else cut.details += preflight.lines.length;
  }

  if (users.length > 0) {
    if (users.length > OPEN_TABLE_LIMIT) {
      const attention = users.filter(needsAttention);
      if (attention.length > 0) cut.details += addTable(budget, view, attention, ['', `### Needs attention (${attention.length})`, ''], [], TAIL_RESERVE);
      cut.details += addTable(budget, view, users, ['', `<details><summary>All ${users.length} users</summary>`, ''], ['', '</details>'], TAIL_RESERVE);
    } else {
      cut.details += addTable(budget, view, users, [''], [], TAIL_RESERVE);
    }
    budget.add(['', legendLine()], TAIL_RESERVE);

    const changes = users.map((user) => changeLine(view, user)).filter((lines): lines is string[] => lines !== undefined);
    if (changes.length > 0 && budget.add(['', `### What ${input.mode === 'plan' ? 'would change' : 'changed'}`, ''], TAIL_RESERVE)) {
      cut.details += budget.addEach(changes, TAIL_RESERVE);
    } else cut.details += changes.length;

    const failed = users.filter(hasFailure);
    if (failed.length > 0 && budget.add(['', `### Failures (${failed.length})`], TAIL_RESERVE)) {
      cut.details += budget.addEach(failed.map((user) => failureBlock(view, user)), TAIL_RESERVE);
    } else cut.details += failed.length;
  } else if (input.inputErrors.length === 0) {
    budget.add(['', 'No termination requests selected.']);
  }

  cut.details += budget.addEach((input.notices ?? []).map((notice) => ['', `> ${view.show(notice)}`]), TAIL_RESERVE);
  budget.add(tailLines(view, cut, 'the job summary'));
  return { markdown: budget.toString(), cut };
}

export function renderSummary(input: SummaryInput): string {
  return buildSummary(input).markdown;
}
