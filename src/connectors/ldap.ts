// Active Directory over LDAPS or StartTLS: one bound connection per run, batched paged searches, plain-spoken errors.
import net from 'node:net';
import tls from 'node:tls';
import { Attribute, Change, Client, ResultCodeError, type Entry } from 'ldapts';
import type { LdapInputs } from '../inputs-types.js';
import type { AdUser, Identity } from '../model.js';
import { escapeDnValue, escapeFilterValue, formatDn, isValidDn, normalizeDn, parseDn } from './ldap-escape.js';
import type { AdDirectory, LdapChange } from './types.js';

/** LDAP operations on the wire at once on the run's one connection. */
const MAX_IN_FLIGHT = 8;

export interface AdDirectoryOptions extends LdapInputs {
  /** Per-operation and connect timeout. Default 30 s. */
  timeoutMs?: number;
  /** Entries per page of a search. Default 500 (AD's MaxPageSize is 1,000). */
  pageSize?: number;
  /** Assertions per OR filter. Default 200: filters stay far below AD's request size limit. */
  termsPerFilter?: number;
  /** Told once when certificate verification is off, so the caller can warn on every run. */
  onWarning?: (message: string) => void;
}

/** An LDAP failure with a message an administrator can act on and a stable `code`. */
export class LdapError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LdapError';
    this.code = code;
  }
}

interface Operation {
  /** What was being done, as a phrase: "writing description on CN=…". */
  what: string;
  /** Safe to send again after the connection dropped (reads, and writes that land the same way twice). */
  retry: boolean;
  write?: { dn: string; attributes: string[] };
  /** What to say when the bind account lacks the right, when "write <attributes>" does not fit. */
  denied?: string;
}

interface FoundUser {
  user: AdUser;
  proxyAddresses: string[];
}

const USER_ATTRIBUTES = [
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
  'memberOf',
  'description',
];
const BINARY_ATTRIBUTES = ['objectSid', 'objectGUID'];
const EXCHANGE_HIDE = 'msExchHideFromAddressLists';
const USER_FILTER = '(objectCategory=person)(objectClass=user)';

const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);
const DROP_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED']);
/** Waits between attempts to reach the DC again once it answered in this run (about 30 s in all): a restarting DC service or a failover. */
const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];
/** Connect failures that a DC restart or a network blip causes (as opposed to a wrong URL, certificate or password). */
const TRANSIENT_CONNECT = new Set(['ldap-unreachable', 'ldap-connection-lost', 'ldap-tls']);

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};
const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const resultCode = (error: unknown): number | undefined => (error instanceof ResultCodeError ? error.code : undefined);

function isCertificateError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (CERTIFICATE_ERRORS.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID');
}

function isUnreachable(error: unknown): boolean {
  const code = errorCode(error);
  const message = errorMessage(error);
  return (code !== undefined && NETWORK_ERRORS.has(code)) || /Connection timeout|Operation timed out/.test(message);
}

/** The DC (or something between) closed the connection: the operation may be sent again on a new one. */
function isConnectionLost(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && DROP_ERRORS.has(code)) return true;
  return /Connection closed|Socket error|Socket connection not established|socket hang up|has been ended/i.test(
    errorMessage(error),
  );
}

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
export function guidToString(guid: Buffer): string {
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
function attributeReader(entry: Entry) {
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
  return { text, texts, binary };
}

function toFoundUser(entry: Entry, withExchange: boolean): FoundUser {
  const read = attributeReader(entry);
  const number = (name: string): number => Number.parseInt(read.text(name) ?? '0', 10) || 0;
  const sid = read.binary('objectSid');
  const guid = read.binary('objectGUID');
  const hide = read.text(EXCHANGE_HIDE);
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
    msExchHideFromAddressLists: withExchange ? hide?.toUpperCase() === 'TRUE' : undefined,
  };
  return { user, proxyAddresses: read.texts('proxyAddresses') };
}

/** `CORP\jdoe` → `jdoe`: the form people copy from a logon prompt. */
const bareSam = (sam: string): string => sam.slice(sam.lastIndexOf('\\') + 1);
const lower = (value: string): string => value.toLowerCase();

