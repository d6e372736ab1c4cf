// The official Graph client that carries each $batch: the token, whole-batch throttling retries, and a count of what goes on the wire.
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
import { MICROSOFT_GRAPH_HOSTS } from '../clouds.js';
import { responseHeaders, retryDelaySeconds } from './headers.js';

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

export interface BatchClientOptions {
  /** Graph service root, without the version. */
  graphEndpoint: string;
  getAccessToken: () => Promise<string>;
  /** Retries of a $batch answered 429/503/504 as a whole (at most 10, the client's limit). */
  maxRetries: number;
  /** Longest Retry-After the client waits for, in seconds; a longer one fails the batch. */
  maxRetryAfterSeconds: number;
  /** Time limit of one $batch with the client's own retries, in ms. */
  requestTimeoutMs: number;
  /** Called for every HTTP request sent. */
  onSend: () => void;
}

/** One item of a $batch body. */
export interface BatchRequestItem {
  id: string;
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends one $batch body and hands back the raw answer, whatever its status. */
export type PostBatch = (requests: BatchRequestItem[]) => Promise<Response>;

export function createBatchClient(options: BatchClientOptions): PostBatch {
  const auth = new AuthenticationHandler({ getAccessToken: options.getAccessToken });
  // The client retries a whole $batch answered 429/503/504; single items inside a batch are retried by the queue.
  const retry = new RetryHandler(
    new RetryHandlerOptions(1, Math.min(options.maxRetries, 10), (_delay, _attempt, _request, _options, response) => {
      const wait = retryDelaySeconds(responseHeaders(response), 1, Number.POSITIVE_INFINITY);
      return wait <= options.maxRetryAfterSeconds;
    }),
  );
  const redirect = new RedirectHandler(new RedirectHandlerOptions());
  const telemetry = new TelemetryHandler();
  const wire = new WireHandler(options.onSend);
  auth.setNext(retry);
  retry.setNext(redirect);
  redirect.setNext(telemetry);
  telemetry.setNext(wire);
  wire.setNext(new HTTPMessageHandler());
  const graphHost = new URL(options.graphEndpoint).hostname;
  const client = Client.initWithMiddleware({
    middleware: auth,
    baseUrl: options.graphEndpoint,
    defaultVersion: 'v1.0',
    customHosts: MICROSOFT_GRAPH_HOSTS.has(graphHost) ? undefined : new Set([graphHost]),
  });
  return async (requests) =>
    (await client
      .api('/$batch')
      .responseType(ResponseType.RAW)
      .option('signal', AbortSignal.timeout(options.requestTimeoutMs))
      .post({ requests })) as Response;
}
