// Microsoft Graph over the official client: requests in flight are coalesced into $batch bodies, throttling is retried.
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { EntraInputs } from '../inputs-types.js';
import { createTokenProvider, decodeTokenClaims, type AppCertificate, type TokenProvider } from './auth.js';
import { environmentFor, graphScope, MICROSOFT_GRAPH_HOSTS } from './clouds.js';
import type { GraphApi, GraphRequest } from './types.js';

/** Graph's limit of requests in one $batch body. */
export const MAX_BATCH = 20;
const RETRYABLE = new Set([429, 503, 504]);

/** A non-2xx answer from Graph (or no usable answer), with what to do about it. */
export class GraphError extends Error {
  /** HTTP status; 0 when no answer came back. */
  readonly status: number;
  /** Graph's error code (`Request_ResourceNotFound`, `Authorization_RequestDenied`…) or ours (`malformed-response`, `timeout`, `network-error`). */
  readonly code: string;
  readonly requestId?: string;
  readonly method: string;
  readonly url: string;

  constructor(init: { status: number; code: string; message: string; requestId?: string; method: string; url: string; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GraphError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.method = init.method;
    this.url = init.url;
  }
}

/** An OData string literal: the value in single quotes, its own quotes doubled. Encode the whole `$filter` afterwards. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A user value as one URL path segment: everything but unreserved characters percent-encoded (quotes included). */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `$filter=<property> eq '<value>'`, encoded for a query string. */
export function filterEq(property: string, value: string): string {
  return `$filter=${encodeURIComponent(`${property} eq ${odataString(value)}`)}`;
}

// The least-privileged application permission per endpoint, so that a 403 says what to grant.
const ENDPOINT_PERMISSIONS: { method: GraphRequest['method'] | '*'; pattern: RegExp; permission: string }[] = [
  { method: 'POST', pattern: /^\/users\/[^/?]+\/revokeSignInSessions/i, permission: 'User.RevokeSessions.All' },
  { method: 'POST', pattern: /^\/users\/[^/?]+\/assignLicense/i, permission: 'LicenseAssignment.ReadWrite.All' },
  { method: 'PATCH', pattern: /^\/users\/[^/?]+$/i, permission: 'User.EnableDisableAccount.All (with User.Read.All)' },
  { method: 'GET', pattern: /^\/users\/[^/?]+\/drive/i, permission: 'Files.Read.All' },
  { method: 'GET', pattern: /^\/users\/[^/?]+\/(memberOf|transitiveMemberOf)/i, permission: 'Directory.Read.All' },
  { method: 'GET', pattern: /^\/users/i, permission: 'User.Read.All' },
  { method: 'GET', pattern: /^\/directoryRoles/i, permission: 'RoleManagement.Read.Directory' },
  { method: 'POST', pattern: /^\/groups\/[^/?]+\/members\/\$ref/i, permission: 'GroupMember.ReadWrite.All' },
  { method: 'DELETE', pattern: /^\/groups\/[^/?]+\/members\//i, permission: 'GroupMember.ReadWrite.All' },
  { method: 'GET', pattern: /^\/groups/i, permission: 'GroupMember.Read.All' },
];

/** The application permission Graph wants for a request, when known. */
export function permissionFor(method: string, url: string): string | undefined {
  return ENDPOINT_PERMISSIONS.find((e) => (e.method === '*' || e.method === method) && e.pattern.test(url))?.permission;
}

function describe(status: number, code: string, graphMessage: string, method: string, url: string): string {
  const what = `Graph ${method} ${url.split('?')[0]} answered ${status} ${code}: ${graphMessage}`;
  if (status === 403) {
    const permission = permissionFor(method, url);
    return `${what}. The app lacks the application permission for this call${permission ? `: grant ${permission} (Microsoft Graph, application) and admin consent` : ': check its Graph application permissions and admin consent'}.`;
  }
  if (status === 401) {
    return `${what}. Graph rejected the access token: check that tenant-id, client-id, cloud and graph-endpoint belong together and the app's certificate is current.`;
  }
  if (RETRYABLE.has(status)) {
    return `${what}. Graph kept throttling or was unavailable after the retries: run again later.`;
  }
  return what;
}

type Headers = Record<string, string>;

function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function responseHeaders(response: Response): Headers {
  const out: Headers = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

interface ErrorBody {
  error?: { code?: string; message?: string; innerError?: Record<string, unknown>; innererror?: Record<string, unknown> };
}

function errorFrom(status: number, headers: Headers | undefined, body: unknown, method: string, url: string): GraphError {
  const error = (body && typeof body === 'object' ? (body as ErrorBody).error : undefined) ?? {};
  const inner = error.innerError ?? error.innererror ?? {};
  const requestId =
    header(headers, 'request-id') ??
    (typeof inner['request-id'] === 'string' ? inner['request-id'] : undefined) ??
    header(headers, 'client-request-id');
  const code = error.code ?? `http-${status}`;
  const graphMessage = error.message ?? (typeof body === 'string' && body ? body.slice(0, 200) : 'no error message');
  return new GraphError({ status, code, message: describe(status, code, graphMessage, method, url), requestId, method, url });
}

/** Seconds to wait before retrying: Retry-After (seconds or an HTTP date), else exponential from 1 s. */
function retryDelaySeconds(headers: Headers | undefined, attempt: number, cap: number): number {
  const value = header(headers, 'retry-after');
  let seconds: number | undefined;
  if (value !== undefined) {
    const n = Number(value);
    seconds = Number.isFinite(n) ? n : Math.ceil((Date.parse(value) - Date.now()) / 1000);
  }
  if (seconds === undefined || !Number.isFinite(seconds)) seconds = 2 ** Math.max(0, attempt - 1);
  return Math.min(Math.max(0, seconds), cap);
}

// Counts what actually goes on the wire, retries of the client's RetryHandler included, and keeps the reason of a
// failed fetch (the client keeps only "fetch failed", the cause says ECONNREFUSED or the TLS problem).
class WireHandler implements Middleware {
  private next?: Middleware;
  constructor(private readonly onSend: () => void) {}
  async execute(context: Context): Promise<void> {
    this.onSend();
    if (!this.next) throw new Error('WireHandler has no next middleware');
    try {
      await this.next.execute(context);
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      const wrapped = new Error(`${error instanceof Error ? error.message : String(error)}${cause}`, { cause: error });
      wrapped.name = error instanceof Error ? error.name : 'Error';
      throw wrapped;
    }
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export interface GraphApiOptions {
  entra: EntraInputs;
  certificate: AppCertificate;
  /** Retries of a throttled (429/503/504) request before it fails. Default 5. */
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

interface Pending {
  request: GraphRequest;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  attempts: number;
  malformed: number;
}

/** The Graph connector: `call()` coalesces requests into $batch bodies of up to 20, `list()` pages, `roles()` reads the token. */
export function createGraphApi(options: GraphApiOptions): GraphApi {
  const env = environmentFor(options.entra);
  const scope = graphScope(options.entra);
  const tokens = options.tokens ?? createTokenProvider(options.entra, options.certificate);
  const maxRetries = options.maxRetries ?? 5;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 60;
  const batchDelayMs = options.batchDelayMs ?? 200;
  const maxConcurrent = options.maxConcurrentBatches ?? 4;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const baseUrl = `${env.graphEndpoint}/v1.0`;
  const stats = { httpRequests: 0, batchedCalls: 0 };

  const authProvider = { getAccessToken: () => tokens.getToken(scope) };
  const auth = new AuthenticationHandler(authProvider);
  // The client retries a whole $batch answered 429/503/504; single items inside a batch are retried below.
  const retry = new RetryHandler(
    new RetryHandlerOptions(1, Math.min(maxRetries, 10), (_delay, _attempt, _request, _options, response) => {
      const wait = retryDelaySeconds(responseHeaders(response), 1, Number.POSITIVE_INFINITY);
      return wait <= maxRetryAfter;
    }),
  );
  const redirect = new RedirectHandler(new RedirectHandlerOptions());
  const telemetry = new TelemetryHandler();
  const wire = new WireHandler(() => {
    stats.httpRequests++;
  });
  auth.setNext(retry);
  retry.setNext(redirect);
  redirect.setNext(telemetry);
  telemetry.setNext(wire);
  wire.setNext(new HTTPMessageHandler());
  const graphHost = new URL(env.graphEndpoint).hostname;
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: env.graphEndpoint,
    defaultVersion: 'v1.0',
    customHosts: MICROSOFT_GRAPH_HOSTS.has(graphHost) ? undefined : new Set([graphHost]),
  });

  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const outstanding = new Set<Promise<unknown>>();
  let closed = false;

  const acquire = async (): Promise<void> => {
    if (inFlight < maxConcurrent) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  const schedule = (): void => {
    while (queue.length >= MAX_BATCH) {
      const items = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      void sendBatch(items);
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
        if (items.length > 0) void sendBatch(items);
      }, batchDelayMs);
    }
  };

  const enqueue = (pending: Pending): void => {
    queue.push(pending);
    schedule();
  };

  const later = (pending: Pending, seconds: number): void => {
    setTimeout(() => enqueue(pending), seconds * 1000);
  };

  const fail = (pending: Pending, error: GraphError): void => pending.reject(error);

  const onMalformed = (pending: Pending, status: number, requestId: string | undefined, detail: string): void => {
    if (pending.malformed < 1) {
      pending.malformed++;
      enqueue(pending);
      return;
    }
    const { method, url } = pending.request;
    fail(
      pending,
      new GraphError({
        status,
        code: 'malformed-response',
        requestId,
        method,
        url,
        message: `Graph ${method} ${url.split('?')[0]} returned a body that is not JSON (${detail}), twice: a proxy in the way, or a Graph incident; run again.`,
      }),
    );
  };

  const settleItem = (pending: Pending, status: number, headers: Headers | undefined, rawBody: unknown): void => {
    const { method, url } = pending.request;
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
    if (RETRYABLE.has(status) && pending.attempts < maxRetries) {
      pending.attempts++;
      later(pending, retryDelaySeconds(headers, pending.attempts, maxRetryAfter));
      return;
    }
    fail(pending, errorFrom(status, headers, body, method, url));
  };

  async function sendBatch(items: Pending[]): Promise<void> {
    await acquire();
    try {
      stats.batchedCalls += items.length;
      const requests = items.map((pending, index) => {
        const { method, url, body, headers } = pending.request;
        return {
          id: String(index + 1),
          method,
          url,
          ...(body === undefined ? (headers ? { headers } : {}) : { body, headers: { 'Content-Type': 'application/json', ...headers } }),
        };
      });
      let response: Response;
      try {
        // Signing in first keeps the sign-in error as it is (the client would rewrap it); msal caches the token.
        await tokens.getToken(scope);
      } catch (error) {
        for (const pending of items) pending.reject(error);
        return;
      }
      try {
        response = (await client
          .api('/$batch')
          .responseType(ResponseType.RAW)
          .option('signal', AbortSignal.timeout(requestTimeoutMs))
          .post({ requests })) as Response;
      } catch (error) {
        // The client rewraps errors as its GraphError, with the original error's name in `code`.
        const kind = `${(error as { code?: unknown }).code ?? ''} ${error instanceof Error ? `${error.name} ${error.message}` : ''}`;
        const timedOut = /abort|timeout/i.test(kind);
        const reason = error instanceof Error ? error.message : String(error);
        for (const pending of items) {
          const { method, url } = pending.request;
          fail(
            pending,
            new GraphError({
              status: 0,
              code: timedOut ? 'timeout' : 'network-error',
              method,
              url,
              cause: error,
              message: timedOut
                ? `Graph ${method} ${url.split('?')[0]} got no answer within ${requestTimeoutMs / 1000} s: check the runner's network and run again.`
                : `Graph ${method} ${url.split('?')[0]} could not be sent to ${env.graphEndpoint}: ${reason}. Check graph-endpoint / cloud and the runner's network.`,
            }),
          );
        }
        return;
      }
      const headers = responseHeaders(response);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        for (const pending of items) onMalformed(pending, response.status, header(headers, 'request-id'), String(error));
        return;
      }
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        if (response.ok) {
          for (const pending of items) onMalformed(pending, response.status, header(headers, 'request-id'), 'the $batch answer');
          return;
        }
        parsed = text;
      }
      if (!response.ok) {
        // The client's RetryHandler has already retried a throttled $batch: every item fails with the envelope's error.
        for (const pending of items) {
          const { method, url } = pending.request;
          fail(pending, errorFrom(response.status, headers, parsed, method, url));
        }
        return;
      }
      const responses = (parsed as { responses?: unknown } | undefined)?.responses;
      if (!Array.isArray(responses)) {
        for (const pending of items) onMalformed(pending, response.status, header(headers, 'request-id'), 'no responses array');
        return;
      }
      const byId = new Map<string, { status?: unknown; headers?: Headers; body?: unknown }>();
      for (const item of responses as { id?: unknown; status?: unknown; headers?: Headers; body?: unknown }[]) {
        if (item && typeof item === 'object') byId.set(String(item.id), item);
      }
      items.forEach((pending, index) => {
        const item = byId.get(String(index + 1));
        if (!item || typeof item.status !== 'number') {
          onMalformed(pending, response.status, header(headers, 'request-id'), 'an answer missing from the $batch');
          return;
        }
        settleItem(pending, item.status, item.headers, item.body);
      });
    } finally {
      release();
    }
  }

  const call = <T>(request: GraphRequest): Promise<T> => {
    if (closed) return Promise.reject(new Error('The Graph connector is closed.'));
    if (!request.url.startsWith('/')) {
      return Promise.reject(new Error(`Graph request URLs are relative to ${baseUrl} and start with "/": ${request.url}`));
    }
    const promise = new Promise<T>((resolve, reject) => {
      enqueue({ request, resolve: resolve as (value: unknown) => void, reject, attempts: 0, malformed: 0 });
    });
    outstanding.add(promise);
    const forget = (): void => {
      outstanding.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  };

  // nextLink is absolute; a $batch item needs it relative to the version root.
  const relative = (link: string): string => {
    const url = new URL(link);
    const path = url.pathname.replace(/^.*?\/(v1\.0|beta)(?=\/)/, '');
    return `${path}${url.search}`;
  };

  return {
    call,
    async list<T>(url: string): Promise<T[]> {
      const items: T[] = [];
      let next: string | undefined = url;
      while (next) {
        const page: { value?: T[]; '@odata.nextLink'?: string } | undefined = await call({ method: 'GET', url: next });
        items.push(...(page?.value ?? []));
        const link: string | undefined = page?.['@odata.nextLink'];
        next = link ? relative(link) : undefined;
      }
      return items;
    },
    async roles(): Promise<string[]> {
      const claims = decodeTokenClaims(await tokens.getToken(scope));
      return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    },
    stats,
    async close(): Promise<void> {
      await Promise.allSettled([...outstanding]);
      closed = true;
    },
  };
}
