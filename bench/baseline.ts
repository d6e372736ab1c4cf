// The seed article's deprovisioning algorithm, ported for measurement only: same calls, same order, same processes.
import { execFile } from 'node:child_process';
import { Attribute, Change, Client } from 'ldapts';
import { parseCertificate, createTokenProvider } from '../src/connectors/auth.js';
import type { EntraInputs } from '../src/inputs-types.js';

/** Where the article's code runs against: the stack's servers and a PFX of the app certificate on disk, as it has. */
export interface BaselineTarget {
  ldap: { url: string; caPem: string; bindDn: string; bindPassword: string };
  entra: {
    /** The simulator's origin: sign-in and Graph. */
    url: string;
    tenantId: string;
    organization: string;
    sharepointAdminUrl: string;
    clientId: string;
    certificatePem: string;
    /** PFX of the same certificate (no password), the article's <CertPath>. */
    certificatePfxPath: string;
  };
  /** pwsh to start, once per leaver and service. */
  pwsh: string;
  /** Folder of the ExchangeOnlineManagement and PnP.PowerShell modules. */
  psModulePath: string;
}

/** One row of the article's HR data: the leaver's DN and UPN and the manager's mail. */
export interface BaselineLeaver {
  distinguishedName: string;
  userPrincipalName: string;
  managerMail: string;
}

interface BaselineFailure {
  userPrincipalName: string;
  part: 'ad' | 'onedrive' | 'mailbox';
  message: string;
}

export interface BaselineResult {
  wallMs: number;
  /** Wall time of each part, summed over the leavers. */
  partsMs: { ad: number; graph: number; sharepoint: number; exchange: number };
  /** Per-leaver wall time of the Entra loop (Graph + two pwsh runs), in order. */
  perUserMs: number[];
  counts: { ldapConnects: number; ldapBinds: number; ldapModifies: number; tokenRequests: number; graphRequests: number; pwshProcesses: number };
  failures: BaselineFailure[];
}

// The article builds these scripts by formatting values into the text. This port keeps the article's commands and
// order but passes every value as data (JSON in an environment variable, splatted), so that a name with a quote
// cannot become code. The timing, which is all this port is for, is the same.
const PNP_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '$in = $env:BASELINE_INPUT | ConvertFrom-Json',
  'Import-Module PnP.PowerShell',
  '$connect = @{ Url = $in.url; ClientId = $in.clientId; Tenant = $in.tenant; CertificatePath = $in.certificatePath }',
  'Connect-PnPOnline @connect',
  '$OneDriveSiteUrl = $in.site',
  '$SiteCollAdmin = $in.owner',
  'Set-PnPTenantSite -Url $OneDriveSiteUrl -Owners $SiteCollAdmin',
].join('\n');

const EXCHANGE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '$in = $env:BASELINE_INPUT | ConvertFrom-Json',
  'Import-Module ExchangeOnlineManagement',
  '$connect = @{ CertificateFilePath = $in.certificatePath; AppId = $in.clientId; Organization = $in.organization }',
  'Connect-ExchangeOnline @connect',
  "$grant = @{ Identity = $in.mailbox; User = $in.delegate; AccessRights = 'FullAccess'; InheritanceType = 'All' }",
  'Add-MailboxPermission @grant',
].join('\n');

const PWSH_TIMEOUT_MS = 600_000;

/** `execute_powershell_command`: a new pwsh for one script; resolves with its exit code and error text. */
function executePowershellCommand(target: BaselineTarget, script: string, input: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    PSModulePath: target.psModulePath,
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    BASELINE_INPUT: JSON.stringify(input),
  };
  for (const [name, value] of Object.entries(process.env)) if (name.startsWith('DOTNET_') && value !== undefined) env[name] = value;
  return new Promise((resolve) => {
    execFile(
      target.pwsh,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script],
      { env, timeout: PWSH_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stderr: String(stderr).trim() || (error ? error.message : '') });
      },
    );
  });
}

/**
 * Runs the article's two functions over the leavers: `terminate_employees_adds` (one LDAP connection, one modify per
 * leaver), then `terminate_employees_entra` (per leaver: a token and a Graph read of the drive, a new pwsh for
 * PnP.PowerShell, a new pwsh for Exchange Online), strictly one after another.
 */
