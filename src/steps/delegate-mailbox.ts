// The delegate's mailbox as the steps that forward or reply to it read it: once per run for every step and leaver naming that delegate.
import { readMailbox, type CommandLog, type Mailbox } from './ps-commands.js';
import type { RunShared } from './types.js';

/**
 * `Get-EXOMailbox -Identity <delegate>` with the Minimum property set, which holds what the steps use: the identities
 * Exchange may name the recipient by, DisplayName and PrimarySmtpAddress
 * (https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomailbox-property-sets). Undefined when
 * the delegate has no mailbox. Leavers often share a delegate (their manager), and mailbox-forward and
 * mailbox-autoreply both name it: one read serves them all.
 */
export function readDelegateMailbox(shared: RunShared, commands: CommandLog<'Get-EXOMailbox'>, delegate: string): Promise<Mailbox | undefined> {
  return shared.once(`delegate-mailbox:${delegate.toLowerCase()}`, () => readMailbox(commands, delegate, []));
}
