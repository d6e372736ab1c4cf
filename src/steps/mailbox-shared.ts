// mailbox-shared: converts the leaver's mailbox to a shared mailbox (which keeps its content without a licence).
import { CommandLog, readMailbox } from './ps-commands.js';
import type { Step } from './types.js';

export const mailboxShared: Step = {
  name: 'mailbox-shared',
  needs: ['entra', 'exchange'],
  async observe({ person, connectors }) {
    const user = person.entra;
    const exchange = connectors.exchange;
    if (!user) return { kind: 'skipped', reason: 'no Entra account' };
    if (!exchange) return { kind: 'skipped', reason: 'Exchange Online not configured' };

    const commands = new CommandLog(exchange);
    const identity = user.userPrincipalName;
    const typeOf = async (): Promise<string | undefined> => {
      const mailbox = await readMailbox(commands, identity);
      return mailbox ? String(mailbox.RecipientTypeDetails ?? '') : undefined;
    };
    const type = await typeOf();
    if (type === undefined) return { kind: 'skipped', reason: 'no mailbox' };
    if (type === 'SharedMailbox') return { kind: 'unchanged', before: { recipientTypeDetails: type } };
    return {
      kind: 'change',
      before: { recipientTypeDetails: type },
      after: { recipientTypeDetails: 'SharedMailbox' },
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, Type: 'Shared' }, {
          retry: async () => (await typeOf()) !== 'SharedMailbox',
        });
        return commands.outcome();
      },
    };
  },
};
