// The AD connector's connection: TLS only, never a password in clear, errors that say what to fix, reconnects, scale.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdDirectory, type AdDirectoryOptions } from '../../src/connectors/ldap.js';
import { escapeDnValue, sameDn } from '../../src/connectors/ldap/dn.js';
import type { AdDirectory } from '../../src/connectors/types.js';
import type { Identity } from '../../src/model.js';
import { baseFixture, makeTenant } from '../stack/fixture.js';
import { createTestCa, issueServerCertificate, type ServerCertificate, type TestCa } from '../stack/tls.js';
import { loadStackTenant, stackFacts, stackLdapInputs } from '../helpers/stack.js';

const facts = stackFacts();
const { ldap } = facts;
const staff = `OU=Staff,${ldap.baseDn}`;

const opened: AdDirectory[] = [];
function directory(overrides: Partial<AdDirectoryOptions> = {}): ReturnType<typeof createAdDirectory> {
  const ad = createAdDirectory({ ...stackLdapInputs(facts), disabledOu: undefined, timeoutMs: 10_000, ...overrides });
  opened.push(ad);
  return ad;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((ad) => ad.close()));
});

let admin: Client;
beforeAll(async () => {
  await loadStackTenant(facts, baseFixture());
  admin = new Client({ url: ldap.url, tlsOptions: { ca: [facts.caPem] } });
  await admin.bind(ldap.adminDn, ldap.adminPassword);
});
afterAll(async () => {
  await admin?.unbind();
});

async function adminRead(dn: string, attribute: string): Promise<string | undefined> {
  try {
    const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: [attribute] });
    const value = searchEntries[0]?.[attribute];
    return value === undefined ? undefined : String(value);
  } catch {
    return undefined;
  }
}

// ---- a server that speaks just enough LDAP to answer StartTLS -----------------------------------------------------

interface FakeDc {
  url: string;
  /** The protocolOp tag of every LDAP message received (0x77 ExtendedRequest, 0x60 BindRequest…). */
  operations: number[];
  /** Every byte received, to look for the password. */
  received(): Buffer;
  close(): Promise<void>;
}

function berLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag: number, content: number[]): number[] => [tag, ...berLength(content.length), ...content];

/** An ExtendedResponse: LDAPMessage { messageID, [APPLICATION 24] { resultCode, matchedDN, diagnosticMessage } }. */
function extendedResponse(messageId: number, resultCode: number, message: string): Buffer {
  const body = [...tlv(0x0a, [resultCode]), ...tlv(0x04, []), ...tlv(0x04, [...Buffer.from(message)])];
  return Buffer.from(tlv(0x30, [...tlv(0x02, [messageId]), ...tlv(0x78, body)]));
}

/** Splits one LDAPMessage off the front of the buffer: its id, its protocolOp tag and its length. */
function readMessage(buffer: Buffer): { id: number; operation: number; length: number } | undefined {
  if (buffer.length < 2 || buffer[0] !== 0x30) return undefined;
  let header = 2;
  let length = buffer[1];
  if (length & 0x80) {
    const count = length & 0x7f;
    if (buffer.length < 2 + count) return undefined;
    length = buffer.readUIntBE(2, count);
    header += count;
  }
  if (buffer.length < header + length) return undefined;
  const idLength = buffer[header + 1];
  return { id: buffer.readUIntBE(header + 2, idLength), operation: buffer[header + 2 + idLength], length: header + length };
}

/**
 * `refuse`: answers StartTLS with protocolError, as a DC without a certificate does.
 * `garble`: says yes to StartTLS, then answers the TLS handshake with plain text.
 */
