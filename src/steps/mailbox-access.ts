// mailbox-access: the delegate gets FullAccess (inherited by all folders) on the leaver's mailbox.
import type { PsResult } from '../connectors/types.js';
import { CommandLog, psBoolean, psList } from './ps-commands.js';
import { defineStep } from './define.js';
import { hasMailbox, prepareMailboxes } from './mailbox-exists.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded, recordedStrings } from './reverse-record.js';

const CMDLETS = ['Get-EXOMailbox', 'Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission'] as const;

/**
 * Exchange's warning for a grant whose access control entry (trustee, allow or deny, inheritance) holds the rights
 * already: it changed nothing. It says nothing of the trustee's other entries (a Deny, another inheritance).
 */
const ALREADY_PRESENT = /access control entry is already present/i;

/** Whether the delegate holds what the step grants: an allow entry with FullAccess, inherited by all folders. */
async function hasFullAccess(commands: CommandLog<'Get-MailboxPermission'>, mailbox: string, delegate: string): Promise<boolean> {
  const { output } = await commands.invoke('Get-MailboxPermission', { Identity: mailbox, User: delegate }, { retry: 'read' });
  return output.some((entry) => {
    const ace = (entry ?? {}) as Record<string, unknown>;
    const inheritance = typeof ace.InheritanceType === 'string' ? ace.InheritanceType : 'All';
    return psList(ace.AccessRights).includes('FullAccess') && !psBoolean(ace.Deny) && inheritance.toLowerCase() === 'all';
  });
}

export const mailboxAccess = defineStep({
  name: 'mailbox-access',
  description: "gives the delegate `FullAccess` on the leaver's mailbox",
  byDefault: true,
  needs: ['entra', 'exchange'],
  permissions: {
    exchange: [['Exchange.ManageAsApp']],
    remarks: { exchange: '+ Exchange Recipient Administrator role' },
    reads: { exchange: [['Exchange.ManageAsApp']], remarks: { exchange: '+ View-Only Recipients role' } },
    notes: 'Exchange Online: Exchange.ManageAsApp (Office 365 Exchange Online API) and the Exchange Recipient Administrator role for the app.',
  },
  reversible: true,
  cmdlets: { exchange: CMDLETS },
  prepare({ people, connectors, shared }) {
    const { exchange } = connectors;
    if (!exchange) return;
    const upns = people.filter((p) => p.delegate.source !== 'none' && p.delegate.userPrincipalName).flatMap((p) => (p.entra ? [p.entra.userPrincipalName] : []));
    prepareMailboxes(exchange, upns, shared);
  },
  async observe({ person, connectors, inputs, shared }) {
    const user = person.entra;
    const exchange = connectors.exchange;
    const delegate = person.delegate.userPrincipalName;
    if (person.delegate.source === 'none' || !delegate) return { kind: 'skipped', reason: 'no delegate found' };

    const commands = new CommandLog(exchange, CMDLETS);
    const mailbox = user.userPrincipalName;
    if (!(await hasMailbox(shared, commands, mailbox))) return { kind: 'skipped', reason: 'no mailbox' };
    const grant = { mailbox, delegate, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: inputs.mailboxAutomapping };
    const present = { kind: 'unchanged', before: { mailbox, delegate, accessRights: ['FullAccess'] } } as const;
    const missing = { mailbox, delegate, accessRights: [] };
    const add = (retry: () => Promise<boolean>): Promise<PsResult> =>
      commands.invoke('Add-MailboxPermission', { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: inputs.mailboxAutomapping }, { retry });
    const verify = async () => expectState({ fullAccess: true }, { fullAccess: await hasFullAccess(commands, mailbox, delegate) });

    if (inputs.mode === 'plan') {
      if (await hasFullAccess(commands, mailbox, delegate)) return present;
      return {
        kind: 'change',
        before: missing,
        after: grant,
        async apply() {
          // A lost session may have granted it already: grant again only when it is still missing.
          await add(async () => !(await hasFullAccess(commands, mailbox, delegate)));
          return commands.outcome();
        },
        verify,
      };
    }
    // Applying, the grant itself tells whether the entry was there: Exchange warns when it is present already, so no
    // read goes before it, and the state before comes from the grant's answer. The grant is safe to send again after
    // a lost session: a second one only warns.
    return {
      kind: 'change',
      after: grant,
      async apply() {
        const result = await add(async () => true);
        const warned = result.warnings.some((warning) => ALREADY_PRESENT.test(warning));
        if (warned && !result.retried) return { unchanged: true, before: present.before };
        if (!warned) return { ...commands.outcome(), before: missing };
        // Sent again after a lost session, the warning may be about the first try's own entry: the state before is unknown.
        const reason = 'the session was lost during the grant, and the grant sent again found it in place: whether the delegate had FullAccess before the run is not known';
        return { ...commands.outcome(), before: { mailbox, delegate }, reason };
      },
      verify,
    };
  },
  // Only the grant of the record: a delegate who had FullAccess before the run was recorded `unchanged` and keeps it.
  async reverse({ connectors, inputs, record }) {
    const exchange = connectors.exchange;
    const [mailbox, delegate] = [record.before?.mailbox, record.before?.delegate];
    const [was, left] = [recordedStrings(record.before, 'accessRights'), recordedStrings(record.after, 'accessRights')];
    if (typeof mailbox === 'string' && typeof delegate === 'string' && !was && left) {
      const unknown = `the record does not know whether ${delegate} had FullAccess before the run (the grant was sent again after a lost session)`;
      return { kind: 'skipped', reason: `${unknown}: reverse it by hand if it was not there` };
    }
    if (typeof mailbox !== 'string' || typeof delegate !== 'string' || !was || !left) return notRecorded('mailbox grant');
    const commands = new CommandLog(exchange, CMDLETS);
    const wanted = was.includes('FullAccess');
    const full = await hasFullAccess(commands, mailbox, delegate);
    // The side of the record that holds the grant, with how it was made (inheritance, automapping).
    const grant = wanted ? record.before : record.after;
    const state = (granted: boolean) => (granted ? grant : { mailbox, delegate, accessRights: [] });
    if (full !== left.includes('FullAccess')) return changedSince(`FullAccess of ${delegate}`, full, left.includes('FullAccess'), wanted);
    const inheritance = typeof grant?.inheritanceType === 'string' ? grant.inheritanceType : 'All';
    return {
      kind: 'change',
      before: state(full),
      after: state(wanted),
      async apply() {
        const still = async () => (await hasFullAccess(commands, mailbox, delegate)) !== wanted;
        if (wanted) {
          const autoMapping = typeof grant?.autoMapping === 'boolean' ? grant.autoMapping : inputs.mailboxAutomapping;
          await commands.invoke('Add-MailboxPermission', { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: inheritance, AutoMapping: autoMapping }, { retry: still });
        } else {
          await commands.invoke('Remove-MailboxPermission', { Identity: mailbox, User: delegate, AccessRights: ['FullAccess'], InheritanceType: inheritance }, { retry: still });
        }
        return commands.outcome();
      },
      verify: async () => expectState({ fullAccess: wanted }, { fullAccess: await hasFullAccess(commands, mailbox, delegate) }),
    };
  },
});
