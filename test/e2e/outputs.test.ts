// The bundled action's job summary and plan comment against the stack: size budgets with 600 users, and redaction.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from './run-action.js';

const facts = stackFacts();
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const PULL = 7;
const pullRequest = {
  action: 'synchronize',
  number: PULL,
  pull_request: { number: PULL, base: { sha: 'a'.repeat(40) }, head: { sha: 'b'.repeat(40) } },
  repository,
};
const SUMMARY_LIMIT = 900 * 1024;
const COMMENT_LIMIT = 60_000;
const MARKER = '<!-- m365-offboard:plan -->\n';

/** The comments the action posted through the stand-in, in order. */
const comments: string[] = [];
let server: Server;
let apiUrl: string;

beforeAll(async () => {
  // A stand-in for the GitHub REST calls of a first plan comment made with the GITHUB_TOKEN: who am I (refused to an
  // installation token, https://docs.github.com/en/rest/users/users#get-the-authenticated-user), list the comments
  // of the pull request (none), create one (https://docs.github.com/en/rest/issues/comments#create-an-issue-comment).
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'GET' && request.url === '/user') {
        response.statusCode = 403;
        response.end('{"message":"Resource not accessible by integration"}');
      } else if (request.method === 'GET' && request.url?.startsWith(`/repos/contoso/identity-offboarding/issues/${PULL}/comments`)) {
        response.end('[]');
      } else if (request.method === 'POST' && request.url === `/repos/contoso/identity-offboarding/issues/${PULL}/comments`) {
        const body = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: unknown }).body);
        comments.push(body);
        response.statusCode = 201;
        response.end(JSON.stringify({ id: comments.length, body, user: { login: 'github-actions[bot]' } }));
      } else {
        response.statusCode = 404;
        response.end('{"message":"Not Found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs the bundled action in plan mode on a pull request, with `csv` as offboarding/leavers.csv. */
async function planOnPullRequest(csv: string, inputs: Record<string, string>): Promise<{ run: ActionRun; comment: string | undefined }> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'outputs-workspace-'));
  const posted = comments.length;
  try {
    mkdirSync(path.join(workspace, 'offboarding'));
    writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), csv);
    const run = await runAction({
      workspace,
      inputs: { ...stackActionInputs(facts), mode: 'plan', select: 'all', 'github-token': 'ghs_outputsPlanCommentToken', ...inputs },
      eventName: 'pull_request',
      payload: pullRequest,
      env: { ...stackActionEnv(facts), GITHUB_API_URL: apiUrl },
      timeoutMs: 240_000,
    });
    rmSync(run.runnerTemp, { recursive: true, force: true });
    return { run, comment: comments.slice(posted)[0] };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

