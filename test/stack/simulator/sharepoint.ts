// SharePoint Online tenant administration for the PnP.PowerShell stand-in: sites and site collection admins.
import { CmdletError, identityHint, Parameters } from './cmdlet.js';
import type { Ctx, Outcome, Reply, Routed } from './core.js';
import { authenticate, type SimEnv } from './env.js';
import { isObject } from './jwt.js';
import { cmdletSignature } from './signature.js';
import type { SiteRecord, Tenant, UserRecord } from './tenant.js';

/** Parameters each cmdlet acts on; Detailed and Wait are accepted and have no effect. */
const CMDLET_PARAMETERS: Record<string, string[]> = {
  'Get-PnPTenant': [],
  'Get-PnPTenantSite': ['Identity', 'Url', 'IncludeOneDriveSites', 'Detailed'],
  'Set-PnPTenantSite': ['Identity', 'Url', 'Owners', 'Title', 'Wait'],
  // Works on the connected site: its URL comes from the request's top-level `Url` (or a `Url` parameter).
  'Get-PnPSiteCollectionAdmin': ['Url'],
  'Remove-PnPSiteCollectionAdmin': ['Url', 'Owners'],
};

/** Cmdlets that need a connection to the tenant admin site. */
const TENANT_CMDLETS = ['Get-PnPTenant', 'Get-PnPTenantSite', 'Set-PnPTenantSite'];

export function routeSharePoint(env: SimEnv, ctx: Ctx): Routed | undefined {
  if (ctx.url.pathname === '/_sim/spo/connect') {
    return { resource: 'sharepoint', op: 'spo.connect', signature: 'sharepoint Connect-PnPOnline', latency: 'spo.connect', faultReply: spoFault, run: () => connect(env, ctx) };
  }
  // A further site connection in a session that is already connected: module start-up and the version check are
  // behind it, so it costs a token and one context round trip, modelled as a cmdlet.
  if (ctx.url.pathname === '/_sim/spo/connect-site') {
    return { resource: 'sharepoint', op: 'spo.site-connect', signature: 'sharepoint Connect-PnPOnline', latency: 'spo.cmdlet', faultReply: spoFault, run: () => connect(env, ctx) };
  }
  if (ctx.url.pathname === '/_sim/spo/InvokeCommand') {
    let input: unknown;
    try {
      input = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      input = undefined;
    }
    const name = isObject(input) && typeof input.CmdletName === 'string' ? input.CmdletName : undefined;
    return {
      resource: 'sharepoint',
      op: `spo.cmdlet.${name ?? 'invalid'}`,
      signature: cmdletSignature('sharepoint', name ?? 'invalid', isObject(input) ? input.Parameters : undefined),
      latency: 'spo.cmdlet',
      faultReply: spoFault,
      run: () => invoke(env, ctx, name, isObject(input) ? input.Parameters : undefined, isObject(input) && typeof input.Url === 'string' ? input.Url : undefined),
    };
  }
  return undefined;
}

function spoFault(kind: 'throttle' | 'unavailable', retryAfter: number | undefined): Reply {
  const headers = retryAfter === undefined ? undefined : { 'Retry-After': String(retryAfter) };
  if (kind === 'throttle') {
    return { status: 429, headers, json: { error: { code: 'Microsoft.SharePoint.Client.ServerException', message: 'The request has been throttled. Retry after the interval in the Retry-After header.' } } };
  }
  return { status: 503, headers, json: { error: { code: 'Microsoft.SharePoint.Client.ServerException', message: 'The service is unavailable.' } } };
}

function spoError(status: number, code: string, message: string): Reply {
  return { status, json: { error: { code, message } } };
}

