// Exchange Online cmdlets on the items inside a mailbox (mobile devices, Inbox rules, meetings), as the Exchange PowerShell reference documents them.
import { z } from 'zod';
import { SKU_E3, type Fixture } from '../stack/fixture.js';
import type { CmdletCase } from './types.js';

const REFERENCE = 'https://learn.microsoft.com/en-us/powershell/module/exchangepowershell';

/** The people these cases act on: a licensed mailbox with devices, rules and meetings, and a shared mailbox. */
export function addMailboxItemPeople(fixture: Fixture): void {
  fixture.people.push(
    {
      key: 'mobile',
      givenName: 'Mo',
      surname: 'Bile',
      displayName: 'Mo Bile',
      userPrincipalName: 'mo.bile@contoso.test',
      mail: 'mo.bile@contoso.test',
      cloud: {
        synced: false,
        licenses: [SKU_E3],
        mailboxItems: {
          mobileDevices: [
            { friendlyName: 'iPhone 15', deviceModel: 'iPhone15,2', deviceType: 'iPhone', deviceOS: 'iOS 18.1' },
            { friendlyName: 'Pixel 8', deviceModel: 'Pixel 8', deviceType: 'Android', accountOnlyWipe: 'requested' },
          ],
          inboxRules: [
            { name: 'Everything out', forwardTo: ['mo@gmail.test'] },
            { name: 'File receipts', moveToFolder: 'Inbox\\Receipts' },
          ],
          meetings: [
            { subject: 'Weekly sync', startInDays: 7, attendees: ['salesvp@contoso.test'] },
            { subject: 'Focus time', startInDays: 2, attendees: [] },
          ],
        },
      },
    },
    {
      key: 'frontdesk',
      givenName: 'Front',
      surname: 'Desk',
      displayName: 'Front Desk',
      userPrincipalName: 'front.desk@contoso.test',
      mail: 'front.desk@contoso.test',
      cloud: { synced: false, mailbox: 'SharedMailbox', mailboxItems: { meetings: [{ subject: 'Desk rota', startInDays: 5, attendees: ['ceo@contoso.test'] }] } },
    },
  );
}

