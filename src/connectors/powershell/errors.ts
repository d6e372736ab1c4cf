// What a PowerShell command can fail with, as the callers of the connector see it, and how to tell "not found".
import type { WorkerError } from './protocol.js';

/** A cmdlet that ran and failed: PowerShell's error, with the exception type and FullyQualifiedErrorId. */
export class PowerShellError extends Error {
  readonly cmdlet: string;
  /** Exception type, e.g. `System.Management.Automation.ParameterBindingException`. */
  readonly type?: string;
  /** FullyQualifiedErrorId, e.g. `MissingMandatoryParameter,Add-MailboxPermission`. */
  readonly errorId?: string;
  readonly category?: string;
  /** CategoryInfo.Reason, e.g. `ManagementObjectNotFoundException` for an Exchange Online cmdlet's server error. */
  readonly reason?: string;

  constructor(cmdlet: string, message: string, details: { type?: string; errorId?: string; category?: string; reason?: string } = {}) {
    super(message);
    this.name = 'PowerShellError';
    this.cmdlet = cmdlet;
    this.type = details.type;
    this.errorId = details.errorId;
    this.category = details.category;
    this.reason = details.reason;
  }
}

/** The session was lost while the command ran (crash or kill): whether it took effect is unknown. */
export class PowerShellSessionLostError extends PowerShellError {
  constructor(cmdlet: string, message: string) {
    super(cmdlet, message, { type: 'SessionLost' });
    this.name = 'PowerShellSessionLostError';
  }
}

/** The command did not answer in time; its session was killed. */
export class PowerShellTimeoutError extends PowerShellError {
  constructor(cmdlet: string, message: string) {
    super(cmdlet, message, { type: 'Timeout' });
    this.name = 'PowerShellTimeoutError';
  }
}

/** The message and details of a failed reply's first error record. */
export function describeErrors(errors: WorkerError[]): { message: string; first: WorkerError } {
  const first = errors[0] ?? { message: 'PowerShell reported a failure without an error record.' };
  return { message: first.message ?? first.errorId ?? 'unknown error', first };
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Exchange's "not found" is the exception type ManagementObjectNotFoundException. The V3 module throws a plain exception
// for a server error and names the server's exception type as the record's CategoryInfo.Reason (category
// NotSpecified); remote PowerShell and Exchange Server throw the type itself. The message is not looked at: its text
// is the server's, which may change or be localised. Sources: the module's 3.0.0 release notes
// (https://learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2#release-notes), errors quoted from it
// in timmcmic/DLConversionV2#129 and microsoft/Microsoft365DSC#4401, and from Exchange Server in dpaulson45/HealthChecker#213.
const NOT_FOUND = 'ManagementObjectNotFoundException';

/** Whether an Exchange cmdlet failed because the object it was given (a mailbox, a user) does not exist. */
export function isExchangeNotFound(error: unknown): boolean {
  if (!(error instanceof PowerShellError)) return false;
  return error.reason === NOT_FOUND || error.type?.split('.').pop() === NOT_FOUND;
}
