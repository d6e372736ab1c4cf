// Runs the action in the test's own process (src/main.ts), as the runner would, on a clock the test sets.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as github from '@actions/github';
import { parseOutputs, type ActionRun, type ResultsFile, type RunOptions } from '../e2e/run-action.js';

/**
 * @actions/core keeps the job summary's path from its first write: every run of a test process writes this one file,
 * emptied before each run.
 */
const SUMMARY_DIR = mkdtempSync(path.join(os.tmpdir(), 'in-process-summary-'));
const SUMMARY_PATH = path.join(SUMMARY_DIR, 'step-summary.md');

/**
 * Runs `run(() => now)` of src/main.ts with the runner's variables and files for `options` (as runAction gives the
 * bundled action), then puts the environment, the event context and the exit code back as they were. What the action
 * prints is kept in `stdout`, not shown.
 */
export async function runInProcess(options: Omit<RunOptions, 'sigtermAfterMs' | 'timeoutMs'> & { now: Date }): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const eventPath = path.join(runnerTemp, 'event.json');
  const outputPath = path.join(runnerTemp, 'output.txt');
  writeFileSync(eventPath, JSON.stringify(options.payload));
  writeFileSync(SUMMARY_PATH, '');
  writeFileSync(outputPath, '');
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  Object.assign(process.env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: SUMMARY_PATH,
    GITHUB_OUTPUT: outputPath,
    GITHUB_REPOSITORY: 'contoso/identity-offboarding',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: String((options.payload.after as string | undefined) ?? 'f'.repeat(40)),
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: runnerTemp,
    ...options.env,
  });
  for (const [name, value] of Object.entries(options.inputs)) process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  // The event context is read once, when @actions/github loads: read again for this run's event.
  const Context = github.context.constructor as new () => typeof github.context;
  Object.assign(github.context, new Context());

  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  const exitCodeBefore = process.exitCode;
  let exitCode: number;
  try {
    const { run } = await import('../../src/main.js');
    await run(() => options.now);
  } finally {
    process.stdout.write = write;
    exitCode = Number(process.exitCode ?? 0);
    process.exitCode = exitCodeBefore;
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }

  const resultsPath = options.inputs['results-file'] || path.join(runnerTemp, 'offboarding-results.json');
  let results: ResultsFile | undefined;
  try {
    results = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsFile;
  } catch {
    results = undefined;
  }
  const run: ActionRun = {
    exitCode,
    stdout,
    stderr: '',
    summary: readFileSync(SUMMARY_PATH, 'utf8'),
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    results,
    resultsPath,
    runnerTemp,
  };
  rmSync(runnerTemp, { recursive: true, force: true });
  return run;
}
