// What a fixture puts in a mailbox besides its permissions: mobile device partnerships, Inbox rules, meetings it organises.

interface FixtureMobileDevice {
  friendlyName: string;
  deviceModel: string;
  /** Exchange's DeviceType: `iPhone`, `Android`, `Outlook` (a REST device of Outlook mobile). */
  deviceType: string;
  deviceOS?: string;
  /** An account-only wipe was requested already (and, with `acknowledged`, the device confirmed it). */
  accountOnlyWipe?: 'requested' | 'acknowledged';
  /** A full device wipe was requested already. */
  deviceWipe?: 'requested';
}

interface FixtureInboxRule {
  name: string;
  enabled?: boolean;
  from?: string[];
  subjectContainsWords?: string[];
  forwardTo?: string[];
  forwardAsAttachmentTo?: string[];
  redirectTo?: string[];
  sendTextMessageNotificationTo?: string[];
  deleteMessage?: boolean;
  softDeleteMessage?: boolean;
  moveToFolder?: string;
  markAsRead?: boolean;
}

interface FixtureMeeting {
  subject: string;
  /** Days from the tenant's load to the (first) occurrence; negative for a meeting in the past. */
  startInDays: number;
  /** A recurring series: days from the load to its last occurrence. */
  seriesEndInDays?: number;
  /** Attendee and resource addresses; none makes it an appointment. */
  attendees: string[];
}

export interface FixtureMailboxItems {
  mobileDevices?: FixtureMobileDevice[];
  inboxRules?: FixtureInboxRule[];
  meetings?: FixtureMeeting[];
}
