// licenses: removes directly assigned licences, only once the mailbox is shared or absent (a user mailbox without a licence is deleted after 30 days).
import { z } from 'zod';
import type { GraphApi, PowerShellService } from '../connectors/types.js';
import type { EntraUser } from '../model.js';
import { sharedOnPremises } from './hybrid-mailbox.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded, recordedStrings, sameSet, sameText, without } from './reverse-record.js';
import type { StepContext } from './types.js';

const CMDLETS = ['Get-EXOMailbox'] as const;

const licenseShape = z.object({
  licenseAssignmentStates: z
    .array(z.object({ skuId: z.string().nullish(), assignedByGroup: z.string().nullish(), disabledPlans: z.array(z.string()).nullish() }))
    .nullish(),
});

/** The directly assigned licences as Graph shows the user now, each with its disabled plans (group-inherited ones are not the step's). */
async function directLicenses(graph: GraphApi, user: EntraUser): Promise<Map<string, string[]>> {
  const read = await graph.call({ method: 'GET', path: '/users/{id}', params: { id: user.id }, query: { select: ['licenseAssignmentStates'] }, schema: licenseShape });
  const direct = (read.licenseAssignmentStates ?? []).filter((s) => !s.assignedByGroup && s.skuId);
  return new Map(direct.map((s) => [s.skuId as string, [...(s.disabledPlans ?? [])].sort()]));
}

/** The removed licences still directly assigned. */
async function stillAssigned(graph: GraphApi, user: EntraUser, removed: readonly string[]): Promise<string[]> {
  const direct = await directLicenses(graph, user);
  return removed.filter((sku) => direct.has(sku));
}

const recordedPlans = z.record(z.string(), z.array(z.string()));

/**
 * `converted-on-premises`: a synced user's mailbox that mailbox-shared converted in AD, which Exchange Online still
 * holds as a user mailbox until the next directory synchronisation: removing the licence now would start the 30 days
 * of a user mailbox, so the step is blocked and a later run, once Exchange Online shows the shared mailbox, removes it.
 * `reverts`: Exchange Online shows a shared mailbox, AD a user mailbox: synchronisation would turn it back.
 */
type MailboxKind = 'shared' | 'absent' | 'user' | 'unknown' | 'converted-on-premises' | 'reverts';

async function mailboxFromExchange(exchange: PowerShellService, user: EntraUser): Promise<{ kind: MailboxKind; type?: string }> {
  const mailbox = await readMailbox(new CommandLog(exchange, CMDLETS), user.userPrincipalName, ['RecipientTypeDetails']);
  if (!mailbox) return { kind: 'absent' };
  const type = String(mailbox.RecipientTypeDetails ?? '');
  return { kind: type === 'SharedMailbox' ? 'shared' : 'user', type };
}

/** Whether the mailbox is shared (or there is none), from what mailbox-shared published in this run or else from Exchange. */
async function mailboxState(ctx: StepContext, user: EntraUser): Promise<{ kind: MailboxKind; type?: string; source: string }> {
  // Published when mailbox-shared found it shared or absent, or converts it (in plan mode: would, before this step).
  if (ctx.facts.mailbox) return { kind: ctx.facts.mailbox, source: 'mailbox-shared' };
  if (!ctx.connectors.exchange) return { kind: 'unknown', source: 'Exchange is not connected' };
  const cloud = await mailboxFromExchange(ctx.connectors.exchange, user);
  const { ad } = ctx.connectors;
  const account = ctx.person.ad;
  if (cloud.kind === 'shared' && user.onPremisesSyncEnabled && ad && account && (await ad.hasAttribute('msExchRecipientTypeDetails'))) {
    if (!sharedOnPremises(account)) return { kind: 'reverts', source: 'Get-EXOMailbox and AD' };
  }
  return { ...cloud, source: 'Get-EXOMailbox' };
}

function blockedReason(kind: MailboxKind, type: string | undefined, source: string, user: EntraUser): string | undefined {
  const mailbox = type ?? 'user mailbox';
  switch (kind) {
    case 'user':
      return user.onPremisesSyncEnabled
        ? `the mailbox is a ${mailbox}: removing the licence would delete it after 30 days; the user is synced from AD, so the mailbox is converted on-premises (mailbox-shared) first`
        : `the mailbox is a ${mailbox}: removing the licence would delete it after 30 days; enable mailbox-shared to convert it first`;
    case 'converted-on-premises':
      return 'the mailbox was converted on-premises, and Exchange Online holds it as a user mailbox until the next directory synchronisation: removing the licence would delete it after 30 days; a later run removes the licence';
    case 'reverts':
      return 'Exchange Online shows a shared mailbox, but AD holds a user mailbox and directory synchronisation would turn it back: removing the licence would delete it after 30 days; convert it on-premises (mailbox-shared) first';
    case 'unknown':
      return `cannot confirm the mailbox is shared (${source}): enable mailbox-shared or configure Exchange Online`;
    default:
      return undefined;
  }
}

