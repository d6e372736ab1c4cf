// RFC 4515 filter escaping (ldapts' escapeFilter, as the connector uses it) and the connector's RFC 4514 DN API.
import { AndFilter, EqualityFilter, escapeFilter, FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  domainRoot,
  escapeDnValue,
  formatDn,
  isChildOf,
  isValidDn,
  movedDn,
  normalizeDn,
  parseDn,
  rdnValue,
  sameDn,
} from '../../src/connectors/ldap/dn.js';

/** What the server receives for `(attr=<escaped>)`: the value ldapts puts on the wire. */
function wireValue(escaped: string): string {
  const filter = FilterParser.parseString(`(sAMAccountName=${escaped})`);
  if (!(filter instanceof EqualityFilter) || typeof filter.value !== 'string') throw new Error('not an equality filter');
  return filter.value;
}

describe('escapeFilter', () => {
  it('escapes the filter metacharacters star, parentheses, backslash and NUL', () => {
    expect(escapeFilter`${'*'}`).toBe('\\2a');
    expect(escapeFilter`${'a(b)c'}`).toBe('a\\28b\\29c');
    expect(escapeFilter`${'C:\\temp'}`).toBe('C:\\5ctemp');
    expect(escapeFilter`${'nul\0byte'}`).toBe('nul\\00byte');
  });

  it('turns injection attempts into one literal equality value', () => {
    for (const attack of ['*', 'x)(cn=*', 'jdoe)(|(sAMAccountName=*', '*)(objectClass=*))(|(cn=*', '\\2a']) {
      const filter = FilterParser.parseString(escapeFilter`(&(objectClass=user)(sAMAccountName=${attack}))`);
      expect(filter).toBeInstanceOf(AndFilter);
      const [, assertion] = (filter as AndFilter).filters;
      expect((filter as AndFilter).filters).toHaveLength(2);
      expect(assertion).toBeInstanceOf(EqualityFilter);
      expect((assertion as EqualityFilter).value).toBe(attack);
    }
  });

  it('leaves apostrophes, commas and accented letters as they are so they reach the server as UTF-8', () => {
    expect(escapeFilter`${"sean.o'brien@contoso.test"}`).toBe("sean.o'brien@contoso.test");
    expect(escapeFilter`${'Smith, John'}`).toBe('Smith, John');
    expect(escapeFilter`${'Zoë Ångström-Müller'}`).toBe('Zoë Ångström-Müller');
    expect(wireValue(escapeFilter`${'Zoë Ångström-Müller (Ops)'}`)).toBe('Zoë Ångström-Müller (Ops)');
  });

  it('keeps characters outside the Basic Multilingual Plane whole', () => {
    expect(wireValue(escapeFilter`${'Ana 😀 *'}`)).toBe('Ana 😀 *');
  });
});

describe('escapeDnValue', () => {
  it('escapes a comma in a display name used as a CN', () => {
    expect(escapeDnValue('Smith, John')).toBe('Smith\\, John');
  });

  it('escapes every RFC 4514 special character', () => {
    expect(escapeDnValue('a+b"c<d>e;f=g')).toBe('a\\+b\\"c\\<d\\>e\\;f\\=g');
  });

  it('hex-escapes a backslash so that a value ending in one does not hide the next separator', () => {
    expect(escapeDnValue('back\\slash\\')).toBe('back\\5Cslash\\5C');
  });

  it('escapes a leading space or hash and a trailing space, but not inner ones', () => {
    expect(escapeDnValue(' lead')).toBe('\\ lead');
    expect(escapeDnValue('#1 fan')).toBe('\\#1 fan');
    expect(escapeDnValue('trail ')).toBe('trail\\ ');
    expect(escapeDnValue('in # side')).toBe('in # side');
    expect(escapeDnValue(' ')).toBe('\\ ');
  });

  it('escapes NUL and keeps apostrophes and accents', () => {
    expect(escapeDnValue('a\0b')).toBe('a\\00b');
    expect(escapeDnValue("Seán O'Brien")).toBe("Seán O'Brien");
    expect(escapeDnValue('Zoë Ångström-Müller')).toBe('Zoë Ångström-Müller');
  });

  it('round-trips awkward names through parseDn', () => {
    for (const name of ['Smith, John', "O'Brien", 'Zoë Ångström-Müller', ' #lead+trail\\ ', 'a"b<c>d;e=f', 'x\0y', '😀,']) {
      const dn = `CN=${escapeDnValue(name)},OU=Staff,DC=corp,DC=contoso,DC=test`;
      expect(rdnValue(dn)).toBe(name);
      expect(isChildOf(dn, 'OU=Staff,DC=corp,DC=contoso,DC=test')).toBe(true);
      expect(parseDn(dn)).toHaveLength(5);
    }
  });
});

