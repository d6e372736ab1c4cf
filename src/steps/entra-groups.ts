// entra-groups: removes the leaver from every cloud group it is a direct member of, through Graph or, for mail-enabled groups, Exchange.
import { z } from 'zod';
import { PowerShellError } from '../connectors/powershell/errors.js';
import { isGraphError, LIST_LIMITS, type GraphApi } from '../connectors/types.js';
import { CommandLog } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';

const CMDLETS = ['Remove-DistributionGroupMember', 'Add-DistributionGroupMember'] as const;

const groupShape = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  groupTypes: z.array(z.string()).nullish(),
  mailEnabled: z.boolean().nullish(),
  securityEnabled: z.boolean().nullish(),
  onPremisesSyncEnabled: z.boolean().nullish(),
  isAssignableToRole: z.boolean().nullish(),
});
type GroupRead = z.infer<typeof groupShape>;

/** A membership the step removes, as the record keeps it: enough to add it back. */
interface Membership {
  id: string;
  displayName: string;
  /** `graph`: a Microsoft 365 or security group; `exchange`: a distribution list or mail-enabled security group. */
  via: 'graph' | 'exchange';
  /** The group's address, which Exchange identifies it by. */
  mail?: string;
}

/**
 * The groups the user is a direct member of: memberOf lists direct memberships only
 * (https://learn.microsoft.com/en-us/graph/api/user-list-memberof), cast to groups to leave directory roles out.
 */
async function directGroups(graph: GraphApi, userId: string): Promise<GroupRead[]> {
  return graph.list('/users/{id}/memberOf/microsoft.graph.group', {
    params: { id: userId },
    query: { select: ['id', 'displayName', 'mail', 'groupTypes', 'mailEnabled', 'securityEnabled', 'onPremisesSyncEnabled', 'isAssignableToRole'] },
    schema: groupShape,
    maxItems: LIST_LIMITS.directory,
  });
}

/** Why the step leaves a group alone, or undefined when it removes the user from it. */
function leftAlone(group: GroupRead, blockGroup: string | undefined): string | undefined {
  if (blockGroup && (group.id.toLowerCase() === blockGroup.toLowerCase() || group.displayName?.toLowerCase() === blockGroup.toLowerCase())) return 'block-group';
  if (group.groupTypes?.includes('DynamicMembership')) return 'dynamic membership';
  if (group.onPremisesSyncEnabled) return 'synced from AD (ad-groups)';
  // Its membership changes only with RoleManagement.ReadWrite.Directory, and it grants roles: an administrator's call.
  if (group.isAssignableToRole) return 'role-assignable';
  return undefined;
}

/**
 * Microsoft 365 and security groups change through Graph; Graph refuses distribution lists and mail-enabled security
 * groups ("Cannot Update a mail-enabled security groups and or distribution list.", microsoftgraph/microsoft-graph-docs#14827),
 * which Exchange Online manages (https://learn.microsoft.com/en-us/graph/api/resources/groups-overview).
 */
function membership(group: GroupRead): Membership {
  const unified = group.groupTypes?.includes('Unified') ?? false;
  const via = !unified && group.mailEnabled ? 'exchange' : 'graph';
  return { id: group.id, displayName: group.displayName ?? group.id, via, ...(via === 'exchange' && group.mail ? { mail: group.mail } : {}) };
}

const readKey = (userId: string): string => `entra-groups:${userId}`;
const safely = <T>(read: Promise<T>): Promise<{ value: T } | { error: unknown }> => read.then((value) => ({ value }), (error: unknown) => ({ error }));

// Graph answers 404 for a reference that is not there, 400 "already exist" for one that is.
const exists = (error: unknown): boolean => isGraphError(error, 400) && /already exist/i.test(error.message);

/**
 * Whether an Exchange cmdlet failed with this server exception (MemberNotFoundException: not a member;
 * MemberAlreadyExistsException: a member already), which the V3 module names as the record's reason (errors.ts).
 */
