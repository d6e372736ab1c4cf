// Time to cut access, read from the servers' logs of one run: when every leaver's access was cut, and when the last handover ended.
import type { LdapWrite } from '../test/stack/ldap-messages.js';
import type { LogEntry } from '../test/stack/simulator/types.js';
import { operationMs } from './profile.js';

/** A write the LDAP proxy relayed, with its arrival as epoch ms (the proxy's performance.now() + timeOrigin). */
export type EpochWrite = LdapWrite & { atMs: number };

/** One kind of cut: when its first and last writes were answered (ms from the run's start), and for how many leavers. */
interface CutKind {
  firstMs: number;
  lastMs: number;
  leavers: number;
}

/** All ms are from the run's start (the action's process started). */
export interface CutOffTimeline {
  /** `userAccountControl` modifies (ad-disable), at their arrival at the proxy, which relays them at once. */
  adDisabled?: CutKind;
  /** `POST /users/{id}/revokeSignInSessions` answered (entra-revoke). */
  sessionsRevoked?: CutKind;
  /** `POST /groups/{id}/members/$ref` answered (entra-block). */
  blockGroupJoined?: CutKind;
  /** The latest of the three: by then every leaver's access was cut. */
  accessCutMs?: number;
  /** The earliest of the three kinds' first writes: when the engine's cut-off pass was first seen on a server. */
  firstCutMs?: number;
  /** The first handover command about a leaver that reached Exchange or SharePoint (its arrival). */
  firstHandoverMs?: number;
  /** The last handover command's answer (Exchange, SharePoint), its read-back included. */
  handoverDoneMs?: number;
  /**
   * The simulator's latency before the cut: the union of its requests' latency at the run's scale (from arrival, the
   * profile's time × scale, at most the server time; the rest of a server time is the simulator's own work) from the
   * run's start to accessCutMs. That is the part of the way to the cut that stretches with the scale.
   */
  latencyBeforeCutMs: number;
  /** Whether a PowerShell session connected before the cut (preflight opens them): its module import lies on the way. */
  sessionsBeforeCut: boolean;
  /** The same busy time from the run's start to handoverDoneMs. */
  latencyBeforeHandoverDoneMs: number;
}

/** Commands of the cut-off steps on Exchange (mobile-wipe): not handover. */
const CUT_OFF_CMDLETS = new Set(['exo.cmdlet.Get-MobileDevice', 'exo.cmdlet.Clear-MobileDevice']);

const arrival = (entry: LogEntry): number => Date.parse(entry.at);

/** When a request was answered: a `$batch` item with its `$batch`. */
function answeredAt(entry: LogEntry, batches: ReadonlyMap<string, LogEntry>): number {
  const carrier = entry.batchId ? (batches.get(entry.batchId) ?? entry) : entry;
  return arrival(carrier) + (carrier.ms ?? 0);
}

function kind(times: { at: number; who: string }[], startMs: number): CutKind | undefined {
  if (times.length === 0) return undefined;
  return {
    firstMs: Math.min(...times.map((t) => t.at)) - startMs,
    lastMs: Math.max(...times.map((t) => t.at)) - startMs,
    leavers: new Set(times.map((t) => t.who.toLowerCase())).size,
  };
}

