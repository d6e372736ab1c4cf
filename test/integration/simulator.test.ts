// The Microsoft 365 simulator against the real clients (msal-node, the Graph client), asserting on its state and log.
import { spawn } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseFixture, SKU_E3, SKU_EMS } from '../stack/fixture.js';
import { withRoleHolders } from '../stack/fixture-roles.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import { startSimulator, type Simulator, type SimulatorApp, type SimUserState } from '../stack/simulator/index.js';
import { type AppCertificate, createAppCertificate, createTestCa, issueServerCertificate, type ServerCertificate } from '../stack/tls.js';

const fixture = baseFixture();
const tenantId = fixture.tenant.id;
const organization = fixture.tenant.organization;
const FULL_APP = '3c0a7e21-6a0b-4e55-9d1e-0f4b8a2c6d71';
const READER_APP = '7b1e2f90-2c4d-4a8e-b6f1-5d3c9e0a4b82';
/** Exchange.ManageAsApp granted, but no Entra role assigned. */
const NO_ROLE_APP = '5e2d7c41-8b3a-4f6e-a9d2-1c7b0e4f3a68';
const FULL_ROLES = [
  'User.Read.All',
  'User.EnableDisableAccount.All',
  'User.RevokeSessions.All',
  'Files.Read.All',
  'Directory.Read.All',
  'GroupMember.ReadWrite.All',
  'LicenseAssignment.ReadWrite.All',
  'Exchange.ManageAsApp',
  'Sites.FullControl.All',
];
const sids: Record<string, string> = Object.fromEntries(
  fixture.people.filter((p) => p.sam).map((p, i) => [p.key, `S-1-5-21-3623811015-3361044348-30300820-${1101 + i}`]),
);
const here = path.dirname(fileURLToPath(import.meta.url));

let dir: string;
let serverCert: ServerCertificate;
let appCert: AppCertificate;
let strangerCert: AppCertificate;
let sim: Simulator;
let control: SimulatorControl;
let apps: SimulatorApp[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'm365-sim-test-'));
  const ca = createTestCa(path.join(dir, 'ca'));
  serverCert = issueServerCertificate(ca, 'simulator', { dns: ['localhost'], ip: ['127.0.0.1'] });
  appCert = createAppCertificate(path.join(dir, 'app'), 'm365-offboard');
  strangerCert = createAppCertificate(path.join(dir, 'app'), 'someone-else');
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ca.caPem]);
  apps = [
    { clientId: FULL_APP, displayName: 'm365-offboard', certificatesPem: [appCert.certPem], roles: FULL_ROLES },
    { clientId: READER_APP, displayName: 'read-only', certificatesPem: [appCert.certPem], roles: ['User.Read.All'] },
    { clientId: NO_ROLE_APP, displayName: 'no-exchange-role', certificatesPem: [appCert.certPem], roles: ['Exchange.ManageAsApp'], directoryRoles: [] },
  ];
  sim = await startSimulator({
    tls: { certPem: serverCert.certPem, keyPem: serverCert.keyPem },
    port: 0,
    tenantId,
    organization,
    apps,
    fixture,
    sids,
  });
  control = new SimulatorControl(sim.url);
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await control.reset();
  await control.clearFaults();
  await control.latency({}, 1);
  await control.clearLog();
});

// ---- clients ------------------------------------------------------------------------------------------------------

/** A fresh msal instance per call: msal caches tokens and remembers throttling per instance. */
function msal(cert: AppCertificate = appCert, clientId = FULL_APP): ConfidentialClientApplication {
  const authority = `${sim.url}/${tenantId}`;
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      authority,
      clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.keyPem },
      knownAuthorities: [new URL(sim.url).host],
      authorityMetadata: JSON.stringify({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
      }),
    },
  });
}

async function token(resource = 'https://graph.microsoft.com', clientId = FULL_APP): Promise<string> {
  const result = await msal(appCert, clientId).acquireTokenByClientCredential({ scopes: [`${resource}/.default`] });
  if (!result) throw new Error('no token');
  return result.accessToken;
}

function graphClient(clientId = FULL_APP): Client {
  const app = msal(appCert, clientId);
  return Client.initWithMiddleware({
    authProvider: {
      getAccessToken: async () => {
        const result = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
        if (!result) throw new Error('no token');
        return result.accessToken;
      },
    },
    // The client appends the version (v1.0) to baseUrl itself.
    baseUrl: sim.url,
    customHosts: new Set(['localhost']),
  });
}

/** One raw HTTPS call, for asserting on status codes and bodies exactly as the service sends them. */
async function call(method: string, pathAndQuery: string, accessToken: string | undefined, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<{ status: number; body: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
  const res = await fetch(`${sim.url}${pathAndQuery}`, {
    method,
    signal,
    headers: {
      ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function userState(key: string): Promise<SimUserState> {
  const user = (await control.state()).users.find((u) => u.key === key);
  if (!user) throw new Error(`no user ${key}`);
  return user;
}

const decodeJwt = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;

/** A client assertion built by hand (RS256, x5t), for cases msal would never send. */
function assertion(claims: Record<string, unknown>, cert: AppCertificate = appCert): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t: cert.x5t })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createSign('SHA256').update(`${header}.${payload}`).sign(cert.keyPem).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

async function postToken(tenant: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- Entra's error JSON, checked field by field
  const res = await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form), headers });
  return { status: res.status, body: await res.json() };
}