/** The assertions that find one identity. objectId is an Entra id: AD has nothing to match it against. */
function identityTerms(identity: Identity): string[] {
  const terms: string[] = [];
  const add = (attribute: string, value: string | undefined, prefix = ''): void => {
    if (value) terms.push(`(${attribute}=${prefix}${escapeFilterValue(value)})`);
  };
  add('sAMAccountName', identity.samAccountName ? bareSam(identity.samAccountName) : undefined);
  add('userPrincipalName', identity.userPrincipalName);
  add('employeeID', identity.employeeId);
  add('mail', identity.mail);
  // proxyAddresses matching ignores case, so `smtp:` also finds the primary `SMTP:` address.
  add('proxyAddresses', identity.mail, 'smtp:');
  if (identity.distinguishedName && isValidDn(identity.distinguishedName)) {
    add('distinguishedName', normalizeDn(identity.distinguishedName));
  }
  return terms;
}

const chunk = <T>(items: T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/** The DC= tail of a DN: the domain's naming context, where managers and the bind account live. */
function domainRoot(baseDn: string): string {
  try {
    const rdns = parseDn(baseDn);
    let start = rdns.length;
    while (start > 0 && rdns[start - 1].type.toLowerCase() === 'dc') start--;
    return start < rdns.length ? formatDn(rdns.slice(start)) : baseDn;
  } catch {
    return baseDn;
  }
}

interface LdapTarget {
  url: string;
  secure: boolean;
  host: string;
}

function parseTarget(url: string): LdapTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LdapError(`ldap-url "${url}" is not a URL: use ldaps://dc.example.com`, 'ldap-url');
  }
  if (parsed.protocol !== 'ldaps:' && parsed.protocol !== 'ldap:') {
    throw new LdapError(`ldap-url "${url}" must start with ldaps:// (or ldap:// for StartTLS)`, 'ldap-url');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new LdapError(`ldap-url "${url}" names no host: use ldaps://dc.example.com`, 'ldap-url');
  return { url: `${parsed.protocol}//${parsed.host}`, secure: parsed.protocol === 'ldaps:', host };
}

/**
 * Wraps a socket factory so that a client opens exactly one connection. ldapts silently reconnects when an
 * operation finds the socket closed — in clear text and unbound for an ldap:// URL — so any second connection
 * fails instead, and this module opens a fresh, verified, bound session itself.
 */
function oneConnection<F extends (...args: never[]) => net.Socket>(connect: F): F {
  let used = false;
  const wrapped = (...args: Parameters<F>): net.Socket => {
    if (used) {
      const socket = new net.Socket();
      setImmediate(() => socket.destroy(new Error('Connection closed: the DC dropped the connection')));
      return socket;
    }
    used = true;
    return connect(...args);
  };
  return wrapped as F; // same parameters and return type as the wrapped factory
}

/** The counts of AdDirectory plus the entries the DC returned, which shows how much a filter matched on the server. */
export type AdDirectoryStats = AdDirectory['stats'] & {
  entries: number;
  /** The most operations that were on the wire at once. */
  peakInFlight: number;
};

