// Entra ID's v2.0 token endpoint for client credentials with a certificate assertion, and its discovery documents.
import type { Ctx, Reply, Routed } from './core.js';
import { resourceOfScope, rolesFor, type SimEnv } from './env.js';
import { entraTimestamp, newGuid } from './ids.js';
import { parseJwt, signRs256, verifyJws } from './jwt.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CERT_DOCS = 'Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .';
const SKEW_S = 300;
/** The `wids` entry of every app token besides the app's own roles (seen in app tokens: microsoftgraph/msgraph-sdk-powershell#1782). */
const SERVICE_PRINCIPAL_DEFAULT_ROLE = '0997a1d0-0d1d-4acb-b408-d5ca73121e90';

export function routeEntra(env: SimEnv, ctx: Ctx): Routed | undefined {
  const segments = ctx.url.pathname.split('/').filter(Boolean);
  if (segments.length === 4 && segments[1] === 'oauth2' && segments[2] === 'v2.0' && segments[3] === 'token') {
    return {
      resource: 'entra',
      op: 'token',
      signature: `entra ${ctx.method} /{tenant}/oauth2/v2.0/token ${tokenGrant(ctx)}`,
      latency: 'token',
      faultReply: (kind, retryAfter) => {
        const reply = entraError(env, ctx, kind === 'throttle' ? 429 : 503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
        return retryAfter === undefined ? reply : { ...reply, headers: { ...reply.headers, 'Retry-After': String(retryAfter) } };
      },
      run: () => issueToken(env, ctx, decodeURIComponent(segments[0])),
    };
  }
  if (ctx.method === 'GET' && segments.length === 4 && segments[1] === 'v2.0' && segments[2] === '.well-known' && segments[3] === 'openid-configuration') {
    return { resource: 'entra', op: 'entra.openid-configuration', signature: 'entra GET /{tenant}/v2.0/.well-known/openid-configuration', run: () => ({ reply: openIdConfiguration(env, ctx, decodeURIComponent(segments[0])) }) };
  }
  if (ctx.method === 'GET' && segments.length === 4 && segments[1] === 'discovery' && segments[2] === 'v2.0' && segments[3] === 'keys') {
    return { resource: 'entra', op: 'entra.keys', signature: 'entra GET /{tenant}/discovery/v2.0/keys', run: () => ({ reply: { status: 200, json: { keys: [jwk(env)] } } }) };
  }
  if (ctx.method === 'GET' && ctx.url.pathname === '/common/discovery/instance') {
    return { resource: 'entra', op: 'entra.instance-discovery', signature: `entra GET /common/discovery/instance?${[...new Set(ctx.url.searchParams.keys())].sort().join('&')}`, run: () => ({ reply: instanceDiscovery(env) }) };
  }
  return undefined;
}

/** The grant and how the client proves itself: `client_credentials+client_assertion` for a certificate. */
function tokenGrant(ctx: Ctx): string {
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const credential = ['client_assertion', 'client_secret'].find((name) => form.has(name));
  return `${form.get('grant_type') ?? '(no grant_type)'}${credential ? `+${credential}` : ''}`;
}

function knownTenant(env: SimEnv, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return [env.tenantId, env.organization, env.tenant().info.id].some((x) => x.toLowerCase() === t);
}

/** The header a stand-in module sends with the Entra host its real counterpart would have sent the request to. */
const LOGIN_HOST_HEADER = 'x-sim-login-host';

// Each national cloud has its own Entra instance that knows only its own tenants: a request sent to another cloud's
// sign-in host fails with AADSTS90002 ("signing into the correct cloud"). Sources: Microsoft Graph national cloud
// deployments (learn.microsoft.com/graph/deployments, "App registration and token service root endpoints") and
// Microsoft Entra authentication and authorization error codes (learn.microsoft.com/entra/identity-platform/reference-error-codes).
// Requests without the header (msal-node, given this server as its authority) sign in here.
function signsInHere(env: SimEnv, ctx: Ctx): boolean {
  const named = ctx.req.headers[LOGIN_HOST_HEADER];
  if (typeof named !== 'string') return true;
  const home = env.tenant().info.loginHost ?? 'login.microsoftonline.com';
  return named.toLowerCase() === home.toLowerCase();
}

function entraError(env: SimEnv, ctx: Ctx, status: number, error: string, code: number, message: string): Reply {
  const timestamp = entraTimestamp();
  const traceId = newGuid();
  return {
    status,
    headers: { 'x-ms-request-id': traceId, 'Cache-Control': 'no-store, no-cache' },
    json: {
      error,
      error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${ctx.clientRequestId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: ctx.clientRequestId,
      error_uri: `${env.url}/error?code=${code}`,
    },
  };
}

function issueToken(env: SimEnv, ctx: Ctx, tenant: string): { reply: Reply; appId?: string } {
  const fail = (status: number, error: string, code: number, message: string) => ({ reply: entraError(env, ctx, status, error, code, message) });
  if (ctx.method !== 'POST') {
    return fail(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.');
  }
  const injected = env.faults.tokenFailure();
  if (injected !== undefined) {
    const reply = injected >= 429
      ? entraError(env, ctx, injected, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.')
      : entraError(env, ctx, injected, 'invalid_request', 90033, 'A transient error has occurred. Please try again.');
    return { reply };
  }
  if (!knownTenant(env, tenant) || !signsInHere(env, ctx)) {
    return fail(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
  }
  const form = new URLSearchParams(ctx.body.toString('utf8'));
  const grantType = form.get('grant_type');
  if (!grantType) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'client_credentials') {
    return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
  const clientId = form.get('client_id');
  if (!clientId) return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const app = env.app(clientId);
  if (!app) {
    return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${env.organization}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const done = (r: { reply: Reply }) => ({ ...r, appId: app.clientId });
  if (form.get('client_secret')) {
    return done(fail(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`));
  }
  const assertion = form.get('client_assertion');
  if (!assertion) {
    return done(fail(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
  }
  if (form.get('client_assertion_type') !== JWT_BEARER) {
    return done(fail(400, 'invalid_request', 50027, `Invalid client_assertion_type '${form.get('client_assertion_type') ?? ''}'. Expected '${JWT_BEARER}'.`));
  }
  const jwt = parseJwt(assertion);
  if (!jwt) return done(fail(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.'));
  const { header, claims } = jwt;
  if (header.alg !== 'RS256' && header.alg !== 'PS256') {
    return done(fail(401, 'invalid_client', 5002738, `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'.`));
  }
  const byS256 = typeof header['x5t#S256'] === 'string' ? Buffer.from(header['x5t#S256'], 'base64').toString('hex').toUpperCase() : undefined;
  const byS1 = typeof header.x5t === 'string' ? Buffer.from(header.x5t, 'base64').toString('hex').toUpperCase() : undefined;
  const presented = byS256 ?? byS1 ?? '';
  const cert = app.certificates.find((c) => (byS256 !== undefined && c.sha256Hex === byS256) || (byS256 === undefined && byS1 !== undefined && c.sha1Hex === byS1));
  const keyHelp = `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.clientId}'`;
  if (!cert) {
    return done(fail(401, 'invalid_client', 700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${presented}', ${keyHelp}]`));
  }
  const found = `Found key 'Start=${fmtUs(cert.cert.validFrom)}, End=${fmtUs(cert.cert.validTo)}'`;
  const nowMs = Date.now();
  if (nowMs < Date.parse(cert.cert.validFrom) || nowMs > Date.parse(cert.cert.validTo)) {
    return done(fail(401, 'invalid_client', 700027, `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${presented}', ${found}, ${keyHelp}]`));
  }
  if (!verifyJws(jwt, cert.cert.publicKey)) {
    return done(fail(401, 'invalid_client', 700027, `Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${presented}', ${found}]`));
  }
  const aud = typeof claims.aud === 'string' ? claims.aud : '';
  if (!acceptedAudiences(env, ctx, tenant).includes(aud.replace(/\/+$/, '').toLowerCase())) {
    return done(fail(401, 'invalid_client', 50027, `JWT token is invalid or malformed. [Reason - Client assertion audience does not match the token endpoint. Audience: '${aud}']`));
  }
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) {
    return done(fail(401, 'invalid_client', 700021, `Client assertion application identifier doesn't match 'client_id' parameter. ${CERT_DOCS}`));
  }
  const now = Math.floor(nowMs / 1000);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
  if (exp === undefined || exp + SKEW_S < now || nbf - SKEW_S > now) {
    const at = (s: number) => new Date(s * 1000).toISOString().replace('Z', '0000Z');
    return done(fail(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(nowMs).toISOString().replace('Z', '0000Z')}, assertion valid from ${at(nbf)}, expiry time of assertion ${exp === undefined ? 'none' : at(exp)}. ${CERT_DOCS}`));
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') {
    return done(fail(401, 'invalid_client', 50027, "JWT token is invalid or malformed. [Reason - The 'jti' claim is missing.]"));
  }
  const scope = (form.get('scope') ?? '').trim();
  const scopes = scope.split(/\s+/).filter(Boolean);
  if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
    return done(fail(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`));
  }
  const resourceId = scopes[0].slice(0, -'/.default'.length);
  const resource = resourceOfScope(env, resourceId);
  if (!resource) {
    return done(fail(400, 'invalid_resource', 500011, `The resource principal named ${resourceId} was not found in the tenant named ${env.organization}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`));
  }
  if (env.faults.keyNotFound(resource.service)) {
    return done(fail(401, 'invalid_client', 700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${presented}', ${keyHelp}]`));
  }
  const roles = rolesFor(resource.service, app.roles);
  const issuer = `https://sts.windows.net/${env.tenantId}/`;
  const accessClaims: Record<string, unknown> = {
    aud: resource.aud,
    iss: issuer,
    iat: now - SKEW_S,
    nbf: now - SKEW_S,
    exp: now + 3599,
    aio: Buffer.from(newGuid()).toString('base64url'),
    app_displayname: app.displayName,
    appid: app.clientId,
    appidacr: '2',
    azp: app.clientId,
    idp: issuer,
    idtyp: 'app',
    oid: app.servicePrincipalId,
    rh: '0.AAAA.',
    ...(roles.length > 0 ? { roles } : {}),
    sub: app.servicePrincipalId,
    tid: env.tenantId,
    uti: Buffer.from(newGuid()).toString('base64url').slice(0, 22),
    ver: '1.0',
    // The app's Entra roles, by template id, next to the default role every service principal holds; Exchange Online
    // configures an app-only session's RBAC from these ("The application object … has a Directory Role assigned to
    // it, which is returned in the access token": https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2).
    wids: [...app.directoryRoles, SERVICE_PRINCIPAL_DEFAULT_ROLE],
  };
  const accessToken = signRs256({ typ: 'JWT', alg: 'RS256', x5t: env.signingKid, kid: env.signingKid }, accessClaims, env.signingKey);
  return {
    appId: app.clientId,
    reply: {
      status: 200,
      headers: { 'Cache-Control': 'no-store, no-cache', 'x-ms-request-id': newGuid() },
      json: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
    },
  };
}

/** This server's origins: its URL, its loopback address, and the Host the client used. */
function authorityHosts(env: SimEnv, ctx: Ctx): string[] {
  const port = new URL(env.url).port;
  const hosts = new Set([env.url, `https://127.0.0.1:${port}`]);
  if (ctx.req.headers.host) hosts.add(`https://${ctx.req.headers.host}`);
  return [...hosts];
}

/** The token endpoint, or the v2.0 issuer, for the tenant named in the path, on any of this server's host names. */
function acceptedAudiences(env: SimEnv, ctx: Ctx, tenant: string): string[] {
  const out: string[] = [];
  for (const origin of authorityHosts(env, ctx)) {
    for (const t of [tenant, env.tenantId, env.organization]) {
      out.push(`${origin}/${t}/oauth2/v2.0/token`.toLowerCase(), `${origin}/${t}/v2.0`.toLowerCase());
    }
  }
  return out;
}

function openIdConfiguration(env: SimEnv, ctx: Ctx, tenant: string): Reply {
  if (!knownTenant(env, tenant)) {
    return entraError(env, ctx, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
  }
  const base = `${env.url}/${env.tenantId}`;
  return {
    status: 200,
    json: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    },
  };
}

function instanceDiscovery(env: SimEnv): Reply {
  const host = new URL(env.url).host;
  return {
    status: 200,
    json: {
      tenant_discovery_endpoint: `${env.url}/${env.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

function jwk(env: SimEnv): Record<string, unknown> {
  const key = env.verifyKey.export({ format: 'jwk' });
  return { kty: 'RSA', use: 'sig', kid: env.signingKid, x5t: env.signingKid, n: key.n, e: key.e, issuer: `https://login.microsoftonline.com/${env.tenantId}/v2.0` };
}

/** Entra prints key validity as US dates: `08/18/2024 19:33:23`. */
function fmtUs(date: string): string {
  const d = new Date(date);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
