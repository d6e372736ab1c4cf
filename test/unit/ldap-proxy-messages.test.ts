// The test LDAP proxy's BER handling: framing a split or packed stream, ranging entries as AD does, reading writes.
import {
  Attribute,
  BerReader,
  BerWriter,
  Change,
  EqualityFilter,
  ExtensibleFilter,
  ModifyDNRequest,
  ModifyDNResponse,
  ModifyRequest,
  ModifyResponse,
  ProtocolOperation,
  SearchEntry,
  SearchRequest,
  type Message,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { type LdapMessage, MessageFramer, rangeEntry, readSearchRequest, readWrite, successResponse } from '../../test/stack/ldap-messages.js';

const OU = 'OU=Many Groups,DC=corp,DC=contoso,DC=test';
const groups = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `CN=Group ${from + i},${OU}`);
const SID = Buffer.from('010500000000000515000000a1b2c3d4e5f60718293a4b5c51040000', 'hex');

/** A SearchResultEntry as a DC encodes it (ldapts writes requests only), optionally with a controls field. */
function entryBytes(messageId: number, dn: string, attributes: [string, (string | Buffer)[]][], controls?: Buffer): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(messageId);
  writer.startSequence(ProtocolOperation.LDAP_RES_SEARCH_ENTRY);
  writer.writeString(dn);
  writer.startSequence();
  for (const [type, values] of attributes) {
    writer.startSequence();
    writer.writeString(type);
    writer.startSequence(ProtocolOperation.LBER_SET);
    for (const value of values) writer.writeBuffer(Buffer.isBuffer(value) ? value : Buffer.from(value), 0x04);
    writer.endSequence();
    writer.endSequence();
  }
  writer.endSequence();
  writer.endSequence();
  if (controls) writer.writeBuffer(controls, ProtocolOperation.LDAP_CONTROLS);
  writer.endSequence();
  return writer.buffer;
}

const one = (bytes: Buffer): LdapMessage => {
  const [message, ...rest] = new MessageFramer().push(bytes);
  expect(rest).toEqual([]);
  return message;
};

/** Decodes a message with ldapts's own parser, as the product's client does. */
function parsed<T extends Message>(bytes: Buffer, message: T): T {
  const reader = new BerReader(bytes);
  reader.readSequence();
  reader.readInt();
  reader.readSequence();
  message.parse(reader, []);
  return message;
}
const asEntry = (bytes: Buffer): SearchEntry => parsed(bytes, new SearchEntry({ messageId: 0 }));
const attribute = (entry: SearchEntry, type: string): Attribute | undefined => entry.attributes.find((a) => a.type === type);

describe('framing LDAP messages out of a TCP stream', () => {
  const search = (id: number, attributes: string[]): Buffer =>
    new SearchRequest({ messageId: id, baseDN: OU, scope: 'sub', filter: new EqualityFilter({ attribute: 'objectClass', value: 'user' }), attributes }).write();

  it('cuts several messages that came in one chunk', () => {
    const framer = new MessageFramer();
    const messages = framer.push(Buffer.concat([search(1, ['cn']), search(2, ['memberOf']), search(3, [])]));
    expect(messages.map((m) => [m.messageId, m.operation])).toEqual([1, 2, 3].map((id) => [id, ProtocolOperation.LDAP_REQ_SEARCH]));
    expect(Buffer.concat(messages.map((m) => m.bytes))).toEqual(Buffer.concat([search(1, ['cn']), search(2, ['memberOf']), search(3, [])]));
  });

  it('waits for a message that comes a byte at a time, long-form lengths included', () => {
    // 3,000 values of 30+ bytes: the message's length takes three bytes after 0x83.
    const big = entryBytes(7, `CN=Big,${OU}`, [['member', groups(0, 3000)]]);
    expect(big[1]).toBe(0x83);
    const framer = new MessageFramer();
    const seen: LdapMessage[] = [];
    for (let i = 0; i < big.length; i++) seen.push(...framer.push(big.subarray(i, i + 1)));
    expect(seen).toHaveLength(1);
    expect(seen[0].bytes).toEqual(big);
  });

  it('keeps the start of the next message when a chunk ends inside it', () => {
    const framer = new MessageFramer();
    const stream = Buffer.concat([search(1, ['cn']), search(2, ['sn'])]);
    const cut = search(1, ['cn']).length + 5;
    expect(framer.push(stream.subarray(0, cut)).map((m) => m.messageId)).toEqual([1]);
    expect(framer.push(stream.subarray(cut)).map((m) => m.messageId)).toEqual([2]);
  });

  it('refuses a stream that is not BER', () => {
    expect(() => new MessageFramer().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow();
  });
});

describe('values past MaxValRange, as AD answers them', () => {
  const leaver = `CN=Manny Groups,${OU}`;

  it('ranges a plain memberOf from 0 when it holds more values than MaxValRange, and leaves the rest alone', () => {
    const bytes = entryBytes(3, leaver, [['objectSid', [SID]], ['memberOf', groups(0, 60)], ['cn', ['Manny Groups']]]);
    const entry = asEntry(rangeEntry(one(bytes), 20, () => true));
    expect(entry.name).toBe(leaver);
    expect(entry.attributes.map((a) => a.type)).toEqual(['objectSid', 'memberOf;range=0-19', 'cn']);
    expect(attribute(entry, 'memberOf;range=0-19')?.values).toEqual(groups(0, 20));
    expect(attribute(entry, 'objectSid')?.parsedBuffers).toEqual([SID]);
  });

  it('clamps a range the client asked for to MaxValRange values', () => {
    const bytes = entryBytes(4, leaver, [['memberOf;range=20-44', groups(20, 45)]]);
    const entry = asEntry(rangeEntry(one(bytes), 20, () => true));
    expect(entry.attributes.map((a) => [a.type, a.values])).toEqual([['memberOf;range=20-39', groups(20, 40)]]);
  });

  it('passes the last range (low-*) and answers that fit as the DC sent them', () => {
    for (const bytes of [
      entryBytes(5, leaver, [['memberOf;range=40-*', groups(40, 60)]]),
      entryBytes(5, leaver, [['memberOf', groups(0, 20)]]),
    ]) {
      const message = one(bytes);
      expect(rangeEntry(message, 20, () => true)).toBe(message.bytes);
    }
  });

  it('clamps a last range that holds more than MaxValRange values to a closed one', () => {
    const entry = asEntry(rangeEntry(one(entryBytes(5, leaver, [['member;range=0-*', groups(0, 45)]])), 20, () => true));
    expect(entry.attributes.map((a) => [a.type, a.values.length])).toEqual([['member;range=0-19', 20]]);
  });

  it('ranges only the attributes it is told to', () => {
    const bytes = entryBytes(6, leaver, [['memberOf', groups(0, 30)], ['member', groups(0, 30)]]);
    const entry = asEntry(rangeEntry(one(bytes), 20, (name) => name.toLowerCase() === 'member'));
    expect(entry.attributes.map((a) => [a.type, a.values.length])).toEqual([['memberOf', 30], ['member;range=0-19', 20]]);
  });

  it('carries the controls of a ranged entry byte for byte', () => {
    const control = new BerWriter();
    control.startSequence();
    control.writeString('1.2.840.113556.1.4.319');
    control.writeBuffer(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00]), 0x04);
    control.endSequence();
    const bytes = entryBytes(8, leaver, [['memberOf', groups(0, 30)]], control.buffer);
    const ranged = rangeEntry(one(bytes), 20, () => true);
    expect(ranged.subarray(ranged.length - control.buffer.length)).toEqual(control.buffer);
    expect(ranged[ranged.length - control.buffer.length - 2]).toBe(ProtocolOperation.LDAP_CONTROLS);
    expect(one(ranged).messageId).toBe(8);
  });

  it('leaves the rootDSE whole', () => {
    const message = one(entryBytes(1, '', [['supportedControl', Array.from({ length: 40 }, (_, i) => `1.2.840.113556.1.4.${i}`)]]));
    expect(rangeEntry(message, 20, () => true)).toBe(message.bytes);
  });
});

