// mailbox-shared: converts the leaver's mailbox to a shared mailbox (which keeps its content without a licence): in Exchange Online for cloud users, on-premises in AD for synced ones.
import type { AdDirectory } from '../connectors/types.js';
import type { AdUser } from '../model.js';
import { HYBRID_ATTRIBUTES, REMOTE_SHARED, sharedOnPremises } from './hybrid-mailbox.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import { changedSince, holds, notRecorded, type RecordSide } from './reverse-record.js';
import type { Decision, Facts, RunShared } from './types.js';

/**
 * A synced user's mailbox: the conversion is made in AD, as Exchange's on-premises tools make it, and never in Exchange
 * Online, where directory synchronisation would turn it back into a user mailbox. Exchange Online shows it as shared
 * only after the next synchronisation: until then the published fact says so, and licenses waits.
 */
async function convertOnPremises(ad: AdDirectory | undefined, account: AdUser | undefined, cloudType: string, shared: RunShared): Promise<Decision<Facts>> {
  if (!ad) return { kind: 'skipped', reason: 'convert on-premises: the user is synced from AD, and AD is not configured' };
  if (!account) return { kind: 'skipped', reason: 'convert on-premises: the user is synced from AD, and has no AD account' };
  for (const attribute of HYBRID_ATTRIBUTES) {
    if (!(await ad.hasAttribute(attribute))) return { kind: 'skipped', reason: 'convert on-premises: the AD schema has no Exchange attributes' };
  }
  const before = {
    msExchRemoteRecipientType: account.msExchRemoteRecipientType ?? null,
    msExchRecipientTypeDetails: account.msExchRecipientTypeDetails ?? null,
    recipientTypeDetails: cloudType,
  };
  const mailbox = cloudType === 'SharedMailbox' ? 'shared' : 'converted-on-premises';
  if (sharedOnPremises(account)) {
    return mailbox === 'shared'
      ? { kind: 'unchanged', before, facts: { mailbox } }
      : { kind: 'unchanged', before, reason: 'converted on-premises; Exchange Online shows it as shared after the next directory synchronisation', facts: { mailbox } };
  }
  return {
    kind: 'change',
    before,
    after: { ...REMOTE_SHARED },
    facts: { mailbox },
    apply: () =>
      ad.modify(
        account.dn,
        HYBRID_ATTRIBUTES.map((attribute) => ({ operation: 'replace', attribute, values: [String(REMOTE_SHARED[attribute])] })),
      ),
    verify: async () => {
      const read = await readBackAdUser(shared, ad, account.dn);
      return expectState(REMOTE_SHARED, Object.fromEntries(HYBRID_ATTRIBUTES.map((attribute) => [attribute, read?.[attribute] ?? null])));
    },
  };
}

const CMDLETS = ['Get-EXOMailbox', 'Set-Mailbox'] as const;

/** The AD attributes as one side of the record holds them (null: not set). */
const recordedAttributes = (side: RecordSide) => Object.fromEntries(HYBRID_ATTRIBUTES.map((attribute) => [attribute, side?.[attribute] ?? null]));

/** A synced user's mailbox back to the recorded AD attributes, where the conversion was made. */
async function reverseOnPremises(ad: AdDirectory | undefined, account: AdUser | undefined, before: RecordSide, after: RecordSide, shared: RunShared): Promise<Decision> {
  if (!ad || !account) return { kind: 'skipped', reason: 'the mailbox was converted on-premises, and the AD account cannot be read (AD not configured, or no account)' };
  const [was, left] = [recordedAttributes(before), recordedAttributes(after)];
  const current = Object.fromEntries(HYBRID_ATTRIBUTES.map((attribute) => [attribute, account[attribute] ?? null]));
  const same = (a: Record<string, unknown>, b: Record<string, unknown>) => HYBRID_ATTRIBUTES.every((attribute) => a[attribute] === b[attribute]);
  if (!same(current, left)) return changedSince('the mailbox in AD', current, left, was);
  return {
    kind: 'change',
    before: current,
    after: was,
    // An attribute that was not set is cleared again, as Exchange left it before the conversion.
    apply: () =>
      ad.modify(
        account.dn,
        HYBRID_ATTRIBUTES.map((attribute) => {
          const value = was[attribute];
          return value === null ? { operation: 'delete', attribute, values: [] } : { operation: 'replace', attribute, values: [String(value)] };
        }),
      ),
    verify: async () => {
      const read = await readBackAdUser(shared, ad, account.dn);
      return expectState(was, Object.fromEntries(HYBRID_ATTRIBUTES.map((attribute) => [attribute, read?.[attribute] ?? null])));
    },
  };
}

/** The `-Type` of Set-Mailbox that makes each recorded type (https://learn.microsoft.com/powershell/module/exchange/set-mailbox#-type). */
const CONVERT_TO: Record<string, string> = { UserMailbox: 'Regular', SharedMailbox: 'Shared' };

export const mailboxShared = defineStep({
  name: 'mailbox-shared',
  description:
    'converts the mailbox to a shared mailbox (Exchange Online for cloud users; on-premises for synced ones: `msExchRemoteRecipientType` and `msExchRecipientTypeDetails` in AD)',
  byDefault: false,
  needs: ['entra', 'exchange'],
  // AD for the mailboxes of synced users, which are converted on-premises.
  uses: ['ad'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    ad: 'write `msExchRemoteRecipientType` and `msExchRecipientTypeDetails` (synced mailboxes)',
    adAttributes: ['msExchRemoteRecipientType', 'msExchRecipientTypeDetails'],
    notes:
      'Exchange Online: Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app; AD (synced mailboxes): write msExchRemoteRecipientType and msExchRecipientTypeDetails.',
  },
  // The record keeps both AD attributes (or the cloud type) as they were.
  reversible: true,
  publishes: ['mailbox'],
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors, shared }) {
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
    if (user.onPremisesSyncEnabled) return convertOnPremises(connectors.ad, person.ad, type, shared);
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
      verify: async () => expectState({ recipientTypeDetails: 'SharedMailbox' }, { recipientTypeDetails: await typeOf() }),
    };
  },
  async reverse({ person, connectors, shared, record }) {
    const user = person.entra;
    if (holds(record.before, 'msExchRemoteRecipientType')) return reverseOnPremises(connectors.ad, person.ad, record.before, record.after, shared);
    const [was, left] = [record.before?.recipientTypeDetails, record.after?.recipientTypeDetails];
    if (typeof was !== 'string' || typeof left !== 'string') return notRecorded('mailbox type');
    const type = CONVERT_TO[was];
    if (!type) return { kind: 'skipped', reason: `cannot convert back to a ${was}` };
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const identity = user.userPrincipalName;
    const typeOf = async (): Promise<string | undefined> => {
      const mailbox = await readMailbox(commands, identity, ['RecipientTypeDetails']);
      return mailbox ? String(mailbox.RecipientTypeDetails ?? '') : undefined;
    };
    const current = await typeOf();
    if (current === undefined) return { kind: 'skipped', reason: 'changed since: no mailbox' };
    if (current !== left) return changedSince('the mailbox type', current, left, was);
    return {
      kind: 'change',
      before: { recipientTypeDetails: current },
      after: { recipientTypeDetails: was },
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, Type: type }, { retry: async () => (await typeOf()) !== was });
        return commands.outcome();
      },
      verify: async () => expectState({ recipientTypeDetails: was }, { recipientTypeDetails: await typeOf() }),
    };
  },
});
