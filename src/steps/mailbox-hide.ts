// mailbox-hide: hides the leaver's mailbox from address lists: in Exchange Online for cloud users, in AD for synced ones.
import type { Step } from './types.js';
import { CommandLog, psBoolean, readMailbox } from './ps-commands.js';

const AD_ATTRIBUTE = 'msExchHideFromAddressLists';

export const mailboxHide: Step = {
  name: 'mailbox-hide',
  needs: ['entra'],
  async observe({ person, connectors }) {
    const user = person.entra;
    if (!user) return { kind: 'skipped', reason: 'no Entra account' };

    if (user.onPremisesSyncEnabled) {
      // Exchange Online refuses this change on a synced mailbox: AD owns the attribute and the sync carries it over.
      const ad = connectors.ad;
      const account = person.ad;
      if (!ad) return { kind: 'skipped', reason: 'synced from AD, and AD is not configured' };
      if (!account) return { kind: 'skipped', reason: 'no AD account' };
      if (!(await ad.hasAttribute(AD_ATTRIBUTE))) return { kind: 'skipped', reason: 'the AD schema has no Exchange attributes' };
      const current = account.msExchHideFromAddressLists;
      if (current === true) return { kind: 'unchanged', before: { [AD_ATTRIBUTE]: true } };
      return {
        kind: 'change',
        before: { [AD_ATTRIBUTE]: current ?? null },
        after: { [AD_ATTRIBUTE]: true },
        apply: () => ad.modify(account.dn, [{ operation: 'replace', attribute: AD_ATTRIBUTE, values: ['TRUE'] }]),
      };
    }

    const exchange = connectors.exchange;
    if (!exchange) return { kind: 'skipped', reason: 'Exchange Online not configured' };
    const commands = new CommandLog(exchange);
    const identity = user.userPrincipalName;
    const hidden = async (): Promise<boolean | undefined> => {
      const mailbox = await readMailbox(commands, identity, ['HiddenFromAddressListsEnabled']);
      return mailbox ? psBoolean(mailbox.HiddenFromAddressListsEnabled) : undefined;
    };
    const state = await hidden();
    if (state === undefined) return { kind: 'skipped', reason: 'no mailbox' };
    if (state) return { kind: 'unchanged', before: { hiddenFromAddressListsEnabled: true } };
    return {
      kind: 'change',
      before: { hiddenFromAddressListsEnabled: false },
      after: { hiddenFromAddressListsEnabled: true },
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, HiddenFromAddressListsEnabled: true }, {
          retry: async () => (await hidden()) !== true,
        });
        return commands.outcome();
      },
    };
  },
};
