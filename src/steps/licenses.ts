// licenses: removes directly assigned licences, only once the mailbox is shared or absent (a user mailbox without a licence is deleted after 30 days).
import type { PowerShellService } from '../connectors/types.js';
import type { EntraUser } from '../model.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';
import type { StepContext } from './types.js';

const CMDLETS = ['Get-EXOMailbox'] as const;

type MailboxKind = 'shared' | 'absent' | 'user' | 'unknown';

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
  return { ...(await mailboxFromExchange(ctx.connectors.exchange, user)), source: 'Get-EXOMailbox' };
}

export const licenses = defineStep({
  name: 'licenses',
  description: 'removes directly assigned licences; `blocked` unless the mailbox is shared (or absent)',
  byDefault: false,
  needs: ['entra'],
  // Exchange confirms the mailbox is shared when mailbox-shared is not enabled.
  uses: ['exchange'],
  dependsOn: ['mailbox-shared'],
  cmdlets: { exchange: CMDLETS },
  permissions: {
    graph: [['LicenseAssignment.ReadWrite.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '(to see that the mailbox is shared)' },
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
    if (mailbox.kind === 'user') {
      return {
        kind: 'blocked',
        reason: `the mailbox is a ${mailbox.type ?? 'user mailbox'}: removing the licence would delete it after 30 days; enable mailbox-shared to convert it first`,
      };
    }
    if (mailbox.kind === 'unknown') {
      return {
        kind: 'blocked',
        reason: `cannot confirm the mailbox is shared (${mailbox.source}): enable mailbox-shared or configure Exchange Online`,
      };
    }
    return {
      kind: 'change',
      before: { directLicenses: [...direct], mailbox: mailbox.kind },
      after: { directLicenses: [] },
      async apply() {
        await graph.call({
          method: 'POST',
          path: '/users/{id}/assignLicense',
          params: { id: user.id },
          body: { addLicenses: [], removeLicenses: direct },
        });
      },
    };
  },
});
