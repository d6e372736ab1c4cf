// The notification mail as Graph's sendMail takes it: a subject and an HTML body in which every value is escaped text.
import type { Digest, Handover } from './digest.js';

/** Text as HTML text or attribute value: markup in a display name arrives as the characters typed. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.codePointAt(0)};`);
}

/** A link only to an https URL; anything else (javascript:, data:, a URL that does not parse) is shown as text. */
export function linkTo(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return escapeHtml(url);
  }
  if (parsed.protocol !== 'https:') return escapeHtml(url);
  return `<a href="${escapeHtml(parsed.href)}">${escapeHtml(url)}</a>`;
}

function item(handover: Handover): string {
  const name = handover.displayName ? `<strong>${escapeHtml(handover.displayName)}</strong> (${escapeHtml(handover.user)})` : `<strong>${escapeHtml(handover.user)}</strong>`;
  const lines = [name];
  if (handover.mailbox) lines.push(`Mailbox: ${escapeHtml(handover.mailbox)} (Full Access; open it in Outlook as an additional mailbox)`);
  if (handover.oneDrive) lines.push(`OneDrive: ${linkTo(handover.oneDrive)} (you are a site collection administrator)`);
  return `<li>${lines.join('<br>')}</li>`;
}

/** The sendMail request body (https://learn.microsoft.com/graph/api/user-sendmail): Sent Items keeps a copy, the default. */
export function digestMail(digest: Digest): { message: Record<string, unknown> } {
  const count = digest.handovers.length;
  const content = [
    '<html><body>',
    `<p>You now have access to what ${count === 1 ? 'a leaver' : `${count} leavers`} left behind:</p>`,
    `<ul>${digest.handovers.map(item).join('')}</ul>`,
    '<p>Please move what the team still needs. This mail was sent by the offboarding run that granted the access.</p>',
    '</body></html>',
  ].join('\n');
  return {
    message: {
      subject: count === 1 ? 'Offboarding: a leaver handed over to you' : `Offboarding: ${count} leavers handed over to you`,
      body: { contentType: 'HTML', content },
      toRecipients: [{ emailAddress: { address: digest.to } }],
    },
  };
}
