// mailbox-access: the delegate gets FullAccess (inherited by all folders) on the leaver's mailbox.
import { CommandLog, psBoolean, psList, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';

const CMDLETS = ['Get-EXOMailbox', 'Get-MailboxPermission', 'Add-MailboxPermission'] as const;

async function hasFullAccess(commands: CommandLog<'Get-MailboxPermission'>, mailbox: string, delegate: string): Promise<boolean> {
  const { output } = await commands.invoke('Get-MailboxPermission', { Identity: mailbox, User: delegate }, { retry: 'read' });
  return output.some((entry) => {
    const ace = (entry ?? {}) as Record<string, unknown>;
    return psList(ace.AccessRights).includes('FullAccess') && !psBoolean(ace.Deny);
  });
}

export const mailboxAccess = defineStep({
  name: 'mailbox-access',
  description: "gives the delegate `FullAccess` on the leaver's mailbox",
  byDefault: true,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    notes: 'Exchange Online: Exchange.ManageAsApp (Office 365 Exchange Online API) and the Exchange Recipient Administrator role for the app.',
  },
  reversible: true,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors, inputs }) {
    const user = person.entra;
    const exchange = connectors.exchange;
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };

    const commands = new CommandLog(exchange, CMDLETS);
    const mailbox = user.userPrincipalName;
    // Only whether it exists.
    if (!(await readMailbox(commands, mailbox, []))) return { kind: 'skipped', reason: 'no mailbox' };
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
      verify: async () => expectState({ fullAccess: true }, { fullAccess: await hasFullAccess(commands, mailbox, delegate) }),
    };
  },
});
