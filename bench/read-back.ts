// The cost of read-back, attributed from the servers' own logs: each read of a user that follows a step's write for that user.
import type { TimedSearch, TimedWrite } from '../test/stack/ldap-proxy.js';
import type { LogEntry } from '../test/stack/simulator/types.js';
import { operationMs } from './profile.js';

type Service = 'ad' | 'graph' | 'exchange' | 'sharepoint';
const SERVICES: readonly Service[] = ['ad', 'graph', 'exchange', 'sharepoint'];

/** One service's read-back in one run. */
export interface ReadBackCost {
  /** Read-back calls: LDAP searches, Graph calls ($batch items each), cmdlets and the site connections they need. */
  calls: number;
  /** Requests on the wire: an LDAP search or a Graph `$batch` counts once, however many users it reads back. */
  requests: number;
  /** Server time of those requests (a `$batch` in the share of its items that are read-backs), ms. */
  serverMs: number;
  /** The same calls at time scale 1, by the latency profile, ms (LDAP is real and counted as measured). */
  profileMs: number;
  /** Writes of the service that were read back, and all of its writes. */
  writesReadBack: number;
  writes: number;
}

export type ReadBackCosts = Record<Service, ReadBackCost>;

const empty = (): ReadBackCost => ({ calls: 0, requests: 0, serverMs: 0, profileMs: 0, writesReadBack: 0, writes: 0 });

type Kind = 'read' | 'write' | 'connect' | 'other';

/** What a simulator log entry is for its user: a read, a write, a site connection (part of the read after it). */
function kindOf(entry: LogEntry): Kind {
  if (entry.resource === 'graph') return entry.op === 'graph.batch' ? 'other' : entry.method === 'GET' ? 'read' : 'write';
  if (entry.op === 'spo.site-connect') return 'connect';
  const cmdlet = /^(?:exo|spo)\.cmdlet\.(.+)$/.exec(entry.op)?.[1];
  if (!cmdlet) return 'other';
  return /^Get-/i.test(cmdlet) ? 'read' : 'write';
}

/** A Graph request's object: its path without the query and the version segment. */
const objectPath = (entry: LogEntry): string => entry.path.split('?')[0]?.replace(/^\/(v1\.0|beta)(?=\/)/, '').toLowerCase() ?? '';

/**
 * For each write about a user, the read-back is what comes next for that user on that service: the site connection a
 * SharePoint read needs, the first read, and repeats of that same read (a change that did not show yet is read again).
 * A write, or a read of another kind, ends it: that is the next step's work. On Graph only a read of the object written counts.
 */
function readBackEntries(entries: LogEntry[]): { write: LogEntry; reads: LogEntry[] }[] {
  const byUser = new Map<string, LogEntry[]>();
  for (const entry of entries) {
    if (!entry.user || kindOf(entry) === 'other') continue;
    const key = `${entry.resource}\u0000${entry.user.toLowerCase()}`;
    byUser.set(key, [...(byUser.get(key) ?? []), entry]);
  }
  const found: { write: LogEntry; reads: LogEntry[] }[] = [];
  for (const list of byUser.values()) {
    // Arrival order; entries that arrived in the same millisecond keep the order the log holds them in.
    const ordered = list
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.index - b.index)
      .map(({ entry }) => entry);
    ordered.forEach((write, at) => {
      if (kindOf(write) !== 'write') return;
      const after: LogEntry[] = [];
      let readOp: string | undefined;
      for (const next of ordered.slice(at + 1)) {
        const kind = kindOf(next);
        // On Graph the read-back re-reads the object written; other reads of the user are other steps' work.
        if (kind === 'read' && write.resource === 'graph' && objectPath(next) !== objectPath(write)) continue;
        if (kind === 'write' || (readOp !== undefined && (kind !== 'read' || next.op !== readOp))) break;
        if (kind === 'read') readOp = next.op;
        after.push(next);
      }
      found.push({ write, reads: readOp === undefined ? [] : after });
    });
  }
  return found;
}

