// Entra role holders read from role assignments, against the test stack: eligible, custom, AU-scoped and group-held roles.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi } from '../../src/connectors/types.js';
import type { EntraUser } from '../../src/model.js';
import { permissionRows } from '../../src/permissions.js';
import { entraGuard, findEntraUsers } from '../../src/resolve/entra.js';
import { roleHoldersByUser } from '../../src/resolve/roles.js';
import { baseFixture } from '../stack/fixture.js';
import { BREAK_GLASS_GROUP, CUSTOM_ROLE, TIER1_GROUP, TIER1_KEYS, withRoleHolders } from '../stack/fixture-roles.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { runAction, stackActionEnv, stackActionInputs } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotDirectory, stackFacts, type LoadedTenant } from '../helpers/stack.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const fixture = withRoleHolders(baseFixture());
const certificatePem = parseCertificate(sim.certificatePem).certPem;
const opened: GraphApi[] = [];
let loaded: LoadedTenant;

function graphApi(): GraphApi {
  const entra = { tenantId: sim.tenantId, clientId: sim.clientId, certificate: sim.certificatePem, cloud: 'global' as const, authorityHost: sim.url, graphEndpoint: sim.url };
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  opened.push(graph);
  return graph;
}

const upnOf = (key: string): string => `${key}@contoso.test`;

async function usersByKey(graph: GraphApi, keys: string[]): Promise<EntraUser[]> {
  const found = await findEntraUsers(graph, keys.map((key) => ({ userPrincipalName: upnOf(key) })));
  return found.map((users, i) => {
    expect(users, keys[i]).toHaveLength(1);
    return users[0] as EntraUser;
  });
}

async function appRoles(roles: string[]): Promise<void> {
  await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles }]);
}

beforeAll(async () => {
  loaded = await loadStackTenant(facts, fixture);
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all(opened.map((g) => g.close()));
  await appRoles(OFFBOARD_ROLES);
});

