// What every service handler of the simulator shares: registered apps, the signing key, and access token checks.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Faults, Latency, RequestLog } from './core.js';
import { stableGuid } from './ids.js';
import { isObject, knownCertificate, type KnownCertificate, parseJwt, verifyJws } from './jwt.js';
import type { Tenant } from './tenant.js';
import type { SimulatorApp } from './types.js';

export interface RegisteredApp {
  clientId: string;
  displayName: string;
  roles: string[];
  certificates: KnownCertificate[];
  /** Template ids of its Entra roles: the `wids` of its tokens. */
  directoryRoles: string[];
  /** The service principal's object id (the `oid` of its tokens). */
  servicePrincipalId: string;
  /** The mailboxes an application access policy limits its mail requests to; absent: all. */
  mailboxScope?: string[];
}

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
export const EXCHANGE_RECIPIENT_ADMINISTRATOR = '31392ffb-586c-42d1-9346-e59415a2cc4e';

export type ServiceName = 'graph' | 'exchange' | 'sharepoint';

export interface SimEnv {
  /** https://localhost:<port> */
  url: string;
  tenantId: string;
  organization: string;
  tenant(): Tenant;
  app(clientId: string): RegisteredApp | undefined;
  signingKey: KeyObject;
  verifyKey: KeyObject;
  signingKid: string;
  faults: Faults;
  latency: Latency;
  log: RequestLog;
  /** Aborted when the simulator closes: hung and delayed requests stop waiting. */
  closing: AbortSignal;
}

export function registerApps(apps: SimulatorApp[], tenantId: string): Map<string, RegisteredApp> {
  const map = new Map<string, RegisteredApp>();
  for (const a of apps) {
    map.set(a.clientId.toLowerCase(), {
      clientId: a.clientId,
      displayName: a.displayName ?? 'm365-offboard',
      roles: [...a.roles],
      certificates: a.certificatesPem.map(knownCertificate),
      directoryRoles: [...(a.directoryRoles ?? [EXCHANGE_RECIPIENT_ADMINISTRATOR])],
      servicePrincipalId: stableGuid(tenantId, 'servicePrincipal', a.clientId.toLowerCase()),
      mailboxScope: a.mailboxScope ? [...a.mailboxScope] : undefined,
    });
  }
  return map;
}

export function newSigningKey(): { signingKey: KeyObject; verifyKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { signingKey: privateKey, verifyKey: publicKey };
}

/** The resource a `<resource>/.default` scope names, as the token's audience and the service it is good for. */
export function resourceOfScope(env: SimEnv, resource: string): { aud: string; service: ServiceName } | undefined {
  const r = resource.replace(/\/+$/, '');
  const lowerR = r.toLowerCase();
  if (lowerR === 'https://graph.microsoft.com' || lowerR === GRAPH_APP_ID) return { aud: r, service: 'graph' };
  if (lowerR === 'https://outlook.office365.com' || lowerR === EXCHANGE_APP_ID) return { aud: r, service: 'exchange' };
  const info = env.tenant().info;
  const sharepointOrigins = [info.sharepointAdminUrl, info.oneDriveHost, info.sharepointAdminUrl.replace('-admin.', '.')]
    .map((u) => u.replace(/\/+$/, '').toLowerCase());
  if (sharepointOrigins.includes(lowerR)) return { aud: r, service: 'sharepoint' };
  return undefined;
}

/** Application permissions that a token for this service carries. */
export function rolesFor(service: ServiceName, roles: string[]): string[] {
  if (service === 'exchange') return roles.filter((r) => r.startsWith('Exchange.'));
  if (service === 'sharepoint') return roles.filter((r) => r.startsWith('Sites.'));
  return roles.filter((r) => !r.startsWith('Exchange.'));
}

export type AuthResult =
  | { ok: true; appId: string; roles: string[]; wids: string[]; claims: Record<string, unknown> }
  | { ok: false; problem: 'missing' | 'malformed' | 'signature' | 'expired' | 'audience' | 'tenant'; message: string };

/** Checks a bearer token as a resource server does: signature, lifetime, audience, tenant. */
export function authenticate(env: SimEnv, authorization: string | undefined, audiences: string[]): AuthResult {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!m) return { ok: false, problem: 'missing', message: 'Access token is empty.' };
  const jwt = parseJwt(m[1]);
  if (!jwt) {
    return { ok: false, problem: 'malformed', message: 'IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.' };
  }
  if (jwt.header.alg !== 'RS256' || !verifyJws(jwt, env.verifyKey)) {
    return { ok: false, problem: 'signature', message: 'Access token validation failure.' };
  }
  const c = jwt.claims;
  const now = Math.floor(Date.now() / 1000);
  const skew = 300;
  if (typeof c.exp !== 'number' || c.exp + skew < now || (typeof c.nbf === 'number' && c.nbf - skew > now)) {
    return { ok: false, problem: 'expired', message: 'Lifetime validation failed, the token is expired.' };
  }
  const aud = typeof c.aud === 'string' ? c.aud.replace(/\/+$/, '').toLowerCase() : '';
  if (!audiences.map((a) => a.toLowerCase()).includes(aud)) {
    return { ok: false, problem: 'audience', message: 'Access token validation failure. Invalid audience.' };
  }
  if (c.tid !== env.tenantId) return { ok: false, problem: 'tenant', message: 'Access token validation failure. Invalid tenant.' };
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [];
  const wids = Array.isArray(c.wids) ? c.wids.filter((r): r is string => typeof r === 'string') : [];
  const appId = typeof c.appid === 'string' ? c.appid : '';
  return { ok: true, appId, roles, wids, claims: isObject(c) ? c : {} };
}
