// The benchmark's harness on 10 leavers at a small time scale, on the shared stack: counts only, never times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselinePerUserMs } from '../../bench/profile.js';
import {
  loadLeavers,
  measureAction,
  measureBaseline,
  prepareBench,
  type ActionMeasurement,
  type BaselineMeasurement,
  type BenchSetup,
  type BenchTenant,
} from '../../bench/harness.js';
import { buildRows, profileForReport, renderMarkdown, type BenchReport } from '../../bench/report.js';
import { baseFixture } from '../stack/fixture.js';
import { loadStackTenant, stackFacts } from '../helpers/stack.js';

const N = 10;
const SESSIONS = 2;
const TIME_SCALE = 0.01;

let setup: BenchSetup;
let tenant: BenchTenant;
let action: ActionMeasurement | undefined;
let baseline: BaselineMeasurement | undefined;

beforeAll(async () => {
  setup = await prepareBench(stackFacts(), { timeScale: TIME_SCALE });
  tenant = await loadLeavers(setup, N);
});

afterAll(async () => {
  await setup?.close();
  // The next test file finds the base tenant, as the global setup left it.
  await loadStackTenant(stackFacts(), baseFixture());
});

describe('the benchmark harness on the shared stack', () => {
  it('runs the bundled action over every leaver with one connected session per slot, not per leaver', { timeout: 300_000 }, async () => {
    action = await measureAction(setup, tenant, { sessions: SESSIONS, timeoutMs: 240_000 });
    expect(action.exitCode, action.stderr).toBe(0);
    expect(action.users).toEqual({ done: N });
    expect(action.state).toEqual({ adDisabled: N, mailboxFullAccess: N, onedriveAdmin: N, of: N });
    // The preflight probe plus at most `sessions` processes per service.
    expect(action.pwshProcesses).toBeLessThanOrEqual(1 + 2 * SESSIONS);
    expect(action.server.ops['exo.connect']).toBeLessThanOrEqual(SESSIONS);
    expect(action.server.ops['spo.connect']).toBeLessThanOrEqual(SESSIONS);
    // A connected session opens at most one further connection per OneDrive site (Get-PnPSiteCollectionAdmin reads that site).
    expect(action.server.ops['spo.site-connect'] ?? 0).toBeLessThanOrEqual(N);
    expect(action.server.ops['exo.cmdlet.Add-MailboxPermission']).toBe(N);
    expect(action.server.ops['spo.cmdlet.Set-PnPTenantSite']).toBe(N);
    // Graph calls travel in $batch requests: fewer HTTP requests than users × Graph steps.
    expect(action.server.ops['graph.batch']).toBeGreaterThan(0);
    expect(action.server.http.graph).toBeLessThan(N * 3);
  });

  it('attributes read-back from the servers\' logs: every AD, Exchange and SharePoint write of the run is read back', () => {
    const readBack = action?.readBack;
    expect(readBack, 'the action ran').toBeDefined();
    if (!readBack) return;
    // ad-disable writes each leaver once; read-backs asked for at the same moment share one search, so at most one each.
    expect(readBack.ad).toMatchObject({ writes: N, writesReadBack: N });
    expect(readBack.ad.requests).toBeGreaterThan(0);
    expect(readBack.ad.requests).toBeLessThanOrEqual(N);
    expect(readBack.ad.serverMs).toBeGreaterThan(0);
    // Add-MailboxPermission, then Get-MailboxPermission for the same mailbox.
    expect(readBack.exchange).toMatchObject({ writes: N, writesReadBack: N, calls: N, requests: N });
    // Set-PnPTenantSite, then Get-PnPSiteCollectionAdmin (with the site connection it needs).
    expect(readBack.sharepoint).toMatchObject({ writes: N, writesReadBack: N });
    expect(readBack.sharepoint.calls).toBeGreaterThanOrEqual(N);
    for (const service of ['exchange', 'sharepoint'] as const) expect(readBack[service].serverMs).toBeGreaterThan(0);
    // The leavers are synced (entra-disable makes no change) and entra-revoke has no state to read back.
    expect(readBack.graph).toMatchObject({ calls: 0, writesReadBack: 0 });
    expect(readBack.graph.writes).toBe(N);
  });

  it("reads from the servers' logs that every leaver's access was cut before the first handover command, and what each service was sent", () => {
    const cutOff = action?.cutOff;
    expect(cutOff, 'the action ran').toBeDefined();
    if (!cutOff || !action?.loads) return;
    expect(cutOff.adDisabled?.leavers).toBe(N);
    expect(cutOff.sessionsRevoked?.leavers).toBe(N);
    expect(cutOff.blockGroupJoined).toBeUndefined();
    expect(cutOff.accessCutMs).toBeGreaterThan(0);
    expect(cutOff.accessCutMs).toBeLessThan(cutOff.firstHandoverMs ?? 0);
    expect(cutOff.handoverDoneMs).toBeGreaterThan(cutOff.firstHandoverMs ?? Infinity);
    expect(cutOff.handoverDoneMs).toBeLessThanOrEqual(action.wallMs);
    expect(action.loads.exchange.ops['exo.cmdlet.Add-MailboxPermission']).toBe(N);
    expect(action.loads.sharepoint.ops['spo.cmdlet.Set-PnPTenantSite']).toBe(N);
    expect(action.loads.ad.ops['ldap.modify']).toBeGreaterThanOrEqual(N);
    expect(action.loads.graph.ops['graph.post.revoke']).toBe(N);
  });

  it("runs the article's algorithm with a new pwsh, import and connect per leaver and service", { timeout: 300_000 }, async () => {
    baseline = await measureBaseline(setup, tenant);
    expect(baseline.result.failures).toEqual([]);
    expect(baseline.state).toEqual({ adDisabled: N, mailboxFullAccess: N, onedriveAdmin: N, of: N });
    expect(baseline.pwshProcesses).toBe(2 * N);
    expect(baseline.server.ops['exo.connect']).toBe(N);
    expect(baseline.server.ops['spo.connect']).toBe(N);
    // One Graph token per drive read (a new msal client per call), and one per connect.
    expect(baseline.server.ops.token).toBe(3 * N);
    expect(baseline.server.http.graph).toBe(N);
    expect(baseline.result.counts).toMatchObject({ ldapConnects: 1, ldapBinds: 1, ldapModifies: N, graphRequests: N, pwshProcesses: 2 * N });
  });

  it('reports both sides with their counts in one table row', () => {
    expect(action && baseline, 'both sides ran').toBeTruthy();
    const machine = { cpus: 1, node: process.versions.node, pwshStartMs: 0, ldapConnectBindMs: 0, ldapReadMs: 0, stackStartupMs: {} };
    const sizes = [{ n: N, action: [action as ActionMeasurement], baseline: [baseline as BaselineMeasurement] }];
    const rows = buildRows(sizes, TIME_SCALE, machine);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.counts.baseline).toMatchObject({ pwshProcesses: 2 * N, exoConnects: N, spoConnects: N, ldapModifies: N, usersDone: N });
    expect(rows[0]?.counts.action.usersDone).toBe(N);
    expect(rows[0]?.projected?.baselineMs).toBeCloseTo((baseline as BaselineMeasurement).wallMs + N * baselinePerUserMs(0, 1) * (1 - TIME_SCALE), 3);
    const report: BenchReport = {
      startedAt: 'start',
      finishedAt: 'end',
      timeScale: TIME_SCALE,
      options: { sizes: [N], repeat: 1, baselineRepeat: 1, sessions: [SESSIONS] },
      machine,
      profile: profileForReport(),
      csvParse: { rows: 0, ms: 0, requests: 0, errors: 0 },
      sizes,
      rows,
    };
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(`| ${N} | ${SESSIONS} |`);
    expect(markdown).toContain(` / ${2 * N} |`);
  });
});