export async function runBaseline(target: BaselineTarget, leavers: BaselineLeaver[]): Promise<BaselineResult> {
  const began = performance.now();
  const counts = { ldapConnects: 0, ldapBinds: 0, ldapModifies: 0, tokenRequests: 0, graphRequests: 0, pwshProcesses: 0 };
  const partsMs = { ad: 0, graph: 0, sharepoint: 0, exchange: 0 };
  const failures: BaselineFailure[] = [];
  const perUserMs: number[] = [];

  // terminate_employees_adds
  let mark = performance.now();
  const conn = new Client({ url: target.ldap.url, tlsOptions: { ca: [target.ldap.caPem] }, connectTimeout: 10_000, timeout: 60_000 });
  counts.ldapConnects++;
  try {
    await conn.bind(target.ldap.bindDn, target.ldap.bindPassword);
    counts.ldapBinds++;
    for (const employee of leavers) {
      try {
        // The article's blind replace with 514, kept as it is: the leavers here are plain 512 accounts.
        await conn.modify(
          employee.distinguishedName,
          new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }),
        );
        counts.ldapModifies++;
      } catch (error) {
        failures.push({ userPrincipalName: employee.userPrincipalName, part: 'ad', message: (error as Error).message });
      }
    }
  } finally {
    await conn.unbind().catch(() => undefined);
  }
  partsMs.ad += performance.now() - mark;

  // terminate_employees_entra → grant_access_to_users_onedrive, grant_access_to_users_mailbox
  const entra: EntraInputs = {
    tenantId: target.entra.tenantId,
    clientId: target.entra.clientId,
    certificate: target.entra.certificatePem,
    cloud: 'global',
    authorityHost: target.entra.url,
    graphEndpoint: target.entra.url,
  };
  const certificate = parseCertificate(target.entra.certificatePem);
  for (const employee of leavers) {
    const userBegan = performance.now();
    mark = userBegan;
    let site: string | undefined;
    try {
      // get_access_token_API_Access_AAD() on every call: a new client, so a new token request each time.
      const accessToken = await createTokenProvider(entra, certificate).getToken('https://graph.microsoft.com/.default');
      counts.tokenRequests++;
      const response = await fetch(`${target.entra.url}/v1.0/users/${encodeURIComponent(employee.userPrincipalName)}/drive`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      counts.graphRequests++;
      const body = (await response.json()) as { webUrl?: string };
      if (!response.ok || !body.webUrl) throw new Error(`GET drive answered ${response.status}`);
      site = body.webUrl.replace('/Documents', '');
    } catch (error) {
      failures.push({ userPrincipalName: employee.userPrincipalName, part: 'onedrive', message: (error as Error).message });
    }
    partsMs.graph += performance.now() - mark;

    mark = performance.now();
    if (site) {
      counts.pwshProcesses++;
      const result = await executePowershellCommand(target, PNP_SCRIPT, {
        url: target.entra.sharepointAdminUrl,
        clientId: target.entra.clientId,
        tenant: target.entra.organization,
        certificatePath: target.entra.certificatePfxPath,
        site,
        owner: employee.managerMail,
      });
      if (result.code !== 0) failures.push({ userPrincipalName: employee.userPrincipalName, part: 'onedrive', message: result.stderr });
    }
    partsMs.sharepoint += performance.now() - mark;

    mark = performance.now();
    counts.pwshProcesses++;
    const result = await executePowershellCommand(target, EXCHANGE_SCRIPT, {
      certificatePath: target.entra.certificatePfxPath,
      clientId: target.entra.clientId,
      organization: target.entra.organization,
      mailbox: employee.userPrincipalName,
      delegate: employee.managerMail,
    });
    if (result.code !== 0) failures.push({ userPrincipalName: employee.userPrincipalName, part: 'mailbox', message: result.stderr });
    partsMs.exchange += performance.now() - mark;
    perUserMs.push(performance.now() - userBegan);
  }

  return { wallMs: performance.now() - began, partsMs, perUserMs, counts, failures };
}
