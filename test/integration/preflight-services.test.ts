// Preflight of Exchange Online and SharePoint through the bundled action: a misconfigured service stops the run before
// any change (the whole stack's state the same after as before), and a sound one hands its session on to the run.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { parseInputs } from '../../src/inputs.js';
import { openConnectors } from '../../src/preflight/index.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotStack, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { installStandInModules } from '../stack/modules.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import type { SimulatorApp } from '../stack/simulator/types.js';
import { waitFor } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const stackApp: SimulatorApp = {
  clientId: facts.simulator.clientId,
  displayName: 'm365-offboard',
  certificatesPem: [parseCertificate(facts.simulator.certificatePem).certPem],
  roles: OFFBOARD_ROLES,
};
/** A leaver whose every default step would change something: AD, Entra, the mailbox and the OneDrive. */
const LEAVERS = 'userPrincipalName\njdoe@contoso.test\n';
const TIMEOUT_MS = 300_000;
const temporary: string[] = [];

async function run(options: { inputs?: Record<string, string>; env?: Record<string, string> } = {}): Promise<ActionRun> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'preflight-workspace-'));
  temporary.push(workspace);
  mkdirSync(path.join(workspace, 'offboarding'));
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), LEAVERS);
  const result = await runAction({
    workspace,
    inputs: { ...stackActionInputs(facts), mode: 'apply', select: 'all', ...options.inputs },
    eventName: 'workflow_dispatch',
    payload: { inputs: {}, ref: 'refs/heads/main', repository },
    env: { ...stackActionEnv(facts), ...options.env },
    timeoutMs: TIMEOUT_MS,
  });
  temporary.push(result.runnerTemp);
  return result;
}

/** Runs the action against a misconfiguration and checks it stopped in preflight with `fix` shown, changing nothing. */
async function expectStoppedInPreflight(options: Parameters<typeof run>[0], failing: RegExp, fix: string): Promise<void> {
  const before = await snapshotStack(facts);
  await control.clearLog();
  const result = await run(options);
  const after = await snapshotStack(facts);
  const detail = `exit ${result.exitCode}\n${result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(0, 5000)}`;
  expect(after, 'the stack after the run, against before').toEqual(before);
  expect(result.results?.error, detail).toMatch(/^Preflight failed: .*Nothing was changed\.$/);
  expect(result.results?.error, detail).toMatch(failing);
  expect(result.exitCode).toBe(1);
  // The summary writes punctuation from the text as character references.
  expect(result.summary.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))).toContain(fix);
  expect(result.results?.users.map((u) => u.steps.map((s) => s.status))).toEqual([['blocked', 'blocked', 'blocked', 'blocked', 'blocked']]);
  // Not one write reached Microsoft 365: only sign-ins, connects and reads.
  const writes = (await control.log()).entries.filter((e) => !/^(token|exo\.connect|spo\.connect|exo\.cmdlet\.Get-|spo\.cmdlet\.Get-|graph\.(get|list)\.)/.test(e.op) && e.op !== 'graph.batch');
  expect(writes.map((e) => `${e.op} ${e.path}`)).toEqual([]);
}

beforeAll(async () => {
  await loadStackTenant(facts, baseFixture());
}, TIMEOUT_MS);

afterEach(async () => {
  await control.apps([stackApp]);
  await control.clearFaults();
});

afterAll(async () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
}, TIMEOUT_MS);

