// Active Directory for the tests: a throwaway Samba 4 AD DC on a loopback address, verified LDAPS, seeded from the fixture.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, Control, type Entry } from 'ldapts';
import { baseFixture, type Fixture, type FixturePerson } from './fixture.js';
import { issueServerCertificate, type TestCa } from './tls.js';

const run = promisify(execFile);

/** What a process needs to administer the directory: enough to call `loadTenant` or `snapshotDirectory` from a worker. */
export interface LdapAdminFacts {
  /** `ldaps://<address>:636`. */
  url: string;
  /** PEM of the CA that signed the DC's certificate; verification is always on. */
  caPem: string;
  adminDn: string;
  adminPassword: string;
  baseDn: string;
}

/** The account the action binds as, with only the rights the AD steps need. */
interface ServiceAccount {
  dn: string;
  samAccountName: string;
  userPrincipalName: string;
  password: string;
  objectSid: string;
}

/** Each AD person of a fixture by key: the objectSid Samba gave it and its DN as the server writes it. */
export interface LoadedTenant {
  sids: Record<string, string>;
  dns: Record<string, string>;
}

export interface StartSambaOptions {
  /** Working folder: the provisioned domain, the pid file and the log go here. Emptied first. */
  dir: string;
  /** Loopback address the DC listens on; every DC on the machine needs its own. */
  address?: string;
  /** The test CA that issues the DC's certificate. */
  ca: TestCa;
  /** Seeded after start. Default: the base fixture. */
  fixture?: Fixture;
  /**
   * Extend the schema with the Exchange attributes the steps write (test/stack/exchange-schema.ldif), as Exchange's
   * setup /PrepareSchema does, and delegate writing them. Default: true. Without it the DC has AD's schema only.
   */
  exchangeSchema?: boolean;
}

export interface SambaHandle {
  readonly dir: string;
  readonly address: string;
  /** `ldaps://<address>:636`. */
  readonly url: string;
  /** The DC's name, which its certificate carries (with the address). */
  readonly fqdn: string;
  readonly realm: string;
  readonly baseDn: string;
  readonly upnSuffix: string;
  /** Target OU of the `ad-move` step. */
  readonly disabledOu: string;
  readonly admin: LdapAdminFacts;
  readonly serviceAccount: ServiceAccount;
  /** The read-only planner account, in the same OU. */
  readonly plannerAccount: ServiceAccount;
  /** What seeding the start fixture gave. */
  readonly seeded: LoadedTenant;
  /** Whether the schema has the Exchange attributes. */
  readonly exchangeSchema: boolean;
  /** `schema`: applying the Exchange schema extension (0 without it). */
  readonly startupMs: { provision: number; start: number; schema: number; seed: number; total: number };
  /** PID of the running `samba` process (leader of its process group), undefined while stopped. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
  /** Stops and starts the same domain again and waits for LDAPS. */
  restart(): Promise<void>;
}

const HOST_NAME = 'dc1';
const SERVICE_OU = 'OU=Service Accounts';
const SERVICE_SAM = 'svc-offboard';
/** The planner: an account with no delegation, which reads what authenticated users read and writes nothing. */
const PLANNER_SAM = 'svc-offboard-plan';
const DISABLED_OU = 'OU=Disabled Users';
const IN_FLIGHT = 8;
const READY_TIMEOUT_MS = 60_000;

// Schema GUIDs (identical in every AD forest) used in the service account's delegation.
const GUID = {
  userClass: 'bf967aba-0de6-11d0-a285-00aa003049e2',
  groupClass: 'bf967a9c-0de6-11d0-a285-00aa003049e2',
  userAccountControl: 'bf967a68-0de6-11d0-a285-00aa003049e2',
  description: 'bf967950-0de6-11d0-a285-00aa003049e2',
  member: 'bf9679c0-0de6-11d0-a285-00aa003049e2',
  name: 'bf967a0e-0de6-11d0-a285-00aa003049e2',
  cn: 'bf96793f-0de6-11d0-a285-00aa003049e2',
  displayName: 'bf967953-0de6-11d0-a285-00aa003049e2',
  /** The User-Force-Change-Password control access right ("Reset Password"), https://learn.microsoft.com/en-us/windows/win32/adschema/r-user-force-change-password */
  resetPassword: '00299570-246d-11d0-a768-00aa006e0529',
};

