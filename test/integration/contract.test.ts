// The simulator and the stand-in modules against the documentation: every case of test/contract/ runs against the stack.
import { randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createTokenProvider, parseCertificate } from '../../src/connectors/auth.js';
import type { PowerShellService, PsService } from '../../src/connectors/types.js';
import { CONTRACT_CASES } from '../contract/index.js';
import type { CmdletCase, ContractCase, ContractTenant, DocumentedResponse, GraphCase, TokenCase } from '../contract/types.js';
import { loadStackTenant, SimulatorControl, stackFacts } from '../helpers/stack.js';
import { addMailboxItemPeople } from '../contract/exchange-items.js';
import { baseFixture, type Fixture, SKU_E3 } from '../stack/fixture.js';
import type { FaultConfig, SimState } from '../stack/simulator/types.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { contractGraphStepsFixture } from './graph-steps-fixture.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const certificate = parseCertificate(sim.certificatePem);

/** The base tenant with the leaver and bystander of the group and sign-in method steps, and a licensed user whose OneDrive is not provisioned yet (the drive's 404 answer). */
function contractFixture(): Fixture {
  const fixture = contractGraphStepsFixture(baseFixture());
  fixture.people.push({
    key: 'unprovisioned',
    givenName: 'Una',
    surname: 'Provisioned',
    displayName: 'Una Provisioned',
    userPrincipalName: 'una.provisioned@contoso.test',
    mail: 'una.provisioned@contoso.test',
    manager: 'salesvp',
    cloud: { synced: false, licenses: [SKU_E3], onedrive: false },
  });
  addMailboxItemPeople(fixture);
  return fixture;
}

function tenantOf(state: SimState): ContractTenant {
  const user = (key: string): { id: string; userPrincipalName: string; mail: string } => {
    const u = state.users.find((x) => x.key === key);
    if (!u) throw new Error(`The contract fixture has no user ${key}.`);
    return { id: u.id, userPrincipalName: u.userPrincipalName, mail: u.mail ?? '' };
  };
  return {
    user,
    group: (displayName) => {
      const g = state.groups.find((x) => x.displayName === displayName);
      if (!g) throw new Error(`The contract fixture has no group ${displayName}.`);
      return { id: g.id, displayName: g.displayName };
    },
    authMethod: (key, type) => {
      const method = state.users.find((x) => x.key === key)?.authMethods.find((m) => m.type === type);
      if (!method) throw new Error(`${key} has no ${type} method in the contract fixture.`);
      return method.id;
    },
    mobileDevice: (key, friendlyName) => {
      const upn = user(key).userPrincipalName.toLowerCase();
      const mailbox = state.mailboxes.find((m) => m.userPrincipalName.toLowerCase() === upn);
      const device = mailbox?.mobileDevices.find((d) => d.friendlyName === friendlyName);
      if (!mailbox || !device) throw new Error(`${key} has no mobile device ${friendlyName} in the contract fixture.`);
      return `${mailbox.name}\\ExchangeActiveSyncDevices\\${device.deviceType}§${device.deviceId}`;
    },
    oneDrive: (key) => {
      const upn = user(key).userPrincipalName.toLowerCase();
      const site = state.sites.find((s) => s.owner.toLowerCase() === upn && s.template.startsWith('SPSPERS'));
      if (!site) throw new Error(`${key} has no OneDrive in the contract fixture.`);
      return site.url;
    },
    sharepointAdminUrl: state.tenant.sharepointAdminUrl,
    tenantId: state.tenant.id,
    organization: state.tenant.organization,
  };
}

async function setRoles(roles: string[]): Promise<void> {
  await control.apps([{ clientId: sim.clientId, displayName: 'm365-offboard', certificatesPem: [certificate.certPem], roles }]);
}

/** The signatures the simulator logged since the last clear. */
async function loggedSignatures(): Promise<string[]> {
  return (await control.log()).entries.map((e) => e.signature ?? `${e.op} (no signature)`);
}

/** Signatures every call makes on the way (sign-in, the module's connect): not the case's own call. */
const PLUMBING = /^entra POST \/\{tenant\}\/oauth2\/v2\.0\/token |^(exchange Connect-ExchangeOnline|sharepoint Connect-PnPOnline)$/;

/** Every signature the cases' own calls produced, to check that what the cases declare is what they call. */
const produced = new Set<string>();

/** The signatures of the case's own calls, recorded before its answer is judged so that a failing case still counts. */
async function recordSignatures(): Promise<string[]> {
  const own = await loggedSignatures();
  for (const s of own) produced.add(s);
  return own;
}

function checkSignatures(c: ContractCase, own: string[]): void {
  const foreign = own.filter((s) => !c.covers.includes(s) && !PLUMBING.test(s));
  expect(foreign, `calls of "${c.name}" that it does not declare in covers`).toEqual([]);
}

function checkBody(schema: z.ZodType, body: unknown, text: string): void {
  const parsed = schema.safeParse(body);
  expect(parsed.success, `the body does not have the documented shape: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}\n${text.slice(0, 2000)}`).toBe(true);
}

async function checkResponse(expected: DocumentedResponse, res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text.slice(0, 2000)).toBe(expected.status);
  for (const name of expected.headers ?? []) expect(res.headers.get(name), `header ${name}`).not.toBeNull();
  if (expected.body) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`The body is not JSON: ${text.slice(0, 500)}`);
    }
    checkBody(expected.body, body, text);
  } else if (expected.status === 204) {
    expect(text).toBe('');
  }
}

