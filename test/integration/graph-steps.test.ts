// auth-methods, entra-groups and group-owners run by the engine against the simulator (and the Exchange stand-in), their reverse called directly.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { Connectors, GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Delegate, Person, StepName, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { authMethods } from '../../src/steps/auth-methods.js';
import { entraGroups } from '../../src/steps/entra-groups.js';
import { groupOwners } from '../../src/steps/group-owners.js';
import type { Decision, RunShared, Step } from '../../src/steps/types.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { undoFrom } from '../helpers/undo-from.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { crowdedTenant, GROUP_IDS, graphStepsFixture, HOSTILE_GROUP } from './graph-steps-fixture.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const fixture = crowdedTenant(graphStepsFixture());
const certificatePem = parseCertificate(sim.certificatePem).certPem;
/** The offboarding app with what the three steps need besides the README's base set. */
const ROLES = [...OFFBOARD_ROLES, 'UserAuthenticationMethod.ReadWrite.All', 'Group.ReadWrite.All'];
const DELEGATE: Delegate = { source: 'entra-manager', userPrincipalName: 'salesvp@contoso.test' };

const opened: GraphApi[] = [];
let exchange: PowerShellService | undefined;

function graphApi(): GraphApi {
  const entra = entraInputs(facts);
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  opened.push(graph);
  return graph;
}

function inputs(mode: Mode, steps: StepName[]): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps,
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
    mailboxAutomapping: false,
    blockGroup: 'Offboarding Block',
  };
}

async function people(keys: string[], graph: GraphApi, delegate: Delegate): Promise<Person[]> {
  const found = await findEntraUsers(graph, keys.map((key) => ({ userPrincipalName: `${key}@contoso.test` })));
  return keys.map((key, i) => ({
    request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName: `${key}@contoso.test` } },
    entra: found[i]?.[0],
    delegate,
  }));
}

async function run(keys: string[], steps: Step[], options: { mode?: Mode; delegate?: Delegate; connectors?: Omit<Connectors, 'graph'> } = {}): Promise<UserResult[]> {
  const graph = graphApi();
  const mode = options.mode ?? 'apply';
  return runEngine({
    people: await people(keys, graph, options.delegate ?? DELEGATE),
    steps,
    mode,
    inputs: inputs(mode, steps.map((s) => s.name)),
    connectors: { graph, ...options.connectors },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 4,
  });
}

function shared(): RunShared {
  const values = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!values.has(key)) values.set(key, compute());
      return values.get(key) as Promise<T>;
    },
  };
}

/** The step's reverse of an earlier run's record for one user, called as an undo would (without the engine). */
async function reverse(step: Step, key: string, record: { before?: Record<string, unknown>; after?: Record<string, unknown> }, connectors: Omit<Connectors, 'graph'> = {}): Promise<Decision> {
  if (!step.reverse) throw new Error(`${step.name} has no reverse`);
  const graph = graphApi();
  const [person] = await people([key], graph, DELEGATE);
  return step.reverse({ person, inputs: inputs('apply', [step.name]), connectors: { graph, ...connectors }, run: { event: 'workflow_dispatch' }, now: new Date(), facts: {}, shared: shared(), record });
}

/** Undoes `results` with the engine, as `undo-from` does: each user found again by the record's object id, without a delegate. */
async function runUndo(results: UserResult[], mode: Mode, connectors: Omit<Connectors, 'graph'> = {}): Promise<UserResult[]> {
  const { undo, requests } = undoFrom(results);
  const graph = graphApi();
  const found = await findEntraUsers(graph, requests.map((request) => request.identity));
  const undone: Person[] = requests.map((request, i) => ({ request, entra: found[i]?.[0], delegate: { source: 'none' } }));
  return runEngine({
    people: undo.guard(undone),
    steps: undo.steps,
    mode,
    inputs: inputs(mode, undo.stepNames),
    connectors: { graph, ...connectors },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 4,
  });
}

const stepOf = (result: UserResult | undefined, name: StepName) => result?.steps.find((s) => s.step === name);
/** The groups with their members in one order: a member added back is listed last. */
const membersSorted = (groups: { members: string[] }[]) => groups.map((g) => ({ ...g, members: [...g.members].sort() }));
const userId = async (key: string): Promise<string> => (await control.state()).users.find((u) => u.key === key)?.id ?? '';
const groupState = async (id: string) => (await control.state()).groups.find((g) => g.id === id);
const membersOf = async (key: string): Promise<string[]> => {
  const state = await control.state();
  const id = state.users.find((u) => u.key === key)?.id ?? '';
  return state.groups.filter((g) => g.members.includes(id)).map((g) => g.displayName).sort();
};
const writes = async () => (await control.log()).entries.filter((e) => e.method !== 'GET' && e.op !== 'token' && e.op !== 'graph.batch' && !e.op.includes('checkMemberGroups'));

