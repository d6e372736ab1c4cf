// cancel-meetings: cancels the meetings the leaver organises (Remove-CalendarEvents), while the mailbox can still send the cancellations.
import { defineStep } from './define.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import { expectState } from './read-back.js';

const CMDLETS = ['Get-EXOMailbox', 'Remove-CalendarEvents'] as const;

/**
 * "The maximum window that's allowed for meeting cancellation is 1825 days (5 years)"; from today when -QueryStartDate
 * is left out (https://learn.microsoft.com/powershell/module/exchangepowershell/remove-calendarevents).
 */
const QUERY_WINDOW_IN_DAYS = 1825;

/**
 * The meetings a run would cancel, as -PreviewOnly reports them on the verbose stream ("You use this switch with the
 * Verbose switch"; "The output of this cmdlet always says any existing meetings are queued for cancellation"): one line
 * per meeting. Other verbose lines the module may write are not meetings.
 */
const QUEUED = /queued for cancellation/i;

export const cancelMeetings = defineStep({
  name: 'cancel-meetings',
  description:
    'cancels the meetings the leaver organises in the next 5 years (`Remove-CalendarEvents -CancelOrganizedMeetings -QueryWindowInDays 1825`); the plan shows the count from `-PreviewOnly`',
  byDefault: false,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    // The plan's count comes from the same cmdlet with -PreviewOnly, which needs the role that may cancel.
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ Exchange Recipient Administrator role (the plan runs Remove-CalendarEvents -PreviewOnly)' } },
    notes: 'Exchange Online: Remove-CalendarEvents -CancelOrganizedMeetings -QueryWindowInDays 1825 (-PreviewOnly for the plan); Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app.',
  },
  // Cancellations went out to the attendees.
  reversible: false,
  cmdlets: { exchange: CMDLETS },
  async observe({ person, connectors }) {
    const identity = person.entra.userPrincipalName;
    const commands = new CommandLog(connectors.exchange, CMDLETS);
    const mailbox = await readMailbox(commands, identity, ['RecipientTypeDetails']);
    if (!mailbox) return { kind: 'skipped', reason: 'no mailbox' };
    // "Because meeting cancellations must be sent out, the mailbox must still be enabled to send mail."
    if (String(mailbox.RecipientTypeDetails ?? '') === 'SharedMailbox') {
      return { kind: 'skipped', reason: 'the mailbox is shared already: it can no longer send the cancellations' };
    }
    const cancel = async (previewOnly: boolean, retry: 'read' | (() => Promise<boolean>)): Promise<string[]> => {
      const parameters = { Identity: identity, CancelOrganizedMeetings: true, QueryWindowInDays: QUERY_WINDOW_IN_DAYS, ...(previewOnly ? { PreviewOnly: true } : {}), Confirm: false };
      const { verbose = [] } = await commands.invoke('Remove-CalendarEvents', parameters, { verbose: true, retry });
      return verbose.filter((line) => QUEUED.test(line));
    };
    const preview = (): Promise<string[]> => cancel(true, 'read');
    const meetings = await preview();
    if (meetings.length === 0) return { kind: 'unchanged', before: { meetings: 0 }, reason: 'no meetings to cancel' };
    return {
      kind: 'change',
      before: { meetings: meetings.length, preview: meetings },
      after: { meetings: 0 },
      reason: `${meetings.length} meeting${meetings.length === 1 ? '' : 's'} from -PreviewOnly`,
      async apply() {
        // A lost session may have cancelled them already: run again only while a preview still finds some.
        await cancel(false, async () => (await preview()).length > 0);
        return commands.outcome();
      },
      verify: async () => expectState({ meetings: 0 }, { meetings: (await preview()).length }),
    };
  },
});
