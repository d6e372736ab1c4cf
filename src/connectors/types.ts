// The small interfaces behind which the three outside worlds sit. Steps talk only to these.
import type { ZodType } from 'zod';
import type { AdUser, Identity } from '../model.js';

/** One LDAP modification. Values are plain strings; the connector encodes them. */
export interface LdapChange {
  operation: 'replace' | 'add' | 'delete';
  attribute: string;
  values: string[];
}

/** An AD group and the DNs of every user in it, however they are members. */
export interface AdGroupMembers {
  dn: string;
  /** Its cn. */
  name: string;
  userDns: string[];
}

/** Active Directory over LDAPS / StartTLS (src/connectors/ldap.ts). */
export interface AdDirectory {
  /**
   * Finds the users for many identities in few searches (OR filters, paged).
   * The result has one entry per identity, in the same order: every match (0, 1 or more).
   */
  findUsers(identities: Identity[]): Promise<AdUser[][]>;
  /**
   * Finds users by objectSid in the whole domain (not only the search base): the link from an Entra user's
   * onPremisesSecurityIdentifier to its AD account. One entry per SID, in order; undefined where none has it.
   */
  findUsersBySid(sids: string[]): Promise<(AdUser | undefined)[]>;
  /**
   * Finds groups by name (cn or sAMAccountName) or DN in the whole domain, each with every user in it: nested
   * membership at any depth and users whose primary group is the group (or one nested in it).
   */
  findGroupMembers(names: string[]): Promise<AdGroupMembers[]>;
  /** Reads users by DN (managers); undefined where the DN does not exist. */
  readUsers(dns: string[]): Promise<(AdUser | undefined)[]>;
  modify(dn: string, changes: LdapChange[]): Promise<void>;
  /**
   * Resets the password (unicodePwd, quoted and UTF-16LE as AD wants it) on the run's TLS connection; a connection
   * that is not encrypted is refused before anything is sent. The password is in no error message.
   */
  setPassword(dn: string, password: string): Promise<void>;
  /** Moves an entry under a new parent; returns its new DN. */
  move(dn: string, newParentDn: string): Promise<string>;
  /** Deletes memberDn from the group's `member` attribute. */
  removeGroupMember(groupDn: string, memberDn: string): Promise<void>;
  /** Whether the schema defines an attribute (e.g. msExchHideFromAddressLists). */
  hasAttribute(name: string): Promise<boolean>;
  /** The attributes the bound account may write on the entry at `dn` (allowedAttributesEffective); [] when none. */
  writableAttributes(dn: string): Promise<string[]>;
  /** The object classes the bound account may create under the entry at `dn` (allowedChildClassesEffective); [] when none. */
  creatableClasses(dn: string): Promise<string[]>;
  /**
   * Whether the bound account holds the Reset Password extended right on the entry at `dn`: a control access right,
   * which allowedAttributesEffective does not show, read from the entry's DACL and the account's tokenGroups.
   */
  mayResetPassword(dn: string): Promise<boolean>;
  /** The bound account itself, so that guards can protect it. */
  whoami(): Promise<{ dn?: string; objectSid?: string }>;
  /** Deterministic counts for tests and the benchmark. */
  readonly stats: { connects: number; binds: number; searches: number; modifies: number };
  close(): Promise<void>;
}

/** OData query options of a Graph request; the connector encodes every value. */
export interface GraphQuery {
  /** `$filter`: each property equal to its value (joined with `and`), the values quoted as OData strings. */
  filter?: Readonly<Record<string, string>>;
  select?: readonly string[];
  /** `$expand`, written as Graph's reference does: `manager($select=id)`. */
  expand?: string;
  top?: number;
  /** `$count=true`: with the ConsistencyLevel: eventual header, what makes a directory query an advanced query. */
  count?: boolean;
}

/** The values a Graph endpoint is called with, and the shape its answer must have. */
interface GraphTarget<T> {
  /** Values of the `{name}` placeholders of the path; each is encoded as one path segment. */
  params?: Readonly<Record<string, string>>;
  query?: GraphQuery;
  /** The shape of the answer (for `list`, of each item); another shape fails the call with a GraphCallError. */
  schema?: ZodType<T>;
  /** Sent with the request (for `list`, with every page). */
  headers?: Record<string, string>;
}

/**
 * A collection read with `list`, and the most items it can legitimately hold: a server (or something in between) that
 * pages on past it, or back to a page already read, fails the read rather than holding the run or cutting it short.
 */
