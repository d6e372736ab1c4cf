// Which requests a run acts on (changed, due, all, auto by event), and reading the CSV at the base commit.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Request } from '../../src/model.js';
import { makeBaseReader } from '../../src/sources/base.js';
import { loadRequests } from '../../src/sources/requests.js';
import { selectRequests, type SelectOptions } from '../../src/sources/select.js';

const run = promisify(execFile);
const FILE = 'offboarding/terminations.csv';
const BASE_SHA = '1111111111111111111111111111111111111111';
const NOW = new Date('2026-11-25T10:00:00Z');

const requestsOf = (text: string): Request[] => {
  const result = loadRequests({ files: [{ path: FILE, text }], timeZone: 'UTC' });
  expect(result.errors).toEqual([]);
  return result.requests;
};
const upns = (requests: Request[]) => requests.map((request) => request.identity.userPrincipalName);

const options = (overrides: Partial<SelectOptions>): SelectOptions => ({
  requests: [],
  select: 'auto',
  eventName: 'schedule',
  payload: {},
  lookbackDays: 30,
  now: NOW,
  timeZone: 'UTC',
  fromUsersInput: false,
  readBase: async () => {
    throw new Error('the base is not read in this test');
  },
  ...overrides,
});

const CURRENT =
  'upn,effective,delegate\n' +
  'kept@contoso.test,2026-11-01,boss@contoso.test\n' +
  'changed@contoso.test,2026-11-20,boss@contoso.test\n' +
  'added@contoso.test,2026-11-24,\n';
const BASE =
  'upn,effective,delegate\n' +
  'removed@contoso.test,2026-10-01,\n' +
  'changed@contoso.test,2026-11-10,boss@contoso.test\n' +
  'kept@contoso.test,2026-11-01,boss@contoso.test\n';

describe('selectRequests with select: auto', () => {
  it.each([
    ['pull_request', false, 'changed'],
    ['pull_request_target', false, 'changed'],
    ['push', false, 'changed'],
    ['schedule', false, 'due'],
    ['workflow_dispatch', true, 'all'],
    ['workflow_dispatch', false, 'due'],
    ['repository_dispatch', false, 'due'],
  ] as const)('on %s (users input: %s) selects %s', async (eventName, fromUsersInput, mode) => {
    const payload = { pull_request: { base: { sha: '0'.repeat(40) } }, before: '0'.repeat(40) };
    const selection = await selectRequests(options({ eventName, fromUsersInput, payload }));
    expect(selection.mode).toBe(mode);
    expect(selection.note).toMatch(new RegExp(`^auto on ${eventName} → ${mode}`));
  });
});

