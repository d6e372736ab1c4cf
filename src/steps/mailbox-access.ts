// mailbox-access: the delegate gets FullAccess (inherited by all folders) on the leaver's mailbox.
import type { PowerShellService } from '../connectors/types.js';
import { CommandLog, psBoolean, psList, readMailbox } from './ps-commands.js';
import type { Step } from './types.js';

async function hasFullAccess(commands: CommandLog, mailbox: string, delegate: string): Promise<boolean> {
  const { output } = await commands.invoke('Get-MailboxPermission', { Identity: mailbox, User: delegate }, { retry: 'read' });
  return output.some((entry) => {
    const ace = (entry ?? {}) as Record<string, unknown>;
    return psList(ace.AccessRights).includes('FullAccess') && !psBoolean(ace.Deny);
  });
}

export const mailboxAccess: Step = {
  name: 'mailbox-access',
  needs: ['entra', 'exchange'],
  async observe({ person, connectors, inputs }) {
    const user = person.entra;
    const exchange: PowerShellService | undefined = connectors.exchange;
    if (!user) return { kind: 'skipped', reason: 'no Entra account' };
    if (!exchange) return { kind: 'skipped', reason: 'Exchange Online not configured' };
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };

    const commands = new CommandLog(exchange);
    const mailbox = user.userPrincipalName;
    if (!(await readMailbox(commands, mailbox))) return { kind: 'skipped', reason: 'no mailbox' };
    if (await hasFullAccess(commands, mailbox, delegate)) {
      return { kind: 'unchanged', before: { mailbox, delegate, accessRights: ['FullAccess'] } };
    }
    const grant = { mailbox, delegate, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: inputs.mailboxAutomapping };
    return {
      kind: 'change',
      before: { mailbox, delegate, accessRights: [] },
      after: grant,
      async apply() {
        await commands.invoke(
          'Add-MailboxPermission',
          { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: inputs.mailboxAutomapping },
          // A lost session may have granted it already: grant again only when it is still missing.
          { retry: async () => !(await hasFullAccess(commands, mailbox, delegate)) },
        );
        return commands.outcome();
      },
    };
  },
};
