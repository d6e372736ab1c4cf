// The test LDAP proxy against the Samba DC: a faithful relay, AD's MaxValRange, and writes it answers without making.
import tls from 'node:tls';
import { Attribute, BerReader, BindRequest, Change, Client, EqualityFilter, type Entry, ProtocolOperation, SearchRequest } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedManyGroups, type ManyGroups } from '../helpers/many-groups.js';
import { type LdapProxy, startLdapProxy, stackFacts } from '../helpers/stack.js';
import { MessageFramer, type LdapMessage } from '../stack/ldap-messages.js';

const facts = stackFacts();
const MAX_VAL_RANGE = 20;

let direct: Client;
let seeded: ManyGroups;
let relay: LdapProxy;
let ranging: LdapProxy;
const clients: Client[] = [];

/** A client of `proxy`, bound as the domain administrator. */
async function adminThrough(proxy: LdapProxy): Promise<Client> {
  const client = new Client({ url: proxy.url, tlsOptions: { ca: [facts.caPem] }, timeout: 60_000 });
  await client.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
  clients.push(client);
  return client;
}

async function read(client: Client, dn: string, attributes: string[]): Promise<Entry> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
  return searchEntries[0];
}

const lower = (values: unknown): string[] => (Array.isArray(values) ? values : [values]).map((v) => String(v).toLowerCase()).sort();

beforeAll(async () => {
  direct = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] }, timeout: 60_000 });
  await direct.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
  // A group of 25 users (the leaver and 24 more): more members than the ranging proxy hands out at once.
  seeded = await seedManyGroups(direct, facts, {
    ou: 'LDAP Proxy',
    leaver: { cn: 'Proxy Leaver', sam: 'proxy.leaver' },
    groups: 2,
    groupCn: (i) => `Proxy Group ${i}`,
    samPrefix: 'proxy-group',
    protectedMembers: 24,
  });
  relay = await startLdapProxy(facts);
  ranging = await startLdapProxy(facts, { maxValRange: MAX_VAL_RANGE });
});

afterAll(async () => {
  for (const client of clients) await client.unbind().catch(() => undefined);
  await relay?.close();
  await ranging?.close();
  await seeded?.remove().catch(() => undefined);
  await direct?.unbind();
});

describe('relaying', () => {
  it('answers a paged search of the whole domain exactly as the DC does', async () => {
    const client = await adminThrough(relay);
    // Attributes a bind does not touch (logonCount, lastLogon change with each), binary ones among them.
    const attributes = ['objectClass', 'cn', 'objectSid', 'objectGUID', 'sAMAccountName', 'member', 'memberOf', 'userAccountControl'];
    const options = { scope: 'sub' as const, filter: '(objectClass=*)', attributes, paged: { pageSize: 50 } };
    let began = performance.now();
    const through = await client.search(facts.ldap.baseDn, options);
    const proxied = performance.now() - began;
    began = performance.now();
    const straight = await direct.search(facts.ldap.baseDn, options);
    console.info(`${through.searchEntries.length} entries in ${Math.round(proxied)} ms through the proxy, ${Math.round(performance.now() - began)} ms direct`);
    expect(through.searchEntries.length).toBeGreaterThan(100);
    expect(through.searchEntries).toEqual(straight.searchEntries);
  });

  it('relays an operation it does not act on (a compare) byte for byte', async () => {
    const client = await adminThrough(relay);
    await expect(client.compare(seeded.leaverDn, 'sAMAccountName', 'proxy.leaver')).resolves.toBe(true);
    await expect(client.compare(seeded.leaverDn, 'sAMAccountName', 'someone.else')).resolves.toBe(false);
  });

  it('takes requests packed into one write and a request split over many, and answers each', async () => {
    const socket = tls.connect({ host: new URL(relay.url).hostname, port: Number(new URL(relay.url).port), ca: [facts.caPem] });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const answers: LdapMessage[] = [];
    const framer = new MessageFramer();
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        answers.push(...framer.push(chunk));
        if (answers.filter((m) => m.operation === ProtocolOperation.LDAP_RES_SEARCH).length === 2) resolve();
      });
      socket.once('error', reject);
    });
    const search = (messageId: number) =>
      new SearchRequest({ messageId, baseDN: seeded.leaverDn, scope: 'base', filter: new EqualityFilter({ attribute: 'objectClass', value: 'user' }), attributes: ['sAMAccountName'] }).write();
    const bind = new BindRequest({ messageId: 1, dn: facts.ldap.adminDn, password: facts.ldap.adminPassword }).write();
    const write = (bytes: Buffer) => new Promise<void>((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
    await write(Buffer.concat([bind, search(2)]));
    const third = search(3);
    for (let i = 0; i < third.length; i += 7) await write(third.subarray(i, i + 7));
    await done;
    socket.destroy();
    // The DC may answer the two searches interleaved; each one's answers come in order.
    const answersTo = (id: number): number[] => answers.filter((m) => m.messageId === id).map((m) => m.operation);
    expect(answers).toHaveLength(5);
    expect(answersTo(1)).toEqual([ProtocolOperation.LDAP_RES_BIND]);
    for (const id of [2, 3]) expect(answersTo(id)).toEqual([ProtocolOperation.LDAP_RES_SEARCH_ENTRY, ProtocolOperation.LDAP_RES_SEARCH]);
    // Every result: resultCode success (the first field of the LDAPResult).
    for (const answer of answers.filter((m) => m.operation !== ProtocolOperation.LDAP_RES_SEARCH_ENTRY)) {
      const reader = new BerReader(answer.bytes);
      reader.readSequence();
      reader.readInt();
      reader.readSequence();
      expect(reader.readEnumeration()).toBe(0);
    }
  });
});