const TREE_DELETE = '1.2.840.113556.1.4.805';

/** RFC 4514 escaping of one attribute value in a DN. The backslash is hex-escaped so that no `\\,` pair appears. */
function escapeRdnValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((char, index) => {
      if (char === '\\') return '\\5C';
      if (char === '\0') return '\\00';
      if (',+"<>;='.includes(char)) return `\\${char}`;
      if (index === 0 && (char === ' ' || char === '#')) return `\\${char}`;
      if (index === chars.length - 1 && char === ' ') return '\\ ';
      return char;
    })
    .join('');
}

/** `S-1-5-21-…` from the binary objectSid. */
function sidToString(sid: Buffer): string {
  const count = sid.readUInt8(1);
  const authority = sid.readUIntBE(2, 6);
  const parts = [`S-${sid.readUInt8(0)}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(sid.readUInt32LE(8 + i * 4)));
  return parts.join('-');
}

/** The canonical text form of a binary objectGUID (its first three fields are little-endian). */
function guidToString(guid: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex');
  const le = (start: number, end: number) => hex(Buffer.from(guid.subarray(start, end)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(guid.subarray(8, 10))}-${hex(guid.subarray(10, 16))}`;
}

/**
 * A random password that meets AD complexity and contains none of the account's name tokens (AD rejects a password
 * that contains a token of three or more characters from sAMAccountName or displayName).
 */
function strongPassword(names: string[]): string {
  const tokens = names
    .flatMap((n) => n.split(/[,.\-_#\s\t]+/))
    .filter((t) => t.length >= 3)
    .map((t) => t.toLowerCase());
  for (;;) {
    const candidate = `${randomBytes(15).toString('base64url')}aZ7!`;
    const lower = candidate.toLowerCase();
    if (!tokens.some((t) => lower.includes(t))) return candidate;
  }
}

function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connectAdmin(ldap: LdapAdminFacts): Promise<Client> {
  const client = new Client({ url: ldap.url, tlsOptions: { ca: [ldap.caPem] }, connectTimeout: 5_000, timeout: 60_000 });
  await client.bind(ldap.adminDn, ldap.adminPassword);
  return client;
}

function single(entry: Entry, attribute: string): string | undefined {
  const value = entry[attribute];
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined ? undefined : String(value);
}

function userAttributes(person: FixturePerson, upnSuffix: string, managerDn: string | undefined): Attribute[] {
  const values: [string, (string | Buffer)[]][] = [
    ['objectClass', ['top', 'person', 'organizationalPerson', 'user']],
    ['sAMAccountName', [person.sam as string]],
    ['userPrincipalName', [person.userPrincipalName || `${person.sam}@${upnSuffix}`]],
    ['givenName', [person.givenName]],
    ['sn', [person.surname]],
    ['displayName', [person.displayName]],
    ['unicodePwd', [unicodePwd(strongPassword([person.sam as string, person.displayName]))]],
    ['userAccountControl', [String(person.userAccountControl ?? 512)]],
  ];
  if (person.mail) values.push(['mail', [person.mail]]);
  if (person.employeeId) values.push(['employeeID', [person.employeeId]]);
  if (person.adminCount !== undefined) values.push(['adminCount', [String(person.adminCount)]]);
  if (managerDn) values.push(['manager', [managerDn]]);
  return values.map(([type, vals]) => new Attribute({ type, values: vals as string[] | Buffer[] }));
}

async function existingDns(client: Client, baseDn: string, filter: string, scope: 'base' | 'one' | 'sub'): Promise<string[]> {
  try {
    const { searchEntries } = await client.search(baseDn, { scope, filter, attributes: ['distinguishedName'], paged: { pageSize: 500 } });
    return searchEntries.map((e) => e.dn);
  } catch (error) {
    if ((error as { code?: number }).code === 32) return []; // the base itself does not exist (yet)
    throw error;
  }
}

async function ensureOu(client: Client, dn: string): Promise<void> {
  if ((await existingDns(client, dn, '(objectClass=organizationalUnit)', 'base')).length) return;
  await client.add(dn, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
}

const sameDn = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Resets the fixture's part of the directory: deletes everything inside the fixture's OUs (the OUs themselves stay,
 * with their delegation; `OU=Service Accounts` is never touched), creates missing OUs, the groups, the users (with
 * managers and memberships), and returns each AD person's objectSid and DN by key.
 */
export async function loadTenant(ldap: LdapAdminFacts, fixture: Fixture): Promise<LoadedTenant> {
  const { baseDn, upnSuffix } = fixture.domain;
  if (!sameDn(baseDn, ldap.baseDn)) throw new Error(`fixture base DN ${baseDn} is not the directory's ${ldap.baseDn}`);
  const client = await connectAdmin(ldap);
  try {
    const ouDns = fixture.ous.map((ou) => `${ou},${baseDn}`);
    const kept = [...ouDns, `${SERVICE_OU},${baseDn}`, `CN=${SERVICE_SAM},${SERVICE_OU},${baseDn}`];
    const isKept = (dn: string) => kept.some((k) => sameDn(k, dn));

    // Children first into nested fixture OUs, so a tree delete never removes an OU that carries delegation.
    const doomed: string[] = [];
    for (const ou of ouDns) {
      for (const dn of await existingDns(client, ou, '(objectClass=*)', 'one')) if (!isKept(dn)) doomed.push(dn);
    }
    await inParallel(doomed, IN_FLIGHT, (dn) => client.del(dn, new Control(TREE_DELETE, { critical: true })));

    for (const ou of ouDns) await ensureOu(client, ou);

    const groupDn = new Map<string, string>();
    for (const group of fixture.groups) groupDn.set(group.name, `CN=${escapeRdnValue(group.name)},${group.ou},${baseDn}`);
    await inParallel(fixture.groups, IN_FLIGHT, (group) =>
      client.add(groupDn.get(group.name) as string, [
        new Attribute({ type: 'objectClass', values: ['top', 'group'] }),
        new Attribute({ type: 'sAMAccountName', values: [group.name] }),
      ]),
    );

    const people = fixture.people.filter((p) => p.sam);
    const knownOus = new Set(fixture.ous.map((o) => o.toLowerCase()));
    const dnByKey = new Map<string, string>();
    for (const person of people) {
      const ou = person.ou ?? 'OU=Staff';
      if (!knownOus.has(ou.toLowerCase())) throw new Error(`person ${person.key} is in ${ou}, which is not one of the fixture's OUs`);
      dnByKey.set(person.key, `CN=${escapeRdnValue(person.displayName)},${ou},${baseDn}`);
    }

    // Managers must exist when a user names one: create in waves, each wave's managers made by an earlier one.
    const created = new Set<string>();
    const lateManagers: FixturePerson[] = [];
    let pending = people;
    while (pending.length) {
      const wave = pending.filter((p) => !p.manager || !dnByKey.has(p.manager) || created.has(p.manager));
      const stuck = wave.length === 0; // a manager cycle: the rest get their manager afterwards
      const batch = stuck ? pending : wave;
      await inParallel(batch, IN_FLIGHT, async (person) => {
        const managerDn = !stuck && person.manager ? dnByKey.get(person.manager) : undefined;
        if (stuck && person.manager && dnByKey.has(person.manager)) lateManagers.push(person);
        await client.add(dnByKey.get(person.key) as string, userAttributes(person, upnSuffix, managerDn));
      });
      for (const p of batch) created.add(p.key);
      pending = pending.filter((p) => !created.has(p.key));
    }
    await inParallel(lateManagers, IN_FLIGHT, (person) =>
      client.modify(
        dnByKey.get(person.key) as string,
        new Change({ operation: 'replace', modification: new Attribute({ type: 'manager', values: [dnByKey.get(person.manager as string) as string] }) }),
      ),
    );

    const members = new Map<string, string[]>();
    for (const person of people) {
      for (const group of person.groups ?? []) {
        if (!groupDn.has(group)) throw new Error(`person ${person.key} is in group ${group}, which the fixture does not define`);
        members.set(group, [...(members.get(group) ?? []), dnByKey.get(person.key) as string]);
      }
    }
    for (const group of fixture.groups) {
      for (const parent of group.groups ?? []) {
        if (!groupDn.has(parent)) throw new Error(`group ${group.name} is in group ${parent}, which the fixture does not define`);
        members.set(parent, [...(members.get(parent) ?? []), groupDn.get(group.name) as string]);
      }
    }
    await inParallel([...members], IN_FLIGHT, ([group, dns]) =>
      client.modify(groupDn.get(group) as string, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: dns }) })),
    );
    // A primary group must already hold the user as a member; AD then keeps that membership implicit (primaryGroupID).
    await inParallel(people.filter((p) => p.primaryGroup), IN_FLIGHT, async (person) => {
      const group = person.primaryGroup as string;
      if (!person.groups?.includes(group)) throw new Error(`person ${person.key} has primary group ${group} but is not in it`);
      const { searchEntries } = await client.search(groupDn.get(group) as string, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
      const rid = sidToString(searchEntries[0].objectSid as Buffer).split('-').pop() as string;
      await client.modify(dnByKey.get(person.key) as string, new Change({ operation: 'replace', modification: new Attribute({ type: 'primaryGroupID', values: [rid] }) }));
    });

    const keyBySam = new Map(people.map((p) => [(p.sam as string).toLowerCase(), p.key]));
    const sids: Record<string, string> = {};
    const dns: Record<string, string> = {};
    for (const ou of ouDns) {
      const { searchEntries } = await client.search(ou, {
        scope: 'sub',
        filter: '(&(objectCategory=person)(objectClass=user))',
        attributes: ['sAMAccountName', 'objectSid'],
        explicitBufferAttributes: ['objectSid'],
        paged: { pageSize: 500 },
      });
      for (const entry of searchEntries) {
        const key = keyBySam.get((single(entry, 'sAMAccountName') ?? '').toLowerCase());
        if (!key || dns[key]) continue;
        sids[key] = sidToString(entry.objectSid as Buffer);
        dns[key] = entry.dn;
      }
    }
    const missing = people.filter((p) => !dns[p.key]).map((p) => p.key);
    if (missing.length) throw new Error(`seeded users not found afterwards: ${missing.join(', ')}`);
    return { sids, dns };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

// Attributes that change without anyone touching the object (logons, replication, RID pools, timestamps).
const VOLATILE = new Set(
  [
    'uSNChanged', 'uSNCreated', 'whenChanged', 'whenCreated', 'dSCorePropagationData', 'replPropertyMetaData',
    'lastLogon', 'lastLogonTimestamp', 'lastLogoff', 'badPasswordTime', 'badPwdCount', 'pwdLastSet', 'logonCount',
    'lockoutTime', 'modifiedCount', 'creationTime', 'rIDAvailablePool', 'rIDAllocationPool',
    'rIDPreviousAllocationPool', 'rIDNextRID', 'rIDUsedPool', 'msDS-LastSuccessfulInteractiveLogonTime',
  ].map((a) => a.toLowerCase()),
);

// Binary syntaxes that come back in a default search; read as buffers so that the snapshot shows them faithfully.
const BINARY = [
  'objectSid', 'objectGUID', 'nTSecurityDescriptor', 'logonHours', 'userCertificate', 'thumbnailPhoto',
  'mS-DS-ConsistencyGuid', 'msDS-GenerationId', 'auditingPolicy', 'sIDHistory', 'securityIdentifier', 'repsFrom',
  'repsTo', 'replUpToDateVector', 'dSASignature', 'msDS-TrustForestTrustInfo', 'userParameters', 'invocationId',
  'schemaIDGUID', 'attributeSecurityGUID', 'trustAuthIncoming', 'trustAuthOutgoing', 'msDS-ManagedPasswordId',
];

function snapshotValue(attribute: string, value: string | Buffer): string {
  if (!Buffer.isBuffer(value)) return value;
  const lower = attribute.toLowerCase();
  if (lower === 'objectsid' || lower === 'securityidentifier' || lower === 'sidhistory') return sidToString(value);
  if (lower === 'objectguid' && value.length === 16) return guidToString(value);
  return `base64:${value.toString('base64')}`;
}

/**
 * Every object under the base DN with its attributes, keyed by DN, values sorted, volatile attributes left out:
 * `expect(after).toEqual(before)` proves that nothing in the directory changed.
 */
export async function snapshotDirectory(ldap: LdapAdminFacts): Promise<Record<string, Record<string, string[]>>> {
  const client = await connectAdmin(ldap);
  try {
    const { searchEntries } = await client.search(ldap.baseDn, {
      scope: 'sub',
      filter: '(objectClass=*)',
      attributes: ['*'],
      explicitBufferAttributes: BINARY,
      paged: { pageSize: 500 },
    });
    const snapshot: Record<string, Record<string, string[]>> = {};
    for (const entry of [...searchEntries].sort((a, b) => (a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0))) {
      const attributes: Record<string, string[]> = {};
      for (const name of Object.keys(entry).sort()) {
        if (name === 'dn' || VOLATILE.has(name.toLowerCase())) continue;
        const raw = entry[name];
        const values = (Array.isArray(raw) ? raw : [raw]) as (string | Buffer)[];
        if (!values.length) continue; // ldapts lists requested names (here `*`) that came back without values
        attributes[name] = values.map((v) => snapshotValue(name, v)).sort();
      }
      snapshot[entry.dn] = attributes;
    }
    return snapshot;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Process ids listening on TCP at `address` (any port), from /proc, so that no tool beyond the kernel is needed. */
function listenersOn(address: string): number[] {
  const hex = address
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length > 9 && cols[3] === '0A' && cols[1].split(':')[0] === hex) inodes.add(cols[9]);
  }
  if (!inodes.size) return [];
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match && inodes.has(match[1])) {
        pids.push(Number(pid));
        break;
      }
    }
  }
  return pids;
}

function executableOf(pid: number): string | undefined {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return undefined;
  }
}

