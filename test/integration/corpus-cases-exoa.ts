// Corpus cases for mobile-wipe, inbox-rules and cancel-meetings: device names with markup, rules named like injections, meetings with script in the subject; only the leaver's items change.
import { escapeCell } from '../../src/report/summary.js';
import { SKU_E3, type Fixture } from '../stack/fixture.js';
import type { SimState } from '../stack/simulator/types.js';
import type { CorpusCase } from './corpus-cases.js';

const STEPS = 'mobile-wipe, inbox-rules, cancel-meetings';

const MARKUP_DEVICE = '<img src=x onerror=alert(1)> phone';
const QUOTED_DEVICE = 'iPhone"; Remove-MobileDevice -Identity * -Confirm:$false; "';
const INJECTION_RULE = "'; Remove-InboxRule -Mailbox ceo@contoso.test -Identity * -Confirm:$false; '";
const SUBEXPRESSION_RULE = '$(Remove-Mailbox ceo@contoso.test) `whoami` @{Identity=\'ceo\'}';
const SCRIPT_MEETING = '<script>alert(1)</script> | Project sync';

/** The leaver with hostile item names, and the CEO, whose own device, forwarding rule and meeting must stay as they are. */
export function addMailboxItemPeople(fixture: Fixture): void {
  fixture.people.push({
    key: 'itemsy',
    sam: 'itemsy',
    givenName: 'Ida',
    surname: 'Items',
    displayName: 'Ida Items',
    userPrincipalName: 'itemsy@contoso.test',
    mail: 'itemsy@contoso.test',
    employeeId: 'E9101',
    manager: 'cfo',
    cloud: {
      licenses: [SKU_E3],
      mailboxItems: {
        mobileDevices: [
          { friendlyName: MARKUP_DEVICE, deviceModel: 'Pixel 8', deviceType: 'Android' },
          { friendlyName: QUOTED_DEVICE, deviceModel: 'iPhone15,2', deviceType: 'iPhone' },
        ],
        inboxRules: [
          { name: INJECTION_RULE, forwardTo: ['ida.private@gmail.test'] },
          { name: SUBEXPRESSION_RULE, deleteMessage: true },
          // The same name as the CEO's rule: removing by name would be ambiguous across mailboxes, by identity it is not.
          { name: 'Everything to my gmail', redirectTo: ['ida.private@gmail.test'] },
          { name: 'File receipts', moveToFolder: 'Inbox\\Receipts' },
        ],
        meetings: [
          { subject: SCRIPT_MEETING, startInDays: 6, attendees: ['ceo@contoso.test', 'cfo@contoso.test'] },
          { subject: 'Focus time', startInDays: 6, attendees: [] },
        ],
      },
    },
  });
  const ceo = fixture.people.find((p) => p.key === 'ceo');
  if (!ceo?.cloud) throw new Error('the base fixture has no CEO in the cloud');
  ceo.cloud.mailboxItems = {
    mobileDevices: [{ friendlyName: 'CEO phone', deviceModel: 'iPhone16,1', deviceType: 'iPhone' }],
    inboxRules: [{ name: 'Everything to my gmail', forwardTo: ['amara@gmail.test'] }],
    meetings: [{ subject: 'Board meeting', startInDays: 6, attendees: ['itemsy@contoso.test'] }],
  };
}

/** What the steps do to a leaver's mailbox: the devices wiped account-only, the rules removed, the meetings cancelled. */
export interface MailboxItemsEffect {
  items: string;
  wiped: string[];
  rulesRemoved: string[];
  cancelled: string[];
}

/** Applies the effect to the expected state; `runTime` stands for a time the run wrote, `appId` is the stack app. */
export function applyMailboxItemsEffect(effect: MailboxItemsEffect, sim: SimState, runTime: symbol, appId: string): void {
  const user = sim.users.find((u) => u.key === effect.items);
  const mailbox = sim.mailboxes.find((m) => m.userId === user?.id);
  if (!mailbox) throw new Error(`no mailbox of ${effect.items} before the run`);
  for (const device of mailbox.mobileDevices.filter((d) => effect.wiped.includes(d.friendlyName))) {
    Object.assign(device, { accountOnlyDeviceWipeRequestTime: runTime, lastAccountOnlyDeviceWipeRequestor: appId });
  }
  mailbox.inboxRules = mailbox.inboxRules.filter((r) => !effect.rulesRemoved.includes(r.name));
  for (const meeting of mailbox.meetings.filter((m) => effect.cancelled.includes(m.subject))) meeting.cancelled = true;
}

export const MAILBOX_ITEM_CASES: CorpusCase[] = [
  {
    name: 'exchange items: devices with markup and quotes in their names are wiped, rules named like injections removed, a meeting with script in its subject cancelled; the CEO keeps hers',
    fixture: 'mailbox-items',
    csv: 'userPrincipalName\nitemsy@contoso.test\n',
    inputs: { steps: STEPS },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done', 'done', 'done'] }],
    effects: [
      {
        items: 'itemsy',
        wiped: [MARKUP_DEVICE, QUOTED_DEVICE],
        rulesRemoved: [INJECTION_RULE, SUBEXPRESSION_RULE, 'Everything to my gmail'],
        cancelled: [SCRIPT_MEETING],
      },
    ],
    summaryShows: [escapeCell(`2 devices: ${MARKUP_DEVICE}, ${QUOTED_DEVICE}`), escapeCell('1 meeting from -PreviewOnly')],
  },
  {
    name: 'exchange items: a plan shows the devices, rules and meetings by name, escaped, and changes nothing',
    fixture: 'mailbox-items',
    csv: 'userPrincipalName\nitemsy@contoso.test\n',
    inputs: { steps: STEPS, mode: 'plan' },
    exitCode: 0,
    users: [{ line: 2, status: 'planned', steps: ['planned', 'planned', 'planned'] }],
    summaryShows: [escapeCell(`3 rules: ${INJECTION_RULE}, ${SUBEXPRESSION_RULE}, Everything to my gmail`), escapeCell(`2 devices: ${MARKUP_DEVICE}`)],
  },
];
