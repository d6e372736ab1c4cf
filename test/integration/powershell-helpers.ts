// What the PowerShell tests share: connectors built from the stack's facts, and a look at the process table.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseCertificate } from '../../src/connectors/auth.js';
import { exchangeConnectParameters, sharepointConnectParameters } from '../../src/connectors/powershell/connect.js';
import { createPowerShellService, type PowerShellServiceOptions } from '../../src/connectors/powershell/pool.js';
import type { PowerShellService, PsService } from '../../src/connectors/types.js';
import type { Cloud, EntraInputs } from '../../src/inputs-types.js';
import { cmdletsFor, STEP_ORDER } from '../../src/steps/index.js';
import type { StackFacts } from '../stack/stack.js';

/** The part of the stack's facts these tests use. */
export type PsStackFacts = Pick<StackFacts, 'pwsh' | 'psModulePath'> & {
  simulator: Pick<StackFacts['simulator'], 'url' | 'tenantId' | 'organization' | 'sharepointAdminUrl' | 'clientId' | 'certificatePem'>;
};

/** The action's Entra inputs pointed at the simulator. */
export function entraInputs(facts: PsStackFacts): EntraInputs {
  const sim = facts.simulator;
  return {
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    certificate: sim.certificatePem,
    organization: sim.organization,
    sharepointAdminUrl: sim.sharepointAdminUrl,
    cloud: 'global',
    authorityHost: sim.url,
    graphEndpoint: sim.url,
  };
}

/**
 * A PowerShell service for the stand-in modules, connected as the action connects for a run of `change.steps` (default:
 * every step), with the rest of `change` applied to that.
 */
export function psService(
  facts: PsStackFacts,
  service: PsService,
  overrides: Partial<Omit<PowerShellServiceOptions, 'service' | 'connect'>> = {},
  change: {
    parameters?: Record<string, unknown>;
    certificate?: { certPem: string; keyPem: string };
    cloud?: Cloud;
    steps?: readonly string[];
    platform?: NodeJS.Platform;
  } = {},
): PowerShellService {
  const entra = { ...entraInputs(facts), ...(change.cloud ? { cloud: change.cloud } : {}) };
  const certificate = parseCertificate(entra.certificate);
  const connect =
    service === 'exchange'
      ? exchangeConnectParameters({ entra }, certificate, cmdletsFor('exchange', change.steps ?? STEP_ORDER))
      : sharepointConnectParameters({ entra }, certificate, change.platform);
  return createPowerShellService({
    service,
    pwsh: facts.pwsh,
    sessions: 2,
    connect: {
      ...connect,
      parameters: { ...connect.parameters, ...change.parameters },
      certificate: change.certificate ?? connect.certificate,
    },
    env: { ...process.env, PSModulePath: facts.psModulePath },
    ...overrides,
  });
}

function environment(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Process-group leaders running the connector's worker script, from `ps -eo pid,pgid,args`; with `psModulePath`,
 * only those started for this stack (other runs on the machine may have their own).
 */
export function workerProcesses(psModulePath?: string): { pid: number; args: string }[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && /pwsh/.test(m[3] ?? '') && /worker\.ps1/.test(m[3] ?? ''))
    .filter((m) => m[1] === m[2])
    .map((m) => ({ pid: Number(m[1]), args: m[3] ?? '' }))
    .filter((p) => psModulePath === undefined || environment(p.pid).split('\0').includes(`PSModulePath=${psModulePath}`));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Values that would run as code if they were ever pasted into PowerShell script text. */
export const INJECTION_CORPUS = [
  "x'; Remove-Mailbox -Identity ceo@contoso.test -Confirm:$false; '",
  'x"; Remove-Mailbox ceo@contoso.test; "',
  '$(Remove-Mailbox ceo@contoso.test)',
  '`$(Get-Process)`',
  "@{Identity='ceo@contoso.test'}",
  'jdoe@contoso.test\nRemove-Mailbox ceo@contoso.test',
  'a#> Remove-Mailbox ceo@contoso.test <#',
  '‘; Remove-Mailbox ceo@contoso.test; ’',
  '“$(Remove-Mailbox ceo@contoso.test)”',
  '-Identity ceo@contoso.test',
  '$env:HOME',
];