/** A field of /proc/<pid>/stat after the command name: 0 is the state, 1 the parent, 2 the process group. */
function statField(pid: number, index: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[index]);
  } catch {
    return undefined;
  }
}

const processGroupOf = (pid: number) => statField(pid, 2);

/**
 * The live Node process that started this Samba, if any. A stack's DC is a child of the process running the stack;
 * one whose parent is gone has been handed to init (or a subreaper) and is left over.
 */
function owningNode(pid: number): number | undefined {
  const leader = processGroupOf(pid) ?? pid;
  const parent = statField(SAMBA_BINARIES.has(executableOf(leader) ?? '') ? leader : pid, 1);
  return parent && parent > 1 && (executableOf(parent) ?? '').startsWith('node') ? parent : undefined;
}

/** Full path of a command: PATH, then the sbin folders a non-login root shell may lack. */
function locate(command: string): string {
  const folders = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin']);
  const found = folders.filter((f) => f !== '').map((f) => path.join(f, command)).find((file) => existsSync(file));
  if (!found) throw new Error(`${command} is not installed: run scripts/install-prereqs.sh (as root)`);
  return found;
}

const SAMBA_BINARIES = new Set(['samba', 'smbd', 'nmbd', 'winbindd']);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills a Samba process and, when it leads its own process group, the whole group. */
function killSamba(pid: number, signal: NodeJS.Signals): void {
  if (!SAMBA_BINARIES.has(executableOf(pid) ?? '')) return;
  const group = processGroupOf(pid);
  try {
    if (group && SAMBA_BINARIES.has(executableOf(group) ?? '')) process.kill(-group, signal);
    else process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Clears the ground for a DC on `address`: a Samba left over from an earlier run (found by the pid file in `dir` or
 * by listening on the address) is killed; a DC that a running stack still owns, or anything else listening there, is
 * an error.
 */
async function clearStaleSamba(dir: string, address: string): Promise<void> {
  const pidFile = path.join(dir, 'domain', 'run', 'samba.pid');
  const stale = new Set<number>(listenersOn(address));
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && alive(pid)) stale.add(pid);
  }
  const foreign = [...stale].filter((pid) => !SAMBA_BINARIES.has(executableOf(pid) ?? ''));
  if (foreign.length) {
    const names = foreign.map((pid) => `${executableOf(pid) ?? '?'} (pid ${pid})`).join(', ');
    throw new Error(`${address} is in use by ${names}: choose another address (STACK_DC_ADDRESS) or stop it`);
  }
  if (!stale.size) return;
  for (const pid of stale) {
    const owner = owningNode(pid);
    if (owner) {
      throw new Error(`${address} is in use by the DC of a running test stack (samba pid ${pid}, started by node pid ${owner}): set STACK_DC_ADDRESS to another 127.x address`);
    }
  }
  for (const pid of stale) killSamba(pid, 'SIGTERM');
  for (let waited = 0; waited < 5_000 && listenersOn(address).length; waited += 100) await sleep(100);
  for (const pid of listenersOn(address)) killSamba(pid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && listenersOn(address).length; waited += 100) await sleep(100);
  if (listenersOn(address).length) throw new Error(`a stale Samba on ${address} would not stop`);
}

