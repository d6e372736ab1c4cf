// The plan as one pull request comment, found by a hidden marker and updated in place on each push.
import * as github from '@actions/github';

export const COMMENT_MARKER = '<!-- m365-offboard:plan -->';
/** GitHub rejects comments over 65,536 characters; keep room for the marker and the note. */
const COMMENT_LIMIT = 60_000;

type Context = typeof github.context;
type Octokit = ReturnType<typeof github.getOctokit>;

/** Who posts with the workflow's GITHUB_TOKEN. */
const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The login whose comments this action may take as its own. Anyone who can comment can also write the marker, so a
 * comment counts only when its author is the token's own account: the user of a personal token (`GET /user`), or
 * github-actions[bot] for the GITHUB_TOKEN, which may not read `/user` (403 "Resource not accessible by integration").
 */
async function ownLogin(octokit: Octokit): Promise<string> {
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch (error) {
    if ((error as { status?: number }).status === 403) return ACTIONS_BOT;
    throw error;
  }
}

/**
 * The comment body: the plan, cut short with a pointer to the job summary when it is too long, and the commit it
 * was made for, so that a reviewer can tell a current plan from one left by an earlier push.
 */
export function planCommentBody(markdown: string, runUrl?: string, headSha?: string): string {
  let body = markdown;
  if (body.length > COMMENT_LIMIT) {
    const cut = body.lastIndexOf('\n', COMMENT_LIMIT);
    body = `${body.slice(0, cut > 0 ? cut : COMMENT_LIMIT)}\n\n…the plan is too long for a comment: the full plan is in the job summary${
      runUrl ? ` of [the run](${runUrl})` : ''
    }.\n`;
  }
  return `${COMMENT_MARKER}\n${headSha ? `<sub>Plan for commit ${headSha}</sub>\n\n` : ''}${body}`;
}

/** Creates the plan comment, or updates the one an earlier run posted. Returns what it did. */
export async function postPlanComment(options: {
  token: string;
  markdown: string;
  context: Context;
  baseUrl?: string;
}): Promise<{ action: 'created' | 'updated'; id: number }> {
  const { context } = options;
  const number = context.payload.pull_request?.number;
  if (!number) throw new Error('the event has no pull request number');
  const octokit = github.getOctokit(options.token, options.baseUrl ? { baseUrl: options.baseUrl } : {});
  const { owner, repo } = context.repo;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const headSha = (context.payload.pull_request?.head as { sha?: unknown } | undefined)?.sha;
  const body = planCommentBody(options.markdown, runUrl, typeof headSha === 'string' && /^[0-9a-f]{40}$/.test(headSha) ? headSha : undefined);
  const login = await ownLogin(octokit);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
  const existing = comments.find((comment) => comment.body?.startsWith(COMMENT_MARKER) && comment.user?.login === login);
  if (existing) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', id: existing.id };
  }
  const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
  return { action: 'created', id: created.data.id };
}
