// Reads a termination or roster CSV into rows of known columns, with the line each row starts on.
import { CsvError, parse } from 'csv-parse/sync';
import { IDENTITY_KEYS, type Identity, type InputError } from '../model.js';

/** The columns the action understands: the identity columns plus the request's other fields. */
export type Column = keyof Identity | 'effective' | 'delegate' | 'reason' | 'hrPositionId' | 'hrReportsToPositionId';

/** Header names (normalized: lower case, no spaces, `-` or `_`) for each column. */
const ALIASES: Record<Column, string[]> = {
  userPrincipalName: ['userprincipalname', 'upn', 'entrauserprincipalname'],
  samAccountName: ['samaccountname', 'sam'],
  employeeId: ['employeeid'],
  distinguishedName: ['distinguishedname', 'dn'],
  objectId: ['objectid', 'entraid', 'id'],
  mail: ['mail', 'email', 'entramail'],
  effective: ['effective', 'terminationdate', 'leavedatetime'],
  delegate: ['delegate', 'manager'],
  reason: ['reason', 'ticket', 'note'],
  hrPositionId: ['hrpositionid'],
  hrReportsToPositionId: ['hrreportstopositionid'],
};

const COLUMN_BY_HEADER = new Map<string, Column>(
  (Object.entries(ALIASES) as [Column, string[]][]).flatMap(([column, names]) =>
    names.map((name) => [name, column] as const),
  ),
);

const IDENTITY_SET: ReadonlySet<string> = new Set(IDENTITY_KEYS);
const isIdentityColumn = (column: Column): column is keyof Identity => IDENTITY_SET.has(column);

// Zero-width characters come with text copied from web pages and chat; they are invisible but break every lookup.
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/;
const CONTROL = /\p{Cc}/u;
/** The longest cell each kind of column may hold: no real identity or note is longer, and a huge cell would swamp the summary. */
const CELL_LIMITS = { identity: 256, reason: 512, other: 1_024 };

const JUNK_AT_EDGE = /[\s\u200B-\u200D\u2060\uFEFF]/;
/**
 * Trims spaces and zero-width characters at both ends. A scan from each end, not a `\s+$` replace: the regex engine
 * retries the trailing pattern from every position of a long run of spaces, which is quadratic in the cell's length.
 */
export function cleanValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && JUNK_AT_EDGE.test(value[start])) start++;
  while (end > start && JUNK_AT_EDGE.test(value[end - 1])) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** The column a header cell names, matched without regard to case, spaces, `-` and `_`. */
export function columnOf(header: string): Column | undefined {
  return COLUMN_BY_HEADER.get(cleanValue(header).toLowerCase().replace(/[\s_-]+/g, ''));
}

/** One data row: its first line and the non-empty values of the known columns. */
export interface CsvRow {
  line: number;
  values: Partial<Record<Column, string>>;
}

export interface CsvTable {
  /** Line of the header row. */
  headerLine: number;
  /** Known columns present in the header. */
  columns: Column[];
  /** Header cells that name no known column, as written. */
  unknownColumns: string[];
  rows: CsvRow[];
  errors: InputError[];
}

/** Maps byte offsets of the parsed buffer to 1-based line numbers (LF, CRLF or lone CR). */
function lineLocator(buffer: Buffer): { lineAt(offset: number): number; skipBreaks(offset: number): number } {
  const starts = [0];
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i];
    if (byte === 0x0a || (byte === 0x0d && buffer[i + 1] !== 0x0a)) starts.push(i + 1);
  }
  return {
    lineAt(offset) {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle] <= offset) low = middle;
        else high = middle - 1;
      }
      return low + 1;
    },
    skipBreaks(offset) {
      let at = offset;
      while (at < buffer.length && (buffer[at] === 0x0a || buffer[at] === 0x0d)) at++;
      return at;
    },
  };
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starts here and is never closed: add the closing double quote';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return (
        'a double quote inside a field that is not quoted as a whole: ' +
        'quote the field and double the quotes inside ("Jane ""JJ"" Doe")'
      );
    case 'CSV_MAX_RECORD_SIZE':
      return 'a field is longer than 128,000 characters: is this file comma separated?';
    default:
      return `the CSV cannot be read: ${error.message}`;
  }
}

