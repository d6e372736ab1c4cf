// mailbox-hide: hides the leaver's mailbox from address lists: in Exchange Online for cloud users, in AD for synced ones.
import { defineStep } from './define.js';
import { CommandLog, psBoolean, readMailbox } from './ps-commands.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, holds, notRecorded } from './reverse-record.js';

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
  async reverse({ person, connectors, shared, record }) {
    const user = person.entra;
    if (holds(record.before, AD_ATTRIBUTE)) {
      const ad = connectors.ad;
      const account = person.ad;
      if (!ad || !account) return { kind: 'skipped', reason: 'hidden in AD, and the AD account cannot be read (AD not configured, or no account)' };
      const [was, left] = [record.before?.[AD_ATTRIBUTE] ?? null, record.after?.[AD_ATTRIBUTE] ?? null];
      const current = account.msExchHideFromAddressLists ?? null;
      if (current !== left) return changedSince(AD_ATTRIBUTE, current, left, was);
      return {
        kind: 'change',
        before: { [AD_ATTRIBUTE]: current },
        after: { [AD_ATTRIBUTE]: was },
        apply: () =>
          ad.modify(account.dn, [was === null ? { operation: 'delete', attribute: AD_ATTRIBUTE, values: [] } : { operation: 'replace', attribute: AD_ATTRIBUTE, values: [was ? 'TRUE' : 'FALSE'] }]),
        verify: async () => expectState({ [AD_ATTRIBUTE]: was }, { [AD_ATTRIBUTE]: (await readBackAdUser(shared, ad, account.dn))?.msExchHideFromAddressLists ?? null }),
      };
    }
    const [was, left] = [record.before?.hiddenFromAddressListsEnabled, record.after?.hiddenFromAddressListsEnabled];
    if (typeof was !== 'boolean' || typeof left !== 'boolean') return notRecorded('address list state');
    const exchange = connectors.exchange;
    if (!exchange) return { kind: 'skipped', reason: 'Exchange Online not configured' };
    const commands = new CommandLog(exchange, CMDLETS);
    const identity = user.userPrincipalName;
    const hidden = async (): Promise<boolean | undefined> => {
      const mailbox = await readMailbox(commands, identity, ['HiddenFromAddressListsEnabled']);
      return mailbox ? psBoolean(mailbox.HiddenFromAddressListsEnabled) : undefined;
    };
    const state = await hidden();
    if (state === undefined) return { kind: 'skipped', reason: 'changed since: no mailbox' };
    if (state !== left) return changedSince('hiddenFromAddressListsEnabled', state, left, was);
    return {
      kind: 'change',
      before: { hiddenFromAddressListsEnabled: state },
      after: { hiddenFromAddressListsEnabled: was },
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, HiddenFromAddressListsEnabled: was }, { retry: async () => (await hidden()) !== was });
        return commands.outcome();
      },
      verify: async () => expectState({ hiddenFromAddressListsEnabled: was }, { hiddenFromAddressListsEnabled: await hidden() }),
    };
  },
});
