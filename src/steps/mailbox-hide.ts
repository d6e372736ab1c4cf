// mailbox-hide: hides the leaver's mailbox from address lists: in Exchange Online for cloud users, in AD for synced ones.
import { defineStep } from './define.js';
import { CommandLog, psBoolean, readMailbox } from './ps-commands.js';
import { expectState, readBackAdUser } from './read-back.js';

const AD_ATTRIBUTE = 'msExchHideFromAddressLists';
const CMDLETS = ['Get-EXOMailbox', 'Set-Mailbox'] as const;

export const mailboxHide = defineStep({
  name: 'mailbox-hide',
  description: 'hides the mailbox from address lists (Exchange for cloud mailboxes, `msExchHideFromAddressLists` in AD for synced ones)',
  byDefault: false,
  needs: ['entra'],
  // Exchange for cloud mailboxes, AD for synced ones: each only for the users it holds.
  uses: ['exchange', 'ad'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    ad: 'write `msExchHideFromAddressLists` (synced mailboxes)',
    adAttributes: ['msExchHideFromAddressLists'],
    notes: 'Exchange Online (cloud mailboxes): Exchange.ManageAsApp; AD (synced mailboxes): write msExchHideFromAddressLists.',
  },
  reversible: true,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors, shared }) {
    const user = person.entra;

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
        verify: async () => expectState({ [AD_ATTRIBUTE]: true }, { [AD_ATTRIBUTE]: (await readBackAdUser(shared, ad, account.dn))?.msExchHideFromAddressLists }),
      };
    }

    const exchange = connectors.exchange;
    if (!exchange) return { kind: 'skipped', reason: 'Exchange Online not configured' };
    const commands = new CommandLog(exchange, CMDLETS);
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
      verify: async () => expectState({ hiddenFromAddressListsEnabled: true }, { hiddenFromAddressListsEnabled: await hidden() }),
    };
  },
});