async function waitForLdaps(admin: LdapAdminFacts, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`samba exited (${child.exitCode ?? child.signalCode}) before answering LDAPS:\n${tail(logPath)}`);
    }
    try {
      const client = await connectAdmin(admin);
      await client.unbind();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await sleep(100);
    }
  }
  throw new Error(`no verified LDAPS answer from ${admin.url} within ${READY_TIMEOUT_MS / 1000} s (${lastError}):\n${tail(logPath)}`);
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function sambaTool(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(locate('samba-tool'), args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`samba-tool ${args[0]} ${args[1] ?? ''} failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-10).join('\n')}`, { cause: error });
  }
}

/**
 * The service account's least rights, as an administrator would delegate them on each OU: write
 * userAccountControl, description, displayName and the RDN (rename/move) on users, reset users' passwords, write
 * member on groups, delete users from the OU, and create users in the disabled-users OU (ad-move) and in the OUs they
 * came from (an undo moves them back); with the Exchange schema, write the Exchange attributes the steps set on users.
 * Reading is what every authenticated user may do already.
 */
function delegationSddl(sid: string, exchangeAttributes: readonly string[]): string {
  const aces = [
    ...exchangeAttributes.map((guid) => `(OA;CI;RPWP;${guid};${GUID.userClass};${sid})`),
    `(OA;CI;RPWP;${GUID.userAccountControl};${GUID.userClass};${sid})`,
    `(OA;CI;RPWP;${GUID.description};${GUID.userClass};${sid})`,
    `(OA;CI;RPWP;${GUID.displayName};${GUID.userClass};${sid})`,
    `(OA;CI;CR;${GUID.resetPassword};${GUID.userClass};${sid})`,
    `(OA;CI;RPWP;${GUID.name};${GUID.userClass};${sid})`,
    `(OA;CI;RPWP;${GUID.cn};${GUID.userClass};${sid})`,
    `(OA;CI;RPWP;${GUID.member};${GUID.groupClass};${sid})`,
    `(OA;;DC;${GUID.userClass};;${sid})`,
    `(OA;;CC;${GUID.userClass};;${sid})`,
  ];
  return aces.join('');
}