beforeAll(async () => {
  await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: ROLES }]);
  await control.load(fixture, {});
  exchange = psService(facts, 'exchange', { sessions: 1 });
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all(opened.map((g) => g.close()));
  await exchange?.close();
  await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: OFFBOARD_ROLES }]);
});

describe('auth-methods', () => {
  it('plans every method but the password, phone numbers and mail addresses masked, and changes nothing', async () => {
    const [lea] = await run(['lea'], [authMethods], { mode: 'plan' });
    const step = stepOf(lea, 'auth-methods');
    expect(step?.status).toBe('planned');
    expect(step?.reason).toBe(
      '6 methods: Authenticator (iPhone 15), phone mobile +1 ••••••••42, phone alternateMobile +1 ••••••••99, FIDO2 (YubiKey <5>), email l•••@example.net, Temporary Access Pass',
    );
    expect(JSON.stringify(step)).not.toContain('2065550142');
    expect(JSON.stringify(step)).not.toContain('lea.private');
    expect(await writes()).toEqual([]);
    expect((await control.state()).users.find((u) => u.key === 'lea')?.authMethods).toHaveLength(6);
  });

  it('deletes every method but the password, the default one last once Graph refused it, and reads it back; the bystander keeps hers', async () => {
    const phoneIds = (await control.state()).users.find((u) => u.key === 'lea')?.authMethods.filter((m) => m.type === 'phone').map((m) => ({ id: m.id, kind: 'phoneType' in m ? m.phoneType : '' }));
    const [lea] = await run(['lea'], [authMethods]);
    expect(stepOf(lea, 'auth-methods')).toMatchObject({ status: 'done', after: { methods: [] }, verified: true });
    const state = await control.state();
    expect(state.users.find((u) => u.key === 'lea')?.authMethods).toEqual([]);
    expect(state.users.find((u) => u.key === 'ben')?.authMethods).toHaveLength(6);
    const deletes = (await control.log()).entries.filter((e) => e.op === 'graph.delete.authMethod');
    const authenticator = deletes.filter((e) => e.path.includes('microsoftAuthenticatorMethods'));
    // Refused first (the default MFA method while others remain), deleted once it was the last.
    expect(authenticator.map((e) => e.status)).toEqual([400, 204]);
    expect(deletes.at(-1)?.path).toContain('microsoftAuthenticatorMethods');
    // The alternate number goes before the mobile one.
    const phones = deletes.filter((e) => e.path.includes('phoneMethods')).map((e) => ({ status: e.status, kind: phoneIds?.find((p) => e.path.includes(p.id))?.kind }));
    expect(phones).toEqual([
      { status: 204, kind: 'alternateMobile' },
      { status: 204, kind: 'mobile' },
    ]);
    expect(deletes.every((e) => e.user === 'lea@contoso.test')).toBe(true);
  });

  it('finds the user unchanged once only the password is left', async () => {
    await run(['lea'], [authMethods]);
    await control.clearLog();
    const [again] = await run(['lea'], [authMethods]);
    expect(stepOf(again, 'auth-methods')).toMatchObject({ status: 'unchanged', before: { methods: [] } });
    expect(await writes()).toEqual([]);
  });

  it('fails the user with Graph\'s refusal when the app may not delete methods, and deletes none', async () => {
    await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: [...OFFBOARD_ROLES, 'UserAuthenticationMethod.Read.All'] }]);
    try {
      const [lea] = await run(['lea'], [authMethods]);
      expect(stepOf(lea, 'auth-methods')).toMatchObject({ status: 'failed', error: { code: 'Authorization_RequestDenied' } });
      expect((await control.state()).users.find((u) => u.key === 'lea')?.authMethods).toHaveLength(6);
    } finally {
      await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles: ROLES }]);
    }
  });
});