describe('parseDn', () => {
  it('reads the CN of an existing DN with an escaped comma', () => {
    expect(rdnValue('CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test')).toBe('Smith, John');
  });

  it('decodes hex escapes as UTF-8 bytes', () => {
    expect(rdnValue('CN=Zo\\C3\\AB \\C3\\85ngstr\\C3\\B6m,OU=Staff,DC=corp')).toBe('Zoë Ångström');
    expect(rdnValue('CN=a\\2Cb,DC=corp')).toBe('a,b');
  });

  it('tolerates the spaces people type after commas and around equals signs', () => {
    expect(parseDn('CN=Jane Doe, OU=Staff , DC=corp')).toEqual([
      { type: 'CN', value: 'Jane Doe' },
      { type: 'OU', value: 'Staff' },
      { type: 'DC', value: 'corp' },
    ]);
    expect(normalizeDn('cn = Smith\\, John, ou=Staff')).toBe('cn=Smith\\, John,ou=Staff');
  });

  it('keeps an escaped trailing space', () => {
    expect(rdnValue('CN=trail\\ ,DC=corp')).toBe('trail ');
  });

  it('rejects strings that are not DNs', () => {
    for (const bad of ['', 'jdoe', 'CN=a,', 'CN=a,,DC=b', 'CN=a"b,DC=c', 'CN=a+UID=b,DC=c', 'CN=,DC=c',
      '=x', 'CN=a\\zz,DC=c', 'CN=a,DC=b=c', '1bad=x', 'CN=#04024869']) {
      expect(isValidDn(bad), bad).toBe(false);
    }
    expect(() => parseDn('jdoe)(|(sAMAccountName=*')).toThrow(/not a valid distinguished name/);
  });

  it('accepts OID attribute types', () => {
    expect(parseDn('2.5.4.3=Jane,DC=corp')[0]).toEqual({ type: '2.5.4.3', value: 'Jane' });
  });

  it('formats RDNs back with every value escaped', () => {
    expect(formatDn([{ type: 'CN', value: 'Smith, John' }, { type: 'OU', value: 'Disabled Users' }])).toBe(
      'CN=Smith\\, John,OU=Disabled Users',
    );
  });
});

describe('sameDn', () => {
  it('ignores case, escaping style and spaces after separators', () => {
    expect(sameDn('CN=Smith\\, John,OU=Staff,DC=corp', 'cn=smith\\2c john, ou=STAFF,dc=CORP')).toBe(true);
  });

  it('tells different entries apart', () => {
    expect(sameDn('CN=Jane,OU=Staff,DC=corp', 'CN=Jane,OU=Disabled Users,DC=corp')).toBe(false);
    expect(sameDn('CN=Jane,DC=corp', 'CN=Jane,OU=Staff,DC=corp')).toBe(false);
    expect(sameDn('not a dn', 'not a dn')).toBe(false);
  });
});

describe('isChildOf', () => {
  it('finds an entry whose name holds a comma directly in its container, however the container is spelled', () => {
    expect(isChildOf('CN=Smith\\, John,OU=Disabled Users,DC=corp', 'ou=disabled users, dc=CORP')).toBe(true);
  });

  it('does not count an entry in a sub-container or elsewhere as a child', () => {
    expect(isChildOf('CN=Jane,OU=Old,OU=Disabled Users,DC=corp', 'OU=Disabled Users,DC=corp')).toBe(false);
    expect(isChildOf('CN=Jane,OU=Staff,DC=corp', 'OU=Disabled Users,DC=corp')).toBe(false);
    expect(isChildOf('DC=corp', 'DC=corp')).toBe(false);
  });
});

describe('movedDn', () => {
  it('keeps the escaped RDN and puts the container after it in its canonical spelling', () => {
    expect(movedDn('CN=Smith\\, John,OU=Staff,DC=corp', 'OU=Disabled Users, DC=corp')).toBe('CN=Smith\\, John,OU=Disabled Users,DC=corp');
    expect(movedDn('CN=Zo\\C3\\AB \\#1,OU=Staff,DC=corp', 'OU=Gone,DC=corp')).toBe('CN=Zoë #1,OU=Gone,DC=corp');
  });
});

describe('domainRoot', () => {
  it('keeps the DC= tail of a search base', () => {
    expect(domainRoot('OU=Staff,OU=Users,DC=corp,DC=contoso,DC=test')).toBe('DC=corp,DC=contoso,DC=test');
    expect(domainRoot('DC=corp,DC=contoso,DC=test')).toBe('DC=corp,DC=contoso,DC=test');
  });

  it('leaves a base with no DC= part, or one that is not a DN, as it is', () => {
    expect(domainRoot('OU=Staff,O=Contoso')).toBe('OU=Staff,O=Contoso');
    expect(domainRoot('not a dn')).toBe('not a dn');
  });
});