/**
 * Parses CSV text (UTF-8 with or without BOM, LF or CRLF, RFC 4180 quotes) with a header row. Values are trimmed;
 * empty values are left out; rows with every field empty are skipped as blank lines. `file` names errors.
 */
export function readCsv(file: string, text: string): CsvTable {
  const table: CsvTable = { headerLine: 1, columns: [], unknownColumns: [], rows: [], errors: [] };
  const buffer = Buffer.from(text, 'utf8');
  const lines = lineLocator(buffer);

  const replacement = text.indexOf('\uFFFD');
  if (replacement >= 0) {
    table.errors.push({
      file,
      line: lines.lineAt(Buffer.byteLength(text.slice(0, replacement))),
      message: 'the file is not UTF-8 text: save it as "CSV UTF-8 (comma delimited)"',
    });
    return table;
  }

  let records: { record: string[]; info: { bytes: number } }[];
  try {
    // With `info`, each record comes wrapped with its parser state; the typings only describe plain records.
    records = parse(buffer, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser counts a quoted CRLF as two lines; its byte offset (the failing record's start) is exact.
    const bytes = typeof error.bytes === 'number' ? error.bytes : 0;
    table.errors.push({ file, line: lines.lineAt(lines.skipBreaks(bytes)), message: describeCsvError(error) });
    return table;
  }
  if (records.length === 0) return table;

  let previousEnd = 0;
  const located = records.map(({ record, info }) => {
    const line = lines.lineAt(lines.skipBreaks(previousEnd));
    previousEnd = info.bytes;
    return { line, record };
  });

  const [header, ...data] = located;
  table.headerLine = header.line;
  const columnAt: (Column | undefined)[] = [];
  const headerOf = new Map<Column, string>();
  for (const cell of header.record) {
    const name = cleanValue(cell);
    if (name.length > CELL_LIMITS.other) {
      table.errors.push({ file, line: header.line, message: `a header cell is ${name.length} characters long; at most ${CELL_LIMITS.other} are allowed` });
      return table;
    }
    const column = columnOf(name);
    columnAt.push(column);
    if (!column) {
      if (name !== '') table.unknownColumns.push(name);
      continue;
    }
    const earlier = headerOf.get(column);
    // Free text may come from several columns of an HR export (ticket and note); an identity may not.
    if (earlier !== undefined && column !== 'reason') {
      table.errors.push({
        file,
        line: header.line,
        message: `the columns "${earlier}" and "${name}" both mean ${column}: keep one of them`,
      });
    }
    headerOf.set(column, name);
  }
  table.columns = [...headerOf.keys()];
  if (table.errors.length > 0) return table;
  if (!table.columns.some(isIdentityColumn)) {
    const found = header.record.map(cleanValue).filter((name) => name !== '');
    table.errors.push({
      file,
      line: header.line,
      message:
        `no identity column in the header (found ${found.map((name) => `"${name}"`).join(', ') || 'nothing'}): ` +
        `name one of ${IDENTITY_KEYS.join(', ')}`,
    });
    return table;
  }

  for (const { line, record } of data) {
    const cells = record.map(cleanValue);
    if (cells.every((cell) => cell === '')) continue;
    if (cells.length !== header.record.length) {
      table.errors.push({
        file,
        line,
        message: `this row has ${cells.length} fields but the header has ${header.record.length}: a comma inside a value needs double quotes around the value`,
      });
      continue;
    }
    const tooLong = cells.map((value, index) => cellLengthProblem(columnAt[index], cleanValue(header.record[index]), value)).find(Boolean);
    if (tooLong) {
      table.errors.push({ file, line, message: tooLong });
      continue;
    }
    const values: Partial<Record<Column, string>> = {};
    cells.forEach((value, index) => {
      const column = columnAt[index];
      if (!column || value === '') return;
      values[column] = column === 'reason' && values.reason ? `${values.reason}; ${value}` : value;
    });
    table.rows.push({ line, values });
  }
  return table;
}

/** Why a cell is too long, or undefined: the message names the column, never repeats the value. */
export function cellLengthProblem(column: Column | undefined, header: string, value: string): string | undefined {
  const limit = column === undefined ? CELL_LIMITS.other : isIdentityColumn(column) ? CELL_LIMITS.identity : column === 'reason' ? CELL_LIMITS.reason : CELL_LIMITS.other;
  if (value.length <= limit) return undefined;
  const name = header.length > 40 ? `${header.slice(0, 40)}…` : header;
  return `the value in column "${name}" is ${value.length} characters long; at most ${limit} are allowed there`;
}

/** Why an identity value is unusable, or undefined when it is fine. */
export function identityValueProblem(column: keyof Identity | 'delegate', value: string): string | undefined {
  if (ZERO_WIDTH.test(value)) {
    return `${column} "${value.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '?')}" contains an invisible zero-width character (shown as ?): retype the value`;
  }
  if (CONTROL.test(value)) return `${column} contains a control character (a line break or tab inside the value)`;
  switch (column) {
    case 'userPrincipalName':
    case 'mail':
    case 'delegate':
      if (!/^[^@\s]+@[^@\s]+$/.test(value)) {
        return column === 'delegate'
          ? `delegate "${value}" is not a UPN or mail address (name@domain)`
          : `${column} "${value}" is not of the form name@domain`;
      }
      return undefined;
    case 'objectId':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
        ? undefined
        : `objectId "${value}" is not a GUID (00000000-0000-0000-0000-000000000000)`;
    case 'distinguishedName':
      return /^[A-Za-z][\w-]*=/.test(value) ? undefined : `distinguishedName "${value}" is not a DN (CN=…,OU=…,DC=…)`;
    case 'samAccountName':
      // The characters AD forbids in a sAMAccountName.
      return /["/\\[\]:;|=,+*?<>]/.test(value)
        ? `samAccountName "${value}" contains a character AD does not allow (" / \\ [ ] : ; | = , + * ? < >)`
        : undefined;
    default:
      return undefined;
  }
}

/** The identity of a row, and what is wrong with it. */
export function identityOf(values: Partial<Record<Column, string>>): { identity: Identity; problems: string[] } {
  const identity: Identity = {};
  const problems: string[] = [];
  for (const key of IDENTITY_KEYS) {
    const value = values[key];
    if (value === undefined) continue;
    const problem = identityValueProblem(key, value);
    if (problem) problems.push(problem);
    else identity[key] = value;
  }
  if (Object.keys(identity).length === 0 && problems.length === 0) {
    problems.push(`no identity: fill one of ${IDENTITY_KEYS.join(', ')}`);
  }
  return { identity, problems };
}

/** A single message for columns nobody reads, so an HR export can be committed as it is. */
export function unknownColumnsNotice(file: string, unknownColumns: string[]): string | undefined {
  if (unknownColumns.length === 0) return undefined;
  return `${file}: ignored columns ${unknownColumns.map((name) => `"${name}"`).join(', ')}`;
}

/** Whether the cells of a first line read as a header row: every cell a known column, at least one an identity. */
export function looksLikeHeader(cells: string[]): boolean {
  const columns = cells.map((cell) => columnOf(cell.replace(/^\s*"|"\s*$/g, '')));
  return (
    columns.every((column) => column !== undefined) &&
    columns.some((column) => column !== undefined && isIdentityColumn(column))
  );
}
