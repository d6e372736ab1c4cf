// Exchange Online's items inside a mailbox that the leaver steps act on: mobile devices, Inbox rules, organised meetings.
import type { FixtureMailboxItems } from '../fixture-mailbox-items.js';
import { CmdletError, type Parameters } from './cmdlet.js';
import { stableGuid } from './ids.js';
import type { MailboxRecord, Tenant } from './tenant.js';

interface MobileDeviceRecord {
  guid: string;
  deviceId: string;
  deviceType: string;
  friendlyName: string;
  deviceModel: string;
  deviceOS: string;
  firstSyncTime: string;
  deviceWipeRequestTime: string | null;
  deviceWipeAckTime: string | null;
  accountOnlyDeviceWipeRequestTime: string | null;
  accountOnlyDeviceWipeAckTime: string | null;
  lastAccountOnlyDeviceWipeRequestor: string | null;
}

interface InboxRuleRecord {
  ruleIdentity: string;
  name: string;
  enabled: boolean;
  priority: number;
  from: string[];
  subjectContainsWords: string[];
  forwardTo: string[];
  forwardAsAttachmentTo: string[];
  redirectTo: string[];
  sendTextMessageNotificationTo: string[];
  deleteMessage: boolean;
  softDeleteMessage: boolean;
  moveToFolder: string | null;
  markAsRead: boolean;
}

/** A meeting the mailbox organises. */
interface MeetingRecord {
  subject: string;
  start: string;
  /** The last occurrence of a recurring series. */
  seriesEnd: string | null;
  attendees: string[];
  cancelled: boolean;
}

export interface MailboxItems {
  mobileDevices: MobileDeviceRecord[];
  inboxRules: InboxRuleRecord[];
  meetings: MeetingRecord[];
}

const DAY_MS = 86_400_000;
const isoIn = (from: Date, days: number): string => new Date(from.getTime() + days * DAY_MS).toISOString();

/** The fixture's items of one mailbox, with ids stable per tenant and person and times relative to the load. */
export function mailboxItems(items: FixtureMailboxItems | undefined, tid: string, key: string, loadedAt: Date): MailboxItems {
  const requested = isoIn(loadedAt, -1);
  return {
    mobileDevices: (items?.mobileDevices ?? []).map((d, i) => {
      const guid = stableGuid(tid, 'mobileDevice', key, String(i));
      return {
        guid,
        deviceId: guid.replace(/-/g, '').slice(0, 24).toUpperCase(),
        deviceType: d.deviceType,
        friendlyName: d.friendlyName,
        deviceModel: d.deviceModel,
        deviceOS: d.deviceOS ?? '',
        firstSyncTime: isoIn(loadedAt, -200),
        deviceWipeRequestTime: d.deviceWipe ? requested : null,
        deviceWipeAckTime: null,
        accountOnlyDeviceWipeRequestTime: d.accountOnlyWipe ? requested : null,
        accountOnlyDeviceWipeAckTime: d.accountOnlyWipe === 'acknowledged' ? requested : null,
        lastAccountOnlyDeviceWipeRequestor: d.accountOnlyWipe ? 'admin@contoso.test' : null,
      };
    }),
    inboxRules: (items?.inboxRules ?? []).map((r, i) => ({
      // RuleIdentity is a 64-bit number in Exchange Online ("rzaher\16752869479666417665", Get-InboxRule -Identity).
      ruleIdentity: BigInt(`0x${stableGuid(tid, 'inboxRule', key, String(i)).replace(/-/g, '').slice(0, 16)}`).toString(),
      name: r.name,
      enabled: r.enabled ?? true,
      priority: i + 1,
      from: r.from ?? [],
      subjectContainsWords: r.subjectContainsWords ?? [],
      forwardTo: r.forwardTo ?? [],
      forwardAsAttachmentTo: r.forwardAsAttachmentTo ?? [],
      redirectTo: r.redirectTo ?? [],
      sendTextMessageNotificationTo: r.sendTextMessageNotificationTo ?? [],
      deleteMessage: r.deleteMessage ?? false,
      softDeleteMessage: r.softDeleteMessage ?? false,
      moveToFolder: r.moveToFolder ?? null,
      markAsRead: r.markAsRead ?? false,
    })),
    meetings: (items?.meetings ?? []).map((m) => ({
      subject: m.subject,
      start: isoIn(loadedAt, m.startInDays),
      seriesEnd: m.seriesEndInDays === undefined ? null : isoIn(loadedAt, m.seriesEndInDays),
      attendees: [...m.attendees],
      cancelled: false,
    })),
  };
}

