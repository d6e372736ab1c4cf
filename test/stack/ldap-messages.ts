// LDAP messages for the test LDAP proxy: framing a BER stream, reading the requests it acts on, re-encoding ranged entries.
import { Ber, BerReader, BerWriter, FilterParser, ModifyDNRequest, ModifyRequest, ProtocolOperation } from 'ldapts';

/** One LDAPMessage (RFC 4511 section 4.1.1): its bytes, its messageID and the tag of its protocolOp. */
export interface LdapMessage {
  bytes: Buffer;
  messageId: number;
  operation: number;
}

/**
 * Cuts a TCP stream into whole LDAPMessages, however the stream was split: several messages in one chunk, one message
 * over many chunks. A stream that is not BER throws: the proxy then closes the connection, as a DC would.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the message at the head of the stream, once its header came: chunks are joined only when it is all here. */
  private needed: number | undefined;

  push(chunk: Buffer): LdapMessage[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.needed !== undefined && this.buffered < this.needed) return [];
    let pending = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const messages: LdapMessage[] = [];
    this.needed = undefined;
    while (pending.length > 0) {
      const reader = new BerReader(pending);
      // null: the tag or the length is not all here yet.
      if (reader.readSequence(Ber.Sequence | Ber.Constructor) === null) break;
      const end = reader.offset + reader.length;
      if (end > pending.length) {
        this.needed = end;
        break;
      }
      const bytes = pending.subarray(0, end);
      pending = pending.subarray(end);
      const message = new BerReader(bytes);
      message.readSequence();
      const messageId = message.readInt();
      const operation = message.peek();
      if (messageId === null || operation === null) throw new Error('LDAPMessage without a messageID or protocolOp');
      messages.push({ bytes, messageId, operation });
    }
    this.chunks = pending.length > 0 ? [pending] : [];
    this.buffered = pending.length;
    return messages;
  }
}

/** A reader positioned at the content of the message's protocolOp. */
function operationReader(message: LdapMessage): BerReader {
  const reader = new BerReader(message.bytes);
  reader.readSequence();
  reader.readInt();
  reader.readSequence(message.operation);
  return reader;
}

/** The part of a SearchRequest (RFC 4511 section 4.5.1) a test looks at: where it searched and what it asked for. */
export interface SearchSeen {
  base: string;
  /** The filter in its string form (RFC 4515). */
  filter: string;
  attributes: string[];
}

/** The filter at the reader, as a string; a filter ldapts cannot read is skipped whole and shown as ''. */
function readFilter(reader: BerReader): string {
  const start = reader.offset;
  try {
    return FilterParser.parse(reader).toString();
  } catch {
    reader.offset = start;
    reader.readSequence();
    reader.offset += reader.length;
    return '';
  }
}

export function readSearchRequest(message: LdapMessage): SearchSeen {
  const reader = operationReader(message);
  const base = reader.readString() ?? '';
  reader.readEnumeration(); // scope
  reader.readEnumeration(); // derefAliases
  reader.readInt(); // sizeLimit
  reader.readInt(); // timeLimit
  reader.readBoolean(); // typesOnly
  const filter = readFilter(reader);
  reader.readSequence(Ber.Sequence | Ber.Constructor);
  const end = reader.offset + reader.length;
  const attributes: string[] = [];
  while (reader.offset < end) attributes.push(reader.readString() ?? '');
  return { base, filter, attributes };
}

/** One change of a ModifyRequest, values as UTF-8 text. */
export interface LdapChange {
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  values: string[];
}

/** A write the proxy can drop: a ModifyRequest, or a ModifyDNRequest (a rename or a move, `changes` empty). */
export interface LdapWrite {
  operation: 'modify' | 'modifyDN';
  dn: string;
  changes: LdapChange[];
  /** ModifyDN: the new RDN and, for a move, the new parent. */
  newRdn?: string;
  newSuperior?: string;
}

export function readWrite(message: LdapMessage): LdapWrite {
  const reader = operationReader(message);
  if (message.operation === ProtocolOperation.LDAP_REQ_MODRDN) {
    const request = new ModifyDNRequest({ messageId: message.messageId, dn: '', newRdn: '' });
    request.parseMessage(reader);
    return { operation: 'modifyDN', dn: request.dn, changes: [], newRdn: request.newRdn, newSuperior: request.newSuperior };
  }
  const request = new ModifyRequest({ messageId: message.messageId, dn: '' });
  request.parseMessage(reader);
  const changes = request.changes.map(({ operation, modification }) => ({
    operation,
    attribute: modification.type,
    values: modification.parsedBuffers.map((value) => value.toString('utf8')),
  }));
  return { operation: 'modify', dn: request.dn, changes };
}

