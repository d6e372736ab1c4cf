// mailbox-shared: converts the leaver's mailbox to a shared mailbox (which keeps its content without a licence).
import { CommandLog, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';

const CMDLETS = ['Get-EXOMailbox', 'Set-Mailbox'] as const;

export const mailboxShared = defineStep({
  name: 'mailbox-shared',
  description: 'converts the mailbox to a shared mailbox',
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    notes: 'Exchange Online: Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app.',
  },
  reversible: true,
  publishes: ['mailbox'],
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors }) {
    const user = person.entra;
    const exchange = connectors.exchange;

    const commands = new CommandLog(exchange, CMDLETS);
    const identity = user.userPrincipalName;
    const typeOf = async (): Promise<string | undefined> => {
      const mailbox = await readMailbox(commands, identity, ['RecipientTypeDetails']);
      return mailbox ? String(mailbox.RecipientTypeDetails ?? '') : undefined;
    };
    const type = await typeOf();
    if (type === undefined) return { kind: 'skipped', reason: 'no mailbox', facts: { mailbox: 'absent' } };
    if (type === 'SharedMailbox') return { kind: 'unchanged', before: { recipientTypeDetails: type }, facts: { mailbox: 'shared' } };
    return {
      kind: 'change',
      before: { recipientTypeDetails: type },
      after: { recipientTypeDetails: 'SharedMailbox' },
      facts: { mailbox: 'shared' },
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, Type: 'Shared' }, {
          retry: async () => (await typeOf()) !== 'SharedMailbox',
        });
        return commands.outcome();
      },
    };
  },
});
