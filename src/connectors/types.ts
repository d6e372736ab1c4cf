// The small interfaces behind which the three outside worlds sit. Steps talk only to these.
import type { AdUser, Identity } from '../model.js';

/** One LDAP modification. Values are plain strings; the connector encodes them. */
export interface LdapChange {
  operation: 'replace' | 'add' | 'delete';
  attribute: string;
  values: string[];
}

/** Active Directory over LDAPS / StartTLS (src/connectors/ldap.ts). */
export interface AdDirectory {
  /**
   * Finds the users for many identities in few searches (OR filters, paged).
   * The result has one entry per identity, in the same order: every match (0, 1 or more).
   */
  findUsers(identities: Identity[]): Promise<AdUser[][]>;
  /** Reads users by DN (managers); undefined where the DN does not exist. */
  readUsers(dns: string[]): Promise<(AdUser | undefined)[]>;
  modify(dn: string, changes: LdapChange[]): Promise<void>;
  /** Moves an entry under a new parent; returns its new DN. */
  move(dn: string, newParentDn: string): Promise<string>;
  /** Deletes memberDn from the group's `member` attribute. */
  removeGroupMember(groupDn: string, memberDn: string): Promise<void>;
  /** Whether the schema defines an attribute (e.g. msExchHideFromAddressLists). */
  hasAttribute(name: string): Promise<boolean>;
  /** The bound account itself, so that guards can protect it. */
  whoami(): Promise<{ dn?: string; objectSid?: string }>;
  /** Deterministic counts for tests and the benchmark. */
  readonly stats: { connects: number; binds: number; searches: number; modifies: number };
  close(): Promise<void>;
}

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path relative to the version root, starting with '/', with every user value already encoded. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Microsoft Graph with automatic $batch coalescing and throttling retries (src/connectors/graph.ts). */
export interface GraphApi {
  /** Sends one request (coalesced into $batch with others in flight). Throws GraphError on a non-2xx. */
  call<T = unknown>(request: GraphRequest): Promise<T>;
  /** Follows @odata.nextLink and returns every `value` item. */
  list<T = unknown>(url: string): Promise<T[]>;
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
  /** SharePoint: run the cmdlet on a connection to this site (e.g. a OneDrive) instead of the admin site. */
  site?: string;
}

export interface PsResult {
  output: unknown[];
  warnings: string[];
  /** Set when the command ran again after a session was lost. */
  retried?: boolean;
}

/** A pool of long-lived, connected PowerShell sessions for one service (src/connectors/powershell/). */
export interface PowerShellService {
  invoke(cmdlet: string, parameters: Record<string, unknown>, options?: PsCallOptions): Promise<PsResult>;
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
