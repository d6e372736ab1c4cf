// group-owners: the delegate becomes an owner of each group or Team whose only owner is the leaver, so that none is left without one.
import { z } from 'zod';
import { isGraphError, LIST_LIMITS, type GraphApi } from '../connectors/types.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import type { Decision } from './types.js';

const groupShape = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  groupTypes: z.array(z.string()).nullish(),
  mailEnabled: z.boolean().nullish(),
  securityEnabled: z.boolean().nullish(),
  isAssignableToRole: z.boolean().nullish(),
  resourceProvisioningOptions: z.array(z.string()).nullish(),
  owners: z.array(z.object({ id: z.string() })).nullish(),
});
type GroupRead = z.infer<typeof groupShape>;
const idShape = z.object({ id: z.string() });
const checkedShape = z.object({ value: z.array(z.string()) });

/** A group the leaver alone owns, as the record keeps it. */
interface OwnedGroup {
  id: string;
  displayName: string;
  /** A Microsoft 365 group with a team: its owner is made a member too. */
  team: boolean;
}

/** The groups the leaver owns alone, and those it owns alone that the step leaves (with why). */
interface Owned {
  sole: OwnedGroup[];
  left: string[];
}

const GROUP_SELECT = ['id', 'displayName', 'groupTypes', 'mailEnabled', 'securityEnabled', 'isAssignableToRole', 'resourceProvisioningOptions'];

async function ownerIds(graph: GraphApi, groupId: string): Promise<string[]> {
  const owners = await graph.list('/groups/{id}/owners', { params: { id: groupId }, query: { select: ['id'] }, schema: idShape, maxItems: LIST_LIMITS.directory });
  return owners.map((o) => o.id.toLowerCase());
}

/**
 * Every group with a single owner, by that owner's id (lower case). An application cannot list a user's ownedObjects
 * ("Application: Not supported.", https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects), so the groups
 * are read once a run with their owners expanded (https://learn.microsoft.com/en-us/graph/api/resources/group, owners:
 * "Supports $expand including nested $select"). `$expand` returns at most 20 of a group's owners and no nextLink
 * (https://learn.microsoft.com/en-us/graph/query-parameters#expand): fewer than 20 is all of them, and a group
 * showing 20 has at least 20, so one showing exactly one owner is owned by that one alone.
 */
async function readSoleOwners(graph: GraphApi): Promise<Map<string, GroupRead[]>> {
  const groups = await graph.list('/groups', { query: { select: GROUP_SELECT, expand: 'owners($select=id)' }, schema: groupShape, maxItems: LIST_LIMITS.directory });
  const byOwner = new Map<string, GroupRead[]>();
  for (const group of groups) {
    const [only, ...others] = group.owners ?? [];
    if (!only || others.length > 0) continue;
    const key = only.id.toLowerCase();
    byOwner.set(key, [...(byOwner.get(key) ?? []), group]);
  }
  return byOwner;
}

/** Of the groups the user owns alone, those the step hands over and those it leaves, with why. */
function classify(alone: GroupRead[]): Owned {
  const result: Owned = { sole: [], left: [] };
  for (const group of alone) {
    const name = group.displayName ?? group.id;
    const unified = group.groupTypes?.includes('Unified') ?? false;
    // Graph refuses owner changes of distribution lists and mail-enabled security groups (Exchange manages them:
    // https://learn.microsoft.com/en-us/graph/api/resources/groups-overview); a role-assignable group's owner
    // manages who holds its roles, which is no delegate's to inherit unasked.
    if (!unified && group.mailEnabled) result.left.push(`${name} (mail-enabled: its owners are managed in Exchange)`);
    else if (group.isAssignableToRole) result.left.push(`${name} (role-assignable)`);
    else result.sole.push({ id: group.id, displayName: name, team: unified && (group.resourceProvisioningOptions ?? []).includes('Team') });
  }
  return result;
}

/** The delegate's object id: owners are referenced by id. */
async function delegateId(graph: GraphApi, upn: string): Promise<string> {
  const { id } = await graph.call({ method: 'GET', path: '/users/{id}', params: { id: upn }, query: { select: ['id'] }, schema: idShape });
  return id.toLowerCase();
}