/** Parameters each cmdlet acts on (Confirm and the other common parameters never reach the service). */
export const ITEM_CMDLET_PARAMETERS: Record<string, string[]> = {
  'Get-MobileDevice': ['Mailbox', 'Identity', 'ResultSize'],
  'Get-MobileDeviceStatistics': ['Mailbox', 'Identity'],
  'Clear-MobileDevice': ['Identity', 'AccountOnly', 'Cancel', 'NotificationEmailAddresses'],
  'Get-InboxRule': ['Mailbox', 'Identity', 'IncludeHidden', 'ResultSize'],
  'Remove-InboxRule': ['Mailbox', 'Identity', 'AlwaysDeleteOutlookRulesBlob', 'Force'],
  'Remove-CalendarEvents': ['Identity', 'QueryWindowInDays', 'CancelOrganizedMeetings', 'PreviewOnly', 'QueryStartDate'],
};

export interface ItemCall {
  tenant: Tenant;
  findMailbox(identity: string): MailboxRecord;
  notFound(identity: string): CmdletError;
  /** The app that calls: Exchange names it as the requestor of a wipe. */
  appId: string;
  now: Date;
}

export interface ItemResult {
  value: unknown[];
  warnings: string[];
  /** What the cmdlet writes to the verbose stream (shown with -Verbose). */
  verbose: string[];
  /** The mailbox owner's UPN, for the log. */
  user?: string;
}

const TASK = 'Microsoft.Exchange.Configuration.Tasks.TaskException';
const BINDING = 'System.Management.Automation.ParameterBindingException';

export function invokeItemCmdlet(cmdlet: string, p: Parameters, call: ItemCall): ItemResult {
  switch (cmdlet) {
    case 'Get-MobileDevice':
    case 'Get-MobileDeviceStatistics':
      return getDevices(cmdlet, p, call);
    case 'Clear-MobileDevice':
      return clearDevice(p, call);
    case 'Get-InboxRule':
      return getRules(p, call);
    case 'Remove-InboxRule':
      return removeRule(p, call);
    case 'Remove-CalendarEvents':
      return removeCalendarEvents(p, call);
    default:
      throw new CmdletError(400, 'System.Management.Automation.CommandNotFoundException', `The term '${cmdlet}' is not recognized as a name of a cmdlet, function, script file, or executable program.`);
  }
}

const ownerOf = (call: ItemCall, m: MailboxRecord): string | undefined => call.tenant.userById(m.userId)?.userPrincipalName;

/** `<Mailbox Name>\ExchangeActiveSyncDevices\<DeviceType>§<DeviceId>`, the Identity form the Get-MobileDevice page shows. */
const deviceIdentity = (m: MailboxRecord, d: MobileDeviceRecord): string => `${m.name}\\ExchangeActiveSyncDevices\\${d.deviceType}§${d.deviceId}`;

function findDevice(call: ItemCall, identity: string): { mailbox: MailboxRecord; device: MobileDeviceRecord } {
  const wanted = identity.trim().toLowerCase();
  for (const mailbox of call.tenant.mailboxes.values()) {
    const device = mailbox.mobileDevices.find((d) => deviceIdentity(mailbox, d).toLowerCase() === wanted || d.guid === wanted);
    if (device) return { mailbox, device };
  }
  throw call.notFound(identity);
}