describe('values past MaxValRange', () => {
  const protectedDn = (): string => seeded.groupDns[1];

  it('has more members in the group than the proxy hands out at once: Samba answers all 25 under `member`', async () => {
    const entry = await read(direct, protectedDn(), ['member']);
    expect(lower(entry.member)).toEqual(lower(seeded.protectedMemberDns));
    expect(seeded.protectedMemberDns).toHaveLength(25);
  });

  it('answers a plain `member` with its first 20 values under member;range=0-19, as AD past its MaxValRange', async () => {
    const client = await adminThrough(ranging);
    const entry = await read(client, protectedDn(), ['member', 'cn']);
    expect(Object.keys(entry).sort()).toEqual(['cn', 'dn', 'member', 'member;range=0-19']);
    // ldapts lists the requested name, empty: the values came under the ranged one.
    expect(entry.member).toEqual([]);
    expect(entry['member;range=0-19']).toHaveLength(MAX_VAL_RANGE);
    expect(entry.cn).toBe('Proxy Group 1 (protected)');
  });

  it('answers a range request for more than 20 values with 20, and the rest as the last range', async () => {
    const client = await adminThrough(ranging);
    const first = await read(client, protectedDn(), ['member;range=0-999']);
    expect(first['member;range=0-19']).toHaveLength(MAX_VAL_RANGE);
    const rest = await read(client, protectedDn(), ['member;range=20-1019']);
    expect(rest['member;range=20-*']).toHaveLength(5);
    expect(lower([...(first['member;range=0-19'] as string[]), ...(rest['member;range=20-*'] as string[])])).toEqual(
      lower(seeded.protectedMemberDns),
    );
  });

  it('leaves values that fit alone', async () => {
    const client = await adminThrough(ranging);
    const entry = await read(client, seeded.leaverDn, ['memberOf']);
    expect(lower(entry.memberOf)).toEqual(lower(seeded.groupDns));
  });
});

describe('dropping writes', () => {
  const description = (client: Client, dn: string): Promise<unknown> => read(client, dn, ['description']).then((e) => e.description);
  const newDescription = (text: string) =>
    new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: [text] }) });
  let stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops) stop();
    stops = [];
  });

  it('answers a dropped modify with success, and the DC never sees it', async () => {
    const client = await adminThrough(relay);
    const dropped = relay.dropWrites();
    stops.push(dropped.stop);
    const before = await description(direct, seeded.leaverDn);
    await expect(client.modify(seeded.leaverDn, newDescription('Left 2026-11-30'))).resolves.toBeUndefined();
    expect(await description(direct, seeded.leaverDn)).toEqual(before);
    expect(dropped.writes).toEqual([
      { operation: 'modify', dn: seeded.leaverDn, changes: [{ operation: 'replace', attribute: 'description', values: ['Left 2026-11-30'] }] },
    ]);
  });

  it('drops only the writes its predicate matches; the others reach the DC', async () => {
    const client = await adminThrough(relay);
    const [group0] = seeded.groupDns;
    const dropped = relay.dropWrites((dn, changes) => dn === group0 && changes.some((c) => c.attribute === 'member'));
    stops.push(dropped.stop);
    const removal = new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [seeded.leaverDn] }) });
    await client.modify(group0, removal);
    await client.modify(group0, newDescription('Kept by the predicate'));
    expect(lower((await read(direct, group0, ['member'])).member)).toEqual(lower([seeded.leaverDn]));
    expect(await description(direct, group0)).toBe('Kept by the predicate');
    expect(dropped.writes.map((w) => [w.dn, w.changes.map((c) => c.attribute)])).toEqual([[group0, ['member']]]);
  });

  it('drops a move, which stays where it was', async () => {
    const client = await adminThrough(relay);
    const dropped = relay.dropWrites((_dn, _changes, write) => write.operation === 'modifyDN');
    stops.push(dropped.stop);
    await client.modifyDN(seeded.leaverDn, `CN=Proxy Leaver,${facts.ldap.disabledOu}`);
    expect((await read(direct, seeded.leaverDn, ['cn'])).dn).toBe(seeded.leaverDn);
    expect(dropped.writes).toMatchObject([{ operation: 'modifyDN', dn: seeded.leaverDn, newRdn: 'CN=Proxy Leaver', newSuperior: facts.ldap.disabledOu }]);
  });

  it('lets writes reach the DC again once stopped', async () => {
    const client = await adminThrough(relay);
    const dropped = relay.dropWrites();
    dropped.stop();
    await client.modify(seeded.leaverDn, newDescription('Written after the stop'));
    expect(await description(direct, seeded.leaverDn)).toBe('Written after the stop');
    expect(dropped.writes).toEqual([]);
  });
});
