// Reads the HR roster CSV: current employees with their position ids, used to find a leaver's manager.
import type { InputError, RosterEntry } from '../model.js';
import { identityOf, readCsv, unknownColumnsNotice } from './csv.js';

const CONTROL = /\p{Cc}/u;

/**
 * Parses the roster (same identity columns as a termination CSV, plus hr_PositionID and optionally
 * hr_ReportsToPositionID). Two rows with one position id make the manager ambiguous: both are errors.
 */
export function loadRoster(path: string, text: string): { roster: RosterEntry[]; errors: InputError[]; notices: string[] } {
  const table = readCsv(path, text);
  const errors = [...table.errors];
  const notice = unknownColumnsNotice(path, table.unknownColumns);
  const notices = notice ? [notice] : [];
  if (errors.length === 0 && !table.columns.includes('hrPositionId')) {
    errors.push({ file: path, line: table.headerLine, message: 'the roster has no hr_PositionID column' });
    return { roster: [], errors, notices };
  }

  const entries: RosterEntry[] = [];
  for (const row of table.rows) {
    const { identity, problems } = identityOf(row.values);
    const { hrPositionId, hrReportsToPositionId } = row.values;
    if (hrPositionId === undefined) problems.push('no hr_PositionID');
    for (const value of [hrPositionId, hrReportsToPositionId]) {
      if (value !== undefined && CONTROL.test(value)) problems.push('a position id contains a control character');
    }
    if (problems.length > 0 || hrPositionId === undefined) {
      errors.push(...problems.map((message) => ({ file: path, line: row.line, message })));
      continue;
    }
    entries.push({ source: { file: path, line: row.line }, identity, hrPositionId, hrReportsToPositionId });
  }

  const byPosition = new Map<string, RosterEntry[]>();
  for (const entry of entries) {
    const key = entry.hrPositionId.toLowerCase();
    const holders = byPosition.get(key);
    if (holders) holders.push(entry);
    else byPosition.set(key, [entry]);
  }
  const roster: RosterEntry[] = [];
  for (const holders of byPosition.values()) {
    if (holders.length === 1) {
      roster.push(holders[0]);
      continue;
    }
    for (const entry of holders) {
      const elsewhere = holders.filter((other) => other !== entry).map((other) => other.source.line);
      errors.push({
        file: path,
        line: entry.source.line,
        message: `hr_PositionID "${entry.hrPositionId}" is also on line ${elsewhere.join(', ')}: a position has one holder`,
      });
    }
  }
  roster.sort((a, b) => a.source.line - b.source.line);
  return { roster, errors, notices };
}