describe('entra-groups', () => {
  const REMOVED = ['All Staff', 'Finance Approvers', HOSTILE_GROUP, 'Project X', 'Sales EMEA', 'Shared Board'].sort();
  const KEPT = ['Everyone Dynamic', 'Offboarding Block', 'On-prem Sync Group', 'Tier0 Helpdesk'];

  it('plans the direct memberships it removes and names those it keeps, changing nothing', async () => {
    const [lea] = await run(['lea'], [entraGroups], { mode: 'plan', connectors: { exchange } });
    const step = stepOf(lea, 'entra-groups');
    expect(step?.status).toBe('planned');
    expect(step?.reason).toBe(`6 groups: Sales EMEA, Project X, Shared Board, ${HOSTILE_GROUP}, All Staff, Finance Approvers`);
    expect((step?.before?.groups as { displayName: string }[]).map((g) => g.displayName).sort()).toEqual(REMOVED);
    expect(step?.before?.kept).toEqual(
      expect.arrayContaining(['Everyone Dynamic (dynamic membership)', 'On-prem Sync Group (synced from AD (ad-groups))', 'Offboarding Block (block-group)', 'Tier0 Helpdesk (role-assignable)']),
    );
    expect(await writes()).toEqual([]);
  });

  it('removes the leaver through Graph and, for mail-enabled groups, Exchange; keeps the rest and every other member', async () => {
    const before = await control.state();
    const [lea] = await run(['lea'], [entraGroups], { connectors: { exchange } });
    expect(stepOf(lea, 'entra-groups')).toMatchObject({ status: 'done', after: { groups: [] }, verified: true });
    expect(await membersOf('lea')).toEqual(KEPT);
    expect(await membersOf('ben')).toEqual([...REMOVED, ...KEPT].sort());
    const log = (await control.log()).entries;
    const exo = log.filter((e) => e.op === 'exo.cmdlet.Remove-DistributionGroupMember');
    expect(exo.map((e) => e.signature)).toEqual(Array(2).fill('exchange Remove-DistributionGroupMember -BypassSecurityGroupManagerCheck -Identity -Member'));
    expect(exo.every((e) => e.status === 200)).toBe(true);
    const graphDeletes = log.filter((e) => e.op === 'graph.delete.groupMember');
    expect(graphDeletes.every((e) => e.status === 204 && e.user === 'lea@contoso.test')).toBe(true);
    expect(graphDeletes).toHaveLength(4);
    // Every other group's members and owners as they were, the kept ones included.
    const after = await control.state();
    const leaId = await userId('lea');
    const strip = (groups: typeof before.groups) => groups.map((g) => ({ ...g, members: g.members.filter((m) => m !== leaId) }));
    expect(strip(after.groups)).toEqual(strip(before.groups));
  });

  it('finds the leaver unchanged on a second run', async () => {
    await run(['lea'], [entraGroups], { connectors: { exchange } });
    await control.clearLog();
    const [again] = await run(['lea'], [entraGroups], { connectors: { exchange } });
    expect(stepOf(again, 'entra-groups')).toMatchObject({ status: 'unchanged', before: { groups: [] } });
    expect(await writes()).toEqual([]);
  });

  it('is blocked, changing nothing, when mail-enabled groups need Exchange and it is not configured', async () => {
    const [lea] = await run(['lea'], [entraGroups]);
    expect(stepOf(lea, 'entra-groups')?.status).toBe('blocked');
    expect(stepOf(lea, 'entra-groups')?.reason).toContain('All Staff');
    expect(await membersOf('lea')).toEqual([...REMOVED, ...KEPT].sort());
  });

  it('through undo-from: plans every removed membership back and writes nothing, then re-adds each, read back: every group as before', async () => {
    const before = await control.state();
    const applied = await run(['lea'], [entraGroups], { connectors: { exchange } });
    expect(stepOf(applied[0], 'entra-groups')?.status).toBe('done');
    const removed = await control.state();
    await control.clearLog();
    const [plan] = await runUndo(applied, 'plan', { exchange });
    const planned = stepOf(plan, 'entra-groups');
    expect(planned?.status).toBe('planned');
    expect((planned?.after?.groups as { displayName: string }[]).map((g) => g.displayName).sort()).toEqual(REMOVED);
    expect(await writes()).toEqual([]);
    expect(await control.state()).toEqual(removed);
    const [undone] = await runUndo(applied, 'apply', { exchange });
    expect(stepOf(undone, 'entra-groups')).toMatchObject({ status: 'done', verified: true });
    expect(membersSorted((await control.state()).groups)).toEqual(membersSorted(before.groups));
  });

  it('reverse re-adds each removed membership where the user is still absent, and leaves one re-added since', async () => {
    const [lea] = await run(['lea'], [entraGroups], { connectors: { exchange } });
    const record = stepOf(lea, 'entra-groups');
    // Someone added her back to Project X since.
    const graph = graphApi();
    await graph.call({ method: 'POST', path: '/groups/{id}/members/$ref', params: { id: GROUP_IDS.projectX }, body: { '@odata.id': graph.odataId('/directoryObjects/{id}', { id: await userId('lea') }) } });
    await control.clearLog();
    const decision = await reverse(entraGroups, 'lea', { before: record?.before, after: record?.after }, { exchange });
    if (decision.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(decision)}`);
    expect((decision.after?.groups as { displayName: string }[]).map((g) => g.displayName).sort()).toEqual(REMOVED.filter((g) => g !== 'Project X'));
    await decision.apply();
    expect(await decision.verify?.()).toEqual({ ok: true });
    expect(await membersOf('lea')).toEqual([...REMOVED, ...KEPT].sort());
    const log = (await control.log()).entries;
    expect(log.filter((e) => e.op === 'exo.cmdlet.Add-DistributionGroupMember').map((e) => e.status)).toEqual([200, 200]);
    expect(log.filter((e) => e.op === 'graph.post.groupMember' && e.path.includes(GROUP_IDS.projectX))).toEqual([]);
    // Reversing again finds every membership back.
    expect((await reverse(entraGroups, 'lea', { before: record?.before, after: record?.after }, { exchange })).kind).toBe('unchanged');
  });

  it("reverse of the undo's own record takes her out of the groups the undo put her back in, and a third reverse puts her back", async () => {
    const [lea] = await run(['lea'], [entraGroups], { connectors: { exchange } });
    const record = stepOf(lea, 'entra-groups');
    const undo = await reverse(entraGroups, 'lea', { before: record?.before, after: record?.after }, { exchange });
    if (undo.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(undo)}`);
    await undo.apply();
    expect(await membersOf('lea')).toEqual([...REMOVED, ...KEPT].sort());
    const redo = await reverse(entraGroups, 'lea', { before: undo.before, after: undo.after }, { exchange });
    if (redo.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(redo)}`);
    expect(redo.after).toEqual({ groups: [] });
    expect((redo.before?.groups as { displayName: string }[]).map((g) => g.displayName).sort()).toEqual(REMOVED);
    await redo.apply();
    expect(await redo.verify?.()).toEqual({ ok: true });
    expect(await membersOf('lea')).toEqual(KEPT);
    expect(await membersOf('ben')).toEqual([...REMOVED, ...KEPT].sort());
    const again = await reverse(entraGroups, 'lea', { before: redo.before, after: redo.after }, { exchange });
    if (again.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(again)}`);
    await again.apply();
    expect(await membersOf('lea')).toEqual([...REMOVED, ...KEPT].sort());
  });
});

