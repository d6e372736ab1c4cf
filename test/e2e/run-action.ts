// Runs the bundled action the way the runner does: `node dist/index.js` with INPUT_* variables and the runner's files.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackFacts } from '../stack/stack.js';

export const ACTION_ENTRY = path.resolve(import.meta.dirname, '../../dist/index.js');

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  /** The results file, parsed (undefined when it was not written). */
  results: ResultsFile | undefined;
  resultsPath: string;
  runnerTemp: string;
}

export interface ResultsFile {
  version: number;
  mode: string;
  outcome: string;
  error?: string;
  users: {
    status: string;
    source: { file: string; line: number };
    request: Record<string, unknown>;
    reason?: string;
    delegate?: { userPrincipalName?: string; source: string };
    steps: { step: string; status: string; reason?: string; before?: Record<string, unknown>; after?: Record<string, unknown>; error?: { message: string; code?: string }; verified?: true; stage?: string }[];
  }[];
  inputErrors: { file?: string; line?: number; message: string }[];
  selection?: { mode: string; note: string; total: number; later?: { source: { file: string; line: number }; stages: { stage: string; at?: string; steps: string[] }[] }[] };
}

/** Parses a GITHUB_OUTPUT file (`name<<delimiter` blocks written by @actions/core). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
    outputs[name] = value.join('\n');
  }
  return outputs;
}

export interface RunOptions {
  workspace: string;
  inputs: Record<string, string>;
  eventName: string;
  payload: Record<string, unknown>;
  /** Extra environment (e.g. NODE_EXTRA_CA_CERTS, PSModulePath). */
  env?: Record<string, string>;
  /** Sends SIGTERM this many ms after start. */
  sigtermAfterMs?: number;
  timeoutMs?: number;
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const eventPath = path.join(runnerTemp, 'event.json');
  const summaryPath = path.join(runnerTemp, 'step-summary.md');
  const outputPath = path.join(runnerTemp, 'output.txt');
  mkdirSync(runnerTemp, { recursive: true });
  writeFileSync(eventPath, JSON.stringify(options.payload));
  writeFileSync(summaryPath, '');
  writeFileSync(outputPath, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_REPOSITORY: 'contoso/identity-offboarding',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: String((options.payload.after as string | undefined) ?? 'f'.repeat(40)),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: runnerTemp,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;

  const child = execFile(process.execPath, [ACTION_ENTRY], {
    cwd: options.workspace,
    env,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  if (options.sigtermAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), options.sigtermAfterMs);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));

  const resultsPath = options.inputs['results-file'] || path.join(runnerTemp, 'offboarding-results.json');
  let results: ResultsFile | undefined;
  try {
    results = JSON.parse(readFileSync(resultsPath, 'utf8')) as ResultsFile;
  } catch {
    results = undefined;
  }
  return {
    exitCode,
    stdout,
    stderr,
    summary: readFileSync(summaryPath, 'utf8'),
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    results,
    resultsPath,
    runnerTemp,
  };
}

/** The inputs that point the action at the test stack (AD, Entra, Exchange, SharePoint, pwsh). */
export function stackActionInputs(facts: StackFacts): Record<string, string> {
  return {
    'github-token': '',
    'ldap-url': facts.ldap.url,
    'ldap-bind-dn': facts.ldap.bindDn,
    'ldap-password': facts.ldap.bindPassword,
    'ldap-base-dn': facts.ldap.baseDn,
    'ldap-ca': facts.caPem,
    'ldap-disabled-ou': facts.ldap.disabledOu,
    'tenant-id': facts.simulator.tenantId,
    'client-id': facts.simulator.clientId,
    certificate: facts.simulator.certificatePem,
    organization: facts.simulator.organization,
    'sharepoint-admin-url': facts.simulator.sharepointAdminUrl,
    'authority-host': facts.simulator.url,
    'graph-endpoint': facts.simulator.url,
    pwsh: facts.pwsh,
  };
}

/** The environment the runner of a real tenant would have, here: the stack's CA trusted, its modules found. */
export function stackActionEnv(facts: StackFacts): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: facts.caPath, PSModulePath: facts.psModulePath };
}
