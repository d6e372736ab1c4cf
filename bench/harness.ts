// The benchmark's moving parts, shared by `npm run bench` and its smoke test: latency, tenants, both sides, counts, state.
import { execFileSync, execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { makeTenant } from '../test/stack/fixture.js';
import { LdapProxy } from '../test/stack/ldap-proxy.js';
import { installStandInModules } from '../test/stack/modules.js';
import { SimulatorControl } from '../test/stack/simulator/control-client.js';
import { loadStackTenant, type StackFacts } from '../test/stack/stack.js';
import { runAction, stackActionInputs, type ResultsFile } from '../test/e2e/run-action.js';
import { runBaseline, type BaselineLeaver, type BaselineResult } from './baseline.js';
import { moduleImportMs, simulatorLatency } from './profile.js';
import { cutOffTimeline, type CutOffTimeline } from './cut-off.js';
import { serviceLoads, type ServiceLoads } from './gap.js';
import { ldapReadBack, simulatorReadBack, type ReadBackCosts } from './read-back.js';

const run = promisify(execFile);

/** The delegate every generated leaver reports to (see makeTenant). */
const DELEGATE_KEY = 'boss';

/** A running stack prepared for measuring: latency set, slow stand-in modules, a counting pwsh. */
export interface BenchSetup {
  facts: StackFacts;
  control: SimulatorControl;
  timeScale: number;
  dir: string;
  /** Stand-in modules that sleep for the profile's import time (scaled) when imported. */
  psModulePath: string;
  /** A pwsh that records each start in `pwshStartsFile`, then becomes the real pwsh. */
  pwsh: string;
  pwshStartsFile: string;
  /** The app certificate as a PFX without password, the article's <CertPath>. */
  certificatePfxPath: string;
  /** The action reaches the DC through it: its log of searches and writes is where AD read-backs are counted from. */
  ldapProxy: LdapProxy;
  /** Puts the stack back as it was (no latency) and removes the bench's folder. */
  close(): Promise<void>;
}

export interface BenchTenant {
  n: number;
  leaverKeys: string[];
  /** The baseline's HR rows: DN as the DC wrote it, UPN, the manager's mail. */
  leavers: BaselineLeaver[];
  /** The action's workspace, with offboarding/leavers.csv. */
  workspace: string;
  delegate: string;
}

/** Counts read from the simulator's request log, for one run. */
interface ServerCounts {
  /** Entries per operation kind ($batch items under their own op). */
  ops: Record<string, number>;
  /** HTTP requests per resource (a $batch is one). */
  http: Record<string, number>;
}

/** What the servers hold afterwards, for the leavers a run was given. */
interface StateCheck {
  adDisabled: number;
  mailboxFullAccess: number;
  onedriveAdmin: number;
  of: number;
}

export interface ActionMeasurement {
  side: 'action';
  n: number;
  sessions: number;
  wallMs: number;
  exitCode: number;
  stderr: string;
  pwshProcesses: number;
  server: ServerCounts;
  /** Users by status in the results file. */
  users: Record<string, number>;
  /** Steps by `step:status` in the results file. */
  steps: Record<string, number>;
  outcome?: string;
  error?: string;
  state: StateCheck;
  /** Read-back per service, attributed from the servers' logs (absent in results from before it was measured). */
  readBack?: ReadBackCosts;
  /** When access was cut and the handover ended, from the servers' logs (absent in older results). */
  cutOff?: CutOffTimeline;
  /** What each service was sent, from the servers' logs (absent in older results). */
  loads?: ServiceLoads;
}

export interface BaselineMeasurement {
  side: 'baseline';
  /** Leavers the run was given (all N, or the sample). */
  n: number;
  wallMs: number;
  pwshProcesses: number;
  server: ServerCounts;
  result: BaselineResult;
  state: StateCheck;
}

const quoteForSh = (value: string): string => {
  if (value.includes("'")) throw new Error(`path with a quote: ${value}`);
  return `'${value}'`;
};

function pwshStarts(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

/**
 * Prepares a running stack for measuring at `timeScale`: stand-in modules with the profile's import delay, a counting
 * pwsh wrapper and the article's PFX; each measurement sets the simulator's latency to this scale first. Works on any
 * stack's facts (the bench's own or the test run's shared one); close() puts the simulator's latency back to none.
 */
export async function prepareBench(facts: StackFacts, options: { timeScale: number; dir?: string }): Promise<BenchSetup> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'm365-offboard-bench-'));
  mkdirSync(dir, { recursive: true });
  const control = new SimulatorControl(facts.simulator.url);
  const psModulePath = installStandInModules(path.join(dir, 'modules'), {
    simulatorUrl: facts.simulator.url,
    caPem: facts.caPem,
    importDelayMs: Math.round(moduleImportMs() * options.timeScale),
  });

  const pwshStartsFile = path.join(dir, 'pwsh-starts.log');
  const pwsh = path.join(dir, 'pwsh');
  writeFileSync(pwsh, `#!/bin/sh\necho "$$" >> ${quoteForSh(pwshStartsFile)}\nexec ${quoteForSh(facts.pwsh)} "$@"\n`);
  chmodSync(pwsh, 0o755);

  const pki = path.join(dir, 'app');
  mkdirSync(pki, { recursive: true });
  const pem = path.join(pki, 'app.pem');
  writeFileSync(pem, facts.simulator.certificatePem, { mode: 0o600 });
  const certificatePfxPath = path.join(pki, 'app.pfx');
  execFileSync('openssl', ['pkcs12', '-export', '-in', pem, '-out', certificatePfxPath, '-passout', 'pass:'], { stdio: ['ignore', 'ignore', 'pipe'] });
  chmodSync(certificatePfxPath, 0o600);

  // The proxy's certificate comes from the stack's CA, which the action is given to trust.
  const proxyPki = path.join(dir, 'ldap-proxy');
  mkdirSync(proxyPki, { recursive: true });
  for (const file of ['ca.pem', 'ca.key']) copyFileSync(path.join(facts.dir, 'pki', file), path.join(proxyPki, file));
  const ldapProxy = await LdapProxy.start({
    upstream: { url: facts.ldap.url, caPem: facts.caPem },
    host: facts.ldap.address,
    ca: { dir: proxyPki, caCertPath: path.join(proxyPki, 'ca.pem'), caKeyPath: path.join(proxyPki, 'ca.key'), caPem: facts.caPem },
  });

  return {
    facts,
    control,
    timeScale: options.timeScale,
    dir,
    psModulePath,
    pwsh,
    pwshStartsFile,
    certificatePfxPath,
    ldapProxy,
    async close() {
      await control.latency({}, 1).catch(() => undefined);
      await ldapProxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sets the simulator's latency to this setup's scale (setups at other scales may share the stack). */
async function useLatency(setup: BenchSetup): Promise<void> {
  await setup.control.latency(simulatorLatency(), setup.timeScale);
}

/** Median of a few plain `pwsh` starts on this machine (no module), in ms. */
export async function measurePwshStart(pwsh: string, times = 5): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', 'exit 0'], { timeout: 120_000 });
    samples.push(performance.now() - began);
  }
  return median(samples);
}

