// The action: sources → requests → resolve → plan → apply → report. The only place that sets the exit status.
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { DEFAULT_BREAKERS, type BreakerSettings, type BreakerTrip } from './breakers.js';
import { runEngine, unresolvedResult } from './engine.js';
import { readInputs } from './inputs.js';
import { OUTPUT } from './inputs/names.js';
import { notifyDelegates } from './notify/send.js';
import { adIdentity } from './preflight/identity.js';
import { openConnectors, type OpenedConnectors } from './preflight/index.js';
import type { InputError, PreflightLine, RunInfo } from './model.js';
import { requestedDelegateWarning } from './report/delegate.js';
import { startRunLifecycle } from './report/lifecycle.js';
import { publishReport } from './report/publish.js';
import { IdentityMask, personIdentities } from './report/redact.js';
import { ResultsRecorder } from './report/results.js';
import { resolvePeople } from './resolve/index.js';
import { makeBaseReader } from './sources/base.js';
import { readSources } from './sources/read.js';
import { selectRequests, type Selection } from './sources/select.js';
import { stepsFor } from './steps/index.js';
import { readUndo } from './undo/index.js';
import { logText } from './util/log-text.js';

/**
 * Users in flight at once. Large on purpose: every user's Graph calls then go out together in full batches, and
 * users wait in the PowerShell sessions' queues (which bound the real concurrency) instead of trickling into Graph
 * one at a time at the pace of the sessions.
 */
const CONCURRENCY = 1000;

function runInfo(): RunInfo {
  const { serverUrl, repo, runId, eventName, sha } = github.context;
  const repository = process.env.GITHUB_REPOSITORY ? `${repo.owner}/${repo.repo}` : undefined;
  return {
    event: eventName ?? process.env.GITHUB_EVENT_NAME ?? 'unknown',
    sha: sha || undefined,
    repository,
    runId: runId ? String(runId) : undefined,
    url: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
  };
}

function annotateInputErrors(errors: InputError[], mask: IdentityMask): void {
  for (const error of errors) {
    core.error(mask.text(error.message), { title: 'Offboarding input error', file: error.file, startLine: error.line });
  }
}

