// What the action sent to each service per leaver, from the servers' logs, against the least any implementation must send.
import type { TimedSearch, TimedWrite } from '../test/stack/ldap-proxy.js';
import type { LogEntry } from '../test/stack/simulator/types.js';
import { FLOOR_WITH_READ_BACK, MINIMUM_PER_USER, operationMs, PROFILE } from './profile.js';

type GapService = 'exchange' | 'sharepoint' | 'graph' | 'ad';
const GAP_SERVICES: readonly GapService[] = ['exchange', 'sharepoint', 'graph', 'ad'];

/** One service's load in one run. */
interface ServiceLoad {
  /** Calls: cmdlets and site connections, Graph calls (each `$batch` item), LDAP searches and writes. */
  calls: number;
  /** Requests on the wire: a `$batch` once, everything else each. */
  requests: number;
  /** At time scale 1 by the profile; AD: the searches' measured server time (LDAP is real; writes are not timed). */
  profileMs: number;
  /** Calls per operation kind (`exo.cmdlet.Get-MailboxPermission`, `ldap.search`, …). */
  ops: Record<string, number>;
}

export type ServiceLoads = Record<GapService, ServiceLoad>;

const empty = (): ServiceLoad => ({ calls: 0, requests: 0, profileMs: 0, ops: {} });
const count = (load: ServiceLoad, op: string): void => {
  load.ops[op] = (load.ops[op] ?? 0) + 1;
};

/**
 * Each service's load from the simulator's request log and the LDAP proxy's log of one action run. The sessions'
 * own connects (one per session) are session-ready time, not per-leaver work, and are left out; a further connect is
 * counted with its token.
 */
export function serviceLoads(entries: readonly LogEntry[], ldap: { searches: readonly TimedSearch[]; writes: readonly TimedWrite[] }, sessions: number): ServiceLoads {
  const loads: ServiceLoads = { exchange: empty(), sharepoint: empty(), graph: empty(), ad: empty() };
  const sessionConnects = { 'exo.connect': sessions, 'spo.connect': sessions } as Record<string, number>;
  for (const entry of entries) {
    const service = entry.resource === 'entra' ? undefined : entry.resource;
    if (!service) continue;
    const load = loads[service];
    if (entry.op in sessionConnects && (sessionConnects[entry.op] ?? 0) > 0) {
      sessionConnects[entry.op] = (sessionConnects[entry.op] ?? 0) - 1;
      continue;
    }
    if (entry.op === 'graph.batch') {
      load.requests++;
      load.profileMs += operationMs(entry.op);
      continue;
    }
    load.calls++;
    count(load, entry.op);
    if (entry.batchId) continue;
    load.requests++;
    load.profileMs += operationMs(entry.op) + (/^(?:exo|spo)\.connect$|^spo\.site-connect$/.test(entry.op) ? PROFILE.token.ms : 0);
  }
  for (const search of ldap.searches) {
    loads.ad.calls++;
    loads.ad.requests++;
    loads.ad.profileMs += search.ms ?? 0;
    count(loads.ad, 'ldap.search');
  }
  for (const write of ldap.writes) {
    loads.ad.calls++;
    loads.ad.requests++;
    count(loads.ad, `ldap.${write.operation}`);
  }
  return loads;
}

/** Graph's limit of calls in one `$batch`. */
const BATCH = 20;
/** Assertions per LDAP OR filter (the connector's default). */
const TERMS_PER_FILTER = 200;

/**
 * The least a run of the default steps must send per leaver, whatever the implementation, with why. Exchange and
 * SharePoint: one read and one change each (MINIMUM_PER_USER). Graph: the leaver's lookup (resolve), the revocation
 * (entra-revoke) and the OneDrive's URL (onedrive-access), 3 calls in full `$batch`es of 20; `entra-disable` sends
 * nothing for a user synced from AD. AD: one modify (ad-disable), and two searches per 200 leavers' assertions: the
 * lookup (2 per leaver: userPrincipalName and employeeID, as the bench's CSV gives them) and the read-back (1).
 */
const FLOOR_PER_LEAVER: Record<GapService, { calls: number; requests: number; profileMs: number; what: string }> = {
  exchange: { calls: 2, requests: 2, profileMs: MINIMUM_PER_USER.exchange.ms, what: MINIMUM_PER_USER.exchange.commands.join(' + ') },
  sharepoint: { calls: 2, requests: 2, profileMs: MINIMUM_PER_USER.sharepoint.ms, what: MINIMUM_PER_USER.sharepoint.commands.join(' + ') },
  graph: { calls: 3, requests: 3 / BATCH, profileMs: (3 / BATCH) * PROFILE.graphBatch.ms, what: `lookup + revokeSignInSessions + drive, in $batches of ${BATCH}` },
  ad: { calls: 1 + 3 / TERMS_PER_FILTER, requests: 1 + 3 / TERMS_PER_FILTER, profileMs: 0, what: `one modify; lookup and read-back in OR filters of ${TERMS_PER_FILTER} assertions` },
};

