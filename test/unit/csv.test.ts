// Termination CSVs, the `users` input, the roster and the CSV glob: parsing, validation and line numbers.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanValue, columnOf, readCsv } from '../../src/sources/csv.js';
import { findCsvFiles, readWorkspaceFile } from '../../src/sources/files.js';
import { guessIdentityColumn, loadRequests, parseUsersInput, USERS_SOURCE } from '../../src/sources/requests.js';
import { loadRoster } from '../../src/sources/roster.js';

const FILE = 'offboarding/terminations.csv';
const load = (text: string, timeZone = 'UTC') => loadRequests({ files: [{ path: FILE, text }], timeZone });
const messages = (result: { errors: { line?: number; message: string }[] }) =>
  result.errors.map((error) => `${error.line}: ${error.message}`);

describe('header names', () => {
  it.each([
    ['userPrincipalName', 'userPrincipalName'],
    ['UPN', 'userPrincipalName'],
    ['entra_userPrincipalName', 'userPrincipalName'],
    ['samAccountName', 'samAccountName'],
    ['SAM', 'samAccountName'],
    ['sAM Account Name', 'samAccountName'],
    ['Employee ID', 'employeeId'],
    ['employee_id', 'employeeId'],
    ['employee-id', 'employeeId'],
    ['distinguishedName', 'distinguishedName'],
    ['DN', 'distinguishedName'],
    ['objectId', 'objectId'],
    ['entra_id', 'objectId'],
    ['id', 'objectId'],
    ['mail', 'mail'],
    ['EMAIL', 'mail'],
    ['entra_mail', 'mail'],
    ['effective', 'effective'],
    ['terminationDate', 'effective'],
    ['Termination Date', 'effective'],
    ['leaveDateTime', 'effective'],
    ['delegate', 'delegate'],
    ['Manager', 'delegate'],
    ['hr_PositionID', 'hrPositionId'],
    ['HR Position ID', 'hrPositionId'],
    ['hr_ReportsToPositionID', 'hrReportsToPositionId'],
    ['reason', 'reason'],
    ['Ticket', 'reason'],
    ['note', 'reason'],
  ])('reads the header "%s" as %s', (header, column) => {
    expect(columnOf(header)).toBe(column);
  });

  it('reads no column from an unknown header', () => {
    expect(columnOf('Department')).toBeUndefined();
  });
});

