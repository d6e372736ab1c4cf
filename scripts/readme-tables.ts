// The README's steps and permissions tables, rendered from the step list; run with `npm run readme-tables` to write them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Mode } from '../src/inputs-types.js';
import { permissionRows, remarkFor, setsFor } from '../src/permissions.js';
import { STEPS } from '../src/steps/index.js';
import type { StepInfo } from '../src/steps/types.js';

const README = path.resolve(import.meta.dirname, '../README.md');
export const REGENERATE = 'npm run readme-tables';

const row = (cells: string[]): string => `|${cells.map((cell) => (cell ? ` ${cell} ` : ' ')).join('|')}|`;
// A pipe ends a table cell even inside backticks.
const escapeCell = (text: string): string => text.replaceAll('|', '\\|');
const names = (permissions: string[]): string => permissions.map((name) => `\`${name}\``).join(' + ');

export function renderStepsTable(list: readonly StepInfo[] = STEPS): string {
  return [
    row(['step', 'default', 'what it does']),
    '|---|---|---|',
    ...list.map((step) => row([`\`${step.name}\``, step.byDefault ? 'yes' : '', escapeCell(step.description)])),
  ].join('\n');
}

/** What each row needs in a mode: apply, the write identity's permissions; plan, the planner's reads. */
export function renderPermissionsTable(list: readonly StepInfo[] = STEPS, mode: Mode = 'apply'): string {
  return [
    row(['step', 'Microsoft Graph (application)', 'Exchange Online', 'SharePoint', 'Active Directory (service account)']),
    '|---|---|---|---|---|',
    ...permissionRows(list).map((permissions) => {
      const api = (resource: 'graph' | 'exchange' | 'sharepoint'): string => {
        const least = setsFor(permissions, resource, mode)[0];
        if (!least) return '—';
        const remark = remarkFor(permissions, resource, mode);
        return remark ? `${names(least)} ${remark}` : names(least);
      };
      // In AD the planner reads what resolve reads, and nothing else.
      const ad = mode === 'plan' && permissions.step !== 'resolve' ? '—' : (permissions.ad ?? '—');
      return row([`\`${permissions.step}\``, api('graph'), api('exchange'), api('sharepoint'), escapeCell(ad)]);
    }),
  ].join('\n');
}

/** The tables README.md holds between `<!-- <name>-table -->` and `<!-- end of <name>-table -->`. */
export const TABLES = {
  steps: renderStepsTable,
  permissions: renderPermissionsTable,
  'plan-permissions': (list: readonly StepInfo[] = STEPS) => renderPermissionsTable(list, 'plan'),
};
export type TableName = keyof typeof TABLES;

const markers = (name: TableName): [string, string] => [
  `<!-- ${name}-table: generated from the step list by \`${REGENERATE}\` -->`,
  `<!-- end of ${name}-table -->`,
];

/** The table as the README holds it, or undefined when its markers are missing. */
export function tableIn(readme: string, name: TableName): string | undefined {
  const [start, end] = markers(name);
  const from = readme.indexOf(start);
  const to = readme.indexOf(end, from);
  return from < 0 || to < 0 ? undefined : readme.slice(from + start.length, to).trim();
}

/** The README with every table rendered anew between its markers. */
function withTables(readme: string, list: readonly StepInfo[] = STEPS): string {
  let text = readme;
  for (const [name, render] of Object.entries(TABLES) as [TableName, (list: readonly StepInfo[]) => string][]) {
    const [start, end] = markers(name);
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) throw new Error(`README.md has no markers for the ${name} table: add "${start}" and "${end}" around it.`);
    text = `${text.slice(0, from + start.length)}\n\n${render(list)}\n\n${text.slice(to)}`;
  }
  return text;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  writeFileSync(README, withTables(readFileSync(README, 'utf8')));
}