/** SharePoint accepts tokens for any of the tenant's SharePoint origins; tenant administration needs the admin site's. */
function authorize(env: SimEnv, ctx: Ctx, need: { role: boolean; admin: boolean }): { appId: string } | Reply {
  const info = env.tenant().info;
  const adminUrl = info.sharepointAdminUrl.replace(/\/+$/, '');
  const origins = need.admin ? [adminUrl] : [adminUrl, info.oneDriveHost.replace(/\/+$/, ''), adminUrl.replace('-admin.', '.')];
  const header = ctx.req.headers.authorization;
  const auth = authenticate(env, Array.isArray(header) ? header[0] : header, origins);
  if (!auth.ok) {
    return {
      status: 401,
      headers: { 'x-ms-diagnostics': `3000003;reason="${auth.message}";category="invalid_client"`, 'WWW-Authenticate': 'Bearer realm="", client_id="00000003-0000-0ff1-ce00-000000000000"' },
      json: { error: { code: 'System.UnauthorizedAccessException', message: auth.problem === 'audience' && need.admin ? `This operation needs a connection to the SharePoint admin site ${adminUrl}.` : auth.message } },
    };
  }
  if (need.role && !auth.roles.includes('Sites.FullControl.All')) {
    return spoError(403, 'System.UnauthorizedAccessException', 'Attempted to perform an unauthorized operation.');
  }
  return { appId: auth.appId };
}

function connect(env: SimEnv, ctx: Ctx): Outcome {
  const auth = authorize(env, ctx, { role: false, admin: false });
  if ('status' in auth) return { reply: auth };
  // The log names the owner of the site connected to, as for the cmdlets that read a site.
  const site = siteConnectedTo(env, ctx.body);
  return {
    appId: auth.appId,
    ...(site ? { user: ownerOf(env.tenant(), site)?.userPrincipalName } : {}),
    reply: { status: 200, json: { url: env.tenant().info.sharepointAdminUrl, tenantId: env.tenantId, appId: auth.appId, connectedAt: new Date().toISOString() } },
  };
}

function siteConnectedTo(env: SimEnv, body: Buffer): SiteRecord | undefined {
  try {
    const input: unknown = JSON.parse(body.toString('utf8'));
    return isObject(input) && typeof input.url === 'string' ? env.tenant().siteByUrl(input.url) : undefined;
  } catch {
    return undefined;
  }
}

function invoke(env: SimEnv, ctx: Ctx, name: string | undefined, rawParameters: unknown, connectedUrl: string | undefined): Outcome {
  const tenantCmdlet = TENANT_CMDLETS.some((c) => c.toLowerCase() === (name ?? '').toLowerCase());
  const auth = authorize(env, ctx, { role: true, admin: tenantCmdlet });
  if ('status' in auth) return { reply: auth };
  const appId = auth.appId;
  if (!name) return { reply: spoError(400, 'BadRequest', 'The request body must be {"CmdletName":…,"Parameters":{…}}.'), appId };
  const tenant = env.tenant();
  const allowed = Object.entries(CMDLET_PARAMETERS).find(([k]) => k.toLowerCase() === name.toLowerCase());
  // Until the target resolves, the log names it as it was sent.
  let user = identityHint(rawParameters, ['Identity', 'Url']);
  try {
    if (!allowed) {
      throw new CmdletError(400, 'System.Management.Automation.CommandNotFoundException', `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program.`);
    }
    const [cmdlet, names] = allowed;
    const p = new Parameters(cmdlet, rawParameters, names);
    let value: unknown[] = [];
    switch (cmdlet) {
      case 'Get-PnPTenant': {
        // "Returns organization-level site collection properties such as StorageQuota, StorageQuotaAllocated,
        // ResourceQuota, ResourceQuotaAllocated, and SiteCreationMode": https://pnp.github.io/powershell/cmdlets/Get-PnPTenant.html
        value = [{ StorageQuota: 1061376, StorageQuotaAllocated: 0, ResourceQuota: 5300, ResourceQuotaAllocated: 0, SharingCapability: 'ExternalUserAndGuestSharing', OneDriveStorageQuota: 1048576 }];
        break;
      }
      case 'Get-PnPTenantSite': {
        const url = p.string('Identity') ?? p.string('Url');
        if (url !== undefined) {
          const site = findSite(tenant, url);
          user = ownerOf(tenant, site)?.userPrincipalName;
          value = [siteProperties(tenant, site)];
        } else {
          const withOneDrive = p.boolean('IncludeOneDriveSites') ?? false;
          value = [...tenant.sites.values()].filter((s) => withOneDrive || !s.template.startsWith('SPSPERS')).map((s) => siteProperties(tenant, s));
        }
        break;
      }
      case 'Set-PnPTenantSite': {
        const site = findSite(tenant, p.string('Identity') ?? p.required('Url'));
        user = ownerOf(tenant, site)?.userPrincipalName;
        const owners = (p.list('Owners') ?? []).map((o) => findUser(tenant, o));
        for (const o of owners) {
          if (!site.admins.some((a) => a.toLowerCase() === o.userPrincipalName.toLowerCase())) site.admins.push(o.userPrincipalName);
        }
        const title = p.string('Title');
        if (title !== undefined) site.title = title;
        break;
      }
      case 'Get-PnPSiteCollectionAdmin': {
        const site = findSite(tenant, p.string('Url') ?? connectedUrl ?? p.required('Url'));
        user = ownerOf(tenant, site)?.userPrincipalName;
        value = site.admins.map((upn, i) => adminObject(tenant, upn, i));
        break;
      }
      case 'Remove-PnPSiteCollectionAdmin': {
        const site = findSite(tenant, p.string('Url') ?? connectedUrl ?? p.required('Url'));
        const owner = ownerOf(tenant, site);
        user = owner?.userPrincipalName;
        for (const o of (p.list('Owners') ?? []).map((x) => findUser(tenant, x))) {
          if (owner && o.id === owner.id) {
            throw new CmdletError(400, 'Microsoft.SharePoint.Client.ServerException', 'You cannot remove the primary site collection administrator.');
          }
          site.admins = site.admins.filter((a) => a.toLowerCase() !== o.userPrincipalName.toLowerCase());
        }
        break;
      }
    }
    return { appId, user, reply: { status: 200, json: { value } } };
  } catch (e) {
    if (e instanceof CmdletError) return { reply: spoError(e.status, e.exception, e.message), appId, user };
    throw e;
  }
}