/**
 * Get-MobileDevice (https://learn.microsoft.com/powershell/module/exchangepowershell/get-mobiledevice): the device's
 * identification; Get-MobileDeviceStatistics (…/get-mobiledevicestatistics) adds its wipe status: the Wipe property set
 * of https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomobiledevicestatistics-property-sets
 * (AccountOnlyDeviceWipeRequestTime, AccountOnlyDeviceWipeAckTime, DeviceWipeRequestTime, … LastAccountOnlyDeviceWipeRequestor).
 */
function getDevices(cmdlet: string, p: Parameters, call: ItemCall): ItemResult {
  const mailboxId = p.string('Mailbox');
  const identity = p.string('Identity');
  if (mailboxId !== undefined && identity !== undefined) {
    throw new CmdletError(400, BINDING, 'Parameter set cannot be resolved using the specified named parameters.');
  }
  let found: { mailbox: MailboxRecord; device: MobileDeviceRecord }[];
  if (identity !== undefined) found = [findDevice(call, identity)];
  else if (mailboxId !== undefined) {
    const mailbox = call.findMailbox(mailboxId);
    found = mailbox.mobileDevices.map((device) => ({ mailbox, device }));
  } else found = [...call.tenant.mailboxes.values()].flatMap((mailbox) => mailbox.mobileDevices.map((device) => ({ mailbox, device })));
  const user = found[0] ? ownerOf(call, found[0].mailbox) : mailboxId;
  const common = (m: MailboxRecord, d: MobileDeviceRecord) => ({
    Identity: deviceIdentity(m, d),
    Guid: d.guid,
    DeviceId: d.deviceId,
    DeviceType: d.deviceType,
    DeviceModel: d.deviceModel,
    DeviceOS: d.deviceOS,
  });
  if (cmdlet === 'Get-MobileDevice') {
    return {
      user,
      warnings: [],
      verbose: [],
      value: found.map(({ mailbox: m, device: d }) => ({
        ...common(m, d),
        FriendlyName: d.friendlyName,
        ClientType: d.deviceType === 'Outlook' ? 'Outlook' : 'EAS',
        DeviceAccessState: 'Allowed',
        FirstSyncTime: d.firstSyncTime,
        UserDisplayName: m.name,
      })),
    };
  }
  return {
    user,
    warnings: [],
    verbose: [],
    value: found.map(({ mailbox: m, device: d }) => ({
      ...common(m, d),
      DeviceFriendlyName: d.friendlyName,
      Status: d.accountOnlyDeviceWipeAckTime ? 'AccountOnlyDeviceWipeSucceeded' : d.accountOnlyDeviceWipeRequestTime ? 'AccountOnlyDeviceWipePending' : d.deviceWipeRequestTime ? 'DeviceWipePending' : 'DeviceOk',
      IsRemoteWipeSupported: true,
      DeviceWipeRequestTime: d.deviceWipeRequestTime,
      DeviceWipeSentTime: null,
      DeviceWipeAckTime: d.deviceWipeAckTime,
      AccountOnlyDeviceWipeRequestTime: d.accountOnlyDeviceWipeRequestTime,
      AccountOnlyDeviceWipeSentTime: null,
      AccountOnlyDeviceWipeAckTime: d.accountOnlyDeviceWipeAckTime,
      LastAccountOnlyDeviceWipeRequestor: d.lastAccountOnlyDeviceWipeRequestor,
    })),
  };
}

/**
 * Clear-MobileDevice (https://learn.microsoft.com/powershell/module/exchangepowershell/clear-mobiledevice): "-AccountOnly
 * … only Exchange mailbox data is removed from the device"; "You don't need to use this switch for the DeviceType value
 * Outlook, because an account-only remote device wipe is the only type of wipe that's used on Outlook devices";
 * "-Cancel … a cancellation request for a pending remote device wipe". The wipe is pending until the device next
 * syncs: the request time is set, the acknowledgement stays empty. It returns no output.
 */