async function startFakeDc(mode: 'refuse' | 'garble'): Promise<FakeDc> {
  const operations: number[] = [];
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (upgraded) {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      for (let message = readMessage(pending); message; message = readMessage(pending)) {
        pending = pending.subarray(message.length);
        operations.push(message.operation);
        if (message.operation !== 0x77) continue;
        if (mode === 'refuse') {
          socket.write(extendedResponse(message.id, 2, 'unsupported extended operation'));
        } else {
          socket.write(extendedResponse(message.id, 0, ''));
          upgraded = true;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    operations,
    received: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- a TCP proxy in front of the DC that can cut connections ------------------------------------------------------

interface Proxy {
  url: string;
  connections: number;
  /** Closes every open connection, as a DC or a firewall does with idle ones. */
  dropAll(): void;
  /** Closes the connection that sends the next request, before the DC sees it. */
  dropNextRequest(): void;
  /** Closes the next `count` connections as soon as they are accepted, as a DC that is restarting does. */
  refuseNext(count: number): void;
  close(): Promise<void>;
}

async function startProxy(): Promise<Proxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let dropNext = false;
  let refuse = 0;
  const state = { connections: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    if (refuse > 0) {
      refuse--;
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    const upstream = net.connect(636, ldap.address);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk) => {
      if (dropNext) {
        dropNext = false;
        end();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  // On the DC's own address (another port), which its certificate names.
  await new Promise<void>((resolve) => server.listen(0, ldap.address, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldaps://${ldap.address}:${port}`,
    get connections() {
      return state.connections;
    },
    dropAll: () => {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    dropNextRequest: () => {
      dropNext = true;
    },
    refuseNext: (count) => {
      refuse = count;
    },
    close: async () => {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- a TLS front for the DC with a certificate from a CA the test workers do not trust ----------------------------

interface UntrustedFront {
  url: string;
  /** PEM of the CA that signed the front's certificate. */
  caPem: string;
  /** Bytes passed on to the DC after the handshake. */
  forwarded(): number;
  close(): Promise<void>;
}

let otherCa: { ca: TestCa; certificate: ServerCertificate } | undefined;

async function startUntrustedFront(): Promise<UntrustedFront> {
  if (!otherCa) {
    const ca = createTestCa(mkdtempSync(path.join(tmpdir(), 'ad-other-ca-')), 'Some Other Root CA');
    otherCa = { ca, certificate: issueServerCertificate(ca, 'front', { dns: ['localhost'], ip: ['127.0.0.1'] }) };
  }
  const { ca, certificate } = otherCa;
  let forwarded = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: certificate.keyPem, cert: certificate.certPem }, (client) => {
    const upstream = tls.connect({ host: ldap.address, port: 636, ca: [facts.caPem] });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldaps://127.0.0.1:${port}`,
    caPem: ca.caPem,
    forwarded: () => forwarded,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- tests --------------------------------------------------------------------------------------------------------

describe('TLS', () => {
  it('binds over StartTLS on ldap:// and verifies the certificate', async () => {
    const ad = directory({ url: `ldap://${ldap.address}:389` });
    const [[jdoe]] = await ad.findUsers([{ samAccountName: 'jdoe' }]);
    expect(jdoe.userPrincipalName).toBe('jdoe@contoso.test');
    expect(ad.stats).toMatchObject({ connects: 1, binds: 1 });
  });

  it('refuses ldap:// when the server will not start TLS, before the password is sent', async () => {
    const fake = await startFakeDc('refuse');
    try {
      const ad = directory({ url: fake.url, password: 'Sup3r-Secret-Passw0rd' });
      const failure = ad.findUsers([{ samAccountName: 'jdoe' }]);
      await expect(failure).rejects.toMatchObject({ code: 'ldap-starttls' });
      await expect(failure).rejects.toThrow(/password was not sent.*ldaps:\/\/127\.0\.0\.1:636.*enable LDAP over TLS/);
      expect(fake.operations).toEqual([0x77]);
      expect(fake.received().includes(Buffer.from('Sup3r-Secret-Passw0rd'))).toBe(false);
      expect(ad.stats.binds).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('refuses ldap:// when the TLS handshake after StartTLS fails, before the password is sent', async () => {
    const fake = await startFakeDc('garble');
    try {
      const ad = directory({ url: fake.url, password: 'Sup3r-Secret-Passw0rd' });
      await expect(ad.connect()).rejects.toMatchObject({ code: 'ldap-starttls' });
      expect(fake.operations).toEqual([0x77]);
      expect(fake.received().includes(Buffer.from('Sup3r-Secret-Passw0rd'))).toBe(false);
    } finally {
      await fake.close();
    }
  });

  it('refuses a DC whose certificate was signed by a CA it was not given, before the password is sent', async () => {
    const front = await startUntrustedFront();
    try {
      const ad = directory({ url: front.url });
      await expect(ad.connect()).rejects.toMatchObject({
        code: 'ldap-certificate',
        message: expect.stringContaining('set ldap-ca to the PEM of the CA that signed it'),
      });
      expect(front.forwarded()).toBe(0);
    } finally {
      await front.close();
    }
  });

  it('trusts the DC signed by the CA given in ldap-ca', async () => {
    const front = await startUntrustedFront();
    try {
      const ad = directory({ url: front.url, ca: front.caPem });
      const [[jdoe]] = await ad.findUsers([{ samAccountName: 'jdoe' }]);
      expect(jdoe.samAccountName).toBe('jdoe');
    } finally {
      await front.close();
    }
  });

  it('connects without verification when ldap-tls-verify is false, and says so', async () => {
    const front = await startUntrustedFront();
    try {
      const warnings: string[] = [];
      const ad = directory({ url: front.url, ca: undefined, tlsVerify: false, onWarning: (message) => warnings.push(message) });
      await ad.connect();
      expect(front.forwarded()).toBeGreaterThan(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/not verified/);
    } finally {
      await front.close();
    }
  });

  it('says when ldaps:// points at the plain LDAP port', async () => {
    const ad = directory({ url: `ldaps://${ldap.address}:389` });
    await expect(ad.connect()).rejects.toMatchObject({ code: 'ldap-tls', message: expect.stringContaining('use ldap:// (StartTLS)') });
  });
});

describe('errors', () => {
  it('says the bind was rejected and names the bind DN when the password is wrong', async () => {
    const ad = directory({ password: 'wrong-password' });
    await expect(ad.findUsers([{ samAccountName: 'jdoe' }])).rejects.toMatchObject({
      code: 'ldap-invalid-credentials',
      message: `The DC rejected the bind for ${ldap.bindDn}: wrong password or the account is locked/disabled (ldap-bind-dn / ldap-password)`,
    });
  });

  it('says the DC cannot be reached when nothing listens', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const ad = directory({ url: `ldaps://127.0.0.1:${port}` });
    await expect(ad.connect()).rejects.toMatchObject({
      code: 'ldap-unreachable',
      message: expect.stringMatching(new RegExp(`^Cannot reach the DC at ldaps://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)),
    });
    // A DC that has not answered once in this run is a configuration to fix, not a restart to wait out.
    expect(ad.stats.connects).toBe(1);
  });

  it('refuses a URL that is not LDAP', () => {
    expect(() => directory({ url: 'https://dc.example.com' })).toThrow(/must start with ldaps:\/\//);
  });
});

describe('reconnects', () => {
  let proxy: Proxy;
  beforeAll(async () => {
    proxy = await startProxy();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('reconnects transparently after the DC closed an idle connection', async () => {
    const ad = directory({ url: proxy.url });
    expect((await ad.findUsers([{ samAccountName: 'jdoe' }]))[0]).toHaveLength(1);
    proxy.dropAll();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const [matches] = await ad.findUsers([{ samAccountName: 'jsmith' }]);

    expect(matches.map((u) => u.samAccountName)).toEqual(['jsmith']);
    expect(ad.stats).toMatchObject({ connects: 2, binds: 2 });
  });

  it('keeps trying to reach a DC that answered earlier in the run while it restarts', async () => {
    const ad = directory({ url: proxy.url });
    await ad.connect();
    proxy.dropAll();
    proxy.refuseNext(3);

    const [matches] = await ad.findUsers([{ samAccountName: 'jsmith' }]);

    expect(matches.map((u) => u.samAccountName)).toEqual(['jsmith']);
    // The first session, three connections closed during the TLS handshake, and the fourth that binds.
    expect(ad.stats.connects).toBe(5);
  });

  it('sends a search again when the connection drops while it is in flight', async () => {
    const ad = directory({ url: proxy.url });
    await ad.connect();
    proxy.dropNextRequest();

    const [matches] = await ad.findUsers([{ employeeId: 'E1004' }]);

    expect(matches.map((u) => u.samAccountName)).toEqual(['zangstrom']);
    expect(ad.stats.connects).toBe(2);
  });

  it('sends a replace again when the connection drops while it is in flight', async () => {
    const ad = directory({ url: proxy.url });
    const [[jdoe]] = await ad.findUsers([{ samAccountName: 'jdoe' }]);
    proxy.dropNextRequest();

    await ad.modify(jdoe.dn, [{ operation: 'replace', attribute: 'description', values: ['written after a reconnect'] }]);

    expect(await adminRead(jdoe.dn, 'description')).toBe('written after a reconnect');
    expect(ad.stats.connects).toBe(2);
  });

  it('after a drop during a move, looks where the entry is and sends the move again only when it did not land', async () => {
    const ad = directory({ url: proxy.url });
    const [[zoe]] = await ad.findUsers([{ samAccountName: 'zangstrom' }]);
    const disabledOu = `OU=Disabled Users,${ldap.baseDn}`;
    proxy.dropNextRequest();

    const moved = await ad.move(zoe.dn, disabledOu);

    expect(sameDn(moved, `CN=${escapeDnValue('Zoë Ångström-Müller')},${disabledOu}`)).toBe(true);
    expect(await adminRead(moved, 'cn')).toBe('Zoë Ångström-Müller');
    expect(await adminRead(zoe.dn, 'cn')).toBeUndefined();
    expect(ad.stats.connects).toBe(2);
  });
});

describe('scale', () => {
  const { fixture, leaverKeys } = makeTenant(500);
  let dns: Record<string, string>;
  beforeAll(async () => {
    ({ dns } = await loadStackTenant(facts, fixture));
  });

  it('resolves 500 identities with at most 10 LDAP searches', async () => {
    const people = new Map(fixture.people.map((p) => [p.key, p]));
    const identities: Identity[] = leaverKeys.map((key, i) => {
      const person = people.get(key);
      if (!person) throw new Error(`no ${key}`);
      switch (i % 4) {
        case 0:
          return { samAccountName: person.sam };
        case 1:
          return { userPrincipalName: person.userPrincipalName };
        case 2:
          return { mail: person.mail };
        default:
          return { employeeId: person.employeeId };
      }
    });
    const ad = directory();

    const matches = await ad.findUsers(identities);

    expect(matches.map((m) => m.map((u) => u.samAccountName))).toEqual(leaverKeys.map((key) => [key]));
    expect(ad.stats.searches).toBeLessThanOrEqual(10);
    expect(ad.stats.connects).toBe(1);
  });

  it('keeps at most 8 operations on the wire when hundreds of writes come at once, and every one lands', async () => {
    const ad = directory();
    const [matches] = await ad.findUsers([{ samAccountName: leaverKeys[0] }]);
    const dn = matches[0].dn;
    // Every write replaces the same value: as many concurrent writes as a large run's users make at its start.
    await Promise.all(
      Array.from({ length: 300 }, () => ad.modify(dn, [{ operation: 'replace', attribute: 'description', values: ['offboarding'] }])),
    );
    expect(ad.stats.modifies).toBe(300);
    expect(ad.stats.peakInFlight).toBe(8);
  });

  it('pages through more matches than one page holds', async () => {
    const ad = directory({ pageSize: 100 });

    const matches = await ad.findUsers(leaverKeys.map((key) => ({ userPrincipalName: `${key}@contoso.test` })));

    expect(matches.map((m) => m.map((u) => u.samAccountName))).toEqual(leaverKeys.map((key) => [key]));
    // 3 filters (200 + 200 + 100 terms) and 2 schema reads: anything above 5 requests is pages.
    expect(ad.stats.searches).toBeGreaterThan(5);
  });

  it('reads 600 DNs in batches', async () => {
    const ad = directory();
    const wanted = [...Object.values(dns), ...Array.from({ length: 100 }, (_, i) => `CN=Nobody ${i},${staff}`)];

    const users = await ad.readUsers(wanted);

    const expected = Object.values(dns);
    const misread = users.slice(0, expected.length).flatMap((u, i) => (u && sameDn(u.dn, expected[i]) ? [] : [`${expected[i]} → ${u?.dn}`]));
    expect(misread).toEqual([]);
    expect(users.slice(-100).every((u) => u === undefined)).toBe(true);
    expect(ad.stats.searches).toBeLessThanOrEqual(6);
  });
});
