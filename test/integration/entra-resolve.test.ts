// Finding people in Entra ID through Graph, the Entra guards and the AD/Entra identity check, against the test stack.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import type { AdDirectory, GraphApi } from '../../src/connectors/types.js';
import type { EntraUser } from '../../src/model.js';
import { entraGuard, findEntraUsers, findEntraUsersBySid, findProtectedEntraGroups, identityCheck } from '../../src/resolve/entra.js';
import { baseFixture, SKU_E3, SKU_EMS, type Fixture } from '../stack/fixture.js';
import { loadStackTenant, SimulatorControl, stackFacts, type LoadedTenant } from '../helpers/stack.js';

const facts = stackFacts();
const sim = facts.simulator;
const control = new SimulatorControl(sim.url);
const FOREIGN_SID = 'S-1-5-21-1111111111-2222222222-3333333333-4444';

/** The base tenant, with one hybrid user whose Entra account is synced from another AD account, and a protected group. */
function tenantFixture(): Fixture {
  const fixture = baseFixture();
  for (const person of fixture.people) {
    if (person.key === 'zangstrom' && person.cloud) person.cloud.sidOverride = FOREIGN_SID;
    if (person.key === 'noexpire' && person.cloud) person.cloud.groups = ['Executives'];
  }
  return fixture;
}

const fixture = tenantFixture();
const person = (key: string) => {
  const found = fixture.people.find((p) => p.key === key);
  if (!found) throw new Error(`no fixture person ${key}`);
  return found;
};

let loaded: LoadedTenant;
let ad: AdDirectory & { connect(): Promise<void> };
const opened: GraphApi[] = [];

function graphApi(): GraphApi {
  const entra = {
    tenantId: sim.tenantId,
    clientId: sim.clientId,
    certificate: sim.certificatePem,
    cloud: 'global' as const,
    authorityHost: sim.url,
    graphEndpoint: sim.url,
  };
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  opened.push(graph);
  return graph;
}

const only = (found: EntraUser[][], index = 0): EntraUser => {
  const users = found[index] ?? [];
  expect(users).toHaveLength(1);
  return users[0] as EntraUser;
};

beforeAll(async () => {
  loaded = await loadStackTenant(facts, fixture);
  ad = createAdDirectory({
    url: facts.ldap.url,
    bindDn: facts.ldap.bindDn,
    password: facts.ldap.bindPassword,
    baseDn: facts.ldap.baseDn,
    ca: facts.caPem,
    tlsVerify: true,
  });
  await ad.connect();
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all(opened.map((g) => g.close()));
  await ad?.close();
});

