// The plan comment against a local stand-in for the three GitHub REST endpoints it uses: one comment, updated in place.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as github from '@actions/github';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMENT_MARKER, planCommentBody, postPlanComment } from '../../src/report/comment.js';

/** A workflow's GITHUB_TOKEN: it posts as github-actions[bot] and may not read /user. */
const TOKEN = 'ghs_planCommentTestToken';
/** A personal token of the user `identity-bot`. */
const PERSONAL_TOKEN = 'github_pat_identityBot';
const OWNER = 'contoso';
const REPO = 'identity-offboarding';
const PULL = 7;
const RUN_ID = 4242;
/** GitHub refuses a comment body longer than this. */
const GITHUB_BODY_LIMIT = 65_536;

interface IssueComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
}

/** What GitHub holds for the repository, and every request the stand-in answered. */
const state = { comments: [] as IssueComment[], nextId: 1000, requests: [] as string[], authorizations: new Set<string>() };

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', baseUrl);
    state.requests.push(`${request.method} ${url.pathname}`);
    state.authorizations.add(request.headers.authorization ?? '');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(body));
    };
    const list = new RegExp(`^/repos/${OWNER}/${REPO}/issues/(\\d+)/comments$`).exec(url.pathname);
    const one = new RegExp(`^/repos/${OWNER}/${REPO}/issues/comments/(\\d+)$`).exec(url.pathname);
    const caller = request.headers.authorization === `token ${PERSONAL_TOKEN}` ? 'identity-bot' : 'github-actions[bot]';
    if (url.pathname === '/user' && request.method === 'GET') {
      // https://docs.github.com/en/rest/users/users#get-the-authenticated-user: an installation token is refused.
      if (caller === 'github-actions[bot]') return send(403, { message: 'Resource not accessible by integration' });
      send(200, { login: caller, type: 'User' });
    } else if (list && request.method === 'GET') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = state.comments.filter((comment) => comment.issue === Number(list[1]));
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string): string =>
        `<${baseUrl}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const headers: Record<string, string> = page < last ? { link: `${link(page + 1, 'next')}, ${link(last, 'last')}` } : {};
      send(200, all.slice((page - 1) * perPage, page * perPage), headers);
    } else if (list && request.method === 'POST') {
      const { body } = await readBody(request);
      const comment = { id: state.nextId++, issue: Number(list[1]), body: String(body), user: { login: caller } };
      state.comments.push(comment);
      send(201, comment);
    } else if (one && request.method === 'PATCH') {
      const comment = state.comments.find((c) => c.id === Number(one[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      if (comment.user.login !== caller) return send(403, { message: 'Resource not accessible by integration' });
      comment.body = String((await readBody(request)).body);
      send(200, comment);
    } else {
      send(404, { message: 'Not Found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  state.comments = [];
  state.requests = [];
  state.authorizations.clear();
});

/** The parts of the workflow context the comment reads, for a pull_request event. */
function pullRequestContext(pull: number | null = PULL, headSha?: string): typeof github.context {
  return {
    eventName: 'pull_request',
    payload: pull === null ? {} : { pull_request: { number: pull, head: { sha: headSha } } },
    repo: { owner: OWNER, repo: REPO },
    serverUrl: 'https://github.com',
    runId: RUN_ID,
  } as unknown as typeof github.context; // only the fields postPlanComment reads
}

const humanComment = (issue: number, body: string): IssueComment => ({
  id: state.nextId++,
  issue,
  body,
  user: { login: 'reviewer' },
});

const planComments = (): IssueComment[] => state.comments.filter((comment) => comment.body.startsWith(COMMENT_MARKER));

describe('the plan comment on a pull request', () => {
  it('is created on the first run and updated in place on the next, never duplicated', async () => {
    state.comments.push(humanComment(PULL, 'Please check jdoe before merging.'));
    const first = await postPlanComment({ token: TOKEN, markdown: '## Offboarding plan\n1 would change\n', context: pullRequestContext(), baseUrl });
    expect(first.action).toBe('created');
    expect(planComments()).toHaveLength(1);
    expect(planComments()[0]).toMatchObject({ id: first.id, issue: PULL });
    expect(planComments()[0].body).toContain('1 would change');

    const second = await postPlanComment({ token: TOKEN, markdown: '## Offboarding plan\n2 would change\n', context: pullRequestContext(), baseUrl });
    expect(second).toEqual({ action: 'updated', id: first.id });
    expect(planComments()).toHaveLength(1);
    expect(planComments()[0].body).toContain('2 would change');
    expect(planComments()[0].body).not.toContain('1 would change');
    expect(state.comments).toHaveLength(2);
    expect(state.comments[0].body).toBe('Please check jdoe before merging.');
    expect(state.requests).toEqual([
      'GET /user',
      `GET /repos/${OWNER}/${REPO}/issues/${PULL}/comments`,
      `POST /repos/${OWNER}/${REPO}/issues/${PULL}/comments`,
      'GET /user',
      `GET /repos/${OWNER}/${REPO}/issues/${PULL}/comments`,
      `PATCH /repos/${OWNER}/${REPO}/issues/comments/${first.id}`,
    ]);
    expect([...state.authorizations]).toEqual([`token ${TOKEN}`]);
  });

  it('finds its earlier comment behind a long discussion on later pages', async () => {
    for (let i = 0; i < 150; i++) state.comments.push(humanComment(PULL, `comment ${i}`));
    const first = await postPlanComment({ token: TOKEN, markdown: 'plan A', context: pullRequestContext(), baseUrl });
    const second = await postPlanComment({ token: TOKEN, markdown: 'plan B', context: pullRequestContext(), baseUrl });
    expect(second).toEqual({ action: 'updated', id: first.id });
    expect(planComments()).toHaveLength(1);
    expect(state.requests.filter((request) => request.startsWith('GET')).length).toBeGreaterThanOrEqual(4);
  });

  it("leaves another pull request's plan comment alone", async () => {
    const other = await postPlanComment({ token: TOKEN, markdown: 'plan of #8', context: pullRequestContext(8), baseUrl });
    const mine = await postPlanComment({ token: TOKEN, markdown: 'plan of #7', context: pullRequestContext(), baseUrl });
    expect(mine.action).toBe('created');
    expect(mine.id).not.toBe(other.id);
    expect(state.comments.find((comment) => comment.id === other.id)?.body).toContain('plan of #8');
  });

  it('never takes over a comment someone else wrote with the plan marker in it', async () => {
    const forged = { ...humanComment(PULL, `${COMMENT_MARKER}\n## Offboarding plan\nNothing would change.`), user: { login: 'mallory' } };
    state.comments.push(forged);
    const posted = await postPlanComment({ token: TOKEN, markdown: '## Offboarding plan\n3 would change\n', context: pullRequestContext(), baseUrl });
    expect(posted.action).toBe('created');
    expect(state.comments.find((comment) => comment.id === forged.id)?.body).toContain('Nothing would change.');
    expect(state.comments.find((comment) => comment.id === posted.id)).toMatchObject({ user: { login: 'github-actions[bot]' } });
    expect(state.requests.filter((request) => request.startsWith('PATCH'))).toEqual([]);

    const again = await postPlanComment({ token: TOKEN, markdown: '## Offboarding plan\n4 would change\n', context: pullRequestContext(), baseUrl });
    expect(again).toEqual({ action: 'updated', id: posted.id });
  });

  it('with a personal token, updates the comments of that token\'s user only', async () => {
    state.comments.push({ ...humanComment(PULL, `${COMMENT_MARKER}\nold plan`), user: { login: 'github-actions[bot]' } });
    const first = await postPlanComment({ token: PERSONAL_TOKEN, markdown: 'plan A', context: pullRequestContext(), baseUrl });
    const second = await postPlanComment({ token: PERSONAL_TOKEN, markdown: 'plan B', context: pullRequestContext(), baseUrl });
    expect(first.action).toBe('created');
    expect(second).toEqual({ action: 'updated', id: first.id });
    expect(state.comments.find((comment) => comment.id === first.id)).toMatchObject({ user: { login: 'identity-bot' } });
  });

  it('names the head commit the plan was made for', async () => {
    const sha = 'a'.repeat(40);
    await postPlanComment({ token: TOKEN, markdown: 'plan', context: pullRequestContext(PULL, sha), baseUrl });
    expect(planComments()[0].body).toBe(`${COMMENT_MARKER}\n<sub>Plan for commit ${sha}</sub>\n\nplan`);
  });

  it('cuts a plan that is too long for a comment at a line break and points to the job summary of the run', async () => {
    const row = (i: number): string => `<tr><td>leaver${String(i).padStart(4, '0')}@contoso.test</td><td>📝 planned</td></tr>`;
    const markdown = ['## Offboarding plan', ...Array.from({ length: 2_000 }, (_, i) => row(i))].join('\n');
    expect(markdown.length).toBeGreaterThan(GITHUB_BODY_LIMIT);

    await postPlanComment({ token: TOKEN, markdown, context: pullRequestContext(), baseUrl });
    const [comment] = planComments();
    expect(comment.body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(comment.body).toContain('the full plan is in the job summary');
    expect(comment.body).toContain(`https://github.com/${OWNER}/${REPO}/actions/runs/${RUN_ID}`);
    const kept = comment.body.slice(COMMENT_MARKER.length + 1, comment.body.indexOf('\n\n…the plan is too long'));
    expect(markdown.startsWith(kept)).toBe(true);
    expect(kept.endsWith('</tr>')).toBe(true);
  });

  it('refuses an event without a pull request number before calling GitHub', async () => {
    await expect(postPlanComment({ token: TOKEN, markdown: 'plan', context: pullRequestContext(null), baseUrl })).rejects.toThrow(
      'the event has no pull request number',
    );
    expect(state.requests).toEqual([]);
  });
});

describe('the plan comment body', () => {
  it('is the plan itself behind the hidden marker when it fits', () => {
    expect(planCommentBody('## Offboarding plan\n')).toBe(`${COMMENT_MARKER}\n## Offboarding plan\n`);
  });
});
