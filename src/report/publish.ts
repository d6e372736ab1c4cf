// Publishes a run: the outputs, an annotation per failed user, the job summary, the plan comment; and says why the run fails.
import * as core from '@actions/core';
import * as github from '@actions/github';
import { describeBreakers, STOPPED_BY, type BreakerSettings, type BreakerTrip } from '../breakers.js';
import { OUTPUT } from '../inputs/names.js';
import type { Inputs } from '../inputs-types.js';
import type { PreflightLine, RunInfo, UserResult } from '../model.js';
import type { Selection } from '../sources/select.js';
import { buildPlanComment, postPlanComment } from './comment.js';
import type { Outcome } from './lifecycle.js';
import { IdentityMask, resultIdentities } from './redact.js';
import type { ResultsRecorder } from './results.js';
import { describeCut } from './sections.js';
import { buildSummary, countUsers, userLabel, type SummaryInput } from './summary.js';

const OUTPUT_RESULTS_LIMIT = 512 * 1024;

/** The message the run fails with, if it fails: failed users count only under `fail-on: any`. */
export async function publishReport(options: {
  inputs?: Inputs;
  document: ResultsRecorder['document'];
  preflight: PreflightLine[];
  selection?: Selection;
  notices: string[];
  failure?: string;
  outcome: Outcome;
  resultsFile: string;
  info: RunInfo;
  breakers: BreakerSettings;
  stopped?: BreakerTrip;
  mask: IdentityMask;
}): Promise<string | undefined> {
  const { inputs, document, failure, mask } = options;
  const users: UserResult[] = document.users;
  const counts = countUsers(users);
  core.setOutput(OUTPUT.selected, counts.selected);
  core.setOutput(OUTPUT.changed, counts.changed);
  core.setOutput(OUTPUT.unchanged, counts.unchanged);
  core.setOutput(OUTPUT.failed, counts.failed);
  const compact = JSON.stringify(document);
  if (Buffer.byteLength(compact) < OUTPUT_RESULTS_LIMIT) core.setOutput(OUTPUT.results, compact);
  else {
    core.setOutput(OUTPUT.results, '');
    core.notice(`The results are over 512 KiB; read them from ${options.resultsFile}.`);
  }

  for (const user of users.filter((u) => u.status === 'failed')) {
    const failedSteps = user.steps.filter((s) => s.status === 'failed').map((s) => `${s.step}: ${s.error?.message ?? s.reason}`);
    mask.add(resultIdentities(user));
    core.error(mask.text(`${userLabel(user)}: ${[user.reason, ...failedSteps].filter(Boolean).join('; ')}`), {
      title: 'Offboarding failed for a user',
      file: user.source.file,
      startLine: user.source.line,
    });
  }

  const reported: SummaryInput = {
    mode: inputs?.mode ?? 'plan',
    outcome: options.outcome,
    error: failure,
    selection: document.selection,
    steps: inputs?.steps ?? [],
    users,
    inputErrors: document.inputErrors,
    preflight: options.preflight,
    notices: options.notices,
    redacted: mask.enabled,
    mask,
    resultsFile: options.resultsFile,
    runUrl: options.info.url,
    breakers: inputs ? describeBreakers(options.breakers, inputs.mode) : undefined,
    stoppedBy: options.stopped ? STOPPED_BY[options.stopped.code] : undefined,
    undoOf: document.undoOf,
  };
  const summary = buildSummary(reported);
  const cuts = [describeCut(summary.cut) && `the job summary leaves out ${describeCut(summary.cut)}`];
  try {
    await core.summary.addRaw(summary.markdown).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
  if (inputs?.mode === 'plan' && options.info.event.startsWith('pull_request') && inputs.githubToken) {
    const comment = buildPlanComment(reported);
    cuts.push(describeCut(comment.cut) && `the plan comment leaves out ${describeCut(comment.cut)}`);
    try {
      await postPlanComment({ token: inputs.githubToken, markdown: comment.markdown, context: github.context });
    } catch (error) {
      core.warning(`Could not post the plan comment on the pull request: ${(error as Error).message}`);
    }
  }

  const cut = cuts.filter(Boolean).join('; ');
  const cutFailure = cut && inputs?.mode === 'plan' ? `The plan was cut to fit: ${cut}. The results file ${options.resultsFile} has everything.` : undefined;
  if (failure) return mask.text(failure);
  if (cutFailure) return cutFailure;
  if (counts.failed > 0 && inputs?.failOn !== 'never') return `${counts.failed} user(s) failed; see the job summary and ${options.resultsFile}.`;
  return options.outcome === 'cancelled' ? 'The run was cancelled.' : undefined;
}
