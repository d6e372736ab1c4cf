// `notify: delegate`: after the users finished, one mail per delegate through Graph sendMail, each on record.
import pLimit from 'p-limit';
import type { GraphApi, GraphCallError } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import type { NotificationRecord, Person, UserResult } from '../model.js';
import { collectDigests, type Digest } from './digest.js';
import { digestMail } from './mail.js';

/**
 * Outlook serves at most 4 concurrent requests per app and mailbox, and every mail goes out of the one `notify-from`
 * mailbox (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits); a 429 beyond that is retried
 * by the Graph connector after its Retry-After.
 */
const MAILBOX_CONCURRENCY = 4;

export interface NotifyOptions {
  inputs: Pick<Inputs, 'mode' | 'notify' | 'notifyFrom'>;
  /** The people the engine ran, in the order of `users`. */
  people: readonly Person[];
  users: readonly UserResult[];
  graph?: GraphApi;
  /** A failed send: a warning, never a failed user. */
  warn: (message: string) => void;
}

export interface Notified {
  records: NotificationRecord[];
  /** One line per mail for the job summary. */
  lines: string[];
}

const names = (digest: Digest): string[] => digest.handovers.map((h) => h.user);

function errorOf(error: unknown): NotificationRecord['error'] {
  const e = error as Partial<GraphCallError>;
  return { message: error instanceof Error ? error.message : String(error), code: e.code, requestId: e.requestId };
}

async function send(graph: GraphApi | undefined, from: string, digest: Digest): Promise<NotificationRecord> {
  const record: NotificationRecord = { to: digest.to, users: names(digest), status: 'sent' };
  try {
    if (!graph) throw new Error('Microsoft Graph is not connected');
    await graph.call({ method: 'POST', path: '/users/{id}/sendMail', params: { id: from }, body: digestMail(digest) });
    return record;
  } catch (error) {
    return { ...record, status: 'failed', error: errorOf(error) };
  }
}

/** Plans or sends the mails; undefined when the run does not notify. */
export async function notifyDelegates(options: NotifyOptions): Promise<Notified | undefined> {
  const { inputs, people, users } = options;
  if (inputs.notify !== 'delegate' || !inputs.notifyFrom) return undefined;
  const from = inputs.notifyFrom;
  if (inputs.mode === 'plan') {
    const digests = collectDigests(people, users, 'planned');
    return {
      records: digests.map((digest) => ({ to: digest.to, users: names(digest), status: 'planned' })),
      lines: digests.map((digest) => `Notification: would mail ${digest.to} about ${names(digest).join(', ')}.`),
    };
  }
  const limit = pLimit(MAILBOX_CONCURRENCY);
  const records = await Promise.all(collectDigests(people, users, 'done').map((digest) => limit(() => send(options.graph, from, digest))));
  const lines = records.map((record) => {
    if (record.status === 'sent') return `Notification: mailed ${record.to} about ${record.users.join(', ')}.`;
    const line = `Notification to ${record.to} about ${record.users.join(', ')} failed: ${record.error?.message ?? 'no detail'}`;
    options.warn(line);
    return line;
  });
  return { records, lines };
}
