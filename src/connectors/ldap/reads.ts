// Directory reads: users by identity or DN in few paged searches with batched OR filters, the schema, the bound account.
import { escapeFilter, type Entry } from 'ldapts';
import type { AdUser, Identity } from '../../model.js';
import type { AdGroupMembers } from '../types.js';
import {
  attributeReader,
  BINARY_ATTRIBUTES,
  EXCHANGE_ATTRIBUTES,
  LARGE_USER_ATTRIBUTES,
  sidToString,
  toFoundUser,
  USER_ATTRIBUTES,
  type FoundUser,
} from './decode.js';
import { domainRoot, isValidDn, normalizeDn } from './dn.js';
import { isLdapError } from './errors.js';
import { rangeOf, withAllValues } from './ranged.js';
import type { LdapSession } from './session.js';

const USER_FILTER = '(objectCategory=person)(objectClass=user)';
/** LDAP_MATCHING_RULE_IN_CHAIN: the DC follows group nesting to any depth. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';

export interface ReadOptions {
  baseDn: string;
  bindDn: string;
  /** Entries per page of a search. */
  pageSize: number;
  /** Assertions per OR filter. */
  termsPerFilter: number;
  /** Values of a large multi-valued attribute (memberOf) per request. */
  valuesPerRange: number;
  stats: { searches: number; entries: number };
}

/** `CORP\jdoe` → `jdoe`: the form people copy from a logon prompt. */
const bareSam = (sam: string): string => sam.slice(sam.lastIndexOf('\\') + 1);
const lower = (value: string): string => value.toLowerCase();

/** The assertions that find one identity. objectId is an Entra id: AD has nothing to match it against. */
function identityTerms(identity: Identity): string[] {
  const { userPrincipalName, employeeId, mail, distinguishedName } = identity;
  const sam = identity.samAccountName ? bareSam(identity.samAccountName) : undefined;
  const dn = distinguishedName && isValidDn(distinguishedName) ? normalizeDn(distinguishedName) : undefined;
  const terms = [
    sam && escapeFilter`(sAMAccountName=${sam})`,
    userPrincipalName && escapeFilter`(userPrincipalName=${userPrincipalName})`,
    employeeId && escapeFilter`(employeeID=${employeeId})`,
    mail && escapeFilter`(mail=${mail})`,
    // proxyAddresses matching ignores case, so `smtp:` also finds the primary `SMTP:` address.
    mail && escapeFilter`(proxyAddresses=smtp:${mail})`,
    dn && escapeFilter`(distinguishedName=${dn})`,
  ];
  return terms.filter((term): term is string => Boolean(term));
}

