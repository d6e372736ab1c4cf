// Preflight of Exchange Online and SharePoint before any change: the token's roles, then one session and one harmless read.
import { createTokenProvider, tokenRoles, type AppCertificate } from '../connectors/auth.js';
import { CLOUDS } from '../connectors/clouds.js';
import { CONNECT_ADVICE } from '../connectors/powershell/connect.js';
import type { PowerShellService, PsService } from '../connectors/types.js';
import type { EntraInputs } from '../inputs-types.js';
import type { PreflightLine } from '../model.js';
import { checkPermissions } from '../permissions.js';
import { messageOf } from './checklist.js';

const SERVICE_NAMES: Record<PsService, string> = { exchange: 'Exchange Online', sharepoint: 'SharePoint' };

/**
 * One read per service that changes nothing and needs what the steps need. Exchange: one mailbox
 * (https://learn.microsoft.com/powershell/module/exchangepowershell/get-exomailbox, -ResultSize), which the app can
 * read only when it holds Exchange.ManageAsApp and an Entra role Exchange accepts. SharePoint: the tenant's settings,
 * which need "Access to the SharePoint Tenant Administration site" (https://pnp.github.io/powershell/cmdlets/Get-PnPTenant.html),
 * as Set-PnPTenantSite does.
 */
export const PREFLIGHT_READS: Record<PsService, { cmdlet: string; parameters: Record<string, unknown> }> = {
  exchange: { cmdlet: 'Get-EXOMailbox', parameters: { ResultSize: 1 } },
  sharepoint: { cmdlet: 'Get-PnPTenant', parameters: {} },
};

const APP_ONLY_EXCHANGE = 'https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2';

/** What to do about a refused connect or read, from the service's own words where they say it. */
function fixFor(service: PsService, message: string, entra: EntraInputs, certificate: AppCertificate): string {
  if (/AADSTS700027|key was not found/i.test(message)) {
    return `Upload this certificate (SHA-256 thumbprint ${certificate.thumbprintSha256}) to the app registration ${entra.clientId}: Microsoft Entra admin center › App registrations › Certificates & secrets › Upload certificate.`;
  }
  if (service === 'exchange' && /isn't supported in this scenario/i.test(message)) {
    return `Assign the Exchange Recipient Administrator role to the app ${entra.clientId}: Microsoft Entra admin center › Roles & admins › Exchange Recipient Administrator › Add assignments (${APP_ONLY_EXCHANGE}#step-5-assign-microsoft-entra-roles-to-the-application).`;
  }
  if (service === 'exchange' && /UnAuthorized/.test(message)) {
    return `Add the Office 365 Exchange Online application permission Exchange.ManageAsApp to the app registration and grant admin consent (${APP_ONLY_EXCHANGE}#step-2-assign-api-permissions-to-the-application).`;
  }
  if (service === 'sharepoint' && /unauthorized operation/i.test(message)) {
    return 'Add the SharePoint application permission Sites.FullControl.All to the app registration and grant admin consent.';
  }
  return CONNECT_ADVICE[service];
}

/** The resource an app token for the service is requested for: what the module asks Entra for when it connects. */
function resourceOf(service: PsService, entra: EntraInputs): string {
  if (service === 'exchange') return CLOUDS[entra.cloud].exchangeResource;
  return new URL(entra.sharepointAdminUrl ?? '').origin;
}

/** The service's token, and its `roles` against what the enabled steps need; false when a line failed. */
async function checkToken(service: PsService, entra: EntraInputs, certificate: AppCertificate, steps: readonly string[], lines: PreflightLine[]): Promise<boolean> {
  const name = SERVICE_NAMES[service];
  let roles: string[];
  try {
    roles = tokenRoles(await createTokenProvider(entra, certificate).getToken(`${resourceOf(service, entra)}/.default`));
  } catch (error) {
    const message = messageOf(error);
    lines.push({ ok: false, label: `${name}: sign-in`, detail: message, fix: fixFor(service, message, entra, certificate) });
    return false;
  }
  const checked = checkPermissions(service, roles, steps);
  lines.push(...checked);
  return checked.every((line) => line.ok);
}

/**
 * For each service: its token's permissions, then a connected session (the pool's first, which the run goes on
 * using) and one harmless read through it. The first failure of a service is its line; nothing is changed. Once the
 * read answered, the pool starts its other sessions (as many as there are leavers, up to `powershell-sessions`) while
 * the run resolves and cuts access, so that they are connected when the handover's commands come; not before, so that
 * a refused connect costs one session, not all of them.
 */
export async function checkServices(options: {
  services: Partial<Record<PsService, PowerShellService>>;
  entra: EntraInputs;
  certificate: AppCertificate;
  steps: readonly string[];
  /** How many leavers the run has selected. */
  leavers: number;
}): Promise<PreflightLine[]> {
  const { entra, certificate, steps } = options;
  const perService = await Promise.all(
    (Object.entries(options.services) as [PsService, PowerShellService][]).map(async ([service, pool]) => {
      const lines: PreflightLine[] = [];
      if (!(await checkToken(service, entra, certificate, steps, lines))) return lines;
      const { cmdlet, parameters } = PREFLIGHT_READS[service];
      const label = `${SERVICE_NAMES[service]}: session connected, ${cmdlet} answered`;
      try {
        await pool.invoke(cmdlet, parameters, { retry: 'read' });
        lines.push({ ok: true, label });
        pool.warm?.(options.leavers);
      } catch (error) {
        const message = messageOf(error);
        lines.push({ ok: false, label: `${SERVICE_NAMES[service]}: session or ${cmdlet} failed`, detail: message, fix: fixFor(service, message, entra, certificate) });
      }
      return lines;
    }),
  );
  return perService.flat();
}
