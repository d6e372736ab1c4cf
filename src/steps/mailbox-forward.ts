// mailbox-forward: mail sent to the leaver goes to the delegate as well, a copy kept in the leaver's mailbox.
import { defineStep } from './define.js';
import { readDelegateMailbox } from './delegate-mailbox.js';
import { CommandLog, psBoolean, readMailbox, type Mailbox } from './ps-commands.js';
import { expectState } from './read-back.js';
import type { Decision } from './types.js';

const CMDLETS = ['Get-EXOMailbox', 'Set-Mailbox'] as const;
/** Get-EXOMailbox's Delivery property set holds them; named, since the Minimum set does not. */
const PROPERTIES = ['ForwardingAddress', 'ForwardingSmtpAddress', 'DeliverToMailboxAndForward'] as const;
/** How Exchange may name a recipient: any of these identifies the delegate's mailbox in ForwardingAddress. */
const RECIPIENT_IDS = ['Identity', 'Id', 'Name', 'Alias', 'PrimarySmtpAddress', 'UserPrincipalName', 'ExternalDirectoryObjectId', 'Guid', 'DistinguishedName'] as const;

/** The forwarding of a mailbox as Get-EXOMailbox shows it: ForwardingAddress names an internal recipient. */
interface Forwarding {
  forwardingAddress: string | null;
  forwardingSmtpAddress: string | null;
  deliverToMailboxAndForward: boolean;
}

type Commands = CommandLog<(typeof CMDLETS)[number]>;

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const same = (a: string | null, b: string | null): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

async function readForwarding(commands: Commands, identity: string): Promise<Forwarding | undefined> {
  const mailbox = await readMailbox(commands, identity, PROPERTIES);
  if (!mailbox) return undefined;
  return {
    forwardingAddress: text(mailbox.ForwardingAddress),
    forwardingSmtpAddress: text(mailbox.ForwardingSmtpAddress),
    deliverToMailboxAndForward: psBoolean(mailbox.DeliverToMailboxAndForward),
  };
}

/** Whether ForwardingAddress names this mailbox, in whichever of its identities Exchange writes it. */
function names(forwardingAddress: string | null, mailbox: Mailbox): boolean {
  return forwardingAddress !== null && RECIPIENT_IDS.some((key) => same(text(mailbox[key]), forwardingAddress));
}

const sameForwarding = (a: Forwarding, b: Forwarding): boolean =>
  same(a.forwardingAddress, b.forwardingAddress) && same(a.forwardingSmtpAddress, b.forwardingSmtpAddress) && a.deliverToMailboxAndForward === b.deliverToMailboxAndForward;

/** The recorded forwarding as the step wrote it: the delegate by UPN. */
function recorded(value: Record<string, unknown> | undefined): Forwarding | undefined {
  if (!value || typeof value.deliverToMailboxAndForward !== 'boolean') return undefined;
  return { forwardingAddress: text(value.forwardingAddress), forwardingSmtpAddress: text(value.forwardingSmtpAddress), deliverToMailboxAndForward: value.deliverToMailboxAndForward };
}

const describe = (f: Forwarding): string =>
  `forwarding to ${f.forwardingAddress ?? f.forwardingSmtpAddress ?? 'nobody'}${f.deliverToMailboxAndForward ? ', a copy kept' : ''}`;

export const mailboxForward = defineStep({
  name: 'mailbox-forward',
  description: "forwards the leaver's mail to the delegate and keeps a copy (`ForwardingAddress`, `DeliverToMailboxAndForward`)",
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    notes: 'Exchange Online: Exchange.ManageAsApp and the Exchange Recipient Administrator role (Set-Mailbox -ForwardingAddress).',
  },
  // The record keeps the forwarding it replaced.
  reversible: true,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors, shared }) {
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const identity = person.entra.userPrincipalName;
    const current = await readForwarding(commands, identity);
    if (!current) return { kind: 'skipped', reason: 'no mailbox' };
    // ForwardingAddress takes "a recipient in your organization": the delegate's mailbox, by its identities.
    const target = await readDelegateMailbox(shared, commands, delegate);
    if (!target) return { kind: 'skipped', reason: 'the delegate has no mailbox to forward to' };
    const holds = (f: Forwarding | undefined): boolean => f !== undefined && names(f.forwardingAddress, target) && f.deliverToMailboxAndForward;
    if (holds(current)) return { kind: 'unchanged', before: { ...current } };
    // ForwardingSmtpAddress stays as it is: with ForwardingAddress set, Exchange ignores it ("If you configure values
    // for both … the value of ForwardingSmtpAddress is ignored", https://learn.microsoft.com/powershell/module/exchange/set-mailbox).
    // The delegate is internal: the outbound spam policy's limits on automatic forwarding apply to external recipients
    // only (https://learn.microsoft.com/defender-office-365/outbound-spam-policies-external-email-forwarding).
    const after: Forwarding = { forwardingAddress: delegate, forwardingSmtpAddress: current.forwardingSmtpAddress, deliverToMailboxAndForward: true };
    return {
      kind: 'change',
      before: { ...current },
      after: { ...after },
      reason: `forward to ${delegate}, keeping a copy`,
      async apply() {
        await commands.invoke('Set-Mailbox', { Identity: identity, ForwardingAddress: delegate, DeliverToMailboxAndForward: true }, {
          retry: async () => !holds(await readForwarding(commands, identity)),
        });
        return commands.outcome();
      },
      verify: async () => expectState({ forwardsToDelegate: true, keepsCopy: true }, await readForwarding(commands, identity).then((f) => ({ forwardsToDelegate: names(f?.forwardingAddress ?? null, target), keepsCopy: f?.deliverToMailboxAndForward ?? null }))),
    };
  },
  async reverse({ person, connectors, record }): Promise<Decision> {
    const [before, after] = [recorded(record.before), recorded(record.after)];
    if (!before || !after) return { kind: 'skipped', reason: 'the record holds no forwarding to restore' };
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const identity = person.entra.userPrincipalName;
    const current = await readForwarding(commands, identity);
    if (!current) return { kind: 'skipped', reason: 'no mailbox' };
    if (sameForwarding(current, before)) return { kind: 'unchanged', before: { ...current } };
    // The run forwarded to the delegate, named by UPN, which Exchange shows as another of its identities; the record of
    // an undo holds the forwarding as Exchange showed it (or none).
    const delegate = after.forwardingAddress ? await readMailbox(commands, after.forwardingAddress, []) : undefined;
    const asLeft = after.forwardingAddress
      ? delegate !== undefined && names(current.forwardingAddress, delegate) && same(current.forwardingSmtpAddress, after.forwardingSmtpAddress) && current.deliverToMailboxAndForward
      : sameForwarding(current, after);
    if (!asLeft) return { kind: 'skipped', reason: `changed since: ${describe(current)}` };
    const restored = async (): Promise<boolean> => {
      const now = await readForwarding(commands, identity);
      return now !== undefined && sameForwarding(now, before);
    };
    return {
      kind: 'change',
      before: { ...current },
      after: { ...before },
      reason: `back to ${describe(before)}`,
      async apply() {
        // $null clears ForwardingAddress ("The default value is blank ($null), which means no forwarding recipient").
        await commands.invoke('Set-Mailbox', { Identity: identity, ForwardingAddress: before.forwardingAddress, DeliverToMailboxAndForward: before.deliverToMailboxAndForward }, {
          retry: async () => !(await restored()),
        });
        return commands.outcome();
      },
      verify: async () => expectState({ restored: true }, { restored: await restored() }),
    };
  },
});
