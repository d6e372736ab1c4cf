// The action's input and output names, as written in action.yml, and which inputs are secrets.

/** Input names as written in action.yml. */
export const INPUT = {
  mode: 'mode',
  csv: 'csv',
  users: 'users',
  roster: 'roster',
  select: 'select',
  lookbackDays: 'lookback-days',
  timeZone: 'time-zone',
  steps: 'steps',
  stages: 'stages',
  defaultDelegate: 'default-delegate',
  csvDelegate: 'csv-delegate',
  maxUsers: 'max-users',
  canary: 'canary',
  failureThreshold: 'failure-threshold',
  protected: 'protected',
  failOn: 'fail-on',
  summary: 'summary',
  resultsFile: 'results-file',
  githubToken: 'github-token',
  ldapUrl: 'ldap-url',
  ldapBindDn: 'ldap-bind-dn',
  ldapPassword: 'ldap-password',
  ldapBaseDn: 'ldap-base-dn',
  ldapCa: 'ldap-ca',
  ldapTlsVerify: 'ldap-tls-verify',
  ldapDisabledOu: 'ldap-disabled-ou',
  tenantId: 'tenant-id',
  clientId: 'client-id',
  certificate: 'certificate',
  certificatePassword: 'certificate-password',
  organization: 'organization',
  sharepointAdminUrl: 'sharepoint-admin-url',
  cloud: 'cloud',
  authorityHost: 'authority-host',
  graphEndpoint: 'graph-endpoint',
  pwsh: 'pwsh',
  powershellSessions: 'powershell-sessions',
  mailboxAutomapping: 'mailbox-automapping',
  blockGroup: 'block-group',
  notify: 'notify',
  notifyFrom: 'notify-from',
  displayNameFormat: 'display-name-format',
  autoreplyMessage: 'autoreply-message',
  undoFrom: 'undo-from',
} as const;
export type InputName = (typeof INPUT)[keyof typeof INPUT];

/** Output names as written in action.yml. */
export const OUTPUT = {
  resultsFile: 'results-file',
  selected: 'selected',
  changed: 'changed',
  unchanged: 'unchanged',
  failed: 'failed',
  results: 'results',
} as const;

/** Inputs whose values are masked in the log as soon as they are read. */
export const SECRET_INPUTS: ReadonlySet<InputName> = new Set([
  INPUT.ldapPassword,
  INPUT.certificate,
  INPUT.certificatePassword,
  INPUT.githubToken,
]);

/** A message about one input, naming it the way the workflow file does. */
export const inputMessage = (name: InputName, text: string): string => `Input "${name}": ${text}`;