const chunk = <T>(items: T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

export function createReads(session: LdapSession, options: ReadOptions) {
  const { stats, bindDn } = options;

  async function search(base: string, scope: 'base' | 'one' | 'sub', filter: string, attributes: string[]): Promise<Entry[]> {
    const what = `searching ${base} for ${filter.length > 200 ? `${filter.slice(0, 200)}…` : filter}`;
    return session.run({ what, retry: true }, async (bound) => {
      const entries: Entry[] = [];
      const pages = bound.searchPaginated(base, {
        scope,
        filter,
        attributes,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        paged: { pageSize: options.pageSize },
      });
      try {
        for await (const page of pages) {
          stats.searches++;
          stats.entries += page.searchEntries.length;
          entries.push(...page.searchEntries);
        }
      } catch (error) {
        // The request that failed was sent too.
        stats.searches++;
        throw error;
      }
      return entries;
    });
  }

  let rootDse: Promise<Entry | undefined> | undefined;
  const readRootDse = (): Promise<Entry | undefined> =>
    (rootDse ??= search('', 'base', '(objectClass=*)', ['schemaNamingContext', 'defaultNamingContext']).then(
      ([entry]) => entry,
    ));

  /** Which of `names` the schema defines (lower case), in one search. */
  async function definedAttributes(names: string[]): Promise<Set<string>> {
    const root = await readRootDse();
    const schema = root ? attributeReader(root).text('schemaNamingContext') : undefined;
    if (!schema) return new Set();
    const terms = names.map((name) => escapeFilter`(lDAPDisplayName=${name})`).join('');
    const found = await search(schema, 'one', `(&(objectClass=attributeSchema)(|${terms}))`, ['lDAPDisplayName']);
    return new Set(found.map((entry) => (attributeReader(entry).text('lDAPDisplayName') ?? '').toLowerCase()));
  }

  const attributeCache = new Map<string, Promise<Set<string>>>();
  /** The Exchange attributes are looked up together: a user search asks for every one the schema has. */
  const lookupKey = (key: string): string => (EXCHANGE_ATTRIBUTES.some((a) => a.toLowerCase() === key) ? 'exchange' : key);
  function schemaHas(names: string[]): Promise<Set<string>> {
    const key = lookupKey(names[0].toLowerCase());
    let known = attributeCache.get(key);
    if (!known) {
      known = definedAttributes(key === 'exchange' ? EXCHANGE_ATTRIBUTES : names);
      attributeCache.set(key, known);
      known.catch(() => attributeCache.delete(key));
    }
    return known;
  }
  const hasAttribute = async (name: string): Promise<boolean> => (await schemaHas([name])).has(name.toLowerCase());
  const exchangeInSchema = (): Promise<Set<string>> => schemaHas(EXCHANGE_ATTRIBUTES);

  /** The entry with every value of its large attributes, asking for the ranges the first answer left out. */
  async function withLargeValues(entry: Entry): Promise<Entry> {
    const readRange = async (dn: string, rangedName: string): Promise<Entry | undefined> =>
      (await search(dn, 'base', '(objectClass=*)', [rangedName]))[0];
    let complete = entry;
    for (const attribute of LARGE_USER_ATTRIBUTES) {
      complete = await withAllValues(complete, attribute, options.valuesPerRange, readRange);
    }
    return complete;
  }

  /** Searches users for many assertions, a chunk at a time; returns each user once. */
  async function searchUsers(base: string, terms: string[]): Promise<FoundUser[]> {
    const unique = [...new Set(terms)];
    if (unique.length === 0) return [];
    const exchange = await exchangeInSchema();
    const attributes = [
      ...USER_ATTRIBUTES,
      ...EXCHANGE_ATTRIBUTES.filter((name) => exchange.has(name.toLowerCase())),
      ...LARGE_USER_ATTRIBUTES.map((name) => rangeOf(name, 0, options.valuesPerRange)),
    ];
    const byDn = new Map<string, FoundUser>();
    for (const terms of chunk(unique, options.termsPerFilter)) {
      const entries = await search(base, 'sub', `(&${USER_FILTER}(|${terms.join('')}))`, attributes);
      for (const entry of entries) {
        const found = toFoundUser(await withLargeValues(entry), exchange);
        byDn.set(found.user.dn.toLowerCase(), found);
      }
    }
    return [...byDn.values()];
  }

  async function findUsers(identities: Identity[]): Promise<AdUser[][]> {
    const found = await searchUsers(options.baseDn, identities.flatMap(identityTerms));
    const index = new Map<string, Set<FoundUser>>();
    const put = (key: string, value: string | undefined, user: FoundUser): void => {
      if (!value) return;
      const k = `${key}:${lower(value)}`;
      const set = index.get(k) ?? new Set<FoundUser>();
      set.add(user);
      index.set(k, set);
    };
    for (const user of found) {
      put('sam', user.user.samAccountName, user);
      put('upn', user.user.userPrincipalName, user);
      put('employeeId', user.user.employeeId, user);
      put('mail', user.user.mail, user);
      for (const address of user.proxyAddresses) {
        if (/^smtp:/i.test(address)) put('mail', address.slice(5), user);
      }
      put('dn', normalizeDn(user.user.dn), user);
    }
    // A user matches an identity when any of its columns matches: columns that point at different accounts make
    // the lookup ambiguous, which the caller refuses, rather than silently picking one.
    return identities.map((identity) => {
      const matches = new Set<FoundUser>();
      const take = (key: string, value: string | undefined): void => {
        if (!value) return;
        for (const user of index.get(`${key}:${lower(value)}`) ?? []) matches.add(user);
      };
      take('sam', identity.samAccountName ? bareSam(identity.samAccountName) : undefined);
      take('upn', identity.userPrincipalName);
      take('employeeId', identity.employeeId);
      take('mail', identity.mail);
      if (identity.distinguishedName && isValidDn(identity.distinguishedName)) {
        take('dn', normalizeDn(identity.distinguishedName));
      }
      return [...matches].map((match) => match.user);
    });
  }

  async function readUsers(dns: string[]): Promise<(AdUser | undefined)[]> {
    const valid = dns.map((dn) => (isValidDn(dn) ? normalizeDn(dn) : undefined));
    const terms = valid.flatMap((dn) => (dn ? [escapeFilter`(distinguishedName=${dn})`] : []));
    // Managers may sit outside the leavers' search base, so the whole domain is searched.
    const found = await searchUsers(domainRoot(options.baseDn), terms);
    const byDn = new Map(found.map((f) => [lower(normalizeDn(f.user.dn)), f.user]));
    return valid.map((dn) => (dn ? byDn.get(lower(dn)) : undefined));
  }

  async function findUsersBySid(sids: string[]): Promise<(AdUser | undefined)[]> {
    const valid = sids.map((sid) => (/^S-1-5-21(-\d+){4}$/i.test(sid) ? sid.toUpperCase() : undefined));
    // AD matches objectSid against its string form; a linked account may sit anywhere in the domain.
    const terms = valid.flatMap((sid) => (sid ? [escapeFilter`(objectSid=${sid})`] : []));
    const found = await searchUsers(domainRoot(options.baseDn), terms);
    const bySid = new Map(found.map((f) => [f.user.objectSid.toUpperCase(), f.user]));
    return valid.map((sid) => (sid ? bySid.get(sid) : undefined));
  }

  /**
   * Groups named by cn, sAMAccountName (`DOMAIN\\name` too) or DN, in the whole domain, each with every user in it:
   * members through any depth of nesting (LDAP_MATCHING_RULE_IN_CHAIN), and users whose primary group is the group or
   * one nested in it, which AD never lists in `member`. Three searches per group, however many users are checked.
   */
  async function findGroupMembers(names: string[]): Promise<AdGroupMembers[]> {
    const root = domainRoot(options.baseDn);
    const terms = names.flatMap((name) => {
      const trimmed = name.trim();
      if (trimmed === '' || trimmed.includes('@')) return [];
      if (isValidDn(trimmed)) return [escapeFilter`(distinguishedName=${normalizeDn(trimmed)})`];
      const bare = bareSam(trimmed);
      return [escapeFilter`(cn=${bare})`, escapeFilter`(sAMAccountName=${bare})`];
    });
    const groups: Entry[] = [];
    for (const part of chunk([...new Set(terms)], options.termsPerFilter)) {
      groups.push(...(await search(root, 'sub', `(&(objectClass=group)(|${part.join('')}))`, ['cn', 'objectSid'])));
    }
    const rid = (entry: Entry): string[] => {
      const sid = attributeReader(entry).binary('objectSid');
      const last = sid ? sidToString(sid).split('-').pop() : undefined;
      return last ? [last] : [];
    };
    return Promise.all(
      groups.map(async (group) => {
        const inChain = escapeFilter`(memberOf:${IN_CHAIN}:=${group.dn})`;
        const nested = await search(root, 'sub', `(&(objectClass=group)${inChain})`, ['objectSid']);
        const primary = [group, ...nested].flatMap(rid).map((id) => `(primaryGroupID=${id})`);
        const users = new Set<string>();
        for (const part of chunk([inChain, ...primary], options.termsPerFilter)) {
          for (const user of await search(root, 'sub', `(&${USER_FILTER}(|${part.join('')}))`, ['objectSid'])) users.add(user.dn);
        }
        return { dn: group.dn, name: attributeReader(group).text('cn') ?? group.dn, userDns: [...users] };
      }),
    );
  }

  let self: Promise<{ dn?: string; objectSid?: string }> | undefined;
  function whoami(): Promise<{ dn?: string; objectSid?: string }> {
    self ??= (async () => {
      const attributes = ['objectSid'];
      let entries: Entry[];
      if (isValidDn(bindDn)) {
        entries = await search(normalizeDn(bindDn), 'base', '(objectClass=*)', attributes);
      } else {
        const filter = bindDn.includes('@')
          ? escapeFilter`(userPrincipalName=${bindDn})`
          : escapeFilter`(sAMAccountName=${bareSam(bindDn)})`;
        entries = await search(domainRoot(options.baseDn), 'sub', filter, attributes);
      }
      const [entry] = entries;
      if (!entry) return isValidDn(bindDn) ? { dn: bindDn } : {};
      const sid = attributeReader(entry).binary('objectSid');
      return { dn: entry.dn, objectSid: sid ? sidToString(sid) : undefined };
    })();
    self.catch(() => {
      self = undefined;
    });
    return self;
  }

  /**
   * The attributes the bound account may write on an entry: AD's constructed allowedAttributesEffective
   * (https://learn.microsoft.com/windows/win32/adschema/a-allowedattributeseffective), which Samba computes too.
   */
  async function writableAttributes(dn: string): Promise<string[]> {
    const [entry] = await search(normalizeDn(dn), 'base', '(objectClass=*)', ['allowedAttributesEffective']);
    return entry ? attributeReader(entry).texts('allowedAttributesEffective') : [];
  }

  /**
   * The object classes the bound account may create under an entry: AD's constructed allowedChildClassesEffective
   * (https://learn.microsoft.com/windows/win32/adschema/a-allowedchildclasseseffective), which Samba computes too.
   */
  async function creatableClasses(dn: string): Promise<string[]> {
    const [entry] = await search(normalizeDn(dn), 'base', '(objectClass=*)', ['allowedChildClassesEffective']);
    return entry ? attributeReader(entry).texts('allowedChildClassesEffective') : [];
  }

  /** Whether an entry is at this DN now. */
  async function exists(dn: string): Promise<boolean> {
    try {
      return (await search(dn, 'base', '(objectClass=*)', ['objectClass'])).length > 0;
    } catch (error) {
      if (isLdapError(error, 'ldap-no-such-object')) return false;
      throw error;
    }
  }

  return { findUsers, findUsersBySid, findGroupMembers, readUsers, hasAttribute, whoami, writableAttributes, creatableClasses, exists };
}
