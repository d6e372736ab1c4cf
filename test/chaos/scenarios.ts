// The fault matrix as data, and the one runner that both `npm run chaos` and the integration tests use.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import type { StepName } from '../../src/model.js';
import { ACTION_ENTRY, runAction, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { makeTenant, type Fixture } from '../stack/fixture.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import type { FaultConfig, LatencyProfile, LogEntry, SimState } from '../stack/simulator/types.js';
import { loadStackTenant, type StackFacts } from '../stack/stack.js';
import { actionProcess, stackPowerShells, stackSessions } from './processes.js';
import { TcpProxy } from './tcp-proxy.js';

/** Leavers in every scenario's tenant: enough to fill $batch bodies and keep every PowerShell session busy. */
export const LEAVERS = 15;
/** The delegate of every leaver (makeTenant's manager). */
const DELEGATE_KEY = 'boss';
/** The default steps plus ad-move, which is the last AD change: AD is written at the start and at the end of each user. */
const STEPS: StepName[] = ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access', 'ad-move'];
/** Per-cmdlet latency while a fault is injected mid-run: the run lasts long enough for "mid-run" to mean something. */
const SLOW_CMDLETS: LatencyProfile = { 'exo.cmdlet': 150, 'spo.cmdlet': 150 };
/** The action's PowerShell command timeout in the hang scenario (env OFFBOARD_POWERSHELL_TIMEOUT_SECONDS). */
const HANG_TIMEOUT_SECONDS = 8;
const RUN_TIMEOUT_MS = 180_000;
const POLL_MS = 40;
/** How the record words a step that never started, and one that was running when the run stopped. */
const NOT_ATTEMPTED = /not attempted/i;
const INTERRUPTED = /interrupted/i;

/** A running stack as the matrix needs it: its facts and a way to restart its DC. */
export interface ChaosStack {
  facts: StackFacts;
  /** Stops the DC (its connections close, new ones are refused). */
  stopDc(): Promise<void>;
  /** Starts the stopped DC again (same domain, same address) and waits until it answers LDAPS. */
  startDc(): Promise<void>;
}

/** What a fault is expected to do to the run. */
type Expectation =
  /** Transient: every user completes, the run is `completed`. */
  | { kind: 'transient' }
  /** Hard: `affected` users fail with an error that matches `error`, every other user completes. */
  | { kind: 'hard'; affected: { min: number; max: number }; step: StepName; error: RegExp }
  /** The run is cancelled: the record lists every user, each step as done, not attempted or interrupted. */
  | { kind: 'cancelled' }
  /** The run stops before any change with an error matching `error`: every user listed, every step not attempted. */
  | { kind: 'stopped-before-changes'; error: RegExp };

/** The results file as the contract writes it (only what the checks read). */
interface ResultsDocument {
  version: number;
  mode: string;
  outcome: string;
  error?: string;
  finishedAt?: string;
  users: ResultUser[];
}

interface ResultUser {
  status: string;
  reason?: string;
  request: Record<string, unknown>;
  steps: ResultStep[];
}

interface ResultStep {
  step: string;
  status: string;
  reason?: string;
  error?: { message: string; code?: string };
  retried?: string[];
}

/** What a scenario's injector can reach while the action runs. */
interface RunContext {
  stack: ChaosStack;
  control: SimulatorControl;
  resultsPath: string;
  /** Aborted when the action has exited. */
  signal: AbortSignal;
  /** The relay between the action and the DC, when the scenario's inputs put one there. */
  relay?: TcpProxy;
  /** Resources to release after the run (the relay). */
  cleanup: (() => Promise<void>)[];
}

export interface Scenario {
  id: string;
  /** What surviving it means, as a sentence (the integration test's name). */
  title: string;
  /** The fault, as the matrix prints it. */
  fault: string;
  /** When it is injected. */
  injected: string;
  expect: Expectation;
  /** Inputs of the faulted run on top of the common ones (the second run uses the common ones only). */
  inputs?: (context: RunContext) => Promise<Record<string, string>> | Record<string, string>;
  env?: Record<string, string>;
  latency?: LatencyProfile;
  /** Simulator faults in place when the action starts. */
  faults?: FaultConfig;
  /** Injects the fault while the action runs; returns what it did, for the record. Throws when it could not. */
  during?: (context: RunContext) => Promise<string>;
  /** A request the simulator must have logged, or the fault never fired. */
  fired?: { what: string; match: (entry: LogEntry) => boolean };
  /** Further checks of the faulted run; each string is a problem. */
  check?: (results: ResultsDocument) => string[];
}

// ---- waiting for the run to reach a point -----------------------------------------------------------------------

function readResults(file: string): ResultsDocument | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ResultsDocument;
  } catch {
    return undefined; // not written yet
  }
}