export interface GraphListTarget<T> extends GraphTarget<T> {
  maxItems: number;
}

/** The bounds of `list` reads (`maxItems`), from what Entra ID can hold. */
export const LIST_LIMITS = {
  /** Objects matching one identifying value (a UPN, a mail address, a SID, a display name): a handful at most. */
  matches: 1_000,
  /**
   * A tenant-wide list (role assignments and definitions) or a group's members: bounded by the directory, 300,000
   * objects by default and more only on request to Microsoft support
   * (https://learn.microsoft.com/entra/identity/users/directory-service-limits-restrictions).
   */
  directory: 1_000_000,
} as const;

export interface GraphRequest<T = unknown> extends GraphTarget<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The endpoint as Graph's reference writes it, relative to the version root: `/users/{id}/drive`. Values go in `params`. */
  path: string;
  body?: unknown;
}

/** A failed Graph call (the connector's GraphError): stable fields for callers to test. */
export interface GraphCallError extends Error {
  /** HTTP status; 0 when no answer came back. */
  readonly status: number;
  /** Graph's error code (`Request_ResourceNotFound`…) or the connector's (`malformed-response`, `timeout`, `network-error`). */
  readonly code: string;
  readonly requestId?: string;
}

/** Whether `error` is a Graph call that failed with this HTTP status. */
export function isGraphError(error: unknown, status: number): error is GraphCallError {
  return error instanceof Error && error.name === 'GraphError' && (error as Partial<GraphCallError>).status === status;
}

/** Microsoft Graph with automatic $batch coalescing and throttling retries (src/connectors/graph.ts). */
export interface GraphApi {
  /** Sends one request (coalesced into $batch with others in flight). Throws a GraphCallError on a non-2xx. */
  call<T = unknown>(request: GraphRequest<T>): Promise<T>;
  /** GETs a collection, following @odata.nextLink within its bound, and returns every `value` item. */
  list<T = unknown>(path: string, target: GraphListTarget<T>): Promise<T[]>;
  /** The absolute URL of a resource, as `@odata.id` references name it: `odataId('/directoryObjects/{id}', { id })`. */
  odataId(path: string, params?: Readonly<Record<string, string>>): string;
  /** Application permissions (`roles`) granted in the access token. */
  roles(): Promise<string[]>;
  readonly stats: { httpRequests: number; batchedCalls: number };
  close(): Promise<void>;
}

export type PsService = 'exchange' | 'sharepoint';

export interface PsCallOptions {
  /**
   * What to do when the session dies while the command runs:
   * 'read' retries it once; a function re-checks the target state first and retries only when it returns true.
   * Absent: never retried.
   */
  retry?: 'read' | (() => Promise<boolean>);
  /** Overrides the per-command timeout in ms. */
  timeoutMs?: number;
  /**
   * SharePoint: run the cmdlet on a connection to this site (e.g. a OneDrive) instead of the admin site. The pool runs
   * it on the session that last used the site, which keeps the connection open.
   */
  site?: string;
  /**
   * The command continues work under way on its target (the write after its read, the read-back after the write): it
   * goes before commands that start new work, so that a target's commands go out together while its site connection
   * is still open.
   */
  continues?: true;
  /** Runs the cmdlet with -Verbose and returns its verbose stream (set by the worker, never a request parameter). */
  verbose?: true;
}

export interface PsResult {
  output: unknown[];
  warnings: string[];
  /** The verbose stream, when the call asked for it. */
  verbose?: string[];
  /** Set when the command ran again after a session was lost. */
  retried?: boolean;
}

/** A pool of long-lived, connected PowerShell sessions for one service (src/connectors/powershell/). */
export interface PowerShellService {
  invoke(cmdlet: string, parameters: Record<string, unknown>, options?: PsCallOptions): Promise<PsResult>;
  /**
   * Starts sessions now, up to the service's maximum, until `count` are connected or connecting: the run knows that
   * much work is coming, and a session started only when a command waits makes that command wait for its connect.
   */
  warm?(count: number): void;
  readonly stats: { processes: number; connects: number; commands: number; retries: number };
  close(): Promise<void>;
}

/** What the engine hands to steps. A directory that is not configured is absent. */
export interface Connectors {
  ad?: AdDirectory;
  graph?: GraphApi;
  exchange?: PowerShellService;
  sharepoint?: PowerShellService;
}