describe('selectRequests with select: changed', () => {
  it('selects rows added or changed since the pull request base, not unchanged or removed ones', async () => {
    const reads: [string, string][] = [];
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'pull_request',
        payload: { pull_request: { base: { sha: BASE_SHA } } },
        requests: requestsOf(CURRENT),
        readBase: async (file, sha) => {
          reads.push([file, sha]);
          return BASE;
        },
      }),
    );
    expect(reads).toEqual([[FILE, BASE_SHA]]);
    expect(upns(selection.selected)).toEqual(['changed@contoso.test', 'added@contoso.test']);
    expect(selection.note).toBe('changed: 2 of 3 rows added or changed since 1111111');
  });

  it('leaves a changed row whose effective date is still ahead to the scheduled due run', async () => {
    const text = 'userPrincipalName,effective\nnow@contoso.test,2026-11-20\nlater@contoso.test,2026-12-31\nundated@contoso.test,\n';
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'push',
        payload: { before: BASE_SHA },
        requests: requestsOf(text),
        readBase: async () => undefined,
      }),
    );
    expect(upns(selection.selected)).toEqual(['now@contoso.test', 'undated@contoso.test']);
    expect(selection.note).toBe(
      'changed: 3 of 3 rows added or changed since 1111111; 1 row effective later (from 2026-12-31T00:00:00Z) wait for the scheduled due run',
    );
  });

  it('compares normalized rows, so moved lines, renamed headers and case do not count as changes', async () => {
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'push',
        payload: { before: BASE_SHA },
        requests: requestsOf(CURRENT),
        readBase: async () =>
          '\uFEFFDelegate,Termination Date,UPN\r\n' +
          ',2026-11-24T00:00:00Z,ADDED@contoso.test\r\n' +
          'Boss@contoso.test,2026-11-01,kept@contoso.test\r\n' +
          'boss@contoso.test,2026-11-20,changed@contoso.test\r\n',
      }),
    );
    expect(selection.selected).toEqual([]);
  });

  it('uses the commit before a push as the base', async () => {
    const reads: string[] = [];
    await selectRequests(
      options({
        select: 'changed',
        eventName: 'push',
        payload: { before: BASE_SHA, after: '2'.repeat(40) },
        requests: requestsOf(CURRENT),
        readBase: async (_file, sha) => {
          reads.push(sha);
          return BASE;
        },
      }),
    );
    expect(reads).toEqual([BASE_SHA]);
  });

  it('selects every row of a new branch (a push whose before is all zeros)', async () => {
    const selection = await selectRequests(
      options({ select: 'changed', eventName: 'push', payload: { before: '0'.repeat(40) }, requests: requestsOf(CURRENT) }),
    );
    expect(selection.selected).toHaveLength(3);
    expect(selection.note).toBe('changed: a new branch, so all 3 rows are new');
  });

  it('reads the base versions of 50 CSV files at most 8 at a time (each read starts git children)', async () => {
    const files = Array.from({ length: 50 }, (_, i) => `offboarding/batch-${String(i).padStart(2, '0')}.csv`);
    const requests = loadRequests({
      files: files.map((file, i) => ({ path: file, text: `userPrincipalName\nuser${i}@contoso.test\n` })),
      timeZone: 'UTC',
    }).requests;
    let inFlight = 0;
    let most = 0;
    const reads: string[] = [];
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'pull_request',
        payload: { pull_request: { base: { sha: BASE_SHA } } },
        requests,
        readBase: async (file) => {
          inFlight++;
          most = Math.max(most, inFlight);
          reads.push(file);
          // Answered on a later turn of the event loop, so that every read started meanwhile overlaps this one.
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
          return file.endsWith('7.csv') ? undefined : `userPrincipalName\nuser${files.indexOf(file)}@contoso.test\n`;
        },
      }),
    );
    expect(most).toBe(8);
    expect([...reads].sort()).toEqual(files);
    expect(upns(selection.selected)).toEqual(['user7@contoso.test', 'user17@contoso.test', 'user27@contoso.test', 'user37@contoso.test', 'user47@contoso.test']);
  });

  it('selects every row of a file that did not exist at the base', async () => {
    const selection = await selectRequests(
      options({
        select: 'changed',
        eventName: 'pull_request',
        payload: { pull_request: { base: { sha: BASE_SHA } } },
        requests: requestsOf(CURRENT),
        readBase: async () => undefined,
      }),
    );
    expect(selection.selected).toHaveLength(3);
  });

  it('selects every row of the users input, which has no earlier version', async () => {
    const requests = requestsOf(CURRENT);
    const selection = await selectRequests(options({ select: 'changed', eventName: 'workflow_dispatch', fromUsersInput: true, requests }));
    expect(selection.selected).toEqual(requests);
  });

  it('fails with a clear message on an event without a base commit', async () => {
    await expect(
      selectRequests(options({ select: 'changed', eventName: 'schedule', requests: requestsOf(CURRENT) })),
    ).rejects.toThrow('select: changed needs a base commit, which a schedule event does not have: use select: due or all');
  });
});

describe('selectRequests with select: due', () => {
  const rows =
    'upn,effective\n' +
    'now@contoso.test,2026-11-25T10:00:00Z\n' +
    'yesterday@contoso.test,2026-11-24\n' +
    'edge@contoso.test,2026-10-26T10:00:00Z\n' +
    'too-old@contoso.test,2026-10-26T09:59:59Z\n' +
    'future@contoso.test,2026-11-25T10:00:01Z\n' +
    'at-once@contoso.test,\n';

  it('selects rows whose effective has passed within lookback-days, bounds included', async () => {
    const selection = await selectRequests(options({ select: 'due', requests: requestsOf(rows) }));
    expect(upns(selection.selected)).toEqual(['now@contoso.test', 'yesterday@contoso.test', 'edge@contoso.test']);
    expect(selection.note).toBe(
      'due: 3 of 6 rows effective between 2026-10-26T10:00:00Z and 2026-11-25T10:00:00Z (lookback-days 30)',
    );
  });

  it('never selects a row without effective', async () => {
    const selection = await selectRequests(options({ select: 'due', lookbackDays: 36_500, requests: requestsOf(rows) }));
    expect(upns(selection.selected)).not.toContain('at-once@contoso.test');
  });
});

