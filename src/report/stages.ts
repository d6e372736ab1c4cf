// The stages not due yet, one line per row with the date of each: what the summary and the plan comment list.
import type { LaterStages } from '../model.js';
import type { View } from './sections.js';
import { escapeCell } from './view.js';

/** The row as its first identity column names it (the user is not resolved: the row may not be selected). */
function rowLabel(row: LaterStages): string {
  const { identity } = row;
  return identity.userPrincipalName ?? identity.mail ?? identity.samAccountName ?? identity.employeeId ?? identity.distinguishedName ?? identity.objectId ?? '(no identity)';
}

/** The heading, and one line per row: `- jdoe@… <sub>file:line</sub> — 30d on 2026-12-20T00:00:00Z: steps · 90d …`. */
export function laterStageParts({ input, show }: View): { heading: string[]; lines: string[] } {
  const rows = input.selection?.later ?? [];
  if (rows.length === 0) return { heading: [], lines: [] };
  const heading = [
    '',
    `### Later stages (${rows.length} row${rows.length === 1 ? '' : 's'})`,
    '',
    '<sub>Not due yet: the first run on or after a date applies that stage (the nightly run, while the date is within lookback-days).</sub>',
    '',
  ];
  const lines = rows.map((row) => {
    const stages = row.stages.map(
      (stage) => `<b>${escapeCell(stage.stage)}</b> ${stage.at ? `on ${escapeCell(stage.at)}` : 'never: the row has no effective date'}: ${escapeCell(stage.steps.join(', '))}`,
    );
    return `- ${show(rowLabel(row))} <sub>${show(`${row.source.file}:${row.source.line}`)}</sub> — ${stages.join(' · ')}`;
  });
  return { heading, lines };
}