async function until<T>(signal: AbortSignal, what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  while (!signal.aborted) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
  throw new Error(`the action exited before ${what}`);
}

const stepDone = (user: ResultUser, step: StepName): boolean => user.steps.some((s) => s.step === step && s.status === 'done');

/** Mid-apply: a first leaver has its mailbox handed over while others have not yet. */
function midApply(context: RunContext): Promise<ResultsDocument> {
  return until(context.signal, 'it was half-way through the leavers', () => {
    const doc = readResults(context.resultsPath);
    if (!doc || doc.users.length === 0) return undefined;
    const handed = doc.users.filter((u) => stepDone(u, 'mailbox-access')).length;
    return handed >= 1 && handed < doc.users.length ? doc : undefined;
  });
}

function whenLogged(context: RunContext, what: string, match: (entry: LogEntry) => boolean): Promise<LogEntry> {
  return until(context.signal, what, async () => (await context.control.log()).entries.find(match));
}

// ---- the matrix ---------------------------------------------------------------------------------------------------

const retriedCommand = (cmdlet: string) => (results: ResultsDocument): string[] =>
  results.users.some((u) => u.steps.some((s) => s.retried?.includes(cmdlet)))
    ? []
    : [`no step records ${cmdlet} in "retried" after its session was killed`];

const faulted = (fault: NonNullable<LogEntry['fault']>): Scenario['fired'] => ({ what: `a request with the ${fault} fault`, match: (e) => e.fault === fault });