/** Read-back of Graph, Exchange and SharePoint from the simulator's request log of one run. */
export function simulatorReadBack(entries: LogEntry[]): Omit<ReadBackCosts, 'ad'> {
  const batches = new Map(entries.filter((e) => e.op === 'graph.batch').map((e) => [e.requestId, e]));
  const itemsPerBatch = new Map<string, number>();
  for (const entry of entries) if (entry.batchId) itemsPerBatch.set(entry.batchId, (itemsPerBatch.get(entry.batchId) ?? 0) + 1);
  const costs = { graph: empty(), exchange: empty(), sharepoint: empty() };
  const batchesCounted = new Set<string>();
  for (const { write, reads } of readBackEntries(entries)) {
    const cost = costs[write.resource as keyof typeof costs];
    if (!cost) continue;
    cost.writes++;
    if (reads.length > 0) cost.writesReadBack++;
    for (const entry of reads) {
      cost.calls++;
      const batch = entry.batchId ? batches.get(entry.batchId) : undefined;
      if (!batch) {
        cost.serverMs += entry.ms ?? 0;
        cost.profileMs += operationMs(entry.op);
        cost.requests++;
        continue;
      }
      // A $batch carries other calls too: the read-back pays its share of it.
      const share = 1 / (itemsPerBatch.get(batch.requestId) ?? 1);
      cost.serverMs += (batch.ms ?? 0) * share;
      cost.profileMs += operationMs('graph.batch') * share;
      if (!batchesCounted.has(batch.requestId)) cost.requests++;
      batchesCounted.add(batch.requestId);
    }
  }
  return costs;
}

