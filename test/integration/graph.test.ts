// The Graph connector over HTTPS against the simulator: certificate sign-in, $batch coalescing, throttling, errors.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTokenProvider, parseCertificate } from '../../src/connectors/auth.js';
import { environmentFor, graphScope } from '../../src/connectors/clouds.js';
import { createGraphApi, type GraphApiOptions } from '../../src/connectors/graph.js';
import { GraphError } from '../../src/connectors/graph/errors.js';
import type { GraphApi } from '../../src/connectors/types.js';
import type { EntraInputs } from '../../src/inputs-types.js';
import { checkGraphPermissions } from '../../src/permissions.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { baseFixture, makeTenant } from '../stack/fixture.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const fixture = baseFixture();

function entraInputs(certificate = sim.certificatePem, certificatePassword?: string): EntraInputs {
  return {
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    certificate,
    certificatePassword,
    organization: sim.organization,
    sharepointAdminUrl: sim.sharepointAdminUrl,
    cloud: 'global',
    authorityHost: sim.url,
    graphEndpoint: sim.url,
  };
}

const opened: GraphApi[] = [];
/** A connector with its own msal instance: msal caches tokens per instance, and some tests change the app's roles. */
function graphApi(options: Partial<GraphApiOptions> = {}): GraphApi {
  const entra = options.entra ?? entraInputs();
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate, entra.certificatePassword), ...options });
  opened.push(graph);
  return graph;
}

async function setRoles(roles: string[]): Promise<void> {
  const certificatePem = parseCertificate(sim.certificatePem).certPem;
  await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles }]);
}

const upn = (key: string): string => fixture.people.find((p) => p.key === key)?.userPrincipalName ?? key;

beforeAll(async () => {
  await control.load(fixture, {});
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await setRoles(OFFBOARD_ROLES);
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all(opened.map((g) => g.close()));
  await control.clearFaults();
  await setRoles(OFFBOARD_ROLES);
});

describe('cloud environments', () => {
  it('keeps the sign-in, Graph, Exchange and SharePoint endpoints of one cloud together', () => {
    expect(environmentFor({ cloud: 'usgovhigh' })).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://graph.microsoft.us',
      exchangeEnvironmentName: 'O365USGovGCCHigh',
      pnpAzureEnvironment: 'USGovernmentHigh',
      sharepointSuffix: 'sharepoint.us',
    });
    expect(environmentFor({ cloud: 'usgov' }).graphEndpoint).toBe('https://graph.microsoft.com');
    expect(environmentFor({ cloud: 'usgovdod' }).graphEndpoint).toBe('https://dod-graph.microsoft.us');
    expect(environmentFor({ cloud: 'china' }).authorityHost).toBe('https://login.chinacloudapi.cn');
    expect(graphScope({ cloud: 'china' })).toBe('https://microsoftgraph.chinacloudapi.cn/.default');
  });

  it('lets authority-host and graph-endpoint override the cloud, without the version and only over https', () => {
    const env = environmentFor({ cloud: 'global', authorityHost: `${sim.url}/`, graphEndpoint: `${sim.url}/v1.0/` });
    expect(env.authorityHost).toBe(sim.url);
    expect(env.graphEndpoint).toBe(sim.url);
    expect(graphScope({ cloud: 'global' })).toBe('https://graph.microsoft.com/.default');
    expect(() => environmentFor({ cloud: 'global', graphEndpoint: 'http://localhost:1234' })).toThrow(/graph-endpoint must use https/);
  });
});

