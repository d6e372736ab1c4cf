// The plain typed values that flow through the pipeline: sources → requests → resolve → plan → apply → report.

/** The name of every step of the contract; the step list (src/steps/index.ts) holds their order and all else about them. */
export type StepName =
  | 'mobile-wipe'
  | 'ad-disable'
  | 'ad-password'
  | 'ad-stamp'
  | 'rename'
  | 'ad-groups'
  | 'entra-disable'
  | 'entra-block'
  | 'entra-revoke'
  | 'auth-methods'
  | 'entra-groups'
  | 'group-owners'
  | 'mailbox-access'
  | 'onedrive-access'
  | 'mailbox-forward'
  | 'mailbox-autoreply'
  | 'inbox-rules'
  | 'cancel-meetings'
  | 'mailbox-shared'
  | 'mailbox-hide'
  | 'licenses'
  | 'ad-move';

export type StepStatus = 'planned' | 'done' | 'unchanged' | 'skipped' | 'failed' | 'blocked';

/** Where a request came from: the CSV file (relative to the workspace) and its 1-based line. */
interface SourceRef {
  file: string;
  line: number;
}

/** The identity columns of the contract; a request carries at least one. */
export interface Identity {
  userPrincipalName?: string;
  samAccountName?: string;
  employeeId?: string;
  distinguishedName?: string;
  objectId?: string;
  mail?: string;
}
export const IDENTITY_KEYS = [
  'userPrincipalName',
  'samAccountName',
  'employeeId',
  'distinguishedName',
  'objectId',
  'mail',
] as const satisfies readonly (keyof Identity)[];

/** One validated termination row. */
export interface Request {
  source: SourceRef;
  identity: Identity;
  /** ISO 8601 instant in UTC; absent means "at once". */
  effective?: string;
  delegate?: string;
  reason?: string;
  hrPositionId?: string;
  hrReportsToPositionId?: string;
  /** With the `stages` input: the row's stages this run applies (the selection sets them). */
  stages?: readonly Stage[];
}

/** One line of the `stages` input: how many days after `effective` it comes due, and its steps in the contract's order. */
export interface Stage {
  /** The offset as the results file records it: `0d`, `30d`. */
  offset: string;
  days: number;
  steps: readonly StepName[];
}

/** A row's stages that are not due yet, with the instant each comes due (absent: the row has no `effective`). */
export interface LaterStages {
  source: SourceRef;
  identity: Identity;
  stages: { stage: string; at?: string; steps: readonly StepName[] }[];
}

/** A mistake in the input, named at its file and line so an annotation can point at it. */
export interface InputError {
  file?: string;
  line?: number;
  message: string;
}

/** A roster row: a current employee with an HR position id. */
export interface RosterEntry {
  source: SourceRef;
  identity: Identity;
  hrPositionId: string;
  hrReportsToPositionId?: string;
}

/** What the AD connector reads once per user. */
export interface AdUser {
  dn: string;
  samAccountName: string;
  userPrincipalName?: string;
  mail?: string;
  employeeId?: string;
  displayName?: string;
  /** S-1-5-… string form. */
  objectSid: string;
  objectGuid: string;
  userAccountControl: number;
  adminCount: number;
  primaryGroupId: number;
  /** DN of the manager, when set. */
  manager?: string;
  memberOf: string[];
  description?: string;
  /** When the password was last set: a FILETIME (100 ns since 1601) as decimal text, past 2^53; "0" = must change. */
  pwdLastSet?: string;
  /** null when not set (an undo clears it again rather than writing FALSE); undefined when the schema has no Exchange attributes. */
  msExchHideFromAddressLists?: boolean | null;
  /** Exchange hybrid: what the mailbox in Exchange Online is (flags; 100 = migrated shared mailbox). undefined when not set. */
  msExchRemoteRecipientType?: number;
  /** Exchange: the recipient's type (34359738368 = RemoteSharedMailbox). undefined when not set. */
  msExchRecipientTypeDetails?: number;
}