export const SCENARIOS: Scenario[] = [
  {
    id: 'graph-429-storm',
    title: 'finishes every leaver through a storm of Graph 429s',
    fault: 'Graph 429 storm: every 2nd Graph request throttled, Retry-After 1–3 s',
    injected: 'whole run',
    expect: { kind: 'transient' },
    faults: { throttle: { share: 0.5, retryAfter: [1, 3], ops: ['graph.read', 'graph.write'] } },
    fired: faulted('throttle'),
  },
  {
    id: 'graph-503-bursts',
    title: 'finishes every leaver through bursts of Graph 503s',
    fault: 'Graph 503 bursts: the next 8 Graph requests, twice',
    injected: 'at start and again mid-apply',
    expect: { kind: 'transient' },
    latency: SLOW_CMDLETS,
    faults: { unavailable: { burst: 8, ops: ['graph.read', 'graph.write'] } },
    async during(context) {
      await midApply(context);
      await context.control.faults({ unavailable: { burst: 8, ops: ['graph.read', 'graph.write'] } });
      return 'second burst armed mid-apply';
    },
    fired: faulted('unavailable'),
  },
  {
    id: 'token-error-once',
    title: 'signs in again when the token endpoint fails once',
    fault: 'Token endpoint answers 503 once',
    injected: 'first sign-in (preflight)',
    expect: { kind: 'transient' },
    faults: { token: { failNext: 1, status: 503 } },
    fired: { what: 'a failed token request', match: (e) => e.op === 'token' && e.status === 503 },
  },
  {
    id: 'token-endpoint-down',
    title: 'changes nothing and still lists every leaver when it cannot sign in at all',
    fault: 'Token endpoint answers 503 to every sign-in',
    injected: 'whole run',
    expect: { kind: 'stopped-before-changes', error: /Preflight failed: Entra: sign-in/ },
    faults: { token: { failNext: 1_000, status: 503 } },
    fired: { what: 'a failed token request', match: (e) => e.op === 'token' && e.status === 503 },
  },
  {
    id: 'dc-restart',
    title: 'reconnects to a DC restarted mid-run and finishes every leaver',
    fault: 'The DC restarted (samba stopped and started)',
    injected: 'mid-apply',
    expect: { kind: 'transient' },
    latency: SLOW_CMDLETS,
    async during(context) {
      await midApply(context);
      const began = Date.now();
      await context.stack.stopDc();
      try {
        // Down until a leaver's last AD change is waiting for it, so that the restart meets a request for sure.
        await until(context.signal, 'a leaver reached ad-move', () => {
          const doc = readResults(context.resultsPath);
          return doc?.users.some((u) => u.steps.some((s) => s.step === 'ad-move' && s.status === 'failed' && INTERRUPTED.test(s.reason ?? '')))
            ? doc
            : undefined;
        });
      } finally {
        await context.stack.startDc();
      }
      return `DC down for ${Date.now() - began} ms while an ad-move waited`;
    },
  },
  {
    id: 'ldap-connection-cut',
    title: 'reconnects after the LDAP connection is cut with a request in flight',
    fault: 'The LDAP connection cut (a relay resets it with a request in flight)',
    injected: 'mid-apply, on the next AD request',
    expect: { kind: 'transient' },
    latency: SLOW_CMDLETS,
    async inputs(context) {
      const { address } = context.stack.facts.ldap;
      // On the DC's own address, which its certificate names, so that the action verifies the DC as usual.
      const relay = await TcpProxy.start(address, { host: address, port: 636 });
      context.cleanup.push(() => relay.close());
      context.relay = relay;
      return { 'ldap-url': `ldaps://${address}:${relay.port}` };
    },
    async during(context) {
      if (!context.relay) throw new Error('no relay between the action and the DC');
      await midApply(context);
      const cut = await context.relay.cutNextRequest(context.signal);
      return `cut ${cut.connections} connection(s), dropped a ${cut.droppedBytes}-byte request`;
    },
  },
  {
    id: 'pwsh-session-killed',
    title: 'runs the grant again after its PowerShell session is killed, and records that it did',
    fault: 'An Exchange pwsh session SIGKILLed while Add-MailboxPermission runs',
    injected: 'mid-apply',
    expect: { kind: 'transient' },
    inputs: () => ({ 'powershell-sessions': '1' }),
    // The first grant waits in the simulator, so that the kill lands on a command in flight.
    faults: { hang: { ops: ['exo.cmdlet.Add-MailboxPermission'] } },
    async during(context) {
      await whenLogged(context, 'a grant was in flight', (e) => e.fault === 'hang');
      await context.control.clearFaults();
      // One session per service, and the SharePoint one starts only after a first mailbox is handed over.
      const [exchange] = stackSessions(context.stack.facts.psModulePath);
      if (!exchange) throw new Error('no PowerShell session was running');
      process.kill(exchange.pid, 'SIGKILL');
      return `killed ${exchange.command.split(' ')[0]} ${exchange.pid}`;
    },
    fired: faulted('hang'),
    check: retriedCommand('Add-MailboxPermission'),
  },
  {
    id: 'cmdlet-hang',
    title: 'fails only the leaver whose cmdlet hangs past the timeout, and leaves no pwsh behind',
    fault: `Add-MailboxPermission never answers (timeout ${HANG_TIMEOUT_SECONDS} s)`,
    injected: 'first grant',
    expect: { kind: 'hard', affected: { min: 1, max: 1 }, step: 'mailbox-access', error: /Add-MailboxPermission did not finish within \d+ s/ },
    inputs: () => ({ 'powershell-sessions': '1' }),
    env: { OFFBOARD_POWERSHELL_TIMEOUT_SECONDS: String(HANG_TIMEOUT_SECONDS) },
    faults: { hang: { ops: ['exo.cmdlet.Add-MailboxPermission'] } },
    async during(context) {
      await whenLogged(context, 'a grant hung', (e) => e.fault === 'hang');
      // Only the first grant hangs; the leavers after it go through.
      await context.control.clearFaults();
      return 'one grant hung';
    },
    fired: faulted('hang'),
  },
  {
    id: 'graph-malformed',
    title: 'retries a Graph answer whose JSON is cut off',
    fault: 'Graph answers 200 with truncated JSON (the $batch was carried out)',
    injected: 'first $batch of the run',
    expect: { kind: 'transient' },
    latency: SLOW_CMDLETS,
    async during(context) {
      // Armed at once: the action's Graph calls go out in a few full batches early in the run (lookups, then every
      // user's drive and revocation together), so the first $batch, the lookups, is what gets garbled.
      await context.control.faults({ malformed: { next: 1, ops: ['graph.batch'] } });
      return 'armed';
    },
    fired: faulted('malformed'),
  },
  {
    id: 'sigterm-mid-apply',
    title: 'lists every leaver when cancelled mid-apply, and what it records as done is done',
    fault: 'The action sent SIGTERM (workflow cancelled)',
    injected: 'mid-apply',
    expect: { kind: 'cancelled' },
    latency: { 'exo.cmdlet': 250, 'spo.cmdlet': 250 },
    async during(context) {
      await midApply(context);
      const action = actionProcess(ACTION_ENTRY);
      if (!action) throw new Error('the action process was not found');
      process.kill(action.pid, 'SIGTERM');
      return `SIGTERM to ${action.pid}`;
    },
  },
];