/** A DN as a key: RFC 4514 hex escapes read, case and the blanks after separators ignored. */
function dnKey(dn: string): string {
  return dn
    .replace(/\\([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/** The DNs a search filter names as `(distinguishedName=…)`; filter values escape `\`, `*`, `(`, `)` as `\XX`. */
function dnsInFilter(filter: string): string[] {
  return [...filter.matchAll(/\(distinguishedName=((?:[^()\\]|\\.)*)\)/gi)].map((match) => dnKey(match[1] ?? ''));
}

/** Where an entry is after a write: its DN, or the new DN of a rename or move. */
function dnAfter(write: TimedWrite): string {
  if (write.operation !== 'modifyDN' || !write.newRdn) return dnKey(write.dn);
  const parent = write.newSuperior ?? write.dn.slice(write.dn.search(/(?<!\\),/) + 1);
  return dnKey(`${write.newRdn},${parent}`);
}

/**
 * Read-back of AD from what the LDAP proxy in front of the DC relayed: a search that names a DN read back after its
 * last write and before its next one. One search reads back many users (an OR of their DNs): it is one request,
 * and its server time (to SearchResultDone) counts once.
 */
export function ldapReadBack(searches: readonly TimedSearch[], writes: readonly TimedWrite[]): ReadBackCost {
  const cost = empty();
  const writesByDn = new Map<string, number[]>();
  for (const write of writes) {
    const dn = dnAfter(write);
    writesByDn.set(dn, [...(writesByDn.get(dn) ?? []), write.at]);
  }
  const named = searches.map((search) => new Set(dnsInFilter(search.filter)));
  const readBack = new Set<number>();
  for (const [dn, times] of writesByDn) {
    for (const [i, at] of times.entries()) {
      const until = times[i + 1] ?? Number.POSITIVE_INFINITY;
      const index = searches.findIndex((s, n) => s.at > at && s.at < until && named[n]?.has(dn));
      if (index === -1) continue;
      readBack.add(index);
      cost.writesReadBack++;
    }
  }
  cost.writes = writes.length;
  for (const index of readBack) {
    const search = searches[index] as TimedSearch;
    cost.calls++;
    cost.requests++;
    cost.serverMs += search.ms ?? 0;
    cost.profileMs += search.ms ?? 0;
  }
  return cost;
}

/** Read-back per leaver in one table line, and what it adds to the run's wall time. */
export interface ReadBackRow {
  n: number;
  sessions: number;
  perLeaver: Record<Service, { calls: number; requests: number; serverMs: number; profileMs: number }>;
  writesReadBack: Record<Service, string>;
  /**
   * Wall time it adds, estimated: each PowerShell session runs its commands one after another and the slowest
   * service's sessions end the run, so the read-back of that service adds its server time ÷ sessions. AD and Graph
   * read-backs run beside those streams and are left out.
   */
  addedWallMs: number;
  addedWallMsAtScale1: number;
  addedService: Service;
  wallMs: number;
}

export function readBackRow(costs: ReadBackCosts, run: { n: number; sessions: number; wallMs: number }): ReadBackRow {
  const perLeaver = Object.fromEntries(
    SERVICES.map((service) => {
      const c = costs[service];
      return [service, { calls: c.calls / run.n, requests: c.requests / run.n, serverMs: c.serverMs / run.n, profileMs: c.profileMs / run.n }];
    }),
  ) as ReadBackRow['perLeaver'];
  const streams = (['exchange', 'sharepoint'] as const).map((service) => ({ service, ms: costs[service].serverMs / run.sessions, at1: costs[service].profileMs / run.sessions }));
  const slowest = streams.reduce((a, b) => (b.ms > a.ms ? b : a));
  return {
    n: run.n,
    sessions: run.sessions,
    perLeaver,
    writesReadBack: Object.fromEntries(SERVICES.map((service) => [service, `${costs[service].writesReadBack}/${costs[service].writes}`])) as Record<Service, string>,
    addedWallMs: slowest.ms,
    addedWallMsAtScale1: slowest.at1,
    addedService: slowest.service,
    wallMs: run.wallMs,
  };
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);

/** The read-back section of latest.md. */
export function renderReadBack(rows: ReadBackRow[]): string[] {
  if (rows.length === 0) return [];
  const lines = ['## Read-back', ''];
  lines.push(
    'Every step with state reads its change back from the server before it is recorded `done`. The cost is attributed from the servers\' own logs, ' +
      'not from the action: on Graph, Exchange and SharePoint (the simulator\'s request log), the read of a user that follows a write for that user ' +
      '(with the site connection a SharePoint read needs, and repeats of that read); on AD (an LDAP proxy in front of the DC that relays and logs ' +
      'every search and write), a search whose filter names a DN after a write to it. One LDAP search or Graph `$batch` reads back many leavers: ' +
      'it is one request, so requests per leaver can be far below one. Server time is from a request\'s arrival to its answer (LDAP: to ' +
      'SearchResultDone); a `$batch` counts in the share of its items that are read-backs.',
  );
  lines.push('');
  lines.push('| N | sessions | service | writes read back | read-back calls per leaver | requests per leaver | server ms per leaver | at time scale 1, ms per leaver |');
  lines.push('|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    for (const service of SERVICES) {
      const p = row.perLeaver[service];
      const at1 = service === 'ad' ? `${fixed(p.profileMs, 2)} (real)` : fixed(p.profileMs, 0);
      lines.push(`| ${row.n} | ${row.sessions} | ${service} | ${row.writesReadBack[service]} | ${fixed(p.calls, 3)} | ${fixed(p.requests, 3)} | ${fixed(p.serverMs, 2)} | ${at1} |`);
    }
  }
  lines.push('');
  for (const row of rows) {
    lines.push(
      `- N=${row.n}, ${row.sessions} sessions: read-back adds about ${(row.addedWallMs / 1000).toFixed(1)} s to the run's ${(row.wallMs / 1000).toFixed(1)} s ` +
        `(${fixed((100 * row.addedWallMs) / row.wallMs, 1)} %), and about ${(row.addedWallMsAtScale1 / 60_000).toFixed(1)} min at time scale 1: ` +
        `the ${row.addedService} read-back's server time ÷ ${row.sessions} sessions. Each PowerShell session sends its commands one after another and ` +
        'the slowest service\'s sessions end the run; AD and Graph read-backs run beside them. This is derived, not measured by a run without read-back: ' +
        'the action has no switch to turn it off.',
    );
  }
  lines.push('');
  return lines;
}