/** Of these Microsoft 365 groups, those the user is a member of (they hold no nested groups: checkMemberGroups is direct). */
async function memberOf(graph: GraphApi, userId: string, groupIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < groupIds.length; i += 20) {
    const { value } = await graph.call({ method: 'POST', path: '/users/{id}/checkMemberGroups', params: { id: userId }, body: { groupIds: groupIds.slice(i, i + 20) }, schema: checkedShape });
    for (const id of value) found.add(id.toLowerCase());
  }
  return found;
}

// Graph answers 400 when the reference exists already (an earlier try whose answer was lost).
const exists = (error: unknown): boolean => isGraphError(error, 400) && /already exist/i.test(error.message);

async function addRef(graph: GraphApi, relation: 'owners' | 'members', groupId: string, userId: string): Promise<void> {
  try {
    await graph.call({ method: 'POST', path: `/groups/{id}/${relation}/$ref`, params: { id: groupId }, body: { '@odata.id': graph.odataId('/directoryObjects/{id}', { id: userId }) } });
  } catch (error) {
    if (!exists(error)) throw error;
  }
}

async function removeRef(graph: GraphApi, relation: 'owners' | 'members', groupId: string, userId: string): Promise<void> {
  try {
    await graph.call({ method: 'DELETE', path: `/groups/{id}/${relation}/{memberId}/$ref`, params: { id: groupId, memberId: userId } });
  } catch (error) {
    if (!isGraphError(error, 404)) throw error;
  }
}

const SOLE_OWNERS = 'group-owners:sole-owners';
const safely = <T>(read: Promise<T>): Promise<{ value: T } | { error: unknown }> => read.then((value) => ({ value }), (error: unknown) => ({ error }));

const recordShape = z.object({
  delegate: z.object({ id: z.string(), userPrincipalName: z.string() }),
  groups: z.array(z.object({ id: z.string(), displayName: z.string(), addedMember: z.boolean() })),
});
/** The record of an undo: the owner (and Team membership) it removed again. */
const removedShape = z.object({
  delegate: z.object({ id: z.string(), userPrincipalName: z.string() }),
  groups: z.array(z.object({ id: z.string(), displayName: z.string(), removedOwner: z.literal(true), removedMember: z.boolean() })),
});

/** The reverse of an undo's record: the delegate becomes an owner again where the undo removed it, as the run had made it. */
async function ownAgain(graph: GraphApi, record: z.infer<typeof removedShape>, left: Record<string, unknown>): Promise<Decision> {
  const { delegate, groups } = record;
  const owned = await Promise.all(groups.map(async (g) => (await ownerIds(graph, g.id)).includes(delegate.id.toLowerCase())));
  const again = groups.filter((_, i) => owned[i]);
  if (again.length > 0) return { kind: 'skipped', reason: `changed since: the delegate is an owner of ${again.map((g) => g.displayName).join(', ')} again` };
  return {
    kind: 'change',
    before: left,
    after: { delegate, groups: groups.map((g) => ({ id: g.id, displayName: g.displayName, addedMember: g.removedMember })) },
    reason: `owner of ${groups.length} group${groups.length === 1 ? '' : 's'} again: ${groups.map((g) => g.displayName).join(', ')}`,
    async apply() {
      for (const group of groups) {
        await addRef(graph, 'owners', group.id, delegate.id);
        if (group.removedMember) await addRef(graph, 'members', group.id, delegate.id);
      }
    },
    verify: async () => expectState(groups.map(() => true), await Promise.all(groups.map(async (g) => (await ownerIds(graph, g.id)).includes(delegate.id.toLowerCase())))),
  };
}

