// Turns termination CSV files and the `users` input into validated requests, one per person.
import { parse } from 'csv-parse/sync';
import type { CsvDelegate } from '../inputs-types.js';
import { IDENTITY_KEYS, type InputError, type Request } from '../model.js';
import {
  cellLengthProblem,
  cleanValue,
  type Column,
  type CsvRow,
  identityOf,
  identityValueProblem,
  looksLikeHeader,
  readCsv,
  unknownColumnsNotice,
} from './csv.js';
import { parseEffective } from './dates.js';

/** The `source.file` of requests typed into the `users` input. */
export const USERS_SOURCE = 'inputs.users';

export interface RequestsResult {
  requests: Request[];
  errors: InputError[];
  notices: string[];
  /** Every identity and delegate value the rows carried, valid or not: what `summary: redacted` masks. */
  identities?: string[];
}

const CONTROL = /\p{Cc}/u;
/** The columns that name a person (the opaque employeeId and objectId do not). */
const NAMING_COLUMNS = ['userPrincipalName', 'mail', 'samAccountName', 'distinguishedName', 'delegate'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How rows are read: `timeZone` for a bare date, `csvDelegate` for a delegate cell. */
interface ReadOptions {
  timeZone: string;
  csvDelegate?: CsvDelegate;
}

function rowToRequest(file: string, row: CsvRow, options: ReadOptions): { request?: Request; errors: InputError[] } {
  const { timeZone } = options;
  const { values } = row;
  const { identity, problems } = identityOf(values);
  const request: Request = { source: { file, line: row.line }, identity };

  if (values.effective !== undefined) {
    const effective = parseEffective(values.effective, timeZone);
    if ('error' in effective) problems.push(`effective: ${effective.error}`);
    else request.effective = effective.iso;
  }
  if (values.delegate !== undefined && options.csvDelegate === 'refuse') {
    problems.push(
      `delegate "${values.delegate}": csv-delegate is refuse, so only the directories choose the delegate: empty this cell, or set csv-delegate: allow`,
    );
  } else if (values.delegate !== undefined) {
    const problem = identityValueProblem('delegate', values.delegate);
    const delegate = values.delegate.toLowerCase();
    if (problem) problems.push(problem);
    else if (IDENTITY_KEYS.some((key) => values[key]?.toLowerCase() === delegate)) {
      problems.push(`the delegate "${values.delegate}" is the leaver: name someone else, or leave delegate empty`);
    } else request.delegate = values.delegate;
  }
  if (values.reason !== undefined) {
    // A multi-line note is fine as free text; it is kept on one line for the summary and the AD description.
    const reason = values.reason.replace(/\s+/g, ' ');
    if (CONTROL.test(reason)) problems.push('reason contains a control character');
    else request.reason = reason;
  }
  for (const column of ['hrPositionId', 'hrReportsToPositionId'] as const) {
    const value = values[column];
    if (value === undefined) continue;
    if (CONTROL.test(value)) problems.push(`${column} contains a control character`);
    else request[column] = value;
  }

  if (problems.length > 0) return { errors: problems.map((message) => ({ file, line: row.line, message })) };
  return { request, errors: [] };
}

const where = (request: Request): string => `${request.source.file}:${request.source.line}`;

/** What two rows of the same person disagree on; empty when acting on one of them is acting on both. */
function disagreements(group: Request[]): string[] {
  const differing: string[] = [];
  for (const key of IDENTITY_KEYS) {
    const seen = new Set(group.flatMap((request) => request.identity[key]?.toLowerCase() ?? []));
    if (seen.size > 1) differing.push(key);
  }
  const fields: [string, (request: Request) => string | undefined][] = [
    ['effective', (request) => request.effective],
    ['delegate', (request) => request.delegate?.toLowerCase()],
    ['hrReportsToPositionId', (request) => request.hrReportsToPositionId],
  ];
  for (const [name, read] of fields) {
    if (new Set(group.map(read)).size > 1) differing.push(name);
  }
  return differing;
}

/**
 * Rows that share an identity value (same column, any case) are one person. Rows that agree become one request;
 * rows that disagree are errors on every line, since either reading could be the wrong one.
 */
function mergeSamePerson(requests: Request[]): RequestsResult {
  const parent = requests.map((_, index) => index);
  const root = (index: number): number => {
    let at = index;
    while (parent[at] !== at) {
      parent[at] = parent[parent[at]];
      at = parent[at];
    }
    return at;
  };
  // Per identity column: lower-cased value → first request carrying it.
  const firstWith = IDENTITY_KEYS.map(() => new Map<string, number>());
  requests.forEach((request, index) => {
    for (const [column, key] of IDENTITY_KEYS.entries()) {
      const value = request.identity[key];
      if (value === undefined) continue;
      const seen = firstWith[column];
      const lower = value.toLowerCase();
      const first = seen.get(lower);
      if (first === undefined) seen.set(lower, index);
      else parent[root(index)] = root(first);
    }
  });

  // Insertion order keeps the groups in the order of their first row.
  const groups = new Map<number, Request[]>();
  requests.forEach((request, index) => {
    const key = root(index);
    const group = groups.get(key);
    if (group) group.push(request);
    else groups.set(key, [request]);
  });

  const result: RequestsResult = { requests: [], errors: [], notices: [] };
  for (const group of groups.values()) {
    const [first, ...others] = group;
    if (others.length === 0) {
      result.requests.push(first);
      continue;
    }
    const differing = disagreements(group);
    if (differing.length > 0) {
      for (const request of group) {
        const elsewhere = group.filter((other) => other !== request).map(where);
        result.errors.push({
          file: request.source.file,
          line: request.source.line,
          message: `the same person is also on ${elsewhere.join(', ')} with a different ${differing.join(' and ')}: keep one row per person`,
        });
      }
      continue;
    }
    const merged: Request = { ...first, identity: { ...first.identity } };
    for (const other of others) {
      for (const key of IDENTITY_KEYS) merged.identity[key] ??= other.identity[key];
      merged.reason ??= other.reason;
      merged.hrPositionId ??= other.hrPositionId;
    }
    result.requests.push(merged);
    result.notices.push(`${where(first)}: the same person is also on ${others.map(where).join(', ')}; acted on once`);
  }
  return result;
}

function collect(rowsByFile: { file: string; rows: CsvRow[] }[], options: ReadOptions, base: RequestsResult): RequestsResult {
  const requests: Request[] = [];
  for (const { file, rows } of rowsByFile) {
    for (const row of rows) {
      const { request, errors } = rowToRequest(file, row, options);
      base.errors.push(...errors);
      if (request) requests.push(request);
    }
  }
  const merged = mergeSamePerson(requests);
  return {
    requests: merged.requests,
    errors: [...base.errors, ...merged.errors],
    notices: [...base.notices, ...merged.notices],
    identities: rowsByFile.flatMap(({ rows }) => rows.flatMap(({ values }) => NAMING_COLUMNS.flatMap((column) => values[column] ?? []))),
  };
}

/**
 * Reads termination CSV files (`path` relative to the workspace, as shown in annotations). A bare date in
 * `effective` is midnight in `timeZone`. With `csvDelegate: 'refuse'`, a filled delegate cell is an input error.
 */
export function loadRequests(options: { files: { path: string; text: string }[] } & ReadOptions): RequestsResult {
  const base: RequestsResult = { requests: [], errors: [], notices: [] };
  const rowsByFile = options.files.map(({ path, text }) => {
    const table = readCsv(path, text);
    base.errors.push(...table.errors);
    const notice = unknownColumnsNotice(path, table.unknownColumns);
    if (notice) base.notices.push(notice);
    return { file: path, rows: table.rows };
  });
  return collect(rowsByFile, options, base);
}

/**
 * The identity column of a bare value in the `users` input: with `@` a userPrincipalName (resolvers also try it as
 * mail), all digits an employeeId, a GUID an objectId, anything else a sAMAccountName.
 */
export function guessIdentityColumn(value: string): Column {
  if (value.includes('@')) return 'userPrincipalName';
  if (/^\d+$/.test(value)) return 'employeeId';
  if (GUID.test(value)) return 'objectId';
  return 'samAccountName';
}

/**
 * The lines of the `users` input as comma-separated cells, each with its line number. Quotes are plain characters
 * here: a value with commas needs the CSV form with a header row, which the error for it says.
 */
function userLines(text: string): { line: number; cells: string[] }[] {
  const records = parse(text, {
    quote: false,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[]; // with `info`, each record comes wrapped
  return records.map(({ record, info }) => ({ line: info.lines, cells: record.map(cleanValue) }));
}

const isBlank = (cells: string[]): boolean => cells.length === 1 && cells[0] === '';

/**
 * Reads the `users` input: either CSV text whose first line is a header of known column names, or one leaver per
 * line as `identity[, effective[, delegate]]` (blank lines and lines starting with `#` are skipped).
 */
export function parseUsersInput(text: string, timeZone: string, csvDelegate?: CsvDelegate): RequestsResult {
  const lines = userLines(text);
  const first = lines.find(({ cells }) => !isBlank(cells));
  if (first !== undefined && looksLikeHeader(first.cells)) {
    const result = loadRequests({ files: [{ path: USERS_SOURCE, text }], timeZone, csvDelegate });
    return { ...result, notices: [`${USERS_SOURCE}: read as CSV with a header row`, ...result.notices] };
  }

  const base: RequestsResult = { requests: [], errors: [], notices: [] };
  const rows: CsvRow[] = [];
  for (const { line, cells } of lines) {
    if (isBlank(cells) || cells[0].startsWith('#')) continue;
    const [identity, effective, delegate, ...rest] = cells;
    if (rest.length > 0) {
      base.errors.push({
        file: USERS_SOURCE,
        line,
        message:
          `expected identity[, effective[, delegate]] but found ${rest.length + 3} values: ` +
          'for a DN or a value with commas, use CSV with a header row (e.g. distinguishedName,effective)',
      });
      continue;
    }
    if (identity === '') {
      base.errors.push({ file: USERS_SOURCE, line, message: 'no identity before the first comma' });
      continue;
    }
    const column = guessIdentityColumn(identity);
    const tooLong = [
      cellLengthProblem(column, 'identity', identity),
      cellLengthProblem('effective', 'effective', effective ?? ''),
      cellLengthProblem('delegate', 'delegate', delegate ?? ''),
    ].find(Boolean);
    if (tooLong) {
      base.errors.push({ file: USERS_SOURCE, line, message: tooLong });
      continue;
    }
    const values: CsvRow['values'] = { [column]: identity };
    if (effective) values.effective = effective;
    if (delegate) values.delegate = delegate;
    rows.push({ line, values });
  }
  return collect([{ file: USERS_SOURCE, rows }], { timeZone, csvDelegate }, base);
}
