// The plan as one pull request comment, found by a hidden marker and updated in place on each push.
import * as github from '@actions/github';
import { Budget, characters } from './budget.js';
import {
  compactHeading,
  failureBlock,
  hasFailure,
  headLines,
  inputErrorHeading,
  inputErrorLine,
  legendLine,
  preflightParts,
  TAIL_RESERVE,
  tableHead,
  tableRow,
  tailLines,
  userLine,
  viewOf,
  type Cut,
} from './sections.js';
import { laterStageParts } from './stages.js';
import type { SummaryInput } from './view.js';

export const COMMENT_MARKER = '<!-- m365-offboard:plan -->';
/** GitHub rejects comments over 65,536 characters; keep room for the marker and the note. */
const COMMENT_LIMIT = 60_000;
/** The marker and the head commit's line that `planCommentBody` puts before the plan. */
const PREFIX_RESERVE = 200;

/**
 * The plan for the comment, in characters under the limit: the head, one compact line per user, then what needs
 * attention (input errors, failed checks, failures), then the table when it fits whole. A table left out is in the
 * job summary and is no cut; a user's line or a detail that needs attention left out is.
 */
export function buildPlanComment(input: SummaryInput): { markdown: string; cut: Cut } {
  const view = viewOf(input);
  const budget = new Budget(COMMENT_LIMIT - PREFIX_RESERVE, characters);
  const cut: Cut = { users: 0, details: 0 };
  const { users } = input;
  budget.add(headLines(view));
  if (users.length > 0 && budget.add(compactHeading(view), TAIL_RESERVE)) {
    cut.users += budget.addEach(users.map((user) => userLine(view, user)), TAIL_RESERVE);
  } else cut.users += users.length;
  const later = laterStageParts(view);
  if (later.lines.length > 0 && budget.add(later.heading, TAIL_RESERVE)) cut.details += budget.addEach(later.lines, TAIL_RESERVE);
  else cut.details += later.lines.length;
  if (input.inputErrors.length > 0) {
    budget.add(inputErrorHeading(view), TAIL_RESERVE);
    cut.details += budget.addEach(input.inputErrors.map((_, i) => inputErrorLine(view, i)), TAIL_RESERVE);
  }
  const failedChecks = input.preflight.some((line) => !line.ok);
  if (failedChecks) {
    const preflight = preflightParts(view);
    budget.add(preflight.open, TAIL_RESERVE);
    cut.details += budget.addEach(preflight.lines, TAIL_RESERVE);
  }
  const failed = users.filter(hasFailure);
  if (failed.length > 0 && budget.add(['', `### Failures (${failed.length})`], TAIL_RESERVE)) {
    cut.details += budget.addEach(failed.map((user) => failureBlock(view, user)), TAIL_RESERVE);
  } else cut.details += failed.length;
  if (users.length > 0) {
    const table = ['', tableHead(view), ...users.map((user) => tableRow(view, user)), '</table>', '', legendLine()];
    if (!budget.add(table, TAIL_RESERVE)) {
      const where = input.runUrl ? ` of [the run](${encodeURI(input.runUrl)})` : '';
      budget.add(['', `<sub>Each user's steps, reasons and delegate are in the job summary${where}.</sub>`], TAIL_RESERVE);
    }
  }
  cut.details += budget.addEach((input.notices ?? []).map((notice) => ['', `> ${view.show(notice)}`]), TAIL_RESERVE);
  budget.add(tailLines(view, cut, 'this comment'));
  return { markdown: budget.toString(), cut };
}

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
 * The comment body: the plan and the commit it was made for, so that a reviewer can tell a current plan from one
 * left by an earlier push. `buildPlanComment` keeps a plan under the limit; longer text is cut at a line break.
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
