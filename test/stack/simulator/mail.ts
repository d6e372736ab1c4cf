// Outlook mail through Graph: sendMail (saving the message in the recipients' and the sender's mailboxes), listing a
// mailbox's messages, the application access policy that scopes an app to some mailboxes, and Outlook's throttling.
import type { SimEnv } from './env.js';
import type { GraphKit } from './graph-roles.js';
import type { Caller, GraphCall, GraphResult } from './graph-types.js';
import { isoSeconds, newGuid } from './ids.js';
import { isObject } from './jwt.js';
import type { Tenant, UserRecord } from './tenant.js';
import type { SimMessageState } from './types.js';

// https://learn.microsoft.com/graph/api/user-sendmail: application permission Mail.Send, nothing higher.
const SEND = ['Mail.Send'];
// https://learn.microsoft.com/graph/api/user-list-messages: Mail.ReadBasic.All, Mail.Read, Mail.ReadWrite.
const READ = ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'];

/**
 * Outlook service limits per app and mailbox (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits):
 * 4 concurrent requests, 10,000 requests in 10 minutes. Graph answers 429 with Retry-After. Requests here run one after
 * another, so the concurrency is what arrives together: the items of one $batch for the same mailbox (Graph hands a
 * batch's items to Outlook at once; https://learn.microsoft.com/answers/questions/1660054 shows the answer).
 */
const OUTLOOK_CONCURRENCY = 4;
const OUTLOOK_WINDOW_MS = 10 * 60 * 1000;
const OUTLOOK_WINDOW_REQUESTS = 10_000;
const OUTLOOK_RETRY_AFTER_SECONDS = 1;

/** The ops Outlook serves, keyed by the mailbox they address. */
export const OUTLOOK_OPS = new Set(['graph.post.sendMail', 'graph.list.messages']);

/** Requests per app and mailbox in the last 10 minutes, per simulator. */
const windows = new WeakMap<SimEnv, Map<string, number[]>>();

