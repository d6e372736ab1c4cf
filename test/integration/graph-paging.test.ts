// Following @odata.nextLink against the simulator's paging faults: a loop, an endless collection, a link to another host.
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { maxPagesFor } from '../../src/connectors/graph/paging.js';
import { LIST_LIMITS, type GraphApi } from '../../src/connectors/types.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { runAction, stackActionEnv, stackActionInputs } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotDirectory, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { TIER1_KEYS, withRoleHolders } from '../stack/fixture-roles.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const fixture = withRoleHolders(baseFixture());
const opened: GraphApi[] = [];
/** Bad pages the simulator serves before it is spent: more than any bound of the reads below, so only a bound stops them. */
const FAULT_PAGES = 1_100;

/** A connector that sends each page at once: a client that follows forever finishes the fault's pages quickly. */
function graphApi(): GraphApi {
  const entra = { tenantId: sim.tenantId, clientId: sim.clientId, certificate: sim.certificatePem, cloud: 'global' as const, authorityHost: sim.url, graphEndpoint: sim.url };
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate), batchDelayMs: 1 });
  opened.push(graph);
  return graph;
}

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);
const pages = async (op: string): Promise<number> => (await control.log()).counts[op] ?? 0;

let foreign: Server;
let foreignRequests = 0;

beforeAll(async () => {
  await loadStackTenant(facts, fixture);
  foreign = createServer((request, response) => {
    foreignRequests++;
    response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"value":[]}');
  });
  foreign.on('connection', () => {
    foreignRequests++;
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
  foreignRequests = 0;
});

afterAll(async () => {
  await control.clearFaults();
  await Promise.all(opened.map((g) => g.close()));
  await new Promise((resolve) => foreign.close(resolve));
  await loadStackTenant(facts, baseFixture());
});

describe('paging by @odata.nextLink', () => {
  it('stops the role assignments read at a nextLink that leads back to the page just read', async () => {
    await control.faults({ paging: { ops: ['graph.list.roleAssignments'], kind: 'loop', pages: FAULT_PAGES } });
    const error = await failure(findEntraUsers(graphApi(), [{ userPrincipalName: 'jdoe@contoso.test' }]));
    expect(error).toMatchObject({ name: 'GraphError', code: 'paging-loop' });
    expect((error as Error).message).toContain('/roleManagement/directory/roleAssignments');
    // The first page, and the page its link leads to, whose link leads to it again.
    expect(await pages('graph.list.roleAssignments')).toBe(2);
  });

  it('stops a user lookup whose pages never end at the bound of a lookup (1,000 matches at 100 a page, plus one)', async () => {
    await control.faults({ paging: { ops: ['graph.list.users'], kind: 'endless', pages: FAULT_PAGES } });
    const error = await failure(findEntraUsers(graphApi(), [{ mail: 'jdoe@contoso.test' }]));
    expect(error).toMatchObject({ name: 'GraphError', code: 'paging-bound' });
    expect(await pages('graph.list.users')).toBe(11);
  });

  it('stops the members of a role-assignable group whose pages never end, at the bound of a directory read', async () => {
    // Two role groups are read at once and share the fault's pages: enough for both to reach their bound.
    await control.faults({ paging: { ops: ['graph.list.transitiveMembers'], kind: 'endless', pages: 2_500 } });
    const graph = graphApi();
    const error = await failure(findEntraUsers(graph, [{ userPrincipalName: `${TIER1_KEYS[0]}@contoso.test` }]));
    expect(error).toMatchObject({ name: 'GraphError', code: 'paging-bound' });
    await graph.close();
    // 1,000,000 members at 999 a page, plus one, for the read that failed first; no more for the other.
    const bound = maxPagesFor(LIST_LIMITS.directory, 999);
    expect(bound).toBe(1003);
    const read = await pages('graph.list.transitiveMembers');
    expect(read).toBeGreaterThanOrEqual(bound);
    expect(read).toBeLessThanOrEqual(2 * bound);
  });

  it('follows no nextLink to another host: the read fails and the other host is never contacted', async () => {
    const host = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    await control.faults({ paging: { ops: ['graph.list.roleAssignments'], kind: 'foreign', host, pages: FAULT_PAGES } });
    const error = await failure(findEntraUsers(graphApi(), [{ userPrincipalName: 'jdoe@contoso.test' }]));
    expect(error).toMatchObject({ name: 'GraphError', code: 'paging-foreign-link' });
    expect((error as Error).message).toContain(host);
    expect(await pages('graph.list.roleAssignments')).toBe(1);
    expect(foreignRequests).toBe(0);
  });

  it('reads every page of a collection that ends', async () => {
    const members = await graphApi().list<{ id: string }>('/users', { query: { select: ['id'], top: 7 }, maxItems: 1000 });
    expect(members).toHaveLength(fixture.people.filter((p) => p.cloud).length);
    expect(await pages('graph.list.users')).toBe(Math.ceil(members.length / 7));
  });
});

describe('a run whose role assignments page in a loop', () => {
  it('stops in resolve and changes nothing: a role it could not read is no role it may miss', async () => {
    await control.faults({ paging: { ops: ['graph.list.roleAssignments'], kind: 'loop', pages: FAULT_PAGES } });
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'paging-workspace-'));
    try {
      mkdirSync(path.join(workspace, 'offboarding'));
      writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), `userPrincipalName\njdoe@contoso.test\n${TIER1_KEYS[0]}@contoso.test\n`);
      const before = { directory: await snapshotDirectory(facts), sim: await control.state() };
      const run = await runAction({
        workspace,
        inputs: { mode: 'apply', select: 'all', ...stackActionInputs(facts) },
        eventName: 'workflow_dispatch',
        payload: { inputs: {}, ref: 'refs/heads/main', repository: { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' } },
        env: stackActionEnv(facts),
        timeoutMs: 100_000,
      });
      rmSync(run.runnerTemp, { recursive: true, force: true });
      expect(run.exitCode, run.stdout).toBe(1);
      // The run stops in resolve, before any change: no leaver is attempted with roles it could not read.
      expect(run.results?.outcome).toBe('failed');
      expect(run.results?.error).toContain('leads back to a page already read');
      expect(run.results?.users.map((u) => `${u.status}: ${u.reason ?? ''}`)).toEqual([
        'blocked: not attempted: the run stopped before it reached this user',
        'blocked: not attempted: the run stopped before it reached this user',
      ]);
      expect(await pages('graph.list.roleAssignments')).toBe(2);
      expect(await snapshotDirectory(facts)).toEqual(before.directory);
      expect(await control.state()).toEqual(before.sim);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
