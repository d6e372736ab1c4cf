// SharePoint Online through PnP.PowerShell as PnP's cmdlet reference documents it.
import { z } from 'zod';
import type { CmdletCase } from './types.js';

const PNP = 'https://pnp.github.io/powershell/cmdlets';

// Get-PnPSiteCollectionAdmin "Returns the current site collection administrators of the site collection in the
// current context" as SharePoint users (Microsoft.SharePoint.Client.User: Id, Title, Email, LoginName, IsSiteAdmin;
// claims login names "i:0#.f|membership|<upn>").
const siteAdmin = z.object({
  Id: z.number().int(),
  Title: z.string(),
  Email: z.string(),
  LoginName: z.string().startsWith('i:0#.f|membership|'),
  IsSiteAdmin: z.literal(true),
});

export const SHAREPOINT_CASES: CmdletCase[] = [
  {
    service: 'sharepoint',
    name: 'Get-PnPSiteCollectionAdmin on a connection to a OneDrive: its admins, the owner among them',
    // "This command will return all current site collection administrators of the site collection in the current
    // context"; the cmdlet has no URL parameter, so the site is the one the connection (Connect-PnPOnline -Url) names.
    doc: `${PNP}/Get-PnPSiteCollectionAdmin.html`,
    covers: ['sharepoint Get-PnPSiteCollectionAdmin', 'sharepoint Connect-PnPOnline'],
    request: (t) => ({ cmdlet: 'Get-PnPSiteCollectionAdmin', parameters: {}, site: t.oneDrive('jdoe') }),
    response: { output: siteAdmin, count: 1 },
  },
  {
    service: 'sharepoint',
    name: 'Remove-PnPSiteCollectionAdmin -Owners on a connection to a OneDrive removes an added admin',
    // "Removes one or more users as site collection administrators from the site collection in the current context";
    // "-Owners: Specifies owners to remove as site collection administrators"; it writes no output.
    doc: `${PNP}/Remove-PnPSiteCollectionAdmin.html`,
    covers: ['sharepoint Remove-PnPSiteCollectionAdmin -Owners'],
    setup: (t) => [{ cmdlet: 'Set-PnPTenantSite', parameters: { Identity: t.oneDrive('jdoe'), Owners: [t.user('salesvp').userPrincipalName] } }],
    request: (t) => ({ cmdlet: 'Remove-PnPSiteCollectionAdmin', parameters: { Owners: [t.user('salesvp').userPrincipalName] }, site: t.oneDrive('jdoe') }),
    response: { output: z.unknown(), count: 0 },
  },
  {
    service: 'sharepoint',
    name: 'Set-PnPTenantSite -Identity -Owners adds a site collection admin',
    // "-Owners: Specifies owners to add as site collection administrators. They will be added as additional site
    // collection administrators. Existing administrators will stay. Can be both users and groups."; the cmdlet writes
    // no output.
    doc: `${PNP}/Set-PnPTenantSite.html`,
    covers: ['sharepoint Set-PnPTenantSite -Identity -Owners'],
    request: (t) => ({ cmdlet: 'Set-PnPTenantSite', parameters: { Identity: t.oneDrive('jdoe'), Owners: [t.user('salesvp').userPrincipalName] } }),
    response: { output: z.unknown(), count: 0 },
  },
  {
    service: 'sharepoint',
    name: 'after Set-PnPTenantSite -Owners, Get-PnPSiteCollectionAdmin lists the owner and the added admin',
    // "Existing administrators will stay."
    doc: `${PNP}/Set-PnPTenantSite.html`,
    covers: ['sharepoint Get-PnPSiteCollectionAdmin'],
    setup: (t) => [{ cmdlet: 'Set-PnPTenantSite', parameters: { Identity: t.oneDrive('jdoe'), Owners: [t.user('salesvp').userPrincipalName] } }],
    request: (t) => ({ cmdlet: 'Get-PnPSiteCollectionAdmin', parameters: {}, site: t.oneDrive('jdoe') }),
    response: { output: siteAdmin, count: 2 },
  },
  {
    service: 'sharepoint',
    name: 'Get-PnPTenant on the admin connection: the organization-level settings',
    // "Required Permissions: SharePoint: Access to the SharePoint Tenant Administration site"; "Returns
    // organization-level site collection properties such as StorageQuota, StorageQuotaAllocated, ResourceQuota,
    // ResourceQuotaAllocated, and SiteCreationMode". The preflight's harmless read.
    doc: `${PNP}/Get-PnPTenant.html`,
    covers: ['sharepoint Get-PnPTenant'],
    request: () => ({ cmdlet: 'Get-PnPTenant', parameters: {} }),
    response: { output: z.object({ StorageQuota: z.number(), StorageQuotaAllocated: z.number(), ResourceQuota: z.number(), ResourceQuotaAllocated: z.number() }), count: 1 },
  },
  {
    service: 'sharepoint',
    name: 'Get-PnPTenant without Sites.FullControl.All: refused',
    // The cmdlet needs "Access to the SharePoint Tenant Administration site", which an app has with the SharePoint
    // application permission Sites.FullControl.All; CSOM refuses an app without it with "Attempted to perform an
    // unauthorized operation." (System.UnauthorizedAccessException).
    doc: `${PNP}/Get-PnPTenant.html`,
    covers: ['sharepoint Get-PnPTenant', 'sharepoint Connect-PnPOnline'],
    roles: ['User.Read.All'],
    // A session of its own, signed in with these roles.
    connect: {},
    request: () => ({ cmdlet: 'Get-PnPTenant', parameters: {} }),
    response: { error: { message: /Attempted to perform an unauthorized operation/ } },
  },
  {
    service: 'sharepoint',
    name: 'Connect-PnPOnline with a tenant that does not exist: the connect fails (AADSTS90002)',
    // "-Tenant: The Microsoft Entra ID tenant … e.g. mycompany.onmicrosoft.com"; the sign-in for an unknown tenant
    // fails with AADSTS90002 (Entra error codes).
    doc: `${PNP}/Connect-PnPOnline.html`,
    covers: ['sharepoint Connect-PnPOnline'],
    connect: { Tenant: 'fabrikam-nowhere.onmicrosoft.com' },
    request: (t) => ({ cmdlet: 'Get-PnPSiteCollectionAdmin', parameters: {}, site: t.oneDrive('jdoe') }),
    response: { error: { message: /AADSTS90002/ } },
  },
];
