// entra-block: adds the leaver to the block group (e.g. a Conditional Access "block all" group), effective at once even for synced users.
import { z } from 'zod';
import { isGraphError, LIST_LIMITS, type GraphApi } from '../connectors/types.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded } from './reverse-record.js';

interface BlockGroup {
  id: string;
  displayName: string;
  /** Direct members, read once per run. */
  memberIds: Set<string>;
}

const groupShape = z.object({ id: z.string(), displayName: z.string().nullish() });
const memberShape = z.object({ id: z.string() });
const checkedShape = z.object({ value: z.array(z.string()) });

/**
 * Whether the user is in the group, read with checkMemberGroups: one request per user that $batch carries, where the
 * member list would grow with every leaver (https://learn.microsoft.com/en-us/graph/api/user-checkmembergroups). It is
 * transitive, which is what a Conditional Access assignment applies to as well.
 */
async function inGroup(graph: GraphApi, userId: string, groupId: string): Promise<boolean> {
  const { value } = await graph.call({
    method: 'POST',
    path: '/users/{id}/checkMemberGroups',
    params: { id: userId },
    body: { groupIds: [groupId] },
    schema: checkedShape,
  });
  return value.some((id) => id.toLowerCase() === groupId.toLowerCase());
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function findBlockGroup(graph: GraphApi, name: string): Promise<BlockGroup> {
  let group: z.infer<typeof groupShape> | undefined;
  if (GUID.test(name)) {
    try {
      group = await graph.call({ method: 'GET', path: '/groups/{id}', params: { id: name }, query: { select: ['id', 'displayName'] }, schema: groupShape });
    } catch (error) {
      if (!isGraphError(error, 404)) throw error;
    }
  } else {
    const groups = await graph.list('/groups', {
      query: { filter: { displayName: name }, select: ['id', 'displayName'] },
      schema: groupShape,
      maxItems: LIST_LIMITS.matches,
    });
    if (groups.length > 1) {
      throw new Error(`block-group "${name}" matches ${groups.length} Entra groups (${groups.map((g) => g.id).join(', ')}): set block-group to the group's object id.`);
    }
    group = groups[0];
  }
  if (!group) throw new Error(`block-group "${name}" was not found in Entra ID: set it to the object id or exact display name of the group.`);
  // One read of the member list per run answers "already a member?" for every leaver.
  const members = await graph.list('/groups/{id}/members', {
    params: { id: group.id },
    query: { select: ['id'], top: 999 },
    schema: memberShape,
    maxItems: LIST_LIMITS.directory,
  });
  return { id: group.id, displayName: group.displayName ?? group.id, memberIds: new Set(members.map((m) => m.id)) };
}

// Graph answers 400 when the reference exists already (another run, or an earlier try whose answer was lost).
const alreadyMember = (error: unknown): boolean =>
  isGraphError(error, 400) && /already exist/i.test(error.message);

const recordedGroup = z.object({ blockGroup: z.object({ id: z.string(), displayName: z.string().optional() }), member: z.boolean() });

export const entraBlock = defineStep({
  name: 'entra-block',
  description: 'adds the user to `block-group` (for example a Conditional Access block group), at once, synced users too',
  byDefault: false,
  needs: ['entra'],
  permissions: {
    graph: [['GroupMember.ReadWrite.All'], ['Group.ReadWrite.All'], ['Directory.ReadWrite.All']],
    reads: { graph: [['GroupMember.Read.All'], ['Group.Read.All'], ['Directory.Read.All']] },
    notes: 'GET /groups (find block-group, list its members), POST /groups/{id}/members/$ref, and POST /users/{id}/checkMemberGroups to read it back.',
  },
  reversible: true,
  async observe({ person, connectors, inputs, shared }) {
    const user = person.entra;
    const graph = connectors.graph;
    const name = inputs.blockGroup?.trim();
    if (!name) throw new Error('The entra-block step needs the block-group input: the object id or display name of an Entra group.');
    const group = await shared.once('entra-block:group', () => findBlockGroup(graph, name));
    const before = { blockGroup: { id: group.id, displayName: group.displayName }, member: group.memberIds.has(user.id) };
    if (before.member) return { kind: 'unchanged', before };
    const reference = graph.odataId('/directoryObjects/{id}', { id: user.id });
    return {
      kind: 'change',
      before,
      after: { ...before, member: true },
      async apply() {
        try {
          await graph.call({ method: 'POST', path: '/groups/{id}/members/$ref', params: { id: group.id }, body: { '@odata.id': reference } });
        } catch (error) {
          if (!alreadyMember(error)) throw error;
        }
        group.memberIds.add(user.id);
      },
      verify: async () => expectState({ member: true }, { member: await inGroup(graph, user.id, group.id) }),
    };
  },
  // The group of the record, not of today's block-group input: the membership the run added is the one taken away.
  async reverse({ person, connectors, record }) {
    const user = person.entra;
    const graph = connectors.graph;
    const [was, left] = [recordedGroup.safeParse(record.before), recordedGroup.safeParse(record.after)];
    if (!was.success || !left.success) return notRecorded('block group membership');
    const group = was.data.blockGroup;
    const member = await inGroup(graph, user.id, group.id);
    const state = (m: boolean) => ({ blockGroup: group, member: m });
    if (member !== left.data.member) return changedSince(`membership of ${group.displayName ?? group.id}`, member, left.data.member, was.data.member);
    const reference = graph.odataId('/directoryObjects/{id}', { id: user.id });
    return {
      kind: 'change',
      before: state(member),
      after: state(was.data.member),
      async apply() {
        if (was.data.member) {
          await graph.call({ method: 'POST', path: '/groups/{id}/members/$ref', params: { id: group.id }, body: { '@odata.id': reference } });
          return;
        }
        try {
          await graph.call({ method: 'DELETE', path: '/groups/{id}/members/{member}/$ref', params: { id: group.id, member: user.id } });
        } catch (error) {
          // Gone already (removed by hand, or by a first request whose answer was lost): what the reverse wants.
          if (!isGraphError(error, 404)) throw error;
        }
      },
      verify: async () => expectState({ member: was.data.member }, { member: await inGroup(graph, user.id, group.id) }),
    };
  },
});