describe('selectRequests with select: all', () => {
  it('selects every row', async () => {
    const requests = requestsOf(CURRENT);
    const selection = await selectRequests(options({ select: 'all', eventName: 'push', requests }));
    expect(selection).toEqual({ selected: requests, mode: 'all', note: 'all 3 rows' });
  });
});

/** A throwaway git repository with the base and head versions of the CSV committed. */
async function gitRepository(): Promise<{ dir: string; base: string; head: string; git: (...args: string[]) => Promise<string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'offboard-git-'));
  const git = async (...args: string[]) =>
    (
      await run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@contoso.test', '-c', 'commit.gpgsign=false', ...args], {
        cwd: dir,
      })
    ).stdout.trim();
  await git('init', '--quiet', '--initial-branch=main');
  await mkdir(path.join(dir, 'offboarding'));
  await writeFile(path.join(dir, 'README.md'), 'terminations\n');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'empty');
  await writeFile(path.join(dir, FILE), BASE);
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'base');
  const base = await git('rev-parse', 'HEAD');
  await writeFile(path.join(dir, FILE), CURRENT);
  await git('commit', '--quiet', '-am', 'head');
  const head = await git('rev-parse', 'HEAD');
  return { dir, base, head, git };
}

interface ContentsRequest {
  url: string;
  authorization?: string;
  accept?: string;
}