describe('certificate sign-in', () => {
  it('signs in with the certificate and reads the granted permissions from the token', async () => {
    const roles = await graphApi().roles();
    expect([...roles].sort()).toEqual(OFFBOARD_ROLES.filter((r) => !r.startsWith('Exchange.')).sort());
    const log = await control.log();
    expect(log.entries.map((e) => e.op)).toEqual(['token']);
  });

  it('signs in with an encrypted private key opened by certificate-password', async () => {
    const graph = graphApi({ entra: entraInputs(sim.encryptedCertificatePem, sim.certificatePassword) });
    const user = await graph.call<{ userPrincipalName: string }>({ method: 'GET', path: '/users/{id}', params: { id: upn('jdoe') } });
    expect(user.userPrincipalName).toBe(upn('jdoe'));
  });

  it('says the passphrase is wrong when certificate-password does not open the key', () => {
    expect(() => parseCertificate(sim.encryptedCertificatePem, 'not the passphrase')).toThrow(
      /could not be decrypted with certificate-password \(wrong passphrase\?\)/,
    );
    expect(() => parseCertificate(sim.encryptedCertificatePem)).toThrow(/encrypted: set the certificate-password input/);
  });

  it('reads a PKCS#1 RSA key as well as PKCS#8', async () => {
    const pkcs8 = parseCertificate(sim.certificatePem);
    const { createPrivateKey } = await import('node:crypto');
    const pkcs1 = createPrivateKey(pkcs8.keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    const parsed = parseCertificate(`${pkcs8.certPem}\n${pkcs1}`);
    expect(parsed.thumbprintSha256).toBe(pkcs8.thumbprintSha256);
    const roles = await graphApi({ entra: entraInputs(`${pkcs8.certPem}\n${pkcs1}`) }).roles();
    expect(roles).toContain('User.Read.All');
  });

  it('refuses a key that does not belong to the certificate', () => {
    const own = parseCertificate(sim.certificatePem);
    const other = parseCertificate(sim.wrongCertificatePem);
    expect(() => parseCertificate(`${own.certPem}\n${other.keyPem}`)).toThrow(/private key does not belong to the certificate/);
  });

  it('says which certificate to upload when the app does not know it (AADSTS700027)', async () => {
    const entra = entraInputs(sim.wrongCertificatePem);
    const certificate = parseCertificate(entra.certificate);
    const tokens = createTokenProvider(entra, certificate);
    const error = await tokens.getToken('https://graph.microsoft.com/.default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('AADSTS700027');
    expect((error as Error).message).toContain(certificate.thumbprintSha256);
    expect((error as Error).message).toMatch(/upload this certificate/);
  });

  it('names client-id and tenant-id when the app does not exist in the tenant', async () => {
    const entra = { ...entraInputs(), clientId: '00000000-1111-2222-3333-444444444444' };
    const error = await createTokenProvider(entra, parseCertificate(entra.certificate))
      .getToken('https://graph.microsoft.com/.default')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/AADSTS700016.*check client-id and tenant-id/);
  });

  it('signs in again, a second later, when the token endpoint answered 503', async () => {
    await control.faults({ token: { failNext: 1, status: 503 } });
    const started = Date.now();
    const roles = await graphApi().roles();
    expect(roles).toContain('User.Read.All');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'token').map((e) => e.status)).toEqual([503, 200]);
  });

  it('gives up with the sign-in error after three more tries while the token endpoint stays down', async () => {
    await control.faults({ token: { failNext: 10, status: 503 } });
    const error = await graphApi().roles().catch((e: unknown) => e);
    expect((error as Error).name).toBe('SignInError');
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'token').map((e) => e.status)).toEqual([503, 503, 503, 503]);
  }, 15_000);

  it('does not sign in again when the app does not exist: a configuration mistake is not retried', async () => {
    const entra = { ...entraInputs(), clientId: '00000000-1111-2222-3333-444444444444' };
    await createTokenProvider(entra, parseCertificate(entra.certificate))
      .getToken('https://graph.microsoft.com/.default')
      .catch((e: unknown) => e);
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'token')).toHaveLength(1);
  });

  it('fails every queued call with the sign-in error, not a Graph error', async () => {
    const graph = graphApi({ entra: entraInputs(sim.wrongCertificatePem) });
    const results = await Promise.allSettled([1, 2, 3].map(() => graph.call({ method: 'GET', path: '/users', query: { top: 1 } })));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(((result as PromiseRejectedResult).reason as Error).message).toContain('AADSTS700027');
    }
    expect(graph.stats.httpRequests).toBe(0);
  });
});

