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

  constructor(cmdlet: string, message: string, details: { type?: string; errorId?: string; category?: string } = {}) {
    super(message);
    this.name = 'PowerShellError';
    this.cmdlet = cmdlet;
    this.type = details.type;
    this.errorId = details.errorId;
    this.category = details.category;
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

// Exchange's "not found", as the V3 module words it ("…|ManagementObjectNotFoundException|The operation couldn't be
// performed because object 'x' couldn't be found on '…'.").
const EXCHANGE_NOT_FOUND = /ManagementObjectNotFoundException|couldn't be found on/i;

/** Whether an Exchange cmdlet failed because the object it was given (a mailbox, a user) does not exist. */
export function isExchangeNotFound(error: unknown): boolean {
  return error instanceof PowerShellError && EXCHANGE_NOT_FOUND.test(`${error.errorId ?? ''} ${error.message}`);
}
