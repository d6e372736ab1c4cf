// mailbox-access: the delegate gets FullAccess (inherited by all folders) on the leaver's mailbox.
import { CommandLog, psBoolean, psList, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded, recordedStrings } from './reverse-record.js';

const CMDLETS = ['Get-EXOMailbox', 'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission'] as const;

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
  // Only the grant of the record: a delegate who had FullAccess before the run was recorded `unchanged` and keeps it.
  async reverse({ connectors, inputs, record }) {
    const exchange = connectors.exchange;
    const [mailbox, delegate] = [record.before?.mailbox, record.before?.delegate];
    const [was, left] = [recordedStrings(record.before, 'accessRights'), recordedStrings(record.after, 'accessRights')];
    if (typeof mailbox !== 'string' || typeof delegate !== 'string' || !was || !left) return notRecorded('mailbox grant');
    const commands = new CommandLog(exchange, CMDLETS);
    const wanted = was.includes('FullAccess');
    const full = await hasFullAccess(commands, mailbox, delegate);
    // The side of the record that holds the grant, with how it was made (inheritance, automapping).
    const grant = wanted ? record.before : record.after;
    const state = (granted: boolean) => (granted ? grant : { mailbox, delegate, accessRights: [] });
    if (full !== left.includes('FullAccess')) return changedSince(`FullAccess of ${delegate}`, full, left.includes('FullAccess'), wanted);
    const inheritance = typeof grant?.inheritanceType === 'string' ? grant.inheritanceType : 'All';
    return {
      kind: 'change',
      before: state(full),
      after: state(wanted),
      async apply() {
        const still = async () => (await hasFullAccess(commands, mailbox, delegate)) !== wanted;
        if (wanted) {
          const autoMapping = typeof grant?.autoMapping === 'boolean' ? grant.autoMapping : inputs.mailboxAutomapping;
          await commands.invoke('Add-MailboxPermission', { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: inheritance, AutoMapping: autoMapping }, { retry: still });
        } else {
          await commands.invoke('Remove-MailboxPermission', { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: inheritance }, { retry: still });
        }
        return commands.outcome();
      },
      verify: async () => expectState({ fullAccess: wanted }, { fullAccess: await hasFullAccess(commands, mailbox, delegate) }),
    };
  },
});
