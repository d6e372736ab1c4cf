// The PowerShell cmdlets the steps declare: what the sessions load, what the worker allows, and what a step may call.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PowerShellService, PsResult } from '../../src/connectors/types.js';
import { PREFLIGHT_READS } from '../../src/preflight/sessions.js';
import { cmdletsFor, STEP_ORDER } from '../../src/steps/index.js';
import { CommandLog } from '../../src/steps/ps-commands.js';

/** The cmdlets worker.ps1 allows per module: its own hard limit, whatever a request asks for. */
function workerAllowList(module: string): string[] {
  const script = readFileSync(new URL('../../src/connectors/powershell/worker.ps1', import.meta.url), 'utf8');
  const block = new RegExp(`'${module.replace('.', '\\.')}'\\s*=\\s*@\\{[^}]*?Cmdlets\\s*=\\s*@\\(([^)]*)\\)`).exec(script);
  if (!block) throw new Error(`no Cmdlets list for ${module} in worker.ps1`);
  return [...block[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

describe('the cmdlets the steps declare', () => {
  it('with the preflight reads are exactly what the worker allows, for each module: no step calls a cmdlet the worker refuses, and the worker allows nothing no step or preflight calls', () => {
    expect(new Set([...cmdletsFor('exchange', STEP_ORDER), PREFLIGHT_READS.exchange.cmdlet])).toEqual(new Set(workerAllowList('ExchangeOnlineManagement')));
    expect(new Set([...cmdletsFor('sharepoint', STEP_ORDER), PREFLIGHT_READS.sharepoint.cmdlet])).toEqual(new Set(workerAllowList('PnP.PowerShell')));
  });

  it('are all a step may call: its CommandLog refuses any other before it reaches a session', async () => {
    const sent: string[] = [];
    const service: PowerShellService = {
      stats: { processes: 0, connects: 0, commands: 0, retries: 0 },
      invoke(cmdlet): Promise<PsResult> {
        sent.push(cmdlet);
        return Promise.resolve({ output: [], warnings: [] });
      },
      close: () => Promise.resolve(),
    };
    const commands = new CommandLog(service, ['Get-EXOMailbox'] as const);
    await commands.invoke('Get-EXOMailbox', { Identity: 'x' });
    // A cast stands for code that slips past the type: the declaration still holds at run time.
    await expect(commands.invoke('Set-Mailbox' as 'Get-EXOMailbox', { Identity: 'x' })).rejects.toThrow(/Set-Mailbox is not among the cmdlets this step declares/);
    expect(sent).toEqual(['Get-EXOMailbox']);
  });
});