/** A path segment as a client sends it: percent-encoded, OData's `$` segments as they are. */
const segment = (s: string): string => (s.startsWith('$') ? s : encodeURIComponent(s));

async function runGraph(c: GraphCase, t: ContractTenant): Promise<void> {
  // A connector of its own: msal caches tokens per instance, and the case may have changed the app's roles.
  const token = await createTokenProvider(entraInputs(facts), certificate).getToken('https://graph.microsoft.com/.default');
  await control.clearLog();
  if (c.faults) await control.faults(c.faults as FaultConfig);
  const request = c.request(t);
  const query = Object.entries(request.query ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const url = `${sim.url}/v1.0/${request.path.map(segment).join('/')}${query ? `?${query}` : ''}`;
  const res = await fetch(url, {
    method: request.method,
    headers: { Authorization: `Bearer ${token}`, ...request.headers },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  await control.clearFaults();
  const own = await recordSignatures();
  await checkResponse(c.response, res);
  checkSignatures(c, own);
}

/** A client assertion as the certificate-credentials page describes it: RS256, x5t#S256, aud = the token endpoint. */
function clientAssertion(clientId: string, audience: string): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', 'x5t#S256': Buffer.from(certificate.thumbprintSha256, 'hex').toString('base64url') };
  const claims = { aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), nbf: now, exp: now + 600 };
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), certificate.keyPem).toString('base64url')}`;
}

async function runToken(c: TokenCase, t: ContractTenant): Promise<void> {
  await control.clearLog();
  const tenant = c.request.tenant?.(t) ?? t.tenantId;
  const url = `${sim.url}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  const form = c.request.form(t, sim.clientId);
  const body = new URLSearchParams({ ...form, client_assertion: clientAssertion(form.client_id ?? sim.clientId, url) });
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  const own = await recordSignatures();
  await checkResponse(c.response, res);
  checkSignatures(c, own);
}

const services = new Map<PsService, PowerShellService>();
function sharedService(service: PsService): PowerShellService {
  let s = services.get(service);
  if (!s) {
    s = psService(facts, service);
    services.set(service, s);
  }
  return s;
}

async function runCmdlet(c: CmdletCase, t: ContractTenant): Promise<void> {
  const service = c.connect ? psService(facts, c.service, {}, { parameters: c.connect }) : sharedService(c.service);
  try {
    for (const call of c.setup?.(t) ?? []) await service.invoke(call.cmdlet, call.parameters, call.site ? { site: call.site } : {});
    await control.clearLog();
    const call = c.request(t);
    const verbose = 'output' in c.response && c.response.verbose ? { verbose: true as const } : {};
    const outcome = await service.invoke(call.cmdlet, call.parameters, { ...(call.site ? { site: call.site } : {}), ...verbose }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const own = await recordSignatures();
    const expected = c.response;
    if ('error' in expected) {
      expect('error' in outcome, `${call.cmdlet} succeeded; documented: it fails with ${String(expected.error.message)}`).toBe(true);
      const error = (outcome as { error: unknown }).error;
      const message = error instanceof Error ? error.message : String(error);
      expect(message).toMatch(expected.error.message);
      if (expected.error.type) expect((error as { type?: string }).type ?? '').toMatch(expected.error.type);
    } else {
      if ('error' in outcome) throw outcome.error;
      const { output, warnings } = outcome.result;
      if (expected.count !== undefined) expect(output, JSON.stringify(output).slice(0, 2000)).toHaveLength(expected.count);
      for (const item of output) checkBody(expected.output, item, JSON.stringify(item));
      if (expected.warnings?.length === 0) expect(warnings).toEqual([]);
      for (const pattern of expected.warnings ?? []) expect(warnings.some((w) => pattern.test(w)), `a warning matching ${String(pattern)} in ${JSON.stringify(warnings)}`).toBe(true);
      const lines = outcome.result.verbose ?? [];
      for (const pattern of expected.verbose ?? []) expect(lines.some((l) => pattern.test(l)), `a verbose line matching ${String(pattern)} in ${JSON.stringify(lines)}`).toBe(true);
    }
    checkSignatures(c, own);
  } finally {
    if (c.connect) await service.close();
  }
}

let tenant: ContractTenant;

beforeAll(async () => {
  await control.clearFaults();
  await control.load(contractFixture(), {});
  tenant = tenantOf(await control.state());
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await setRoles(OFFBOARD_ROLES);
});

afterAll(async () => {
  for (const s of services.values()) await s.close();
  await setRoles(OFFBOARD_ROLES);
  await loadStackTenant(facts, baseFixture());
}, 300_000);

const byService = (service: ContractCase['service'][]): ContractCase[] => CONTRACT_CASES.filter((c) => service.includes(c.service));

describe('the simulator answers as the documentation says', () => {
  describe.each([
    ['Entra ID token endpoint', byService(['entra'])],
    ['Microsoft Graph', byService(['graph'])],
    ['Exchange Online PowerShell', byService(['exchange'])],
    ['PnP.PowerShell', byService(['sharepoint'])],
  ])('%s', (_title, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      if (c.roles) await setRoles(c.roles);
      if (c.service === 'graph') await runGraph(c, tenant);
      else if (c.service === 'entra') await runToken(c, tenant);
      else await runCmdlet(c, tenant);
    });
  });

  it('every signature a case declares is one its call produced', () => {
    expect(produced.size, 'no case ran before this test').toBeGreaterThan(0);
    const declared = new Set(CONTRACT_CASES.flatMap((c) => c.covers));
    expect([...declared].filter((s) => !produced.has(s)).sort()).toEqual([]);
  });
});