function clearDevice(p: Parameters, call: ItemCall): ItemResult {
  const { mailbox, device } = findDevice(call, p.required('Identity'));
  const at = call.now.toISOString();
  if (p.boolean('Cancel') === true) {
    device.accountOnlyDeviceWipeRequestTime = device.accountOnlyDeviceWipeAckTime ? device.accountOnlyDeviceWipeRequestTime : null;
    device.deviceWipeRequestTime = device.deviceWipeAckTime ? device.deviceWipeRequestTime : null;
  } else if (p.boolean('AccountOnly') === true || device.deviceType === 'Outlook') {
    device.accountOnlyDeviceWipeRequestTime = at;
    device.lastAccountOnlyDeviceWipeRequestor = call.appId;
  } else {
    device.deviceWipeRequestTime = at;
  }
  return { user: ownerOf(call, mailbox), value: [], warnings: [], verbose: [] };
}

const smtp = (address: string): string => `"${address}" [SMTP:${address}]`;

/** Get-InboxRule (https://learn.microsoft.com/powershell/module/exchangepowershell/get-inboxrule), actions as New-InboxRule names them. */
function ruleObject(m: MailboxRecord, r: InboxRuleRecord): Record<string, unknown> {
  return {
    Identity: `${m.alias}\\${r.ruleIdentity}`,
    RuleIdentity: r.ruleIdentity,
    Name: r.name,
    MailboxOwnerId: m.name,
    Enabled: r.enabled,
    Priority: r.priority,
    From: r.from.map(smtp),
    SubjectContainsWords: r.subjectContainsWords,
    ForwardTo: r.forwardTo.map(smtp),
    ForwardAsAttachmentTo: r.forwardAsAttachmentTo.map(smtp),
    RedirectTo: r.redirectTo.map(smtp),
    SendTextMessageNotificationTo: r.sendTextMessageNotificationTo,
    DeleteMessage: r.deleteMessage,
    SoftDeleteMessage: r.softDeleteMessage,
    MoveToFolder: r.moveToFolder,
    MarkAsRead: r.markAsRead,
    StopProcessingRules: false,
  };
}

/** An app has no mailbox of its own: without -Mailbox there is nothing to read the rules of. */
function ruleMailbox(p: Parameters, call: ItemCall): MailboxRecord {
  const mailbox = p.string('Mailbox');
  if (mailbox === undefined) throw new CmdletError(400, TASK, 'The Mailbox parameter is required when the cmdlet runs as an application.');
  return call.findMailbox(mailbox);
}

