// licenses: removes directly assigned licences, only once the mailbox is shared or absent (a user mailbox without a licence is deleted after 30 days).
import type { PowerShellService } from '../connectors/types.js';
import type { EntraUser } from '../model.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import type { StepContext, Step } from './types.js';

type MailboxKind = 'shared' | 'absent' | 'user' | 'unknown';

async function mailboxFromExchange(exchange: PowerShellService, user: EntraUser): Promise<{ kind: MailboxKind; type?: string }> {
  const mailbox = await readMailbox(new CommandLog(exchange), user.userPrincipalName);
  if (!mailbox) return { kind: 'absent' };
  const type = String(mailbox.RecipientTypeDetails ?? '');
  return { kind: type === 'SharedMailbox' ? 'shared' : 'user', type };
}

/** Whether the mailbox is shared (or there is none), from mailbox-shared's result in this run or else from Exchange. */
async function mailboxState(ctx: StepContext, user: EntraUser): Promise<{ kind: MailboxKind; type?: string; source: string }> {
  const earlier = ctx.earlier.get('mailbox-shared');
  if (earlier) {
    // done/unchanged: shared now; planned: apply converts it before this step; skipped with no mailbox: nothing to lose.
    if (earlier.status === 'done' || earlier.status === 'unchanged' || earlier.status === 'planned') {
      return { kind: 'shared', source: `mailbox-shared ${earlier.status}` };
    }
    if (earlier.status === 'skipped' && /no mailbox/i.test(earlier.reason ?? '')) return { kind: 'absent', source: 'mailbox-shared' };
  }
  if (!ctx.connectors.exchange) return { kind: 'unknown', source: 'Exchange is not connected' };
  return { ...(await mailboxFromExchange(ctx.connectors.exchange, user)), source: 'Get-EXOMailbox' };
}

export const licenses: Step = {
  name: 'licenses',
  needs: ['entra'],
  dependsOn: ['mailbox-shared'],
  async observe(ctx) {
    const user = ctx.person.entra;
    const graph = ctx.connectors.graph;
    if (!user || !graph) return { kind: 'skipped', reason: 'no Entra account' };
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
};
