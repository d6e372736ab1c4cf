// The AD connector's DN API: RFC 4514 parsing, escaping and comparison, so that no user value becomes DN syntax.

/**
 * Escapes an attribute value for use in a DN (RFC 4514): `,` `+` `"` `<` `>` `;` `=` get a backslash, as do a
 * leading space or `#` and a trailing space; `\` becomes `\5C` and NUL `\00`. The backslash is hex-escaped because
 * ldapts' modifyDN splits the new DN at the first comma not preceded by a backslash, which `\\,` would fool.
 */
export function escapeDnValue(value: string): string {
  let escaped = '';
  const chars = Array.from(value);
  chars.forEach((char, index) => {
    if (char === '\\') escaped += '\\5C';
    else if (char === '\0') escaped += '\\00';
    else if (',+"<>;='.includes(char)) escaped += `\\${char}`;
    else if (index === 0 && (char === ' ' || char === '#')) escaped += `\\${char}`;
    else if (index === chars.length - 1 && char === ' ') escaped += '\\ ';
    else escaped += char;
  });
  return escaped;
}

/** One relative distinguished name: the attribute type as written (e.g. `CN`) and the unescaped value. */
export interface Rdn {
  type: string;
  value: string;
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const SPECIAL = ',+"\\<>;=';

/**
 * Parses a DN string (RFC 4514, with the spaces around separators that people type tolerated) into its RDNs.
 * Throws on anything that is not a DN: a missing `=`, an unescaped special character, a bad escape, a
 * multi-valued RDN (AD has none), or an empty string.
 */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let index = 0;
  const fail = (why: string): never => {
    throw new Error(`"${dn}" is not a valid distinguished name: ${why}`);
  };
  if (dn.trim() === '') fail('it is empty');
  while (index < dn.length) {
    const equals = dn.indexOf('=', index);
    if (equals === -1) fail(`"${dn.slice(index).trim()}" has no "="`);
    const type = dn.slice(index, equals).trim();
    if (!ATTRIBUTE_TYPE.test(type)) fail(`"${type}" is not an attribute type`);
    index = equals + 1;
    while (dn[index] === ' ') index++;
    if (dn[index] === '#') fail('hex-encoded (#…) values are not supported');
    const bytes: number[] = [];
    let trailingSpaces = 0;
    let ended = false;
    while (index < dn.length && !ended) {
      const char = dn[index];
      if (char === '\\') {
        const next = dn.slice(index + 1, index + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(next)) {
          bytes.push(Number.parseInt(next, 16));
          index += 3;
        } else if (next.length > 0 && (SPECIAL.includes(next[0]) || next[0] === ' ' || next[0] === '#')) {
          bytes.push(next.charCodeAt(0));
          index += 2;
        } else {
          fail(`bad escape "\\${next}"`);
        }
        trailingSpaces = 0;
      } else if (char === ',') {
        ended = true;
        index++;
      } else if (char === '+') {
        fail('multi-valued RDNs are not supported');
      } else if (SPECIAL.includes(char)) {
        fail(`"${char}" must be escaped`);
      } else {
        // Code points, not UTF-16 units: astral characters are two units.
        const codePoint = dn.codePointAt(index) ?? 0;
        const text = String.fromCodePoint(codePoint);
        bytes.push(...Buffer.from(text, 'utf8'));
        index += text.length;
        trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
      }
    }
    if (ended && index >= dn.length) fail('it ends with a comma');
    const raw = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    if (raw === '') fail(`${type} has an empty value`);
    rdns.push({ type, value: raw });
    while (dn[index] === ' ') index++;
  }
  return rdns;
}

/** Whether a string is a DN that parseDn accepts. */
export function isValidDn(dn: string): boolean {
  try {
    parseDn(dn);
    return true;
  } catch {
    return false;
  }
}

/** Writes RDNs back as a DN string, every value escaped. */
export function formatDn(rdns: Rdn[]): string {
  return rdns.map((rdn) => `${rdn.type}=${escapeDnValue(rdn.value)}`).join(',');
}

/** The canonical spelling of a DN (no spaces around separators, one escaping style), for building requests. */
export function normalizeDn(dn: string): string {
  return formatDn(parseDn(dn));
}

/** The unescaped value of a DN's first RDN: `Smith, John` for `CN=Smith\, John,OU=Staff,…`. */
export function rdnValue(dn: string): string {
  const [first] = parseDn(dn);
  return first.value;
}


/** Whether two DNs name the same entry (AD compares types and values without regard to case). */
export function sameDn(a: string, b: string): boolean {
  try {
    const left = parseDn(a);
    const right = parseDn(b);
    return (
      left.length === right.length &&
      left.every(
        (rdn, i) =>
          rdn.type.toLowerCase() === right[i].type.toLowerCase() &&
          rdn.value.toLowerCase() === right[i].value.toLowerCase(),
      )
    );
  } catch {
    return false;
  }
}

/** Whether the entry sits directly in the container: `CN=Smith\, John,OU=Staff,…` is a child of `ou=staff, …`. */
export function isChildOf(dn: string, containerDn: string): boolean {
  return sameDn(formatDn(parseDn(dn).slice(1)), containerDn);
}

/** The DN an entry gets when moved into another container: its own RDN, then the container. */
export function movedDn(dn: string, containerDn: string): string {
  const [rdn] = parseDn(dn);
  return `${formatDn([rdn])},${normalizeDn(containerDn)}`;
}

/** The DC= tail of a DN: the domain's naming context, where managers and the bind account live. */
export function domainRoot(baseDn: string): string {
  try {
    const rdns = parseDn(baseDn);
    let start = rdns.length;
    while (start > 0 && rdns[start - 1].type.toLowerCase() === 'dc') start--;
    return start < rdns.length ? formatDn(rdns.slice(start)) : baseDn;
  } catch {
    return baseDn;
  }
}
