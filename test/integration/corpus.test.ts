// The adversarial input corpus run through the bundled action in apply mode: exact outcomes, and no change but the expected.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimState, SimUserState } from '../stack/simulator/types.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotDirectory, stackFacts } from '../helpers/stack.js';
import { CASES, DEFAULT_STEPS, fixtureFor, type CorpusCase, type Effect, type FixtureVariant } from './corpus-cases.js';
import { applyMailboxItemsEffect } from './corpus-cases-exoa.js';
import { applyOwnersEffect, isOwnersEffect } from './corpus-cases-owners.js';
import { stackApps } from '../helpers/app-roles.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
/** The run URL run-action.ts gives every run (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID). */
const RUN_URL = 'https://github.com/contoso/identity-offboarding/actions/runs/4242';

/** The inputs that point the action at the whole stack. */
const stackInputs: Record<string, string> = { mode: 'apply', select: 'all', ...stackActionInputs(facts) };
const stackEnv = stackActionEnv(facts);

type Directory = Record<string, Record<string, string[]>>;

/** Stands for a timestamp the run wrote: any ISO time from the run's start on. */
const RUN_TIME = Symbol('a time during the run');
/** The simulator's state as expected after a run: timestamps the run writes are RUN_TIME. */
type ExpectedSim = Omit<SimState, 'users'> & {
  users: (Omit<SimUserState, 'revocations' | 'signInSessionsValidFromDateTime'> & {
    revocations: (string | typeof RUN_TIME)[];
    signInSessionsValidFromDateTime: string | null | typeof RUN_TIME;
  })[];
};