/** Stands in for the GitHub contents API on loopback: serves `files` (path → text) at any ref. */
async function contentsApi(files: Record<string, string>): Promise<{ server: Server; url: string; requests: ContentsRequest[] }> {
  const requests: ContentsRequest[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization, accept: request.headers.accept });
    const match = /^\/repos\/contoso\/offboarding\/contents\/([^?]+)\?ref=([0-9a-f]+)$/.exec(request.url ?? '');
    const file = match ? files[decodeURIComponent(match[1])] : undefined;
    if (file === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

describe('makeBaseReader', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('reads the CSV at a commit of the checkout with git', async () => {
    const repo = await gitRepository();
    cleanup.push(() => rm(repo.dir, { recursive: true, force: true }));
    const readBase = makeBaseReader({ workspace: repo.dir, repo: { owner: 'contoso', repo: 'offboarding' } });
    expect(await readBase(FILE, repo.base)).toBe(BASE);
    expect(await readBase(FILE, repo.head)).toBe(CURRENT);
  });

  it('starts git with the essential variables only: no action input, so no secret, reaches it', async () => {
    const repo = await gitRepository();
    const bin = await mkdtemp(path.join(os.tmpdir(), 'fake-git-'));
    cleanup.push(() => rm(repo.dir, { recursive: true, force: true }), () => rm(bin, { recursive: true, force: true }));
    // A git in front of the real one that records its own environment, as the kernel holds it, then runs git.
    const realGit = (await run('sh', ['-c', 'command -v git'])).stdout.trim();
    const seen = path.join(bin, 'environ');
    await writeFile(path.join(bin, 'git'), `#!/bin/sh\ntr '\\0' '\\n' < /proc/$$/environ >> '${seen}'\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
    const saved = { PATH: process.env.PATH, secret: process.env['INPUT_LDAP-BIND-PASSWORD'] };
    process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
    process.env['INPUT_LDAP-BIND-PASSWORD'] = 'hunter2';
    try {
      const readBase = makeBaseReader({ workspace: repo.dir, repo: { owner: 'contoso', repo: 'offboarding' } });
      expect(await readBase(FILE, repo.base)).toBe(BASE);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.secret === undefined) delete process.env['INPUT_LDAP-BIND-PASSWORD'];
      else process.env['INPUT_LDAP-BIND-PASSWORD'] = saved.secret;
    }
    const names = new Set((await readFile(seen, 'utf8')).split('\n').filter(Boolean).map((line) => line.slice(0, line.indexOf('='))));
    expect(names.has('PATH')).toBe(true);
    expect([...names].filter((name) => name.startsWith('INPUT_') || name.startsWith('GITHUB_') || name.startsWith('ACTIONS_'))).toEqual([]);
    expect(await readFile(seen, 'utf8')).not.toContain('hunter2');
  });

  it('answers undefined for a file that did not exist at a commit of the checkout', async () => {
    const repo = await gitRepository();
    cleanup.push(() => rm(repo.dir, { recursive: true, force: true }));
    const first = await repo.git('rev-list', '--max-parents=0', 'HEAD');
    const readBase = makeBaseReader({ workspace: repo.dir, repo: { owner: 'contoso', repo: 'offboarding' } });
    expect(await readBase(FILE, first)).toBeUndefined();
  });

  it('fails clearly when the base commit is not in the checkout and there is no token', async () => {
    const repo = await gitRepository();
    cleanup.push(() => rm(repo.dir, { recursive: true, force: true }));
    const readBase = makeBaseReader({ workspace: repo.dir, repo: { owner: 'contoso', repo: 'offboarding' } });
    await expect(readBase(FILE, 'abc1234def5678abc1234def5678abc1234def56')).rejects.toThrow(
      'the base commit abc1234 is not in the checkout and no github-token is set to read offboarding/terminations.csv from GitHub',
    );
  });

  it('reads the CSV through the contents API when the checkout lacks the base commit', async () => {
    const api = await contentsApi({ [FILE]: BASE });
    cleanup.push(() => new Promise((resolve) => api.server.close(() => resolve())));
    const workspace = await mkdtemp(path.join(os.tmpdir(), 'offboard-nogit-'));
    cleanup.push(() => rm(workspace, { recursive: true, force: true }));

    const readBase = makeBaseReader({
      workspace,
      token: 'ghs_test-token',
      repo: { owner: 'contoso', repo: 'offboarding' },
      apiUrl: api.url,
    });

    expect(await readBase(FILE, BASE_SHA)).toBe(BASE);
    expect(api.requests).toEqual([
      {
        url: `/repos/contoso/offboarding/contents/offboarding%2Fterminations.csv?ref=${BASE_SHA}`,
        authorization: 'token ghs_test-token',
        accept: 'application/vnd.github.v3.raw',
      },
    ]);
  });

  it('answers undefined when the contents API has no such file at the base commit', async () => {
    const api = await contentsApi({});
    cleanup.push(() => new Promise((resolve) => api.server.close(() => resolve())));
    const readBase = makeBaseReader({
      workspace: os.tmpdir(),
      token: 'ghs_test-token',
      repo: { owner: 'contoso', repo: 'offboarding' },
      apiUrl: api.url,
    });
    expect(await readBase(FILE, BASE_SHA)).toBeUndefined();
  });

  it('selects changed rows of a shallow clone whose base commit is fetched from the API', async () => {
    const origin = await gitRepository();
    cleanup.push(() => rm(origin.dir, { recursive: true, force: true }));
    const checkout = await mkdtemp(path.join(os.tmpdir(), 'offboard-shallow-'));
    cleanup.push(() => rm(checkout, { recursive: true, force: true }));
    await run('git', ['clone', '--quiet', '--depth=1', `file://${origin.dir}`, checkout]);
    await expect(run('git', ['cat-file', '-e', `${origin.base}^{commit}`], { cwd: checkout })).rejects.toThrow();
    const api = await contentsApi({ [FILE]: BASE });
    cleanup.push(() => new Promise((resolve) => api.server.close(() => resolve())));

    const selection = await selectRequests(
      options({
        eventName: 'pull_request',
        payload: { pull_request: { base: { sha: origin.base }, head: { sha: origin.head } } },
        requests: requestsOf(CURRENT),
        readBase: makeBaseReader({
          workspace: checkout,
          token: 'ghs_test-token',
          repo: { owner: 'contoso', repo: 'offboarding' },
          apiUrl: api.url,
        }),
      }),
    );

    expect(upns(selection.selected)).toEqual(['changed@contoso.test', 'added@contoso.test']);
    expect(api.requests.map((request) => request.url)).toEqual([
      `/repos/contoso/offboarding/contents/offboarding%2Fterminations.csv?ref=${origin.base}`,
    ]);
  });
});
