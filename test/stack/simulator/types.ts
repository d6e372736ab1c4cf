// Public types of the Microsoft 365 simulator: options, registered apps, faults, latency, log entries, state snapshots.
import type { Fixture, FixtureAuthMethod } from '../fixture.js';
import type { MailboxItems } from './exchange-items.js';

/** Which Microsoft service a request was for (the control API is never logged). */
export type Resource = 'entra' | 'graph' | 'exchange' | 'sharepoint';

/** Operation kinds that latency applies to. A `$batch` pays `graph.batch` once, its items pay nothing more. */
export type LatencyKind =
  | 'token'
  | 'graph.read'
  | 'graph.write'
  | 'graph.batch'
  | 'exo.connect'
  | 'exo.cmdlet'
  | 'spo.connect'
  | 'spo.cmdlet';

/** Milliseconds per operation kind, multiplied by `timeScale` before being applied. */
export type LatencyProfile = Partial<Record<LatencyKind, number>>;

/** An app registration with certificate credentials and granted application permissions. */
export interface SimulatorApp {
  clientId: string;
  displayName?: string;
  /** PEM certificates registered as the app's key credentials. */
  certificatesPem: string[];
  /**
   * Application permissions granted (admin-consented), e.g. `User.Read.All`, `Exchange.ManageAsApp`,
   * `Sites.FullControl.All`. A token carries the ones that belong to its resource: `Exchange.*` for Exchange,
   * `Sites.*` for SharePoint, every other one for Graph (where `Sites.*` exist too).
   */
  roles: string[];
  /**
   * Template ids of the Microsoft Entra roles assigned to the app's service principal, which its tokens carry in
   * `wids`. Absent: Exchange Recipient Administrator, the role the README asks for.
   */
  directoryRoles?: string[];
  /**
   * An application access policy (RestrictAccess) on the app: its Graph mail requests reach only these mailboxes
   * (UPN or address). Absent: every mailbox.
   */
  mailboxScope?: string[];
}

export interface SimulatorOptions {
  tls: { certPem: string; keyPem: string };
  /** 0 or absent: a random free port. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  tenantId: string;
  /** Primary `*.onmicrosoft.com` domain: an alias of the tenant at the token endpoint, the Exchange organization. */
  organization: string;
  apps: SimulatorApp[];
  fixture?: Fixture;
  /** objectSid per fixture key, as Samba assigned them: the hybrid users' onPremisesSecurityIdentifier. */
  sids?: Record<string, string>;
  latency?: LatencyProfile;
  /** Multiplies every latency. Default 1. */
  timeScale?: number;
}

/**
 * Operation selectors in faults: an exact operation (`graph.patch.user`, `exo.cmdlet.Add-MailboxPermission`),
 * a prefix of one (`graph.get`, `exo.cmdlet`), or a latency kind (`graph.read`, `graph.write`).
 */
export type OpSelector = string;