/** Provisions a throwaway domain into `dir`, starts it on `address`, waits for verified LDAPS and seeds it. */
export async function startSamba(options: StartSambaOptions): Promise<SambaHandle> {
  const began = Date.now();
  const dir = path.resolve(options.dir);
  const address = options.address ?? '127.0.0.10';
  const fixture = options.fixture ?? baseFixture();
  const exchangeSchema = options.exchangeSchema ?? true;
  const { realm, netbios, baseDn, upnSuffix } = fixture.domain;
  const fqdn = `${HOST_NAME}.${realm.toLowerCase()}`;
  const domainDir = path.join(dir, 'domain');
  const conf = path.join(domainDir, 'etc', 'smb.conf');
  const samLdb = path.join(domainDir, 'private', 'sam.ldb');
  const logPath = path.join(dir, 'samba.log');

  const sambaBinary = locate('samba');
  locate('samba-tool');
  await clearStaleSamba(dir, address);
  rmSync(domainDir, { recursive: true, force: true });
  mkdirSync(path.join(domainDir, 'run'), { recursive: true });

  const cert = issueServerCertificate(options.ca, `samba-${address}`, { dns: [fqdn], ip: [address] });
  const adminPassword = strongPassword(['Administrator']);
  await sambaTool([
    'domain', 'provision',
    `--targetdir=${domainDir}`,
    `--realm=${realm}`,
    `--domain=${netbios}`,
    `--host-name=${HOST_NAME}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    `--adminpass=${adminPassword}`,
    `--option=interfaces=${address}/8`,
    '--option=bind interfaces only=yes',
    `--option=pid directory=${path.join(domainDir, 'run')}`,
    // LDAP is all the action and the tests speak; no DNS, file or RPC servers (and so no forwarding off the machine).
    '--option=server services=ldap',
    '--option=dns forwarder=',
    `--option=log file=${path.join(dir, 'samba-%m.log')}`,
    '--option=tls enabled=yes',
    `--option=tls keyfile=${cert.keyPath}`,
    `--option=tls certfile=${cert.certPath}`,
    `--option=tls cafile=${options.ca.caCertPath}`,
    // Samba refuses schema changes unless told otherwise (AD allows them to Schema Admins).
    ...(exchangeSchema ? ['--option=dsdb:schema update allowed=true'] : []),
  ]);
  const provisioned = Date.now();

  const admin: LdapAdminFacts = {
    url: `ldaps://${address}:636`,
    caPem: options.ca.caPem,
    adminDn: `CN=Administrator,CN=Users,${baseDn}`,
    adminPassword,
    baseDn,
  };

  let child: ChildProcess | undefined;
  const killOnExit = () => {
    if (child?.pid && child.exitCode === null) killSamba(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const log = openSync(logPath, 'a');
    try {
      // Its own process group, so that stop() takes its children (and a crashed run leaves one group to find).
      // A DC accepts the old password for an hour after a reset by default (NTLM, and Samba's simple binds): off here,
      // so a test can tell the reset from the bind. smb.conf(5) "old password allowed period",
      // https://www.samba.org/samba/docs/current/man-html/smb.conf.5.html; Windows: OldPasswordAllowedPeriod,
      // https://learn.microsoft.com/en-us/troubleshoot/windows-server/windows-security/new-setting-modifies-ntlm-network-authentication
      const options = ['--option=old password allowed period=0'];
      child = spawn(sambaBinary, ['-s', conf, ...options, '-i', '-M', 'single'], { detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    child.unref();
    await waitForLdaps(admin, child, logPath);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    try {
      process.kill(-running.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(-running.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await exited;
    }
    // Children of the single process (none expected) must not hold the address for the next start.
    for (let waited = 0; waited < 5_000 && listenersOn(address).length; waited += 100) await sleep(100);
  };

  const shutdown = async (): Promise<void> => {
    await stop();
    process.removeListener('exit', killOnExit);
  };

  try {
    await launch();
  } catch (error) {
    await shutdown();
    throw error;
  }
  const started = Date.now();

  let serviceAccount: ServiceAccount;
  let plannerAccount: ServiceAccount;
  let seeded: LoadedTenant;
  let extended: number;
  try {
    const exchangeAttributes = exchangeSchema ? await extendSchema(admin, options.ca.caCertPath, dir) : [];
    extended = Date.now();
    serviceAccount = await createServiceAccount(admin, upnSuffix, SERVICE_SAM, { displayName: 'Offboarding service account', description: 'Runs the offboarding workflow' }, true);
    plannerAccount = await createServiceAccount(admin, upnSuffix, PLANNER_SAM, { displayName: 'Offboarding planner account', description: 'Plans the offboarding workflow' }, false);
    const client = await connectAdmin(admin);
    try {
      for (const ou of fixture.ous) await ensureOu(client, `${ou},${baseDn}`);
    } finally {
      await client.unbind().catch(() => undefined);
    }
    // One samba-tool per OU, side by side: each is a Python start-up of about half a second.
    await Promise.all(
      fixture.ous.map((ou) =>
        sambaTool([
          'dsacl', 'set', '-s', conf, '-H', samLdb,
          `--objectdn=${ou},${baseDn}`,
          `--sddl=${delegationSddl(serviceAccount.objectSid, exchangeAttributes)}`,
        ]),
      ),
    );
    seeded = await loadTenant(admin, fixture);
  } catch (error) {
    await shutdown();
    throw error;
  }
  const seededAt = Date.now();

  return {
    dir,
    address,
    url: admin.url,
    fqdn,
    realm,
    baseDn,
    upnSuffix,
    disabledOu: `${DISABLED_OU},${baseDn}`,
    admin,
    serviceAccount,
    plannerAccount,
    seeded,
    exchangeSchema,
    startupMs: {
      provision: provisioned - began,
      start: started - provisioned,
      schema: extended - started,
      seed: seededAt - extended,
      total: seededAt - began,
    },
    get pid() {
      return child?.pid;
    },
    stop: shutdown,
    async restart() {
      await stop();
      await launch();
    },
  };
}

/** The Exchange attributes the steps write, as test/stack/exchange-schema.ldif adds them. */
const EXCHANGE_ATTRIBUTES = ['msExchHideFromAddressLists', 'msExchRecipientTypeDetails', 'msExchRemoteRecipientType'];

/**
 * Applies test/stack/exchange-schema.ldif with ldapmodify over verified LDAPS (one process, about as fast as the
 * requests themselves) and returns the schemaIDGUIDs of the attributes it added, for the delegation.
 */
async function extendSchema(admin: LdapAdminFacts, caCertPath: string, dir: string): Promise<string[]> {
  const ldif = readFileSync(new URL('./exchange-schema.ldif', import.meta.url), 'utf8').replaceAll('DC=X', admin.baseDn);
  const ldifPath = path.join(dir, 'exchange-schema.ldif');
  const passwordPath = path.join(dir, 'admin-password');
  writeFileSync(ldifPath, ldif);
  writeFileSync(passwordPath, admin.adminPassword, { mode: 0o600 });
  try {
    await run(locate('ldapmodify'), ['-H', admin.url, '-x', '-D', admin.adminDn, '-y', passwordPath, '-f', ldifPath], {
      env: { ...process.env, LDAPTLS_CACERT: caCertPath, LDAPTLS_REQCERT: 'demand' },
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`applying the Exchange schema extension failed: ${(e.stderr || e.message).trim()}`, { cause: error });
  } finally {
    rmSync(passwordPath, { force: true });
  }
  const client = await connectAdmin(admin);
  try {
    const schemaDn = `CN=Schema,CN=Configuration,${admin.baseDn}`;
    const filter = `(|${EXCHANGE_ATTRIBUTES.map((name) => `(lDAPDisplayName=${name})`).join('')})`;
    const { searchEntries } = await client.search(schemaDn, { scope: 'one', filter, attributes: ['schemaIDGUID'], explicitBufferAttributes: ['schemaIDGUID'] });
    if (searchEntries.length !== EXCHANGE_ATTRIBUTES.length) throw new Error(`the schema has ${searchEntries.length} of the ${EXCHANGE_ATTRIBUTES.length} Exchange attributes after the extension`);
    return searchEntries.map((entry) => guidToString(entry.schemaIDGUID as Buffer));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function createServiceAccount(admin: LdapAdminFacts, upnSuffix: string, sam: string, names: { displayName: string; description: string }, createOu: boolean): Promise<ServiceAccount> {
  const client = await connectAdmin(admin);
  try {
    const ou = `${SERVICE_OU},${admin.baseDn}`;
    if (createOu) await client.add(ou, [new Attribute({ type: 'objectClass', values: ['top', 'organizationalUnit'] })]);
    const dn = `CN=${sam},${ou}`;
    const password = strongPassword([sam]);
    const userPrincipalName = `${sam}@${upnSuffix}`;
    await client.add(dn, [
      new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
      new Attribute({ type: 'sAMAccountName', values: [sam] }),
      new Attribute({ type: 'userPrincipalName', values: [userPrincipalName] }),
      new Attribute({ type: 'displayName', values: [names.displayName] }),
      new Attribute({ type: 'description', values: [names.description] }),
      new Attribute({ type: 'unicodePwd', values: [unicodePwd(password)] }),
      new Attribute({ type: 'userAccountControl', values: ['66048'] }),
    ]);
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
    return { dn, samAccountName: sam, userPrincipalName, password, objectSid: sidToString(searchEntries[0].objectSid as Buffer) };
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