const exchangeRefused = (error: unknown, exception: string): boolean =>
  error instanceof PowerShellError && (error.reason === exception || error.type?.split('.').pop() === exception);

const recordShape = z.object({
  groups: z.array(z.object({ id: z.string(), displayName: z.string(), via: z.enum(['graph', 'exchange']), mail: z.string().optional() })),
});

type Commands = CommandLog<(typeof CMDLETS)[number]>;
type Member = { id: string; userPrincipalName: string };

/** Takes the user out of a group; a membership that is gone already is what was wanted. */
async function removeMember(graph: GraphApi, commands: Commands | undefined, group: Membership, user: Member): Promise<void> {
  if (group.via === 'graph') {
    try {
      await graph.call({ method: 'DELETE', path: '/groups/{id}/members/{memberId}/$ref', params: { id: group.id, memberId: user.id } });
    } catch (error) {
      if (!isGraphError(error, 404)) throw error;
    }
  } else if (commands) {
    // The app is no owner (ManagedBy) of the group: https://learn.microsoft.com/en-us/powershell/module/exchange/remove-distributiongroupmember.
    try {
      await commands.invoke(
        'Remove-DistributionGroupMember',
        { Identity: group.mail, Member: user.userPrincipalName, BypassSecurityGroupManagerCheck: true },
        { retry: async () => (await directGroups(graph, user.id)).some((g) => g.id === group.id) },
      );
    } catch (error) {
      if (!exchangeRefused(error, 'MemberNotFoundException')) throw error;
    }
  }
}

/** Adds the user to a group again; a membership that is there already is what was wanted. */
async function addMember(graph: GraphApi, commands: Commands | undefined, group: Membership, user: Member): Promise<void> {
  if (group.via === 'graph') {
    try {
      await graph.call({ method: 'POST', path: '/groups/{id}/members/$ref', params: { id: group.id }, body: { '@odata.id': graph.odataId('/directoryObjects/{id}', { id: user.id }) } });
    } catch (error) {
      if (!exists(error)) throw error;
    }
  } else if (commands) {
    try {
      await commands.invoke(
        'Add-DistributionGroupMember',
        { Identity: group.mail, Member: user.userPrincipalName, BypassSecurityGroupManagerCheck: true },
        { retry: async () => !(await directGroups(graph, user.id)).some((g) => g.id === group.id) },
      );
    } catch (error) {
      if (!exchangeRefused(error, 'MemberAlreadyExistsException')) throw error;
    }
  }
}

