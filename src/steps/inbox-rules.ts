// inbox-rules: removes the leaver's Inbox rules that send mail out (forward, redirect, text message) or delete it, keeping each removed rule's definition in the record.
import { isExchangeNotFound } from '../connectors/powershell/errors.js';
import { defineStep } from './define.js';
import { namedCount } from './named-count.js';
import { CommandLog, psBoolean, psList } from './ps-commands.js';
import { expectState } from './read-back.js';

const CMDLETS = ['Get-InboxRule', 'Remove-InboxRule'] as const;

/**
 * The actions New-InboxRule documents that send a message out of the mailbox: ForwardTo, ForwardAsAttachmentTo,
 * RedirectTo, and SendTextMessageNotificationTo (a text message about it to a phone number)
 * (https://learn.microsoft.com/powershell/module/exchangepowershell/new-inboxrule).
 */
const SENDS_OUT = ['ForwardTo', 'ForwardAsAttachmentTo', 'RedirectTo', 'SendTextMessageNotificationTo'] as const;
/** And those that delete it: DeleteMessage (to Deleted Items) and SoftDeleteMessage. */
const DELETES = ['DeleteMessage', 'SoftDeleteMessage'] as const;

type Rule = Record<string, unknown>;

/** The actions of a rule that make it the step's: a disabled rule counts too, as anyone could enable it again. */
function removableActions(rule: Rule): string[] {
  return [...SENDS_OUT.filter((action) => psList(rule[action]).length > 0), ...DELETES.filter((action) => psBoolean(rule[action]))];
}

const identityOf = (rule: Rule): string => String(rule.Identity ?? '');

/** The mailbox's rules; undefined when there is no mailbox. */
async function rules(commands: CommandLog<(typeof CMDLETS)[number]>, mailbox: string): Promise<Rule[] | undefined> {
  try {
    const { output } = await commands.invoke('Get-InboxRule', { Mailbox: mailbox }, { retry: 'read' });
    return output.filter((item): item is Rule => typeof item === 'object' && item !== null);
  } catch (error) {
    if (isExchangeNotFound(error)) return undefined;
    throw error;
  }
}

export const inboxRules = defineStep({
  name: 'inbox-rules',
  description: "removes the mailbox's Inbox rules that forward, redirect, text or delete mail (`Remove-InboxRule`); each removed rule's definition is kept in the record",
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    // Get-InboxRule "doesn't work for members of View-Only Organization Management role group in Exchange Online or the
    // Global Reader role" (https://learn.microsoft.com/powershell/module/exchangepowershell/get-inboxrule).
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ Exchange Recipient Administrator role (Get-InboxRule refuses the view-only roles)' } },
    notes: 'Exchange Online: Get-InboxRule -Mailbox and Remove-InboxRule -Mailbox -Identity; Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app.',
  },
  // The rules are gone once removed; their definitions stay in the record to recreate by hand.
  reversible: false,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors }) {
    const mailbox = person.entra.userPrincipalName;
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const all = await rules(commands, mailbox);
    if (!all) return { kind: 'skipped', reason: 'no mailbox' };
    const removable = all.filter((rule) => removableActions(rule).length > 0);
    if (removable.length === 0) return { kind: 'unchanged', before: { rules: [] }, reason: 'no rule forwards, redirects or deletes mail' };
    const targets = removable.map(identityOf);
    const remaining = async (): Promise<string[]> => {
      const now = new Set((await rules(commands, mailbox))?.map(identityOf) ?? []);
      return targets.filter((identity) => now.has(identity));
    };
    return {
      kind: 'change',
      // The whole definition as Get-InboxRule shows it, and why each rule is removed.
      before: { rules: removable.map((rule) => ({ ...rule, removedFor: removableActions(rule) })) },
      after: { rules: [] },
      reason: namedCount(removable.length, 'rule', removable.map((rule) => String(rule.Name ?? identityOf(rule)))),
      async apply() {
        for (const identity of targets) {
          await commands.invoke('Remove-InboxRule', { Mailbox: mailbox, Identity: identity, Confirm: false }, {
            // A lost session may have removed it already: remove it again only while it is there.
            retry: async () => (await remaining()).includes(identity),
          });
        }
        return commands.outcome();
      },
      verify: async () => expectState({ remaining: [] }, { remaining: await remaining() }),
    };
  },
});