/** Total length of the union of intervals, each clipped to [from, to]. */
function unionMs(intervals: [number, number][], from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** The run's timeline from the simulator's request log and the LDAP proxy's writes; `startMs` is the run's start (epoch). */
export function cutOffTimeline(input: { startMs: number; timeScale: number; entries: readonly LogEntry[]; ldapWrites: readonly EpochWrite[] }): CutOffTimeline {
  const { startMs, entries } = input;
  const batches = new Map(entries.filter((e) => e.op === 'graph.batch').map((e) => [e.requestId, e]));
  const ok = entries.filter((e) => e.status < 300);
  const answered = (op: string) => ok.filter((e) => e.op === op).map((e) => ({ at: answeredAt(e, batches), who: e.user ?? e.path }));
  const disables = input.ldapWrites
    .filter((w) => w.operation === 'modify' && w.changes.some((c) => c.attribute.toLowerCase() === 'useraccountcontrol'))
    .map((w) => ({ at: w.atMs, who: w.dn }));
  const timeline: CutOffTimeline = {
    adDisabled: kind(disables, startMs),
    sessionsRevoked: kind(answered('graph.post.revoke'), startMs),
    blockGroupJoined: kind(answered('graph.post.groupMember'), startMs),
    latencyBeforeCutMs: 0,
    sessionsBeforeCut: false,
    latencyBeforeHandoverDoneMs: 0,
  };
  const kinds = [timeline.adDisabled, timeline.sessionsRevoked, timeline.blockGroupJoined].flatMap((k) => (k ? [k] : []));
  if (kinds.length > 0) {
    timeline.accessCutMs = Math.max(...kinds.map((k) => k.lastMs));
    timeline.firstCutMs = Math.min(...kinds.map((k) => k.firstMs));
  }

  const handover = entries.filter(
    (e) => (e.resource === 'exchange' || e.resource === 'sharepoint') && e.user && /^(?:exo\.cmdlet|spo\.cmdlet|spo\.site-connect)/.test(e.op) && !CUT_OFF_CMDLETS.has(e.op),
  );
  if (handover.length > 0) {
    timeline.firstHandoverMs = Math.min(...handover.map(arrival)) - startMs;
    timeline.handoverDoneMs = Math.max(...handover.map((e) => arrival(e) + (e.ms ?? 0))) - startMs;
  }
  const requests = entries
    .filter((e) => !e.batchId)
    .map((e): [number, number] => [arrival(e), arrival(e) + Math.min(e.ms ?? 0, operationMs(e.op) * input.timeScale)]);
  if (timeline.accessCutMs !== undefined) {
    const cutAt = startMs + timeline.accessCutMs;
    timeline.latencyBeforeCutMs = unionMs(requests, startMs, cutAt);
    timeline.sessionsBeforeCut = entries.some((e) => (e.op === 'exo.connect' || e.op === 'spo.connect') && arrival(e) < cutAt);
  }
  if (timeline.handoverDoneMs !== undefined) timeline.latencyBeforeHandoverDoneMs = unionMs(requests, startMs, startMs + timeline.handoverDoneMs);
  return timeline;
}

/**
 * A time of the run at time scale 1, projected: the latency on the way to it (the simulator's busy time, and the
 * module import when sessions opened before it) stretches by 1 / scale, the rest (Node, LDAP, pwsh start) stays as
 * measured, which on a loaded machine overstates it. The ceiling stretches everything.
 */
function projectToScale1(ms: number, latencyMs: number, timeScale: number): { estimateMs: number; ceilingMs: number } {
  if (timeScale <= 0 || timeScale >= 1) return { estimateMs: ms, ceilingMs: ms };
  return { estimateMs: ms - latencyMs + latencyMs / timeScale, ceilingMs: ms / timeScale };
}

/** Time to cut access in one table line. */
export interface CutOffRow {
  n: number;
  sessions: number;
  wallMs: number;
  timeline: CutOffTimeline;
  /** At time scale 1: access cut for every leaver, and the last handover's end (estimate and ceiling). */
  atScale1?: { accessCut?: { estimateMs: number; ceilingMs: number }; handoverDone?: { estimateMs: number; ceilingMs: number } };
}

/** The target: every leaver's access cut within this long of the run's start, N = 1,000 at time scale 1. */
const TARGET_MS = 120_000;

export function cutOffRow(timeline: CutOffTimeline, run: { n: number; sessions: number; wallMs: number; timeScale: number; moduleImportMs: number }): CutOffRow {
  const row: CutOffRow = { n: run.n, sessions: run.sessions, wallMs: run.wallMs, timeline };
  if (run.timeScale > 0 && run.timeScale < 1) {
    // The stand-in modules sleep for the scaled import time, which no server logs: on the way when sessions opened first.
    const imports = timeline.sessionsBeforeCut ? run.moduleImportMs * run.timeScale : 0;
    row.atScale1 = {
      ...(timeline.accessCutMs !== undefined ? { accessCut: projectToScale1(timeline.accessCutMs, timeline.latencyBeforeCutMs + imports, run.timeScale) } : {}),
      ...(timeline.handoverDoneMs !== undefined
        ? { handoverDone: projectToScale1(timeline.handoverDoneMs, timeline.latencyBeforeHandoverDoneMs + run.moduleImportMs * run.timeScale, run.timeScale) }
        : {}),
    };
  }
  return row;
}

const sec = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
const cut = (kind: CutKind | undefined): string => (kind ? `${sec(kind.lastMs)} (${kind.leavers})` : '– (none sent)');

/** The time-to-cut section of latest.md, with the target's verdict for N = 1,000. */
export function renderCutOff(rows: CutOffRow[], timeScale: number): string[] {
  if (rows.length === 0) return [];
  const lines = ['## Time to cut access', ''];
  lines.push(
    'From the servers\' logs, in seconds from the start of the action\'s process: the last leaver\'s AD account disabled (the `userAccountControl` ' +
      'modify\'s arrival at the LDAP proxy, which relays it at once), sessions revoked and block group joined (the answer to the last ' +
      '`revokeSignInSessions`, to the last `POST /groups/{id}/members/$ref`), each with the number of leavers it reached; access is cut for every ' +
      'leaver at the latest of them. Then the first handover command to Exchange or SharePoint (its arrival) and the end of the last one (its answer, ' +
      'read-back included). The engine runs every leaver\'s cut-off steps before any leaver\'s handover, so the first handover comes after the cut. ' +
      '*First cut* is the first cut-off write: before it lie the start, preflight (the PowerShell sessions open there) and resolve. ' +
      `At time scale 1 the simulator's latency on the way (the union of its requests' profile latency × ${timeScale} from their arrival, and the ` +
      `module import when the sessions opened first) stretches by 1 / ${timeScale}, the rest stays as measured (estimate); the ceiling stretches everything.`,
  );
  lines.push('');
  lines.push('| N | sessions | AD disabled s (leavers) | sessions revoked s (leavers) | block group joined s (leavers) | first cut s | access cut s | first handover s | last handover ended s | run s | access cut at time scale 1: estimate / ceiling | last handover at time scale 1: estimate / ceiling |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const t = row.timeline;
    const at1 = (p: { estimateMs: number; ceilingMs: number } | undefined): string => (p ? `${sec(p.estimateMs)} / ${sec(p.ceilingMs)}` : '–');
    lines.push(
      `| ${row.n} | ${row.sessions} | ${cut(t.adDisabled)} | ${cut(t.sessionsRevoked)} | ${cut(t.blockGroupJoined)} | ${sec(t.firstCutMs)} | ${sec(t.accessCutMs)} | ` +
        `${sec(t.firstHandoverMs)} | ${sec(t.handoverDoneMs)} | ${sec(row.wallMs)} | ${at1(row.atScale1?.accessCut)} | ${at1(row.atScale1?.handoverDone)} |`,
    );
  }
  lines.push('');
  for (const row of rows.filter((r) => r.n === 1000)) {
    const projected = row.atScale1?.accessCut;
    const verdict = (ms: number): string => (ms <= TARGET_MS ? 'met' : `missed by ${sec(ms - TARGET_MS)} s`);
    lines.push(
      `- N=${row.n}, ${row.sessions} sessions, access cut for every leaver within 2 minutes at time scale 1 (target): ` +
        (projected
          ? `projected ${sec(projected.estimateMs)} s (${verdict(projected.estimateMs)}), at most ${sec(projected.ceilingMs)} s (${verdict(projected.ceilingMs)}).`
          : `measured ${sec(row.timeline.accessCutMs)} s at time scale ${timeScale} (${row.timeline.accessCutMs !== undefined ? verdict(row.timeline.accessCutMs) : 'no cut seen'}).`),
    );
  }
  lines.push('');
  return lines;
}