/** 429 from Outlook's limits, or undefined when the request may run; counts it either way. */
export function outlookThrottle(kit: GraphKit, env: SimEnv, call: GraphCall, caller: Caller, mailbox: string, concurrent: number): GraphResult | undefined {
  const key = `${caller.appId.toLowerCase()}|${mailbox.toLowerCase()}`;
  const byKey = windows.get(env) ?? new Map<string, number[]>();
  windows.set(env, byKey);
  const now = Date.now();
  const recent = (byKey.get(key) ?? []).filter((at) => now - at < OUTLOOK_WINDOW_MS);
  byKey.set(key, recent);
  const retry = { 'Retry-After': String(OUTLOOK_RETRY_AFTER_SECONDS) };
  if (concurrent > OUTLOOK_CONCURRENCY) return { ...kit.graphError(call, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.'), headers: retry };
  if (recent.length >= OUTLOOK_WINDOW_REQUESTS) return { ...kit.graphError(call, 429, 'TooManyRequests', 'Too many requests. Please retry after the number of seconds in the Retry-After header.'), headers: retry };
  recent.push(now);
  return undefined;
}

/**
 * An application access policy (New-ApplicationAccessPolicy -AccessRight RestrictAccess,
 * https://learn.microsoft.com/powershell/module/exchange/new-applicationaccesspolicy) limits an app's Graph mail access
 * to some mailboxes; others answer 403 ErrorAccessDenied, as Exchange does for a blocked app.
 */
function outsidePolicy(env: SimEnv, caller: Caller, user: UserRecord): boolean {
  const scope = env.app(caller.appId)?.mailboxScope;
  if (!scope) return false;
  const names = [user.userPrincipalName, user.mail].filter((n): n is string => Boolean(n)).map((n) => n.toLowerCase());
  return !scope.some((s) => names.includes(s.toLowerCase()));
}

const accessDenied = (kit: GraphKit, call: GraphCall): GraphResult => kit.graphError(call, 403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');

/** A user's mailbox, or the answer Graph gives for a user without one. */
function mailboxOf(kit: GraphKit, tenant: Tenant, call: GraphCall, user: UserRecord | undefined, id: string): { user: UserRecord } | { result: GraphResult } {
  if (!user) return { result: kit.graphError(call, 404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`) };
  if (!tenant.mailboxes.has(user.id)) return { result: { ...kit.graphError(call, 404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'), user: user.userPrincipalName } };
  return { user };
}

const address = (value: unknown): string | undefined =>
  isObject(value) && isObject(value.emailAddress) && typeof value.emailAddress.address === 'string' ? value.emailAddress.address : undefined;

/** POST /users/{id}/sendMail: 202 Accepted without a body; the message lands in each recipient's Inbox and, unless saveToSentItems is false, in the sender's Sent Items. */
export function sendMail(kit: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, caller: Caller, user: UserRecord | undefined, id: string): GraphResult {
  if (!kit.has(caller, SEND)) return accessDenied(kit, call);
  const found = mailboxOf(kit, tenant, call, user, id);
  if ('result' in found) return found.result;
  const sender = found.user;
  const who = sender.userPrincipalName;
  if (outsidePolicy(env, caller, sender)) {
    return { ...kit.graphError(call, 403, 'ErrorAccessDenied', 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.'), user: who };
  }
  const body = call.body;
  const message = isObject(body) ? body.message : undefined;
  if (!isObject(message)) return { ...kit.graphError(call, 400, 'ErrorInvalidRequest', "The 'message' parameter is missing."), user: who };
  const recipients = [message.toRecipients, message.ccRecipients, message.bccRecipients].flatMap((list) => (Array.isArray(list) ? list.map(address) : []));
  if (recipients.length === 0 || recipients.some((r) => r === undefined)) {
    return { ...kit.graphError(call, 400, 'ErrorInvalidRecipients', 'At least one recipient is not valid.'), user: who };
  }
  const content = isObject(message.body) ? message.body : {};
  const saved = (folder: SimMessageState['folder']): SimMessageState => ({
    id: newGuid(),
    folder,
    subject: typeof message.subject === 'string' ? message.subject : '',
    from: sender.mail ?? sender.userPrincipalName,
    toRecipients: recipients as string[],
    contentType: typeof content.contentType === 'string' && content.contentType.toLowerCase() === 'html' ? 'html' : 'text',
    content: typeof content.content === 'string' ? content.content : '',
    sentDateTime: isoSeconds(),
  });
  for (const recipient of recipients as string[]) {
    const target = tenant.findUser(recipient) ?? [...tenant.users.values()].find((u) => u.mail?.toLowerCase() === recipient.toLowerCase());
    const box = target ? tenant.mailboxes.get(target.id) : undefined;
    // Mail to an address outside the tenant leaves it: nothing to keep here.
    if (box) box.messages.push(saved('inbox'));
  }
  if (body !== undefined && isObject(body) && body.saveToSentItems !== false && body.saveToSentItems !== 'false') {
    tenant.mailboxes.get(sender.id)?.messages.push(saved('sentitems'));
  }
  return { status: 202, user: who };
}

/** GET /users/{id}/messages: the mailbox's messages, newest first. */
export function listMessages(kit: GraphKit, env: SimEnv, tenant: Tenant, call: GraphCall, caller: Caller, user: UserRecord | undefined, id: string): GraphResult {
  if (!kit.has(caller, READ)) return accessDenied(kit, call);
  const found = mailboxOf(kit, tenant, call, user, id);
  if ('result' in found) return found.result;
  if (outsidePolicy(env, caller, found.user)) return { ...accessDenied(kit, call), user: found.user.userPrincipalName };
  const messages = [...(tenant.mailboxes.get(found.user.id)?.messages ?? [])].reverse().map((m) => ({
    id: m.id,
    subject: m.subject,
    sentDateTime: m.sentDateTime,
    body: { contentType: m.contentType, content: m.content },
    from: { emailAddress: { address: m.from } },
    toRecipients: m.toRecipients.map((a) => ({ emailAddress: { address: a } })),
  }));
  return { ...kit.page(env, call, `users('${found.user.id}')/messages`, messages, `users('${found.user.id}')/messages`), user: found.user.userPrincipalName };
}
