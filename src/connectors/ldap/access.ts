// Whether an account holds a control access right (an extended right such as Reset Password) on an entry, from its DACL.
import { BerWriter, Control } from 'ldapts';
import { attributeReader, sidToString } from './decode.js';
import type { LdapSession } from './session.js';

/** LDAP_SERVER_SD_FLAGS_OID with DACL_SECURITY_INFORMATION: the DACL alone, which needs no privilege to read. */
class DaclOnlyControl extends Control {
  constructor() {
    super('1.2.840.113556.1.4.801', { critical: true });
  }
  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(4);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}

// ACE types and flags (MS-DTYP ACE_HEADER), ADS_RIGHT_DS_CONTROL_ACCESS and the object ACE's Flags.
const ALLOWED = 0x00;
const DENIED = 0x01;
const ALLOWED_OBJECT = 0x05;
const DENIED_OBJECT = 0x06;
const INHERIT_ONLY = 0x08;
const CONTROL_ACCESS = 0x100;
const GENERIC_ALL = 0x10000000;
const OBJECT_TYPE_PRESENT = 0x1;
const INHERITED_OBJECT_TYPE_PRESENT = 0x2;

/** A GUID in its 16 bytes as Windows stores it (first three groups little-endian). */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)]);
}

/**
 * Evaluates the DACL of a self-relative security descriptor (MS-DTYP 2.4.6) as the DC's access check does for one
 * control access right: in order, the first ACE for one of `sids` that allows or denies it decides; none is a denial.
 * An ACE grants the right with CONTROL_ACCESS and no object type (every extended right) or the right's GUID as object
 * type, or with GENERIC_ALL. Inherit-only ACEs do not apply to the entry itself. The object ACE's layout:
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/c79a383c-2b3f-4655-abe7-dcbb7ce0cfbe
 */
export function holdsControlAccess(descriptor: Buffer, sids: ReadonlySet<string>, rightGuid: string): boolean {
  if (descriptor.length < 20) return false;
  const daclOffset = descriptor.readUInt32LE(16);
  if (daclOffset === 0 || daclOffset + 8 > descriptor.length) return false;
  const count = descriptor.readUInt16LE(daclOffset + 4);
  const right = guidBytes(rightGuid);
  let at = daclOffset + 8;
  for (let i = 0; i < count && at + 8 <= descriptor.length; i++) {
    const [type, flags] = [descriptor[at], descriptor[at + 1]];
    const size = descriptor.readUInt16LE(at + 2);
    if (size < 8 || at + size > descriptor.length) return false;
    const ace = descriptor.subarray(at, at + size);
    at += size;
    if (flags & INHERIT_ONLY || ![ALLOWED, DENIED, ALLOWED_OBJECT, DENIED_OBJECT].includes(type)) continue;
    const mask = ace.readUInt32LE(4);
    let sidAt = 8;
    let objectType: Buffer | undefined;
    if (type === ALLOWED_OBJECT || type === DENIED_OBJECT) {
      const present = ace.readUInt32LE(8);
      sidAt = 12;
      if (present & OBJECT_TYPE_PRESENT) {
        objectType = ace.subarray(sidAt, sidAt + 16);
        sidAt += 16;
      }
      if (present & INHERITED_OBJECT_TYPE_PRESENT) sidAt += 16;
    }
    if (!sids.has(sidToString(ace.subarray(sidAt)))) continue;
    const grants = mask & GENERIC_ALL || (mask & CONTROL_ACCESS && (!objectType || objectType.equals(right)));
    if (grants) return type === ALLOWED || type === ALLOWED_OBJECT;
  }
  return false;
}

/** The Reset Password extended right (User-Force-Change-Password), https://learn.microsoft.com/en-us/windows/win32/adschema/r-user-force-change-password */
const RESET_PASSWORD = '00299570-246d-11d0-a768-00aa006e0529';
/** Everyone and Authenticated Users: in every bound account's token, never in tokenGroups. */
const WELL_KNOWN = ['S-1-1-0', 'S-1-5-11'];

interface AccessOptions {
  /** The bound account's DN (the reads' whoami). */
  self(): Promise<{ dn?: string }>;
  stats: { searches: number };
}

/** Reads the DACLs and the bound account's token that rights AD does not list in allowedAttributesEffective need. */
export function createAccess(session: LdapSession, options: AccessOptions) {
  const base = (dn: string, attributes: string[], controls: Control[] = []) =>
    session.run({ what: `reading ${attributes.join(', ')} of ${dn}`, retry: true }, async (bound) => {
      options.stats.searches++;
      const { searchEntries } = await bound.search(dn, { scope: 'base', attributes, explicitBufferAttributes: attributes }, controls);
      return searchEntries[0];
    });

  let token: Promise<Set<string>> | undefined;
  /** The SIDs the bound account acts with: its own, its groups' at any depth (the constructed tokenGroups), the well-known. */
  function tokenSids(): Promise<Set<string>> {
    token ??= (async () => {
      const { dn } = await options.self();
      const entry = dn ? await base(dn, ['objectSid', 'tokenGroups']) : undefined;
      const read = entry ? attributeReader(entry) : undefined;
      const own = read?.binary('objectSid');
      const groups = read ? read.buffers('tokenGroups') : [];
      return new Set([...WELL_KNOWN, ...(own ? [sidToString(own)] : []), ...groups.map(sidToString)]);
    })();
    token.catch(() => {
      token = undefined;
    });
    return token;
  }

  /** Whether the bound account may reset the password of the entry at `dn`, from the entry's DACL. */
  async function mayResetPassword(dn: string): Promise<boolean> {
    const [sids, entry] = await Promise.all([tokenSids(), base(dn, ['nTSecurityDescriptor'], [new DaclOnlyControl()])]);
    const descriptor = entry ? attributeReader(entry).binary('nTSecurityDescriptor') : undefined;
    return descriptor ? holdsControlAccess(descriptor, sids, RESET_PASSWORD) : false;
  }

  return { mayResetPassword };
}
