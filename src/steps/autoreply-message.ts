// The auto-reply's text: the `autoreply-message` template filled in for one leaver, and messages compared as Exchange stores them.

/** The placeholders `autoreply-message` may name; any other `{name}` is an input error. */
export const PLACEHOLDERS = ['displayName', 'delegateName', 'delegateMail', 'effectiveDate'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;
const DELEGATE_PLACEHOLDERS: readonly Placeholder[] = ['delegateName', 'delegateMail'];

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** The `{name}`s of a template that are not placeholders, once each. */
export function unknownPlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]).filter((name) => !isPlaceholder(name)))];
}

/** Whether the template names the delegate: without one, such a message cannot be written. */
export function namesDelegate(template: string): boolean {
  return [...template.matchAll(PLACEHOLDER)].some((match) => (DELEGATE_PLACEHOLDERS as readonly string[]).includes(match[1]));
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A value as HTML text: Exchange treats the auto-reply as HTML, so a name with markup must arrive as its characters. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

/**
 * The template with every placeholder replaced by its value, HTML-escaped, in one pass over the template: a value that
 * itself contains `{delegateMail}` stays as written. The template is HTML as the administrator wrote it.
 */
export function renderMessage(template: string, values: Readonly<Record<Placeholder, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (isPlaceholder(name) ? escapeHtml(values[name]) : whole));
}

// Exchange wraps a message in <html><body>…</body></html> ("HTML tags are automatically added to the text",
// https://learn.microsoft.com/powershell/module/exchange/set-mailboxautoreplyconfiguration), and messages written in
// Outlook come back with a <head> and CRLF line ends.
const DOCUMENT = /^\s*<html\b[^>]*>\s*(?:<head\b[^>]*>[\s\S]*?<\/head>\s*)?<body\b[^>]*>([\s\S]*?)<\/body>\s*<\/html>\s*$/i;

/**
 * A message as it reads, whatever wrapper Exchange put around it: the body of the HTML document (or the text as it is),
 * line ends as LF, without the blank at either end. Both sides of every comparison go through it: the message the
 * step writes and the one Exchange returns. Null (no message) reads as empty.
 */
export function messageBody(message: string | null | undefined): string {
  const text = (message ?? '').replace(/\r\n?/g, '\n');
  return (DOCUMENT.exec(text)?.[1] ?? text).trim();
}
