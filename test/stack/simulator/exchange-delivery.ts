// Exchange Online's forwarding and Automatic Replies of a mailbox: Set-Mailbox's forwarding parameters and
// Get-/Set-MailboxAutoReplyConfiguration, as the Exchange PowerShell reference documents them.
import { CmdletError, type Parameters } from './cmdlet.js';
import type { MailboxRecord, Tenant } from './tenant.js';
import type { SimAutoReplyState } from './types.js';

/** Set-Mailbox's forwarding parameters (https://learn.microsoft.com/powershell/module/exchange/set-mailbox). */
export const FORWARDING_PARAMETERS = ['ForwardingAddress', 'ForwardingSmtpAddress', 'DeliverToMailboxAndForward'];

/** The Automatic Replies cmdlets' parameters the simulator acts on. */
export const AUTO_REPLY_PARAMETERS: Record<string, string[]> = {
  'Get-MailboxAutoReplyConfiguration': ['Identity'],
  'Set-MailboxAutoReplyConfiguration': ['Identity', 'AutoReplyState', 'InternalMessage', 'ExternalMessage', 'ExternalAudience', 'StartTime', 'EndTime'],
};

const STATES = ['Enabled', 'Disabled', 'Scheduled'] as const;
const AUDIENCES = ['None', 'Known', 'All'] as const;
// A ProxyAddress of the SMTP type: "smtp:" optional, one @, no spaces.
const SMTP = /^(?:smtp:)?([^@\s]+@[^@\s]+\.[^@\s]+)$/i;

/** A parameter given as $null (or an empty string, which a [string] parameter binds $null to) clears the value. */
function cleared(p: Parameters, name: string): boolean {
  return p.given(name) && (p.string(name) ?? '') === '';
}

/**
 * Set-Mailbox -ForwardingAddress, -ForwardingSmtpAddress, -DeliverToMailboxAndForward (https://learn.microsoft.com/powershell/module/exchange/set-mailbox):
 * ForwardingAddress is "a forwarding address in your organization … any value that uniquely identifies the internal
 * recipient", ForwardingSmtpAddress "a forwarding SMTP address … external email addresses that aren't validated", and
 * $null clears either ("The default value is blank ($null), which means no forwarding … is configured"). When both are
 * set, "the value of ForwardingSmtpAddress is ignored": the simulator keeps both, as Exchange does. Returns whether a
 * setting changed.
 */