describe('loadRequests', () => {
  it('reads an Excel export with a BOM, CRLF line endings, quoted commas, quotes and accents', async () => {
    const text = await readFile(new URL('./fixtures/excel-export.csv', import.meta.url), 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('\r\n');

    const result = load(text, 'Europe/Berlin');

    expect(result.errors).toEqual([]);
    expect(result.requests).toEqual([
      {
        source: { file: FILE, line: 2 },
        identity: { userPrincipalName: 'jsmith@contoso.test', employeeId: '10231', mail: 'john.smith@contoso.test' },
        effective: '2026-03-30T22:00:00Z',
        delegate: 'boss@contoso.test',
        reason: 'HR-1001',
      },
      {
        source: { file: FILE, line: 3 },
        identity: { userPrincipalName: 'sobrien@contoso.test', employeeId: '10232', mail: 'sean.obrien@contoso.test' },
        effective: '2026-04-01T16:30:00Z',
        reason: 'HR-1002 "urgent"',
      },
      {
        source: { file: FILE, line: 4 },
        identity: {
          userPrincipalName: 'zangstrom@contoso.test',
          employeeId: '10233',
          mail: 'zoe.angstrom-muller@contoso.test',
        },
        effective: '2026-04-14T22:00:00Z',
        reason: 'HR-1003',
      },
    ]);
  });

  it('lists the unknown columns of a file once in a notice', async () => {
    const text = await readFile(new URL('./fixtures/excel-export.csv', import.meta.url), 'utf8');
    expect(load(text).notices).toEqual([`${FILE}: ignored columns "Display Name", "Department"`]);
  });

  it('keeps a DN with an escaped comma, an apostrophe and accents in identities', () => {
    const result = load(
      'distinguishedName,userPrincipalName,mail\n' +
        '"CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test",o\'brien@contoso.test,zoë.ångström-müller@contoso.test\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.requests[0].identity).toEqual({
      distinguishedName: 'CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test',
      userPrincipalName: "o'brien@contoso.test",
      mail: 'zoë.ångström-müller@contoso.test',
    });
  });

  it('gives a record that spans lines the line it starts on, and the next record its own line', () => {
    const result = load('upn,note\r\njdoe@contoso.test,"first line\r\nsecond line"\r\n\r\nasmith@contoso.test,x\r\n');
    expect(result.requests.map((request) => [request.source.line, request.reason])).toEqual([
      [2, 'first line second line'],
      [5, 'x'],
    ]);
  });

  it('counts the header as line 1 and skips blank lines and rows of empty fields', () => {
    const result = load('upn\n\njdoe@contoso.test\n,\n\nasmith@contoso.test\n');
    expect(result.errors).toEqual([]);
    expect(result.requests.map((request) => request.source.line)).toEqual([3, 6]);
  });

  it('trims spaces and zero-width characters around values', () => {
    const result = load('upn,effective\n" \u200Bjdoe@contoso.test\uFEFF ",  2026-03-01 \n');
    expect(result.requests[0]).toMatchObject({
      identity: { userPrincipalName: 'jdoe@contoso.test' },
      effective: '2026-03-01T00:00:00Z',
    });
  });

  it('refuses an over-long cell at its line without repeating it: identity 256, reason 512, any other 1024', () => {
    const result = load(
      [
        'upn,reason,Notes',
        `${'a'.repeat(251)}@x.test,ok,ok`,
        `jdoe@contoso.test,${'r'.repeat(513)},ok`,
        `asmith@contoso.test,ok,${'n'.repeat(1_100_000)}`,
        `bjones@contoso.test,${'r'.repeat(512)},${'n'.repeat(1024)}`,
      ].join('\n'),
    );
    expect(messages(result)).toEqual([
      '2: the value in column "upn" is 258 characters long; at most 256 are allowed there',
      '3: the value in column "reason" is 513 characters long; at most 512 are allowed there',
      '4: the value in column "Notes" is 1100000 characters long; at most 1024 are allowed there',
    ]);
    expect(result.requests.map((request) => request.source.line)).toEqual([5]);
  });

  it('refuses an over-long value in the users input at its line', () => {
    const result = parseUsersInput(`jdoe@contoso.test\n${'x'.repeat(300)}\n`, 'UTC');
    expect(result.errors).toEqual([
      { file: USERS_SOURCE, line: 2, message: 'the value in column "identity" is 300 characters long; at most 256 are allowed there' },
    ]);
  });

  it('trims a long run of spaces in time linear in its length', () => {
    // The fastest of three runs, for 10 k and 100 k characters: linear work grows about 10 times, quadratic 100 times.
    const fastest = (length: number): number => {
      // Spaces at both ends, and a long run inside that a trailing-spaces pattern must try from every position.
      const cell = ` x${' '.repeat(length)}y `;
      let best = Infinity;
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        expect(cleanValue(cell)).toBe(`x${' '.repeat(length)}y`);
        best = Math.min(best, performance.now() - started);
      }
      return Math.max(best, 0.05);
    };
    fastest(1_000);
    expect(fastest(100_000) / fastest(10_000)).toBeLessThan(40);
  });

  it('rejects a zero-width character inside an identity', () => {
    const result = load('upn\njd\u200Boe@contoso.test\n');
    expect(result.requests).toEqual([]);
    expect(messages(result)).toEqual([expect.stringMatching(/^2: userPrincipalName "jd\?oe@contoso.test" contains an invisible zero-width character/)]);
  });

  it('rejects a control character inside an identity', () => {
    const result = load('sam\n"jd\toe"\n');
    expect(messages(result)).toEqual([expect.stringMatching(/^2: samAccountName contains a control character/)]);
  });

  it('rejects a row without any identity', () => {
    const result = load('upn,effective,reason\n,2026-03-01,HR-1\n');
    expect(messages(result)).toEqual([expect.stringMatching(/^2: no identity: fill one of userPrincipalName/)]);
  });

  it('rejects a file whose header names no identity column, once, at the header', () => {
    const result = load('Name,Department\nJane Doe,Sales\nJohn Roe,Finance\n');
    expect(messages(result)).toEqual([expect.stringMatching(/^1: no identity column in the header \(found "Name", "Department"\)/)]);
  });

  it('rejects two columns that mean the same identity', () => {
    const result = load('upn,userPrincipalName\na@contoso.test,a@contoso.test\n');
    expect(messages(result)).toEqual([
      '1: the columns "upn" and "userPrincipalName" both mean userPrincipalName: keep one of them',
    ]);
  });

  it('joins several reason columns of an HR export', () => {
    const result = load('upn,ticket,note\njdoe@contoso.test,HR-1,moved abroad\n');
    expect(result.requests[0].reason).toBe('HR-1; moved abroad');
  });

  it('rejects an effective date it would have to guess, at its line', () => {
    const result = load('upn,effective\njdoe@contoso.test,2026-03-01\nasmith@contoso.test,03/04/2026\n');
    expect(result.requests.map((request) => request.source.line)).toEqual([2]);
    expect(messages(result)).toEqual([expect.stringMatching(/^3: effective: "03\/04\/2026" is not a valid effective date/)]);
  });

  it('rejects an identity that is not of its kind', () => {
    const result = load('upn,objectId\njdoe,not-a-guid\n');
    expect(messages(result)).toEqual([
      '2: userPrincipalName "jdoe" is not of the form name@domain',
      '2: objectId "not-a-guid" is not a GUID (00000000-0000-0000-0000-000000000000)',
    ]);
  });

  it('rejects a delegate who is the leaver, matched in any identity column and any case', () => {
    const result = load('upn,mail,delegate\njdoe@contoso.test,Jane.Doe@Contoso.test,jane.doe@contoso.test\n');
    expect(messages(result)).toEqual([
      '2: the delegate "jane.doe@contoso.test" is the leaver: name someone else, or leave delegate empty',
    ]);
  });

  it('with csv-delegate refuse, rejects each filled delegate cell at its line and reads the rows without one', () => {
    const result = loadRequests({
      files: [{ path: FILE, text: 'upn,manager\njdoe@contoso.test,boss@contoso.test\njsmith@contoso.test,\n' }],
      timeZone: 'UTC',
      csvDelegate: 'refuse',
    });
    expect(messages(result)).toEqual([
      '2: delegate "boss@contoso.test": csv-delegate is refuse, so only the directories choose the delegate: empty this cell, or set csv-delegate: allow',
    ]);
    expect(result.requests.map((r) => r.identity.userPrincipalName)).toEqual(['jsmith@contoso.test']);
  });

  it('with csv-delegate allow, reads the delegate cell', () => {
    const result = loadRequests({ files: [{ path: FILE, text: 'upn,delegate\njdoe@contoso.test,boss@contoso.test\n' }], timeZone: 'UTC', csvDelegate: 'allow' });
    expect(result.errors).toEqual([]);
    expect(result.requests[0].delegate).toBe('boss@contoso.test');
  });

  it('rejects a delegate that is not a UPN or mail address', () => {
    const result = load('upn,manager\njdoe@contoso.test,"Roe, John"\n');
    expect(messages(result)).toEqual(['2: delegate "Roe, John" is not a UPN or mail address (name@domain)']);
  });

  it('acts once on two rows for the same person that agree, with a notice', () => {
    const result = load(
      'upn,sam,effective,delegate\n' +
        'jdoe@contoso.test,,2026-03-01,boss@contoso.test\n' +
        'JDOE@contoso.test,jdoe,2026-03-01,Boss@Contoso.test\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.requests).toEqual([
      {
        source: { file: FILE, line: 2 },
        identity: { userPrincipalName: 'jdoe@contoso.test', samAccountName: 'jdoe' },
        effective: '2026-03-01T00:00:00Z',
        delegate: 'boss@contoso.test',
      },
    ]);
    expect(result.notices).toEqual([`${FILE}:2: the same person is also on ${FILE}:3; acted on once`]);
  });

  it('rejects two rows for the same person that disagree, on both lines', () => {
    const result = load(
      'upn,effective,delegate\n' +
        'jdoe@contoso.test,2026-03-01,boss@contoso.test\n' +
        'asmith@contoso.test,2026-03-01,\n' +
        'jdoe@contoso.test,2026-04-01,boss@contoso.test\n',
    );
    expect(result.requests.map((request) => request.identity.userPrincipalName)).toEqual(['asmith@contoso.test']);
    expect(messages(result)).toEqual([
      `2: the same person is also on ${FILE}:4 with a different effective: keep one row per person`,
      `4: the same person is also on ${FILE}:2 with a different effective: keep one row per person`,
    ]);
  });

  it('finds the same person across two files', () => {
    const result = loadRequests({
      timeZone: 'UTC',
      files: [
        { path: 'offboarding/march.csv', text: 'sam,delegate\njdoe,boss@contoso.test\n' },
        { path: 'offboarding/april.csv', text: 'sam,delegate\nJDoe,other@contoso.test\n' },
      ],
    });
    expect(result.errors).toEqual([
      expect.objectContaining({ file: 'offboarding/march.csv', line: 2 }),
      expect.objectContaining({ file: 'offboarding/april.csv', line: 2 }),
    ]);
    expect(result.errors[0].message).toContain('offboarding/april.csv:2 with a different delegate');
  });

  it('reports an unclosed quote at the line where the quoted field opens', () => {
    const result = load('upn,note\r\njdoe@contoso.test,ok\r\nasmith@contoso.test,"never closed\r\nbroe@contoso.test,x\r\n');
    expect(messages(result)).toEqual([
      '3: a quoted field starts here and is never closed: add the closing double quote',
    ]);
  });

  it('reports a stray quote inside an unquoted field at its line', () => {
    const result = load('upn,note\njdoe@contoso.test,ok\nasmith@contoso.test,Jane "JJ" Doe\n');
    expect(messages(result)).toEqual([expect.stringMatching(/^3: a double quote inside a field that is not quoted/)]);
  });

  it('reports a row with a different number of fields than the header, and reads the others', () => {
    const result = load('upn,effective\njdoe@contoso.test,2026-03-01,extra\nasmith@contoso.test,2026-03-01\n');
    expect(result.requests.map((request) => request.source.line)).toEqual([3]);
    expect(messages(result)).toEqual([expect.stringMatching(/^2: this row has 3 fields but the header has 2/)]);
  });

  it('rejects a file that is not UTF-8 at the first line that shows it', () => {
    const latin1 = Buffer.from('upn,note\njdoe@contoso.test,ok\nasmith@contoso.test,Z\xebe\n', 'latin1').toString('utf8');
    expect(messages(load(latin1))).toEqual([
      '3: the file is not UTF-8 text: save it as "CSV UTF-8 (comma delimited)"',
    ]);
  });

  it('reads an empty file as no requests and no errors', () => {
    expect(load('')).toEqual({ requests: [], errors: [], notices: [], identities: [] });
  });
});

