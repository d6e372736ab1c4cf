// What the PowerShell steps share: a command log that remembers reruns after lost sessions, and mailbox reads.
import { isExchangeNotFound } from '../connectors/powershell/errors.js';
import type { PowerShellService, PsCallOptions, PsResult } from '../connectors/types.js';
import type { ApplyOutcome } from './types.js';

/**
 * Runs one step's commands on one target, only the cmdlets it declares (its `cmdlets`, which decide what the sessions
 * load), and records those that ran again after their session was lost. Every command after the log's first continues
 * work under way (the write after its read, the read-back after the write): the pool sends it before other leavers'
 * new work, so that a leaver's steps on the other service are not held up behind the whole queue.
 */
export class CommandLog<C extends string = string> {
  readonly retried: string[] = [];
  private readonly declared: ReadonlySet<string>;
  private started = false;

  constructor(
    private readonly service: PowerShellService,
    declared: readonly C[],
  ) {
    this.declared = new Set(declared);
  }

  async invoke(cmdlet: C, parameters: Record<string, unknown>, options?: PsCallOptions): Promise<PsResult> {
    // A call the step does not declare would work only while another enabled step happens to declare it.
    if (!this.declared.has(cmdlet)) throw new Error(`${cmdlet} is not among the cmdlets this step declares.`);
    const continues = this.started || options?.continues === true;
    this.started = true;
    const result = await this.service.invoke(cmdlet, parameters, continues ? { ...options, continues: true } : options);
    if (result.retried) this.retried.push(cmdlet);
    return result;
  }

  outcome(after?: Record<string, unknown>): ApplyOutcome {
    return { ...(after ? { after } : {}), ...(this.retried.length > 0 ? { retried: [...this.retried] } : {}) };
  }
}

export type Mailbox = Record<string, unknown>;

/**
 * `Get-EXOMailbox -Identity <upn> -Properties <properties>`; undefined when there is no mailbox. Every caller names the
 * properties it reads: without -Properties the cmdlet returns only its Minimum property set
 * (https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomailbox-property-sets).
 */
export async function readMailbox(commands: CommandLog<'Get-EXOMailbox'>, identity: string, properties: readonly string[]): Promise<Mailbox | undefined> {
  try {
    const { output } = await commands.invoke(
      'Get-EXOMailbox',
      { Identity: identity, ...(properties.length > 0 ? { Properties: [...properties] } : {}) },
      { retry: 'read' },
    );
    const mailbox = output[0];
    return typeof mailbox === 'object' && mailbox !== null ? (mailbox as Mailbox) : undefined;
  } catch (error) {
    if (isExchangeNotFound(error)) return undefined;
    throw error;
  }
}

/** PowerShell booleans arrive as JSON booleans, or as "True"/"False" from modules that return text. */
export function psBoolean(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/** A multi-valued property (AccessRights) as a list, whether it arrived as an array or as "A, B" text. */
export function psList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [];
}
