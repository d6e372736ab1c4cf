// The README's reference tables are held to the code: inputs and outputs to action.yml, steps and permissions to the step list.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REGENERATE, TABLES, tableIn, type TableName } from '../../scripts/readme-tables.js';
import { columnOf } from '../../src/sources/csv.js';
import { STEP_ORDER, STEPS } from '../../src/steps/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}
const ACTION = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

/** The first table after the heading whose text starts with `heading`, as rows of raw cell text. */
function tableAfter(heading: string): string[][] {
  const tokens = marked.lexer(README);
  const start = tokens.findIndex((token) => token.type === 'heading' && (token as Tokens.Heading).text.startsWith(heading));
  expect(start, `a heading "${heading}" in README.md`).toBeGreaterThanOrEqual(0);
  const table = tokens.slice(start + 1).find((token): token is Tokens.Table => token.type === 'table' || token.type === 'heading');
  expect(table?.type, `a table under "${heading}"`).toBe('table');
  return (table as Tokens.Table).rows.map((row) => row.map((cell) => cell.text.trim()));
}

/** The names written as code in a cell: `a` + `b` → [a, b]. */
const codeIn = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
/** The one code name a first cell must hold. */
const nameOf = (cell: string): string => {
  const names = codeIn(cell);
  expect(names, `one name in "${cell}"`).toHaveLength(1);
  return names[0];
};

describe('the README', () => {
  it('has one row per input of action.yml, in the same order, and no other', () => {
    expect(tableAfter('Inputs').map((row) => nameOf(row[0]))).toEqual(Object.keys(ACTION.inputs));
  });

  it("gives each input the default that action.yml declares", () => {
    for (const [name, cellDefault] of tableAfter('Inputs').map((row) => [nameOf(row[0]), row[1]])) {
      const declared = ACTION.inputs[name]?.default ?? '';
      if (declared !== '') expect(cellDefault, name).toBe(`\`${declared}\``);
    }
  });

  it('has one row per output of action.yml, in the same order, and no other', () => {
    expect(tableAfter('Outputs').map((row) => nameOf(row[0]))).toEqual(Object.keys(ACTION.outputs));
  });

  it.each(Object.keys(TABLES) as TableName[])('holds the %s table exactly as the step list renders it', (name) => {
    expect(tableIn(README, name), `README.md's ${name} table differs from the step list's: run \`${REGENERATE}\``).toBe(TABLES[name]());
  });

  it("says for every step of the list what an undo does, and 'cannot be undone' for exactly the steps that are not reversible", () => {
    const rows = tableAfter('Reversing an offboarding');
    expect(rows.map((row) => nameOf(row[0]))).toEqual([...STEP_ORDER]);
    const irreversible = rows.filter((row) => row[1].startsWith('cannot be undone')).map((row) => nameOf(row[0]));
    expect(irreversible).toEqual(STEPS.filter((step) => !step.reversible).map((step) => step.name));
  });

  it('shows the steps table under its title and the permissions table under its heading, one row per step and one for the notification mails', () => {
    expect(tableAfter('m365-offboard').map((row) => nameOf(row[0]))).toEqual([...STEP_ORDER]);
    expect(tableAfter('2. Permissions per step').map((row) => nameOf(row[0]))).toEqual(['resolve', ...STEP_ORDER, 'notify']);
  });

  it('documents only CSV column names and aliases that the parser knows, each for its own column', () => {
    const rows = tableAfter('The CSV');
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      const [first, ...aliases] = codeIn(row[0]);
      const column = columnOf(first);
      expect(column, first).toBeDefined();
      // `hr_PositionID, hr_ReportsToPositionID` shares a row: two columns, each its own.
      if (first.startsWith('hr_')) for (const name of [first, ...aliases]) expect(columnOf(name), name).toBeDefined();
      else for (const alias of aliases) expect(columnOf(alias), alias).toBe(column);
    }
  });

  it('quotes in its troubleshooting table only messages that the action can print', () => {
    const sources = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(ts|ps1)$/.test(file))
      .map((file) => readFileSync(path.join(ROOT, 'src', file), 'utf8'))
      .join('\n');
    const rows = tableAfter('Troubleshooting');
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const missing: string[] = [];
    for (const quote of rows.flatMap((row) => codeIn(row[0]))) {
      for (const code of quote.matchAll(/AADSTS(\d+)/g)) if (!sources.includes(`'${code[1]}'`)) missing.push(code[0]);
      // Quotes are abridged with …; every literal piece long enough to mean something must be in the source.
      for (const piece of quote.replace(/\(?AADSTS\d+\)?/g, '…').split('…')) {
        if (piece.trim().length >= 12 && !sources.includes(piece)) missing.push(piece);
      }
    }
    expect(missing).toEqual([]);
  });

  it('links only to files that exist', () => {
    const links = [...README.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)].map((match) => match[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(existsSync(path.join(ROOT, link)), link).toBe(true);
  });
});
