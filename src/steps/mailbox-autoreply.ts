// mailbox-autoreply: the leaver's mailbox answers every sender, inside and outside, with `autoreply-message`.
import { dayIn } from '../util/time.js';
import { messageBody, namesDelegate, renderMessage } from './autoreply-message.js';
import { defineStep } from './define.js';
import { readDelegateMailbox } from './delegate-mailbox.js';
import { isExchangeNotFound } from '../connectors/powershell/errors.js';
import { CommandLog } from './ps-commands.js';
import { expectState } from './read-back.js';
import type { Decision, StepContext } from './types.js';

const CMDLETS = ['Get-EXOMailbox', 'Get-MailboxAutoReplyConfiguration', 'Set-MailboxAutoReplyConfiguration'] as const;
type Commands = CommandLog<(typeof CMDLETS)[number]>;

/**
 * External senders get the reply too, all of them, not only the mailbox's contacts (`Known`): the customers and partners
 * who still write to a leaver are the ones who most need to learn whom to write to instead.
 */
const AUDIENCE = 'All';

/** The Automatic Replies settings as Get-MailboxAutoReplyConfiguration returns them (times as ISO text, or null). */
interface AutoReply {
  autoReplyState: string;
  internalMessage: string | null;
  externalMessage: string | null;
  externalAudience: string;
  startTime: string | null;
  endTime: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
/** A time as an instant, so that Exchange's and the record's spelling of it compare. */
const instant = (value: string | null): string | null => (value === null || Number.isNaN(Date.parse(value)) ? value : new Date(value).toISOString());

/** The leaver's settings; undefined when there is no mailbox. */
async function readAutoReply(commands: Commands, identity: string): Promise<AutoReply | undefined> {
  try {
    const { output } = await commands.invoke('Get-MailboxAutoReplyConfiguration', { Identity: identity }, { retry: 'read' });
    const found = (output[0] ?? {}) as Record<string, unknown>;
    return {
      autoReplyState: String(found.AutoReplyState ?? 'Disabled'),
      internalMessage: text(found.InternalMessage),
      externalMessage: text(found.ExternalMessage),
      externalAudience: String(found.ExternalAudience ?? ''),
      startTime: text(found.StartTime),
      endTime: text(found.EndTime),
    };
  } catch (error) {
    if (isExchangeNotFound(error)) return undefined;
    throw error;
  }
}

/** What a reply says and to whom, the way it reads: messages by their body, the times only when they apply. */
function effect(reply: AutoReply): Record<string, unknown> {
  const scheduled = reply.autoReplyState.toLowerCase() === 'scheduled';
  return {
    autoReplyState: reply.autoReplyState.toLowerCase(),
    externalAudience: reply.externalAudience.toLowerCase(),
    internalMessage: messageBody(reply.internalMessage),
    externalMessage: messageBody(reply.externalMessage),
    ...(scheduled ? { startTime: instant(reply.startTime), endTime: instant(reply.endTime) } : {}),
  };
}

const sameEffect = (a: AutoReply, b: AutoReply): boolean => JSON.stringify(effect(a)) === JSON.stringify(effect(b));

function recorded(value: Record<string, unknown> | undefined): AutoReply | undefined {
  if (!value || typeof value.autoReplyState !== 'string') return undefined;
  return {
    autoReplyState: value.autoReplyState,
    internalMessage: text(value.internalMessage),
    externalMessage: text(value.externalMessage),
    externalAudience: String(value.externalAudience ?? ''),
    startTime: text(value.startTime),
    endTime: text(value.endTime),
  };
}

/** The placeholders' values for this leaver; a string when the message cannot be written for them. */
async function valuesFor(context: Pick<StepContext, 'person' | 'inputs' | 'now' | 'shared'>, template: string, commands: Commands) {
  const { person, inputs, now, shared } = context;
  const effective = person.request.effective ? new Date(person.request.effective) : now;
  const values = {
    displayName: person.entra?.displayName ?? person.ad?.displayName ?? person.entra?.userPrincipalName ?? '',
    effectiveDate: dayIn(effective, inputs.timeZone),
    delegateName: '',
    delegateMail: '',
  };
  // A message that names the delegate needs one; a message that does not is written without.
  if (!namesDelegate(template)) return values;
  const delegate = person.delegate.userPrincipalName;
  if (person.delegate.source === 'none' || !delegate) return 'no delegate found, and autoreply-message names the delegate';
  const mailbox = await readDelegateMailbox(shared, commands, delegate);
  if (!mailbox) return 'the delegate has no mailbox, and autoreply-message names its address';
  return { ...values, delegateName: String(mailbox.DisplayName ?? delegate), delegateMail: String(mailbox.PrimarySmtpAddress ?? delegate) };
}

export const mailboxAutoreply = defineStep({
  name: 'mailbox-autoreply',
  description: 'turns on the automatic reply with `autoreply-message`, for internal and all external senders',
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ Exchange Recipient Administrator role (Get-MailboxAutoReplyConfiguration)' } },
    notes: 'Exchange Online: Exchange.ManageAsApp and the Exchange Recipient Administrator role (its Mail Recipients role holds the Automatic Replies cmdlets).',
  },
  // The record keeps the settings it replaced: state, both messages, audience and times.
  reversible: true,
  cmdlets: { exchange: CMDLETS },
  async observe(context) {
    const template = context.inputs.autoreplyMessage;
    if (!template) return { kind: 'skipped', reason: 'autoreply-message is empty' };
    const commands = new CommandLog(context.connectors.exchange, CMDLETS);
    const identity = context.person.entra.userPrincipalName;
    const current = await readAutoReply(commands, identity);
    if (!current) return { kind: 'skipped', reason: 'no mailbox' };
    const values = await valuesFor(context, template, commands);
    if (typeof values === 'string') return { kind: 'skipped', reason: values };
    const message = renderMessage(template, values);
    const target: AutoReply = { ...current, autoReplyState: 'Enabled', internalMessage: message, externalMessage: message, externalAudience: AUDIENCE };
    const holds = (reply: AutoReply | undefined): boolean => reply !== undefined && sameEffect(reply, target);
    if (holds(current)) return { kind: 'unchanged', before: { ...current } };
    return {
      kind: 'change',
      before: { ...current },
      after: { autoReplyState: 'Enabled', internalMessage: message, externalMessage: message, externalAudience: AUDIENCE },
      reason: `reply to internal and all external senders: ${message}`,
      async apply() {
        await commands.invoke(
          'Set-MailboxAutoReplyConfiguration',
          { Identity: identity, AutoReplyState: 'Enabled', InternalMessage: message, ExternalMessage: message, ExternalAudience: AUDIENCE },
          { retry: async () => !holds(await readAutoReply(commands, identity)) },
        );
        return commands.outcome();
      },
      verify: async () => {
        const read = await readAutoReply(commands, identity);
        return expectState(effect(target), read ? effect(read) : null);
      },
    };
  },
  async reverse({ person, connectors, record }): Promise<Decision> {
    const [before, after] = [recorded(record.before), recorded(record.after)];
    if (!before || !after) return { kind: 'skipped', reason: 'the record holds no automatic reply to restore' };
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const identity = person.entra.userPrincipalName;
    const current = await readAutoReply(commands, identity);
    if (!current) return { kind: 'skipped', reason: 'no mailbox' };
    if (sameEffect(current, before)) return { kind: 'unchanged', before: { ...current } };
    if (!sameEffect(current, after)) {
      return { kind: 'skipped', reason: `changed since: the automatic reply is ${current.autoReplyState}, to ${current.externalAudience} external senders, with other messages or times than this run set` };
    }
    // The recorded messages go back as the HTML Exchange returned, which it keeps as given; $null clears a message.
    const parameters = {
      Identity: identity,
      AutoReplyState: before.autoReplyState,
      InternalMessage: before.internalMessage,
      ExternalMessage: before.externalMessage,
      ...(before.externalAudience ? { ExternalAudience: before.externalAudience } : {}),
      ...(before.startTime ? { StartTime: before.startTime } : {}),
      ...(before.endTime ? { EndTime: before.endTime } : {}),
    };
    const restored = async (): Promise<boolean> => {
      const now = await readAutoReply(commands, identity);
      return now !== undefined && sameEffect(now, before);
    };
    return {
      kind: 'change',
      before: { ...current },
      after: { ...before },
      reason: `back to the recorded automatic reply: ${before.autoReplyState}${before.autoReplyState.toLowerCase() === 'disabled' ? '' : `, to ${before.externalAudience || 'no'} external senders`}`,
      async apply() {
        await commands.invoke('Set-MailboxAutoReplyConfiguration', parameters, { retry: async () => !(await restored()) });
        return commands.outcome();
      },
      verify: async () => {
        const read = await readAutoReply(commands, identity);
        return expectState(effect(before), read ? effect(read) : null);
      },
    };
  },
});