const NOT_FOUND = { type: /ManagementObjectNotFoundException|Exception/, message: /ManagementObjectNotFoundException\|.*couldn't be found/ };
const time = z.string().nullable();

// Get-MobileDevice: "-Identity (<Mailbox Name>\ExchangeActiveSyncDevices\<MobileDeviceObjectName>)"; the properties it
// can filter and sort by include DeviceId, DeviceModel, DeviceType, FriendlyName.
const mobileDevice = z.object({ Identity: z.string().regex(/\\ExchangeActiveSyncDevices\\/), DeviceId: z.string(), DeviceType: z.string(), DeviceModel: z.string(), FriendlyName: z.string() });

// The Wipe property set of Get-EXOMobileDeviceStatistics, which Get-MobileDeviceStatistics returns as well
// (https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomobiledevicestatistics-property-sets).
const deviceStatistics = z.object({
  Identity: z.string(),
  AccountOnlyDeviceWipeAckTime: time,
  AccountOnlyDeviceWipeRequestTime: time,
  AccountOnlyDeviceWipeSentTime: time,
  DeviceWipeAckTime: time,
  DeviceWipeRequestTime: time,
  DeviceWipeSentTime: time,
  IsRemoteWipeSupported: z.boolean(),
  LastAccountOnlyDeviceWipeRequestor: z.string().nullable(),
});

// Get-InboxRule: "Identity … Exchange Online: MailboxAlias\RuleIdentity"; the actions are New-InboxRule's parameters:
// ForwardTo, ForwardAsAttachmentTo, RedirectTo (recipient lists), DeleteMessage (Boolean).
const inboxRule = z.object({
  Identity: z.string().regex(/^[^\\]+\\\d+$/),
  Name: z.string(),
  Enabled: z.boolean(),
  ForwardTo: z.array(z.string()),
  ForwardAsAttachmentTo: z.array(z.string()),
  RedirectTo: z.array(z.string()),
  DeleteMessage: z.boolean(),
});

const CANCEL = { Identity: 'mo.bile@contoso.test', CancelOrganizedMeetings: true, QueryWindowInDays: 1825, Confirm: false };
const PREVIEW = { ...CANCEL, PreviewOnly: true };

export const EXCHANGE_ITEM_CASES: CmdletCase[] = [
  {
    service: 'exchange',
    name: 'Get-MobileDevice -Mailbox: the mobile devices of the mailbox',
    // Example 1: "Get-MobileDevice -Mailbox "Tony Smith"" "returns all the mobile devices that Tony Smith has used".
    doc: `${REFERENCE}/get-mobiledevice`,
    covers: ['exchange Get-MobileDevice -Mailbox'],
    request: (t) => ({ cmdlet: 'Get-MobileDevice', parameters: { Mailbox: t.user('mobile').userPrincipalName } }),
    response: { output: mobileDevice, count: 2 },
  },
  {
    service: 'exchange',
    name: 'Get-MobileDevice -Mailbox for a mailbox without devices: nothing',
    doc: `${REFERENCE}/get-mobiledevice`,
    covers: ['exchange Get-MobileDevice -Mailbox'],
    request: (t) => ({ cmdlet: 'Get-MobileDevice', parameters: { Mailbox: t.user('jdoe').userPrincipalName } }),
    response: { output: mobileDevice, count: 0 },
  },
  {
    service: 'exchange',
    name: 'Get-MobileDevice -Mailbox for a user without a mailbox: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/get-mobiledevice`,
    covers: ['exchange Get-MobileDevice -Mailbox'],
    request: (t) => ({ cmdlet: 'Get-MobileDevice', parameters: { Mailbox: t.user('nodrive').userPrincipalName } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Get-MobileDeviceStatistics -Mailbox: each device with its wipe status',
    // "-Mailbox … filters the results by the user mailbox that's associated with the mobile device".
    doc: `${REFERENCE}/get-mobiledevicestatistics`,
    covers: ['exchange Get-MobileDeviceStatistics -Mailbox'],
    request: (t) => ({ cmdlet: 'Get-MobileDeviceStatistics', parameters: { Mailbox: t.user('mobile').userPrincipalName } }),
    response: { output: deviceStatistics, count: 2 },
  },
  {
    service: 'exchange',
    name: 'Clear-MobileDevice -AccountOnly -Confirm:$false: an account-only wipe, no output',
    // "-AccountOnly … an account-only remote device wipe where only Exchange mailbox data is removed from the device";
    // "This cmdlet has a built-in pause, so use -Confirm:$false to skip the confirmation."
    doc: `${REFERENCE}/clear-mobiledevice`,
    covers: ['exchange Clear-MobileDevice -AccountOnly -Identity'],
    request: (t) => ({ cmdlet: 'Clear-MobileDevice', parameters: { Identity: t.mobileDevice('mobile', 'iPhone 15'), AccountOnly: true, Confirm: false } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Clear-MobileDevice for a device that does not exist: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/clear-mobiledevice`,
    covers: ['exchange Clear-MobileDevice -AccountOnly -Identity'],
    request: () => ({ cmdlet: 'Clear-MobileDevice', parameters: { Identity: 'mo.bile\\ExchangeActiveSyncDevices\\iPhone§NOSUCHDEVICE', AccountOnly: true, Confirm: false } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Get-InboxRule -Mailbox: the Inbox rules of the mailbox',
    // Example 1: "Get-InboxRule -Mailbox Joe@Contoso.com" "retrieves all Inbox rules for the mailbox".
    doc: `${REFERENCE}/get-inboxrule`,
    covers: ['exchange Get-InboxRule -Mailbox'],
    request: (t) => ({ cmdlet: 'Get-InboxRule', parameters: { Mailbox: t.user('mobile').userPrincipalName } }),
    response: { output: inboxRule, count: 2 },
  },
  {
    service: 'exchange',
    name: 'Remove-InboxRule -Mailbox -Identity <name> -Confirm:$false: the rule is removed, no output',
    // "-Identity … Name; RuleIdentity property; Exchange Online: MailboxAlias\RuleIdentity"; "-Mailbox … the mailbox
    // that contains the Inbox rule".
    doc: `${REFERENCE}/remove-inboxrule`,
    covers: ['exchange Remove-InboxRule -Identity -Mailbox'],
    request: (t) => ({ cmdlet: 'Remove-InboxRule', parameters: { Mailbox: t.user('mobile').userPrincipalName, Identity: 'Everything out', Confirm: false } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Remove-InboxRule of a rule that does not exist: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/remove-inboxrule`,
    covers: ['exchange Remove-InboxRule -Identity -Mailbox'],
    request: (t) => ({ cmdlet: 'Remove-InboxRule', parameters: { Mailbox: t.user('mobile').userPrincipalName, Identity: 'No such rule', Confirm: false } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Remove-CalendarEvents -PreviewOnly -Verbose: the meetings that would be cancelled, on the verbose stream',
    // Example 3 previews with "-PreviewOnly -Verbose"; "-PreviewOnly … without actually cancelling any meetings. You use
    // this switch with the Verbose switch"; "The output of this cmdlet always says any existing meetings are queued for
    // cancellation".
    doc: `${REFERENCE}/remove-calendarevents`,
    covers: ['exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -PreviewOnly -QueryWindowInDays'],
    request: () => ({ cmdlet: 'Remove-CalendarEvents', parameters: PREVIEW }),
    response: { output: z.unknown(), count: 0, verbose: [/Weekly sync.*queued for cancellation/] },
  },
  {
    service: 'exchange',
    name: 'Remove-CalendarEvents -CancelOrganizedMeetings -QueryWindowInDays 1825: the meetings are cancelled',
    // Example 1: "Remove-CalendarEvents -Identity chris@contoso.com -CancelOrganizedMeetings -QueryWindowInDays 120".
    doc: `${REFERENCE}/remove-calendarevents`,
    covers: ['exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -QueryWindowInDays'],
    request: () => ({ cmdlet: 'Remove-CalendarEvents', parameters: CANCEL }),
    response: { output: z.unknown(), count: 0, verbose: [/queued for cancellation/] },
  },
  {
    service: 'exchange',
    name: 'Remove-CalendarEvents with a window over 1825 days: refused',
    // "The maximum window that's allowed for meeting cancellation is 1825 days (5 years)."
    doc: `${REFERENCE}/remove-calendarevents`,
    covers: ['exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -PreviewOnly -QueryWindowInDays'],
    request: () => ({ cmdlet: 'Remove-CalendarEvents', parameters: { ...PREVIEW, QueryWindowInDays: 1826 } }),
    response: { error: { message: /1825/ } },
  },
  {
    service: 'exchange',
    name: 'Remove-CalendarEvents on a shared mailbox: refused, it cannot send the cancellations',
    // "Because meeting cancellations must be sent out, the mailbox must still be enabled to send mail."
    doc: `${REFERENCE}/remove-calendarevents`,
    covers: ['exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -PreviewOnly -QueryWindowInDays'],
    request: (t) => ({ cmdlet: 'Remove-CalendarEvents', parameters: { ...PREVIEW, Identity: t.user('frontdesk').userPrincipalName } }),
    response: { error: { message: /enabled to send mail/ } },
  },
];
