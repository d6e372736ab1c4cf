// How the action connects to Exchange Online and SharePoint per cloud, and what it hands to pwsh: pure mappings.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exchangeConnectParameters, sharepointConnectParameters } from '../../src/connectors/powershell/connect.js';
import { powershellEnv } from '../../src/connectors/powershell/env.js';
import { pfxOf } from '../../src/connectors/powershell/pfx.js';
import type { Cloud, EntraInputs } from '../../src/inputs-types.js';
import { cmdletsFor, STEP_ORDER } from '../../src/steps/index.js';
import { oneDriveSiteUrl } from '../../src/steps/onedrive-access.js';
import { createAppCertificate } from '../stack/tls.js';

const certificate = { certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', keyPem: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' };

/** A real certificate and key: SharePoint gets them as a PFX built from them. */
const certificateDir = mkdtempSync(path.join(os.tmpdir(), 'connect-test-'));
const appCertificate = createAppCertificate(certificateDir, 'connect-app');
afterAll(() => rmSync(certificateDir, { recursive: true, force: true }));

function entra(cloud: Cloud, extra: Partial<EntraInputs> = {}): EntraInputs {
  return {
    tenantId: '8f3c1c2e-5a4b-4c7e-9d1f-2b6a7e9c0d11',
    clientId: '3c0a7e21-6a0b-4e55-9d1e-0f4b8a2c6d71',
    certificate: 'pem',
    organization: 'contoso.onmicrosoft.com',
    sharepointAdminUrl: 'https://contoso-admin.sharepoint.com',
    cloud,
    ...extra,
  };
}

describe('exchangeConnectParameters', () => {
  it.each([
    ['global', 'O365Default'],
    ['usgov', 'O365Default'],
    ['usgovhigh', 'O365USGovGCCHigh'],
    ['usgovdod', 'O365USGovDoD'],
    ['china', 'O365China'],
  ] as const)('connects %s to -ExchangeEnvironmentName %s', (cloud, environment) => {
    expect(exchangeConnectParameters({ entra: entra(cloud) }, certificate, []).parameters.ExchangeEnvironmentName).toBe(environment);
  });

  it('connects app-only with the app id and organization, quietly, and hands the certificate to the worker, not to the parameters', () => {
    const connect = exchangeConnectParameters({ entra: entra('global') }, { ...certificate }, cmdletsFor('exchange', STEP_ORDER));
    expect(connect).toEqual({
      cmdlet: 'Connect-ExchangeOnline',
      parameters: {
        AppId: '3c0a7e21-6a0b-4e55-9d1e-0f4b8a2c6d71',
        Organization: 'contoso.onmicrosoft.com',
        ExchangeEnvironmentName: 'O365Default',
        CommandName: [
          'Get-MobileDevice',
          'Get-MobileDeviceStatistics',
          'Clear-MobileDevice',
          'Remove-DistributionGroupMember',
          'Add-DistributionGroupMember',
          'Get-MailboxPermission',
          'Add-MailboxPermission',
          'Remove-MailboxPermission',
          'Set-Mailbox',
          'Get-MailboxAutoReplyConfiguration',
          'Set-MailboxAutoReplyConfiguration',
          'Get-InboxRule',
          'Remove-InboxRule',
          'Remove-CalendarEvents',
        ],
        ShowBanner: false,
        ShowProgress: false,
        SkipLoadingFormatData: true,
      },
      certificate,
    });
  });

  it('says which input is missing without an organization', () => {
    expect(() => exchangeConnectParameters({ entra: entra('global', { organization: undefined }) }, certificate, [])).toThrow(/organization/);
  });

  it.each([
    [['mailbox-access'], ['Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission']],
    [['mailbox-hide'], ['Set-Mailbox']],
    [['mailbox-shared', 'mailbox-hide', 'licenses'], ['Set-Mailbox']],
    [['mailbox-access', 'onedrive-access', 'mailbox-shared', 'entra-disable'], ['Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission', 'Set-Mailbox']],
  ])('loads for steps %j exactly the cmdlets they declare: -CommandName %j (Get-EXO* are the module’s own)', (steps, commandName) => {
    expect(exchangeConnectParameters({ entra: entra('global') }, certificate, cmdletsFor('exchange', steps)).parameters.CommandName).toEqual(commandName);
  });

  it('leaves -CommandName out when the steps call only Get-EXO* cmdlets, as an empty list is not a selection', () => {
    expect(cmdletsFor('exchange', ['licenses'])).toEqual(['Get-EXOMailbox']);
    expect(exchangeConnectParameters({ entra: entra('global') }, certificate, cmdletsFor('exchange', ['licenses'])).parameters).not.toHaveProperty('CommandName');
  });
});