describe('requests the proxy reads', () => {
  it('reads the base, the filter and the attributes of a search with an extensible match', () => {
    const filter = new ExtensibleFilter({ matchType: 'memberOf', rule: '1.2.840.113556.1.4.1941', value: `CN=Group 1,${OU}` });
    const request = new SearchRequest({ messageId: 9, baseDN: OU, scope: 'sub', filter, attributes: ['cn', 'memberOf;range=0-24'] });
    expect(readSearchRequest(one(request.write()))).toEqual({
      base: OU,
      filter: `(memberOf:1.2.840.113556.1.4.1941:=CN=Group 1,${OU})`,
      attributes: ['cn', 'memberOf;range=0-24'],
    });
  });

  it('reads the changes of a modify, and answers it with success under its messageID', () => {
    const changes = [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['Left 2026-11-30'] }) }),
      new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`CN=Manny Groups,${OU}`] }) }),
    ];
    const message = one(new ModifyRequest({ messageId: 12, dn: `CN=Group 1,${OU}`, changes }).write());
    expect(readWrite(message)).toEqual({
      operation: 'modify',
      dn: `CN=Group 1,${OU}`,
      changes: [
        { operation: 'replace', attribute: 'description', values: ['Left 2026-11-30'] },
        { operation: 'delete', attribute: 'member', values: [`CN=Manny Groups,${OU}`] },
      ],
    });
    const response = parsed(successResponse(message), new ModifyResponse({ messageId: 0 }));
    expect(one(successResponse(message))).toMatchObject({ messageId: 12, operation: ProtocolOperation.LDAP_RES_MODIFY });
    expect([response.status, response.matchedDN, response.errorMessage]).toEqual([0, '', '']);
  });

  it('reads a move, and answers it with a ModifyDN success', () => {
    const request = new ModifyDNRequest({ messageId: 13, dn: `CN=Manny Groups,${OU}`, newRdn: 'CN=Manny Groups', deleteOldRdn: true, newSuperior: 'OU=Disabled,DC=corp,DC=contoso,DC=test' });
    const message = one(request.write());
    expect(readWrite(message)).toEqual({
      operation: 'modifyDN',
      dn: `CN=Manny Groups,${OU}`,
      changes: [],
      newRdn: 'CN=Manny Groups',
      newSuperior: 'OU=Disabled,DC=corp,DC=contoso,DC=test',
    });
    expect(one(successResponse(message))).toMatchObject({ messageId: 13, operation: ProtocolOperation.LDAP_RES_MODRDN });
    expect(parsed(successResponse(message), new ModifyDNResponse({ messageId: 0 })).status).toBe(0);
  });

  it('reads a base search of the rootDSE that asks for no attribute', () => {
    const request = new SearchRequest({ messageId: 2, baseDN: '', scope: 'base', filter: new EqualityFilter({ attribute: 'objectClass', value: 'top' }), attributes: [] });
    expect(readSearchRequest(one(request.write()))).toEqual({ base: '', filter: '(objectclass=top)', attributes: [] });
  });
});
