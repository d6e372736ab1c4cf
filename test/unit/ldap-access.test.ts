// The DACL check for the Reset Password right: ACE order, object types, inheritance flags, as the DC's access check reads them.
import { describe, expect, it } from 'vitest';
import { holdsControlAccess } from '../../src/connectors/ldap/access.js';

const RESET = '00299570-246d-11d0-a768-00aa006e0529';
const OTHER_RIGHT = 'ab721a53-1e2f-11d0-9819-00aa0040529b'; // Change Password
const USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const ACCOUNT = 'S-1-5-21-1-2-3-1105';
const HELPDESK = 'S-1-5-21-1-2-3-1200';

function sidBytes(sid: string): Buffer {
  const [, revision, authority, ...subs] = sid.split('-');
  const out = Buffer.alloc(8 + subs.length * 4);
  out[0] = Number(revision);
  out[1] = subs.length;
  out.writeUIntBE(Number(authority), 2, 6);
  subs.forEach((sub, i) => out.writeUInt32LE(Number(sub), 8 + i * 4));
  return out;
}

function guidBytes(guid: string): Buffer {
  const b = Buffer.from(guid.replace(/-/g, ''), 'hex');
  return Buffer.from([b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8)]);
}

interface AceSpec {
  deny?: boolean;
  mask: number;
  sid: string;
  objectType?: string;
  inheritedObjectType?: string;
  flags?: number;
}

function ace(spec: AceSpec): Buffer {
  const object = spec.objectType !== undefined || spec.inheritedObjectType !== undefined;
  const type = (spec.deny ? 1 : 0) + (object ? 5 : 0);
  const parts: Buffer[] = [];
  const mask = Buffer.alloc(4);
  mask.writeUInt32LE(spec.mask);
  parts.push(mask);
  if (object) {
    const present = Buffer.alloc(4);
    present.writeUInt32LE((spec.objectType ? 1 : 0) | (spec.inheritedObjectType ? 2 : 0));
    parts.push(present);
    if (spec.objectType) parts.push(guidBytes(spec.objectType));
    if (spec.inheritedObjectType) parts.push(guidBytes(spec.inheritedObjectType));
  }
  parts.push(sidBytes(spec.sid));
  const body = Buffer.concat(parts);
  const header = Buffer.from([type, spec.flags ?? 0, 0, 0]);
  header.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}

/** A self-relative security descriptor holding only a DACL with these ACEs. */
function descriptor(...aces: AceSpec[]): Buffer {
  const body = Buffer.concat(aces.map(ace));
  const acl = Buffer.alloc(8);
  acl[0] = 4;
  acl.writeUInt16LE(8 + body.length, 2);
  acl.writeUInt16LE(aces.length, 4);
  const head = Buffer.alloc(20);
  head[0] = 1;
  head.writeUInt16LE(0x8004, 2);
  head.writeUInt32LE(20, 16);
  return Buffer.concat([head, acl, body]);
}

const token = new Set(['S-1-1-0', 'S-1-5-11', ACCOUNT, HELPDESK]);
const CONTROL_ACCESS = 0x100;

describe('holdsControlAccess', () => {
  it('grants the right delegated as an object ACE with its GUID, to a group the account is in', () => {
    expect(holdsControlAccess(descriptor({ mask: CONTROL_ACCESS, sid: HELPDESK, objectType: RESET, inheritedObjectType: USER_CLASS }), token, RESET)).toBe(true);
  });

  it('does not take another extended right for this one', () => {
    expect(holdsControlAccess(descriptor({ mask: CONTROL_ACCESS, sid: ACCOUNT, objectType: OTHER_RIGHT }), token, RESET)).toBe(false);
  });

  it('grants it through all extended rights (no object type) and through GENERIC_ALL', () => {
    expect(holdsControlAccess(descriptor({ mask: CONTROL_ACCESS, sid: ACCOUNT }), token, RESET)).toBe(true);
    expect(holdsControlAccess(descriptor({ mask: 0x10000000, sid: ACCOUNT }), token, RESET)).toBe(true);
  });

  it('lets a deny that comes first win over a later allow', () => {
    const dacl = descriptor(
      { deny: true, mask: CONTROL_ACCESS, sid: ACCOUNT, objectType: RESET },
      { mask: CONTROL_ACCESS, sid: HELPDESK, objectType: RESET },
    );
    expect(holdsControlAccess(dacl, token, RESET)).toBe(false);
  });

  it('ignores ACEs for other accounts and inherit-only ACEs, which do not apply to the entry', () => {
    expect(holdsControlAccess(descriptor({ mask: CONTROL_ACCESS, sid: 'S-1-5-21-1-2-3-9999', objectType: RESET }), token, RESET)).toBe(false);
    expect(holdsControlAccess(descriptor({ mask: CONTROL_ACCESS, sid: ACCOUNT, objectType: RESET, flags: 0x08 | 0x02 }), token, RESET)).toBe(false);
  });

  it('finds nothing in a descriptor without a DACL or cut short', () => {
    const full = descriptor({ mask: CONTROL_ACCESS, sid: ACCOUNT, objectType: RESET });
    expect(holdsControlAccess(Buffer.alloc(20), token, RESET)).toBe(false);
    expect(holdsControlAccess(full.subarray(0, full.length - 4), token, RESET)).toBe(false);
  });
});
