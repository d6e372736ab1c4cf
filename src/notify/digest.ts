// Who receives a notification mail and about whom: the leavers whose mailbox or OneDrive went to a delegate in this run.
import type { Person, StepResult, UserResult } from '../model.js';

/** One leaver as a delegate's mail lists them: only what was handed over in this run. */
export interface Handover {
  /** The leaver's UPN (or the identity the report shows), as the results file names them. */
  user: string;
  displayName?: string;
  /** The mailbox the delegate received Full Access to. */
  mailbox?: string;
  /** The OneDrive site the delegate became an administrator of, as recorded by onedrive-access. */
  oneDrive?: string;
}

/** The handovers to one delegate, in the order of the rows. */
export interface Digest {
  to: string;
  handovers: Handover[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * A grant that became `done` (apply) or is `planned` (plan) in this run, with the delegate it went to: the recorded
 * one, else the user's. An `unchanged` grant is old news and mails no one.
 */
function granted(step: StepResult | undefined, status: 'done' | 'planned', field: 'delegate' | 'added', fallback: string | undefined): string | undefined {
  if (step?.status !== status) return undefined;
  return text(step.after?.[field]) ?? fallback;
}

/** One digest per delegate (case-insensitive), in the order the delegates first appear. */
export function collectDigests(people: readonly Person[], users: readonly UserResult[], status: 'done' | 'planned'): Digest[] {
  const digests = new Map<string, Digest>();
  const add = (to: string, handover: Handover): void => {
    const key = to.toLowerCase();
    const digest = digests.get(key) ?? { to, handovers: [] };
    digests.set(key, digest);
    const known = digest.handovers.find((h) => h.user === handover.user);
    if (known) Object.assign(known, { mailbox: known.mailbox ?? handover.mailbox, oneDrive: known.oneDrive ?? handover.oneDrive });
    else digest.handovers.push(handover);
  };
  users.forEach((user, index) => {
    const person: Person | undefined = people[index];
    const fallback = user.delegate?.userPrincipalName;
    const label = user.entra?.userPrincipalName ?? person?.entra?.userPrincipalName ?? person?.request.identity.userPrincipalName ?? text(user.request.userPrincipalName) ?? '(no identity)';
    const displayName = person?.entra?.displayName ?? person?.ad?.displayName;
    const mailboxStep = user.steps.find((s) => s.step === 'mailbox-access');
    const oneDriveStep = user.steps.find((s) => s.step === 'onedrive-access');
    const mailboxTo = granted(mailboxStep, status, 'delegate', fallback);
    const oneDriveTo = granted(oneDriveStep, status, 'added', fallback);
    if (mailboxTo) add(mailboxTo, { user: label, displayName, mailbox: text(mailboxStep?.after?.mailbox) ?? label });
    if (oneDriveTo) add(oneDriveTo, { user: label, displayName, oneDrive: text(oneDriveStep?.after?.site) });
  });
  return [...digests.values()];
}
