// The test stack's Active Directory: a real Samba AD DC that verifies like a production DC and holds the fixture.
import tls from 'node:tls';
import { Attribute, Change, Client, StrongAuthRequiredError } from 'ldapts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseFixture } from '../stack/fixture.js';
import { loadStackTenant, snapshotDirectory, stackFacts } from '../helpers/stack.js';

const facts = stackFacts();
const { ldap } = facts;
let dns: Record<string, string>;
let sids: Record<string, string>;

const clients: Client[] = [];
function client(options: Partial<ConstructorParameters<typeof Client>[0]> = {}): Client {
  const c = new Client({ url: ldap.url, tlsOptions: { ca: [facts.caPem] }, connectTimeout: 5_000, timeout: 10_000, ...options });
  clients.push(c);
  return c;
}
async function admin(): Promise<Client> {
  const c = client();
  await c.bind(ldap.adminDn, ldap.adminPassword);
  return c;
}
async function read(dn: string, attributes: string[]): Promise<Record<string, unknown>> {
  const { searchEntries } = await (await admin()).search(dn, { scope: 'base', attributes });
  return searchEntries[0];
}
const replace = (type: string, value: string) => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });

beforeAll(async () => {
  ({ dns, sids } = await loadStackTenant(facts, baseFixture()));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.unbind().catch(() => undefined)));
});

describe('connections', () => {
  it('accepts the service account over LDAPS with the certificate verified against the test CA', async () => {
    const svc = client();
    await svc.bind(ldap.bindDn, ldap.bindPassword);
    const { searchEntries } = await svc.search(ldap.bindDn, { scope: 'base', attributes: ['sAMAccountName'] });
    expect(searchEntries[0].sAMAccountName).toBe('svc-offboard');
  });

  it('refuses a simple bind on plain LDAP with strongAuthRequired', async () => {
    const plain = client({ url: `ldap://${ldap.address}:389`, tlsOptions: undefined });
    await expect(plain.bind(ldap.bindDn, ldap.bindPassword)).rejects.toBeInstanceOf(StrongAuthRequiredError);
  });

  it('is refused by a client that does not trust the test CA', async () => {
    const untrusting = client({ tlsOptions: { ca: [...tls.rootCertificates] } });
    await expect(untrusting.bind(ldap.bindDn, ldap.bindPassword)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('is refused by a client that expects another host name, since the certificate names only the DC', async () => {
    const misdirected = client({ tlsOptions: { ca: [facts.caPem], servername: 'dc9.corp.contoso.test' } });
    await expect(misdirected.bind(ldap.bindDn, ldap.bindPassword)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('the seeded fixture', () => {
  it('has Smith, John under an escaped DN, with DONT_EXPIRE_PASSWORD kept in userAccountControl 66048', async () => {
    expect(dns.jsmith).toBe(`CN=Smith\\, John,OU=Staff,${ldap.baseDn}`);
    expect(await read(dns.jsmith, ['displayName', 'userAccountControl', 'manager'])).toMatchObject({
      displayName: 'Smith, John',
      userAccountControl: '66048',
      manager: dns.salesvp,
    });
  });

  it('has names with apostrophes and accents as they are written', async () => {
    expect(await read(dns.sobrien, ['cn', 'mail'])).toMatchObject({ cn: "Seán O'Brien", mail: "sean.o'brien@contoso.test" });
    expect(await read(dns.zangstrom, ['sn', 'memberOf'])).toMatchObject({
      sn: 'Ångström-Müller',
      memberOf: expect.arrayContaining([`CN=Finance,OU=Groups,${ldap.baseDn}`, `CN=VPN Users,OU=Groups,${ldap.baseDn}`]),
    });
  });

  it('marks the protected admin with adminCount=1', async () => {
    expect(await read(dns['admin.kim'], ['adminCount', 'userAccountControl'])).toMatchObject({ adminCount: '1', userAccountControl: '512' });
  });

  it('returns the objectSid of every AD person, and of no cloud-only person', () => {
    const adKeys = baseFixture().people.filter((p) => p.sam).map((p) => p.key);
    expect(Object.keys(sids).sort()).toEqual(adKeys.sort());
    for (const sid of Object.values(sids)) expect(sid).toMatch(/^S-1-5-21-\d+-\d+-\d+-\d+$/);
  });
});

describe('the service account', () => {
  it('may disable a user but not change the user\'s manager', async () => {
    const svc = client();
    await svc.bind(ldap.bindDn, ldap.bindPassword);
    await svc.modify(dns.noexpire, replace('userAccountControl', '66050'));
    await expect(svc.modify(dns.noexpire, replace('manager', dns.ceo))).rejects.toMatchObject({ code: 50 });
    expect(await read(dns.noexpire, ['userAccountControl', 'manager'])).toMatchObject({ userAccountControl: '66050', manager: dns.cfo });
  });
});

describe('loadTenant', () => {
  it('puts a changed attribute back, and the snapshot shows only that change until then', async () => {
    ({ dns, sids } = await loadStackTenant(facts, baseFixture()));
    const before = await snapshotDirectory(facts);
    await (await admin()).modify(dns.jdoe, replace('description', 'changed by a test'));

    const changed = await snapshotDirectory(facts);
    expect(changed[dns.jdoe].description).toEqual(['changed by a test']);
    delete changed[dns.jdoe].description;
    expect(changed).toEqual(before);

    ({ dns } = await loadStackTenant(facts, baseFixture()));
    expect((await read(dns.jdoe, ['description'])).description).toEqual([]);
  });
});