describe('findEntraUsers', () => {
  it('finds each identity by its own column, in the order asked', async () => {
    const graph = graphApi();
    const cloudy = person('cloudy');
    const [byId] = await findEntraUsers(graph, [{ userPrincipalName: cloudy.userPrincipalName }]);
    const found = await findEntraUsers(graph, [
      { objectId: byId?.[0]?.id },
      { userPrincipalName: person('sobrien').userPrincipalName },
      { mail: "sean.o'brien@contoso.test" },
      { employeeId: 'E1004' },
      { samAccountName: 'jsmith' },
      { userPrincipalName: 'nobody@contoso.test' },
      { distinguishedName: 'CN=Doe\\, Jane,OU=Staff,DC=corp,DC=contoso,DC=test' },
    ]);
    expect(only(found, 0).userPrincipalName).toBe(cloudy.userPrincipalName);
    expect(only(found, 1).displayName).toBe("Seán O'Brien");
    expect(only(found, 2).userPrincipalName).toBe('sean.obrien@contoso.test');
    expect(only(found, 3).userPrincipalName).toBe(person('zangstrom').userPrincipalName);
    expect(only(found, 4).displayName).toBe('Smith, John');
    expect(found[5]).toEqual([]);
    expect(found[6]).toEqual([]);
  });

  it('reads the fields the steps need, with the manager and only the directly assigned licences', async () => {
    const graph = graphApi();
    const cloudy = only(await findEntraUsers(graph, [{ userPrincipalName: person('cloudy').userPrincipalName }]));
    expect(cloudy).toMatchObject({
      userPrincipalName: 'chloe.nuage@contoso.test',
      mail: 'chloe.nuage@contoso.test',
      displayName: 'Chloé Nuage',
      accountEnabled: true,
      onPremisesSyncEnabled: false,
      employeeId: 'E2001',
      directLicenses: [SKU_E3],
      directoryRoles: [],
      manager: { userPrincipalName: person('salesvp').userPrincipalName, accountEnabled: true },
    });
    expect(cloudy.directLicenses).not.toContain(SKU_EMS);

    const jdoe = only(await findEntraUsers(graph, [{ userPrincipalName: person('jdoe').userPrincipalName }]));
    expect(jdoe.onPremisesSyncEnabled).toBe(true);
    expect(jdoe.onPremisesSamAccountName).toBe('jdoe');
    expect(jdoe.onPremisesSecurityIdentifier).toBe(loaded.sids.jdoe);
  });

  it('finds the cloud account synced from an AD objectSid, whatever its UPN', async () => {
    const graph = graphApi();
    const [jdoe, nobody] = await findEntraUsersBySid(graph, [loaded.sids.jdoe, 'S-1-5-21-1-2-3-4']);
    expect(jdoe.map((u) => u.userPrincipalName)).toEqual([person('jdoe').userPrincipalName]);
    expect(jdoe[0]?.userType).toBe('Member');
    expect(nobody).toEqual([]);
  });

  it('finds a user by sAMAccountName alone through an advanced query, and still reads the manager', async () => {
    const graph = graphApi();
    const [jsmith, domainForm] = await findEntraUsers(graph, [{ samAccountName: 'jsmith' }, { samAccountName: 'CORP\\jsmith' }]);
    expect(only([jsmith]).userPrincipalName).toBe(person('jsmith').userPrincipalName);
    expect(only([jsmith]).manager?.userPrincipalName).toBe(person('salesvp').userPrincipalName);
    expect(only([domainForm]).id).toBe(only([jsmith]).id);
    const log = await control.log();
    const samQueries = log.entries.filter((e) => e.op === 'graph.list.users' && e.path.includes('onPremisesSamAccountName'));
    expect(samQueries).toHaveLength(2);
    for (const query of samQueries) {
      expect(query.status).toBe(200);
      expect(query.path).toContain('$count=true');
      expect(query.path).not.toContain('$expand');
    }
  });

  it('treats a quote in a $filter value as data: an injection attempt matches nobody', async () => {
    const graph = graphApi();
    const found = await findEntraUsers(graph, [
      { mail: "x' or userPrincipalName eq 'ceo@contoso.test" },
      { employeeId: "E0001' or employeeId ne '" },
      { samAccountName: "ceo') or (onPremisesSamAccountName eq 'cfo" },
    ]);
    expect(found).toEqual([[], [], []]);
    const log = await control.log();
    const lists = log.entries.filter((e) => e.op === 'graph.list.users');
    expect(lists).toHaveLength(3);
    expect(lists.every((e) => e.status === 200)).toBe(true);
  });

  it('reads the role assignments once per run, however many lookups there are', async () => {
    const graph = graphApi();
    const gadmin = person('gadmin');
    await findEntraUsers(graph, [{ userPrincipalName: gadmin.userPrincipalName }]);
    await findEntraUsers(graph, [{ employeeId: 'E1001' }, { employeeId: 'E1002' }]);
    const [found] = await findEntraUsers(graph, [{ mail: gadmin.mail }]);
    expect(found?.[0]?.directoryRoles).toEqual([{ role: 'Global Administrator', builtIn: true, eligible: false, scope: '/' }]);
    const log = await control.log();
    expect(log.counts['graph.list.roleAssignments']).toBe(1);
    expect(log.counts['graph.list.roleEligibilityScheduleInstances']).toBe(1);
    expect(log.counts['graph.list.roleDefinitions']).toBe(1);
  });
});