describe('readCsv', () => {
  it('names the known columns and the header line', () => {
    const table = readCsv(FILE, '\n\nupn,Department,effective\njdoe@contoso.test,Sales,\n');
    expect(table).toMatchObject({
      headerLine: 3,
      columns: ['userPrincipalName', 'effective'],
      unknownColumns: ['Department'],
      rows: [{ line: 4, values: { userPrincipalName: 'jdoe@contoso.test' } }],
    });
  });
});

describe('parseUsersInput', () => {
  it('reads one leaver per line as identity, effective and delegate', () => {
    const result = parseUsersInput('jdoe@contoso.test, 2026-03-01, boss@contoso.test\nasmith', 'Europe/Berlin');
    expect(result.errors).toEqual([]);
    expect(result.requests).toEqual([
      {
        source: { file: USERS_SOURCE, line: 1 },
        identity: { userPrincipalName: 'jdoe@contoso.test' },
        effective: '2026-02-28T23:00:00Z',
        delegate: 'boss@contoso.test',
      },
      { source: { file: USERS_SOURCE, line: 2 }, identity: { samAccountName: 'asmith' } },
    ]);
  });

  it.each([
    ['jdoe@contoso.test', 'userPrincipalName'],
    ['10231', 'employeeId'],
    ['5f0c2a9e-1b7d-4c3e-8a6f-9d2b4e7c1a03', 'objectId'],
    ['jdoe', 'samAccountName'],
    ['E10231', 'samAccountName'],
  ])('reads the bare value %s as %s', (value, column) => {
    expect(guessIdentityColumn(value)).toBe(column);
  });

  it('skips blank lines and lines starting with #', () => {
    const result = parseUsersInput('# leavers of March\n\njdoe\n', 'UTC');
    expect(result.requests.map((request) => request.source.line)).toEqual([3]);
  });

  it('reads CSV text with a header row, DNs included', () => {
    const result = parseUsersInput(
      'distinguishedName,effective\n"CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test",2026-03-01',
      'UTC',
    );
    expect(result.errors).toEqual([]);
    expect(result.requests).toEqual([
      {
        source: { file: USERS_SOURCE, line: 2 },
        identity: { distinguishedName: 'CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test' },
        effective: '2026-03-01T00:00:00Z',
      },
    ]);
    expect(result.notices).toEqual([`${USERS_SOURCE}: read as CSV with a header row`]);
  });

  it('numbers lines across CRLF, LF and lone CR line ends, and reads quotes as plain characters', () => {
    const result = parseUsersInput('jdoe\r\n# note\rasmith\n\n"o\'brien"', 'UTC');
    expect(result.requests.map((request) => [request.source.line, request.identity.samAccountName])).toEqual([
      [1, 'jdoe'],
      [3, 'asmith'],
    ]);
    expect(result.errors).toEqual([
      expect.objectContaining({ file: USERS_SOURCE, line: 5, message: expect.stringContaining(`samAccountName ""o'brien""`) }),
    ]);
  });

  it('rejects a line with more than three values, pointing at the CSV form', () => {
    const result = parseUsersInput('CN=Smith\\, John,OU=Staff,DC=corp', 'UTC');
    expect(result.errors).toEqual([
      expect.objectContaining({ file: USERS_SOURCE, line: 1, message: expect.stringContaining('use CSV with a header row') }),
    ]);
  });

  it('names the line of a bad value in the users input', () => {
    const result = parseUsersInput('jdoe\nasmith, 03/04/2026', 'UTC');
    expect(result.errors).toEqual([
      expect.objectContaining({ file: USERS_SOURCE, line: 2, message: expect.stringContaining('"03/04/2026"') }),
    ]);
  });

  it('with csv-delegate refuse, rejects the delegate of a users line at its line', () => {
    const result = parseUsersInput('jsmith\njdoe@contoso.test, , boss@contoso.test\n', 'UTC', 'refuse');
    expect(result.errors).toEqual([
      {
        file: USERS_SOURCE,
        line: 2,
        message: 'delegate "boss@contoso.test": csv-delegate is refuse, so only the directories choose the delegate: empty this cell, or set csv-delegate: allow',
      },
    ]);
    expect(result.requests.map((r) => r.identity.samAccountName)).toEqual(['jsmith']);
  });

  it('rejects a delegate who is the leaver in the users input', () => {
    const result = parseUsersInput('jdoe@contoso.test,,JDoe@contoso.test', 'UTC');
    expect(result.errors.map((error) => error.message)).toEqual([
      'the delegate "JDoe@contoso.test" is the leaver: name someone else, or leave delegate empty',
    ]);
  });
});