export interface FaultConfig {
  /**
   * 429 with a `Retry-After` header. Without `ops`: every Graph item, Exchange and SharePoint cmdlet (not tokens,
   * connects or the `$batch` envelope; in a `$batch` each item is throttled on its own).
   */
  throttle?: {
    /** Fraction of matching requests (0–1), spread evenly: 0.25 throttles every 4th matching request. */
    share?: number;
    /** The next N matching requests are throttled (before `share` applies). */
    next?: number;
    /** Retry-After seconds, cycled through [min, max]. */
    retryAfter: [number, number];
    ops?: OpSelector[];
  };
  /**
   * 503 Service Unavailable: a share of matching requests, and/or the next `burst` ones. Same default scope as
   * throttle. With `retryAfter` (seconds) the answer carries a Retry-After header, as Graph's often do.
   */
  unavailable?: { share?: number; burst?: number; ops?: OpSelector[]; retryAfter?: number };
  /** Matching requests wait `ms` before being answered normally; without `ms` they are never answered. */
  hang?: { ops: OpSelector[]; ms?: number };
  /** The next `failNext` token requests fail with `status` (default 503). */
  token?: { failNext: number; status?: number };
  /**
   * Token requests for these resources are refused as for a certificate that is not registered on the app
   * (AADSTS700027, "The key was not found."), while the others are issued: a SharePoint connect signing with a
   * certificate the app registration does not hold, next to a Graph sign-in that works.
   */
  keyNotFound?: { resources: ('graph' | 'exchange' | 'sharepoint')[] };
  /**
   * The operation is carried out, then the answer is a 200 with a truncated JSON body. In a `$batch` the envelope
   * is what gets garbled (op `graph.batch`). Without `ops`: every Graph, Exchange and SharePoint request (tokens
   * only when `ops` names `token`).
   */
  malformed?: { share?: number; next?: number; ops?: OpSelector[] };
  /**
   * Pages of matching collections carry an @odata.nextLink that does not lead to the collection's end. A client
   * follows nextLink until an answer has none (https://learn.microsoft.com/en-us/graph/paging): `loop` links back to
   * the page just served, `endless` to ever further (empty) pages, `foreign` to the next page on `host` (an origin).
   * After `pages` such answers (default 500) the fault is spent and pages are normal again, so that a client that
   * follows forever still ends, and a test counts its requests instead of timing out.
   */
  paging?: { ops: OpSelector[]; kind: 'loop' | 'endless' | 'foreign'; host?: string; pages?: number };
  /**
   * A write the service accepts and loses: the matching operation answers exactly as when it succeeds, and the state
   * stays as it was (in a `$batch`, per item). `users` limits it to the operations about those users (UPN or object
   * id, as the log's `user` names them); `next` to the first N it drops.
   */
  drop?: { ops: OpSelector[]; users?: string[]; next?: number };
}

export interface LogEntry {
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** Path and query as sent (for a `$batch` item: its relative URL). */
  path: string;
  /** Stable operation kind, e.g. `token`, `graph.batch`, `graph.get.user`, `exo.cmdlet.Get-MailboxPermission`. */
  op: string;
  /**
   * The kind of call without its values (signature.ts), as contract cases name what they cover:
   * `graph GET /users/{id}?$expand&$select`, `exchange Add-MailboxPermission -AccessRights -Identity -User`.
   */
  signature?: string;
  status: number;
  /** Server time: from the request's arrival to its answer (latency included); absent on `$batch` items. */
  ms?: number;
  /** The user the operation was about, when there is one (UPN when known, else the identifier as sent). */
  user?: string;
  resource: Resource;
  requestId: string;
  /** Set on `$batch` items: the request-id of the `$batch` HTTP request that carried them. */
  batchId?: string;
  /** The calling app (from the token), when authenticated. */
  appId?: string;
  /** `exo.connect`: the cmdlets the session loaded (what Connect-ExchangeOnline -CommandName named, or all). */
  commands?: string[];
  /** What the fault injector did to this request, if anything. */
  fault?: 'throttle' | 'unavailable' | 'hang' | 'token' | 'malformed' | 'drop';
}

export interface LogSnapshot {
  entries: LogEntry[];
  /** Entries per operation kind ($batch items included under their own op). */
  counts: Record<string, number>;
  /** HTTP requests per resource ($batch items not counted: one $batch is one request). */
  httpRequests: Record<Resource, number>;
  /** Requests a timed hang fault has started to hold, per operation: a test can wait for a call to be in flight. */
  held: Record<string, number>;
}

interface SimLicenseState {
  skuId: string;
  /** Group id when inherited from a group; null when directly assigned. */
  assignedByGroup: string | null;
}