describe('entraGuard', () => {
  it('blocks a directory role holder', async () => {
    const graph = graphApi();
    const gadmin = only(await findEntraUsers(graph, [{ userPrincipalName: person('gadmin').userPrincipalName }]));
    expect(entraGuard(gadmin, [])).toEqual({
      status: 'blocked',
      code: 'directory-role',
      reason: expect.stringContaining('Global Administrator'),
    });
  });

  it('blocks a person named in protected by UPN, mail or sAMAccountName, in any case', async () => {
    const graph = graphApi();
    const [jdoe, cloudy] = (
      await findEntraUsers(graph, [{ userPrincipalName: person('jdoe').userPrincipalName }, { userPrincipalName: person('cloudy').userPrincipalName }])
    ).map((users) => users[0] as EntraUser);
    expect(entraGuard(jdoe as EntraUser, ['JDOE'])?.code).toBe('protected');
    expect(entraGuard(jdoe as EntraUser, ['CORP\\jdoe'])).toEqual({ status: 'blocked', code: 'protected', reason: 'CORP\\jdoe is listed in the protected input' });
    expect(entraGuard(cloudy as EntraUser, ['Chloe.Nuage@Contoso.test'])?.code).toBe('protected');
    expect(entraGuard(cloudy as EntraUser, ['jdoe', 'Executives'])).toBeUndefined();
  });

  it('blocks a member of a protected Entra group, and only its members', async () => {
    const graph = graphApi();
    const groups = await findProtectedEntraGroups(graph, ['Executives', 'jdoe', 'ceo@contoso.test', 'No Such Group']);
    expect(groups.map((g) => g.displayName)).toEqual(['Executives']);
    const [noexpire, jdoe] = (
      await findEntraUsers(graph, [{ userPrincipalName: person('noexpire').userPrincipalName }, { userPrincipalName: person('jdoe').userPrincipalName }])
    ).map((users) => users[0] as EntraUser);
    expect(entraGuard(noexpire as EntraUser, [], groups)).toEqual({
      status: 'blocked',
      code: 'protected',
      reason: 'member of the protected Entra group Executives',
    });
    expect(entraGuard(jdoe as EntraUser, [], groups)).toBeUndefined();
  });
});

describe('identityCheck', () => {
  it('accepts a hybrid user whose Entra account carries the AD objectSid', async () => {
    const graph = graphApi();
    const [[adUser]] = await ad.findUsers([{ samAccountName: 'jdoe' }]);
    const entraUser = only(await findEntraUsers(graph, [{ userPrincipalName: adUser?.userPrincipalName }]));
    expect(adUser?.objectSid).toBe(loaded.sids.jdoe);
    expect(identityCheck(adUser?.objectSid ?? '', entraUser)).toBeUndefined();
  });

  it('fails with identity-mismatch when the Entra user is synced from another AD account', async () => {
    const graph = graphApi();
    const [[adUser]] = await ad.findUsers([{ samAccountName: 'zangstrom' }]);
    const entraUser = only(await findEntraUsers(graph, [{ userPrincipalName: adUser?.userPrincipalName }]));
    expect(entraUser.onPremisesSecurityIdentifier).toBe(FOREIGN_SID);
    const stop = identityCheck(adUser?.objectSid ?? '', entraUser);
    expect(stop).toMatchObject({ status: 'failed', code: 'identity-mismatch' });
    expect(stop?.reason).toContain(FOREIGN_SID);
    expect(stop?.reason).toContain(adUser?.objectSid ?? '?');
  });

  it('has nothing to compare for a cloud-only user', async () => {
    const graph = graphApi();
    const cloudy = only(await findEntraUsers(graph, [{ userPrincipalName: person('cloudy').userPrincipalName }]));
    expect(identityCheck(loaded.sids.jdoe ?? '', cloudy)).toBeUndefined();
  });
});
