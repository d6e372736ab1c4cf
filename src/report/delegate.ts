// How a requested delegate reads in the job summary, the plan comment and the annotations: asked for, used, and the manager.
import type { Delegate } from '../model.js';

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * One line for a delegate the row asked for, never hiding who was asked for: `csv: mallory@… (manager: boss@…)`,
 * `csv: x@… not found — using ad-manager: boss@…`. Plain text: the caller masks (summary: redacted) and escapes
 * it. Undefined when the row asked for nobody.
 */
export function describeRequestedDelegate(delegate: Delegate): string | undefined {
  const { requested } = delegate;
  if (!requested) return undefined;
  const manager = delegate.override ? ` (manager: ${delegate.manager?.userPrincipalName ? delegate.manager.userPrincipalName : 'none found'})` : '';
  const used = delegate.userPrincipalName ? `${delegate.source}: ${delegate.userPrincipalName}${manager}` : undefined;
  if (used && !delegate.requestedIssue) {
    // Asked for by mail (or an on-premises UPN), used under the cloud UPN: both names are shown.
    const account = same(requested, delegate.userPrincipalName) ? '' : ` → ${delegate.userPrincipalName}`;
    return `csv: ${requested}${account}${manager}`;
  }
  const asked = `csv: ${requested} ${delegate.requestedIssue ?? 'is not used'}`;
  if (used) return `${asked} — using ${used}`;
  // Without a directory nothing was looked up: who would be used is not known.
  return delegate.manager ? `${asked} — no delegate` : asked;
}

/** The warning for a row whose delegate needs a reviewer's eye: an override, or a requested delegate not used. */
export function requestedDelegateWarning(delegate: Delegate): string | undefined {
  const text = describeRequestedDelegate(delegate);
  if (!text) return undefined;
  if (delegate.override) {
    return `Delegate override: ${text}. The row's delegate receives the mailbox and OneDrive instead of the manager; make sure that is intended.`;
  }
  if (delegate.requestedIssue) return `The row's delegate is not used: ${text}.`;
  return undefined;
}
