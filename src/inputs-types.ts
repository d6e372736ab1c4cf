// The action's inputs as one typed value, read once and validated (see inputs.ts).
import type { Stage, StepName } from './model.js';

export type Mode = 'plan' | 'apply';
export type Select = 'auto' | 'changed' | 'due' | 'all';
export type CsvDelegate = 'allow' | 'refuse';
export type Cloud = 'global' | 'usgov' | 'usgovhigh' | 'usgovdod' | 'china';

export interface LdapInputs {
  url: string;
  bindDn: string;
  password: string;
  baseDn: string;
  /** PEM of the CA that signed the DC's certificate. */
  ca?: string;
  tlsVerify: boolean;
  disabledOu?: string;
}

export interface EntraInputs {
  tenantId: string;
  clientId: string;
  /** PEM with the certificate and the private key. */
  certificate: string;
  certificatePassword?: string;
  organization?: string;
  sharepointAdminUrl?: string;
  cloud: Cloud;
  authorityHost?: string;
  graphEndpoint?: string;
}

export interface Inputs {
  mode: Mode;
  csv: string;
  users?: string;
  roster?: string;
  select: Select;
  lookbackDays: number;
  timeZone: string;
  /** The enabled steps; with `stages`, every step of every stage. */
  steps: StepName[];
  /** Offboarding in stages (the `stages` input), in ascending order; absent: every step runs at once. */
  stages?: Stage[];
  defaultDelegate?: string;
  /** `refuse`: a delegate in a row or in the users input is an input error; the directories alone choose. Absent: `allow`. */
  csvDelegate?: CsvDelegate;
  maxUsers: number;
  /** Users applied completely before the others start (see src/breakers.ts). Absent: 0, no canary. */
  canary?: number;
  /** Percent of finished users that may fail before no new user starts; 100 is off. Absent: 25. */
  failureThreshold?: number;
  /** Identities (UPN, sAMAccountName) and group names never touched. */
  protected: string[];
  failOn: 'error' | 'never';
  summary: 'full' | 'redacted';
  resultsFile: string;
  githubToken?: string;
  /** Absent: AD is not configured and no AD step runs. */
  ldap?: LdapInputs;
  /** Absent: Entra is not configured and no cloud step runs. */
  entra?: EntraInputs;
  pwsh: string;
  powershellSessions: number;
  mailboxAutomapping: boolean;
  blockGroup?: string;
  /** `delegate`: each delegate gets one mail listing what they received in this run (src/notify). Absent: `none`. */
  notify?: 'none' | 'delegate';
  /** The mailbox the notification mails are sent from (Graph sendMail); set whenever notify is `delegate`. */
  notifyFrom?: string;
  /** For rename: the new display name, with {displayName} and {effectiveDate}. */
  displayNameFormat?: string;
  /** The `mailbox-autoreply` message: HTML with {displayName}, {delegateName}, {delegateMail}, {effectiveDate}. */
  autoreplyMessage?: string;
  /** The results file of an earlier apply run to reverse (see src/undo/); `steps` and `select` then do not apply. */
  undoFrom?: string;
}