// ---- the tenant, the workspace and the run ------------------------------------------------------------------------

export interface Tenant {
  fixture: Fixture;
  /** UPNs of the leavers, in CSV order. */
  leavers: string[];
  leaverSams: string[];
  delegate: string;
  workspace: string;
}

/** A workspace whose CSV names every leaver of `makeTenant(LEAVERS)`. */
export function createTenant(dir: string): Tenant {
  const { fixture, leaverKeys } = makeTenant(LEAVERS);
  const byKey = new Map(fixture.people.map((p) => [p.key, p]));
  const leavers = leaverKeys.map((key) => byKey.get(key)?.userPrincipalName as string);
  const workspace = path.join(dir, 'workspace');
  mkdirSync(path.join(workspace, 'offboarding'), { recursive: true });
  const rows = leaverKeys.map((key, i) => `${byKey.get(key)?.userPrincipalName},${byKey.get(key)?.employeeId},CHAOS-${i + 1}`);
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), `userPrincipalName,employeeId,reason\n${rows.join('\n')}\n`);
  return { fixture, leavers, leaverSams: leaverKeys, delegate: byKey.get(DELEGATE_KEY)?.userPrincipalName as string, workspace };
}

function commonInputs(facts: StackFacts, resultsPath: string): Record<string, string> {
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    steps: STEPS.join(', '),
    'max-users': '100',
    'results-file': resultsPath,
    ...stackActionInputs(facts),
  };
}

interface Run {
  action: ActionRun;
  results: ResultsDocument | undefined;
  /** What the injector did, or why it could not. */
  evidence: string;
  injectedWhileRunning: boolean;
  /** The simulator's log of the run. */
  requests: LogEntry[];
  leftoverPwsh: number[];
}