describe('group-owners', () => {
  it('plans the groups the leaver owns alone and says which it leaves, changing nothing', async () => {
    const [lea] = await run(['lea'], [groupOwners], { mode: 'plan' });
    const step = stepOf(lea, 'group-owners');
    expect(step?.status).toBe('planned');
    expect(step?.reason).toBe('owner of 2 groups: Sales EMEA, Project X');
    expect(step?.before?.notHandled).toEqual(['All Staff (mail-enabled: its owners are managed in Exchange)']);
    expect(await writes()).toEqual([]);
  });

  it("finds each leaver's groups from the groups' owners, read once a run, never from ownedObjects (refused to an app)", async () => {
    const [lea, ben] = await run(['lea', 'ben'], [groupOwners], { mode: 'plan' });
    expect(stepOf(lea, 'group-owners')?.reason).toBe('owner of 2 groups: Sales EMEA, Project X');
    expect(stepOf(ben, 'group-owners')?.reason).toBe(`owner of 1 group: ${HOSTILE_GROUP}`);
    const reads = (await control.log()).entries.filter((e) => e.op === 'graph.list.groups' || e.op === 'graph.list.ownedObjects');
    // More groups than a page holds: the first page once, then its nextLink.
    expect(reads.map((e) => [e.op, decodeURIComponent(e.path).includes('$skiptoken')])).toEqual([
      ['graph.list.groups', false],
      ['graph.list.groups', true],
    ]);
  });

  it('does not hand over a group with more owners than $expand returns, the leaver among them', async () => {
    const [lea] = await run(['lea'], [groupOwners], { mode: 'plan' });
    expect(stepOf(lea, 'group-owners')?.before?.groups).toEqual([
      { id: GROUP_IDS.salesEmea, displayName: 'Sales EMEA' },
      { id: GROUP_IDS.projectX, displayName: 'Project X' },
    ]);
    expect((await groupState(GROUP_IDS.crowded))?.owners).toHaveLength(21);
  });

  it('makes the delegate an owner of each, and a member of the Team, leaving co-owned groups alone', async () => {
    const before = await control.state();
    const [lea] = await run(['lea'], [groupOwners]);
    expect(stepOf(lea, 'group-owners')).toMatchObject({ status: 'done', verified: true });
    const [leaId, vpId] = [await userId('lea'), await userId('salesvp')];
    expect((await groupState(GROUP_IDS.salesEmea))?.owners).toEqual([leaId, vpId]);
    expect((await groupState(GROUP_IDS.salesEmea))?.members).toContain(vpId);
    expect((await groupState(GROUP_IDS.projectX))?.owners).toEqual([leaId, vpId]);
    expect((await groupState(GROUP_IDS.projectX))?.members).not.toContain(vpId);
    const after = await control.state();
    const others = (state: typeof before) => state.groups.filter((g) => g.id !== GROUP_IDS.salesEmea && g.id !== GROUP_IDS.projectX);
    expect(others(after)).toEqual(others(before));
  });

  it('finds the leaver unchanged once the delegate owns the groups too', async () => {
    await run(['lea'], [groupOwners]);
    await control.clearLog();
    const [again] = await run(['lea'], [groupOwners]);
    expect(stepOf(again, 'group-owners')).toMatchObject({ status: 'unchanged', before: { groups: [] } });
    expect(await writes()).toEqual([]);
  });

  it('is skipped without a delegate', async () => {
    const [lea] = await run(['lea'], [groupOwners], { delegate: { source: 'none' } });
    expect(stepOf(lea, 'group-owners')).toEqual({ step: 'group-owners', status: 'skipped', reason: 'no delegate found' });
  });

  it('reverse removes the owner and the Team membership the run added, and nothing else', async () => {
    const before = await control.state();
    const [lea] = await run(['lea'], [groupOwners]);
    const record = stepOf(lea, 'group-owners');
    const decision = await reverse(groupOwners, 'lea', { before: record?.before, after: record?.after });
    if (decision.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(decision)}`);
    await decision.apply();
    expect(await decision.verify?.()).toEqual({ ok: true });
    expect((await control.state()).groups).toEqual(before.groups);
  });

  it("reverse of the undo's own record makes the delegate an owner (and Team member) again, as the run had", async () => {
    const [lea] = await run(['lea'], [groupOwners]);
    const applied = (await control.state()).groups;
    const record = stepOf(lea, 'group-owners');
    const undo = await reverse(groupOwners, 'lea', { before: record?.before, after: record?.after });
    if (undo.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(undo)}`);
    await undo.apply();
    const redo = await reverse(groupOwners, 'lea', { before: undo.before, after: undo.after });
    if (redo.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(redo)}`);
    expect(redo.reason).toBe('owner of 2 groups again: Sales EMEA, Project X');
    await redo.apply();
    expect(await redo.verify?.()).toEqual({ ok: true });
    expect((await control.state()).groups).toEqual(applied);
    // Once the delegate owns them again, the same record is changed since.
    expect(await reverse(groupOwners, 'lea', { before: undo.before, after: undo.after })).toEqual({ kind: 'skipped', reason: 'changed since: the delegate is an owner of Sales EMEA, Project X again' });
  });

  it('reverse is skipped as changed since once the delegate is no longer an owner', async () => {
    const [lea] = await run(['lea'], [groupOwners]);
    const record = stepOf(lea, 'group-owners');
    const graph = graphApi();
    await graph.call({ method: 'DELETE', path: '/groups/{id}/owners/{ownerId}/$ref', params: { id: GROUP_IDS.projectX, ownerId: await userId('salesvp') } });
    const decision = await reverse(groupOwners, 'lea', { before: record?.before, after: record?.after });
    expect(decision).toEqual({ kind: 'skipped', reason: 'changed since: Project X: the delegate is no longer an owner' });
    expect((await groupState(GROUP_IDS.salesEmea))?.owners).toContain(await userId('salesvp'));
  });

  it('through undo-from: plans the handover back and writes nothing, then removes the owners and the Team membership the run added, read back: every group as before', async () => {
    const before = await control.state();
    const applied = await run(['lea'], [groupOwners]);
    expect(stepOf(applied[0], 'group-owners')?.status).toBe('done');
    const handed = await control.state();
    await control.clearLog();
    const [plan] = await runUndo(applied, 'plan');
    expect(stepOf(plan, 'group-owners')?.status).toBe('planned');
    expect(await writes()).toEqual([]);
    expect(await control.state()).toEqual(handed);
    const [undone] = await runUndo(applied, 'apply');
    expect(stepOf(undone, 'group-owners')).toMatchObject({ status: 'done', verified: true });
    expect((await control.state()).groups).toEqual(before.groups);
  });
});