export const groupOwners = defineStep({
  name: 'group-owners',
  description: 'makes the delegate an owner (and a Team member) of each group or Team whose only owner is the leaver',
  byDefault: false,
  needs: ['entra'],
  permissions: {
    graph: [['Group.ReadWrite.All', 'User.Read.All'], ['Directory.ReadWrite.All']],
    reads: { graph: [['GroupMember.Read.All', 'User.Read.All'], ['Group.Read.All', 'User.Read.All'], ['Directory.Read.All']] },
    notes: 'GET /groups?$expand=owners (once a run: app-only Graph cannot list ownedObjects) and /groups/{id}/owners, POST /groups/{id}/owners/$ref (and members/$ref for a Team); the reverse: DELETE /groups/{id}/owners/{id}/$ref.',
  },
  reversible: true,
  prepare({ people, connectors, shared }) {
    const { graph } = connectors;
    if (graph && people.some((person) => person.entra?.id && person.delegate.userPrincipalName)) void shared.once(SOLE_OWNERS, () => safely(readSoleOwners(graph)));
  },
  async observe({ person, connectors, shared }) {
    const user = person.entra;
    const graph = connectors.graph;
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };
    const read = await shared.once(SOLE_OWNERS, () => safely(readSoleOwners(graph)));
    if ('error' in read) throw read.error;
    const { sole, left } = classify(read.value.get(user.id.toLowerCase()) ?? []);
    const leftNote = left.length > 0 ? { notHandled: left } : {};
    if (sole.length === 0) return { kind: 'unchanged', before: { groups: [], ...leftNote }, reason: 'not the only owner of any group the step hands over' };
    const id = await shared.once(`group-owners:delegate:${delegate.toLowerCase()}`, () => delegateId(graph, delegate));
    const teams = sole.filter((g) => g.team).map((g) => g.id);
    const members = teams.length > 0 ? await memberOf(graph, id, teams) : new Set<string>();
    const groups = sole.map((g) => ({ id: g.id, displayName: g.displayName, addedMember: g.team && !members.has(g.id.toLowerCase()) }));
    return {
      kind: 'change',
      before: { owners: 'the leaver alone', groups: sole.map((g) => ({ id: g.id, displayName: g.displayName })), ...leftNote },
      after: {
        delegate: { id, userPrincipalName: delegate },
        groups,
      },
      reason: `owner of ${sole.length} group${sole.length === 1 ? '' : 's'}: ${sole.map((g) => g.displayName).join(', ')}`,
      async apply() {
        for (const group of groups) {
          await addRef(graph, 'owners', group.id, id);
          // "if you want the owner to be able to make changes in a team … the owner also needs to be added as a
          // group/team member" (https://learn.microsoft.com/en-us/graph/api/group-post-owners).
          if (group.addedMember) await addRef(graph, 'members', group.id, id);
        }
      },
      verify: async () => {
        const owners = await Promise.all(groups.map(async (g) => (await ownerIds(graph, g.id)).includes(id)));
        const inTeams = await memberOf(graph, id, groups.filter((g) => g.addedMember).map((g) => g.id));
        return expectState(
          groups.map((g) => ({ group: g.displayName, owner: true, member: g.addedMember || undefined })),
          groups.map((g, i) => ({ group: g.displayName, owner: owners[i], member: g.addedMember ? inTeams.has(g.id.toLowerCase()) : undefined })),
        );
      },
    };
  },
  async reverse({ connectors, record }) {
    const graph = connectors.graph;
    const parsed = recordShape.safeParse(record.after);
    const removed = removedShape.safeParse(record.after);
    if (!parsed.success && removed.success && record.after) return ownAgain(graph, removed.data, record.after);
    if (!parsed.success) return { kind: 'skipped', reason: 'the record holds no owner the run added' };
    const { delegate, groups } = parsed.data;
    const now = await Promise.all(groups.map(async (g) => ({ ...g, owners: await ownerIds(graph, g.id) })));
    const moved = now.filter((g) => !g.owners.includes(delegate.id.toLowerCase()) || g.owners.length === 1);
    if (moved.length > 0) {
      const why = moved.map((g) => `${g.displayName}: ${g.owners.includes(delegate.id.toLowerCase()) ? 'the delegate is its only owner' : 'the delegate is no longer an owner'}`);
      return { kind: 'skipped', reason: `changed since: ${why.join('; ')}` };
    }
    return {
      kind: 'change',
      before: record.after,
      after: { delegate, groups: groups.map((g) => ({ id: g.id, displayName: g.displayName, removedOwner: true, removedMember: g.addedMember })) },
      async apply() {
        for (const group of groups) {
          await removeRef(graph, 'owners', group.id, delegate.id);
          if (group.addedMember) await removeRef(graph, 'members', group.id, delegate.id);
        }
      },
      verify: async () => {
        const owners = await Promise.all(groups.map(async (g) => (await ownerIds(graph, g.id)).includes(delegate.id.toLowerCase())));
        return expectState(groups.map(() => false), owners);
      },
    };
  },
});