export function createAdDirectory(
  options: AdDirectoryOptions,
): AdDirectory & { connect(): Promise<void>; readonly stats: AdDirectoryStats } {
  const target = parseTarget(options.url);
  const timeout = options.timeoutMs ?? 30_000;
  const pageSize = options.pageSize ?? 500;
  const termsPerFilter = options.termsPerFilter ?? 200;
  const bindName = options.bindDn;
  const stats: AdDirectoryStats = { connects: 0, binds: 0, searches: 0, modifies: 0, entries: 0, peakInFlight: 0 };

  if (!options.tlsVerify) {
    options.onWarning?.(
      `ldap-tls-verify is false: the certificate of the DC at ${target.url} is not verified, so anyone on the path ` +
        'could read the bind password. Set ldap-ca to the PEM of the CA that signed it and remove ldap-tls-verify.',
    );
  }

  const tlsOptions = (): tls.ConnectionOptions => ({
    host: target.host,
    // SNI carries names only; for an address, Node checks the certificate's IP SANs against `host`.
    servername: net.isIP(target.host) ? undefined : target.host,
    // Given alone, `ca` would replace the system roots; a DC may well hold a certificate from a public CA.
    ca: options.ca ? [...tls.getCACertificates('default'), options.ca] : undefined,
    rejectUnauthorized: options.tlsVerify,
    minVersion: 'TLSv1.2',
  });

  // ---- errors -------------------------------------------------------------------------------------------------

  function describe(error: unknown, operation: Operation): LdapError {
    if (error instanceof LdapError) return error;
    const detail = errorMessage(error);
    const cause = { cause: error };
    if (isCertificateError(error)) {
      if (errorCode(error) === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        return new LdapError(
          `The DC's certificate does not name ${target.host} (${detail}): put a host name the certificate lists in ldap-url`,
          'ldap-certificate',
          cause,
        );
      }
      return new LdapError(
        `The DC's certificate is not trusted (${detail}): set ldap-ca to the PEM of the CA that signed it` +
          ' (or, for a test only, ldap-tls-verify: false)',
        'ldap-certificate',
        cause,
      );
    }
    if (/^ERR_SSL_|^ERR_TLS_/.test(errorCode(error) ?? '')) {
      return new LdapError(
        `TLS with the DC at ${target.url} failed (${detail}): ldaps:// expects TLS from the first byte (port 636); ` +
          'for port 389 use ldap:// (StartTLS)',
        'ldap-tls',
        cause,
      );
    }
    if (isUnreachable(error)) {
      return new LdapError(`Cannot reach the DC at ${target.url}: ${detail}`, 'ldap-unreachable', cause);
    }
    if (isConnectionLost(error)) {
      return new LdapError(
        `The connection to the DC at ${target.url} was lost while ${operation.what}` +
          (operation.write ? '; whether the change was made is unknown: run again (steps read the state first)' : ''),
        'ldap-connection-lost',
        cause,
      );
    }
    const code = resultCode(error);
    const write = operation.write;
    switch (code) {
      case 49:
        return new LdapError(
          `The DC rejected the bind for ${bindName}: wrong password or the account is locked/disabled ` +
            '(ldap-bind-dn / ldap-password)',
          'ldap-invalid-credentials',
          cause,
        );
      case 50: {
        const attributes = write?.attributes.join(', ');
        const denied =
          operation.denied ??
          (write
            ? `${bindName} may not write ${attributes} on ${write.dn}: delegate "Write ${attributes}" to ${bindName} on the OU`
            : `${bindName} may not read while ${operation.what}: grant it read access`);
        return new LdapError(denied, 'ldap-insufficient-access', cause);
      }
      case 32:
        return write
          ? new LdapError(
              `The object ${write.dn} no longer exists (moved or deleted since it was read)`,
              'ldap-no-such-object',
              cause,
            )
          : new LdapError(`Nothing at the search base while ${operation.what}: check ldap-base-dn`, 'ldap-no-such-object', cause);
      case 68:
        return new LdapError(
          `Cannot finish ${operation.what}: an object with that name already exists there (rename one of them)`,
          'ldap-already-exists',
          cause,
        );
      case 8:
      case 13:
        return new LdapError(`The DC demands a stronger connection while ${operation.what}: ${detail}`, 'ldap-strong-auth', cause);
      default:
        return new LdapError(`LDAP error while ${operation.what}: ${detail}`, 'ldap-error', cause);
    }
  }

  // ---- the session --------------------------------------------------------------------------------------------

  let client: Client | undefined;
  let opening: Promise<Client> | undefined;

  function discard(stale: Client | undefined): void {
    if (!stale) return;
    if (stale === client) client = undefined;
    // ldapts sends an UnbindRequest only while the socket is still open, and destroys the socket either way.
    stale.unbind().catch(() => undefined);
  }

  async function open(): Promise<Client> {
    discard(client);
    let secured = false;
    const secureConnect = (...args: Parameters<typeof tls.connect>): tls.TLSSocket => {
      const socket = tls.connect(...args);
      socket.once('secureConnect', () => {
        secured = true;
      });
      return socket;
    };
    const fresh = new Client({
      url: target.url,
      timeout,
      connectTimeout: timeout,
      tlsOptions: target.secure ? tlsOptions() : undefined,
      createConnection: oneConnection(net.connect),
      // The overloads of tls.connect all end up in the one implementation this forwards to.
      createSecureConnection: (target.secure ? oneConnection(secureConnect) : secureConnect) as typeof tls.connect,
    });
    stats.connects++;
    try {
      if (!target.secure) await startTls(fresh);
      stats.binds++;
      await fresh.bind(options.bindDn, options.password);
    } catch (error) {
      discard(fresh);
      if (target.secure && !secured && isConnectionLost(error)) {
        throw new LdapError(
          `The DC at ${target.url} closed the connection during the TLS handshake (${errorMessage(error)}): ` +
            'ldaps:// expects TLS from the first byte (port 636); for port 389 use ldap:// (StartTLS)',
          'ldap-tls',
          { cause: error },
        );
      }
      throw describe(error, { what: `binding as ${bindName}`, retry: false });
    }
    client = fresh;
    return fresh;
  }

  /** Upgrades an ldap:// connection; anything short of a verified TLS session stops before the password is sent. */
  async function startTls(fresh: Client): Promise<void> {
    try {
      await fresh.startTLS(tlsOptions());
    } catch (error) {
      if (isCertificateError(error) || isUnreachable(error)) throw error;
      throw new LdapError(
        `The DC at ${target.url} did not start TLS (${errorMessage(error)}), so the password was not sent. ` +
          `Use ldaps://${target.host}:636, or enable LDAP over TLS on the DC (give it a certificate)`,
        'ldap-starttls',
        { cause: error },
      );
    }
  }

  let connectedOnce = false;

  /** Opens a session; after the DC has answered once in this run, a transient connect failure is tried again. */
  async function reopen(): Promise<Client> {
    for (let attempt = 0; ; attempt++) {
      try {
        const fresh = await open();
        connectedOnce = true;
        return fresh;
      } catch (error) {
        const delay = RECONNECT_DELAYS_MS[attempt];
        const transient = error instanceof LdapError && TRANSIENT_CONNECT.has(error.code);
        if (!connectedOnce || !transient || delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async function session(): Promise<Client> {
    if (client?.isBound) return client;
    opening ??= reopen().finally(() => {
      opening = undefined;
    });
    return opening;
  }

  // A DC answers one connection's requests in turn: more than a few on the wire only wait there, against their
  // timeout (a run with a thousand leavers would time its last writes out). The rest wait here, before the clock.
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    }
  }

  /** Runs an operation on the session; after a dropped connection, reconnects once and, when safe, sends it again. */
  function withSession<T>(operation: Operation, run: (bound: Client) => Promise<T>): Promise<T> {
    return slot(() => onSession(operation, run));
  }

  async function onSession<T>(operation: Operation, run: (bound: Client) => Promise<T>): Promise<T> {
    const first = await session();
    try {
      return await run(first);
    } catch (error) {
      if (!isConnectionLost(error)) throw describe(error, operation);
      discard(first);
      if (!operation.retry) throw describe(error, operation);
    }
    const second = await session();
    try {
      return await run(second);
    } catch (error) {
      if (isConnectionLost(error)) discard(second);
      throw describe(error, operation);
    }
  }

  // ---- reads --------------------------------------------------------------------------------------------------

  async function search(
    base: string,
    scope: 'base' | 'one' | 'sub',
    filter: string,
    attributes: string[],
  ): Promise<Entry[]> {
    return withSession({ what: `searching ${base} for ${filter.length > 200 ? `${filter.slice(0, 200)}…` : filter}`, retry: true }, async (bound) => {
      const entries: Entry[] = [];
      const pages = bound.searchPaginated(base, {
        scope,
        filter,
        attributes,
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        paged: { pageSize },
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

  const attributeCache = new Map<string, Promise<boolean>>();
  function hasAttribute(name: string): Promise<boolean> {
    const key = name.toLowerCase();
    let known = attributeCache.get(key);
    if (!known) {
      known = (async () => {
        const root = await readRootDse();
        const schema = root ? attributeReader(root).text('schemaNamingContext') : undefined;
        if (!schema) return false;
        const found = await search(
          schema,
          'one',
          `(&(objectClass=attributeSchema)(lDAPDisplayName=${escapeFilterValue(name)}))`,
          ['lDAPDisplayName'],
        );
        return found.length > 0;
      })();
      attributeCache.set(key, known);
      known.catch(() => attributeCache.delete(key));
    }
    return known;
  }

  /** Searches users for many assertions, a chunk at a time; returns each user once. */
  async function searchUsers(base: string, terms: string[]): Promise<FoundUser[]> {
    const unique = [...new Set(terms)];
    if (unique.length === 0) return [];
    const withExchange = await hasAttribute(EXCHANGE_HIDE);
    const attributes = withExchange ? [...USER_ATTRIBUTES, EXCHANGE_HIDE] : USER_ATTRIBUTES;
    const byDn = new Map<string, FoundUser>();
    for (const terms of chunk(unique, termsPerFilter)) {
      const entries = await search(base, 'sub', `(&${USER_FILTER}(|${terms.join('')}))`, attributes);
      for (const entry of entries) {
        const found = toFoundUser(entry, withExchange);
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
    const terms = valid.flatMap((dn) => (dn ? [`(distinguishedName=${escapeFilterValue(dn)})`] : []));
    // Managers may sit outside the leavers' search base, so the whole domain is searched.
    const found = await searchUsers(domainRoot(options.baseDn), terms);
    const byDn = new Map(found.map((f) => [lower(normalizeDn(f.user.dn)), f.user]));
    return valid.map((dn) => (dn ? byDn.get(lower(dn)) : undefined));
  }

  let self: Promise<{ dn?: string; objectSid?: string }> | undefined;
  function whoami(): Promise<{ dn?: string; objectSid?: string }> {
    self ??= (async () => {
      const attributes = ['objectSid'];
      let entries: Entry[];
      if (isValidDn(bindName)) {
        entries = await search(normalizeDn(bindName), 'base', '(objectClass=*)', attributes);
      } else {
        const filter = bindName.includes('@')
          ? `(userPrincipalName=${escapeFilterValue(bindName)})`
          : `(sAMAccountName=${escapeFilterValue(bareSam(bindName))})`;
        entries = await search(domainRoot(options.baseDn), 'sub', filter, attributes);
      }
      const [entry] = entries;
      if (!entry) return isValidDn(bindName) ? { dn: bindName } : {};
      const sid = attributeReader(entry).binary('objectSid');
      return { dn: entry.dn, objectSid: sid ? sidToString(sid) : undefined };
    })();
    self.catch(() => {
      self = undefined;
    });
    return self;
  }

  // ---- writes -------------------------------------------------------------------------------------------------

  async function modify(dn: string, changes: LdapChange[]): Promise<void> {
    const attributes = [...new Set(changes.map((c) => c.attribute))];
    const request = changes.map(
      (c) => new Change({ operation: c.operation, modification: new Attribute({ type: c.attribute, values: c.values }) }),
    );
    // A replace lands the same way twice, so it is sent again after a drop; an add or a delete of a value is not.
    const retry = changes.every((c) => c.operation === 'replace');
    await withSession({ what: `writing ${attributes.join(', ')} on ${dn}`, retry, write: { dn, attributes } }, async (bound) => {
      stats.modifies++;
      await bound.modify(dn, request);
    });
  }

  async function move(dn: string, newParentDn: string): Promise<string> {
    const [rdn] = parseDn(dn);
    const newDn = `${rdn.type}=${escapeDnValue(rdn.value)},${normalizeDn(newParentDn)}`;
    const send = () =>
      withSession(
        {
          what: `moving ${dn} to ${newParentDn}`,
          retry: false,
          write: { dn, attributes: ['distinguishedName'] },
          denied:
            `${bindName} may not move ${dn} to ${newParentDn}: delegate "Delete User objects" on its OU and ` +
            `"Create User objects" on ${newParentDn} to ${bindName}`,
        },
        async (bound) => {
          stats.modifies++;
          await bound.modifyDN(dn, newDn);
        },
      );
    try {
      await send();
    } catch (error) {
      // Not sent again blindly after a drop: once the first request landed, the old DN is gone and a second one fails.
      // Where the entry is now says whether it landed.
      if (!(error instanceof LdapError && error.code === 'ldap-connection-lost')) throw error;
      if (await exists(newDn)) return newDn;
      if (!(await exists(dn))) throw error;
      await send();
    }
    return newDn;
  }

  async function exists(dn: string): Promise<boolean> {
    try {
      return (await search(dn, 'base', '(objectClass=*)', ['objectClass'])).length > 0;
    } catch (error) {
      if (error instanceof LdapError && error.code === 'ldap-no-such-object') return false;
      throw error;
    }
  }

  async function removeGroupMember(groupDn: string, memberDn: string): Promise<void> {
    const change = new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) });
    // Idempotent: a member already gone (removed by hand, or by a first request whose answer was lost) is success.
    await withSession(
      {
        what: `removing ${memberDn} from ${groupDn}`,
        retry: true,
        write: { dn: groupDn, attributes: ['member'] },
        denied: `${bindName} may not write member on ${groupDn}: delegate "Write Members" on the group's OU to ${bindName}`,
      },
      async (bound) => {
        stats.modifies++;
        try {
          await bound.modify(groupDn, change);
        } catch (error) {
          const code = resultCode(error);
          if ((code === 16 || code === 53) && !(await isMember(bound, groupDn, memberDn))) return;
          throw error;
        }
      },
    );
  }

  async function isMember(bound: Client, groupDn: string, memberDn: string): Promise<boolean> {
    stats.searches++;
    const result = await bound.search(groupDn, {
      scope: 'base',
      filter: `(member=${escapeFilterValue(normalizeDn(memberDn))})`,
      attributes: ['objectClass'],
    });
    return result.searchEntries.length > 0;
  }

  return {
    stats,
    async connect() {
      await session();
    },
    findUsers,
    readUsers,
    modify,
    move,
    removeGroupMember,
    hasAttribute,
    whoami,
    async close() {
      const open = client;
      client = undefined;
      if (open) await open.unbind().catch(() => undefined);
    },
  };
}
