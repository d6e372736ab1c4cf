// The benchmark's time to cut access and its gap per service, read from made-up server logs.
import { describe, expect, it } from 'vitest';
import { cutOffRow, cutOffTimeline, renderCutOff, type EpochWrite } from '../../bench/cut-off.js';
import { serviceGaps, serviceLoads } from '../../bench/gap.js';
import type { TimedSearch, TimedWrite } from '../stack/ldap-proxy.js';
import type { LogEntry } from '../stack/simulator/types.js';

const START = Date.UTC(2026, 10, 30, 6, 0, 0);
let id = 0;
/** A log entry that arrived `at` ms after the run's start and took `ms`. */
function entry(at: number, fields: Partial<LogEntry> & Pick<LogEntry, 'op' | 'resource'>): LogEntry {
  id += 1;
  return { at: new Date(START + at).toISOString(), method: 'POST', path: '/', status: 200, requestId: `r${id}`, ms: 10, ...fields };
}
const uac = (dn: string, atMs: number): EpochWrite => ({
  operation: 'modify',
  dn,
  changes: [{ operation: 'replace', attribute: 'userAccountControl', values: ['514'] }],
  atMs: START + atMs,
});

describe('time to cut access from the servers’ logs', () => {
  it('takes each cut at its last answer (a $batch item with its $batch), and the latest of them as the cut for every leaver', () => {
    const batch = entry(2_000, { op: 'graph.batch', resource: 'graph', ms: 300 });
    const entries = [
      entry(500, { op: 'exo.connect', resource: 'exchange', ms: 400 }),
      batch,
      entry(2_000, { op: 'graph.post.revoke', resource: 'graph', user: 'a@x', batchId: batch.requestId, ms: undefined }),
      entry(2_000, { op: 'graph.post.revoke', resource: 'graph', user: 'b@x', batchId: batch.requestId, ms: undefined }),
      // A refused revocation cut nothing.
      entry(2_600, { op: 'graph.post.revoke', resource: 'graph', user: 'c@x', status: 403, ms: 5 }),
      entry(2_500, { op: 'graph.post.groupMember', resource: 'graph', user: 'a@x', ms: 150 }),
      entry(3_000, { op: 'exo.cmdlet.Get-MailboxPermission', resource: 'exchange', user: 'a@x', ms: 750 }),
      entry(3_800, { op: 'exo.cmdlet.Add-MailboxPermission', resource: 'exchange', user: 'a@x', ms: 750 }),
      entry(4_000, { op: 'spo.cmdlet.Set-PnPTenantSite', resource: 'sharepoint', user: 'b@x', ms: 1_000 }),
      // Preflight's commands are about nobody; the devices' wipe is a cut-off step's.
      entry(100, { op: 'exo.cmdlet.Get-OrganizationConfig', resource: 'exchange', ms: 5 }),
      entry(1_000, { op: 'exo.cmdlet.Clear-MobileDevice', resource: 'exchange', user: 'a@x', ms: 750 }),
    ];
    const ldapWrites = [uac('CN=a', 1_200), uac('CN=b', 1_900), { ...uac('CN=b', 1_950), changes: [] }];
    const timeline = cutOffTimeline({ startMs: START, timeScale: 1, entries, ldapWrites });
    expect(timeline).toMatchObject({
      adDisabled: { lastMs: 1_900, leavers: 2 },
      sessionsRevoked: { lastMs: 2_300, leavers: 2 },
      blockGroupJoined: { lastMs: 2_650, leavers: 1 },
      accessCutMs: 2_650,
      firstCutMs: 1_200,
      firstHandoverMs: 3_000,
      handoverDoneMs: 5_000,
      sessionsBeforeCut: true,
    });
    // Busy before the cut: 100–105, 500–900, 1,000–1,750, 2,000–2,300, 2,500–2,650 (the batch items are in their batch).
    expect(timeline.latencyBeforeCutMs).toBe(5 + 400 + 750 + 300 + 150);
    // At time scale 0.5 a request's latency is the profile's × 0.5 from its arrival, never more than its server time:
    // the connect 400 (of 4,000), the cmdlets 5 and 375, the $batch 150, the write 75, and the refused revocation's 5,
    // no longer inside the write's interval.
    expect(cutOffTimeline({ startMs: START, timeScale: 0.5, entries, ldapWrites }).latencyBeforeCutMs).toBe(5 + 400 + 375 + 150 + 75 + 5);
  });

  it('has no cut when nothing was cut, and says so in the report', () => {
    const timeline = cutOffTimeline({ startMs: START, timeScale: 0.05, entries: [], ldapWrites: [] });
    expect(timeline).toEqual({ latencyBeforeCutMs: 0, sessionsBeforeCut: false, latencyBeforeHandoverDoneMs: 0 });
    const lines = renderCutOff([cutOffRow(timeline, { n: 1000, sessions: 2, wallMs: 9_000, timeScale: 0.05, moduleImportMs: 1_500 })], 0.05);
    expect(lines.join('\n')).toContain('| 1000 | 2 | – (none sent) | – (none sent) | – (none sent) | – | – |');
    expect(lines.join('\n')).toContain('access cut for every leaver within 2 minutes at time scale 1 (target): measured – s');
  });

  it('projects to time scale 1 by stretching only the latency on the way, and judges the 2-minute target', () => {
    const timeline = { accessCutMs: 20_000, latencyBeforeCutMs: 4_000, sessionsBeforeCut: true, latencyBeforeHandoverDoneMs: 0 };
    const row = cutOffRow(timeline, { n: 1000, sessions: 2, wallMs: 60_000, timeScale: 0.05, moduleImportMs: 1_500 });
    // 20 s − 4.075 s + 4.075 s ÷ 0.05 (the busy time and the import's 75 ms at this scale).
    expect(row.atScale1?.accessCut?.estimateMs).toBeCloseTo(20_000 - 4_075 + 4_075 / 0.05, 6);
    expect(row.atScale1?.accessCut?.ceilingMs).toBe(400_000);
    const text = renderCutOff([row], 0.05).join('\n');
    expect(text).toContain('projected 97.4 s (met), at most 400.0 s (missed by 280.0 s)');
  });
});