describe('preflight of Exchange Online and SharePoint, through the bundled action', () => {
  it('stops an app that holds no Entra role Exchange accepts before any change, saying which role to assign where', async () => {
    await control.apps([{ ...stackApp, directoryRoles: [] }]);
    await expectStoppedInPreflight(
      {},
      /Exchange Online: session or Get-EXOMailbox failed/,
      'Assign the Exchange Recipient Administrator role to the app',
    );
  }, TIMEOUT_MS);

  it('stops an app without Exchange.ManageAsApp before any change, from the roles of its Exchange token', async () => {
    await control.apps([{ ...stackApp, roles: OFFBOARD_ROLES.filter((r) => r !== 'Exchange.ManageAsApp') }]);
    await expectStoppedInPreflight(
      {},
      /Office 365 Exchange Online permission Exchange\.ManageAsApp is missing/,
      'Add the Office 365 Exchange Online application permission Exchange.ManageAsApp to the app registration and grant admin consent',
    );
  }, TIMEOUT_MS);

  it('stops a run whose certificate SharePoint sign-in does not accept (AADSTS700027) before any change, saying where to upload it', async () => {
    await control.faults({ keyNotFound: { resources: ['sharepoint'] } });
    await expectStoppedInPreflight(
      {},
      /SharePoint: sign-in/,
      `Upload this certificate (SHA-256 thumbprint ${parseCertificate(facts.simulator.certificatePem).thumbprintSha256}) to the app registration ${facts.simulator.clientId}`,
    );
  }, TIMEOUT_MS);

  it('stops a runner without PnP.PowerShell before any change, saying how to install it', async () => {
    const modules = mkdtempSync(path.join(os.tmpdir(), 'exchange-only-'));
    temporary.push(modules);
    installStandInModules(modules, { simulatorUrl: facts.simulator.url, caPem: facts.caPem });
    rmSync(path.join(modules, 'PnP.PowerShell'), { recursive: true });
    await expectStoppedInPreflight({ env: { PSModulePath: modules } }, /PnP\.PowerShell module/, 'Install-Module PnP.PowerShell -Scope AllUsers');
  }, TIMEOUT_MS);

  it('prints the absolute pwsh it found, and the run goes on in the sessions preflight opened', async () => {
    const before = await snapshotStack(facts);
    await control.clearLog();
    const result = await run({ inputs: { mode: 'plan', 'powershell-sessions': '1' } });
    expect(result.results?.outcome, result.stdout.slice(0, 4000)).toBe('completed');
    expect(result.stdout).toMatch(new RegExp(`✅ PowerShell 7 \\(pwsh\\) — 7\\.\\d+\\.\\d+ at ${realpathSync(facts.pwsh).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(result.stdout).toContain('✅ Exchange Online: session connected, Get-EXOMailbox answered');
    expect(result.stdout).toContain('✅ SharePoint: session connected, Get-PnPTenant answered');
    const log = await control.log();
    // One connect per service: the plan's reads ran in the session preflight opened.
    expect(log.counts['exo.connect']).toBe(1);
    expect(log.counts['spo.connect']).toBe(1);
    const ops = log.entries.map((e) => e.op);
    expect(ops.indexOf('exo.cmdlet.Get-EXOMailbox')).toBeLessThan(ops.lastIndexOf('exo.cmdlet.Get-MailboxPermission'));
    expect(await snapshotStack(facts)).toEqual(before);
  }, TIMEOUT_MS);
});

describe('the sessions preflight starts for the run', () => {
  /** Opens the connectors as the action does for `leavers` selected leavers, then counts each pool's sessions. */
  async function openFor(leavers: number, sessions: number) {
    const { inputs, errors } = parseInputs({ ...stackActionInputs(facts), mode: 'plan', 'powershell-sessions': String(sessions) });
    expect(errors).toEqual([]);
    if (!inputs) throw new Error('no inputs');
    // The stand-in modules, as the action finds them on the runner (stackActionEnv).
    const saved = process.env.PSModulePath;
    process.env.PSModulePath = facts.psModulePath;
    const opened = await openConnectors(inputs, () => undefined, () => undefined, leavers).finally(() => {
      process.env.PSModulePath = saved;
    });
    const { exchange, sharepoint } = opened.connectors;
    if (!exchange || !sharepoint) throw new Error('no PowerShell connectors');
    return { opened, exchange, sharepoint };
  }

  it('starts the other sessions once the preflight read answered, as many as there are leavers up to powershell-sessions', async () => {
    await control.clearLog();
    const { opened, exchange, sharepoint } = await openFor(5, 3);
    try {
      expect(opened.preflight.filter((line) => !line.ok)).toEqual([]);
      // Started before any step asked for them: the handover's first commands find them connected.
      expect([exchange.stats.processes, sharepoint.stats.processes]).toEqual([3, 3]);
      await waitFor('every session to connect', () => exchange.stats.connects === 3 && sharepoint.stats.connects === 3);
      const { counts } = await control.log();
      expect([counts['exo.connect'], counts['spo.connect']]).toEqual([3, 3]);
      // Nothing was run in them: only the preflight read.
      expect([exchange.stats.commands, sharepoint.stats.commands]).toEqual([1, 1]);
    } finally {
      await opened.close();
    }
  }, TIMEOUT_MS);

  it('starts no session beyond the leavers: one leaver, one session per service', async () => {
    const { opened, exchange, sharepoint } = await openFor(1, 3);
    try {
      expect([exchange.stats.processes, sharepoint.stats.processes]).toEqual([1, 1]);
    } finally {
      await opened.close();
    }
  }, TIMEOUT_MS);

  it('starts no further session when the preflight read is refused: a bad configuration costs one connect', async () => {
    await control.apps([{ ...stackApp, directoryRoles: [] }]);
    await control.clearLog();
    const { opened, exchange } = await openFor(5, 3);
    try {
      expect(opened.preflight.find((line) => !line.ok)?.label).toBe('Exchange Online: session or Get-EXOMailbox failed');
      expect(exchange.stats.processes).toBe(1);
    } finally {
      await opened.close();
    }
  }, TIMEOUT_MS);
});
