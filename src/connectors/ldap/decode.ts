// Turns what the DC returns into plain values: SIDs and GUIDs as text, a user entry as an AdUser.
import type { Entry } from 'ldapts';
import type { AdUser } from '../../model.js';

/** A user as searched: the AdUser, and the addresses that matched it but are not part of AdUser. */
export interface FoundUser {
  user: AdUser;
  proxyAddresses: string[];
}

/** The Exchange attributes of a user that the steps read and write; asked for only when the schema has them. */
export const EXCHANGE_ATTRIBUTES = ['msExchHideFromAddressLists', 'msExchRemoteRecipientType', 'msExchRecipientTypeDetails'];
/** Multi-valued attributes that can pass the DC's value limit: read by range (ranged.ts). */
export const LARGE_USER_ATTRIBUTES = ['memberOf'];
export const USER_ATTRIBUTES = [
  'sAMAccountName',
  'userPrincipalName',
  'mail',
  'proxyAddresses',
  'employeeID',
  'displayName',
  'objectSid',
  'objectGUID',
  'userAccountControl',
  'adminCount',
  'primaryGroupID',
  'manager',
  'description',
  'pwdLastSet',
];
/** Attributes whose values are bytes: ldapts would otherwise decode them as UTF-8 and garble them. */
export const BINARY_ATTRIBUTES = ['objectSid', 'objectGUID'];

/** objectSid bytes → `S-1-5-21-…` (revision, 48-bit big-endian authority, little-endian 32-bit sub-authorities). */
export function sidToString(sid: Buffer): string {
  if (sid.length < 8) return '';
  const count = sid[1];
  const authority = sid.readUIntBE(2, 6);
  const parts = [`S-${sid[0]}-${authority}`];
  for (let i = 0; i < count && 8 + i * 4 + 4 <= sid.length; i++) parts.push(String(sid.readUInt32LE(8 + i * 4)));
  return parts.join('-');
}

/** objectGUID bytes → the registry form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (first three groups little-endian). */
function guidToString(guid: Buffer): string {
  if (guid.length !== 16) return '';
  const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  const b = [...guid];
  return [
    hex([b[3], b[2], b[1], b[0]]),
    hex([b[5], b[4]]),
    hex([b[7], b[6]]),
    hex(b.slice(8, 10)),
    hex(b.slice(10, 16)),
  ].join('-');
}

/** Reads an entry's attributes without regard to the case the server used for their names. */
export function attributeReader(entry: Entry) {
  const byName = new Map<string, Entry[string]>();
  for (const [name, value] of Object.entries(entry)) byName.set(name.toLowerCase(), value);
  const all = (name: string): (string | Buffer)[] => {
    const value = byName.get(name.toLowerCase());
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  };
  const text = (name: string): string | undefined => {
    const [first] = all(name);
    if (first === undefined) return undefined;
    return Buffer.isBuffer(first) ? first.toString('utf8') : first;
  };
  const texts = (name: string): string[] => all(name).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  const binary = (name: string): Buffer | undefined => {
    const [first] = all(name);
    if (first === undefined) return undefined;
    return Buffer.isBuffer(first) ? first : Buffer.from(first, 'binary');
  };
  const buffers = (name: string): Buffer[] => all(name).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v, 'binary')));
  return { text, texts, binary, buffers };
}

/**
 * A user entry as an AdUser. `exchange`: the Exchange attributes the schema has (lower case), which were asked for;
 * memberOf must hold every value under its plain name (ranged.ts).
 */
export function toFoundUser(entry: Entry, exchange: ReadonlySet<string>): FoundUser {
  const read = attributeReader(entry);
  const number = (name: string): number => Number.parseInt(read.text(name) ?? '0', 10) || 0;
  // Large Integer syntax: the recipient type values pass 2^32 but stay far below 2^53.
  const largeInteger = (name: string): number | undefined => {
    const value = read.text(name);
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
  };
  const sid = read.binary('objectSid');
  const guid = read.binary('objectGUID');
  const hide = read.text('msExchHideFromAddressLists');
  const user: AdUser = {
    dn: entry.dn,
    samAccountName: read.text('sAMAccountName') ?? '',
    userPrincipalName: read.text('userPrincipalName'),
    mail: read.text('mail'),
    employeeId: read.text('employeeID'),
    displayName: read.text('displayName'),
    objectSid: sid ? sidToString(sid) : '',
    objectGuid: guid ? guidToString(guid) : '',
    // AD returns userAccountControl as a decimal string; bits above 2^31 do not occur.
    userAccountControl: number('userAccountControl'),
    adminCount: number('adminCount'),
    primaryGroupId: number('primaryGroupID'),
    manager: read.text('manager'),
    memberOf: read.texts('memberOf'),
    description: read.text('description'),
    pwdLastSet: read.text('pwdLastSet'),
    msExchHideFromAddressLists: exchange.has('msexchhidefromaddresslists') ? (hide === undefined ? null : hide.toUpperCase() === 'TRUE') : undefined,
    msExchRemoteRecipientType: largeInteger('msExchRemoteRecipientType'),
    msExchRecipientTypeDetails: largeInteger('msExchRecipientTypeDetails'),
  };
  return { user, proxyAddresses: read.texts('proxyAddresses') };
}