async function runOnce(stack: ChaosStack, tenant: Tenant, dir: string, scenario: Scenario | undefined): Promise<Run> {
  const control = new SimulatorControl(stack.facts.simulator.url);
  await control.clearFaults();
  await control.latency(scenario?.latency ?? {}, 1);
  await control.clearLog();
  const resultsPath = path.join(mkdtempSync(path.join(dir, 'run-')), 'results.json');
  const exited = new AbortController();
  const context: RunContext = { stack, control, resultsPath, signal: exited.signal, cleanup: [] };
  try {
    const inputs = { ...commonInputs(stack.facts, resultsPath), ...(await scenario?.inputs?.(context)) };
    if (scenario?.faults) await control.faults(scenario.faults);
    const running = runAction({
      workspace: tenant.workspace,
      inputs,
      eventName: 'workflow_dispatch',
      payload: { inputs: {}, ref: 'refs/heads/main', repository: { name: 'identity-offboarding', owner: { login: 'contoso' } } },
      env: { NODE_EXTRA_CA_CERTS: stack.facts.caPath, PSModulePath: stack.facts.psModulePath, ...scenario?.env },
      timeoutMs: RUN_TIMEOUT_MS,
    }).finally(() => exited.abort());
    let injectedWhileRunning = false;
    const injecting = scenario?.during
      ? scenario.during(context).then(
          (what) => {
            injectedWhileRunning = !exited.signal.aborted;
            return what;
          },
          (error: unknown) => `not injected: ${error instanceof Error ? error.message : String(error)}`,
        )
      : Promise.resolve('');
    const [action, evidence] = await Promise.all([running, injecting]);
    await control.clearFaults();
    const requests = (await control.log()).entries;
    // Sessions get a moment to go after the action's exit (a killed group is reaped asynchronously).
    let leftover = stackPowerShells(stack.facts.psModulePath);
    for (let waited = 0; leftover.length > 0 && waited < 3_000; waited += 100) {
      await sleep(100);
      leftover = stackPowerShells(stack.facts.psModulePath);
    }
    // Reported below; ended here so that they cannot disturb the next run.
    for (const stray of leftover) {
      try {
        process.kill(stray.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    rmSync(action.runnerTemp, { recursive: true, force: true });
    return {
      action,
      results: readResults(resultsPath),
      evidence,
      injectedWhileRunning: scenario?.during ? injectedWhileRunning : true,
      requests,
      leftoverPwsh: leftover.map((p) => p.pid),
    };
  } finally {
    await Promise.allSettled(context.cleanup.map((release) => release()));
    await control.latency({}, 1);
  }
}

// ---- what the servers say ---------------------------------------------------------------------------------------

interface LeaverState {
  userAccountControl: number;
  dn: string;
  revocations: number;
  delegateFullAccess: boolean;
  delegateSiteAdmin: boolean;
}

/** Whether each step's target state holds for a leaver, read from the servers. */
const HOLDS: Partial<Record<StepName, (state: LeaverState, facts: StackFacts) => boolean>> = {
  'ad-disable': (s) => (s.userAccountControl & 0x2) !== 0,
  'ad-move': (s, facts) => s.dn.toLowerCase().endsWith(`,${facts.ldap.disabledOu.toLowerCase()}`),
  'entra-revoke': (s) => s.revocations > 0,
  'mailbox-access': (s) => s.delegateFullAccess,
  'onedrive-access': (s) => s.delegateSiteAdmin,
};

async function readStates(stack: ChaosStack, tenant: Tenant): Promise<Map<string, LeaverState>> {
  const { facts } = stack;
  const client = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, connectTimeout: 10_000, timeout: 30_000 });
  const ad = new Map<string, { dn: string; userAccountControl: number }>();
  try {
    await client.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
    const filter = `(&(objectClass=user)(|${tenant.leaverSams.map((sam) => `(sAMAccountName=${sam})`).join('')}))`;
    const { searchEntries } = await client.search(facts.ldap.baseDn, { scope: 'sub', filter, attributes: ['userPrincipalName', 'userAccountControl'] });
    for (const entry of searchEntries) {
      ad.set(String(entry.userPrincipalName).toLowerCase(), { dn: entry.dn, userAccountControl: Number(entry.userAccountControl) });
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
  const sim: SimState = await new SimulatorControl(facts.simulator.url).state();
  const delegate = tenant.delegate.toLowerCase();
  const states = new Map<string, LeaverState>();
  for (const upn of tenant.leavers) {
    const key = upn.toLowerCase();
    const mailbox = sim.mailboxes.find((m) => m.userPrincipalName.toLowerCase() === key);
    const site = sim.sites.find((s) => s.owner.toLowerCase() === key);
    states.set(key, {
      userAccountControl: ad.get(key)?.userAccountControl ?? 0,
      dn: ad.get(key)?.dn ?? '(missing)',
      revocations: sim.users.find((u) => u.userPrincipalName.toLowerCase() === key)?.revocations.length ?? 0,
      delegateFullAccess: Boolean(mailbox?.permissions.some((p) => p.user.toLowerCase() === delegate && p.accessRights.includes('FullAccess') && !p.deny)),
      delegateSiteAdmin: Boolean(site?.admins.some((a) => a.toLowerCase() === delegate)),
    });
  }
  return states;
}

// ---- checks ---------------------------------------------------------------------------------------------------------

const STATUSES = new Set(['done', 'unchanged', 'skipped', 'failed', 'blocked']);
const COMPLETE = new Set(['done', 'unchanged', 'skipped']);
const upnOf = (user: ResultUser): string => String(user.request.userPrincipalName ?? '').toLowerCase();

/** The record is valid and complete: every selected user once, every enabled step with a contract status. */
function recordProblems(results: ResultsDocument | undefined, tenant: Tenant): string[] {
  if (!results) return ['the results file is missing or not valid JSON'];
  const problems: string[] = [];
  if (results.version !== 2) problems.push(`version is ${results.version}`);
  if (results.mode !== 'apply') problems.push(`mode is ${results.mode}`);
  if (!['completed', 'failed', 'cancelled'].includes(results.outcome)) problems.push(`outcome is ${results.outcome}`);
  if (!results.finishedAt) problems.push('finishedAt is missing');
  const users = Array.isArray(results.users) ? results.users : [];
  const wanted = tenant.leavers.map((upn) => upn.toLowerCase());
  const listed = users.map(upnOf);
  const missing = wanted.filter((upn) => !listed.includes(upn));
  if (missing.length > 0) {
    problems.push(
      `${missing.length} selected user(s) missing from the record: ${missing.slice(0, 3).join(', ')}${results.error ? ` (the run ${results.outcome}: ${results.error})` : ''}`,
    );
  }
  if (listed.length !== new Set(listed).size) problems.push('a user is listed twice');
  if (listed.some((upn) => !wanted.includes(upn))) problems.push('the record lists a user that was not selected');
  for (const user of users) {
    const names = (user.steps ?? []).map((s) => s.step);
    if (names.join(',') !== STEPS.join(',')) problems.push(`${upnOf(user)}: steps are [${names.join(', ')}], not [${STEPS.join(', ')}]`);
    if (!STATUSES.has(user.status)) problems.push(`${upnOf(user)}: user status ${user.status}`);
    for (const step of user.steps ?? []) {
      if (!STATUSES.has(step.status)) problems.push(`${upnOf(user)} ${step.step}: status ${step.status}`);
      if (step.status === 'failed' && !step.error?.message && !step.reason) problems.push(`${upnOf(user)} ${step.step}: failed without an error`);
      if ((step.status === 'blocked' || step.status === 'skipped') && !step.reason) problems.push(`${upnOf(user)} ${step.step}: ${step.status} without a reason`);
    }
  }
  return problems;
}

/** What the record says was done is done on the servers; what it says was not attempted was not done. */
function truthProblems(results: ResultsDocument, states: Map<string, LeaverState>, facts: StackFacts): string[] {
  const problems: string[] = [];
  for (const user of results.users) {
    const state = states.get(upnOf(user));
    if (!state) continue;
    for (const step of user.steps) {
      const holds = HOLDS[step.step as StepName]?.(state, facts);
      if (holds === undefined) continue;
      if ((step.status === 'done' || step.status === 'unchanged') && !holds) {
        problems.push(`${upnOf(user)} ${step.step}: recorded ${step.status}, but the server does not show it`);
      }
      if (step.status === 'blocked' && holds) {
        problems.push(`${upnOf(user)} ${step.step}: recorded blocked (${step.reason}), but the server shows the change`);
      }
    }
  }
  return problems;
}

function allHold(states: Map<string, LeaverState>, facts: StackFacts): string[] {
  const problems: string[] = [];
  for (const [upn, state] of states) {
    const missing = Object.entries(HOLDS).filter(([, holds]) => !holds(state, facts)).map(([step]) => step);
    if (missing.length > 0) problems.push(`${upn}: not offboarded on the servers (${missing.join(', ')})`);
  }
  return problems;
}

const describeStep = (user: ResultUser, step: ResultStep): string =>
  `${upnOf(user)} ${step.step} ${step.status}${step.error?.message || step.reason ? `: ${(step.error?.message ?? step.reason ?? '').slice(0, 240)}` : ''}`;

function expectationProblems(scenario: Scenario, run: Run): string[] {
  const results = run.results as ResultsDocument;
  const problems: string[] = [];
  const expect = scenario.expect;
  if (expect.kind === 'transient') {
    if (run.action.exitCode !== 0) problems.push(`exit code ${run.action.exitCode}${results.error ? `: ${results.error}` : ''}`);
    if (results.outcome !== 'completed') problems.push(`outcome ${results.outcome}${results.error ? `: ${results.error}` : ''}`);
    for (const user of results.users) {
      for (const step of user.steps) if (!COMPLETE.has(step.status)) problems.push(describeStep(user, step));
    }
  } else if (expect.kind === 'hard') {
    if (run.action.exitCode === 0) problems.push('exit code 0 although users failed');
    if (results.outcome !== 'completed') problems.push(`outcome ${results.outcome}${results.error ? `: ${results.error}` : ''}`);
    const failed = results.users.filter((u) => u.status === 'failed');
    if (failed.length < expect.affected.min || failed.length > expect.affected.max) {
      problems.push(`${failed.length} user(s) failed, expected ${expect.affected.min}–${expect.affected.max}`);
    }
    for (const user of results.users) {
      for (const step of user.steps) {
        if (COMPLETE.has(step.status)) continue;
        const expected = step.status === 'failed' && step.step === expect.step && expect.error.test(step.error?.message ?? '');
        if (!expected) problems.push(`unexpected: ${describeStep(user, step)}`);
      }
    }
  } else if (expect.kind === 'stopped-before-changes') {
    if (run.action.exitCode === 0) problems.push('exit code 0 although the run could not start');
    if (results.outcome !== 'failed' || !expect.error.test(results.error ?? '')) {
      problems.push(`outcome ${results.outcome} (${results.error ?? 'no error'}), expected failed with ${expect.error}`);
    }
    for (const user of results.users) {
      for (const step of user.steps) {
        if (!(step.status === 'blocked' && NOT_ATTEMPTED.test(step.reason ?? ''))) problems.push(`not "not attempted": ${describeStep(user, step)}`);
      }
    }
  } else {
    if (run.action.exitCode === 0) problems.push('exit code 0 after SIGTERM');
    if (results.outcome !== 'cancelled') problems.push(`outcome ${results.outcome}, not cancelled`);
    let attempted = 0;
    let notAttempted = 0;
    for (const user of results.users) {
      for (const step of user.steps) {
        if (COMPLETE.has(step.status)) attempted++;
        else if (step.status === 'blocked' && NOT_ATTEMPTED.test(step.reason ?? '')) notAttempted++;
        else if (!(step.status === 'failed' && INTERRUPTED.test(`${step.reason ?? ''} ${step.error?.message ?? ''}`))) {
          problems.push(`neither done, not attempted nor interrupted: ${describeStep(user, step)}`);
        }
      }
    }
    if (attempted === 0 || notAttempted === 0) problems.push(`not cancelled mid-apply: ${attempted} step(s) ran, ${notAttempted} not attempted`);
  }
  return problems;
}

/** The second run, without the fault: it finishes what the first left and finds the rest in place. */
function secondRunProblems(first: ResultsDocument, second: ResultsDocument | undefined, exitCode: number): string[] {
  if (!second) return ['second run: no results file'];
  const problems: string[] = [];
  if (exitCode !== 0 || second.outcome !== 'completed') problems.push(`second run: exit ${exitCode}, outcome ${second.outcome}${second.error ? `: ${second.error}` : ''}`);
  for (const before of first.users) {
    const after = second.users.find((u) => upnOf(u) === upnOf(before));
    if (!after) continue;
    for (const step of before.steps) {
      const again = after.steps.find((s) => s.step === step.step);
      if (!again) continue;
      const wasDone = step.status === 'done' || step.status === 'unchanged';
      // entra-revoke has no state to observe: it is revoked again on every run.
      const fine =
        step.status === 'skipped'
          ? again.status === 'skipped'
          : wasDone
            ? again.status === 'unchanged' || (step.step === 'entra-revoke' && again.status === 'done')
            : COMPLETE.has(again.status);
      if (!fine) problems.push(`second run: ${describeStep(after, again)} (first run: ${step.status})`);
    }
  }
  return problems;
}

// ---- one scenario, end to end ---------------------------------------------------------------------------------------

export interface ScenarioOutcome {
  id: string;
  fault: string;
  injected: string;
  /** Users done (or unchanged) / failed in the faulted run, e.g. "15 / 0", or "7 done, 8 not attempted". */
  users: string;
  recordComplete: boolean;
  secondRun: string;
  survived: boolean;
  /** Everything that went against the expectation; empty when the row survived. */
  problems: string[];
  evidence: string;
  ms: number;
}

function userCounts(results: ResultsDocument | undefined): string {
  if (!results) return '–';
  const count = (status: string) => results.users.filter((u) => u.status === status).length;
  const finished = results.users.filter((u) => COMPLETE.has(u.status)).length;
  const pending = results.users.length - finished - count('failed');
  return `${finished} / ${count('failed')}${pending > 0 ? ` (${pending} not finished)` : ''}`;
}

function secondRunSummary(second: ResultsDocument | undefined): string {
  if (!second) return 'no record';
  let finished = 0;
  let unchanged = 0;
  for (const user of second.users) {
    for (const step of user.steps) {
      if (step.step === 'entra-revoke') continue;
      if (step.status === 'done') finished++;
      if (step.status === 'unchanged') unchanged++;
    }
  }
  return `${finished} step(s) finished, ${unchanged} unchanged`;
}

/** Resets the tenant, runs the action with the fault, checks record and servers, then runs again without it. */
export async function runScenario(stack: ChaosStack, tenant: Tenant, scenario: Scenario, dir: string): Promise<ScenarioOutcome> {
  const began = Date.now();
  await loadStackTenant(stack.facts, tenant.fixture);
  const problems: string[] = [];
  const first = await runOnce(stack, tenant, dir, scenario);
  if (!first.injectedWhileRunning) problems.push(`the fault was not injected while the action ran (${first.evidence || 'no evidence'})`);
  if (scenario.fired && !first.requests.some(scenario.fired.match)) problems.push(`the fault never fired: the simulator logged no ${scenario.fired.what}`);
  if (first.leftoverPwsh.length > 0) problems.push(`pwsh left running after the action exited: pids ${first.leftoverPwsh.join(', ')}`);
  const recordIssues = recordProblems(first.results, tenant);
  problems.push(...recordIssues);
  let secondRun = 'not run';
  if (first.results && recordIssues.length === 0) {
    const states = await readStates(stack, tenant);
    problems.push(...expectationProblems(scenario, first));
    problems.push(...truthProblems(first.results, states, stack.facts));
    if (scenario.expect.kind === 'transient') problems.push(...allHold(states, stack.facts));
    problems.push(...(scenario.check?.(first.results) ?? []));

    const second = await runOnce(stack, tenant, dir, undefined);
    const secondIssues = recordProblems(second.results, tenant).map((p) => `second run: ${p}`);
    problems.push(...secondIssues);
    if (second.leftoverPwsh.length > 0) problems.push(`second run: pwsh left running: pids ${second.leftoverPwsh.join(', ')}`);
    if (secondIssues.length === 0) {
      problems.push(...secondRunProblems(first.results, second.results, second.action.exitCode));
      problems.push(...allHold(await readStates(stack, tenant), stack.facts).map((p) => `after the second run: ${p}`));
    }
    secondRun = secondRunSummary(second.results);
  }
  return {
    id: scenario.id,
    fault: scenario.fault,
    injected: scenario.injected,
    users: userCounts(first.results),
    recordComplete: recordIssues.length === 0,
    secondRun,
    survived: problems.length === 0,
    problems,
    evidence: first.evidence,
    ms: Date.now() - began,
  };
}

/** A scratch folder for a matrix run: the workspace and the results files. */
export function scratchDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'm365-offboard-chaos-'));
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The matrix as a markdown table, a line per row, and the final count. */
export function renderMatrix(outcomes: ScenarioOutcome[]): string {
  const lines = [
    '| fault | injected | users done / failed | record complete | second run | survived |',
    '|---|---|---|---|---|---|',
    ...outcomes.map(
      (o) =>
        `| ${cell(o.fault)} | ${cell(o.injected)} | ${cell(o.users)} | ${o.recordComplete ? 'yes' : 'no'} | ${cell(o.secondRun)} | ${o.survived ? '✅' : '❌'} |`,
    ),
  ];
  const passed = outcomes.filter((o) => o.survived).length;
  return `${lines.join('\n')}\n\n${passed} passed, ${outcomes.length - passed} failed\n`;
}
