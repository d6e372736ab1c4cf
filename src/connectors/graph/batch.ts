// The $batch queue: calls made together share $batch bodies of up to 20, and an item answered 429/503/504 goes back in the queue.
// Hand-written on purpose: the Graph client retries a whole $batch, but it cannot retry one item inside a batch.
import pLimit from 'p-limit';
import { z } from 'zod';
import type { BatchRequestItem, PostBatch } from './client.js';
import { errorFrom, malformedError, noAnswerError, RETRYABLE, type CallName } from './errors.js';
import { header, responseHeaders, retryDelaySeconds, type Headers } from './headers.js';

/** Graph's limit of requests in one $batch body. */
const MAX_BATCH = 20;

/** One call as it goes into a $batch body. */
export interface BatchItem extends CallName {
  body?: unknown;
  headers?: Record<string, string>;
}

export interface BatchQueueOptions {
  post: PostBatch;
  /** Signs in before a batch is sent, so that a sign-in error reaches every call as it is (the client would rewrap it). */
  signIn: () => Promise<unknown>;
  /** Retries of an item answered 429/503/504. */
  maxRetries: number;
  /** Longest Retry-After honoured, in seconds; longer waits are cut to it. */
  maxRetryAfterSeconds: number;
  /** How long a partly filled $batch waits for more requests after the first one, in ms. */
  batchDelayMs: number;
  /** $batch requests on the wire at once. */
  maxConcurrentBatches: number;
  /** For the message of a call that got no answer. */
  requestTimeoutMs: number;
  graphEndpoint: string;
  /** Called with the number of calls in each $batch sent. */
  onBatched: (calls: number) => void;
}

interface Pending {
  item: BatchItem;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  attempts: number;
  malformed: number;
}

// The envelope of a $batch answer; an item without an id or a numeric status counts as missing from it.
const batchAnswer = z.object({ responses: z.array(z.unknown()) });
const batchItemAnswer = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  status: z.number(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

/** A queue that sends each call in a $batch and settles it with its own answer (the parsed JSON body). */
export function createBatchQueue(options: BatchQueueOptions): (item: BatchItem) => Promise<unknown> {
  const limit = pLimit(options.maxConcurrentBatches);
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    while (queue.length >= MAX_BATCH) {
      const items = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      void limit(() => sendBatch(items));
    }
    if (queue.length === 0 && timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    // A window that opens with the first request queued and is not pushed back by later ones: calls that trickle in
    // (at the pace of LDAP writes or PowerShell sessions) still share a batch, and none waits longer than the window.
    if (queue.length > 0 && !timer) {
      timer = setTimeout(() => {
        timer = undefined;
        const items = queue;
        queue = [];
        if (items.length > 0) void limit(() => sendBatch(items));
      }, options.batchDelayMs);
    }
  };

  const enqueue = (pending: Pending): void => {
    queue.push(pending);
    schedule();
  };

  const onMalformed = (pending: Pending, status: number, requestId: string | undefined, detail: string): void => {
    if (pending.malformed < 1) {
      pending.malformed++;
      enqueue(pending);
      return;
    }
    pending.reject(malformedError(pending.item, status, requestId, detail));
  };

  const settleItem = (pending: Pending, status: number, headers: Headers | undefined, rawBody: unknown): void => {
    let body = rawBody;
    const contentType = header(headers, 'content-type') ?? '';
    if (typeof body === 'string' && (contentType.includes('json') || contentType === '')) {
      if (body === '') body = undefined;
      else {
        try {
          body = JSON.parse(body);
        } catch {
          if ((status >= 200 && status < 300) || contentType.includes('json')) {
            onMalformed(pending, status, header(headers, 'request-id'), `status ${status}`);
            return;
          }
        }
      }
    }
    if (status >= 200 && status < 300) {
      pending.resolve(body);
      return;
    }
    if (RETRYABLE.has(status) && pending.attempts < options.maxRetries) {
      pending.attempts++;
      const seconds = retryDelaySeconds(headers, pending.attempts, options.maxRetryAfterSeconds);
      setTimeout(() => enqueue(pending), seconds * 1000);
      return;
    }
    pending.reject(errorFrom(status, headers, body, pending.item));
  };

  async function sendBatch(items: Pending[]): Promise<void> {
    options.onBatched(items.length);
    const requests: BatchRequestItem[] = items.map((pending, index) => {
      const { method, url, body, headers } = pending.item;
      return {
        id: String(index + 1),
        method,
        url,
        ...(body === undefined ? (headers ? { headers } : {}) : { body, headers: { 'Content-Type': 'application/json', ...headers } }),
      };
    });
    try {
      await options.signIn();
    } catch (error) {
      for (const pending of items) pending.reject(error);
      return;
    }
    let response: Response;
    try {
      response = await options.post(requests);
    } catch (error) {
      const context = { timeoutMs: options.requestTimeoutMs, graphEndpoint: options.graphEndpoint };
      for (const pending of items) pending.reject(noAnswerError(pending.item, error, context));
      return;
    }
    const headers = responseHeaders(response);
    const requestId = header(headers, 'request-id');
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      for (const pending of items) onMalformed(pending, response.status, requestId, String(error));
      return;
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (response.ok) {
        for (const pending of items) onMalformed(pending, response.status, requestId, 'the $batch answer');
        return;
      }
      parsed = text;
    }
    if (!response.ok) {
      // The client's RetryHandler has already retried a throttled $batch: every item fails with the envelope's error.
      for (const pending of items) pending.reject(errorFrom(response.status, headers, parsed, pending.item));
      return;
    }
    const envelope = batchAnswer.safeParse(parsed);
    if (!envelope.success) {
      for (const pending of items) onMalformed(pending, response.status, requestId, 'no responses array');
      return;
    }
    const byId = new Map<string, z.infer<typeof batchItemAnswer>>();
    for (const entry of envelope.data.responses) {
      const answer = batchItemAnswer.safeParse(entry);
      if (answer.success) byId.set(answer.data.id, answer.data);
    }
    items.forEach((pending, index) => {
      const answer = byId.get(String(index + 1));
      if (!answer) {
        onMalformed(pending, response.status, requestId, 'an answer missing from the $batch');
        return;
      }
      settleItem(pending, answer.status, answer.headers, answer.body);
    });
  }

  return (item) =>
    new Promise<unknown>((resolve, reject) => {
      enqueue({ item, resolve, reject, attempts: 0, malformed: 0 });
    });
}