describe('Entra role holders', () => {
  it('blocks an admin who is only PIM-eligible, naming the role as eligible', async () => {
    const [admin] = await usersByKey(graphApi(), ['pim.admin']);
    const stop = entraGuard(admin as EntraUser, []);
    expect(stop).toMatchObject({ status: 'blocked', code: 'directory-role' });
    expect(stop?.reason).toContain('Privileged Role Administrator (eligible)');
  });

  it('blocks a custom-role holder scoped to an administrative unit, naming the scope', async () => {
    const [helpdesk] = await usersByKey(graphApi(), ['au.helpdesk']);
    const unit = (await control.state()).roleAssignments.find((a) => a.role === CUSTOM_ROLE)?.directoryScopeId ?? '';
    expect(unit).toMatch(/^\/administrativeUnits\//);
    const stop = entraGuard(helpdesk as EntraUser, []);
    expect(stop).toMatchObject({ status: 'blocked', code: 'directory-role' });
    expect(stop?.reason).toContain(`${CUSTOM_ROLE} (custom, scoped to administrative unit ${unit.split('/')[2]})`);
  });

  it('blocks all 25 members of a role-assignable group that holds a role, beyond the 20 an $expand returns', async () => {
    const graph = graphApi();
    const members = await usersByKey(graph, TIER1_KEYS);
    const stops = members.map((user) => entraGuard(user, []));
    expect(stops.map((s) => s?.code)).toEqual(TIER1_KEYS.map(() => 'directory-role'));
    expect(stops.every((s) => s?.reason.includes(`Helpdesk Administrator (through the group ${TIER1_GROUP})`))).toBe(true);
    const [jdoe] = await usersByKey(graph, ['jdoe']);
    expect(entraGuard(jdoe as EntraUser, [])).toBeUndefined();
  });

  it('blocks the member of a group that is only eligible for a role', async () => {
    const [member] = await usersByKey(graphApi(), ['bg.eligible']);
    expect(entraGuard(member as EntraUser, [])?.reason).toContain(`Global Administrator (eligible, through the group ${BREAK_GLASS_GROUP})`);
  });

  it('counts only users as role holders: the service principal in a role-holding group is ignored', async () => {
    const holders = await roleHoldersByUser(graphApi());
    const state = await control.state();
    const group = state.groups.find((g) => g.displayName === TIER1_GROUP);
    const userIds = new Set(state.users.map((u) => u.id));
    const servicePrincipals = (group?.members ?? []).filter((id) => !userIds.has(id));
    expect(servicePrincipals).toHaveLength(1);
    expect([...holders.keys()].filter((id) => !userIds.has(id))).toEqual([]);
    const keyOf = new Map(state.users.map((u) => [u.id, u.key]));
    expect([...holders.keys()].map((id) => keyOf.get(id)).sort()).toEqual(['au.helpdesk', 'bg.eligible', 'gadmin', 'pim.admin', ...TIER1_KEYS].sort());
  });

  it('finds the role holders with only the least privileged permissions the README names for resolve', async () => {
    const least = permissionRows().find((row) => row.step === 'resolve')?.graph?.[0] ?? [];
    await appRoles(least);
    try {
      const [member, gadmin] = await usersByKey(graphApi(), ['tier1.25', 'gadmin']);
      expect(entraGuard(member as EntraUser, [])?.code).toBe('directory-role');
      expect(entraGuard(gadmin as EntraUser, [])?.code).toBe('directory-role');
    } finally {
      await appRoles(OFFBOARD_ROLES);
    }
  });

  it('cannot be bypassed by nesting a group in a role-assignable group: Entra refuses the nesting', async () => {
    const graph = graphApi();
    const before = await control.state();
    const tier1 = before.groups.find((g) => g.displayName === TIER1_GROUP);
    const other = before.groups.find((g) => g.displayName === 'Offboarding Block');
    await appRoles([...OFFBOARD_ROLES, 'RoleManagement.ReadWrite.Directory']);
    try {
      const error = await graph
        .call({ method: 'POST', path: '/groups/{id}/members/$ref', params: { id: tier1?.id ?? '' }, body: { '@odata.id': `${sim.url}/v1.0/directoryObjects/${other?.id ?? ''}` } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 400, code: 'Request_BadRequest' });
      expect((error as Error).message).toContain('Nesting is currently not supported for groups that can be assigned to a role.');
    } finally {
      await appRoles(OFFBOARD_ROLES);
    }
    expect((await control.state()).groups).toEqual(before.groups);
  });

  it('reads role holders once per run: one list each of assignments, eligibilities and definitions, one per holding group', async () => {
    const graph = graphApi();
    await usersByKey(graph, ['jdoe']);
    await usersByKey(graph, ['gadmin', 'pim.admin']);
    const log = await control.log();
    expect(log.counts['graph.list.roleAssignments']).toBe(1);
    expect(log.counts['graph.list.roleEligibilityScheduleInstances']).toBe(1);
    expect(log.counts['graph.list.roleDefinitions']).toBe(1);
    expect(log.counts['graph.list.transitiveMembers']).toBe(2);
    expect(log.counts['graph.list.directoryRoles'] ?? 0).toBe(0);
  });

  it('treats a tenant without Entra ID P2 as one without eligible assignments', async () => {
    await control.load({ ...fixture, pimLicensed: false }, loaded.sids);
    try {
      const graph = graphApi();
      const [gadmin, jdoe] = await usersByKey(graph, ['gadmin', 'jdoe']);
      expect(entraGuard(gadmin as EntraUser, [])?.code).toBe('directory-role');
      expect(entraGuard(jdoe as EntraUser, [])).toBeUndefined();
      const log = await control.log();
      expect(log.entries.find((e) => e.op === 'graph.list.roleEligibilityScheduleInstances')?.status).toBe(400);
    } finally {
      await control.load(fixture, loaded.sids);
    }
  });
});

describe('the permissions role holders need', () => {
  it('name RoleManagement.Read.Directory when Graph refuses the eligibilities to an app holding only Directory.Read.All', async () => {
    await appRoles(['User.Read.All', 'Directory.Read.All']);
    try {
      const error = await findEntraUsers(graphApi(), [{ userPrincipalName: upnOf('jdoe') }]).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403, code: 'UnknownError' });
      expect((error as Error).message).toContain('roleEligibilityScheduleInstances');
      expect((error as Error).message).toContain('grant RoleManagement.Read.Directory');
    } finally {
      await appRoles(OFFBOARD_ROLES);
    }
  });


  it('stop a run without RoleManagement.Read.Directory in the preflight, naming it, before any change', async () => {
    await appRoles(OFFBOARD_ROLES.filter((r) => r !== 'RoleManagement.Read.Directory'));
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'roles-workspace-'));
    try {
      mkdirSync(path.join(workspace, 'offboarding'));
      writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), 'userPrincipalName\njdoe@contoso.test\npim.admin@contoso.test\n');
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
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('❌ Microsoft Graph permission RoleManagement.Read.Directory is missing — needed by resolve');
      expect(run.stdout).not.toContain('GroupMember.Read.All is missing');
      expect(run.results?.outcome).toBe('failed');
      const log = await control.log();
      expect(log.entries.filter((e) => e.op.startsWith('graph.') && e.op !== 'graph.batch')).toEqual([]);
      expect(await snapshotDirectory(facts)).toEqual(before.directory);
      expect(await control.state()).toEqual(before.sim);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
      await appRoles(OFFBOARD_ROLES);
    }
  });
});