/** Every path where `actual` differs from `expected`, with both values: the collateral changes. */
function differences(expected: unknown, actual: unknown, since: number, at = ''): string[] {
  if (expected === RUN_TIME) {
    // Entra writes whole seconds: a revocation in the run's first second reads as up to 1 s before its start.
    return typeof actual === 'string' && Date.parse(actual) >= since - 1000 ? [] : [`${at}: a time during the run → ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const length = Math.max(expected.length, actual.length);
    return Array.from({ length }, (_, i) => differences(expected[i], actual[i], since, `${at}[${i}]`)).flat();
  }
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && !Array.isArray(expected) && !Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      differences((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], since, `${at}/${key}`),
    );
  }
  return Object.is(expected, actual) ? [] : [`${at}: ${JSON.stringify(expected)} → ${JSON.stringify(actual)}`];
}

/** The servers' state after the case: the state before with exactly the case's effects applied. */
function expectedState(
  testCase: CorpusCase,
  before: { directory: Directory; sim: SimState },
  startedAt: string,
): { directory: Directory; sim: ExpectedSim } {
  const directory = structuredClone(before.directory);
  const sim: ExpectedSim = structuredClone(before.sim);
  const fixture = fixtureFor(testCase.fixture);
  const steps = testCase.inputs?.steps?.split(',').map((s) => s.trim()) ?? DEFAULT_STEPS;
  const person = (key: string) => {
    const found = fixture.people.find((p) => p.key === key);
    if (!found) throw new Error(`no fixture person ${key}`);
    return found;
  };
  const adEntry = (sam: string): Record<string, string[]> => {
    const entry = Object.values(directory).find((attributes) => attributes.sAMAccountName?.[0] === sam);
    if (!entry) throw new Error(`no AD account ${sam} before the run`);
    return entry;
  };
  const mailboxOf = (key: string) => {
    const user = sim.users.find((u) => u.key === key);
    const mailbox = user && sim.mailboxes.find((m) => m.userId === user.id);
    if (!mailbox) throw new Error(`no mailbox of ${key} before the run`);
    return mailbox;
  };
  const apply = (effect: Effect): void => {
    if ('items' in effect) return applyMailboxItemsEffect(effect, sim as unknown as SimState, RUN_TIME, facts.simulator.clientId);
    if (isOwnersEffect(effect)) return applyOwnersEffect(effect, sim as unknown as SimState);
    if ('renamed' in effect) {
      adEntry(person(effect.renamed).sam as string).displayName = [effect.displayName.replace('{runDate}', startedAt.slice(0, 10))];
      return;
    }
    if ('forwarded' in effect) {
      Object.assign(mailboxOf(effect.forwarded), { forwardingAddress: effect.to, deliverToMailboxAndForward: true });
      return;
    }
    if ('autoreplied' in effect) {
      // Exchange wraps the message in the HTML tags it adds to text.
      const stored = `<html><body>${effect.message}</body></html>`;
      const mailbox = mailboxOf(effect.autoreplied);
      mailbox.autoReply = { ...mailbox.autoReply, autoReplyState: 'Enabled', internalMessage: stored, externalMessage: stored, externalAudience: 'All' };
      return;
    }
    if ('stamped' in effect) {
      const sam = person(effect.stamped).sam as string;
      adEntry(sam).description = [`Offboarded ${startedAt.slice(0, 10)} by ${RUN_URL} — ${effect.reason}`];
      return;
    }
    if ('leftGroups' in effect) {
      const id = sim.users.find((u) => u.key === effect.leftGroups)?.id;
      for (const group of sim.groups) if (effect.groups.includes(group.displayName)) group.members = group.members.filter((m) => m !== id);
      return;
    }
    const leaver = person(effect.offboarded);
    if (leaver.sam && steps.includes('ad-disable')) {
      const entry = adEntry(leaver.sam);
      entry.userAccountControl = [String(Number(entry.userAccountControl[0]) | 0x2)];
    }
    if (!leaver.cloud) return;
    const user = sim.users.find((u) => u.key === leaver.key);
    if (!user) throw new Error(`no Entra user ${leaver.key} before the run`);
    if (!user.onPremisesSyncEnabled && steps.includes('entra-disable')) user.accountEnabled = false;
    if (steps.includes('entra-revoke')) {
      user.revocations = [...user.revocations, RUN_TIME];
      user.signInSessionsValidFromDateTime = RUN_TIME;
    }
    if (!effect.delegate) return;
    const mailbox = sim.mailboxes.find((m) => m.userId === user.id);
    if (mailbox && steps.includes('mailbox-access')) {
      mailbox.permissions.push({ user: effect.delegate, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: true, deny: false });
    }
    const site = sim.sites.find((s) => s.owner.toLowerCase() === user.userPrincipalName.toLowerCase());
    if (site && user.onedrive && steps.includes('onedrive-access')) site.admins.push(effect.delegate);
  };
  for (const effect of testCase.effects ?? []) apply(effect);
  return { directory, sim };
}

/** HTML the summary itself writes; any other tag came from the data. */
const SUMMARY_TAGS = new Set(['table', 'tr', 'th', 'td', 'sub', 'details', 'summary', 'code', 'b', 'br']);

/** What makes a job summary (or a comment) unsafe: a tag the report did not write, a live link that is not the run's. */
function markupProblems(markdown: string): string[] {
  const problems: string[] = [];
  for (const match of markdown.matchAll(/<\/?([A-Za-z][\w-]*)/g)) {
    if (!SUMMARY_TAGS.has(match[1].toLowerCase())) problems.push(`raw tag ${match[0]}`);
  }
  if (/javascript:/i.test(markdown)) problems.push('a javascript: URL');
  for (const match of markdown.matchAll(/\]\(([^)]*)\)/g)) {
    if (!match[1].startsWith('https://github.com/')) problems.push(`a link to ${match[1]}`);
  }
  return problems;
}

/** Workflow commands in stdout that the action did not mean to write: a forged annotation or a state change. */
function forgedCommands(stdout: string, run: ActionRun): string[] {
  const problems: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('::')) continue;
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!command || !['add-mask', 'error', 'warning', 'notice', 'debug', 'group', 'endgroup'].includes(command[1])) {
      problems.push(line.slice(0, 200));
      continue;
    }
    // An error without a title is only ever the run's own failure message.
    if (command[1] === 'error' && !command[2]) {
      const own = [run.results?.error, ...(/^\d+ user\(s\) failed/.test(command[3]) ? [command[3]] : [])];
      if (!own.some((message) => message && command[3] === message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'))) {
        problems.push(line.slice(0, 200));
      }
    }
  }
  return problems;
}

let loaded: FixtureVariant | undefined;
let dirty = true;
const tally = { cases: 0, collateral: 0 };

/** Puts the tenant in the case's fixture, unless the last case left it so (cases that change nothing share it). */
async function prepare(variant: FixtureVariant): Promise<void> {
  if (loaded === variant && !dirty) return;
  await loadStackTenant(facts, fixtureFor(variant));
  loaded = variant;
  dirty = false;
}

async function objectIds(): Promise<Map<string, string>> {
  return new Map((await control.state()).users.map((u) => [u.key, u.id]));
}

interface CaseRun {
  run: ActionRun;
  before: { directory: Directory; sim: SimState };
  after: { directory: Directory; sim: SimState };
  paths: string[];
}

async function runCase(testCase: CorpusCase, extra: { eventName?: string; payload?: Record<string, unknown>; env?: Record<string, string>; inputs?: Record<string, string> } = {}): Promise<CaseRun> {
  await prepare(testCase.fixture ?? 'base');
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'corpus-workspace-'));
  if (testCase.roles) await control.apps(stackApps(facts, testCase.roles));
  try {
    const inputs = { ...stackInputs, ...testCase.inputs, ...extra.inputs };
    if (testCase.csv !== undefined) {
      const ids = await objectIds();
      const csv = testCase.csv.replace(/\{\{id:([\w.]+)\}\}/g, (_, key: string) => ids.get(key) ?? `(no id for ${key})`);
      mkdirSync(path.join(workspace, 'offboarding'));
      writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), csv);
    }
    if (testCase.usersInput !== undefined) inputs.users = testCase.usersInput;

    const before = { directory: await snapshotDirectory(facts), sim: await control.state() };
    await control.clearLog();
    // Until the comparison says otherwise, a run that ended half-way may have changed something.
    dirty = true;
    const run = await runAction({
      workspace,
      inputs,
      eventName: extra.eventName ?? 'workflow_dispatch',
      payload: extra.payload ?? { inputs: {}, ref: 'refs/heads/main', repository },
      env: { ...stackEnv, ...extra.env },
      timeoutMs: 100_000,
    });
    const after = { directory: await snapshotDirectory(facts), sim: await control.state() };
    const paths = (await control.log()).entries.map((entry) => entry.path);
    rmSync(run.runnerTemp, { recursive: true, force: true });
    return { run, before, after, paths };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    if (testCase.roles) await control.apps(stackApps(facts));
  }
}

/** Asserts the servers hold exactly the state before plus the case's effects, and counts whatever else changed. */
function expectOnlyTheEffects(testCase: CorpusCase, { run, before, after }: CaseRun): void {
  const startedAt = (run.results as { startedAt?: string } | undefined)?.startedAt ?? new Date(0).toISOString();
  const expected = expectedState(testCase, before, startedAt);
  const since = Date.parse(startedAt);
  const collateral = [
    ...differences(expected.directory, after.directory, since, 'AD'),
    ...differences(expected.sim, after.sim, since, 'M365'),
  ];
  tally.collateral += collateral.length;
  dirty = (testCase.effects?.length ?? 0) > 0 || collateral.length > 0;
  expect(collateral, 'changes other than the expected ones').toEqual([]);
}

function expectOutcome(testCase: CorpusCase, { run, paths }: CaseRun): void {
  const detail = `exit ${run.exitCode}\nstdout:\n${run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(0, 6000)}\nstderr:\n${run.stderr.slice(0, 2000)}`;
  const results = run.results;
  expect(results, detail).toBeDefined();
  if (!results) return;
  expect(run.stderr, detail).toBe('');
  expect(run.exitCode, detail).toBe(testCase.exitCode);
  const file = testCase.usersInput !== undefined ? 'inputs.users' : 'offboarding/leavers.csv';

  if (testCase.inputErrors) {
    expect(results.outcome).toBe('failed');
    expect(results.users).toEqual([]);
    expect(results.inputErrors.map((e) => [e.file, e.line])).toEqual(testCase.inputErrors.map((e) => [file, e.line]));
    testCase.inputErrors.forEach((wanted, i) => expect(results.inputErrors[i]?.message).toContain(wanted.message));
    for (const { line } of testCase.inputErrors) {
      expect(run.stdout).toContain(`::error title=Offboarding input error,file=${file},line=${line}::`);
    }
    expect(run.summary).toContain('— nothing was changed');
    // Nothing was looked up: no connection to the DC, no request to Microsoft 365.
    expect(run.stdout).not.toContain('bound to');
    expect(paths).toEqual([]);
  } else if (testCase.runError) {
    expect(results.outcome).toBe('failed');
    expect(results.error).toContain(testCase.runError);
    expect(results.users).toEqual([]);
    expect(paths).toEqual([]);
  } else {
    expect(results.outcome, detail).toBe('completed');
    const wanted = testCase.users ?? [];
    expect(results.users.map((u) => [u.source.file, u.source.line, u.status]), detail).toEqual(wanted.map((u) => [file, u.line, u.status]));
    wanted.forEach((user, i) => {
      const got = results.users[i];
      const label = `${file}:${user.line}`;
      expect(got.reason === undefined ? undefined : got.reason.split(':')[0], `${label} reason: ${got.reason}`).toBe(user.code);
      expect(got.steps.map((s) => s.status), `${label} steps: ${JSON.stringify(got.steps)}`).toEqual(user.steps);
      // A done step with state was read back: never on record as done without it.
      expect(got.steps.filter((s) => s.status === 'done' && (s.step === 'entra-revoke') === (s.verified === true)), label).toEqual([]);
      if (user.delegate) {
        const { userPrincipalName, source, notes, ...review } = (got.delegate ?? { source: 'missing' }) as { userPrincipalName?: string; source: string; notes?: string[] };
        expect({ userPrincipalName, source, notes }, label).toEqual({ userPrincipalName: user.delegate.userPrincipalName, source: user.delegate.source, notes: user.delegate.notes });
        if (user.delegate.review) expect(review, `${label} delegate record`).toEqual(user.delegate.review);
      }
      if (user.request) expect(got.request, label).toMatchObject(user.request);
      if (user.status === 'failed') {
        expect(run.stdout).toContain(`::error title=Offboarding failed for a user,file=${file},line=${user.line}::`);
      }
    });
    expect(run.outputs.selected).toBe(String(wanted.length));
    expect(run.outputs.failed).toBe(String(wanted.filter((u) => u.status === 'failed').length));
  }

  for (const sent of testCase.graphSees ?? []) {
    expect(paths.some((p) => p.includes(sent)), `a Graph request containing ${sent} among:\n${paths.join('\n')}`).toBe(true);
  }
  for (const text of testCase.summaryShows ?? []) expect(run.summary).toContain(text);
  for (const { line, message } of testCase.warnings ?? []) {
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning ') && l.includes(`file=${file},line=${line}::`));
    expect(warnings.some((l) => l.includes(message)), `a warning at ${file}:${line} saying ${message}, among:\n${warnings.join('\n')}`).toBe(true);
  }
  expect(markupProblems(run.summary), 'the job summary').toEqual([]);
  expect(forgedCommands(run.stdout, run), 'workflow commands').toEqual([]);
}

beforeAll(async () => {
  await prepare('base');
});

afterAll(async () => {
  // The next test file finds the base tenant, as the global setup left it.
  await loadStackTenant(facts, fixtureFor('base'));
  console.log(`adversarial corpus: ${tally.cases} cases run, ${tally.collateral} collateral changes found`);
});

describe('the adversarial input corpus in apply mode', () => {
  it('has at least 50 cases, each named once', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const caseRun = await runCase(testCase);
      tally.cases++;
      expectOnlyTheEffects(testCase, caseRun);
      expectOutcome(testCase, caseRun);
    });
  }
});

describe('the plan comment on a pull request that carries markup', () => {
  let server: Server;
  let apiUrl: string;
  const comments: string[] = [];

  beforeAll(async () => {
    // A stand-in for the GitHub REST calls a first plan comment makes with the GITHUB_TOKEN: who am I (refused to an
    // installation token), list the comments (none), create one.
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        if (request.method === 'GET' && request.url === '/user') {
          response.statusCode = 403;
          response.end('{"message":"Resource not accessible by integration"}');
        } else if (request.method === 'GET' && /^\/repos\/contoso\/identity-offboarding\/issues\/7\/comments/.test(request.url ?? '')) {
          response.end('[]');
        } else if (request.method === 'POST' && request.url === '/repos/contoso/identity-offboarding/issues/7/comments') {
          const body = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body?: unknown }).body);
          comments.push(body);
          response.statusCode = 201;
          response.end(JSON.stringify({ id: comments.length, body }));
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

  const prCase: CorpusCase = {
    name: 'plan on a pull request: markup in names and reasons stays text in the comment, and nothing changes',
    csv:
      'userPrincipalName,employeeId,reason\n' +
      'jdoe@contoso.test,,"<img src=x onerror=alert(1)> [x](javascript:alert(1)) </table>"\n' +
      ',"<script>alert(1)</script>|",\n',
    exitCode: 1,
    users: [
      { line: 2, status: 'planned', steps: ['planned', 'skipped', 'planned', 'planned', 'planned'] },
      { line: 3, status: 'failed', code: 'not-found', steps: ['blocked', 'blocked', 'blocked', 'blocked', 'blocked'] },
    ],
    summaryShows: ['&#60;img src=x onerror=alert&#40;1&#41;&#62;', '&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;&#124;'],
  };

  it(prCase.name, async () => {
    const caseRun = await runCase(prCase, {
      eventName: 'pull_request',
      payload: { action: 'opened', number: 7, pull_request: { number: 7, base: { sha: 'a'.repeat(40) }, head: { sha: 'b'.repeat(40) } }, repository },
      env: { GITHUB_API_URL: apiUrl },
      inputs: { mode: 'plan', 'github-token': 'ghs_corpusPlanCommentToken' },
    });
    tally.cases++;
    expectOnlyTheEffects(prCase, caseRun);
    expectOutcome(prCase, caseRun);
    expect(comments).toHaveLength(1);
    const [comment] = comments;
    expect(comment.startsWith('<!-- m365-offboard:plan -->\n')).toBe(true);
    const body = comment.slice('<!-- m365-offboard:plan -->\n'.length);
    expect(markupProblems(body), 'the plan comment').toEqual([]);
    for (const text of prCase.summaryShows ?? []) expect(body).toContain(text);
  });
});