export function setForwarding(p: Parameters, m: MailboxRecord, findMailbox: (identity: string) => MailboxRecord): boolean {
  let changed = false;
  if (p.given('ForwardingAddress')) {
    const target = cleared(p, 'ForwardingAddress') ? null : findMailbox(p.required('ForwardingAddress')).userId;
    changed ||= target !== m.forwardingTo;
    m.forwardingTo = target;
  }
  if (p.given('ForwardingSmtpAddress')) {
    let address: string | null = null;
    if (!cleared(p, 'ForwardingSmtpAddress')) {
      const raw = p.required('ForwardingSmtpAddress').trim();
      const match = SMTP.exec(raw);
      if (!match) {
        throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'ForwardingSmtpAddress'. Cannot convert value "${raw}" to type "Microsoft.Exchange.Data.ProxyAddress". Error: "The address '${raw}' is invalid."`);
      }
      // Exchange shows a ProxyAddress of the SMTP type with its prefix: smtp:user@domain.
      address = `smtp:${match[1]}`;
    }
    changed ||= address !== m.forwardingSmtpAddress;
    m.forwardingSmtpAddress = address;
  }
  const keepCopy = p.boolean('DeliverToMailboxAndForward');
  if (keepCopy !== undefined && keepCopy !== m.deliverToMailboxAndForward) {
    m.deliverToMailboxAndForward = keepCopy;
    changed = true;
  }
  return changed;
}

/** The forwarding properties of Get-EXOMailbox (its Delivery property set): the recipient by its identity, as Get-Mailbox shows it. */
export function forwardingProperties(tenant: Tenant, m: MailboxRecord): Record<string, unknown> {
  const target = m.forwardingTo ? tenant.mailboxes.get(m.forwardingTo) : undefined;
  return {
    ForwardingAddress: target ? target.name : null,
    ForwardingSmtpAddress: m.forwardingSmtpAddress,
    DeliverToMailboxAndForward: m.deliverToMailboxAndForward,
  };
}

/**
 * What Get-MailboxAutoReplyConfiguration returns (https://learn.microsoft.com/powershell/module/exchange/get-mailboxautoreplyconfiguration): the settings
 * Set-MailboxAutoReplyConfiguration takes, messages as stored.
 */
export function autoReplyObject(m: MailboxRecord): Record<string, unknown> {
  const a = m.autoReply;
  return {
    Identity: m.name,
    MailboxOwnerId: m.name,
    AutoReplyState: a.autoReplyState,
    AutoDeclineFutureRequestsWhenOOF: false,
    CreateOOFEvent: false,
    DeclineAllEventsForScheduledOOF: false,
    DeclineEventsForScheduledOOF: false,
    StartTime: a.startTime,
    EndTime: a.endTime,
    ExternalAudience: a.externalAudience,
    InternalMessage: a.internalMessage,
    ExternalMessage: a.externalMessage,
    IsValid: true,
  };
}

function enumValue<T extends string>(p: Parameters, name: string, type: string, values: readonly T[]): T | undefined {
  const raw = p.string(name);
  if (raw === undefined) return undefined;
  const known = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (!known) {
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter '${name}'. Cannot convert value "${raw}" to type "${type}". Error: "Unable to match the identifier name ${raw} to a valid enumerator name. Specify one of the following enumerator names and try again: ${values.join(', ')}"`);
  }
  return known;
}

/**
 * "HTML tags are automatically added to the text. For example, if you enter the text: "I'm on vacation", the value
 * automatically becomes: <html><body>I'm on vacation</body></html>. Additional HTML tags are supported if you enclose
 * the value in quotation marks" (-InternalMessage, -ExternalMessage: https://learn.microsoft.com/powershell/module/exchange/set-mailboxautoreplyconfiguration).
 * A value that is an HTML document already is kept as given; $null clears the message.
 */
function storedMessage(p: Parameters, name: string): string | null {
  if (cleared(p, name)) return null;
  const text = p.required(name);
  return /^\s*<html[\s>]/i.test(text) ? text : `<html><body>${text}</body></html>`;
}

function instant(p: Parameters, name: string): string | undefined {
  const raw = p.string(name);
  if (raw === undefined) return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) {
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter '${name}'. Cannot convert value "${raw}" to type "System.DateTime".`);
  }
  return new Date(time).toISOString();
}

/**
 * Set-MailboxAutoReplyConfiguration (https://learn.microsoft.com/powershell/module/exchange/set-mailboxautoreplyconfiguration): AutoReplyState Enabled, Disabled
 * or Scheduled; ExternalAudience None, Known or All ("All … This is the default value"); the messages stored as HTML;
 * StartTime and EndTime kept for Scheduled. Returns whether a setting changed.
 */
export function setAutoReply(p: Parameters, m: MailboxRecord): boolean {
  const next: SimAutoReplyState = { ...m.autoReply };
  const state = enumValue(p, 'AutoReplyState', 'Microsoft.Exchange.Data.Storage.Management.OofState', STATES);
  if (state) next.autoReplyState = state;
  const audience = enumValue(p, 'ExternalAudience', 'Microsoft.Exchange.Data.Storage.Management.ExternalAudience', AUDIENCES);
  if (audience) next.externalAudience = audience;
  if (p.given('InternalMessage')) next.internalMessage = storedMessage(p, 'InternalMessage');
  if (p.given('ExternalMessage')) next.externalMessage = storedMessage(p, 'ExternalMessage');
  next.startTime = instant(p, 'StartTime') ?? next.startTime;
  next.endTime = instant(p, 'EndTime') ?? next.endTime;
  const changed = JSON.stringify(next) !== JSON.stringify(m.autoReply);
  m.autoReply = next;
  return changed;
}