/**
 * Median of a few `pwsh` starts that import one stand-in module with no import delay: the stand-in's own start-up
 * (its HTTP client, the test CA) on top of the pwsh start, which every baseline process pays.
 */
export async function measureModuleImport(pwsh: string, psModulePath: string, module: string, times = 3): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', `Import-Module ${module}`], {
      timeout: 120_000,
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('DOTNET_'))),
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        PSModulePath: psModulePath,
      },
    });
    samples.push(performance.now() - began);
  }
  return median(samples);
}

/** Median of a few LDAPS connect + bind round trips, and of base reads of one entry, against the real DC. */
export async function measureLdap(facts: StackFacts, dn: string, times = 5): Promise<{ connectBindMs: number; readMs: number }> {
  const connects: number[] = [];
  const searches: number[] = [];
  for (let i = 0; i < times; i++) {
    let began = performance.now();
    const client = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, connectTimeout: 10_000 });
    try {
      await client.bind(facts.ldap.bindDn, facts.ldap.bindPassword);
      connects.push(performance.now() - began);
      began = performance.now();
      await client.search(dn, { scope: 'base', attributes: ['userAccountControl'] });
      searches.push(performance.now() - began);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  return { connectBindMs: median(connects), readMs: median(searches) };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Loads a fresh tenant with `n` leavers reporting to `boss` into both directories and writes the action's workspace
 * (offboarding/leavers.csv). Calling it again with the same tenant resets both directories to that state.
 */
export async function loadLeavers(setup: BenchSetup, n: number, workspace?: string): Promise<BenchTenant> {
  const { fixture, leaverKeys } = makeTenant(n);
  const loaded = await loadStackTenant(setup.facts, fixture);
  const people = new Map(fixture.people.map((p) => [p.key, p]));
  const boss = people.get(DELEGATE_KEY);
  if (!boss?.mail) throw new Error('makeTenant no longer creates the delegate boss with a mail');
  const leavers = leaverKeys.map((key) => {
    const person = people.get(key);
    const dn = loaded.dns[key];
    if (!person || !dn) throw new Error(`leaver ${key} was not seeded`);
    return { distinguishedName: dn, userPrincipalName: person.userPrincipalName, managerMail: boss.mail as string };
  });
  const folder = workspace ?? path.join(setup.dir, `workspace-${n}`);
  mkdirSync(path.join(folder, 'offboarding'), { recursive: true });
  const rows = leavers.map((l, i) => `${l.userPrincipalName},L${String(i + 1).padStart(5, '0')},BENCH-${i + 1}`);
  writeFileSync(path.join(folder, 'offboarding', 'leavers.csv'), `userPrincipalName,employeeId,reason\n${rows.join('\n')}\n`);
  await setup.control.clearLog();
  return { n, leaverKeys, leavers, workspace: folder, delegate: boss.userPrincipalName };
}

/** Puts both directories back to the tenant's freshly loaded state, with an empty request log. */
async function resetTenant(setup: BenchSetup, tenant: BenchTenant): Promise<void> {
  await loadLeavers(setup, tenant.n, tenant.workspace);
}

async function serverCounts(setup: BenchSetup): Promise<ServerCounts> {
  const log = await setup.control.log();
  return { ops: log.counts, http: log.httpRequests };
}

/**
 * What the servers' logs say about the run that started at `startMs` (epoch), when the proxy had logged `from`
 * searches and writes: read-back per service, the time to cut access, and each service's load.
 */
async function fromServerLogs(
  setup: BenchSetup,
  from: { searches: number; writes: number },
  run: { startMs: number; sessions: number; timeScale: number },
): Promise<{ readBack: ReadBackCosts; cutOff: CutOffTimeline; loads: ServiceLoads }> {
  const { entries } = await setup.control.log();
  const searches = setup.ldapProxy.searches.slice(from.searches);
  const writes = setup.ldapProxy.writes.slice(from.writes);
  // The proxy runs in this process: its times are this process's performance.now().
  const ldapWrites = writes.map((write) => ({ ...write, atMs: performance.timeOrigin + write.at }));
  return {
    readBack: { ad: ldapReadBack(searches, writes), ...simulatorReadBack(entries) },
    cutOff: cutOffTimeline({ startMs: run.startMs, timeScale: run.timeScale, entries, ldapWrites }),
    loads: serviceLoads(entries, { searches, writes }, run.sessions),
  };
}

/** Reads AD and the simulator: how many of `leavers` are disabled, and have the delegate on mailbox and OneDrive. */
async function checkState(setup: BenchSetup, leavers: BaselineLeaver[], delegate: string): Promise<StateCheck> {
  const client = new Client({ url: setup.facts.ldap.url, tlsOptions: { ca: [setup.facts.caPem] }, connectTimeout: 10_000, timeout: 120_000 });
  const disabled = new Set<string>();
  try {
    await client.bind(setup.facts.ldap.adminDn, setup.facts.ldap.adminPassword);
    // The generated leavers all sit in OU=Staff; one paged search reads them all.
    const { searchEntries } = await client.search(`OU=Staff,${setup.facts.ldap.baseDn}`, {
      scope: 'one',
      filter: '(&(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=2))',
      attributes: ['distinguishedName'],
      paged: { pageSize: 500 },
    });
    for (const entry of searchEntries) disabled.add(entry.dn.toLowerCase());
  } finally {
    await client.unbind().catch(() => undefined);
  }
  const state = await setup.control.state();
  const wanted = new Set(leavers.map((l) => l.userPrincipalName.toLowerCase()));
  const lowerDelegate = delegate.toLowerCase();
  const mailboxFullAccess = state.mailboxes.filter(
    (m) => wanted.has(m.userPrincipalName.toLowerCase()) && m.permissions.some((p) => p.user.toLowerCase() === lowerDelegate && p.accessRights.includes('FullAccess') && !p.deny),
  ).length;
  const onedriveAdmin = state.sites.filter(
    (s) => wanted.has(s.owner.toLowerCase()) && s.admins.some((a) => a.toLowerCase() === lowerDelegate),
  ).length;
  return {
    adDisabled: leavers.filter((l) => disabled.has(l.distinguishedName.toLowerCase())).length,
    mailboxFullAccess,
    onedriveAdmin,
    of: leavers.length,
  };
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The action's inputs for the bench tenant: apply mode, default steps, every row, pointed at the stack. */
function actionInputs(setup: BenchSetup, tenant: BenchTenant, sessions: number): Record<string, string> {
  const { facts } = setup;
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    'max-users': String(Math.max(25, tenant.n)),
    'powershell-sessions': String(sessions),
    ...stackActionInputs(facts),
    'ldap-url': setup.ldapProxy.url,
    pwsh: setup.pwsh,
  };
}

/** Runs the bundled action (dist/index.js) as the runner does, on a freshly reset tenant, and measures it. */
export async function measureAction(setup: BenchSetup, tenant: BenchTenant, options: { sessions: number; timeoutMs: number }): Promise<ActionMeasurement> {
  await resetTenant(setup, tenant);
  await useLatency(setup);
  rmSync(setup.pwshStartsFile, { force: true });
  const proxyLogged = { searches: setup.ldapProxy.searches.length, writes: setup.ldapProxy.writes.length };
  const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
  const began = performance.now();
  const result = await runAction({
    workspace: tenant.workspace,
    inputs: actionInputs(setup, tenant, options.sessions),
    eventName: 'workflow_dispatch',
    payload: { inputs: {}, ref: 'refs/heads/main', repository },
    env: { NODE_EXTRA_CA_CERTS: setup.facts.caPath, PSModulePath: setup.psModulePath },
    timeoutMs: options.timeoutMs,
  });
  const wallMs = performance.now() - began;
  const results: ResultsFile | undefined = result.results;
  const measurement: ActionMeasurement = {
    side: 'action',
    n: tenant.n,
    sessions: options.sessions,
    wallMs,
    exitCode: result.exitCode,
    stderr: result.stderr.slice(0, 2000),
    pwshProcesses: pwshStarts(setup.pwshStartsFile),
    server: await serverCounts(setup),
    users: tally((results?.users ?? []).map((u) => u.status)),
    steps: tally((results?.users ?? []).flatMap((u) => u.steps.map((s) => `${s.step}:${s.status}`))),
    outcome: results?.outcome,
    error: results?.error,
    state: await checkState(setup, tenant.leavers, tenant.delegate),
    ...(await fromServerLogs(setup, proxyLogged, { startMs: performance.timeOrigin + began, sessions: options.sessions, timeScale: setup.timeScale })),
  };
  rmSync(result.runnerTemp, { recursive: true, force: true });
  return measurement;
}

/** Runs the article's algorithm on a freshly reset tenant, for every leaver or the first `sample` of them. */
export async function measureBaseline(setup: BenchSetup, tenant: BenchTenant, options: { sample?: number } = {}): Promise<BaselineMeasurement> {
  await resetTenant(setup, tenant);
  await useLatency(setup);
  rmSync(setup.pwshStartsFile, { force: true });
  const leavers = options.sample !== undefined && options.sample < tenant.n ? tenant.leavers.slice(0, options.sample) : tenant.leavers;
  const { facts } = setup;
  const result = await runBaseline(
    {
      ldap: { url: facts.ldap.url, caPem: facts.caPem, bindDn: facts.ldap.bindDn, bindPassword: facts.ldap.bindPassword },
      entra: {
        url: facts.simulator.url,
        tenantId: facts.simulator.tenantId,
        organization: facts.simulator.organization,
        sharepointAdminUrl: facts.simulator.sharepointAdminUrl,
        clientId: facts.simulator.clientId,
        certificatePem: facts.simulator.certificatePem,
        certificatePfxPath: setup.certificatePfxPath,
      },
      pwsh: setup.pwsh,
      psModulePath: setup.psModulePath,
    },
    leavers,
  );
  return {
    side: 'baseline',
    n: leavers.length,
    wallMs: result.wallMs,
    pwshProcesses: pwshStarts(setup.pwshStartsFile),
    server: await serverCounts(setup),
    result,
    state: await checkState(setup, leavers, tenant.delegate),
  };
}