/** One service's gap in a run of N leavers with `sessions` sessions. */
export interface ServiceGap {
  service: GapService;
  perLeaver: { calls: number; requests: number; profileMs: number };
  floor: (typeof FLOOR_PER_LEAVER)[GapService];
  /** Per leaver, ms at time scale 1: what the action sent beyond the floor. */
  gapMs: number;
  /**
   * What the gap adds to the run at time scale 1: on a PowerShell service each session sends its commands one after
   * another, so ⌈N / sessions⌉ × the gap; Graph and AD run beside those streams (0 on the run's end, but their time
   * is on the way to the cut).
   */
  wallGapMs: number;
  /** The operations sent per leaver, most first. */
  ops: [string, number][];
}

export function serviceGaps(loads: ServiceLoads, run: { n: number; sessions: number }): ServiceGap[] {
  return GAP_SERVICES.map((service) => {
    const load = loads[service];
    const perLeaver = { calls: load.calls / run.n, requests: load.requests / run.n, profileMs: load.profileMs / run.n };
    const floor = FLOOR_PER_LEAVER[service];
    const gapMs = perLeaver.profileMs - floor.profileMs;
    const onTheStreams = service === 'exchange' || service === 'sharepoint';
    const ops = Object.entries(load.ops)
      .map(([op, calls]): [string, number] => [op, calls / run.n])
      .sort((a, b) => b[1] - a[1]);
    return { service, perLeaver, floor, gapMs, wallGapMs: onTheStreams ? Math.ceil(run.n / run.sessions) * gapMs : 0, ops };
  });
}

const perLeaverText = (value: number): string => value.toFixed(value < 1 ? 3 : 2);
const seconds = (ms: number): string => (ms / 1000).toFixed(Math.abs(ms) < 10_000 ? 2 : 1);
const opName = (op: string): string => op.replace(/^(?:exo|spo)\.cmdlet\./, '').replace(/^graph\./, '');

/** The lower bound's derivation and the gap per service, for latest.md. */
export function renderGaps(rows: { n: number; sessions: number; gaps: ServiceGap[]; derivation: string }[]): string[] {
  if (rows.length === 0) return [];
  const lines = ['## The lower bound and the gap per service', ''];
  for (const row of rows) lines.push(`- N=${row.n}, ${row.sessions} sessions: ${row.derivation}`);
  lines.push('');
  lines.push(
    'Per leaver, from the servers\' logs of the run (the sessions\' own connects left out, a further connection counted with its token), against ' +
      'the floor: what any implementation of the default steps must send. Time is the profile\'s at time scale 1; AD is real (the searches\' ' +
      'measured server time; writes are not timed). The gap in wall time is ⌈N / sessions⌉ × the gap per leaver on a PowerShell service, whose ' +
      'sessions send one command after another; Graph and AD run beside those streams, so their gap does not lengthen the run, but it is on the way ' +
      'to the cut.',
  );
  lines.push('');
  lines.push('| N | sessions | service | action calls / requests per leaver | floor calls / requests per leaver | action s per leaver (scale 1) | floor s per leaver | gap s per leaver | gap in wall time (scale 1) | sent per leaver |');
  lines.push('|---:|---:|---|---:|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    for (const gap of row.gaps) {
      const real = gap.service === 'ad' ? ' (real)' : '';
      const ops = gap.ops.slice(0, 6).map(([op, calls]) => `${opName(op)} ${perLeaverText(calls)}`).join(', ');
      lines.push(
        `| ${row.n} | ${row.sessions} | ${gap.service} | ${perLeaverText(gap.perLeaver.calls)} / ${perLeaverText(gap.perLeaver.requests)} | ` +
          `${perLeaverText(gap.floor.calls)} / ${perLeaverText(gap.floor.requests)} (${gap.floor.what}) | ${seconds(gap.perLeaver.profileMs)}${real} | ` +
          `${seconds(gap.floor.profileMs)} | ${seconds(gap.gapMs)} | ${gap.wallGapMs ? `${seconds(gap.wallGapMs)} s` : '– (beside the streams)'} | ${ops} |`,
      );
    }
  }
  lines.push('');
  const { exchange, sharepoint } = FLOOR_WITH_READ_BACK;
  lines.push(
    'The floor above has no read-back. The contract reads every change back, and with the documented cmdlets that costs, per leaver: ' +
      `Exchange ${exchange.commands.join(' + ')} = ${seconds(exchange.ms)} s (the grant's "already present" warning gives the state before, so no ` +
      `read goes before it); SharePoint ${sharepoint.commands.join(' + ')} = ${seconds(sharepoint.ms)} s.`,
  );
  lines.push('');
  lines.push(
    "Why SharePoint needs the connection to each OneDrive: no documented call reads a OneDrive's site collection admins without it. " +
      '`Get-PnPTenantSite -Identity` on the admin connection gives only the primary owner (`Owner`); `Get-PnPSiteCollectionAdmin` and ' +
      '`Get-PnPUser` read the site they are connected to; Microsoft Graph has no call for a site\'s admins; `Invoke-PnPSPRestMethod` sends the ' +
      "connection's own token, so the OneDrive's `/_api/web/siteusers` needs the OneDrive's connection as well. The admin site's " +
      '`SPO.Tenant/GetSiteAdministrators` would read them from the admin connection, with no connection to the OneDrive: ' +
      `${seconds(3 * PROFILE.sharepointCmdlet.ms)} s per leaver instead of ${seconds(sharepoint.ms)} s; but it is not documented, so the action ` +
      'does not use it.',
  );
  lines.push('');
  return lines;
}
