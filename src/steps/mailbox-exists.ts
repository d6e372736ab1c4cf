// Which leavers have a mailbox, asked for many at once: one filtered Get-EXOMailbox per batch of leavers, not one each.
import type { PowerShellService } from '../connectors/types.js';
import { CommandLog, readMailbox } from './ps-commands.js';
import type { RunShared } from './types.js';

/**
 * UserPrincipalName terms per filter. Microsoft documents no limit on a -Filter's length or terms; users report a
 * recipient filter of 59 `-or`ed terms refused (office-docs-powershell#7471), so a batch stays well below that.
 */
const FILTER_TERMS = 40;

/**
 * A text value of an OPATH filter: in single quotation marks, each one inside doubled ("Additional OPATH syntax
 * information", https://learn.microsoft.com/powershell/exchange/recipient-filters#additional-opath-syntax-information).
 * PowerShell's quoting rules count ‘ ’ ‚ ‛ as single quotation marks too, so they are doubled as well.
 */
export function opathString(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, '$&$&')}'`;
}

/** The filter that finds the mailboxes of these UPNs (UserPrincipalName is filterable on Get-EXOMailbox). */
export function upnFilter(upns: readonly string[]): string {
  return upns.map((upn) => `UserPrincipalName -eq ${opathString(upn)}`).join(' -or ');
}

const key = (upn: string): string => `mailbox:exists:${upn.toLowerCase()}`;

/**
 * Starts the batched reads for these UPNs. Each UPN's answer lands in `shared` as a promise that never rejects:
 * true or false, or undefined when its batch failed (the leaver's own read decides then).
 */
export function prepareMailboxes(exchange: PowerShellService, upns: readonly string[], shared: RunShared): void {
  const unique = [...new Map(upns.map((upn) => [upn.toLowerCase(), upn])).values()];
  for (let start = 0; start < unique.length; start += FILTER_TERMS) {
    const batch = unique.slice(start, start + FILTER_TERMS);
    // The filter is a parameter value (data): the worker splats it, it is never part of script text. Each batch is
    // new work of its own (a log of its own), not a continuation of the one before.
    const found = new CommandLog(exchange, ['Get-EXOMailbox']).invoke('Get-EXOMailbox', { Filter: upnFilter(batch) }, { retry: 'read' }).then(
      ({ output }) =>
        new Set(
          output.flatMap((mailbox) => {
            const upn = (mailbox as Record<string, unknown> | null)?.UserPrincipalName;
            return typeof upn === 'string' ? [upn.toLowerCase()] : [];
          }),
        ),
      () => undefined,
    );
    for (const upn of batch) void shared.once(key(upn), () => found.then((set) => set?.has(upn.toLowerCase())));
  }
}

/** Whether `upn` has a mailbox: from the batched read when one was started and answered, else by its own read. */
export async function hasMailbox(shared: RunShared, commands: CommandLog<'Get-EXOMailbox'>, upn: string): Promise<boolean> {
  const batched = await shared.once<boolean | undefined>(key(upn), () => Promise.resolve(undefined));
  if (batched !== undefined) return batched;
  return (await readMailbox(commands, upn, [])) !== undefined;
}