describe('$batch coalescing', () => {
  it('sends 45 calls made together as 3 $batch requests and answers each call with its own result', async () => {
    const graph = graphApi();
    const people = fixture.people.filter((p) => p.cloud);
    const keys = Array.from({ length: 45 }, (_, i) => people[i % people.length]);
    const users = await Promise.all(
      keys.map((p) => graph.call<{ userPrincipalName: string }>({ method: 'GET', path: '/users/{id}', params: { id: p.userPrincipalName }, query: { select: ['userPrincipalName'] } })),
    );
    expect(users.map((u) => u.userPrincipalName)).toEqual(keys.map((p) => p.userPrincipalName));
    expect(graph.stats).toEqual({ httpRequests: 3, batchedCalls: 45 });
    const log = await control.log();
    expect(log.counts['graph.batch']).toBe(3);
    expect(log.counts['graph.get.user']).toBe(45);
    expect(log.httpRequests.graph).toBe(3);
  });

  it('follows @odata.nextLink until every page is read', async () => {
    const graph = graphApi();
    const users = await graph.list<{ id: string }>('/users', { query: { select: ['id'], top: 3 }, maxItems: 1000 });
    expect(users).toHaveLength(fixture.people.filter((p) => p.cloud).length);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    const log = await control.log();
    expect(log.counts['graph.list.users']).toBe(Math.ceil(users.length / 3));
  });

  it('resolves 200 leavers, revokes them and reads their drives in at most 60 HTTP requests after sign-in', async () => {
    const { fixture: big, leaverKeys } = makeTenant(200);
    await control.load(big, {});
    try {
      const graph = graphApi();
      await graph.roles();
      await control.clearLog();
      const leavers = leaverKeys.map((key) => big.people.find((p) => p.key === key)?.userPrincipalName ?? key);
      const found = await findEntraUsers(graph, leavers.map((userPrincipalName) => ({ userPrincipalName })));
      expect(found.every((users) => users.length === 1)).toBe(true);
      const ids = found.map((users) => users[0]?.id ?? '');
      await Promise.all(ids.map((id) => graph.call({ method: 'POST', path: '/users/{id}/revokeSignInSessions', params: { id } })));
      const drives = await Promise.all(
        ids.map((id) => graph.call<{ webUrl: string }>({ method: 'GET', path: '/users/{id}/drive', params: { id }, query: { select: ['webUrl'] } })),
      );
      expect(drives.every(({ webUrl }) => webUrl.startsWith(`${big.tenant.oneDriveHost}/personal/`))).toBe(true);

      const log = await control.log();
      expect(log.httpRequests.graph).toBeLessThanOrEqual(60);
      expect(log.counts['graph.get.user']).toBe(200);
      expect(log.counts['graph.post.revoke']).toBe(200);
      expect(log.counts['graph.get.drive']).toBe(200);
      expect(log.counts['graph.list.roleAssignments']).toBe(1);
      expect(log.counts.token ?? 0).toBe(0);
      const state = await control.state();
      expect(state.users.filter((u) => leaverKeys.includes(u.key)).every((u) => u.revocations.length === 1)).toBe(true);
    } finally {
      await control.load(fixture, {});
    }
  });
});