export const licenses = defineStep({
  name: 'licenses',
  description: 'removes directly assigned licences; `blocked` unless the mailbox is shared (or absent)',
  byDefault: false,
  needs: ['entra'],
  // Exchange confirms the mailbox is shared when mailbox-shared is not enabled; AD, that synchronisation keeps it so.
  uses: ['exchange', 'ad'],
  dependsOn: ['mailbox-shared'],
  cmdlets: { exchange: CMDLETS },
  permissions: {
    graph: [['LicenseAssignment.ReadWrite.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '(to see that the mailbox is shared)' },
    // The licences come with the user that resolve reads.
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role (to see that the mailbox is shared)' } },
    notes: 'POST /users/{id}/assignLicense; Exchange.ManageAsApp to confirm the mailbox is shared when mailbox-shared is not enabled.',
  },
  // The record keeps the removed licences, to assign again.
  reversible: true,
  async observe(ctx) {
    const user = ctx.person.entra;
    const graph = ctx.connectors.graph;
    const direct = user.directLicenses;
    if (direct.length === 0) {
      return { kind: 'unchanged', before: { directLicenses: [] }, reason: 'no directly assigned licences (group licences are managed by their groups)' };
    }
    const mailbox = await mailboxState(ctx, user);
    const blocked = blockedReason(mailbox.kind, mailbox.type, mailbox.source, user);
    if (blocked) return { kind: 'blocked', reason: blocked };
    return {
      kind: 'change',
      // The disabled plans of each licence, so that an undo assigns it as it was.
      before: { directLicenses: [...direct], disabledPlans: Object.fromEntries(direct.map((sku) => [sku, user.disabledPlans?.[sku] ?? []])), mailbox: mailbox.kind },
      after: { directLicenses: [] },
      async apply() {
        await graph.call({
          method: 'POST',
          path: '/users/{id}/assignLicense',
          params: { id: user.id },
          body: { addLicenses: [], removeLicenses: direct },
        });
      },
      verify: async () => expectState({ directLicenses: [] }, { directLicenses: await stillAssigned(graph, user, direct) }),
    };
  },
  // The recorded licences assigned again with their disabled plans; licences assigned since are left.
  async reverse({ person, connectors, record }) {
    const user = person.entra;
    const graph = connectors.graph;
    const [was, left] = [recordedStrings(record.before, 'directLicenses'), recordedStrings(record.after, 'directLicenses')];
    if (!was || !left) return notRecorded('licences');
    const current = [...user.directLicenses];
    if (!sameSet(current, left, sameText)) return changedSince('the directly assigned licences', current, left, sameSet(current, was, sameText) ? current : undefined);
    const add = without(was, current, sameText);
    const remove = without(current, was, sameText);
    const plans = recordedPlans.safeParse(record.before?.disabledPlans ?? (add.length === 0 ? {} : undefined));
    if (!plans.success) return notRecorded(`disabled plans of the licences ${add.join(', ')}`);
    const disabledPlans = Object.fromEntries(add.map((sku) => [sku, plans.data[sku] ?? []]));
    return {
      kind: 'change',
      before: { directLicenses: current, disabledPlans: user.disabledPlans ?? {} },
      after: { directLicenses: was, disabledPlans },
      async apply() {
        await graph.call({
          method: 'POST',
          path: '/users/{id}/assignLicense',
          params: { id: user.id },
          body: { addLicenses: add.map((skuId) => ({ skuId, disabledPlans: disabledPlans[skuId] })), removeLicenses: remove },
        });
      },
      verify: async () => {
        const read = await directLicenses(graph, user);
        const expected = Object.fromEntries(was.map((sku) => [sku, [...(disabledPlans[sku] ?? read.get(sku) ?? [])].sort()]));
        return expectState(expected, Object.fromEntries(was.map((sku) => [sku, read.get(sku) ?? null])));
      },
    };
  },
});
