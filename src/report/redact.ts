// `summary: redacted`: every identity the run knows of, masked wherever it appears in text that leaves the run.
import type { Person, UserResult } from '../model.js';

/** `jane.doe@contoso.com` → `j.d.@contoso.com`; a display name → its initials. */
export function redact(value: string): string {
  const at = value.lastIndexOf('@');
  if (at > 0) {
    const initials = value
      .slice(0, at)
      .split(/[._\-\s]+/)
      .filter(Boolean)
      .map((part) => `${[...part][0]}.`)
      .join('');
    return `${initials}@${value.slice(at + 1)}`;
  }
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => `${[...part][0]}.`)
    .join(' ');
}

/** A DN's first attribute and value (still escaped), and the rest from its comma on; undefined for no DN. */
function firstRdn(dn: string): { type: string; value: string; rest: string } | undefined {
  const match = /^([A-Za-z][\w-]*)=((?:\\.|[^\\,+])*)(.*)$/s.exec(dn);
  return match && match[2] ? { type: match[1], value: match[2], rest: match[3] } : undefined;
}

/** RFC 4514: the characters a DN escapes inside a value, so a name quoted from a DN is found too. */
function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

const unescapeDnValue = (value: string): string =>
  value.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, c: string) => (c.length === 2 ? String.fromCharCode(parseInt(c, 16)) : c));

/** Lower case that keeps every index where it was (a few letters lower-case to two code units). */
function lowerInPlace(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const char of text) {
    const folded = char.toLowerCase();
    out += folded.length === char.length ? folded : char;
  }
  return out;
}

const WORD = /[\p{L}\p{N}]/u;
const isWord = (char: string | undefined): boolean => char !== undefined && WORD.test(char);

/** A trie of the lower-cased values: a value's mask sits on the node where the value ends. */
interface Node {
  next: Map<string, Node>;
  mask?: string;
}

/**
 * Masks known identity values in text: longest first, any case, only where the value is not part of a longer word
 * (`jdoe` in `jdoe@contoso.com`, never in `ajdoex`). A DN keeps its attribute names and containers and masks its
 * name; a name is also found in its DN-escaped form. One walk of the trie per position: the cost grows with the
 * text, not with the number of people. Disabled, it returns text as it is.
 */
export class IdentityMask {
  private readonly root: Node = { next: new Map() };
  private size = 0;

  constructor(readonly enabled: boolean) {}

  /** Learns identity values (UPN, mail, sAMAccountName, DN, display name…); empty and one-letter values are skipped. */
  add(values: Iterable<string | undefined>): void {
    if (!this.enabled) return;
    for (const value of values) {
      if (!value || value.trim().length < 2) continue;
      const rdn = firstRdn(value);
      if (rdn) {
        this.learn(value, `${rdn.type}=${escapeDnValue(redact(unescapeDnValue(rdn.value)))}${rdn.rest}`);
        this.learn(unescapeDnValue(rdn.value), redact(unescapeDnValue(rdn.value)));
      } else {
        this.learn(value, redact(value));
        this.learn(escapeDnValue(value), escapeDnValue(redact(value)));
      }
    }
  }

  private learn(value: string, mask: string): void {
    if (value.trim().length < 2) return;
    let node = this.root;
    for (const char of lowerInPlace(value)) {
      let next = node.next.get(char);
      if (!next) node.next.set(char, (next = { next: new Map() }));
      node = next;
    }
    if (node.mask !== undefined) return;
    node.mask = mask || '…';
    this.size++;
  }

  /** The text with every known identity in it masked. */
  text = (text: string): string => {
    if (!this.enabled || this.size === 0 || !text) return text;
    const lower = lowerInPlace(text);
    let out = '';
    let copied = 0;
    for (let at = 0; at < lower.length; at++) {
      if (isWord(text[at]) && isWord(text[at - 1])) continue;
      let node: Node | undefined = this.root;
      let found: { end: number; mask: string } | undefined;
      for (let end = at; node && end < lower.length; ) {
        // Code units, as the values were learned by code point: a surrogate pair is two steps.
        const char = lower.codePointAt(end) as number > 0xffff ? lower.slice(end, end + 2) : lower[end];
        node = node.next.get(char);
        end += char.length;
        if (node?.mask !== undefined && !(isWord(text[end - 1]) && isWord(text[end]))) found = { end, mask: node.mask };
      }
      if (!found) continue;
      out += text.slice(copied, at) + found.mask;
      copied = found.end;
      at = found.end - 1;
    }
    return copied === 0 ? text : out + text.slice(copied);
  };
}

/** The values of a request that name a person: UPN, mail, sAMAccountName, DN, delegate (not the opaque ids). */
function rowIdentities(values: Partial<Record<string, unknown>>): (string | undefined)[] {
  return ['userPrincipalName', 'mail', 'samAccountName', 'distinguishedName', 'delegate'].map((key) =>
    typeof values[key] === 'string' ? values[key] : undefined,
  );
}

/** The identities a resolved person carries: the request, the AD account, the Entra user, the delegate and the manager. */
export function personIdentities(person: Person): (string | undefined)[] {
  const { ad, entra, delegate, request } = person;
  return [
    ...rowIdentities({ ...request.identity, delegate: request.delegate }),
    ad?.dn,
    ad?.samAccountName,
    ad?.userPrincipalName,
    ad?.mail,
    ad?.displayName,
    ad?.manager,
    entra?.userPrincipalName,
    entra?.mail,
    entra?.displayName,
    entra?.onPremisesSamAccountName,
    entra?.manager?.userPrincipalName,
    delegate.userPrincipalName,
    delegate.requested,
    delegate.manager?.userPrincipalName,
  ];
}

/** The identities a user's record carries (a record may outlive the people it was resolved from). */
export function resultIdentities(user: UserResult): (string | undefined)[] {
  return [
    ...rowIdentities(user.request),
    user.ad?.dn,
    user.ad?.samAccountName,
    user.entra?.userPrincipalName,
    user.delegate?.userPrincipalName,
    user.delegate?.requested,
    user.delegate?.manager?.userPrincipalName,
  ];
}