export const entraGroups = defineStep({
  name: 'entra-groups',
  description: 'removes the user from every cloud group it is a direct member of (distribution lists through Exchange); not dynamic, synced or role-assignable groups, nor `block-group`',
  byDefault: false,
  needs: ['entra'],
  uses: ['exchange'],
  cmdlets: { exchange: CMDLETS },
  permissions: {
    graph: [['GroupMember.ReadWrite.All', 'Directory.Read.All'], ['Group.ReadWrite.All', 'Directory.Read.All'], ['Directory.ReadWrite.All']],
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role (distribution lists and mail-enabled security groups)' },
    reads: { graph: [['Directory.Read.All']] },
    notes: 'GET /users/{id}/memberOf/microsoft.graph.group, DELETE /groups/{id}/members/{id}/$ref; Exchange Online: Remove-DistributionGroupMember for mail-enabled groups.',
  },
  reversible: true,
  prepare({ people, connectors, shared }) {
    const { graph } = connectors;
    if (!graph) return;
    for (const person of people) {
      const id = person.entra?.id;
      if (id) void shared.once(readKey(id), () => safely(directGroups(graph, id)));
    }
  },
  async observe({ person, connectors, inputs, shared }) {
    const user = person.entra;
    const graph = connectors.graph;
    const read = await shared.once(readKey(user.id), () => safely(directGroups(graph, user.id)));
    if ('error' in read) throw read.error;
    const blockGroup = inputs.blockGroup?.trim() || undefined;
    const kept = read.value.flatMap((g) => {
      const why = leftAlone(g, blockGroup);
      return why ? [`${g.displayName ?? g.id} (${why})`] : [];
    });
    const removable = read.value.filter((g) => !leftAlone(g, blockGroup)).map(membership);
    const keptNote = kept.length > 0 ? { kept } : {};
    if (removable.length === 0) return { kind: 'unchanged', before: { groups: [], ...keptNote }, reason: 'no direct membership of a group the step removes' };
    const viaExchange = removable.filter((g) => g.via === 'exchange');
    const exchange = connectors.exchange;
    if (viaExchange.length > 0 && !exchange) {
      return { kind: 'blocked', reason: `distribution lists need Exchange Online, which is not configured: ${viaExchange.map((g) => g.displayName).join(', ')}` };
    }
    const missingMail = viaExchange.find((g) => !g.mail);
    if (missingMail) throw new Error(`the mail-enabled group ${missingMail.displayName} (${missingMail.id}) has no address to name it by in Exchange`);
    const commands = exchange ? new CommandLog(exchange, CMDLETS) : undefined;
    return {
      kind: 'change',
      before: { groups: removable, ...keptNote },
      after: { groups: [] },
      reason: `${removable.length} group${removable.length === 1 ? '' : 's'}: ${removable.map((g) => g.displayName).join(', ')}`,
      async apply() {
        for (const group of removable) await removeMember(graph, commands, group, user);
        return commands?.outcome();
      },
      verify: async () => {
        const still = new Set((await directGroups(graph, user.id)).map((g) => g.id));
        return expectState([], removable.filter((g) => still.has(g.id)).map((g) => g.displayName));
      },
    };
  },
  /**
   * Back to the record's `before`: the memberships the run removed are added again and, for the record of an undo
   * (which added them), the ones it added are removed again; each only while the user is still as the run left it.
   */
  async reverse({ person, connectors, record }) {
    const user = person.entra;
    const graph = connectors.graph;
    const [was, left] = [recordShape.safeParse(record.before), recordShape.safeParse(record.after)];
    const [before, after] = [was.success ? was.data.groups : [], left.success ? left.data.groups : []];
    const notIn = (list: Membership[]) => (g: Membership) => !list.some((o) => o.id === g.id);
    const [restore, takeAway] = [before.filter(notIn(after)), after.filter(notIn(before))];
    if (restore.length + takeAway.length === 0) return { kind: 'unchanged', before: { groups: [] }, reason: 'the run changed no membership' };
    const now = new Set((await directGroups(graph, user.id)).map((g) => g.id));
    // Only where the user is still as the run left it: a membership changed back since is left as it is.
    const join = restore.filter((g) => !now.has(g.id));
    const leave = takeAway.filter((g) => now.has(g.id));
    if (join.length + leave.length === 0) return { kind: 'unchanged', before: { groups: before }, reason: 'the memberships are as before the run again' };
    const exchange = connectors.exchange;
    if ([...join, ...leave].some((g) => g.via === 'exchange') && !exchange) return { kind: 'blocked', reason: 'distribution lists need Exchange Online, which is not configured' };
    const commands = exchange ? new CommandLog(exchange, CMDLETS) : undefined;
    return {
      kind: 'change',
      before: { groups: leave },
      after: { groups: join },
      reason: [join.length > 0 ? `back in ${join.map((g) => g.displayName).join(', ')}` : '', leave.length > 0 ? `out of ${leave.map((g) => g.displayName).join(', ')}` : ''].filter(Boolean).join('; '),
      async apply() {
        for (const group of join) await addMember(graph, commands, group, user);
        for (const group of leave) await removeMember(graph, commands, group, user);
        return commands?.outcome();
      },
      verify: async () => {
        const back = new Set((await directGroups(graph, user.id)).map((g) => g.id));
        const names = (list: Membership[]) => list.map((g) => g.displayName);
        return expectState({ in: names(join), out: [] }, { in: names(join.filter((g) => back.has(g.id))), out: names(leave.filter((g) => back.has(g.id))) });
      },
    };
  },
});