function clientCredentials(claims: Partial<Record<string, unknown>> = {}, clientId = FULL_APP): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    grant_type: 'client_credentials',
    client_id: clientId,
    scope: 'https://graph.microsoft.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion({
      aud: `${sim.url}/${tenantId}/oauth2/v2.0/token`,
      iss: clientId,
      sub: clientId,
      jti: randomUUID(),
      nbf: now,
      exp: now + 600,
      ...claims,
    }),
  };
}

// ---- Entra token endpoint -----------------------------------------------------------------------------------------

describe('token endpoint', () => {
  it('issues msal-node a Graph token for the registered certificate, carrying the app roles', async () => {
    const claims = decodeJwt(await token());
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims.tid).toBe(tenantId);
    expect(claims.appid).toBe(FULL_APP);
    expect(claims.roles).toEqual(expect.arrayContaining(['User.Read.All', 'User.EnableDisableAccount.All']));
    expect(claims.roles).not.toContain('Exchange.ManageAsApp');
    expect(Number(claims.exp) - Math.floor(Date.now() / 1000)).toBeGreaterThan(3000);
    expect((await control.log()).counts.token).toBe(1);
  });

  it('refuses msal-node when the assertion is signed with an unregistered certificate (AADSTS700027)', async () => {
    await expect(msal(strangerCert).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }))
      .rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS700027') });
    const entry = (await control.log()).entries.find((e) => e.op === 'token');
    expect(entry?.status).toBe(401);
  });

  it('refuses the tokens of the resources a keyNotFound fault names as for an unregistered certificate, and issues the others', async () => {
    await control.faults({ keyNotFound: { resources: ['sharepoint'] } });
    await expect(msal().acquireTokenByClientCredential({ scopes: [`${fixture.tenant.sharepointAdminUrl}/.default`] }))
      .rejects.toMatchObject({ errorCode: 'invalid_client', errorMessage: expect.stringContaining('AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found.') });
    expect(decodeJwt(await token()).aud).toBe('https://graph.microsoft.com');
  });

  it('issues an Exchange token with only Exchange.ManageAsApp and a SharePoint token with only Sites roles', async () => {
    const exchange = decodeJwt(await token('https://outlook.office365.com'));
    expect(exchange.aud).toBe('https://outlook.office365.com');
    expect(exchange.roles).toEqual(['Exchange.ManageAsApp']);
    const sharepoint = decodeJwt(await token(fixture.tenant.sharepointAdminUrl));
    expect(sharepoint.aud).toBe(fixture.tenant.sharepointAdminUrl);
    expect(sharepoint.roles).toEqual(['Sites.FullControl.All']);
  });

  it('signs a worldwide tenant in at login.microsoftonline.com only: another cloud\'s sign-in host does not know it (AADSTS90002)', async () => {
    const here = await postToken(tenantId, clientCredentials(), { 'x-sim-login-host': 'login.microsoftonline.com' });
    expect(here.status).toBe(200);
    for (const host of ['login.microsoftonline.us', 'login.chinacloudapi.cn']) {
      const { status, body } = await postToken(tenantId, clientCredentials(), { 'x-sim-login-host': host });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
      expect(body.error_description).toMatch(new RegExp(`^AADSTS90002: Tenant '${tenantId}' not found\\. Check to make sure you have the correct tenant ID and are signing into the correct cloud\\.`));
    }
  });

  it("answers an unknown tenant with Entra's AADSTS90002 error body", async () => {
    const { status, body } = await postToken('contoso-wrong.onmicrosoft.com', clientCredentials());
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    expect(body.error_description).toMatch(/^AADSTS90002: Tenant 'contoso-wrong.onmicrosoft.com' not found\./);
    expect(body).toHaveProperty('trace_id');
    expect(body).toHaveProperty('correlation_id');
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it('answers an unknown client id with AADSTS700016', async () => {
    const stranger = '11111111-2222-4333-8444-555555555555';
    const { status, body } = await postToken(tenantId, clientCredentials({}, stranger));
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(body.error_description).toContain(`Application with identifier '${stranger}' was not found in the directory`);
  });

  it('answers an expired assertion with AADSTS700024', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const { status, body } = await postToken(tenantId, clientCredentials({ nbf: past - 600, exp: past }));
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
  });

  it('accepts an RS256 assertion named by x5t and addressed to the tenant domain', async () => {
    const form = clientCredentials({ aud: `${sim.url}/${organization}/oauth2/v2.0/token` });
    const { status, body } = await postToken(organization, form);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
  });

  it('refuses an assertion addressed to another token endpoint', async () => {
    const { status, body } = await postToken(tenantId, clientCredentials({ aud: `https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/token` }));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('fails the next token request when told to, then issues tokens again', async () => {
    await control.faults({ token: { failNext: 1, status: 503 } });
    await expect(msal().acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toBeDefined();
    await expect(token()).resolves.toMatch(/^ey/);
    // msal-node does not retry a failed token request itself.
    expect((await control.log()).entries.filter((e) => e.op === 'token').map((e) => e.status)).toEqual([503, 200]);
  });
});

// ---- Graph --------------------------------------------------------------------------------------------------------

describe('Graph', () => {
  it('serves a user to the Graph client over HTTPS with $select', async () => {
    const user = await graphClient()
      .api(`/users/${encodeURIComponent('jdoe@contoso.test')}`)
      .select(['id', 'userPrincipalName', 'accountEnabled', 'onPremisesSecurityIdentifier', 'employeeId', 'assignedLicenses'])
      .get();
    expect(user).toMatchObject({
      userPrincipalName: 'jdoe@contoso.test',
      accountEnabled: true,
      onPremisesSecurityIdentifier: sids.jdoe,
      employeeId: 'E1001',
      assignedLicenses: [{ skuId: SKU_E3, disabledPlans: [] }],
    });
    expect(user).not.toHaveProperty('displayName');
  });

  it('returns only the default properties without $select', async () => {
    const { body, headers } = await call('GET', '/v1.0/users/jdoe@contoso.test', await token(), undefined, { 'client-request-id': 'abc-123' });
    expect(body).toHaveProperty('displayName', 'Jane Doe');
    expect(body).not.toHaveProperty('accountEnabled');
    expect(headers.get('client-request-id')).toBe('abc-123');
    expect(headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers an unknown user with Graph's Request_ResourceNotFound body", async () => {
    const { status, body } = await call('GET', '/v1.0/users/nobody@contoso.test', await token());
    expect(status).toBe(404);
    expect(body.error.code).toBe('Request_ResourceNotFound');
    expect(body.error.message).toBe("Resource 'nobody@contoso.test' does not exist or one of its queried reference-property objects are not present.");
    expect(body.error.innerError).toHaveProperty('request-id');
  });

  it('refuses a request without a token with InvalidAuthenticationToken', async () => {
    const { status, body } = await call('GET', '/v1.0/users/jdoe@contoso.test', undefined);
    expect(status).toBe(401);
    expect(body.error.code).toBe('InvalidAuthenticationToken');
  });

  it('refuses an Exchange token at Graph (wrong audience)', async () => {
    const { status, body } = await call('GET', '/v1.0/users/jdoe@contoso.test', await token('https://outlook.office365.com'));
    expect(status).toBe(401);
    expect(body.error.message).toContain('Invalid audience');
  });

  it('retries an injected 429 in the Graph client and then succeeds', async () => {
    await control.faults({ throttle: { next: 1, retryAfter: [0, 0], ops: ['graph.get.user'] } });
    const user = await graphClient().api('/users/jdoe@contoso.test').get();
    expect(user.userPrincipalName).toBe('jdoe@contoso.test');
    const reads = (await control.log()).entries.filter((e) => e.op === 'graph.get.user');
    expect(reads.map((e) => e.status)).toEqual([429, 200]);
    expect(reads[0].fault).toBe('throttle');
  });

  it('sends Retry-After with the injected 429', async () => {
    await control.faults({ throttle: { share: 1, retryAfter: [7, 7] } });
    const { status, headers, body } = await call('GET', '/v1.0/users/jdoe@contoso.test', await token());
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
    expect(body.error.code).toBe('TooManyRequests');
  });

  it('throttles an even share of requests, deterministically', async () => {
    await control.faults({ throttle: { share: 0.25, retryAfter: [1, 1], ops: ['graph.read'] } });
    const accessToken = await token();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('GET', '/v1.0/users/jdoe@contoso.test', accessToken)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 200, 200, 200, 429]);
  });

  it('answers with 503 during an injected outage burst, and the Graph client rides it out', async () => {
    await control.faults({ unavailable: { burst: 1, retryAfter: 0, ops: ['graph.get.user'] } });
    const user = await graphClient().api('/users/jdoe@contoso.test').get();
    expect(user.userPrincipalName).toBe('jdoe@contoso.test');
    expect((await control.log()).entries.filter((e) => e.op === 'graph.get.user').map((e) => e.status)).toEqual([503, 200]);
  });

  it('disables a cloud-only user with PATCH accountEnabled', async () => {
    await graphClient().api('/users/chloe.nuage@contoso.test').patch({ accountEnabled: false });
    expect((await userState('cloudy')).accountEnabled).toBe(false);
  });

  it('refuses PATCH accountEnabled with 403 to an app without User.EnableDisableAccount.All', async () => {
    const { status, body } = await call('PATCH', '/v1.0/users/chloe.nuage@contoso.test', await token('https://graph.microsoft.com', READER_APP), { accountEnabled: false });
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect((await userState('cloudy')).accountEnabled).toBe(true);
  });

  it('refuses PATCH accountEnabled on a user synced from AD with the on-premises message', async () => {
    const error: unknown = await graphClient().api('/users/jdoe@contoso.test').patch({ accountEnabled: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'Request_BadRequest',
      message: 'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
    });
    expect((await userState('jdoe')).accountEnabled).toBe(true);
  });

  it('revokes sign-in sessions with 200 {value: true} and records when', async () => {
    const before = Date.now();
    const result = await graphClient().api('/users/jdoe@contoso.test/revokeSignInSessions').post({});
    expect(result.value).toBe(true);
    const { revocations, signInSessionsValidFromDateTime } = await userState('jdoe');
    expect(revocations).toHaveLength(1);
    expect(Date.parse(revocations[0])).toBeGreaterThanOrEqual(before);
    expect(signInSessionsValidFromDateTime).not.toBeNull();
  });

  it('finds a user by a surname with a doubled quote in $filter', async () => {
    const value = "O'Brien";
    const filter = `surname eq '${value.replace(/'/g, "''")}'`;
    const { status, body } = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}&$select=id,userPrincipalName`, await token());
    expect(status).toBe(200);
    expect(body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName)).toEqual(['sean.obrien@contoso.test']);
  });

  it('matches nobody when an injection attempt is quoted properly', async () => {
    const hostile = "x' or 1 eq 1 or mail eq 'y";
    const filter = `userPrincipalName eq '${hostile.replace(/'/g, "''")}'`;
    const { status, body } = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}`, await token());
    expect(status).toBe(200);
    expect(body.value).toEqual([]);
  });

  it('refuses an unquoted injection attempt with 400', async () => {
    const filter = "userPrincipalName eq 'x' or 1 eq 1'";
    const { status, body } = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}`, await token());
    expect(status).toBe(400);
    expect(['BadRequest', 'Request_UnsupportedQuery']).toContain(body.error.code);
  });

  it('looks up many users in one $filter with in() and or, up to 15 clauses', async () => {
    const ids = ['E1001', 'E1002', 'E1003'];
    const filter = `employeeId in (${ids.map((i) => `'${i}'`).join(',')}) or mail eq 'chloe.nuage@contoso.test'`;
    const { body } = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(filter)}&$select=employeeId`, await token());
    expect(body.value.map((u: { employeeId: string }) => u.employeeId).sort()).toEqual(['E1001', 'E1002', 'E1003', 'E2001']);
    const tooMany = Array.from({ length: 16 }, (_, i) => `employeeId eq 'X${i}'`).join(' or ');
    const refused = await call('GET', `/v1.0/users?$filter=${encodeURIComponent(tooMany)}`, await token());
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
  });

  it('pages through users with $top and @odata.nextLink', async () => {
    const client = graphClient();
    const seen: string[] = [];
    let page = await client.api('/users').top(5).select('userPrincipalName').get();
    let pages = 1;
    for (;;) {
      seen.push(...page.value.map((u: { userPrincipalName: string }) => u.userPrincipalName));
      if (!page['@odata.nextLink']) break;
      page = await client.api(page['@odata.nextLink']).get();
      pages++;
    }
    const cloudUsers = fixture.people.filter((p) => p.cloud).map((p) => p.userPrincipalName);
    expect(seen.sort()).toEqual([...cloudUsers].sort());
    expect(pages).toBe(Math.ceil(cloudUsers.length / 5));
  });

  it('expands the manager with its own $select', async () => {
    const { body } = await call('GET', `/v1.0/users?$filter=${encodeURIComponent("employeeId eq 'E1001'")}&$select=id&$expand=${encodeURIComponent('manager($select=id,userPrincipalName,accountEnabled)')}`, await token());
    expect(body.value[0].manager).toMatchObject({ '@odata.type': '#microsoft.graph.user', userPrincipalName: 'salesvp@contoso.test', accountEnabled: true });
  });

  it('answers /manager with 404 when there is none', async () => {
    const { status, body } = await call('GET', '/v1.0/users/ceo@contoso.test/manager', await token());
    expect(status).toBe(404);
    expect(body.error.code).toBe('Request_ResourceNotFound');
  });

  it("gives the OneDrive webUrl, 400 for a user with no mysite, and 404 once licensed while the OneDrive isn't created", async () => {
    const accessToken = await token();
    const { body } = await call('GET', '/v1.0/users/sean.obrien@contoso.test/drive', accessToken);
    expect(body).toMatchObject({ driveType: 'business', webUrl: 'https://contoso-my.sharepoint.com/personal/sean_obrien_contoso_test/Documents' });
    const selected = await call('GET', '/v1.0/users/sean.obrien@contoso.test/drive?$select=webUrl', accessToken);
    expect(Object.keys(selected.body).sort()).toEqual(['@odata.context', 'webUrl']);
    const missing = await call('GET', '/v1.0/users/noor.drive@contoso.test/drive', accessToken);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'BadRequest', message: "Unable to retrieve user's mysite URL." });
    const assigned = await call('POST', '/v1.0/users/noor.drive@contoso.test/assignLicense', accessToken, { addLicenses: [{ skuId: SKU_E3, disabledPlans: [] }], removeLicenses: [] });
    expect(assigned.status).toBe(200);
    const notYet = await call('GET', '/v1.0/users/noor.drive@contoso.test/drive', accessToken);
    expect(notYet.status).toBe(404);
    expect(notYet.body.error).toMatchObject({ code: 'ResourceNotFound', message: "User's mysite not found." });
  });

  it('lists directory roles with their members and a user\'s memberOf with types', async () => {
    const accessToken = await token();
    const roles = await call('GET', '/v1.0/directoryRoles?$expand=members', accessToken);
    const globalAdmin = roles.body.value.find((r: { displayName: string }) => r.displayName === 'Global Administrator');
    expect(globalAdmin.roleTemplateId).toBe('62e90394-69f5-4237-9190-012177145e10');
    expect(globalAdmin.members.map((m: { userPrincipalName: string }) => m.userPrincipalName)).toEqual(['gadmin@contoso.test']);
    const memberOf = await call('GET', '/v1.0/users/gadmin@contoso.test/memberOf', accessToken);
    expect(memberOf.body.value.map((o: Record<string, string>) => o['@odata.type'])).toContain('#microsoft.graph.directoryRole');
  });

  it('adds a user to a group with members/$ref and refuses the same reference twice', async () => {
    const groupId = fixture.entraGroups[0].id;
    const accessToken = await token();
    const jdoe = await userState('jdoe');
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${jdoe.id}` };
    expect((await call('POST', `/v1.0/groups/${groupId}/members/$ref`, accessToken, ref)).status).toBe(204);
    const again = await call('POST', `/v1.0/groups/${groupId}/members/$ref`, accessToken, ref);
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe("One or more added object references already exist for the following modified properties: 'members'.");
    expect((await control.state()).groups.find((g) => g.id === groupId)?.members).toEqual([jdoe.id]);
  });

  it('finds a group by display name but not by a name in the path', async () => {
    const accessToken = await token();
    const { body } = await call('GET', `/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'Offboarding Block'")}&$select=id,displayName`, accessToken);
    expect(body.value).toEqual([{ id: fixture.entraGroups[0].id, displayName: 'Offboarding Block' }]);
    const byName = await call('GET', `/v1.0/groups/${encodeURIComponent('Offboarding Block')}`, accessToken);
    expect(byName.status).toBe(400);
    expect(byName.body.error.message).toBe("Invalid object identifier 'Offboarding Block'.");
  });

  it('removes a direct licence but refuses one inherited from a group', async () => {
    const accessToken = await token();
    const inherited = await call('POST', '/v1.0/users/chloe.nuage@contoso.test/assignLicense', accessToken, { addLicenses: [], removeLicenses: [SKU_EMS] });
    expect(inherited.status).toBe(400);
    expect(inherited.body.error.message).toBe('User license is inherited from a group membership and it cannot be removed directly from the user.');
    const direct = await call('POST', '/v1.0/users/chloe.nuage@contoso.test/assignLicense', accessToken, { addLicenses: [], removeLicenses: [SKU_E3] });
    expect(direct.status).toBe(200);
    expect((await userState('cloudy')).licenses).toEqual([{ skuId: SKU_EMS, assignedByGroup: expect.any(String) }]);
    const withoutAdd = await call('POST', '/v1.0/users/chloe.nuage@contoso.test/assignLicense', accessToken, { removeLicenses: [] });
    expect(withoutAdd.status).toBe(400);
  });

  it('answers each $batch item with its own status, by id, honouring dependsOn', async () => {
    const json = { 'Content-Type': 'application/json' };
    const { status, body } = await call('POST', '/v1.0/$batch', await token(), {
      requests: [
        { id: '1', method: 'GET', url: '/users/jdoe@contoso.test?$select=id' },
        { id: '2', method: 'GET', url: 'users/nobody@contoso.test' },
        { id: '3', method: 'PATCH', url: '/users/jdoe@contoso.test', headers: json, body: { accountEnabled: false } },
        { id: '4', method: 'PATCH', url: '/users/chloe.nuage@contoso.test', headers: json, body: { accountEnabled: false } },
        { id: '5', method: 'POST', url: '/users/chloe.nuage@contoso.test/revokeSignInSessions', dependsOn: ['4'] },
        { id: '6', method: 'POST', url: '/users/jdoe@contoso.test/revokeSignInSessions', dependsOn: ['3'] },
      ],
    });
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.responses.map((r: { id: string; status: number }) => [r.id, r.status]));
    expect(byId).toEqual({ 1: 200, 2: 404, 3: 400, 4: 204, 5: 200, 6: 424 });
    expect((await userState('cloudy')).revocations).toHaveLength(1);
    expect((await userState('jdoe')).revocations).toHaveLength(0);
    const log = await control.log();
    expect(log.counts['graph.batch']).toBe(1);
    expect(log.counts['graph.patch.user']).toBe(2);
    expect(log.httpRequests.graph).toBe(1);
  });

  it('throttles $batch items one by one with a Retry-After header each', async () => {
    await control.faults({ throttle: { share: 0.5, retryAfter: [2, 3], ops: ['graph.get.user'] } });
    const requests = ['ceo', 'cfo', 'salesvp', 'jdoe'].map((k, i) => ({ id: String(i), method: 'GET', url: `/users/${k}@contoso.test` }));
    const { body } = await call('POST', '/v1.0/$batch', await token(), { requests });
    const throttled = body.responses.filter((r: { status: number }) => r.status === 429);
    expect(throttled).toHaveLength(2);
    expect(throttled.map((r: { headers: Record<string, string> }) => r.headers['Retry-After']).sort()).toEqual(['2', '3']);
  });

  it('refuses a $batch of more than 20 requests', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users/jdoe@contoso.test' }));
    const { status, body } = await call('POST', '/v1.0/$batch', await token(), { requests });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BadRequest');
  });

  it('carries out a write whose answer comes back malformed', async () => {
    await control.faults({ malformed: { next: 1, ops: ['graph.patch.user'] } });
    const res = await fetch(`${sim.url}/v1.0/users/chloe.nuage@contoso.test`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${await token()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountEnabled: false }),
    });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
    expect((await userState('cloudy')).accountEnabled).toBe(false);
  });

  it('holds a hung request until the client gives up, and logs it', async () => {
    const accessToken = await token();
    await control.faults({ hang: { ops: ['graph.get.user'] } });
    await expect(call('GET', '/v1.0/users/jdoe@contoso.test', accessToken, undefined, {}, AbortSignal.timeout(300))).rejects.toThrow();
    const entry = (await control.log()).entries.find((e) => e.op === 'graph.get.user');
    expect(entry).toMatchObject({ status: 0, fault: 'hang' });
  });

  it('applies latency per operation kind, scaled', async () => {
    const accessToken = await token();
    await control.latency({ 'graph.read': 100 }, 2);
    const started = Date.now();
    await call('GET', '/v1.0/users/jdoe@contoso.test', accessToken);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

// ---- Graph role management ------------------------------------------------------------------------------------------

describe('Graph role management', () => {
  const ROLE_APP = '5e2c8d14-9b3a-4f6e-8c2d-1a7b9e3f0c55';
  const rolesFixture = withRoleHolders(baseFixture());
  const HELPDESK = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
  const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
  const groupId = async (displayName: string): Promise<string> => (await control.state()).groups.find((g) => g.displayName === displayName)?.id ?? '';
  const roleToken = (): Promise<string> => token('https://graph.microsoft.com', ROLE_APP);

  beforeAll(async () => {
    await control.apps([...apps, { clientId: ROLE_APP, displayName: 'role-reader', certificatesPem: [appCert.certPem], roles: ['RoleManagement.ReadWrite.Directory', 'GroupMember.ReadWrite.All', 'User.Read.All'] }]);
    await control.load(rolesFixture, sids);
  });

  afterAll(async () => {
    await control.load(fixture, sids);
    await control.apps(apps);
  });

  it('lists role definitions, built-in ones under their template id and custom ones with isBuiltIn false, filtered as documented', async () => {
    const accessToken = await roleToken();
    const custom = await call('GET', '/v1.0/roleManagement/directory/roleDefinitions?$filter=isBuiltIn eq false', accessToken);
    expect(custom.body.value.map((d: { displayName: string }) => d.displayName)).toEqual(['Sales Helpdesk']);
    const helpdesk = await call('GET', `/v1.0/roleManagement/directory/roleDefinitions?$filter=${encodeURIComponent("displayName in ('Helpdesk Administrator')")}`, accessToken);
    expect(helpdesk.body.value).toEqual([expect.objectContaining({ id: HELPDESK, templateId: HELPDESK, isBuiltIn: true })]);
    for (const refused of ["description eq 'x'", "startswith(displayName,'Help')", 'isBuiltIn ne true']) {
      const answer = await call('GET', `/v1.0/roleManagement/directory/roleDefinitions?$filter=${encodeURIComponent(refused)}`, accessToken);
      expect([refused, answer.status, answer.body.error.code]).toEqual([refused, 400, 'Request_UnsupportedQuery']);
    }
  });

  it('lists role assignments with their scope, the principal expanded, filtered on the four ids with eq and in only', async () => {
    const accessToken = await roleToken();
    const helpdesk = await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${HELPDESK}'&$expand=principal`, accessToken);
    expect(helpdesk.body.value).toEqual([
      expect.objectContaining({ directoryScopeId: '/', principal: expect.objectContaining({ '@odata.type': '#microsoft.graph.group', displayName: 'Tier 1 Support Admins', isAssignableToRole: true }) }),
    ]);
    const all = await call('GET', '/v1.0/roleManagement/directory/roleAssignments', accessToken);
    expect(all.body.value.map((a: { directoryScopeId: string }) => a.directoryScopeId).filter((s: string) => s !== '/')).toEqual([expect.stringMatching(/^\/administrativeUnits\/[0-9a-f-]{36}$/)]);
    expect(all.body.value.some((a: { roleDefinitionId: string }) => a.roleDefinitionId === GLOBAL_ADMIN)).toBe(true);
    for (const refused of [`roleDefinitionId ne '${HELPDESK}'`, "id eq 'x'"]) {
      const answer = await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(refused)}`, accessToken);
      expect([refused, answer.status, answer.body.error.code]).toEqual([refused, 400, 'Request_UnsupportedQuery']);
    }
    const appScope = await call('GET', '/v1.0/roleManagement/directory/roleAssignments?$expand=appScope', accessToken);
    expect(appScope.status).toBe(400);
  });

  it('lists PIM eligibilities apart from the active assignments; their filter takes ne but not in', async () => {
    const accessToken = await roleToken();
    const eligible = await call('GET', `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=${encodeURIComponent("memberType ne 'Inherited'")}&$expand=principal`, accessToken);
    expect(eligible.status).toBe(200);
    expect(eligible.body.value.map((e: { principal: { '@odata.type': string } }) => e.principal['@odata.type']).sort()).toEqual(['#microsoft.graph.group', '#microsoft.graph.user']);
    const active = await call('GET', `/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${GLOBAL_ADMIN}'&$expand=principal`, accessToken);
    expect(active.body.value.map((a: { principal: { userPrincipalName?: string } }) => a.principal.userPrincipalName)).toEqual(['gadmin@contoso.test']);
    const refused = await call('GET', `/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=${encodeURIComponent(`roleDefinitionId in ('${GLOBAL_ADMIN}')`)}`, accessToken);
    expect([refused.status, refused.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
  });

  it('answers 403 without the permission: Authorization_RequestDenied for assignments, PIM\'s UnknownError for eligibilities', async () => {
    const reader = await token('https://graph.microsoft.com', READER_APP);
    for (const collection of ['roleAssignments', 'roleDefinitions']) {
      const answer = await call('GET', `/v1.0/roleManagement/directory/${collection}`, reader);
      expect([collection, answer.status, answer.body.error.code]).toEqual([collection, 403, 'Authorization_RequestDenied']);
    }
    // Directory.Read.All reads assignments, not eligibilities.
    const directoryReader = await token();
    expect((await call('GET', '/v1.0/roleManagement/directory/roleAssignments', directoryReader)).status).toBe(200);
    const eligibility = await call('GET', '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances', directoryReader);
    expect(eligibility.status).toBe(403);
    expect(eligibility.body.error.code).toBe('UnknownError');
    expect(JSON.parse(eligibility.body.error.message)).toMatchObject({ errorCode: 'PermissionScopeNotGranted' });
    const members = await call('GET', `/v1.0/groups/${await groupId('Tier 1 Support Admins')}/transitiveMembers`, reader);
    expect(members.status).toBe(403);
  });

  it('expands at most 20 members, without a nextLink, where the members list has all 26', async () => {
    const accessToken = await token();
    const id = await groupId('Tier 1 Support Admins');
    const expanded = await call('GET', `/v1.0/groups/${id}?$expand=members`, accessToken);
    expect(expanded.body.members).toHaveLength(20);
    expect(JSON.stringify(expanded.body)).not.toContain('nextLink');
    const listed = await call('GET', `/v1.0/groups/${id}/members?$top=999`, accessToken);
    expect(listed.body.value).toHaveLength(26);
    expect(listed.body.value.filter((m: Record<string, string>) => m['@odata.type'] === '#microsoft.graph.servicePrincipal').map((m: Record<string, string>) => m.displayName)).toEqual(['Ticketing Automation']);
    const roles = await call('GET', '/v1.0/directoryRoles?$expand=members', accessToken);
    const helpdesk = roles.body.value.find((r: { roleTemplateId: string }) => r.roleTemplateId === HELPDESK);
    expect(helpdesk.members.map((m: Record<string, string>) => m['@odata.type'])).toEqual(['#microsoft.graph.group']);
  });

  it('lists transitive members of every type, and a type cast only as an advanced query', async () => {
    const accessToken = await token();
    const id = await groupId('Tier 1 Support Admins');
    expect((await call('GET', `/v1.0/groups/${id}/transitiveMembers`, accessToken)).body.value).toHaveLength(26);
    const plain = await call('GET', `/v1.0/groups/${id}/transitiveMembers/microsoft.graph.user`, accessToken);
    expect([plain.status, plain.body.error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    const advanced = await call('GET', `/v1.0/groups/${id}/transitiveMembers/microsoft.graph.user?$count=true`, accessToken, undefined, { ConsistencyLevel: 'eventual' });
    expect(advanced.body['@odata.count']).toBe(25);
  });

  it('refuses a group as member of a role-assignable group, and membership changes without RoleManagement.ReadWrite.Directory', async () => {
    const id = await groupId('Tier 1 Support Admins');
    const before = (await control.state()).groups;
    const jdoe = await userState('jdoe');
    const groupMember = await call('POST', `/v1.0/groups/${id}/members/$ref`, await token(), { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${jdoe.id}` });
    expect([groupMember.status, groupMember.body.error.code]).toEqual([403, 'Authorization_RequestDenied']);
    const nested = await call('POST', `/v1.0/groups/${id}/members/$ref`, await roleToken(), { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${fixture.entraGroups[0].id}` });
    expect(nested.status).toBe(400);
    expect(nested.body.error.message).toBe('Nesting is currently not supported for groups that can be assigned to a role.');
    expect((await control.state()).groups).toEqual(before);
  });

  it('answers 400 AadPremiumLicenseRequired for eligibilities in a tenant without Entra ID P2', async () => {
    await control.load({ ...rolesFixture, pimLicensed: false }, sids);
    try {
      const answer = await call('GET', '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances', await roleToken());
      expect([answer.status, answer.body.error.code]).toEqual([400, 'AadPremiumLicenseRequired']);
    } finally {
      await control.load(rolesFixture, sids);
    }
  });
});

// ---- Exchange Online and SharePoint -------------------------------------------------------------------------------

async function exchange(cmdlet: string, parameters: Record<string, unknown>, accessToken?: string) {
  return call('POST', `/adminapi/beta/${organization}/InvokeCommand`, accessToken ?? (await token('https://outlook.office365.com')), {
    CmdletInput: { CmdletName: cmdlet, Parameters: parameters },
  });
}

async function sharepoint(cmdlet: string, parameters: Record<string, unknown>) {
  return call('POST', '/_sim/spo/InvokeCommand', await token(fixture.tenant.sharepointAdminUrl), { CmdletName: cmdlet, Parameters: parameters });
}

describe('Exchange Online', () => {
  it('grants FullAccess and lists it with Get-MailboxPermission -User', async () => {
    const add = await exchange('Add-MailboxPermission', { Identity: 'jdoe@contoso.test', User: 'salesvp@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false });
    expect(add.status).toBe(200);
    const { body } = await exchange('Get-MailboxPermission', { Identity: 'jdoe@contoso.test', User: 'salesvp@contoso.test' });
    expect(body.value).toEqual([{ Identity: 'Jane Doe', User: 'salesvp@contoso.test', AccessRights: ['FullAccess'], IsInherited: false, Deny: false, InheritanceType: 'All' }]);
    const mailbox = (await control.state()).mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test');
    expect(mailbox?.permissions).toEqual([{ user: 'salesvp@contoso.test', accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false }]);
  });

  it('answers an unknown mailbox with ManagementObjectNotFoundException', async () => {
    const { status, body } = await exchange('Get-EXOMailbox', { Identity: 'ghost@contoso.test' });
    expect(status).toBe(404);
    expect(body.error.code).toBe('Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException');
    expect(body.error.message).toMatch(/^The operation couldn't be performed because object 'ghost@contoso.test' couldn't be found on '.+\.PROD\.OUTLOOK\.COM'\.$/);
  });

  it('converts a mailbox to shared and refuses to hide a synced one', async () => {
    expect((await exchange('Set-Mailbox', { Identity: 'jdoe@contoso.test', Type: 'Shared' })).status).toBe(200);
    const hide = await exchange('Set-Mailbox', { Identity: 'jdoe@contoso.test', HiddenFromAddressListsEnabled: true });
    expect(hide.status).toBe(400);
    const mailbox = (await control.state()).mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test');
    expect(mailbox).toMatchObject({ recipientTypeDetails: 'SharedMailbox', hiddenFromAddressListsEnabled: false });
  });

  it('refuses an app without Exchange.ManageAsApp: 401 UnAuthorized', async () => {
    const { status, body } = await exchange('Get-EXOMailbox', { Identity: 'jdoe@contoso.test' }, await token('https://outlook.office365.com', READER_APP));
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ message: 'UnAuthorized' });
  });

  it("refuses an app whose token's wids hold no Entra role Exchange accepts, with Exchange's text", async () => {
    const accessToken = await token('https://outlook.office365.com', NO_ROLE_APP);
    expect(decodeJwt(accessToken).wids).toEqual(['0997a1d0-0d1d-4acb-b408-d5ca73121e90']);
    const { status, body } = await exchange('Get-EXOMailbox', { Identity: 'jdoe@contoso.test' }, accessToken);
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ message: `The role assigned to application ${NO_ROLE_APP} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.` });
    const withRole = decodeJwt(await token('https://outlook.office365.com'));
    expect(withRole.wids).toContain('31392ffb-586c-42d1-9346-e59415a2cc4e');
  });

  it('counts connects separately from cmdlets', async () => {
    const accessToken = await token('https://outlook.office365.com');
    expect((await call('POST', '/_sim/exo/connect', accessToken, { organization })).status).toBe(200);
    await exchange('Get-EXOMailbox', { Identity: 'jdoe@contoso.test' }, accessToken);
    const { counts } = await control.log();
    expect(counts['exo.connect']).toBe(1);
    expect(counts['exo.cmdlet.Get-EXOMailbox']).toBe(1);
  });
});

describe('SharePoint', () => {
  const oneDrive = 'https://contoso-my.sharepoint.com/personal/jdoe_contoso_test';

  it('adds a site collection admin with Set-PnPTenantSite -Owners and keeps the existing ones', async () => {
    expect((await sharepoint('Set-PnPTenantSite', { Identity: oneDrive, Owners: ['salesvp@contoso.test'] })).status).toBe(200);
    const site = (await control.state()).sites.find((s) => s.url === oneDrive);
    expect(site?.admins).toEqual(['jdoe@contoso.test', 'salesvp@contoso.test']);
    const { body } = await sharepoint('Get-PnPSiteCollectionAdmin', { Url: oneDrive });
    expect(body.value.map((a: { Email: string }) => a.Email)).toEqual(['jdoe@contoso.test', 'salesvp@contoso.test']);
  });

  it('reads a OneDrive with Get-PnPTenantSite and answers a missing one with "Cannot get site"', async () => {
    const { body } = await sharepoint('Get-PnPTenantSite', { Identity: oneDrive });
    expect(body.value[0]).toMatchObject({ Url: oneDrive, Owner: 'jdoe@contoso.test', Template: 'SPSPERS#10' });
    const missing = await sharepoint('Get-PnPTenantSite', { Identity: 'https://contoso-my.sharepoint.com/personal/noor_drive_contoso_test' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Cannot get site https://contoso-my.sharepoint.com/personal/noor_drive_contoso_test.');
  });
});

// ---- control API and standalone process ---------------------------------------------------------------------------

describe('control', () => {
  it('resets the tenant to the last loaded fixture', async () => {
    await graphClient().api('/users/chloe.nuage@contoso.test').patch({ accountEnabled: false });
    await control.reset();
    expect((await userState('cloudy')).accountEnabled).toBe(true);
  });

  it('loads another fixture', async () => {
    const small = baseFixture();
    small.people = small.people.filter((p) => p.key === 'cloudy');
    await control.load(small, {});
    expect((await control.state()).users.map((u) => u.key)).toEqual(['cloudy']);
    await control.load(fixture, sids);
  });

  it('runs as its own process that prints its URL and stops on SIGTERM', async () => {
    const optionsFile = path.join(dir, 'simulator-options.json');
    writeFileSync(optionsFile, JSON.stringify({ tls: { certPem: serverCert.certPem, keyPem: serverCert.keyPem }, port: 0, tenantId, organization, apps, fixture, sids }));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../stack/simulator/main.ts'), optionsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      const state = await new SimulatorControl(url).state();
      expect(state.users.length).toBe(fixture.people.filter((p) => p.cloud).length);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
