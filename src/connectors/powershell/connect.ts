// How each service's sessions connect: its module, the connect and disconnect cmdlets and their parameters per cloud.
import type { Inputs } from '../../inputs-types.js';
import { CLOUDS } from '../clouds.js';
import type { PsService } from '../types.js';

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
  certificate: PsCertificate;
}

/** `Connect-ExchangeOnline` app-only with the certificate (the worker adds it as an in-memory X509Certificate2). */
export function exchangeConnectParameters(inputs: Pick<Inputs, 'entra'>, certificate: PsCertificate): PsConnect {
  const entra = inputs.entra;
  if (!entra?.organization) {
    throw new Error('Exchange Online needs `organization`: the primary *.onmicrosoft.com domain of the tenant.');
  }
  return {
    cmdlet: 'Connect-ExchangeOnline',
    parameters: {
      AppId: entra.clientId,
      Organization: entra.organization,
      ExchangeEnvironmentName: CLOUDS[entra.cloud].exchangeEnvironmentName,
      // Only the cmdlets the steps use are generated at connect, which makes the connect faster.
      CommandName: ['Get-MailboxPermission', 'Add-MailboxPermission', 'Set-Mailbox'],
      ShowBanner: false,
      ShowProgress: false,
      SkipLoadingFormatData: true,
    },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem },
  };
}

/** `Connect-PnPOnline` app-only to the SharePoint admin site (the worker adds the certificate as base64 PFX). */
export function sharepointConnectParameters(inputs: Pick<Inputs, 'entra'>, certificate: PsCertificate): PsConnect {
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
    },
    certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem },
  };
}