/** `now` is the run's clock (what `due` and the stages are measured against); tests set it. */
export async function run(now: () => Date = () => new Date()): Promise<void> {
  const startedAt = now();
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const { inputs, errors: inputProblems } = readInputs();
  const info = runInfo();
  const resultsFile =
    inputs?.resultsFile ?? path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'offboarding-results.json');
  core.setOutput(OUTPUT.resultsFile, resultsFile);
  const recorder = new ResultsRecorder(resultsFile, { mode: inputs?.mode ?? 'plan', run: info, startedAt });
  const document = recorder.document;
  let preflight: PreflightLine[] = [];
  let selection: Selection | undefined;
  let notices: string[] = [];
  let opened: OpenedConnectors | undefined;
  let failure: string | undefined;
  let stopped: BreakerTrip | undefined;
  const breakers: BreakerSettings = {
    canary: inputs?.canary ?? DEFAULT_BREAKERS.canary,
    failureThreshold: inputs?.failureThreshold ?? DEFAULT_BREAKERS.failureThreshold,
  };
  // The log is as readable as the summary (anyone who reads the repository's Actions): redacted, both are masked.
  const mask = new IdentityMask(inputs?.summary === 'redacted');
  const lifecycle = startRunLifecycle({
    recorder,
    warn: (message) => core.warning(message),
    report: async (outcome, error) => {
      const failed = await publishReport({ inputs, document, preflight, selection, notices, failure: error, outcome, resultsFile, info, breakers, stopped, mask });
      if (failed) core.setFailed(failed);
    },
  });

  try {
    if (!inputs) {
      document.inputErrors = inputProblems.map((message) => ({ message }));
      throw new Error(`The action's inputs are not valid:\n${inputProblems.join('\n')}`);
    }
    const sources = await readSources(inputs, workspace);
    const undo = inputs.undoFrom ? await readUndo(workspace, inputs.undoFrom, sources.errors) : undefined;
    if (undo) inputs.steps = undo.stepNames;
    mask.add(sources.identities);
    notices = sources.notices;
    for (const notice of notices) core.notice(mask.text(notice));
    if (sources.errors.length > 0) {
      document.inputErrors = sources.errors;
      annotateInputErrors(sources.errors, mask);
      throw new Error(`${sources.errors.length} input error(s): nothing was changed. Fix the rows named above.`);
    }
    selection = await selectRequests({
      requests: sources.requests,
      select: undo ? 'due' : inputs.select,
      eventName: info.event,
      payload: github.context.payload as Record<string, unknown>,
      lookbackDays: inputs.lookbackDays,
      now: startedAt,
      timeZone: inputs.timeZone,
      fromUsersInput: sources.fromUsersInput,
      stages: inputs.stages,
      readBase: makeBaseReader({ workspace, token: inputs.githubToken, repo: github.context.repo }),
    });
    if (undo) selection = undo.select(selection, document);
    document.selection = { mode: selection.mode, note: selection.note, total: sources.requests.length, later: selection.later };
    const selected = selection.selected;
    core.info(logText(mask.text(`Selected ${selected.length} of ${sources.requests.length} request(s): ${selection.note}`)));
    if (selected.length > inputs.maxUsers) {
      throw new Error(
        `This run selects ${selected.length} users, more than max-users (${inputs.maxUsers}). Nothing was changed. ` +
          'Split the change, or raise max-users for this run if the count is expected.',
      );
    }

    // Until the engine takes over, every selected user is on record as not started: a run stopped in preflight or
    // while resolving (a failure, a cancellation) still lists everyone it selected.
    document.users = selected.map((request) => unresolvedResult(request, inputs.steps));
    recorder.touch();

    opened = await openConnectors(inputs, (message) => core.warning(message), (secret) => core.setSecret(secret), selected.length);
    preflight = opened.preflight;
    logPreflight(preflight, selected.length, mask);

    const people = await resolvePeople({ requests: selected, roster: sources.roster, inputs, connectors: opened.connectors });
    for (const person of people) mask.add(personIdentities(person));
    // The AD rights are read on the leavers' own accounts, so the AD identity is known only once they are found.
    const adLines = await adIdentity(opened.connectors.ad, inputs.ldap?.bindDn ?? '', people, inputs.steps, inputs.mode, undo?.recordOf);
    preflight.push(...adLines);
    logPreflight(adLines, selected.length, mask);
    for (const person of people) {
      for (const note of person.delegate.notes ?? []) core.info(logText(mask.text(`${person.request.source.file}:${person.request.source.line}: ${note}`)));
      const requested = person.stop ? undefined : requestedDelegateWarning(person.delegate);
      if (requested) {
        core.warning(logText(mask.text(requested)), { title: 'Delegate', file: person.request.source.file, startLine: person.request.source.line });
      } else if (person.delegate.source === 'none' && !person.stop && !undo) {
        core.warning('No delegate found: the mailbox and OneDrive steps are skipped for this user. Set a delegate in the row or default-delegate.', {
          file: person.request.source.file,
          startLine: person.request.source.line,
        });
      }
    }
    const users = await runEngine({
      people: undo ? undo.guard(people) : people,
      steps: undo?.steps ?? stepsFor(inputs.steps),
      mode: inputs.mode,
      inputs,
      connectors: opened.connectors,
      run: info,
      now: startedAt,
      concurrency: CONCURRENCY,
      signal: lifecycle.signal,
      breakers,
      onBreaker: (trip) => {
        stopped = trip;
      },
      onProgress: (index, result) => {
        document.users[index] = result;
        recorder.touch();
      },
    });
    document.users = users;
    const mailed = lifecycle.signal.aborted ? undefined : await notifyDelegates({ inputs, people, users, graph: opened.connectors.graph, warn: (m) => core.warning(logText(mask.text(m)), { title: 'Notification' }) });
    for (const line of mailed?.lines ?? []) core.info(logText(mask.text(line)));
    if (mailed) [document.notifications, notices] = [mailed.records, [...notices, ...mailed.lines]];
    if (stopped) {
      // A tripped breaker fails the run whatever fail-on says: users were left as they were, not offboarded.
      document.stoppedBy = stopped.code;
      failure = stopped.message;
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    if (opened) await opened.close();
    lifecycle.release();
  }

  await lifecycle.finalize(lifecycle.signal.aborted ? 'cancelled' : failure ? 'failed' : 'completed', failure);
}

/** Logs preflight lines and stops the run before any change when one failed and there is someone to change. */
function logPreflight(lines: readonly PreflightLine[], selected: number, mask: IdentityMask): void {
  for (const line of lines) {
    core.info(logText(mask.text(`${line.ok ? '✅' : '❌'} ${line.label}${line.detail ? ` — ${line.detail}` : ''}`)));
    if (line.notice) core.notice(logText(mask.text(line.notice)));
  }
  const failed = lines.filter((line) => !line.ok);
  if (failed.length > 0 && selected > 0) {
    throw new Error(`Preflight failed: ${failed.map((l) => l.label).join('; ')}. Nothing was changed.`);
  }
}
