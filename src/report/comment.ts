// The plan as one pull request comment, found by a hidden marker and updated in place on each push.
import * as github from '@actions/github';

export const COMMENT_MARKER = '<!-- m365-offboard:plan -->';
/** GitHub rejects comments over 65,536 characters; keep room for the marker and the note. */
const COMMENT_LIMIT = 60_000;

type Context = typeof github.context;

/** The comment body: the plan, cut short with a pointer to the job summary when it is too long. */
export function planCommentBody(markdown: string, runUrl?: string): string {
  let body = markdown;
  if (body.length > COMMENT_LIMIT) {
    const cut = body.lastIndexOf('\n', COMMENT_LIMIT);
    body = `${body.slice(0, cut > 0 ? cut : COMMENT_LIMIT)}\n\n…the plan is too long for a comment: the full plan is in the job summary${
      runUrl ? ` of [the run](${runUrl})` : ''
    }.\n`;
  }
  return `${COMMENT_MARKER}\n${body}`;
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
  const body = planCommentBody(options.markdown, runUrl);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
  const existing = comments.find((comment) => comment.body?.startsWith(COMMENT_MARKER));
  if (existing) {
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', id: existing.id };
  }
  const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
  return { action: 'created', id: created.data.id };
}
