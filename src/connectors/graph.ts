// Microsoft Graph: calls are coalesced into $batch bodies, pages are followed, answers are checked against the shape the caller relies on.
import { z, type ZodType } from 'zod';
import type { EntraInputs } from '../inputs-types.js';
import { createTokenProvider, tokenRoles, type AppCertificate, type TokenProvider } from './auth.js';
import { CLOUDS, environmentFor, graphScope } from './clouds.js';
import { createBatchQueue } from './graph/batch.js';
import { createBatchClient } from './graph/client.js';
import { unexpectedShapeError, type CallName } from './graph/errors.js';
import { expandPath, relativeUrl } from './graph/odata.js';
import { createPageGuard, followableLink } from './graph/paging.js';
import type { GraphApi, GraphListTarget, GraphRequest } from './types.js';

export interface GraphApiOptions {
  entra: EntraInputs;
  certificate: AppCertificate;
  /** Retries of a throttled (429/503/504) request before it fails. Default 8. */
  maxRetries?: number;
  /** Longest Retry-After honoured, in seconds; longer waits are cut to it. Default 60. */
  maxRetryAfterSeconds?: number;
  /** How long a partly filled $batch waits for more requests after the first one, in ms. Default 200 (a Graph batch itself takes about 300 ms). */
  batchDelayMs?: number;
  /** $batch requests on the wire at once. Default 4. */
  maxConcurrentBatches?: number;
  /** Time limit of one HTTP request (with the client's own retries), in ms. Default 120 000. */
  requestTimeoutMs?: number;
  /** Token provider to share with other services; one is created when absent. */
  tokens?: TokenProvider;
}

/** The answer checked against the caller's schema: a different shape is a failed call that names it, not a crash later. */
function checked<T>(body: unknown, schema: ZodType<T> | undefined, call: CallName): T {
  if (!schema) return body as T;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw unexpectedShapeError(call, issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'no detail');
}

/** The Graph connector: `call()` coalesces requests into $batch bodies of up to 20, `list()` pages, `roles()` reads the token. */
export function createGraphApi(options: GraphApiOptions): GraphApi {
  const env = environmentFor(options.entra);
  const scope = graphScope(options.entra);
  const tokens = options.tokens ?? createTokenProvider(options.entra, options.certificate);
  // Microsoft's throttling guidance is to wait Retry-After and try again; in a sustained storm an item can be answered
  // 429 several times in a row while the batch around it goes through, so it gets 8 tries after the first.
  const maxRetries = options.maxRetries ?? 8;
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const baseUrl = `${env.graphEndpoint}/v1.0`;
  const stats = { httpRequests: 0, batchedCalls: 0 };
  const getAccessToken = (): Promise<string> => tokens.getToken(scope);

  const send = createBatchQueue({
    post: createBatchClient({
      graphEndpoint: env.graphEndpoint,
      getAccessToken,
      maxRetries,
      maxRetryAfterSeconds,
      requestTimeoutMs,
      onSend: () => {
        stats.httpRequests++;
      },
    }),
    // msal caches the token: signing in before each batch costs nothing once signed in.
    signIn: getAccessToken,
    maxRetries,
    maxRetryAfterSeconds,
    batchDelayMs: options.batchDelayMs ?? 200,
    maxConcurrentBatches: options.maxConcurrentBatches ?? 4,
    requestTimeoutMs,
    graphEndpoint: env.graphEndpoint,
    onBatched: (calls) => {
      stats.batchedCalls += calls;
    },
  });
  const outstanding = new Set<Promise<unknown>>();
  let closed = false;

  /** Sends one call to an already built URL (a nextLink keeps the endpoint of its first page). */
  const sendTo = <T>(url: string, request: GraphRequest<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The Graph connector is closed.'));
    const call: CallName = { method: request.method, endpoint: request.path, url };
    const promise = send({ ...call, body: request.body, headers: request.headers }).then((body) => checked(body, request.schema, call));
    outstanding.add(promise);
    const forget = (): void => {
      outstanding.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  };

  const call = <T>(request: GraphRequest<T>): Promise<T> => {
    let url: string;
    try {
      url = relativeUrl(request.path, request.params, request.query);
    } catch (error) {
      return Promise.reject(error);
    }
    return sendTo(url, request);
  };

  return {
    call,
    async list<T>(path: string, target: GraphListTarget<T>): Promise<T[]> {
      const page = z.object({ value: target.schema ? z.array(target.schema) : z.array(z.unknown()), '@odata.nextLink': z.string().optional() });
      const request = { method: 'GET' as const, path, schema: page, headers: target.headers };
      const first = relativeUrl(path, target.params, target.query);
      const endpoints = { configured: env.graphEndpoint, cloud: CLOUDS[options.entra.cloud].graphEndpoint };
      const listed: CallName = { method: 'GET', endpoint: path, url: first };
      const nextPage = createPageGuard(listed, target.maxItems, target.query?.top);
      let answer = await sendTo(first, request);
      const items = [...(answer.value as T[])];
      for (let link = answer['@odata.nextLink']; link !== undefined; link = answer['@odata.nextLink']) {
        const relative = followableLink(link, listed, endpoints);
        nextPage(relative);
        answer = await sendTo(relative, request);
        items.push(...(answer.value as T[]));
      }
      return items;
    },
    odataId(path, params) {
      return `${baseUrl}${expandPath(path, params)}`;
    },
    async roles(): Promise<string[]> {
      return tokenRoles(await tokens.getToken(scope));
    },
    stats,
    async close(): Promise<void> {
      await Promise.allSettled([...outstanding]);
      closed = true;
    },
  };
}
