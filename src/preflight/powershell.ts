// Preflight for Exchange Online and SharePoint: pwsh and its modules found, then each service's session opened and tried.
import type { AppCertificate } from '../connectors/auth.js';
import { exchangeConnectParameters, sharepointConnectParameters } from '../connectors/powershell/connect.js';
import { createPowerShellService } from '../connectors/powershell/pool.js';
import type { PowerShellService, PsService } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import { cmdletsFor, servicesFor } from '../steps/index.js';
import type { Opening } from './checklist.js';
import { resolvePwsh } from './pwsh-path.js';
import { checkPowerShell } from './pwsh-probe.js';
import { checkServices } from './sessions.js';

/**
 * How long one Exchange or SharePoint command may run before its session is stopped: OFFBOARD_POWERSHELL_TIMEOUT_SECONDS
 * in the step's environment (a runner-level setting, as actions/cache reads SEGMENT_DOWNLOAD_TIMEOUT_MINS), else the
 * connector's default of 120 s.
 */
function commandTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const seconds = Number(env.OFFBOARD_POWERSHELL_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Finds pwsh (an absolute path, once) and the modules of the services the steps need (their manifests), then creates
 * each service's session pool on exactly those files and checks it: the token's permissions, one connected session
 * and a harmless read. The pools are the run's: the session opened here is the one the steps go on using, and the
 * others start once it answered (`leavers`: how many the run selected).
 */
export async function openPowerShell(inputs: Inputs, certificate: AppCertificate, opening: Opening, leavers: number): Promise<void> {
  const services = servicesFor(inputs.steps);
  const entra = inputs.entra;
  if (services.length === 0 || !entra) return;
  const pwsh = resolvePwsh(inputs.pwsh);
  if (!pwsh.ok) {
    opening.preflight.push({ ok: false, label: 'PowerShell 7 (pwsh)', detail: pwsh.detail, fix: pwsh.fix });
    return;
  }
  const { lines, manifests } = await checkPowerShell({ pwsh: pwsh.path, services });
  opening.preflight.push(...lines);
  const ready = lines.every((line) => line.ok);
  const common = { pwsh: pwsh.path, sessions: inputs.powershellSessions, commandTimeoutMs: commandTimeoutMs() };
  const connectParameters = {
    // The session loads the Exchange cmdlets the enabled steps declare, and no other.
    exchange: entra.organization ? () => exchangeConnectParameters(inputs, certificate, cmdletsFor('exchange', inputs.steps)) : undefined,
    sharepoint: entra.sharepointAdminUrl ? () => sharepointConnectParameters(inputs, certificate) : undefined,
  };
  const opened: Partial<Record<PsService, PowerShellService>> = {};
  for (const service of services) {
    const parameters = connectParameters[service];
    if (!ready || !parameters) continue;
    const pool = createPowerShellService({ ...common, service, modulePath: manifests[service], connect: parameters() });
    opening.connectors[service] = pool;
    opening.closers.push(() => pool.close());
    opened[service] = pool;
  }
  if (services.includes('exchange') && !entra.organization) {
    opening.preflight.push({
      ok: false,
      label: 'Exchange Online: organization is empty',
      fix: 'Set `organization` to the primary *.onmicrosoft.com domain, or remove the mailbox steps.',
    });
  }
  opening.preflight.push(...(await checkServices({ services: opened, entra, certificate, steps: inputs.steps, leavers })));
}