describe('throttling and failures', () => {
  it('completes every call when 30 % of requests are answered 429 with Retry-After 1', async () => {
    await control.faults({ throttle: { share: 0.3, retryAfter: [1, 1] } });
    const graph = graphApi({ maxRetries: 10 });
    const people = fixture.people.filter((p) => p.cloud);
    const started = Date.now();
    const users = await Promise.all(
      people.flatMap((p) => [p, p, p]).map((p) =>
        graph.call<{ userPrincipalName: string }>({ method: 'GET', path: '/users/{id}', params: { id: p.userPrincipalName }, query: { select: ['userPrincipalName'] } }),
      ),
    );
    expect(users).toHaveLength(people.length * 3);
    const log = await control.log();
    const throttled = log.entries.filter((e) => e.fault === 'throttle');
    expect(throttled.length).toBeGreaterThan(0);
    expect(log.entries.filter((e) => e.op === 'graph.get.user' && e.status === 200)).toHaveLength(people.length * 3);
    // Retry-After was honoured: the retries waited at least the second the simulator asked for.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("fails with Graph's error code and request id when Graph stays unavailable", async () => {
    await control.faults({ unavailable: { share: 1 } });
    const graph = graphApi({ maxRetries: 2 });
    const error = await graph.call({ method: 'GET', path: '/users/{id}', params: { id: upn('jdoe') } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    const graphError = error as GraphError;
    expect(graphError.status).toBe(503);
    expect(graphError.code).toBe('serviceNotAvailable');
    const log = await control.log();
    const attempts = log.entries.filter((e) => e.op === 'graph.get.user');
    expect(attempts).toHaveLength(3);
    expect(graphError.requestId).toBe(attempts.at(-1)?.requestId);
    expect(graphError.message).toMatch(/run again later/);
  });

  it('retries a $batch the service answered 503 through the client and counts both requests', async () => {
    await control.faults({ unavailable: { burst: 1, ops: ['graph.batch'] } });
    const graph = graphApi();
    const user = await graph.call<{ userPrincipalName: string }>({ method: 'GET', path: '/users/{id}', params: { id: upn('jdoe') } });
    expect(user.userPrincipalName).toBe(upn('jdoe'));
    expect(graph.stats.httpRequests).toBe(2);
    const log = await control.log();
    expect(log.httpRequests.graph).toBe(2);
  });

  it('retries a garbled $batch answer once and then succeeds', async () => {
    await control.faults({ malformed: { next: 1, ops: ['graph.batch'] } });
    const graph = graphApi();
    const roles = await graph.list<{ displayName: string }>('/directoryRoles', { maxItems: 1000 });
    expect(roles.map((r) => r.displayName)).toContain('Global Administrator');
    expect(graph.stats.httpRequests).toBe(2);
  });

  it('fails with malformed-response when the answer is garbled twice', async () => {
    await control.faults({ malformed: { share: 1, ops: ['graph.batch'] } });
    const graph = graphApi();
    const error = await graph.call({ method: 'GET', path: '/directoryRoles' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).code).toBe('malformed-response');
    expect(graph.stats.httpRequests).toBe(2);
  });

  it('gives up on a request that gets no answer within the time limit', async () => {
    await control.faults({ hang: { ops: ['graph.batch'] } });
    const graph = graphApi({ requestTimeoutMs: 1000 });
    const error = await graph.call({ method: 'GET', path: '/directoryRoles' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).code).toBe('timeout');
    await control.clearFaults();
  });

  it('fails a call whose answer lacks the shape its caller relies on, naming the call', async () => {
    const graph = graphApi();
    const error = await graph
      .call({ method: 'GET', path: '/users/{id}', params: { id: upn('jdoe') }, schema: z.object({ employeeId: z.number() }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).code).toBe('malformed-response');
    expect((error as GraphError).message).toMatch(/^Graph GET \/users\/\S+ answered without the expected shape \(employeeId: /);
  });

  it('checks every item of a listed collection against the shape', async () => {
    const graph = graphApi();
    const error = await graph.list('/directoryRoles', { schema: z.object({ id: z.string(), roleTemplateId: z.number() }), maxItems: 1000 }).catch((e: unknown) => e);
    expect((error as GraphError).code).toBe('malformed-response');
    expect((error as GraphError).message).toMatch(/GET \/directoryRoles answered without the expected shape \(value\.0\.roleTemplateId: /);
  });

  it('sends a path value as one segment: a UPN with a slash, a quote and a question mark finds nobody', async () => {
    const graph = graphApi();
    const error = await graph.call({ method: 'GET', path: '/users/{id}/drive', params: { id: "x/../../groups?$top=1'" } }).catch((e: unknown) => e);
    expect((error as GraphError).status).toBe(404);
    const log = await control.log();
    expect(log.entries.filter((e) => e.op.startsWith('graph.') && e.op !== 'graph.batch').map((e) => e.op)).toEqual(['graph.get.drive']);
  });

  it('names the missing permission when Graph answers 403, and the preflight names it too', async () => {
    await setRoles(OFFBOARD_ROLES.filter((r) => r !== 'User.RevokeSessions.All'));
    const graph = graphApi();
    const roles = await graph.roles();
    const missing = checkGraphPermissions(roles, ['entra-disable', 'entra-revoke']).filter((l) => !l.ok);
    expect(missing.map((l) => [l.label, l.detail])).toEqual([['Microsoft Graph permission User.RevokeSessions.All is missing', 'needed by entra-revoke']]);

    const [jdoe] = await findEntraUsers(graph, [{ userPrincipalName: upn('jdoe') }]);
    const error = await graph.call({ method: 'POST', path: '/users/{id}/revokeSignInSessions', params: { id: jdoe?.[0]?.id ?? '' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).status).toBe(403);
    expect((error as GraphError).code).toBe('Authorization_RequestDenied');
    expect((error as GraphError).message).toContain('grant User.RevokeSessions.All');
    const state = await control.state();
    expect(state.users.find((u) => u.key === 'jdoe')?.revocations).toEqual([]);
  });
});