/** -Identity: "Name; RuleIdentity property; Exchange Online: MailboxAlias\RuleIdentity" (Get-InboxRule reference). */
function findRule(call: ItemCall, m: MailboxRecord, identity: string): InboxRuleRecord {
  const wanted = identity.trim();
  const byId = m.inboxRules.find((r) => r.ruleIdentity === wanted || `${m.alias}\\${r.ruleIdentity}`.toLowerCase() === wanted.toLowerCase());
  if (byId) return byId;
  const byName = m.inboxRules.filter((r) => r.name === wanted);
  if (byName.length > 1) {
    throw new CmdletError(400, 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException', `The operation couldn't be performed because '${identity}' matches multiple entries.`);
  }
  if (byName.length === 0) throw call.notFound(identity);
  return byName[0];
}

function getRules(p: Parameters, call: ItemCall): ItemResult {
  const m = ruleMailbox(p, call);
  const identity = p.string('Identity');
  const rules = identity === undefined ? m.inboxRules : [findRule(call, m, identity)];
  return { user: ownerOf(call, m), value: rules.map((r) => ruleObject(m, r)), warnings: [], verbose: [] };
}

/** Remove-InboxRule (https://learn.microsoft.com/powershell/module/exchangepowershell/remove-inboxrule): -Mailbox, -Identity; no output. */
function removeRule(p: Parameters, call: ItemCall): ItemResult {
  const m = ruleMailbox(p, call);
  const rule = findRule(call, m, p.required('Identity'));
  m.inboxRules.splice(m.inboxRules.indexOf(rule), 1);
  return { user: ownerOf(call, m), value: [], warnings: [], verbose: [] };
}

/** "The maximum window that's allowed for meeting cancellation is 1825 days (5 years)" (-QueryWindowInDays). */
const MAX_WINDOW_DAYS = 1825;

/**
 * Remove-CalendarEvents (https://learn.microsoft.com/powershell/module/exchangepowershell/remove-calendarevents): cancels
 * the meetings the mailbox organises "and the meeting has one or more attendees or resources" (never appointments)
 * from -QueryStartDate (default today) for -QueryWindowInDays; "If an instance of a recurring meeting occurs during the
 * specified time period, the entire series is cancelled"; only with -CancelOrganizedMeetings. "-PreviewOnly … without
 * actually cancelling any meetings. You use this switch with the Verbose switch": what would be cancelled is written to
 * the verbose stream, and "The output of this cmdlet always says any existing meetings are queued for cancellation".
 * "Because meeting cancellations must be sent out, the mailbox must still be enabled to send mail": a shared mailbox,
 * or a user mailbox whose user holds no licence, is refused (the wording of that refusal is the stand-in's own).
 */
function removeCalendarEvents(p: Parameters, call: ItemCall): ItemResult {
  const m = call.findMailbox(p.required('Identity'));
  const user = ownerOf(call, m);
  const windowText = p.required('QueryWindowInDays');
  const window = Number(windowText);
  if (!Number.isInteger(window)) {
    throw new CmdletError(400, BINDING, `Cannot bind parameter 'QueryWindowInDays'. Cannot convert value "${windowText}" to type "System.Int32".`);
  }
  if (window < 1 || window > MAX_WINDOW_DAYS) {
    throw new CmdletError(400, TASK, `The value of QueryWindowInDays must be between 1 and ${MAX_WINDOW_DAYS} days (5 years).`);
  }
  const owner = call.tenant.userById(m.userId);
  if (m.recipientTypeDetails !== 'UserMailbox' || !owner || call.tenant.assignedSkus(owner).length === 0) {
    throw new CmdletError(400, TASK, `The mailbox '${m.name}' can't send mail, so the meeting cancellations can't be sent. The mailbox must still be enabled to send mail.`);
  }
  const startText = p.string('QueryStartDate');
  const from = startText === undefined ? new Date(Date.UTC(call.now.getUTCFullYear(), call.now.getUTCMonth(), call.now.getUTCDate())) : new Date(startText);
  if (Number.isNaN(from.getTime())) {
    throw new CmdletError(400, BINDING, `Cannot bind parameter 'QueryStartDate'. Cannot convert value "${startText}" to type "Microsoft.Exchange.ExchangeSystem.ExDateTime".`);
  }
  const to = from.getTime() + window * DAY_MS;
  const due = m.meetings.filter((meeting) => {
    const first = Date.parse(meeting.start);
    const last = meeting.seriesEnd === null ? first : Date.parse(meeting.seriesEnd);
    return !meeting.cancelled && meeting.attendees.length > 0 && first <= to && last >= from.getTime();
  });
  if (p.boolean('CancelOrganizedMeetings') !== true) return { user, value: [], warnings: [], verbose: [] };
  const verbose = due.map((meeting) => `The meeting '${meeting.subject}' starting ${meeting.start} has been queued for cancellation.`);
  if (p.boolean('PreviewOnly') !== true) for (const meeting of due) meeting.cancelled = true;
  return { user, value: [], warnings: [], verbose };
}
