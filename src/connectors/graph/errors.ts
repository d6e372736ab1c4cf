// Graph's failures as GraphError, with a message that says what to do: which permission a 403 lacks, when to run again.
import type { GraphCallError } from '../types.js';
import { header, type Headers } from './headers.js';

/** Statuses Graph answers when it is busy or briefly down; such a request is sent again after Retry-After. */
export const RETRYABLE = new Set([429, 503, 504]);

/** A non-2xx answer from Graph (or no usable answer), with what to do about it. */
export class GraphError extends Error implements GraphCallError {
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

/** The call a message names: method, endpoint pattern (for the permission) and the URL sent. */
export interface CallName {
  method: string;
  /** As Graph's reference writes it: `/users/{id}/drive`. */
  endpoint: string;
  url: string;
}

// The least-privileged application permission per endpoint the program calls, so that a 403 says what to grant.
// The connector owns this table because only it knows which endpoint a request went to. The preflight's permission
// sets answer another question (what a step needs, with its alternatives) and do not repeat this mapping.
const ENDPOINT_PERMISSIONS: Readonly<Record<string, string>> = {
  'GET /users': 'User.Read.All',
  'GET /users/{}': 'User.Read.All',
  'PATCH /users/{}': 'User.EnableDisableAccount.All (with User.Read.All)',
  'POST /users/{}/revokeSignInSessions': 'User.RevokeSessions.All',
  'POST /users/{}/assignLicense': 'LicenseAssignment.ReadWrite.All',
  'GET /users/{}/drive': 'Files.Read.All',
  'GET /roleManagement/directory/roleAssignments': 'RoleManagement.Read.Directory',
  'GET /roleManagement/directory/roleDefinitions': 'RoleManagement.Read.Directory',
  'GET /roleManagement/directory/roleEligibilityScheduleInstances': 'RoleManagement.Read.Directory (or RoleEligibilitySchedule.Read.Directory)',
  'GET /groups': 'GroupMember.Read.All',
  'GET /groups/{}': 'GroupMember.Read.All',
  'GET /groups/{}/members': 'GroupMember.Read.All',
  'GET /groups/{}/transitiveMembers': 'GroupMember.Read.All',
  'POST /groups/{}/members/$ref': 'GroupMember.ReadWrite.All',
};

const permissionFor = ({ method, endpoint }: CallName): string | undefined =>
  ENDPOINT_PERMISSIONS[`${method} ${endpoint.replace(/\{[^}]*\}/g, '{}')}`];

const what = (call: CallName): string => `Graph ${call.method} ${call.url.split('?')[0]}`;

function describe(status: number, code: string, graphMessage: string, call: CallName): string {
  const answered = `${what(call)} answered ${status} ${code}: ${graphMessage}`;
  if (status === 403) {
    const permission = permissionFor(call);
    return `${answered}. The app lacks the application permission for this call${permission ? `: grant ${permission} (Microsoft Graph, application) and admin consent` : ': check its Graph application permissions and admin consent'}.`;
  }
  if (status === 401) {
    return `${answered}. Graph rejected the access token: check that tenant-id, client-id, cloud and graph-endpoint belong together and the app's certificate is current.`;
  }
  if (RETRYABLE.has(status)) {
    return `${answered}. Graph kept throttling or was unavailable after the retries: run again later.`;
  }
  return answered;
}

interface ErrorBody {
  error?: { code?: string; message?: string; innerError?: Record<string, unknown>; innererror?: Record<string, unknown> };
}

/** The GraphError of a non-2xx answer, with Graph's code, message and request id. */
export function errorFrom(status: number, headers: Headers | undefined, body: unknown, call: CallName): GraphError {
  const error = (body && typeof body === 'object' ? (body as ErrorBody).error : undefined) ?? {};
  const inner = error.innerError ?? error.innererror ?? {};
  const requestId =
    header(headers, 'request-id') ??
    (typeof inner['request-id'] === 'string' ? inner['request-id'] : undefined) ??
    header(headers, 'client-request-id');
  const code = error.code ?? `http-${status}`;
  const graphMessage = error.message ?? (typeof body === 'string' && body ? body.slice(0, 200) : 'no error message');
  const { method, url } = call;
  return new GraphError({ status, code, message: describe(status, code, graphMessage, call), requestId, method, url });
}

/** A body that is not JSON, seen twice for the same call. */
export function malformedError(call: CallName, status: number, requestId: string | undefined, detail: string): GraphError {
  const { method, url } = call;
  return new GraphError({
    status,
    code: 'malformed-response',
    requestId,
    method,
    url,
    message: `${what(call)} returned a body that is not JSON (${detail}), twice: a proxy in the way, or a Graph incident; run again.`,
  });
}

/** A JSON answer without the fields the program reads. */
export function unexpectedShapeError(call: CallName, detail: string): GraphError {
  const { method, url } = call;
  return new GraphError({
    status: 200,
    code: 'malformed-response',
    method,
    url,
    message: `${what(call)} answered without the expected shape (${detail}): a proxy in the way, or a Graph change; run again, and report it if it stays.`,
  });
}

/** The $batch carrying the call got no answer: it timed out, or could not be sent. */
export function noAnswerError(call: CallName, error: unknown, context: { timeoutMs: number; graphEndpoint: string }): GraphError {
  // The client rewraps errors as its GraphError, with the original error's name in `code`.
  const kind = `${(error as { code?: unknown }).code ?? ''} ${error instanceof Error ? `${error.name} ${error.message}` : ''}`;
  const timedOut = /abort|timeout/i.test(kind);
  const reason = error instanceof Error ? error.message : String(error);
  const { method, url } = call;
  return new GraphError({
    status: 0,
    code: timedOut ? 'timeout' : 'network-error',
    method,
    url,
    cause: error,
    message: timedOut
      ? `${what(call)} got no answer within ${context.timeoutMs / 1000} s: check the runner's network and run again.`
      : `${what(call)} could not be sent to ${context.graphEndpoint}: ${reason}. Check graph-endpoint / cloud and the runner's network.`,
  });
}
