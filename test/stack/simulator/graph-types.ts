// The shapes a Graph request takes inside the simulator: the call, its result, the calling app.
export interface GraphCall {
  method: string;
  /** Path below /v1.0, e.g. `/users/jdoe@contoso.test`. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  /** The body was present but not JSON. */
  badBody: boolean;
  requestId: string;
  clientRequestId: string;
}

export interface GraphResult {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  user?: string;
}

export interface Caller {
  appId: string;
  roles: string[];
}