describe('loadRoster', () => {
  it('reads current employees with their position ids', () => {
    const result = loadRoster(
      'hr/roster.csv',
      'upn,hr_PositionID,hr_ReportsToPositionID,Title\nboss@contoso.test,P-1,,CEO\njdoe@contoso.test,P-2,P-1,Clerk\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.notices).toEqual(['hr/roster.csv: ignored columns "Title"']);
    expect(result.roster).toEqual([
      { source: { file: 'hr/roster.csv', line: 2 }, identity: { userPrincipalName: 'boss@contoso.test' }, hrPositionId: 'P-1', hrReportsToPositionId: undefined },
      { source: { file: 'hr/roster.csv', line: 3 }, identity: { userPrincipalName: 'jdoe@contoso.test' }, hrPositionId: 'P-2', hrReportsToPositionId: 'P-1' },
    ]);
  });

  it('rejects a roster without an hr_PositionID column', () => {
    const result = loadRoster('hr/roster.csv', 'upn\nboss@contoso.test\n');
    expect(result.errors).toEqual([
      { file: 'hr/roster.csv', line: 1, message: 'the roster has no hr_PositionID column' },
    ]);
  });

  it('rejects a row without a position id', () => {
    const result = loadRoster('hr/roster.csv', 'upn,hr_PositionID\nboss@contoso.test,\n');
    expect(result.errors).toEqual([{ file: 'hr/roster.csv', line: 2, message: 'no hr_PositionID' }]);
  });

  it('rejects two holders of one position on both lines', () => {
    const result = loadRoster('hr/roster.csv', 'upn,hr_PositionID\na@contoso.test,P-1\nb@contoso.test,p-1\nc@contoso.test,P-3\n');
    expect(result.roster.map((entry) => entry.hrPositionId)).toEqual(['P-3']);
    expect(result.errors.map((error) => error.line)).toEqual([2, 3]);
  });
});

describe('findCsvFiles', () => {
  let workspace: string | undefined;
  afterEach(async () => {
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('expands a glob to sorted workspace-relative files, leaving out directories', async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'offboard-glob-'));
    await mkdir(path.join(workspace, 'offboarding', 'archive.csv'), { recursive: true });
    await writeFile(path.join(workspace, 'offboarding', 'b.csv'), 'upn\n');
    await writeFile(path.join(workspace, 'offboarding', 'a.csv'), 'upn\n');
    await writeFile(path.join(workspace, 'offboarding', 'readme.md'), '');
    expect(await findCsvFiles(workspace, 'offboarding/*.csv')).toEqual(['offboarding/a.csv', 'offboarding/b.csv']);
  });

  it('finds a single named file and nothing for a pattern without matches', async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'offboard-glob-'));
    await mkdir(path.join(workspace, 'hr'));
    await writeFile(path.join(workspace, 'hr', 'leavers.csv'), 'upn\n');
    expect(await findCsvFiles(workspace, 'hr/leavers.csv')).toEqual(['hr/leavers.csv']);
    expect(await findCsvFiles(workspace, 'offboarding/*.csv')).toEqual([]);
  });

  it('leaves out files outside the workspace', async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'offboard-glob-'));
    await mkdir(path.join(workspace, 'repo'));
    await writeFile(path.join(workspace, 'outside.csv'), 'upn\n');
    expect(await findCsvFiles(path.join(workspace, 'repo'), '../*.csv')).toEqual([]);
  });
});