/** What the Graph connector reads once per user. */
export interface EntraUser {
  id: string;
  userPrincipalName: string;
  mail?: string;
  displayName?: string;
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean;
  onPremisesSecurityIdentifier?: string;
  onPremisesSamAccountName?: string;
  employeeId?: string;
  /** `Member` or `Guest` (Graph's userType); a guest never receives a leaver's data. */
  userType?: string;
  /** Directly assigned licence SKU ids (group-inherited ones excluded). */
  directLicenses: string[];
  /** The service plans turned off in each directly assigned licence, by SKU id: what an undo assigns again. */
  disabledPlans?: Record<string, string[]>;
  /** The Entra roles the user holds, in any form (see RoleHolding); empty for most people. */
  directoryRoles: RoleHolding[];
  manager?: { id: string; userPrincipalName: string; accountEnabled: boolean };
}

/** An Entra role a user holds: active or PIM-eligible, built-in or custom, in any scope, directly or through a group. */
export interface RoleHolding {
  /** The role's display name. */
  role: string;
  builtIn: boolean;
  eligible: boolean;
  /** `/` (the whole tenant), `/administrativeUnits/{id}`, or another directory object the role is scoped to. */
  scope: string;
  /** The role-assignable group through which the user holds the role, by display name. */
  group?: string;
}

export type DelegateSource = 'csv' | 'roster' | 'ad-manager' | 'entra-manager' | 'default' | 'none';
/** Who receives a leaver's mailbox and OneDrive, and, when the row asked for someone, how that compares. */
export interface Delegate {
  /** The account the access steps grant to: its cloud UPN when Entra ID is configured. */
  userPrincipalName?: string;
  source: DelegateSource;
  /** The delegate the row (or the users input) asked for, as written. */
  requested?: string;
  /** Why the requested delegate is not the one used: `not found`, `is a guest`, `is disabled in AD`… */
  requestedIssue?: string;
  /** With `requested`: the directory manager, who would be used had the row asked for nobody (`none` when nobody). */
  manager?: { userPrincipalName?: string; source: DelegateSource };
  /** The requested delegate's chain gave someone other than the directory manager: flagged for review. */
  override?: boolean;
  /** Why the first candidates were passed over (disabled, leaving, not found…). */
  notes?: string[];
}

/** A guard or resolution outcome that stops every step for a user. */
export interface Stop {
  status: 'blocked' | 'failed';
  /** Stable machine code: protected, admin-count, builtin-rid, bind-account, directory-role, identity-mismatch, not-found, ambiguous, … */
  code: string;
  reason: string;
}

/** A request resolved against the directories. */
export interface Person {
  request: Request;
  ad?: AdUser;
  entra?: EntraUser;
  delegate: Delegate;
  stop?: Stop;
  /** Directory-specific notes for the report ("no AD account", "AD not configured"). */
  adMissing?: string;
  entraMissing?: string;
}

export interface StepResult {
  step: StepName;
  status: StepStatus;
  reason?: string;
  error?: { message: string; code?: string; requestId?: string };
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** Commands retried after a lost session, for the record. */
  retried?: string[];
  /** A done step whose change was read back from the server and found in place. */
  verified?: true;
  /** With the `stages` input: the offset of the stage the step belongs to (`30d`). */
  stage?: string;
}

export type UserStatus = StepStatus;

export interface UserResult {
  source: SourceRef;
  request: Record<string, unknown>;
  /** objectGuid: how an undo knows the account is still the one this run changed. */
  ad?: { dn: string; samAccountName: string; objectGuid?: string };
  entra?: { id: string; userPrincipalName: string; synced: boolean };
  delegate?: Delegate;
  status: UserStatus;
  reason?: string;
  steps: StepResult[];
}

export interface RunInfo {
  url?: string;
  event: string;
  sha?: string;
  repository?: string;
  runId?: string;
}

/** A notification mail of `notify: delegate`, as the results file keeps it. */
export interface NotificationRecord {
  /** The delegate. */
  to: string;
  /** The leavers it lists. */
  users: string[];
  /** `planned` in a plan; `sent` once Graph accepted it (202); `failed` with the error. */
  status: 'planned' | 'sent' | 'failed';
  error?: { message: string; code?: string; requestId?: string };
}

/** One line of the preflight checklist: what the run needs, whether it holds, and how to fix it. */
export interface PreflightLine {
  ok: boolean;
  label: string;
  detail?: string;
  /** What to do when it fails. */
  fix?: string;
  /** Said once more as a notice annotation: what passed, but should change. */
  notice?: string;
}