export interface SimUserState {
  /** Fixture key. */
  key: string;
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean | null;
  onPremisesSecurityIdentifier: string | null;
  onPremisesSamAccountName: string | null;
  employeeId: string | null;
  managerId: string | null;
  licenses: SimLicenseState[];
  /** Set by revokeSignInSessions. */
  signInSessionsValidFromDateTime: string | null;
  /** Every revokeSignInSessions call, in order. */
  revocations: string[];
  /** Whether the OneDrive is provisioned. */
  onedrive: boolean;
  /** Authentication methods besides the password. */
  authMethods: ({ id: string } & FixtureAuthMethod)[];
}

export interface SimGroupState {
  id: string;
  displayName: string;
  /** Member object ids. */
  members: string[];
  /** SKUs the group assigns to its members (group-based licensing). */
  licenses: string[];
  isAssignableToRole: boolean;
  /** Owner object ids. */
  owners: string[];
}

/** An Entra role assignment (active) or eligibility (PIM), by role display name. */
export interface SimRoleAssignmentState {
  principalId: string;
  role: string;
  /** `/` or `/administrativeUnits/{id}`. */
  directoryScopeId: string;
  eligible: boolean;
}

export interface SimDirectoryRoleState {
  id: string;
  displayName: string;
  roleTemplateId: string;
  members: string[];
}

export interface SimMailboxPermissionState {
  /** The grantee's UPN. */
  user: string;
  accessRights: string[];
  inheritanceType: string;
  autoMapping: boolean;
  deny: boolean;
}

/** With the mailbox's devices, Inbox rules and organised meetings. */
export interface SimMailboxState extends MailboxItems {
  userId: string;
  userPrincipalName: string;
  name: string;
  alias: string;
  primarySmtpAddress: string;
  recipientTypeDetails: 'UserMailbox' | 'SharedMailbox';
  hiddenFromAddressListsEnabled: boolean;
  /** Explicit permissions (the implicit NT AUTHORITY\SELF entry is not listed). */
  permissions: SimMailboxPermissionState[];
  /** Set-Mailbox -ForwardingAddress: the UPN of the recipient whose mailbox receives the forwarded mail, or null. */
  forwardingAddress: string | null;
  /** Set-Mailbox -ForwardingSmtpAddress, as Exchange holds it (`smtp:addr`), or null. */
  forwardingSmtpAddress: string | null;
  deliverToMailboxAndForward: boolean;
  autoReply: SimAutoReplyState;
  /** Mail sent through Graph sendMail: received (`inbox`) or kept by the sender (`sentitems`), oldest first. */
  messages: SimMessageState[];
}

export interface SimMessageState {
  id: string;
  folder: 'inbox' | 'sentitems';
  subject: string;
  from: string;
  toRecipients: string[];
  contentType: 'html' | 'text';
  content: string;
  sentDateTime: string;
}

/** Set-MailboxAutoReplyConfiguration's settings of a mailbox, messages as Exchange stores them. */
export interface SimAutoReplyState {
  autoReplyState: 'Enabled' | 'Disabled' | 'Scheduled';
  internalMessage: string | null;
  externalMessage: string | null;
  externalAudience: 'None' | 'Known' | 'All';
  /** ISO instants, or null while never set. */
  startTime: string | null;
  endTime: string | null;
}

export interface SimSiteState {
  url: string;
  title: string;
  /** Primary owner's UPN. */
  owner: string;
  template: string;
  /** Site collection admins' UPNs, the owner first. */
  admins: string[];
}

export interface SimState {
  tenant: { id: string; organization: string; sharepointAdminUrl: string; oneDriveHost: string };
  skus: { skuId: string; skuPartNumber: string }[];
  users: SimUserState[];
  groups: SimGroupState[];
  directoryRoles: SimDirectoryRoleState[];
  roleAssignments: SimRoleAssignmentState[];
  mailboxes: SimMailboxState[];
  sites: SimSiteState[];
  apps: { clientId: string; displayName: string; roles: string[] }[];
}

export interface Simulator {
  /** `https://localhost:<port>` */
  url: string;
  load(fixture: Fixture, sids: Record<string, string>): void;
  state(): SimState;
  log(): LogEntry[];
  close(): Promise<void>;
}
