// The Microsoft cloud environments: which sign-in, Graph, Exchange and SharePoint endpoints belong together.
import type { Cloud, EntraInputs } from '../inputs-types.js';

export interface CloudEnvironment {
  /** Entra ID sign-in host, as an origin (no trailing slash). */
  authorityHost: string;
  /** Microsoft Graph service root, as an origin (no trailing slash, no version). */
  graphEndpoint: string;
  /** The Graph resource for app tokens (`<resource>/.default`). */
  graphResource: string;
  /** `Connect-ExchangeOnline -ExchangeEnvironmentName`. */
  exchangeEnvironmentName: 'O365Default' | 'O365USGovGCCHigh' | 'O365USGovDoD' | 'O365China';
  /** The Exchange Online resource an app token is requested for. */
  exchangeResource: string;
  /** `Connect-PnPOnline -AzureEnvironment`: it decides where PnP signs in and which Graph it calls. */
  pnpAzureEnvironment: 'Production' | 'USGovernmentHigh' | 'USGovernmentDoD' | 'China';
  /** SharePoint Online domain suffix: `<tenant>-admin.<suffix>`, `<tenant>-my.<suffix>`. */
  sharepointSuffix: string;
}

// GCC (usgov) runs on the worldwide Entra and Graph endpoints; GCC High and DoD share login.microsoftonline.us
// but have separate Graph and Exchange hosts. Sources: learn.microsoft.com/graph/deployments, the
// Connect-ExchangeOnline and PnP PowerShell national-cloud documentation.
// Exchange: "Connect to Exchange Online PowerShell" (learn.microsoft.com/powershell/exchange/connect-to-exchange-online-powershell)
// connects a "Microsoft 365 or Microsoft 365 GCC organization" without -ExchangeEnvironmentName, i.e. with its default
// O365Default; GCC High, DoD and 21Vianet name O365USGovGCCHigh, O365USGovDoD and O365China.
// PnP: GCC uses Production, which signs in at login.microsoftonline.com and calls graph.microsoft.com in every source.
// Not USGovernment: PnP.Framework, which signs app-only connects in, sends USGovernment to login.microsoftonline.us
// (AuthenticationManager.GetAzureADLoginEndPointStatic, github.com/pnp/pnpframework), where a GCC tenant is unknown,
// even though PnP's "National and sovereign clouds" page (pnp.github.io/powershell/articles/nationalclouds.html) lists
// USGovernment for GCC, at login.microsoftonline.com.
export const CLOUDS: Record<Cloud, CloudEnvironment> = {
  global: {
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphResource: 'https://graph.microsoft.com',
    exchangeEnvironmentName: 'O365Default',
    exchangeResource: 'https://outlook.office365.com',
    pnpAzureEnvironment: 'Production',
    sharepointSuffix: 'sharepoint.com',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphResource: 'https://graph.microsoft.com',
    exchangeEnvironmentName: 'O365Default',
    exchangeResource: 'https://outlook.office365.com',
    pnpAzureEnvironment: 'Production',
    sharepointSuffix: 'sharepoint.com',
  },
  usgovhigh: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    graphResource: 'https://graph.microsoft.us',
    exchangeEnvironmentName: 'O365USGovGCCHigh',
    exchangeResource: 'https://outlook.office365.us',
    pnpAzureEnvironment: 'USGovernmentHigh',
    sharepointSuffix: 'sharepoint.us',
  },
  usgovdod: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    graphResource: 'https://dod-graph.microsoft.us',
    exchangeEnvironmentName: 'O365USGovDoD',
    exchangeResource: 'https://webmail.apps.mil',
    pnpAzureEnvironment: 'USGovernmentDoD',
    sharepointSuffix: 'sharepoint-mil.us',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    graphResource: 'https://microsoftgraph.chinacloudapi.cn',
    exchangeEnvironmentName: 'O365China',
    exchangeResource: 'https://partner.outlook.cn',
    pnpAzureEnvironment: 'China',
    sharepointSuffix: 'sharepoint.cn',
  },
};

/** Sign-in hosts that msal-node knows, so it needs no metadata from us. */
export const MICROSOFT_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/** Graph hosts the Graph client recognises on its own (it attaches the token only to these or to customHosts). */
export const MICROSOFT_GRAPH_HOSTS: ReadonlySet<string> = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
  'canary.graph.microsoft.com',
]);

function origin(value: string, inputName: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${inputName} must be an https:// URL, got "${value}".`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`${inputName} must use https:// (got ${url.protocol}//${url.host}); Entra and Graph only talk TLS.`);
  }
  return url.origin;
}

/** The endpoints of one run: the cloud's, with `authority-host` and `graph-endpoint` overriding theirs. */
export function environmentFor(entra: Pick<EntraInputs, 'cloud' | 'authorityHost' | 'graphEndpoint'>): CloudEnvironment {
  const cloud = CLOUDS[entra.cloud];
  if (!cloud) throw new Error(`Unknown cloud "${entra.cloud}": use one of ${Object.keys(CLOUDS).join(', ')}.`);
  return {
    ...cloud,
    authorityHost: entra.authorityHost ? origin(entra.authorityHost, 'authority-host') : cloud.authorityHost,
    graphEndpoint: entra.graphEndpoint ? graphOrigin(entra.graphEndpoint) : cloud.graphEndpoint,
  };
}

// Users may paste the endpoint with its version (`https://graph.microsoft.com/v1.0`); the connector adds it.
// A path is kept, for a private endpoint behind a reverse proxy (`https://proxy.example/graph`).
function graphOrigin(value: string): string {
  const base = origin(value, 'graph-endpoint');
  const path = new URL(value).pathname.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/i, '');
  return `${base}${path}`;
}

/** The scope of an app-only Graph token for this cloud. */
export function graphScope(entra: Pick<EntraInputs, 'cloud'>): string {
  return `${CLOUDS[entra.cloud].graphResource}/.default`;
}