describe('readWorkspaceFile', () => {
  let workspace: string | undefined;
  let outside: string | undefined;
  afterEach(async () => {
    for (const dir of [workspace, outside]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function setUp(): Promise<{ repo: string; secret: string }> {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'offboard-read-'));
    outside = await mkdtemp(path.join(os.tmpdir(), 'offboard-outside-'));
    const repo = path.join(workspace, 'repo');
    await mkdir(path.join(repo, 'hr'), { recursive: true });
    const secret = path.join(outside, 'secrets.csv');
    await writeFile(secret, 'upn\nLDAP_PASSWORD=hunter2@x\n');
    return { repo, secret };
  }

  it('reads a regular file inside the workspace', async () => {
    const { repo } = await setUp();
    await writeFile(path.join(repo, 'hr', 'roster.csv'), 'upn,hr_PositionID\n');
    expect(await readWorkspaceFile(repo, 'hr/roster.csv')).toBe('upn,hr_PositionID\n');
  });

  it('refuses a symbolic link to the process environment and to a file outside the workspace', async () => {
    const { repo, secret } = await setUp();
    await symlink('/proc/self/environ', path.join(repo, 'hr', 'roster.csv'));
    await symlink(secret, path.join(repo, 'hr', 'leavers.csv'));
    for (const file of ['hr/roster.csv', 'hr/leavers.csv']) {
      await expect(readWorkspaceFile(repo, file)).rejects.toThrow('the path leads outside the workspace');
    }
  });

  it('refuses a file reached through a directory link that leads out, which the glob lists', async () => {
    const { repo } = await setUp();
    await symlink(outside as string, path.join(repo, 'offboarding'));
    const files = await findCsvFiles(repo, 'offboarding/*.csv');
    expect(files).toEqual(['offboarding/secrets.csv']);
    await expect(readWorkspaceFile(repo, files[0])).rejects.toThrow('the path leads outside the workspace');
  });

  it('refuses a FIFO without waiting for a writer, and a directory', async () => {
    const { repo } = await setUp();
    execFileSync('mkfifo', [path.join(repo, 'hr', 'pipe.csv')]);
    await expect(readWorkspaceFile(repo, 'hr/pipe.csv')).rejects.toThrow('not a regular file');
    await expect(readWorkspaceFile(repo, 'hr')).rejects.toThrow('not a regular file');
  });

  it('refuses a file name with a control character', async () => {
    const { repo } = await setUp();
    const name = 'x\n::error::forged.csv';
    await writeFile(path.join(repo, 'hr', name), 'upn\n');
    await expect(readWorkspaceFile(repo, `hr/${name}`)).rejects.toThrow('the file name contains a control character');
  });
});