describe('a plan of 600 users on a pull request', () => {
  const USERS = 600;
  /** Nobody in the directories: each resolves at once as not found. */
  const upn = (i: number): string => `nobody${String(i).padStart(4, '0')}@contoso.test`;
  /** A reason at the cell limit (512) of characters that each become an entity in the report. */
  const reason = '<&>'.repeat(170) + '<>';

  it('keeps the summary under 900 KiB and the comment under 60,000 characters, each user on one line, and fails the plan for what was cut', async () => {
    const csv = ['userPrincipalName,reason', ...Array.from({ length: USERS }, (_, i) => `${upn(i)},${reason}`)].join('\n');
    const { run, comment } = await planOnPullRequest(csv, { 'max-users': String(USERS), 'fail-on': 'never' });

    expect(run.results?.users, run.stdout.slice(-3000)).toHaveLength(USERS);
    expect(run.results?.users.every((user) => user.reason?.startsWith('not-found') && user.request.reason === reason)).toBe(true);

    expect(Buffer.byteLength(run.summary, 'utf8')).toBeLessThan(SUMMARY_LIMIT);
    expect(comment).toBeDefined();
    const body = comment ?? '';
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    for (const [name, text] of [['summary', run.summary], ['comment', body]]) {
      const lines = text.split('\n');
      for (let i = 0; i < USERS; i++) {
        const line = `- ❌ ${upn(i)} → no delegate · no change · not-found`;
        expect(lines.filter((l) => l === line), `${name}: ${upn(i)}`).toHaveLength(1);
      }
    }
    // Each says what it left out, and where everything is.
    expect(run.summary).toMatch(/\*\*Cut to fit the job summary:\*\* \d+ details \(of 600 users\) are not shown here\. The results file <code>[^<]+<\/code> \(kept as the run's artifact\) has everything\./);
    expect(body).toMatch(/\*\*Cut to fit this comment:\*\* \d+ details \(of 600 users\) are not shown here\./);

    // fail-on: never, so the users' failures alone would not fail it: the cut does.
    expect(run.exitCode).toBe(1);
    const failures = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^::error::The plan was cut to fit: the job summary leaves out \d+ details; the plan comment leaves out \d+ details\. The results file .+ has everything\.$/);
  }, 300_000);
});

describe('summary: redacted in a plan on a pull request', () => {
  const fixture = baseFixture();
  const baseDn = fixture.domain.baseDn;
  const escapeDn = (value: string): string => value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  /** Every name of a fixture person: UPN, mail, sAMAccountName, display name, DN (as written and unescaped). */
  const namesOf = (key: string): string[] => {
    const person = fixture.people.find((p) => p.key === key);
    if (!person) throw new Error(`no fixture person ${key}`);
    const dn = `CN=${escapeDn(person.displayName)},${person.ou ?? 'OU=Staff'},${baseDn}`;
    return [person.userPrincipalName, person.mail, person.sam, person.displayName, dn].filter((name): name is string => Boolean(name));
  };

  /** Every line of what the run showed: the summary, the comment and the job log (secret masks aside). */
  function expectNoName(names: string[], run: ActionRun, comment: string | undefined): void {
    const log = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
    for (const [where, text] of [['job summary', run.summary], ['plan comment', comment ?? ''], ['job log', log]] as const) {
      const lower = text.toLowerCase();
      const found = names.filter((name) => lower.includes(name.toLowerCase()));
      expect(found, `${where}:\n${text.slice(0, 4000)}`).toEqual([]);
    }
  }

  it('shows no identity of a leaver, a guarded user, a delegate or a manager, in the summary, the comment or the log', async () => {
    const csv = [
      'userPrincipalName,delegate,reason',
      // A delegate override of the manager (salesvp): the delegate warning and the delegate cell name three people.
      'jdoe@contoso.test,cfo@contoso.test,Jane Doe (jdoe) leaves; her mailbox goes to cfo@contoso.test',
      // Guarded: adminCount=1, named by sAMAccountName in the reason.
      'admin.kim@contoso.test,,',
      // Guarded: listed in protected, named by sAMAccountName and UPN in the reason.
      'sean.obrien@contoso.test,,',
      // Guarded: an Entra role holder.
      'gadmin@contoso.test,,',
      // In no directory: failed.
      'nobody@contoso.test,,',
      // A comma in the display name: the DN escapes it.
      'jsmith@contoso.test,,',
    ].join('\n');
    const { run, comment } = await planOnPullRequest(csv, { summary: 'redacted', protected: 'sean.obrien@contoso.test', 'fail-on': 'never' });
    expect(run.results?.users.map((user) => [user.status, user.reason?.split(':')[0]]), run.stdout.slice(-3000)).toEqual([
      ['planned', undefined],
      ['blocked', 'admin-count'],
      ['blocked', 'protected'],
      ['blocked', 'directory-role'],
      ['failed', 'not-found'],
      ['planned', undefined],
    ]);
    // The record keeps the reasons that quote the names; the report shows none of them.
    expect(run.results?.users[1].reason).toContain('admin.kim');
    expect(run.results?.users[2].reason).toContain('sobrien');
    expect(comment).toBeDefined();
    const names = [...['jdoe', 'cfo', 'salesvp', 'admin.kim', 'sobrien', 'gadmin', 'jsmith'].flatMap(namesOf), 'Smith\\, John', 'nobody@contoso.test'];
    expectNoName(names, run, comment);
    // What a reviewer still reads: the masked names, the domain, the codes.
    expect(run.summary).toContain('- 📝 j.@contoso.test → c.@contoso.test ⚠️ · ');
    expect(run.summary).toContain('<sub>admin-count</sub>');
  }, 300_000);

  it('shows no identity a row with an input error carries, in the summary, the comment or the annotations', async () => {
    const csv = [
      'userPrincipalName,samAccountName,delegate',
      'jdoe@contoso.test,,jdoe@contoso.test',
      "sean o'brien@contoso.test,,",
      ',"Smith, John",',
    ].join('\n');
    const { run, comment } = await planOnPullRequest(csv, { summary: 'redacted' });
    expect(run.results?.inputErrors.map((error) => error.line)).toEqual([2, 3, 4]);
    expect(run.results?.inputErrors[0].message).toContain('"jdoe@contoso.test" is the leaver');
    expect(run.exitCode).toBe(1);
    expect(run.summary).toContain('Input errors (3) — nothing was changed');
    expectNoName(['jdoe@contoso.test', "sean o'brien@contoso.test", 'Smith, John'], run, comment);
  }, 120_000);
});