function findSite(tenant: Tenant, url: string): SiteRecord {
  const site = tenant.siteByUrl(url);
  if (!site) throw new CmdletError(404, 'Microsoft.SharePoint.Client.ServerException', `Cannot get site ${url}.`);
  return site;
}

function findUser(tenant: Tenant, identity: string): UserRecord {
  const login = identity.replace(/^i:0#\.f\|membership\|/i, '').toLowerCase();
  const user = [...tenant.users.values()].find((u) => u.userPrincipalName.toLowerCase() === login || (u.mail ?? '').toLowerCase() === login);
  if (!user) throw new CmdletError(400, 'Microsoft.SharePoint.Client.ServerException', 'The user does not exist or is not unique.');
  return user;
}

function ownerOf(tenant: Tenant, site: SiteRecord): UserRecord | undefined {
  return tenant.userById(site.ownerId);
}

function siteProperties(tenant: Tenant, site: SiteRecord): Record<string, unknown> {
  const owner = ownerOf(tenant, site);
  return {
    Url: site.url,
    Title: site.title,
    Template: site.template,
    Owner: owner?.userPrincipalName ?? '',
    OwnerEmail: owner?.mail ?? '',
    OwnerLoginName: owner ? `i:0#.f|membership|${owner.userPrincipalName.toLowerCase()}` : '',
    OwnerName: owner?.displayName ?? '',
    SiteId: site.siteId,
    LockState: 'Unlock',
    Status: 'Active',
    StorageQuota: 1048576,
    StorageUsageCurrent: 0,
    SharingCapability: 'ExternalUserAndGuestSharing',
    LastContentModifiedDate: '2026-01-15T08:00:00Z',
    IsHubSite: false,
  };
}

function adminObject(tenant: Tenant, upn: string, index: number): Record<string, unknown> {
  const u = [...tenant.users.values()].find((x) => x.userPrincipalName.toLowerCase() === upn.toLowerCase());
  return {
    Id: index + 7,
    Title: u?.displayName ?? upn,
    Email: u?.mail ?? upn,
    LoginName: `i:0#.f|membership|${upn.toLowerCase()}`,
    UserPrincipalName: upn,
    IsSiteAdmin: true,
    PrincipalType: 'User',
  };
}