/** The response to `request` saying it succeeded: an LDAPResult with resultCode success and empty texts. */
export function successResponse(request: LdapMessage): Buffer {
  const responseTag =
    request.operation === ProtocolOperation.LDAP_REQ_MODRDN ? ProtocolOperation.LDAP_RES_MODRDN : ProtocolOperation.LDAP_RES_MODIFY;
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(request.messageId);
  writer.startSequence(responseTag);
  writer.writeEnumeration(0);
  writer.writeString('');
  writer.writeString('');
  writer.endSequence();
  writer.endSequence();
  return writer.buffer;
}

interface RawAttribute {
  type: string;
  values: Buffer[];
}

/**
 * An attribute's values past `maxValRange` as a DC with that MaxValRange answers them: at most `maxValRange` values,
 * under `name;range=low-high`. An attribute asked for by range comes from the DC under `name;range=low-high|*`; a
 * plain one is ranged from 0. Undefined when the DC's answer fits.
 */
function clamp(attribute: RawAttribute, maxValRange: number): RawAttribute | undefined {
  if (attribute.values.length <= maxValRange) return undefined;
  const [base, ...options] = attribute.type.split(';');
  const index = options.findIndex((option) => /^range=\d+-(\d+|\*)$/i.test(option));
  const low = index === -1 ? 0 : Number(/^range=(\d+)/i.exec(options[index])?.[1]);
  const range = `range=${low}-${low + maxValRange - 1}`;
  const kept = index === -1 ? [...options, range] : options.map((option, i) => (i === index ? range : option));
  return { type: [base, ...kept].join(';'), values: attribute.values.slice(0, maxValRange) };
}

/**
 * A SearchResultEntry (RFC 4511 section 4.5.2) with each attribute `isRanged` accepts (by its name without options)
 * cut to `maxValRange` values; the same bytes when nothing needed cutting. DN, values and controls are carried as the
 * DC sent them. The rootDSE is left whole: the limit is modelled on directory objects' stored values.
 */
export function rangeEntry(message: LdapMessage, maxValRange: number, isRanged: (attribute: string) => boolean): Buffer {
  const reader = operationReader(message);
  const end = reader.offset + reader.length;
  const dn = reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0);
  if (dn.length === 0) return message.bytes;
  reader.readSequence(Ber.Sequence | Ber.Constructor);
  const attributesEnd = reader.offset + reader.length;
  const attributes: RawAttribute[] = [];
  while (reader.offset < attributesEnd) {
    reader.readSequence(Ber.Sequence | Ber.Constructor);
    const type = reader.readString() ?? '';
    reader.readSequence(ProtocolOperation.LBER_SET);
    const valuesEnd = reader.offset + reader.length;
    const values: Buffer[] = [];
    while (reader.offset < valuesEnd) values.push(reader.readString(Ber.OctetString, true) ?? Buffer.alloc(0));
    attributes.push({ type, values });
  }
  let changed = false;
  const answered = attributes.map((attribute) => {
    const clamped = isRanged(attribute.type.split(';')[0]) ? clamp(attribute, maxValRange) : undefined;
    changed ||= clamped !== undefined;
    return clamped ?? attribute;
  });
  if (!changed) return message.bytes;

  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(message.messageId);
  writer.startSequence(ProtocolOperation.LDAP_RES_SEARCH_ENTRY);
  writer.writeBuffer(dn, Ber.OctetString);
  writer.startSequence();
  for (const { type, values } of answered) {
    writer.startSequence();
    writer.writeString(type);
    writer.startSequence(ProtocolOperation.LBER_SET);
    for (const value of values) writer.writeBuffer(value, Ber.OctetString);
    writer.endSequence();
    writer.endSequence();
  }
  writer.endSequence();
  writer.endSequence();
  const controls = new BerReader(message.bytes.subarray(end));
  if (controls.readSequence(ProtocolOperation.LDAP_CONTROLS) !== null) {
    writer.writeBuffer(message.bytes.subarray(end + controls.offset, end + controls.offset + controls.length), ProtocolOperation.LDAP_CONTROLS);
  }
  writer.endSequence();
  return writer.buffer;
}
