// How each service's sessions connect: its module, the connect and disconnect cmdlets and their parameters per cloud.
import type { Inputs } from '../../inputs-types.js';
import { CLOUDS } from '../clouds.js';
import type { PsService } from '../types.js';
import { pfxOf } from './pfx.js';

/** The module each service runs in its own pwsh processes (they ship conflicting assemblies). */
export const PS_MODULES: Record<PsService, string> = {
  exchange: 'ExchangeOnlineManagement',
  sharepoint: 'PnP.PowerShell',
};

export const DISCONNECT_CMDLETS: Record<PsService, string> = {
  exchange: 'Disconnect-ExchangeOnline',
  sharepoint: 'Disconnect-PnPOnline',
};

/** What a failed connect adds to PowerShell's own message. */
export const CONNECT_ADVICE: Record<PsService, string> = {
  exchange:
    'Check organization and client-id; the app needs the Exchange.ManageAsApp application permission and the Exchange Recipient Administrator role.',
  sharepoint:
    'Check sharepoint-admin-url, tenant-id and client-id; the app needs the SharePoint Sites.FullControl.All application permission.',
};

export interface PsCertificate {
  certPem: string;
  /** Unencrypted PKCS#8 PEM; handed to the worker on stdin, never written to disk. */
  keyPem: string;
}

export interface PsConnect {
  cmdlet: string;
  parameters: Record<string, unknown>;
  /** Handed to the worker on stdin with the connect request: the PEM pair (Exchange) or the PFX of pfx.ts (SharePoint). */
  certificate: PsCertificate | { pfxBase64: string };
}

// The nine Get-EXO* cmdlets are built into the module; -CommandName chooses among the others, which the connect loads
// into a generated module. https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline (-CommandName,
// -Prefix) and https://learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2#cmdlets-in-the-exchange-online-powershell-module
const isExchangeModuleCmdlet = (cmdlet: string): boolean => /^Get-EXO/i.test(cmdlet);

/**
 * `Connect-ExchangeOnline` app-only with the certificate (the worker adds it as an in-memory X509Certificate2), loading
 * only `cmdlets`: those the run's steps call. A cmdlet left out is not there in the session at all.
 */
export function exchangeConnectParameters(inputs: Pick<Inputs, 'entra'>, certificate: PsCertificate, cmdlets: readonly string[]): PsConnect {
  const entra = inputs.entra;
  if (!entra?.organization) {
    throw new Error('Exchange Online needs `organization`: the primary *.onmicrosoft.com domain of the tenant.');
  }
  const commandName = [...new Set(cmdlets.filter((cmdlet) => !isExchangeModuleCmdlet(cmdlet)))];
  return {
    cmdlet: 'Connect-ExchangeOnline',
    parameters: {
      AppId: entra.clientId,
      Organization: entra.organization,
      ExchangeEnvironmentName: CLOUDS[entra.cloud].exchangeEnvironmentName,
      // Without -CommandName the connect loads every cmdlet the app's role allows: slower, and more than a run needs.
      ...(commandName.length > 0 ? { CommandName: commandName } : {}),
      ShowBanner: false,
      ShowProgress: false,
      SkipLoadingFormatData: true,
    },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem },
  };
}

/**
 * `Connect-PnPOnline` app-only to the SharePoint admin site with the certificate as a base64 PFX (pfx.ts; the run
 * masks the same text in the log before any session starts). On Windows
 * PnP imports the PFX's private key into the user's key store at every connect (each OneDrive is a connect of its own)
 * unless told to keep it in memory: `-X509KeyStorageFlags EphemeralKeySet` (PnP.PowerShell 3.0 and later;
 * https://pnp.github.io/powershell/cmdlets/Connect-PnPOnline.html, pnp/powershell#4324 and #4919). Other platforms keep
 * such keys in memory anyway.
 */
export function sharepointConnectParameters(
  inputs: Pick<Inputs, 'entra'>,
  certificate: PsCertificate,
  platform: NodeJS.Platform = process.platform,
): PsConnect {
  const entra = inputs.entra;
  if (!entra?.sharepointAdminUrl) {
    throw new Error('SharePoint needs `sharepoint-admin-url` (https://<tenant>-admin.sharepoint.com) or an `organization` to derive it from.');
  }
  return {
    cmdlet: 'Connect-PnPOnline',
    parameters: {
      Url: entra.sharepointAdminUrl,
      ClientId: entra.clientId,
      Tenant: entra.organization ?? entra.tenantId,
      AzureEnvironment: CLOUDS[entra.cloud].pnpAzureEnvironment,
      ...(platform === 'win32' ? { X509KeyStorageFlags: 'EphemeralKeySet' } : {}),
    },
    certificate: { pfxBase64: pfxOf(certificate) },
  };
}