describe('sharepointConnectParameters', () => {
  it.each([
    ['global', 'Production'],
    ['usgov', 'Production'],
    ['usgovhigh', 'USGovernmentHigh'],
    ['usgovdod', 'USGovernmentDoD'],
    ['china', 'China'],
  ] as const)('connects %s to -AzureEnvironment %s', (cloud, environment) => {
    expect(sharepointConnectParameters({ entra: entra(cloud) }, appCertificate).parameters.AzureEnvironment).toBe(environment);
  });

  it('connects to the SharePoint admin site of the tenant', () => {
    expect(sharepointConnectParameters({ entra: entra('global') }, appCertificate, 'linux')).toEqual({
      cmdlet: 'Connect-PnPOnline',
      parameters: {
        Url: 'https://contoso-admin.sharepoint.com',
        ClientId: '3c0a7e21-6a0b-4e55-9d1e-0f4b8a2c6d71',
        Tenant: 'contoso.onmicrosoft.com',
        AzureEnvironment: 'Production',
      },
      certificate: { pfxBase64: pfxOf(appCertificate) },
    });
  });

  it('keeps the private key in memory on Windows (-X509KeyStorageFlags EphemeralKeySet), and sends no such flag elsewhere', () => {
    expect(sharepointConnectParameters({ entra: entra('global') }, appCertificate, 'win32').parameters).toMatchObject({ X509KeyStorageFlags: 'EphemeralKeySet' });
    for (const platform of ['linux', 'darwin'] as const) {
      expect(sharepointConnectParameters({ entra: entra('global') }, appCertificate, platform).parameters).not.toHaveProperty('X509KeyStorageFlags');
    }
  });

  it('says which input is missing without an admin URL', () => {
    expect(() => sharepointConnectParameters({ entra: entra('global', { sharepointAdminUrl: undefined }) }, appCertificate)).toThrow(/sharepoint-admin-url/);
  });
});

describe('powershellEnv', () => {
  it('keeps what pwsh needs and drops everything else, secrets included', () => {
    const env = powershellEnv({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      PSModulePath: '/opt/modules',
      DOTNET_ROOT: '/usr/share/dotnet',
      INPUT_CERTIFICATE: '-----BEGIN PRIVATE KEY-----',
      INPUT_LDAP_PASSWORD: 'hunter2',
      GITHUB_TOKEN: 'ghs_x',
      ACTIONS_RUNTIME_TOKEN: 'x',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      PSModulePath: '/opt/modules',
      DOTNET_ROOT: '/usr/share/dotnet',
      POWERSHELL_TELEMETRY_OPTOUT: '1',
      POWERSHELL_UPDATECHECK: 'Off',
      PNPPOWERSHELL_UPDATECHECK: 'Off',
      PNPPOWERSHELL_DISABLETELEMETRY: 'true',
    });
  });
});

describe('oneDriveSiteUrl', () => {
  it('turns the drive’s webUrl into its site collection', () => {
    expect(oneDriveSiteUrl('https://contoso-my.sharepoint.com/personal/jdoe_contoso_com/Documents')).toBe(
      'https://contoso-my.sharepoint.com/personal/jdoe_contoso_com',
    );
    expect(oneDriveSiteUrl('https://contoso-my.sharepoint.com/personal/jdoe_contoso_com/Documents/')).toBe(
      'https://contoso-my.sharepoint.com/personal/jdoe_contoso_com',
    );
  });
});