describe('the gap per service', () => {
  it('counts what each service was sent per leaver, leaving out one connect per session, a $batch once', () => {
    const batch = entry(0, { op: 'graph.batch', resource: 'graph', ms: 300 });
    const entries = [
      entry(0, { op: 'token', resource: 'entra' }),
      entry(0, { op: 'exo.connect', resource: 'exchange' }),
      entry(0, { op: 'exo.connect', resource: 'exchange' }),
      entry(0, { op: 'exo.connect', resource: 'exchange' }),
      ...['a', 'b'].flatMap((u) => [
        entry(0, { op: 'exo.cmdlet.Get-EXOMailbox', resource: 'exchange', user: u }),
        entry(0, { op: 'exo.cmdlet.Get-MailboxPermission', resource: 'exchange', user: u }),
        entry(0, { op: 'exo.cmdlet.Add-MailboxPermission', resource: 'exchange', user: u }),
        entry(0, { op: 'exo.cmdlet.Get-MailboxPermission', resource: 'exchange', user: u }),
      ]),
      batch,
      ...['a', 'b'].map((u) => entry(0, { op: 'graph.post.revoke', resource: 'graph', user: u, batchId: batch.requestId, ms: undefined })),
      entry(0, { op: 'graph.get.user', resource: 'graph', method: 'GET' }),
    ];
    const search: TimedSearch = { base: 'DC=corp', filter: '(|(a)(b))', attributes: [], at: 0, ms: 12 };
    const write: TimedWrite = { operation: 'modify', dn: 'CN=a', changes: [], at: 0 };
    const loads = serviceLoads(entries, { searches: [search], writes: [write, { ...write, dn: 'CN=b' }] }, 2);
    const gaps = Object.fromEntries(serviceGaps(loads, { n: 2, sessions: 2 }).map((g) => [g.service, g]));
    // The third connect is beyond one per session: 8 s + its token's 0.15 s, with 8 cmdlets of 0.75 s, over 2 leavers.
    expect(gaps.exchange?.perLeaver).toEqual({ calls: 4.5, requests: 4.5, profileMs: (8_150 + 8 * 750) / 2 });
    expect(gaps.exchange?.gapMs).toBe((8_150 + 8 * 750) / 2 - 1_500);
    expect(gaps.exchange?.wallGapMs).toBe(1 * ((8_150 + 8 * 750) / 2 - 1_500));
    expect(gaps.exchange?.ops[0]).toEqual(['exo.cmdlet.Get-MailboxPermission', 2]);
    // Graph: 3 calls in 2 requests (a $batch of 2 items, one single read), 300 + 100 ms; beside the streams.
    expect(gaps.graph?.perLeaver).toEqual({ calls: 1.5, requests: 1, profileMs: 200 });
    expect(gaps.graph?.wallGapMs).toBe(0);
    expect(gaps.ad?.perLeaver).toEqual({ calls: 1.5, requests: 1.5, profileMs: 6 });
    expect(gaps.ad?.ops).toEqual([
      ['ldap.modify', 1],
      ['ldap.search', 0.5],
    ]);
    expect(gaps.sharepoint?.perLeaver).toEqual({ calls: 0, requests: 0, profileMs: 0 });
  });
});
